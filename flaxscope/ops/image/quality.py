"""TF1's image measures and derivative filters: ``tf.image.total_variation``, ``psnr``,
``ssim``, ``ssim_multiscale``, ``sobel_edges`` and ``image_gradients``.

PSNR and SSIM work in float32 on images scaled as :func:`tf.image.convert_image_dtype`
scales them (integer images to ``[0, 1]``), with ``max_val`` scaled the same way, so a
uint8 pair with ``max_val=255`` gives the same number as the float pair with ``1.0``.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops._convert import broadcast_shape, check_dtype, shape_text, to_tensor
from flaxscope.ops._registry import tf_op
from flaxscope.ops.image.adjust import convert_image_dtype

_F32 = np.dtype(np.float32)
# The dtypes of TF's Abs, which total_variation applies to the pixel differences.
_ABS_TYPES = tuple(
    np.dtype(t)
    for t in (jnp.bfloat16, np.float16, np.float32, np.float64, np.int8, np.int16, np.int32)
) + (np.dtype(np.int64),)
_CONV_FLOATS = tuple(np.dtype(t) for t in (np.float16, jnp.bfloat16, np.float32, np.float64))


def _as_float(image: jax.Array) -> jax.Array:
    return convert_image_dtype.__wrapped__(image, _F32)


def _scaled_max(max_val: Any, like: jax.Array) -> jax.Array:
    """``max_val`` cast to the image's dtype, then scaled to float32 as the image is."""
    return _as_float(jnp.asarray(max_val).astype(like.dtype))


@tf_op("image.total_variation", family="image", default_name="total_variation")
def total_variation(images: Any, name: str | None = None) -> jax.Array:
    """``tf.image.total_variation``: the sum of absolute differences between vertically and
    horizontally neighbouring pixels, one number per image (a scalar for ``[h, w, c]``,
    ``[batch]`` for ``[batch, h, w, c]``), in the images' dtype."""
    del name
    images = to_tensor(images)
    if images.ndim not in (3, 4):
        raise ValueError("'images' must be either 3 or 4-dimensional.")
    check_dtype(images, _ABS_TYPES, "x")
    axes = (-3, -2, -1)
    dy = jnp.abs(images[..., 1:, :, :] - images[..., :-1, :, :])
    dx = jnp.abs(images[..., :, 1:, :] - images[..., :, :-1, :])
    return jnp.sum(dy, axis=axes) + jnp.sum(dx, axis=axes)


@tf_op("image.psnr", family="image", default_name="PSNR")
def psnr(a: Any, b: Any, max_val: Any, name: str | None = None) -> jax.Array:
    """``tf.image.psnr``: peak signal-to-noise ratio in dB over the last three axes
    (``20 log10(max_val) - 10 log10(mse)``), float32, leading axes broadcast."""
    del name
    a, b = to_tensor(a), to_tensor(b)
    top = _scaled_max(max_val, a)
    a, b = _as_float(a), _as_float(b)
    broadcast_shape("SquaredDifference", "PSNR/SquaredDifference", a.shape, b.shape)
    diff = jnp.square(a - b)
    if diff.ndim < 3:
        raise ValueError(
            f"Invalid reduction dimension -3 for input with {diff.ndim} dimensions. for "
            f"'PSNR/Mean' (op: 'Mean') with input shapes: {shape_text(diff.shape)}, [3]"
        )
    _check_pair(a, b)
    mse = jnp.mean(diff, axis=(-3, -2, -1))
    log10 = jnp.log(jnp.float32(10.0))
    return 20.0 * jnp.log(top) / log10 - np.float32(10 / np.log(10)) * jnp.log(mse)


def _check_pair(a: jax.Array, b: jax.Array) -> None:
    """TF's static check that two image tensors can be compared (rank and h, w, c)."""
    for x in (a, b):
        if x.ndim < 3:
            raise ValueError(f"Shape {tuple(x.shape)} must have rank at least 3")
    if a.shape[-3:] != b.shape[-3:]:
        raise ValueError(f"Shapes {tuple(a.shape[-3:])} and {tuple(b.shape[-3:])} are incompatible")
    lead_a, lead_b = a.shape[:-3], b.shape[:-3]
    n = min(len(lead_a), len(lead_b))
    for da, db in zip(lead_a[len(lead_a) - n :], lead_b[len(lead_b) - n :], strict=True):
        if da != db and 1 not in (da, db):
            raise InvalidArgumentError(
                f"Incompatible batch dimensions of the images: {tuple(a.shape)} and "
                f"{tuple(b.shape)}"
            )


def _gaussian(size: int, sigma: float) -> np.ndarray:
    """The ``size x size`` Gaussian window SSIM averages with, normalized to sum 1."""
    coords = np.arange(size, dtype=np.float32) - np.float32(size - 1) / np.float32(2.0)
    sq = np.square(coords) * (np.float32(-0.5) / np.square(np.float32(sigma)))
    logits = (sq[None, :] + sq[:, None]).reshape(-1)
    weights = np.exp(logits - logits.max())
    return (weights / weights.sum()).astype(np.float32).reshape(size, size)


def _window_mean(x: jax.Array, window: np.ndarray) -> jax.Array:
    """Each channel filtered with ``window`` (VALID), over any leading axes."""
    lead, (h, w, c) = x.shape[:-3], x.shape[-3:]
    size = window.shape[0]
    kernel = jnp.asarray(np.tile(window[:, :, None, None], (1, 1, 1, c)), x.dtype)
    out = jax.lax.conv_general_dilated(
        x.reshape((-1, h, w, c)),
        kernel,
        window_strides=(1, 1),
        padding="VALID",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=c,
        precision=jax.lax.Precision.HIGHEST,
    )
    return out.reshape(lead + (h - size + 1, w - size + 1, c))


def _ssim_parts(
    x: jax.Array,
    y: jax.Array,
    top: jax.Array,
    filter_size: int,
    filter_sigma: float,
    k1: float,
    k2: float,
) -> tuple[jax.Array, jax.Array]:
    """Per-pixel luminance and contrast-structure terms of SSIM, per channel."""
    for img in (x, y):
        h, w = img.shape[-3:-1]
        for dim in (h, w):
            if dim < filter_size:
                raise ValueError(
                    f"Negative dimension size caused by subtracting {filter_size} from {dim} "
                    f"for 'SSIM/depthwise' (op: 'DepthwiseConv2dNative') with input shapes: "
                    f"{shape_text(img.shape)}, {shape_text((filter_size, filter_size, img.shape[-1], 1))}."
                )
    return _ssim_terms(x, y, top, int(filter_size), float(filter_sigma), float(k1), float(k2))


@functools.partial(jax.jit, static_argnums=(3, 4, 5, 6))
def _ssim_terms(
    x: jax.Array,
    y: jax.Array,
    top: jax.Array,
    filter_size: int,
    filter_sigma: float,
    k1: float,
    k2: float,
) -> tuple[jax.Array, jax.Array]:
    window = _gaussian(filter_size, filter_sigma)
    c1 = jnp.square(k1 * top)
    c2 = jnp.square(k2 * top)
    mean_x, mean_y = _window_mean(x, window), _window_mean(y, window)
    num0 = mean_x * mean_y * 2.0
    den0 = jnp.square(mean_x) + jnp.square(mean_y)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = _window_mean(x * y, window) * 2.0
    den1 = _window_mean(jnp.square(x) + jnp.square(y), window)
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return luminance, cs


def _prepare_pair(img1: Any, img2: Any, max_val: Any) -> tuple[jax.Array, jax.Array, jax.Array]:
    img1, img2 = to_tensor(img1), to_tensor(img2)
    _check_pair(img1, img2)
    top = _scaled_max(max_val, img1)
    return _as_float(img1), _as_float(img2), top


@tf_op("image.ssim", family="image", default_name="SSIM")
def ssim(
    img1: Any,
    img2: Any,
    max_val: Any,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    return_index_map: bool = False,
) -> jax.Array:
    """``tf.image.ssim``: structural similarity over a Gaussian window (``filter_size``,
    ``filter_sigma``; VALID, so images must be at least ``filter_size`` high and wide),
    averaged over positions and channels: float32 with the leading (batch) axes. With
    ``return_index_map`` the per-position map (averaged over channels only)."""
    x, y, top = _prepare_pair(img1, img2, max_val)
    luminance, cs = _ssim_parts(x, y, top, filter_size, filter_sigma, k1, k2)
    per_pixel = luminance * cs
    if return_index_map:
        return jnp.mean(per_pixel, axis=-1)
    return jnp.mean(per_pixel, axis=(-3, -2, -1))


_MS_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


@jax.jit
def _halve(x: jax.Array) -> jax.Array:
    """2x2 average pooling (VALID) after repeating the last row/column of an odd side."""
    lead, (h, w, c) = x.shape[:-3], x.shape[-3:]
    pads = [(0, 0)] * len(lead) + [(0, h % 2), (0, w % 2), (0, 0)]
    x = jnp.pad(x, pads, mode="symmetric")
    h2, w2 = (h + h % 2) // 2, (w + w % 2) // 2
    blocks = x.reshape(lead + (h2, 2, w2, 2, c))
    return (
        blocks[..., 0, :, 0, :]
        + blocks[..., 0, :, 1, :]
        + blocks[..., 1, :, 0, :]
        + blocks[..., 1, :, 1, :]
    ) * np.float32(0.25)


@tf_op("image.ssim_multiscale", family="image", default_name="MS-SSIM")
def ssim_multiscale(
    img1: Any,
    img2: Any,
    max_val: Any,
    power_factors: Any = _MS_WEIGHTS,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
) -> jax.Array:
    """``tf.image.ssim_multiscale``: MS-SSIM, the product over ``len(power_factors)`` scales
    (each half the size of the last, by 2x2 averaging) of the contrast-structure term, and
    of SSIM at the coarsest scale, each to its power factor; averaged over channels."""
    x, y, top = _prepare_pair(img1, img2, max_val)
    weights = jnp.asarray(power_factors, jnp.float32)
    terms = []
    for k in range(len(power_factors)):
        if k > 0:
            x, y = _halve(x), _halve(y)
        luminance, cs = _ssim_parts(x, y, top, filter_size, filter_sigma, k1, k2)
        terms.append(jax.nn.relu(jnp.mean(cs, axis=(-3, -2))))
    last = jnp.mean(luminance * cs, axis=(-3, -2))
    terms[-1] = jax.nn.relu(last)
    stacked = jnp.stack(terms, axis=-1)
    return jnp.mean(jnp.prod(jnp.power(stacked, weights), axis=-1), axis=-1)


@tf_op("image.sobel_edges", family="image", default_name=None)
def sobel_edges(image: Any) -> jax.Array:
    """``tf.image.sobel_edges``: the vertical and horizontal 3x3 Sobel responses of each
    channel of ``[batch, h, w, d]`` float images (reflect-padded), as
    ``[batch, h, w, d, 2]`` (``[..., 0]`` along the height, ``[..., 1]`` the width)."""
    image = to_tensor(image)
    if image.ndim != 4:
        raise ValueError(
            f"Shape must be rank 4 but is rank {image.ndim} for 'MirrorPad' (op: 'MirrorPad') "
            f"with input shapes: {shape_text(image.shape)}, [4,2]."
        )
    check_dtype(image, _CONV_FLOATS, "input")
    h, w = image.shape[1:3]
    if h < 2 or w < 2:
        raise InvalidArgumentError(
            f"paddings must be less than the dimension size: 1, 1 not less than {min(h, w)}"
        )
    # half-precision images are filtered in float32 (TF's kernel accumulates wider too)
    work = image.astype(jnp.float32) if image.dtype.itemsize < 4 else image
    p = jnp.pad(work, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")

    def at(dy: int, dx: int) -> jax.Array:
        return p[:, dy : dy + h, dx : dx + w, :]

    two = jnp.asarray(2, work.dtype)
    vertical = (at(2, 0) + two * at(2, 1) + at(2, 2)) - (at(0, 0) + two * at(0, 1) + at(0, 2))
    horizontal = (at(0, 2) + two * at(1, 2) + at(2, 2)) - (at(0, 0) + two * at(1, 0) + at(2, 0))
    return jnp.stack([vertical, horizontal], axis=-1).astype(image.dtype)


@tf_op("image.image_gradients", family="image", default_name=None)
def image_gradients(image: Any) -> tuple[jax.Array, jax.Array]:
    """``tf.image.image_gradients``: ``(dy, dx)``, the forward differences of
    ``[batch, h, w, d]`` images along height and width, zero in the last row (``dy``) and
    column (``dx``); same shape and dtype as ``image``."""
    image = to_tensor(image)
    if image.ndim != 4:
        raise ValueError(
            "image_gradients expects a 4D tensor [batch_size, h, w, d], not "
            f"{_shape_repr(image.shape)}."
        )
    dy = image[:, 1:] - image[:, :-1]
    dx = image[:, :, 1:] - image[:, :, :-1]
    dy = jnp.pad(dy, [(0, 0), (0, 1), (0, 0), (0, 0)])
    dx = jnp.pad(dx, [(0, 0), (0, 0), (0, 1), (0, 0)])
    return dy, dx


def _shape_repr(shape: tuple[int, ...]) -> str:
    """A shape as TF's ``TensorShape`` prints it: ``(5, 6, 3)``, ``(5,)``, ``()``."""
    return str(tuple(shape))
