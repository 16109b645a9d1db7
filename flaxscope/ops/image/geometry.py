"""TF1's image ops that rotate, transpose and letterbox images: ``tf.image.rot90``,
``tf.image.transpose_image`` (``transpose``) and ``tf.image.resize_image_with_pad``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._registry import tf_op
from flaxscope.ops.image.adjust import pad_to_bounding_box
from flaxscope.ops.image.resize import (
    ResizeMethod,
    resize_area,
    resize_bicubic,
    resize_bilinear,
    resize_nearest_neighbor,
)


def _image_3_or_4d(image: Any) -> jax.Array:
    """TF's checks of an image argument: rank 3 or 4, inner three sizes above 0."""
    image = jnp.asarray(image)
    shape = tuple(image.shape)
    if image.ndim < 3:
        raise ValueError(f"'image' (shape {shape}) must be at least three-dimensional.")
    if image.ndim > 4:
        raise ValueError(f"'image' (shape {shape}) must have either 3 or 4 dimensions.")
    if any(d == 0 for d in shape[-3:]):
        raise ValueError(f"inner 3 dims of 'image.shape' must be > 0: {shape}")
    return image


def _static_k(k: Any) -> int | jax.Array:
    if isinstance(k, float):
        raise TypeError(f"Expected int32, but got {k!r} of type 'float'.")
    if isinstance(k, jax.core.Tracer):
        if k.ndim != 0:
            raise ValueError(f"Shape {tuple(k.shape)} must have rank 0")
        if not jnp.issubdtype(k.dtype, jnp.integer):
            raise TypeError(f"Expected int32, but got a traced {k.dtype} value.")
        return k
    value = np.asarray(k)
    if value.ndim != 0:
        raise ValueError(f"Shape {value.shape} must have rank 0")
    if value.dtype.kind not in "iu":
        raise TypeError(f"Expected int32, but got {k!r} of type '{type(k).__name__}'.")
    return int(value) % 4


@tf_op("image.rot90", family="image", default_name="rot90")
def rot90(image: Any, k: Any = 1, name: str | None = None) -> jax.Array:
    """``tf.image.rot90``: ``[h, w, c]`` or ``[batch, h, w, c]`` images rotated ``k`` times
    by 90 degrees counter-clockwise. ``k`` is a Python int, or a traced integer when the
    images are square (every rotation then has the same shape)."""
    del name
    image = _image_3_or_4d(image)
    k = _static_k(k)
    axes = (image.ndim - 3, image.ndim - 2)
    if isinstance(k, int):
        return jnp.rot90(image, k, axes=axes)
    if image.shape[axes[0]] != image.shape[axes[1]]:
        raise TypeError(
            "tf.image.rot90 of non-square images needs a Python int k (the output shape "
            "depends on it, and JAX shapes are static); got a traced k."
        )
    branches = [lambda x, i=i: jnp.rot90(x, i, axes=axes) for i in range(4)]
    return jax.lax.switch(jnp.mod(k, 4), branches, image)


@tf_op("image.transpose_image", "image.transpose", family="image", default_name="transpose")
def transpose_image(image: Any, name: str | None = None) -> jax.Array:
    """``tf.image.transpose_image`` / ``tf.image.transpose``: height and width swapped,
    for ``[h, w, c]`` or ``[batch, h, w, c]`` images."""
    del name
    image = _image_3_or_4d(image)
    return jnp.swapaxes(image, -3, -2)


_RESIZERS = {
    ResizeMethod.BILINEAR: resize_bilinear,
    ResizeMethod.NEAREST_NEIGHBOR: resize_nearest_neighbor,
    ResizeMethod.BICUBIC: resize_bicubic,
    ResizeMethod.AREA: resize_area,
    "bilinear": resize_bilinear,
    "nearest": resize_nearest_neighbor,
    "bicubic": resize_bicubic,
    "area": resize_area,
}


@tf_op("image.resize_image_with_pad", family="image", default_name="resize_image_with_pad")
def resize_image_with_pad(
    image: Any,
    target_height: int,
    target_width: int,
    method: Any = ResizeMethod.BILINEAR,
    align_corners: bool = False,
) -> jax.Array:
    """``tf.compat.v1.image.resize_image_with_pad``: resized with TF1's kernels, keeping the
    aspect ratio, to fit ``target_height x target_width``, then centered and zero-padded
    to that size. As TF1, the resize always runs (a bilinear one gives float32 even when
    the size does not change)."""
    image = jnp.asarray(image)
    if image.ndim not in (3, 4):
        raise ValueError(
            f"'image' (shape {tuple(image.shape)}) must have either 3 or 4 dimensions."
        )
    batched = image if image.ndim == 4 else image[None]
    if any(d == 0 for d in batched.shape[1:]):
        raise ValueError(f"inner 3 dims of 'image.shape' must be > 0: {tuple(batched.shape)}")
    th, tw = int(target_height), int(target_width)
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    if method not in _RESIZERS:
        raise ValueError(f"Resize method is not implemented: {method}")
    _, h, w, _ = batched.shape
    f32 = np.float32
    ratio = max(f32(w) / f32(tw), f32(h) / f32(th))
    new_h, new_w = f32(h) / ratio, f32(w) / ratio
    pad_h = max(0, int(np.floor((f32(th) - new_h) / f32(2))))
    pad_w = max(0, int(np.floor((f32(tw) - new_w) / f32(2))))
    resize = _RESIZERS[method].__wrapped__
    resized = resize(batched, [int(np.floor(new_h)), int(np.floor(new_w))], align_corners)
    padded = pad_to_bounding_box.__wrapped__(resized, pad_h, pad_w, th, tw)
    return padded if image.ndim == 4 else padded[0]
