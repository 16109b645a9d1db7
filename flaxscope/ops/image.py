"""TF1's image ops (``tf.image.*``), registered with :func:`~flaxscope.ops._registry.tf_op`.

Resizing follows TF1's kernels, not ``jax.image.resize``: TF1's ``resize_images`` and
``resize_bilinear``/``resize_nearest_neighbor``/``resize_bicubic``/``resize_area`` map
output pixel ``i`` to input coordinate ``i * in / out`` (no half-pixel centers unless
asked for; ``align_corners`` uses ``(in - 1) / (out - 1)``), bicubic uses Keys' kernel
with ``a = -0.75`` and TF's 1/1024 weight table, and no antialiasing, so the numbers
differ from ``jax.image.resize`` (half-pixel centers, antialiased). Each resize is a pair
of per-axis weight matrices built with numpy at trace time (sizes are static in JAX) and
applied with one ``einsum``.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes as _dtypes
from flaxscope.ops._registry import tf_op
from flaxscope.transform import next_rng_key


class ResizeMethod:
    """``tf.image.ResizeMethod`` (TF1's integer values; TF2's strings are accepted too)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_METHODS = {
    0: "bilinear",
    1: "nearest",
    2: "bicubic",
    3: "area",
    "bilinear": "bilinear",
    "nearest": "nearest",
    "bicubic": "bicubic",
    "area": "area",
}


# --- per-axis weights of TF1's kernels (float32 arithmetic, as the kernels do) -------------
def _scale(in_size: int, out_size: int, align_corners: bool) -> np.float32:
    if align_corners and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


def _source(out_size: int, scale: np.float32, half_pixel: bool, shift: float) -> np.ndarray:
    i = np.arange(out_size, dtype=np.float32)
    if half_pixel:
        return (i + np.float32(0.5)) * scale - np.float32(shift)
    return i * scale


@functools.lru_cache(maxsize=256)
def _bilinear(in_size: int, out_size: int, align: bool, half: bool) -> np.ndarray:
    src = _source(out_size, _scale(in_size, out_size, align), half, 0.5)
    floor = np.floor(src)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(src), in_size - 1).astype(np.int64)
    lerp = (src - floor).astype(np.float32)
    w = np.zeros((out_size, in_size), np.float32)
    rows = np.arange(out_size)
    np.add.at(w, (rows, lower), np.float32(1) - lerp)
    np.add.at(w, (rows, upper), lerp)
    return w


@functools.lru_cache(maxsize=256)
def _nearest(in_size: int, out_size: int, align: bool, half: bool) -> np.ndarray:
    src = _source(out_size, _scale(in_size, out_size, align), half, 0.0)
    floor = np.floor(src)
    if align:  # C's roundf (half away from zero; src >= 0), without float rounding of src + .5
        index = np.where(src - floor >= np.float32(0.5), floor + 1, floor)
    else:
        index = floor
    index = np.minimum(index.astype(np.int64), in_size - 1)
    if half:
        index = np.maximum(index, 0)
    return index


_TABLE_SIZE = 1024


@functools.lru_cache(maxsize=2)
def _cubic_table(a: float) -> np.ndarray:
    x = np.arange(_TABLE_SIZE + 1, dtype=np.float64) / _TABLE_SIZE
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + 1.0
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    table = np.empty((_TABLE_SIZE + 1) * 2, np.float32)
    table[0::2], table[1::2] = near, far
    return table


@functools.lru_cache(maxsize=256)
def _bicubic(in_size: int, out_size: int, align: bool, half: bool) -> np.ndarray:
    table = _cubic_table(-0.5 if half else -0.75)
    src = _source(out_size, _scale(in_size, out_size, align), half, 0.5)
    w = np.zeros((out_size, in_size), np.float32)
    for row, loc_f in enumerate(src):
        loc = int(np.floor(loc_f))
        offset = int(np.rint(np.float32(loc_f - np.float32(loc)) * np.float32(_TABLE_SIZE)))
        weights = [
            table[offset * 2 + 1],
            table[offset * 2],
            table[(_TABLE_SIZE - offset) * 2],
            table[(_TABLE_SIZE - offset) * 2 + 1],
        ]
        taps = [loc - 1, loc, loc + 1, loc + 2]
        bounded = [min(in_size - 1, max(0, t)) for t in taps]
        if half:  # samples outside the image get no weight; the rest are renormalized
            weights = [
                wt if b == t else np.float32(0)
                for wt, b, t in zip(weights, bounded, taps, strict=True)
            ]
            total = np.float32(sum(weights))
            if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
                weights = [wt * (np.float32(1) / total) for wt in weights]
        for b, wt in zip(bounded, weights, strict=True):
            w[row, b] += wt
    return w


@functools.lru_cache(maxsize=256)
def _area(in_size: int, out_size: int, align: bool, half: bool) -> np.ndarray:
    del half
    scale = _scale(in_size, out_size, align)
    w = np.zeros((out_size, in_size), np.float32)
    for row in range(out_size):
        start = np.float32(row) * scale
        end = np.float32(row + 1) * scale
        for i in range(int(np.floor(start)), int(np.ceil(end))):
            overlap = np.float32(min(np.float32(i + 1), end) - max(np.float32(i), start))
            w[row, min(i, in_size - 1)] += overlap
    return w / scale


_WEIGHTS = {"bilinear": _bilinear, "bicubic": _bicubic, "area": _area}


def _resize4d(images: jax.Array, size: tuple[int, int], method: str, align: bool, half: bool):
    if align and half:
        raise ValueError("If half_pixel_centers is True, align_corners must be False.")
    _, h, w, _ = images.shape
    out_h, out_w = size
    if method == "nearest":
        rows = _nearest(h, out_h, align, half)
        cols = _nearest(w, out_w, align, half)
        return images[:, rows][:, :, cols]
    wy = _WEIGHTS[method](h, out_h, align, half)
    wx = _WEIGHTS[method](w, out_w, align, half)
    return jnp.einsum(
        "yh,bhwc,xw->byxc",
        wy,
        images.astype(jnp.float32),
        wx,
        precision=jax.lax.Precision.HIGHEST,
    )


def _size(size: Any) -> tuple[int, int]:
    if isinstance(size, jax.core.Tracer):
        raise TypeError(
            "The new size must be known when the function is traced (JAX arrays have "
            "static shapes): pass Python ints."
        )
    try:
        dims = np.asarray(size).reshape(-1)
    except (TypeError, ValueError) as e:
        raise ValueError("'size' must be a 1-D int32 Tensor") from e
    if dims.shape != (2,):
        raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    return int(dims[0]), int(dims[1])


def _batched(images: Any, fn: Any) -> jax.Array:
    images = jnp.asarray(images)
    if images.ndim == 3:
        return fn(images[None])[0]
    if images.ndim != 4:
        raise ValueError("'images' must have either 3 or 4 dimensions.")
    return fn(images)


@tf_op("image.resize_images", "image.resize", family="image", default_name="resize")
def resize_images(
    images: Any,
    size: Any,
    method: Any = ResizeMethod.BILINEAR,
    align_corners: bool = False,
    preserve_aspect_ratio: bool = False,
    name: str | None = None,
) -> jax.Array:
    """``tf.compat.v1.image.resize_images`` / ``tf.compat.v1.image.resize``: ``images``
    (``[h, w, c]`` or ``[batch, h, w, c]``) resized to ``size = [new_h, new_w]`` with TF1's
    kernels (see the module docstring). Bilinear, bicubic and area return float32; nearest
    keeps the dtype; a resize to the same size returns ``images`` unchanged, as TF1.
    """
    del name
    if method not in _METHODS:
        raise ValueError(f"Resize method is not implemented: {method}")
    kind = _METHODS[method]
    new = _size(size)

    def run(x: jax.Array) -> jax.Array:
        _, h, w, _ = x.shape
        target = new
        if preserve_aspect_ratio:
            factor = min(np.float32(new[0]) / np.float32(h), np.float32(new[1]) / np.float32(w))
            target = (int(np.round(factor * np.float32(h))), int(np.round(factor * np.float32(w))))
        if target == (h, w):
            return x
        return _resize4d(x, target, kind, align_corners, False)

    return _batched(images, run)


def _resize_op(kind: str):
    def resize(
        images: Any,
        size: Any,
        align_corners: bool = False,
        name: str | None = None,
        half_pixel_centers: bool = False,
    ) -> jax.Array:
        del name
        new = _size(size)
        images = jnp.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"input must be 4-dimensional, got shape {list(images.shape)}")
        return _resize4d(images, new, kind, align_corners, half_pixel_centers)

    return resize


resize_bilinear = tf_op("image.resize_bilinear", family="image", default_name="ResizeBilinear")(
    _resize_op("bilinear")
)
resize_bilinear.__doc__ = """``tf.compat.v1.image.resize_bilinear``: 4-D ``images``, float32
result, TF1's ``align_corners``/``half_pixel_centers`` (both default ``False``)."""
resize_nearest_neighbor = tf_op(
    "image.resize_nearest_neighbor", family="image", default_name="ResizeNearestNeighbor"
)(_resize_op("nearest"))
resize_nearest_neighbor.__doc__ = """``tf.compat.v1.image.resize_nearest_neighbor``: TF1's
nearest pixel (floor of ``i * in / out``; rounded with ``align_corners``), dtype kept."""
resize_bicubic = tf_op("image.resize_bicubic", family="image", default_name="ResizeBicubic")(
    _resize_op("bicubic")
)
resize_bicubic.__doc__ = """``tf.compat.v1.image.resize_bicubic``: TF1's bicubic kernel
(``a = -0.75``; ``-0.5`` with half-pixel centers), float32 result."""


def _resize_area(
    images: Any, size: Any, align_corners: bool = False, name: str | None = None
) -> jax.Array:
    return _resize_op("area")(images, size, align_corners, name)


resize_area = tf_op("image.resize_area", family="image", default_name="ResizeArea")(_resize_area)
resize_area.__doc__ = """``tf.compat.v1.image.resize_area``: each output pixel the
area-weighted mean of the input pixels it covers, float32 result."""


def _at_least_3d(image: Any) -> jax.Array:
    image = jnp.asarray(image)
    if image.ndim < 3:
        raise ValueError(
            f"'image' (shape {tuple(image.shape)}) must be at least three-dimensional."
        )
    return image


@tf_op("image.flip_left_right", family="image", default_name="flip_left_right")
def flip_left_right(image: Any) -> jax.Array:
    """``tf.image.flip_left_right``: the width axis reversed (``[h, w, c]`` or batched)."""
    return jnp.flip(_at_least_3d(image), axis=-2)


@tf_op("image.flip_up_down", family="image", default_name="flip_up_down")
def flip_up_down(image: Any) -> jax.Array:
    """``tf.image.flip_up_down``: the height axis reversed (``[h, w, c]`` or batched)."""
    return jnp.flip(_at_least_3d(image), axis=-3)


def _random_flip(image: Any, seed: int | None, axis: int) -> jax.Array:
    image = _at_least_3d(image)
    key = next_rng_key()
    if seed is not None:
        key = jax.random.fold_in(key, int(seed) & 0xFFFFFFFF)
    if image.ndim == 3:
        flip = jax.random.uniform(key, ()) < 0.5
        return jnp.where(flip, jnp.flip(image, axis=axis), image)
    flip = jax.random.uniform(key, (image.shape[0],)) < 0.5  # one coin per image
    flip = flip.reshape((-1,) + (1,) * (image.ndim - 1))
    return jnp.where(flip, jnp.flip(image, axis=axis), image)


@tf_op("image.random_flip_left_right", family="image", default_name="random_flip_left_right")
def random_flip_left_right(image: Any, seed: int | None = None) -> jax.Array:
    """``tf.image.random_flip_left_right``: flipped with probability 1/2 (each image of a
    batch on its own), keys from :func:`~flaxscope.transform.next_rng_key`."""
    return _random_flip(image, seed, -2)


@tf_op("image.random_flip_up_down", family="image", default_name="random_flip_up_down")
def random_flip_up_down(image: Any, seed: int | None = None) -> jax.Array:
    """``tf.image.random_flip_up_down``: :func:`random_flip_left_right` on the height axis."""
    return _random_flip(image, seed, -3)


@tf_op("image.per_image_standardization", family="image", default_name="per_image_standardization")
def per_image_standardization(image: Any) -> jax.Array:
    """``tf.image.per_image_standardization``: ``(x - mean) / max(stddev, 1/sqrt(N))`` over
    each image's ``N`` values (the last three axes), as float32."""
    image = _at_least_3d(image).astype(jnp.float32)
    n = int(np.prod(image.shape[-3:]))
    mean = jnp.mean(image, axis=(-1, -2, -3), keepdims=True)
    stddev = jnp.std(image, axis=(-1, -2, -3), keepdims=True)
    adjusted = jnp.maximum(stddev, jax.lax.rsqrt(jnp.float32(n)))
    return (image - mean) / adjusted


def _hw(image: jax.Array) -> tuple[int, int]:
    return image.shape[-3], image.shape[-2]


@tf_op("image.central_crop", family="image", default_name="central_crop")
def central_crop(image: Any, central_fraction: float) -> jax.Array:
    """``tf.image.central_crop``: the centered ``central_fraction`` of height and width."""
    image = jnp.asarray(image)
    fraction = float(central_fraction)
    if fraction <= 0.0 or fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if fraction == 1.0:
        return image
    image = _at_least_3d(image)
    if image.ndim not in (3, 4):
        raise ValueError(
            f"`image` should either be a Tensor with rank = 3 or rank = 4. Had rank = {image.ndim}."
        )
    h, w = _hw(image)
    top = int((float(h) - float(h) * fraction) / 2)
    left = int((float(w) - float(w) * fraction) / 2)
    return image[..., top : h - top, left : w - left, :]


def _check_box(image: jax.Array, offsets: tuple[int, int], target: tuple[int, int], pad: bool):
    names = ("offset_height", "offset_width")
    for n, v in zip(names, offsets, strict=True):
        if v < 0:
            raise ValueError(f"{n} must be >= 0.")
    if not pad:
        for n, v in zip(("target_height", "target_width"), target, strict=True):
            if v <= 0:
                raise ValueError(f"{n} must be > 0.")
        h, w = _hw(image)
        if offsets[1] + target[1] > w:
            raise ValueError("width must be >= target + offset.")
        if offsets[0] + target[0] > h:
            raise ValueError("height must be >= target + offset.")


@tf_op("image.crop_to_bounding_box", family="image", default_name="crop_to_bounding_box")
def crop_to_bounding_box(
    image: Any, offset_height: int, offset_width: int, target_height: int, target_width: int
) -> jax.Array:
    """``tf.image.crop_to_bounding_box``: the ``target_height x target_width`` window whose
    top-left corner is at ``(offset_height, offset_width)``."""
    image = _at_least_3d(image)
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height, target_width))
    _check_box(image, (oh, ow), (th, tw), pad=False)
    return image[..., oh : oh + th, ow : ow + tw, :]


@tf_op("image.pad_to_bounding_box", family="image", default_name="pad_to_bounding_box")
def pad_to_bounding_box(
    image: Any, offset_height: int, offset_width: int, target_height: int, target_width: int
) -> jax.Array:
    """``tf.image.pad_to_bounding_box``: ``image`` placed at ``(offset_height,
    offset_width)`` in a zero ``target_height x target_width`` canvas."""
    image = _at_least_3d(image)
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height, target_width))
    _check_box(image, (oh, ow), (th, tw), pad=True)
    h, w = _hw(image)
    after_h, after_w = th - oh - h, tw - ow - w
    if after_h < 0:
        raise ValueError("height must be <= target - offset")
    if after_w < 0:
        raise ValueError("width must be <= target - offset")
    pads = [(0, 0)] * (image.ndim - 3) + [(oh, after_h), (ow, after_w), (0, 0)]
    return jnp.pad(image, pads)


@tf_op(
    "image.resize_image_with_crop_or_pad",
    "image.resize_with_crop_or_pad",
    family="image",
    default_name="resize_image_with_crop_or_pad",
)
def resize_image_with_crop_or_pad(image: Any, target_height: int, target_width: int) -> jax.Array:
    """``tf.image.resize_image_with_crop_or_pad``: centrally cropped and/or zero-padded to
    ``target_height x target_width`` (TF's offsets: the extra pixel goes to the end)."""
    image = _at_least_3d(image)
    th, tw = int(target_height), int(target_width)
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    h, w = _hw(image)
    dw, dh = tw - w, th - h
    cropped = crop_to_bounding_box.__wrapped__(
        image, max(-dh // 2, 0), max(-dw // 2, 0), min(th, h), min(tw, w)
    )
    return pad_to_bounding_box.__wrapped__(cropped, max(dh // 2, 0), max(dw // 2, 0), th, tw)


def _convert(image: jax.Array, dtype: np.dtype, saturate: bool) -> jax.Array:
    src = np.dtype(image.dtype)
    if src == dtype:
        return image
    src_int, dst_int = np.issubdtype(src, np.integer), np.issubdtype(dtype, np.integer)
    if src_int and dst_int:
        in_max, out_max = int(np.iinfo(src).max), int(np.iinfo(dtype).max)
        if in_max > out_max:
            scaled = image // ((in_max + 1) // (out_max + 1))
            return _saturate(scaled, dtype) if saturate else scaled.astype(dtype)
        cast = _saturate(image, dtype) if saturate else image.astype(dtype)
        return cast * jnp.asarray((out_max + 1) // (in_max + 1), dtype)
    if src_int:  # to float: [0, 1] (or [-1, 1]) by the integer type's max
        return image.astype(dtype) * jnp.asarray(1.0 / np.iinfo(src).max, dtype)
    if dst_int:  # from float: [0, 1) times max + 0.5, truncated
        scaled = image * jnp.asarray(np.iinfo(dtype).max + 0.5, image.dtype)
        if saturate:
            return _saturate(scaled, dtype)
        if dtype.itemsize <= 4:
            # TF's unsaturated cast on x86: beyond int32 gives INT32_MIN, then narrower
            # types keep the low bits (XLA's cast would saturate instead).
            wild = (scaled >= 2.0**31) | (scaled < -(2.0**31)) | jnp.isnan(scaled)
            as32 = jnp.where(wild, np.iinfo(np.int32).min, scaled.astype(jnp.int32))
            return as32.astype(dtype)
        return scaled.astype(dtype)
    return image.astype(dtype)


def _saturate(x: jax.Array, dtype: np.dtype) -> jax.Array:
    """TF's ``saturate_cast`` to an integer dtype: clipped to its range, then cast."""
    info = np.iinfo(dtype)
    low = max(info.min, np.iinfo(x.dtype).min) if jnp.issubdtype(x.dtype, jnp.integer) else info.min
    high = (
        min(info.max, np.iinfo(x.dtype).max) if jnp.issubdtype(x.dtype, jnp.integer) else info.max
    )
    if jnp.issubdtype(x.dtype, jnp.floating):
        # the largest float not above the integer max (float32(2**31 - 1) rounds up)
        high = (
            np.nextafter(np.asarray(high, x.dtype), np.asarray(0, x.dtype))
            if np.asarray(high, x.dtype) > high
            else high
        )
    return jnp.clip(x, low, high).astype(dtype)


@tf_op("image.convert_image_dtype", family="image", default_name="convert_image")
def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False) -> jax.Array:
    """``tf.image.convert_image_dtype``: between integer images (``[0, MAX]``) and float
    images (``[0, 1)``) with TF's scaling; float to float and same-type are plain casts."""
    image = jnp.asarray(image)
    dtype = _dtypes.as_dtype(dtype)

    def numeric(d: np.dtype) -> bool:
        return np.issubdtype(d, np.integer) or np.issubdtype(d, np.floating)

    if not numeric(dtype):
        raise AttributeError("dtype must be either floating point or integer")
    if not numeric(np.dtype(image.dtype)):
        raise AttributeError("image dtype must be either floating point or integer")
    dtype = np.dtype(jax.dtypes.canonicalize_dtype(dtype))
    return _convert(image, dtype, saturate)


@tf_op("image.rgb_to_grayscale", family="image", default_name="rgb_to_grayscale")
def rgb_to_grayscale(images: Any) -> jax.Array:
    """``tf.image.rgb_to_grayscale``: ``0.2989 R + 0.5870 G + 0.1140 B`` in float32, in a
    last axis of size 1, converted back to the input's dtype."""
    images = jnp.asarray(images)
    original = np.dtype(images.dtype)
    flt = _convert(images, np.dtype(np.float32), False)
    gray = jnp.tensordot(flt, jnp.asarray([0.2989, 0.5870, 0.1140], jnp.float32), axes=[[-1], [0]])
    return _convert(gray[..., None], original, False)


@tf_op("image.grayscale_to_rgb", family="image", default_name="grayscale_to_rgb")
def grayscale_to_rgb(images: Any) -> jax.Array:
    """``tf.image.grayscale_to_rgb``: the single channel (last axis, size 1) repeated 3
    times."""
    images = jnp.asarray(images)
    if images.ndim < 2 or images.shape[-1] != 1:
        raise ValueError(
            f"Shape {tuple(images.shape)} must have rank at least 2 and a last dimension of "
            "size 1 (one gray channel)."
        )
    return jnp.repeat(images, 3, axis=-1)


@tf_op("image.crop_and_resize", family="image", default_name="CropAndResize")
def crop_and_resize(
    image: Any,
    boxes: Any,
    box_ind: Any = None,
    crop_size: Any = None,
    method: str = "bilinear",
    extrapolation_value: float = 0.0,
    name: str | None = None,
    box_indices: Any = None,
) -> jax.Array:
    """``tf.image.crop_and_resize``: for each box ``[y1, x1, y2, x2]`` (normalized
    coordinates; flipped and out-of-image boxes allowed) of image ``box_ind[i]`` of the
    batch, the crop sampled on a ``crop_size`` grid, bilinear or nearest, with
    ``extrapolation_value`` outside the image; float32 ``[boxes, h, w, depth]``. As TF's
    kernel: sample ``j`` of a box lies at ``y1 * (H - 1) + j * (y2 - y1) * (H - 1) /
    (h - 1)`` (the box's center when ``h == 1``). Nearest rounds halves up as TF does; a
    sample that lands within float rounding of a half may round the other way (XLA may
    fuse the coordinate's multiply-add)."""
    del name
    if box_ind is None:
        box_ind = box_indices
    if box_ind is None or crop_size is None:
        raise TypeError("crop_and_resize needs box_ind (box_indices) and crop_size.")
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"method must be 'bilinear' or 'nearest', got {method!r}")
    image = jnp.asarray(image)
    if image.ndim != 4:
        raise ValueError(f"input image must be 4-D, got shape {list(image.shape)}")
    boxes = jnp.asarray(boxes, jnp.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must be 2-D [num_boxes, 4], got shape {list(boxes.shape)}")
    box_ind = jnp.asarray(box_ind, jnp.int32)
    ch, cw = _size(crop_size)
    _, height, width, _ = image.shape
    images = image.astype(jnp.float32)[box_ind]  # [n, H, W, C]

    def coords(start: jax.Array, end: jax.Array, size: int, out: int) -> jax.Array:
        start, end = start[:, None], end[:, None]
        if out > 1:
            step = (end - start) * np.float32(size - 1) / np.float32(out - 1)
            return start * np.float32(size - 1) + jnp.arange(out, dtype=jnp.float32) * step
        return jnp.broadcast_to(
            np.float32(0.5) * (start + end) * np.float32(size - 1), (start.shape[0], 1)
        )

    in_y = coords(boxes[:, 0], boxes[:, 2], height, ch)  # [n, ch]
    in_x = coords(boxes[:, 1], boxes[:, 3], width, cw)  # [n, cw]
    valid = ((in_y >= 0) & (in_y <= height - 1))[:, :, None] & ((in_x >= 0) & (in_x <= width - 1))[
        :, None, :
    ]
    rows = jnp.arange(images.shape[0])[:, None, None]

    def pick(ys: jax.Array, xs: jax.Array) -> jax.Array:
        ys = jnp.clip(ys, 0, height - 1)[:, :, None]
        xs = jnp.clip(xs, 0, width - 1)[:, None, :]
        return images[rows, ys, xs]  # [n, ch, cw, C]

    if method == "nearest":

        def round_half_up(v: jax.Array) -> jax.Array:  # C's roundf on the valid (>= 0) range
            low = jnp.floor(v)
            return jnp.where(v - low >= 0.5, low + 1, low).astype(jnp.int32)

        out = pick(round_half_up(in_y), round_half_up(in_x))
    else:
        top, left = jnp.floor(in_y), jnp.floor(in_x)
        y_lerp = (in_y - top)[:, :, None, None]
        x_lerp = (in_x - left)[:, None, :, None]
        t, b = top.astype(jnp.int32), jnp.ceil(in_y).astype(jnp.int32)
        lft, r = left.astype(jnp.int32), jnp.ceil(in_x).astype(jnp.int32)
        upper = pick(t, lft) + (pick(t, r) - pick(t, lft)) * x_lerp
        lower = pick(b, lft) + (pick(b, r) - pick(b, lft)) * x_lerp
        out = upper + (lower - upper) * y_lerp
    return jnp.where(valid[..., None], out, jnp.float32(extrapolation_value))


def _nms(boxes: Any, scores: Any, max_output_size: int, iou_threshold: Any, score_threshold: Any):
    """Greedy non-maximum suppression on a fixed-size buffer: ``(indices padded with 0,
    number of valid indices)``."""
    boxes = jnp.asarray(boxes, jnp.float32)
    scores = jnp.asarray(scores, jnp.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must be 2-D [num_boxes, 4], got shape {list(boxes.shape)}")
    if scores.shape != (boxes.shape[0],):
        raise ValueError(
            f"scores must be 1-D [num_boxes] = [{boxes.shape[0]}], got shape {list(scores.shape)}"
        )
    n = boxes.shape[0]
    y_lo, y_hi = jnp.minimum(boxes[:, 0], boxes[:, 2]), jnp.maximum(boxes[:, 0], boxes[:, 2])
    x_lo, x_hi = jnp.minimum(boxes[:, 1], boxes[:, 3]), jnp.maximum(boxes[:, 1], boxes[:, 3])
    area = (y_hi - y_lo) * (x_hi - x_lo)
    inter_h = jnp.maximum(jnp.minimum(y_hi[:, None], y_hi) - jnp.maximum(y_lo[:, None], y_lo), 0)
    inter_w = jnp.maximum(jnp.minimum(x_hi[:, None], x_hi) - jnp.maximum(x_lo[:, None], x_lo), 0)
    inter = inter_h * inter_w
    union = area[:, None] + area[None, :] - inter
    positive = (area[:, None] > 0) & (area[None, :] > 0)
    iou = jnp.where(positive, inter / jnp.where(positive, union, 1), 0.0)
    alive = scores > jnp.float32(score_threshold)

    def step(k: jax.Array, state: tuple) -> tuple:
        alive, selected, count = state
        best = jnp.argmax(jnp.where(alive, scores, -jnp.inf))
        ok = alive[best]
        selected = selected.at[k].set(jnp.where(ok, best, 0).astype(jnp.int32))
        drop = (iou[best] > jnp.float32(iou_threshold)) | (jnp.arange(n) == best)
        alive = jnp.where(ok, alive & ~drop, alive)
        return alive, selected, count + ok.astype(jnp.int32)

    init = (alive, jnp.zeros((max_output_size,), jnp.int32), jnp.int32(0))
    _, selected, count = jax.lax.fori_loop(0, max_output_size, step, init)
    return selected, count


@tf_op("image.non_max_suppression", family="image", default_name="non_max_suppression")
def non_max_suppression(
    boxes: Any,
    scores: Any,
    max_output_size: Any,
    iou_threshold: Any = 0.5,
    score_threshold: Any = float("-inf"),
    name: str | None = None,
) -> jax.Array:
    """``tf.image.non_max_suppression``: indices (int32) of the boxes greedy NMS keeps, by
    decreasing score, at most ``max_output_size``; a box goes when its IoU with a kept one
    is above ``iou_threshold``, or its score is not above ``score_threshold``. The result's
    length depends on the values, so it needs concrete inputs: under ``jax.jit`` use
    :func:`non_max_suppression_padded` (fixed size plus a count)."""
    del name
    if any(isinstance(v, jax.core.Tracer) for v in (boxes, scores)):
        raise TypeError(
            "tf.image.non_max_suppression returns as many indices as boxes survive, a shape "
            "JAX cannot trace: under jax.jit use tf.image.non_max_suppression_padded(..., "
            "pad_to_max_output_size=True), which returns (indices, valid_count)."
        )
    selected, count = _nms(boxes, scores, int(max_output_size), iou_threshold, score_threshold)
    return selected[: int(count)]


@tf_op(
    "image.non_max_suppression_padded", family="image", default_name="non_max_suppression_padded"
)
def non_max_suppression_padded(
    boxes: Any,
    scores: Any,
    max_output_size: Any,
    iou_threshold: Any = 0.5,
    score_threshold: Any = float("-inf"),
    pad_to_max_output_size: bool = False,
    name: str | None = None,
    sorted_input: bool = False,
    canonicalized_coordinates: bool = False,
    tile_size: int = 512,
) -> tuple[jax.Array, jax.Array]:
    """``tf.image.non_max_suppression_padded`` (2-D ``boxes``): ``(indices, valid_count)``,
    the indices padded with 0 to ``max_output_size`` when ``pad_to_max_output_size`` (the
    form that works under ``jax.jit``), else cut to ``valid_count``."""
    del name, sorted_input, canonicalized_coordinates, tile_size
    selected, count = _nms(boxes, scores, int(max_output_size), iou_threshold, score_threshold)
    if pad_to_max_output_size:
        return selected, count
    if isinstance(count, jax.core.Tracer):
        raise TypeError(
            "non_max_suppression_padded(pad_to_max_output_size=False) has a data-dependent "
            "length; under jax.jit pass pad_to_max_output_size=True."
        )
    return selected[: int(count)], count
