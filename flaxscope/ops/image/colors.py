"""TF1's color ops: ``tf.image.adjust_brightness``/``contrast``/``gamma``/``saturation``/
``hue``, ``rgb_to_hsv``/``hsv_to_rgb`` and the random adjustments (``random_brightness``,
``random_contrast``, ``random_saturation``, ``random_hue``).

The adjustments work as TF's do: integer images are scaled to float32 ``[0, 1]`` first
(float16/float32 images are used as they are) and the result is converted back to the
input's dtype. The random ones draw one factor per call (not per image of a batch), with
keys from :func:`~flaxscope.transform.next_rng_key`, as the random flips do.

Unlike TF, whose AdjustContrastv2/AdjustSaturation/AdjustHue kernels have no gradient,
these are differentiable (plain JAX arithmetic).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops._convert import check_dtype, is_tensor, shape_text, to_tensor
from flaxscope.ops._registry import tf_op
from flaxscope.ops.image.adjust import convert_image_dtype
from flaxscope.transform import next_rng_key

_F32 = np.dtype(np.float32)
_KEPT_FLOATS = (np.dtype(np.float16), _F32)
_HSV_TYPES = tuple(np.dtype(t) for t in (np.float16, jnp.bfloat16, np.float32, np.float64))


def _to_float(image: Any) -> tuple[jax.Array, np.dtype]:
    """The image as the adjustments compute on it, and its original dtype."""
    image = jnp.asarray(image)
    original = np.dtype(image.dtype)
    if original in _KEPT_FLOATS:
        return image, original
    return convert_image_dtype.__wrapped__(image, _F32), original


def _back(image: jax.Array, dtype: np.dtype, saturate: bool) -> jax.Array:
    return convert_image_dtype.__wrapped__(image, dtype, saturate=saturate)


def _check_rank(image: jax.Array, op: str, node: str, extra: str) -> None:
    if image.ndim < 3:
        raise ValueError(
            f"Shape must be at least rank 3 but is rank {image.ndim} for '{node}' "
            f"(op: '{op}') with input shapes: {shape_text(image.shape)}, {extra}."
        )


def _check_rgb(image: jax.Array, op: str, node: str) -> None:
    _check_rank(image, op, node, "[]")
    if image.shape[-1] != 3:
        raise InvalidArgumentError(
            f"input must have 3 channels but instead has {image.shape[-1]} channels."
        )


@tf_op("image.adjust_brightness", family="image", default_name="adjust_brightness")
def adjust_brightness(image: Any, delta: Any) -> jax.Array:
    """``tf.image.adjust_brightness``: ``delta`` added to every value (on the ``[0, 1]``
    scale for integer images), saturated back to the input dtype."""
    flt, original = _to_float(image)
    return _back(flt + jnp.asarray(delta).astype(flt.dtype), original, True)


@tf_op("image.adjust_contrast", family="image", default_name="adjust_contrast")
def adjust_contrast(images: Any, contrast_factor: Any) -> jax.Array:
    """``tf.image.adjust_contrast``: each channel of each image moved away from its mean
    over height and width, ``(x - mean) * contrast_factor + mean``."""
    flt, original = _to_float(images)
    _check_rank(flt, "AdjustContrastv2", "adjust_contrast", "[]")
    work = flt.astype(jnp.float32)
    mean = jnp.mean(work, axis=(-3, -2), keepdims=True)
    factor = jnp.asarray(contrast_factor, jnp.float32)
    out = ((work - mean) * factor + mean).astype(flt.dtype)
    return _back(out, original, True)


@tf_op("image.adjust_gamma", family="image", default_name="adjust_gamma")
def adjust_gamma(image: Any, gamma: Any = 1, gain: Any = 1) -> jax.Array:
    """``tf.image.adjust_gamma``: ``gain * image ** gamma`` (on the ``[0, 1]`` scale for
    integer images); a negative static ``gamma`` is TF's ``ValueError``."""
    flt, original = _to_float(image)
    if not isinstance(gamma, jax.core.Tracer) and bool(np.any(np.asarray(gamma) < 0)):
        raise ValueError("Gamma should be a non-negative real number.")
    dtype = flt.dtype
    out = jnp.asarray(gain).astype(dtype) * jnp.power(flt, jnp.asarray(gamma).astype(dtype))
    return _back(out, original, True)


@jax.jit
def _rgb_to_hsv_core(images: jax.Array) -> jax.Array:
    return jnp.stack(_hsv_parts(images[..., 0], images[..., 1], images[..., 2]), axis=-1)


@jax.jit
def _hsv_to_rgb_core(images: jax.Array) -> jax.Array:
    return _rgb_from_hsv(images[..., 0], images[..., 1], images[..., 2])


def _hsv_parts(r: jax.Array, g: jax.Array, b: jax.Array) -> tuple[jax.Array, ...]:
    """Hue in ``[0, 1)``, saturation and value of RGB values (TF's RGBToHSV formula)."""
    value = jnp.maximum(jnp.maximum(r, g), b)
    spread = value - jnp.minimum(jnp.minimum(r, g), b)
    zero = jnp.zeros_like(value)
    safe_value = jnp.where(value > 0, value, 1)
    saturation = jnp.where(value > 0, spread / safe_value, zero)
    # the spread is 0 for grays; hue is 0 there (a safe divisor keeps its gradient finite)
    norm = 1 / (jnp.where(spread > 0, spread, 1) * 6)
    hue = jnp.where(
        r == value,
        norm * (g - b),
        jnp.where(g == value, norm * (b - r) + 2 / 6, norm * (r - g) + 4 / 6),
    )
    hue = jnp.where(spread > 0, hue, zero)
    hue = jnp.where(hue < 0, hue + 1, hue)
    return hue, saturation, value


def _rgb_from_hsv(h: jax.Array, s: jax.Array, v: jax.Array) -> jax.Array:
    """TF's HSVToRGB formula (piecewise-linear channel ramps of ``6 h``)."""
    dh = h * 6
    red = jnp.clip(jnp.abs(dh - 3) - 1, 0, 1)
    green = jnp.clip(2 - jnp.abs(dh - 2), 0, 1)
    blue = jnp.clip(2 - jnp.abs(dh - 4), 0, 1)
    base = 1 - s
    return jnp.stack([(base + s * c) * v for c in (red, green, blue)], axis=-1)


def _hsv_input(images: Any) -> jax.Array:
    # TF converts a non-tensor value to the op's default type (float32) whatever its kind.
    if is_tensor(images):
        return images
    value = np.asarray(images)
    return to_tensor(value if value.dtype.kind == "f" else value.astype(np.float32))


def _check_three(images: jax.Array, op: str) -> None:
    if images.ndim < 1 or images.shape[-1] != 3:
        last = images.shape[-1] if images.ndim else "unknown"
        raise ValueError(
            f"Dimension must be 3 but is {last} for '{op}' (op: '{op}') with input shapes: "
            f"{shape_text(images.shape)}."
        )


@tf_op("image.rgb_to_hsv", family="image", default_name="RGBToHSV")
def rgb_to_hsv(images: Any, name: str | None = None) -> jax.Array:
    """``tf.image.rgb_to_hsv``: float RGB values in ``[0, 1]`` (last axis of size 3) to
    hue in ``[0, 1)``, saturation and value; differentiable, as TF's."""
    del name
    images = _hsv_input(images)
    check_dtype(images, _HSV_TYPES, "images")
    _check_three(images, "RGBToHSV")
    return _rgb_to_hsv_core(images)


@tf_op("image.hsv_to_rgb", family="image", default_name="HSVToRGB")
def hsv_to_rgb(images: Any, name: str | None = None) -> jax.Array:
    """``tf.image.hsv_to_rgb``: the inverse of :func:`rgb_to_hsv` (float, last axis of
    size 3). TF defines no gradient for it; this one is differentiable."""
    del name
    images = _hsv_input(images)
    check_dtype(images, _HSV_TYPES, "images")
    _check_three(images, "HSVToRGB")
    return _hsv_to_rgb_core(images)


def _sextant_rgb(h6: jax.Array, s: jax.Array, v: jax.Array) -> jax.Array:
    """RGB from a hue in ``[0, 6)``, saturation and value, by the hue's sextant (the
    formula of TF's AdjustSaturation kernel, which rounds differently from HSVToRGB)."""
    chroma = s * v
    low = v - chroma
    sextant = h6.astype(jnp.int32)
    frac = jnp.where(h6 > 0, jnp.mod(h6, 2), 0)
    mid = chroma * (1 - jnp.abs(frac - 1))
    zero = jnp.zeros_like(chroma)
    table = [
        (chroma, mid, zero),
        (mid, chroma, zero),
        (zero, chroma, mid),
        (zero, mid, chroma),
        (mid, zero, chroma),
        (chroma, zero, mid),
    ]
    out = []
    for channel in range(3):
        value = zero
        for i, row in enumerate(table):
            value = jnp.where(sextant == i, row[channel], value)
        out.append(value + low)
    return jnp.stack(out, axis=-1)


@tf_op("image.adjust_saturation", family="image", default_name="adjust_saturation")
def adjust_saturation(image: Any, saturation_factor: Any, name: str | None = None) -> jax.Array:
    """``tf.image.adjust_saturation``: each RGB pixel's HSV saturation multiplied by
    ``saturation_factor`` and clipped to ``[0, 1]``."""
    del name
    flt, original = _to_float(image)
    _check_rgb(flt, "AdjustSaturation", "adjust_saturation/AdjustSaturation")
    out = _saturation_core(flt.astype(jnp.float32), jnp.asarray(saturation_factor, jnp.float32))
    return _back(out.astype(flt.dtype), original, False)


@jax.jit
def _saturation_core(work: jax.Array, factor: jax.Array) -> jax.Array:
    hue, sat, value = _hsv_parts(work[..., 0], work[..., 1], work[..., 2])
    return _sextant_rgb(hue * 6, jnp.clip(sat * factor, 0, 1), value)


def _hue_range(r: jax.Array, g: jax.Array, b: jax.Array) -> tuple[jax.Array, ...]:
    """Hue in ``[0, 6]`` and the smallest and largest channel, by TF's AdjustHue case
    split (ties go to the same side as there)."""
    r_lt_g = r < g
    sextant = jnp.where(
        r_lt_g,
        jnp.where(b < r, 1, jnp.where(b > g, 3, 2)),
        jnp.where(b < g, 0, jnp.where(b > r, 4, 5)),
    )
    vmax = jnp.maximum(jnp.maximum(r, g), b)
    vmin = jnp.minimum(jnp.minimum(r, g), b)
    vmid = jnp.maximum(jnp.minimum(r, g), jnp.minimum(jnp.maximum(r, g), b))
    spread = vmax - vmin
    ratio = (vmid - vmin) / jnp.where(spread > 0, spread, 1)
    rising = sextant % 2 == 0
    hue = sextant.astype(r.dtype) + jnp.where(rising, ratio, 1 - ratio)
    return jnp.where(spread > 0, hue, 0), vmin, vmax


def _rgb_from_range(h6: jax.Array, vmin: jax.Array, vmax: jax.Array) -> jax.Array:
    sextant = h6.astype(jnp.int32)
    ratio = h6 - sextant.astype(h6.dtype)
    ratio = jnp.where(sextant % 2 == 0, ratio, 1 - ratio)
    vmid = vmin + ratio * (vmax - vmin)
    table = [
        (vmax, vmid, vmin),
        (vmid, vmax, vmin),
        (vmin, vmax, vmid),
        (vmin, vmid, vmax),
        (vmid, vmin, vmax),
    ]
    out = []
    for channel in range(3):
        value = (vmax, vmin, vmid)[channel]  # sextant 5 (and anything else)
        for i, row in enumerate(table):
            value = jnp.where(sextant == i, row[channel], value)
        out.append(value)
    return jnp.stack(out, axis=-1)


@tf_op("image.adjust_hue", family="image", default_name="adjust_hue")
def adjust_hue(image: Any, delta: Any, name: str | None = None) -> jax.Array:
    """``tf.image.adjust_hue``: each RGB pixel's hue rotated by ``delta`` (a fraction of
    the color circle), saturation and value kept."""
    del name
    flt, original = _to_float(image)
    _check_rgb(flt, "AdjustHue", "adjust_hue/AdjustHue")
    out = _hue_core(flt.astype(jnp.float32), jnp.asarray(delta, jnp.float32))
    return _back(out.astype(flt.dtype), original, False)


@jax.jit
def _hue_core(work: jax.Array, delta: jax.Array) -> jax.Array:
    h6, vmin, vmax = _hue_range(work[..., 0], work[..., 1], work[..., 2])
    h6 = h6 + delta * 6
    # TF wraps by adding or subtracting 6 until in range; one or two steps for |delta| <= 1
    for _ in range(2):
        h6 = jnp.where(h6 < 0, h6 + 6, h6)
    for _ in range(2):
        h6 = jnp.where(h6 >= 6, h6 - 6, h6)
    h6 = h6 - 6 * jnp.floor(h6 / 6)
    return _rgb_from_range(h6, vmin, vmax)


def _uniform(seed: int | None, low: float, high: float) -> jax.Array:
    key = next_rng_key()
    if seed is not None:
        key = jax.random.fold_in(key, int(seed) & 0xFFFFFFFF)
    return jax.random.uniform(key, (), jnp.float32, low, high)


def _check_range(lower: Any, upper: Any) -> None:
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")


@tf_op("image.random_brightness", family="image", default_name="random_brightness")
def random_brightness(image: Any, max_delta: float, seed: int | None = None) -> jax.Array:
    """``tf.image.random_brightness``: :func:`adjust_brightness` by a delta drawn
    uniformly from ``[-max_delta, max_delta)``."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = _uniform(seed, -max_delta, max_delta)
    return adjust_brightness.__wrapped__(image, delta)


@tf_op("image.random_contrast", family="image", default_name="random_contrast")
def random_contrast(image: Any, lower: float, upper: float, seed: int | None = None) -> jax.Array:
    """``tf.image.random_contrast``: :func:`adjust_contrast` by a factor drawn uniformly
    from ``[lower, upper)``."""
    _check_range(lower, upper)
    return adjust_contrast.__wrapped__(image, _uniform(seed, lower, upper))


@tf_op("image.random_saturation", family="image", default_name="random_saturation")
def random_saturation(image: Any, lower: float, upper: float, seed: int | None = None) -> jax.Array:
    """``tf.image.random_saturation``: :func:`adjust_saturation` by a factor drawn
    uniformly from ``[lower, upper)``."""
    _check_range(lower, upper)
    return adjust_saturation.__wrapped__(image, _uniform(seed, lower, upper))


@tf_op("image.random_hue", family="image", default_name="random_hue")
def random_hue(image: Any, max_delta: float, seed: int | None = None) -> jax.Array:
    """``tf.image.random_hue``: :func:`adjust_hue` by a delta drawn uniformly from
    ``[-max_delta, max_delta)``; ``max_delta`` must lie in ``[0, 0.5]``."""
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_hue.__wrapped__(image, _uniform(seed, -max_delta, max_delta))
