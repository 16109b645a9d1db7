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

from flaxscope.ops._registry import tf_op


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


def static_size(size: Any) -> tuple[int, int]:
    """``(height, width)`` from a new-size argument, which must be static; TF's errors."""
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
    new = static_size(size)

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
        new = static_size(size)
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
