"""TF1's patch ops: ``tf.extract_image_patches`` / ``tf.image.extract_patches``,
and ``tf.nn.max_pool_with_argmax``. (``tf.nn.space_to_depth`` / ``tf.nn.depth_to_space`` are
the array ops of ``ops/array/reshaping.py`` under their ``tf.nn`` spellings.)

Both window ops read the (padded) input with one strided slice per window offset, so they
work for every real dtype and their gradients are plain JAX gradients (a pooled value's
gradient goes to its argmax only, as TF's).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.errors import UnimplementedError
from flaxscope.ops._convert import canonical, check_dtype, renamed, shape_text, to_tensor
from flaxscope.ops._registry import tf_op

_REAL = tuple(
    np.dtype(t)
    for t in (
        np.float32,
        np.float64,
        np.int32,
        np.uint8,
        np.int16,
        np.int8,
        np.int64,
        jnp.bfloat16,
        np.uint16,
        np.float16,
        np.uint32,
        np.uint64,
    )
)


def _attr_list(value: Any, attr: str, api: str, op: str) -> list[int]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"Expected list for '{attr}' argument to '{api}' Op, not {value!r}.")
    if len(value) < 4:
        raise ValueError(
            f"Attr '{attr}' of '{op}' Op passed list of length {len(value)} less than minimum 4."
        )
    return [int(v) for v in value]


def _check_padding(padding: Any, op: str) -> str:
    if padding not in ("SAME", "VALID"):
        raise ValueError(
            f"Attr 'padding' of '{op}' Op passed string '{padding}' not in: \"SAME\", \"VALID\"."
        )
    return padding


def _plan(size: int, k: int, stride: int, rate: int, padding: str, op: str) -> tuple[int, int]:
    """Output size and padding before, for one spatial axis (TF's SAME/VALID rule)."""
    span = (k - 1) * rate + 1
    if padding == "VALID":
        ahead = size - span + stride
        out = ahead // stride if ahead >= 0 else -(-ahead // stride)  # C's division
        if out < 0:
            raise ValueError(
                f"Computed output size would be negative: {out} [input_size: {size}, "
                f"effective_filter_size: {span}, stride: {stride}] for '{op}' (op: '{op}')"
            )
        return out, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2


def _windows(
    x: jax.Array,
    ksize: tuple[int, int],
    strides: tuple[int, int],
    rates: tuple[int, int],
    padding: str,
    fill: Any,
    op: str,
) -> tuple[jax.Array, tuple[int, int]]:
    """``[n, out_h, out_w, kh * kw, c]``: every window's values (row-major window order),
    and the padding before each spatial axis."""
    n, h, w, c = x.shape
    (oh, top), (ow, left) = (
        _plan(size, k, s, r, padding, op)
        for size, k, s, r in zip((h, w), ksize, strides, rates, strict=True)
    )
    if oh == 0 or ow == 0:
        return jnp.zeros((n, oh, ow, ksize[0] * ksize[1], c), x.dtype), (top, left)
    return _gather_windows(x, ksize, strides, rates, (oh, ow), (top, left), fill), (top, left)


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 5, 6))
def _gather_windows(
    x: jax.Array,
    ksize: tuple[int, int],
    strides: tuple[int, int],
    rates: tuple[int, int],
    out: tuple[int, int],
    before: tuple[int, int],
    fill: Any,
) -> jax.Array:
    n, h, w, c = x.shape
    (oh, ow), (top, left) = out, before
    need_h = (oh - 1) * strides[0] + (ksize[0] - 1) * rates[0] + 1
    need_w = (ow - 1) * strides[1] + (ksize[1] - 1) * rates[1] + 1
    pads = [(0, 0), (top, max(need_h - h - top, 0)), (left, max(need_w - w - left, 0)), (0, 0)]
    xp = jnp.pad(x, pads, constant_values=fill) if any(p != (0, 0) for p in pads) else x
    taps = []
    for i in range(ksize[0]):
        for j in range(ksize[1]):
            y0, x0 = i * rates[0], j * rates[1]
            taps.append(
                jax.lax.slice(
                    xp,
                    (0, y0, x0, 0),
                    (n, y0 + (oh - 1) * strides[0] + 1, x0 + (ow - 1) * strides[1] + 1, c),
                    (1, strides[0], strides[1], 1),
                )
            )
    return jnp.stack(taps, axis=3)


def _rank4(x: jax.Array, op: str) -> None:
    if x.ndim != 4:
        raise ValueError(
            f"Shape must be rank 4 but is rank {x.ndim} for '{op}' (op: '{op}') with input "
            f"shapes: {shape_text(x.shape)}."
        )


def _spatial_only(values: list[int], what: str, message: str) -> tuple[int, int]:
    if len(values) != 4:
        raise ValueError(
            f"{what} requires the {message} attribute to contain 4 values, but got: {len(values)}"
        )
    return values[1], values[2]


def _patches(
    images: Any, sizes: Any, strides: Any, rates: Any, padding: Any, api: str
) -> jax.Array:
    op = "ExtractImagePatches"
    sizes = _attr_list(sizes, "ksizes", api, op)
    strides = _attr_list(strides, "strides", api, op)
    rates = _attr_list(rates, "rates", api, op)
    padding = _check_padding(padding, op)
    images = to_tensor(images)
    _rank4(images, op)
    spatial = []
    for values, attr in ((sizes, "ksizes"), (strides, "strides"), (rates, "rates")):
        spatial.append(_spatial_only(values, op, attr))
        if values[0] != 1 or values[3] != 1:
            raise UnimplementedError(f"Only support {attr} across space.")
    check_dtype(images, _REAL, "images")
    patches, _ = _windows(images, spatial[0], spatial[1], spatial[2], padding, 0, op)
    n, oh, ow, taps, c = patches.shape
    return patches.reshape(n, oh, ow, taps * c)


@tf_op("extract_image_patches", family="array", default_name="ExtractImagePatches")
def extract_image_patches(
    images: Any,
    ksizes: Any = None,
    strides: Any = None,
    rates: Any = None,
    padding: Any = None,
    name: str | None = None,
    sizes: Any = None,
) -> jax.Array:
    """``tf.extract_image_patches``: each ``ksizes[1] x ksizes[2]`` window (``strides``
    apart, taps ``rates`` apart; SAME pads with zeros) of ``[batch, h, w, depth]`` images
    flattened into the depth axis, row-major with depth fastest, as TF's:
    ``[batch, out_h, out_w, kh * kw * depth]``. ``sizes`` is TF2's spelling of ``ksizes``."""
    del name
    ksizes = renamed("sizes", sizes, "ksizes", ksizes)
    return _patches(images, ksizes, strides, rates, padding, "extract_image_patches")


@tf_op("image.extract_patches", family="image", default_name="ExtractImagePatches")
def extract_patches(
    images: Any, sizes: Any, strides: Any, rates: Any, padding: Any, name: str | None = None
) -> jax.Array:
    """``tf.image.extract_patches``: :func:`extract_image_patches` with ``sizes``."""
    del name
    return _patches(images, sizes, strides, rates, padding, "extract_image_patches")


class MaxPoolWithArgmax(NamedTuple):
    """What ``tf.nn.max_pool_with_argmax`` returns: the pooled values and the argmax."""

    output: jax.Array
    argmax: jax.Array


@tf_op("nn.max_pool_with_argmax", family="nn", default_name="MaxPoolWithArgmax")
def max_pool_with_argmax(
    input: Any,
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NHWC",
    Targmax: Any = None,  # noqa: N803 (TF's argument name)
    name: str | None = None,
    output_dtype: Any = None,
    include_batch_in_index: bool = False,
) -> MaxPoolWithArgmax:
    """``tf.nn.max_pool_with_argmax`` (TF1 signature): 2-D max pooling of ``[batch, h, w,
    c]`` and, for each output, where its maximum is as TF flattens it: ``(y * w + x) * c +
    channel``, plus ``batch * h * w * c`` with ``include_batch_in_index``. The first
    maximum in window order wins ties; SAME padding is never chosen. ``Targmax`` (or
    ``output_dtype``) defaults to int64, which is int32 unless JAX's x64 is on."""
    del name
    if data_format != "NHWC":
        raise ValueError(
            "`data_format` values other  than 'NHWC' are not supported. "
            f"Received: data_format={data_format}"
        )
    index_dtype = renamed("output_dtype", output_dtype, "Targmax", Targmax)
    index_dtype = canonical(np.int64 if index_dtype is None else index_dtype)
    if index_dtype not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError(
            f"Value passed to parameter 'Targmax' has DataType {index_dtype.name} not in list "
            "of allowed values: int32, int64"
        )
    op = "MaxPoolWithArgmax"
    ksize = _attr_list(ksize, "ksize", "max_pool_with_argmax", op)
    strides = _attr_list(strides, "strides", "max_pool_with_argmax", op)
    padding = _check_padding(padding, op)
    x = to_tensor(input)
    _rank4(x, op)
    check_dtype(x, _REAL, "input")
    if len(ksize) != 4 or len(strides) != 4:
        raise ValueError(f"{op} requires ksize and strides of 4 values")
    if ksize[0] != 1 or strides[0] != 1:
        raise UnimplementedError("Pooling is not yet supported on the batch dimension.")
    if ksize[3] != 1 or strides[3] != 1:
        raise UnimplementedError("Pooling is not yet supported on the depth dimension.")
    dtype = np.dtype(x.dtype)
    lowest = (
        float("-inf") if dtype.kind == "f" or dtype == jnp.bfloat16 else int(np.iinfo(dtype).min)
    )
    kh, kw = ksize[1], ksize[2]
    windows, (top, left) = _windows(
        x, (kh, kw), (strides[1], strides[2]), (1, 1), padding, lowest, op
    )
    best = jnp.argmax(windows, axis=3)  # first maximum in window order, as TF's loop
    out = jnp.take_along_axis(windows, best[:, :, :, None, :], axis=3)[:, :, :, 0, :]
    n, h, w, c = x.shape
    _, oh, ow, _ = out.shape
    rows = (np.arange(oh) * strides[1] - top)[None, :, None, None] + best // kw
    cols = (np.arange(ow) * strides[2] - left)[None, None, :, None] + best % kw
    index = (rows * w + cols) * c + np.arange(c)[None, None, None, :]
    if include_batch_in_index:
        index = index + (np.arange(n) * (h * w * c))[:, None, None, None]
    return MaxPoolWithArgmax(out, index.astype(index_dtype))
