"""TF1's selection, masking and sorting ops: ``tf.where``, ``where_v2``, ``boolean_mask``,
``unique``/``unique_with_counts``, ``setdiff1d``, ``dynamic_partition``/``dynamic_stitch``,
``sort``, ``argsort``, ``searchsorted``. Those whose output size depends on values run
on concrete arrays; under jit they say so, with the fix.
"""

from __future__ import annotations

import builtins
import collections
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes
from flaxscope.ops._registry import reserve_op_name, tf_op
from flaxscope.ops.array._common import (
    canonical_dtype,
    check_same_dtypes,
    concrete_value,
    convert,
    convert_list,
    merge_shapes,
    shape_str,
    static_int,
)
from flaxscope.tensor_shape import TensorShape


def _coordinates(condition: Any, op: str) -> Any:
    cond = concrete_value(
        convert(condition), op, "use the 3-argument form, or jnp.argwhere(c, size=n)"
    )
    return jnp.asarray(np.argwhere(cond), canonical_dtype(np.int64))


@tf_op("where", family="array")
def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Any:
    """``tf.where`` (TF1): with only ``condition``, the coordinates of its true (non-zero)
    entries, ``[n, rank]``, ``int64`` (``int32`` unless JAX's x64 is on; concrete
    ``condition`` only: the size depends on the values); with ``x`` and ``y`` of one shape, ``x`` where ``condition`` is true, else
    ``y``, where ``condition`` has their shape or is a vector over their first axis."""
    reserve_op_name(name or ("Where" if x is None and y is None else "Select"))
    if x is None and y is None:
        return _coordinates(condition, "where")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    cond = jnp.asarray(convert(condition))
    x, y = convert_list([x, y])
    x, y = jnp.asarray(x), jnp.asarray(y)
    check_same_dtypes([x, y], "t", "Select")
    merge_shapes(x.shape, y.shape)
    if cond.ndim == 1 and x.ndim > 1:
        if cond.shape[0] != x.shape[0]:
            raise ValueError(f"Dimensions must be equal, but are {x.shape[0]} and {cond.shape[0]}")
        cond = cond.reshape(cond.shape + (1,) * (x.ndim - 1))
    elif cond.ndim != x.ndim:
        raise ValueError(f"Shapes must be equal rank, but are {x.ndim} and {cond.ndim}")
    else:
        merge_shapes(x.shape, cond.shape)
    return jnp.where(cond.astype(bool), x, y)


@tf_op("where_v2", family="array", default_name="SelectV2")
def where_v2(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Any:
    """``tf.where_v2`` (TF2's ``tf.where``): like ``tf.where`` but ``condition``, ``x``
    and ``y`` broadcast together."""
    if x is None and y is None:
        return _coordinates(condition, "where_v2")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    x, y = convert_list([x, y])
    return jnp.where(jnp.asarray(convert(condition)).astype(bool), x, y)


@tf_op("boolean_mask", family="array", default_name="boolean_mask")
def boolean_mask(tensor: Any, mask: Any, name: str = "boolean_mask", axis: Any = None) -> jax.Array:
    """``tf.boolean_mask``: the entries of ``tensor`` where ``mask`` (over axes
    ``axis .. axis + mask.ndim``) is true, flattened over those axes. Concrete ``mask``
    only (the size depends on its values)."""
    tensor = jnp.asarray(convert(tensor))
    m = concrete_value(
        convert(mask),
        "boolean_mask",
        "keep the shape with jnp.where(mask[..., None], tensor, 0) and a mask-weighted sum",
    )
    axis = 0 if axis is None else static_int(axis, "axis") % max(tensor.ndim, 1)
    if m.ndim == 0:
        raise ValueError("mask cannot be scalar.")
    covered = tensor.shape[axis : axis + m.ndim]
    if tuple(covered) != tuple(m.shape):
        raise ValueError(
            f"Shapes {TensorShape(covered)} and {TensorShape(m.shape)} are incompatible"
        )
    flat = tensor.reshape(tensor.shape[:axis] + (-1,) + tensor.shape[axis + m.ndim :])
    keep = np.flatnonzero(m.reshape(-1).astype(bool))
    return jnp.take(flat, keep, axis=axis)


_Unique = collections.namedtuple("Unique", ["y", "idx"])
_UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _unique(x: Any, op: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = concrete_value(convert(x), op, "use jnp.unique(x, size=n, fill_value=...)")
    if values.ndim != 1:
        raise ValueError(f"unique expects a 1D vector, got shape {shape_str(values.shape)}")
    _, first, inverse, counts = np.unique(
        values, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.argsort(first, kind="stable")  # TF keeps the order of first appearance
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(order.size)
    return values[first[order]], rank_of[inverse.reshape(-1)], counts[order]


@tf_op("unique", family="array", default_name="Unique")
def unique(x: Any, out_idx: Any = dtypes.int32, name: str | None = None) -> Any:
    """``tf.unique``: ``(y, idx)``, the distinct values in order of first appearance and
    each element's position in ``y``. Concrete ``x`` only."""
    y, idx, _ = _unique(x, "unique")
    index_dtype = canonical_dtype(out_idx)
    return _Unique(jnp.asarray(y), jnp.asarray(idx, index_dtype))


@tf_op("unique_with_counts", family="array", default_name="UniqueWithCounts")
def unique_with_counts(x: Any, out_idx: Any = dtypes.int32, name: str | None = None) -> Any:
    """``tf.unique_with_counts``: ``tf.unique`` plus how often each value occurs."""
    y, idx, counts = _unique(x, "unique_with_counts")
    index_dtype = canonical_dtype(out_idx)
    return _UniqueWithCounts(
        jnp.asarray(y), jnp.asarray(idx, index_dtype), jnp.asarray(counts, index_dtype)
    )


@tf_op("setdiff1d", family="array", default_name="ListDiff")
def setdiff1d(x: Any, y: Any, index_dtype: Any = dtypes.int32, name: str | None = None) -> Any:
    """``tf.setdiff1d``: ``(out, idx)``, the values of ``x`` not in ``y``, in order.
    Concrete inputs only."""
    xs = concrete_value(convert(x), "setdiff1d", "use a mask instead")
    ys = concrete_value(convert(y), "setdiff1d", "use a mask instead")
    keep = np.flatnonzero(~np.isin(xs, ys))
    dtype = canonical_dtype(index_dtype)
    return collections.namedtuple("ListDiff", ["out", "idx"])(
        jnp.asarray(xs[keep]), jnp.asarray(keep, dtype)
    )


@tf_op("dynamic_partition", family="array", default_name="DynamicPartition")
def dynamic_partition(
    data: Any, partitions: Any, num_partitions: int, name: str | None = None
) -> list:
    """``tf.dynamic_partition``: ``[data[partitions == i] for i in range(num_partitions)]``.
    Concrete ``partitions`` only."""
    data = jnp.asarray(convert(data))
    parts = concrete_value(
        convert(partitions), "dynamic_partition", "mask with (partitions == i) instead"
    )
    flat = data.reshape((-1,) + data.shape[parts.ndim :])
    keys = parts.reshape(-1)
    return [
        jnp.take(flat, np.flatnonzero(keys == i), axis=0) for i in builtins.range(num_partitions)
    ]


@tf_op("dynamic_stitch", family="array", default_name="DynamicStitch")
def dynamic_stitch(indices: Sequence[Any], data: Sequence[Any], name: str | None = None) -> Any:
    """``tf.dynamic_stitch``: ``merged[indices[m][i]] = data[m][i]``, later entries winning.
    ``indices`` must be concrete (they fix the size); ``data`` may be traced."""
    idx = [
        concrete_value(convert(i), "dynamic_stitch", "scatter into a fixed-size array").astype(
            np.int64
        )
        for i in indices
    ]
    parts = [jnp.asarray(convert(d)) for d in data]
    rows = [p.reshape((-1,) + p.shape[i.ndim :]) for i, p in zip(idx, parts, strict=False)]
    flat_idx = np.concatenate([i.reshape(-1) for i in idx])
    flat = jnp.concatenate(rows, axis=0)
    size_ = int(flat_idx.max(initial=-1)) + 1
    last = np.full(size_, -1)
    last[flat_idx] = np.arange(flat_idx.size)  # numpy keeps the last write
    present = last >= 0
    out = jnp.zeros((size_,) + flat.shape[1:], flat.dtype)
    return out.at[np.flatnonzero(present)].set(flat[last[present]])


# ------------------------------------------------------------------- sorting


def _direction(direction: str) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(
            "Argument `direction` should be one of ASCENDING, DESCENDING. "
            f"Received: direction={direction}"
        )
    return direction == "DESCENDING"


@tf_op("sort", family="array", default_name="sort")
def sort(
    values: Any, axis: int = -1, direction: str = "ASCENDING", name: str | None = None
) -> jax.Array:
    """``tf.sort``: ``values`` sorted along ``axis``."""
    descending = _direction(direction)
    return jnp.sort(jnp.asarray(convert(values)), axis=axis, descending=descending)


@tf_op("argsort", family="array", default_name="argsort")
def argsort(
    values: Any,
    axis: int = -1,
    direction: str = "ASCENDING",
    stable: bool = False,
    name: str | None = None,
) -> jax.Array:
    """``tf.argsort``: ``int32`` indices that sort ``values`` along ``axis`` (equal values
    keep their order)."""
    descending = _direction(direction)
    out = jnp.argsort(jnp.asarray(convert(values)), axis=axis, stable=True, descending=descending)
    return out.astype(jnp.int32)


@tf_op("searchsorted", family="array", default_name="LowerBound")
def searchsorted(
    sorted_sequence: Any,
    values: Any,
    side: str = "left",
    out_type: Any = dtypes.int32,
    name: str | None = None,
) -> jax.Array:
    """``tf.searchsorted``: per row of the innermost axis, where ``values`` would be
    inserted into ``sorted_sequence``."""
    if side not in ("left", "right"):
        raise ValueError(
            f"Argument `side` must be either 'right' or 'left'. Received: `side` = {side}."
        )
    seq, vals = jnp.asarray(convert(sorted_sequence)), jnp.asarray(convert(values))
    fn = lambda s, v: jnp.searchsorted(s, v, side=side)  # noqa: E731
    for _ in builtins.range(seq.ndim - 1):
        fn = jax.vmap(fn)
    return fn(seq, vals).astype(canonical_dtype(out_type))
