"""TF1's image ops that flip, crop, pad, standardize and convert images (``tf.image.flip_*``,
``central_crop``, ``*_to_bounding_box``, ``per_image_standardization``,
``convert_image_dtype``, the grayscale conversions)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes as _dtypes
from flaxscope.ops._registry import tf_op
from flaxscope.transform import next_rng_key


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
