"""TF1's segment ops: sorted, unsorted and sparse segment reductions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._convert import (
    NUMBER,
    REAL_NUMBER,
    check_dtype,
    shape_text,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op
from flaxscope.ops.math.binary import c_div

Array = jax.Array


def _segment_args(data: Any, segment_ids: Any, op_type: str) -> tuple[Array, Array]:
    data = to_tensor(data)
    check_dtype(data, REAL_NUMBER if op_type.endswith(("Max", "Min")) else NUMBER, "data")
    ids = to_tensor(segment_ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(
            f"Value passed to parameter 'segment_ids' has DataType {ids.dtype.name} not in "
            "list of allowed values: int32, int64"
        )
    if ids.ndim > data.ndim:
        raise ValueError(
            f"Shape must be at least rank {ids.ndim} but is rank {data.ndim} for "
            f"'{op_type}' (op: '{op_type}') with input shapes: {shape_text(data.shape)}, "
            f"{shape_text(ids.shape)}."
        )
    for d, i in zip(data.shape, ids.shape, strict=False):
        if d != i:
            raise ValueError(
                f"Dimensions must be equal, but are {d} and {i} for '{op_type}' (op: "
                f"'{op_type}') with input shapes: {shape_text(data.shape)}, "
                f"{shape_text(ids.shape)}."
            )
    flat = data.reshape((-1,) + data.shape[ids.ndim :])
    return flat, ids.reshape(-1)


def _num_sorted_segments(ids: Array, op: str) -> int:
    if isinstance(ids, jax.core.Tracer):
        raise TypeError(
            f"tf.{op} sizes its output from the largest segment id, which is unknown under "
            f"jit; use tf.unsorted_{op}(data, segment_ids, num_segments) with a Python int."
        )
    return int(np.max(np.asarray(ids))) + 1 if ids.size else 0


def _segment_reduce(
    kind: str, data: Array, ids: Array, num: int, empty_fill: str, sorted_ids: bool
) -> Array:
    counts = jax.ops.segment_sum(
        jnp.ones(ids.shape, jnp.int32), ids, num_segments=num, indices_are_sorted=sorted_ids
    )
    counts = counts.reshape((num,) + (1,) * (data.ndim - 1))
    kw = {"num_segments": num, "indices_are_sorted": sorted_ids}
    if kind == "sum":
        return jax.ops.segment_sum(data, ids, **kw)
    if kind == "prod":
        return jax.ops.segment_prod(data, ids, **kw)
    if kind in ("mean", "sqrt_n"):
        total = jax.ops.segment_sum(data, ids, **kw)
        n = jnp.maximum(counts, 1).astype(data.dtype)
        if kind == "mean" and not jnp.issubdtype(data.dtype, jnp.inexact):
            return c_div(total, n)
        return total / (n if kind == "mean" else jnp.sqrt(n))
    out = (jax.ops.segment_max if kind == "max" else jax.ops.segment_min)(data, ids, **kw)
    if empty_fill == "zero":
        fill = jnp.zeros((), data.dtype)
    else:  # unsorted: the lowest (max) or highest (min) finite value of the dtype
        info = (
            jnp.finfo(data.dtype)
            if jnp.issubdtype(data.dtype, jnp.inexact)
            else jnp.iinfo(data.dtype)
        )
        fill = jnp.asarray(info.min if kind == "max" else info.max, data.dtype)
    return jnp.where(counts > 0, out, fill)


def _sorted_segment(kind: str, op_type: str) -> Callable[..., Array]:
    def op(data: Any, segment_ids: Any, name: str | None = None) -> Array:
        flat, ids = _segment_args(data, segment_ids, op_type)
        num = _num_sorted_segments(ids, f"segment_{kind}")
        return _segment_reduce(kind, flat, ids, num, "zero", True)

    op.__name__ = op.__qualname__ = f"segment_{kind}"
    op.__doc__ = (
        f"``tf.segment_{kind}(data, segment_ids, name=None)``: the {kind} of the rows of "
        "``data`` sharing a (sorted) segment id; ids without rows give 0"
        + (" (1 for the product)." if kind == "prod" else ".")
        + " The output size is the largest id + 1, so the ids must be concrete (use "
        f"``tf.unsorted_segment_{kind}`` under jit)."
    )
    return tf_op(f"segment_{kind}", f"math.segment_{kind}", family="math", default_name=op_type)(op)


def _unsorted_segment(kind: str, op_type: str) -> Callable[..., Array]:
    def op(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Array:
        flat, ids = _segment_args(data, segment_ids, op_type)
        num = static_ints(num_segments, "num_segments")
        return _segment_reduce(kind, flat, ids, num, "lowest", False)

    empty = {
        "sum": "0",
        "mean": "0",
        "sqrt_n": "0",
        "prod": "1",
        "max": "the dtype's lowest value",
        "min": "the dtype's highest value",
    }[kind]
    op.__name__ = op.__qualname__ = f"unsorted_segment_{kind}"
    op.__doc__ = (
        f"``tf.unsorted_segment_{kind}(data, segment_ids, num_segments, name=None)``: the "
        f"{kind} of the rows of ``data`` per segment id in ``[0, num_segments)``; ids out "
        f"of range are dropped, empty segments give {empty}."
    )
    return tf_op(
        f"unsorted_segment_{kind}",
        f"math.unsorted_segment_{kind}",
        family="math",
        default_name=op_type,
    )(op)


segment_sum = _sorted_segment("sum", "SegmentSum")
segment_mean = _sorted_segment("mean", "SegmentMean")
segment_max = _sorted_segment("max", "SegmentMax")
segment_min = _sorted_segment("min", "SegmentMin")
segment_prod = _sorted_segment("prod", "SegmentProd")
unsorted_segment_sum = _unsorted_segment("sum", "UnsortedSegmentSum")
unsorted_segment_max = _unsorted_segment("max", "UnsortedSegmentMax")
unsorted_segment_min = _unsorted_segment("min", "UnsortedSegmentMin")
unsorted_segment_prod = _unsorted_segment("prod", "UnsortedSegmentProd")
unsorted_segment_mean = _unsorted_segment("mean", "UnsortedSegmentMean")
unsorted_segment_sqrt_n = _unsorted_segment("sqrt_n", "UnsortedSegmentSqrtN")


def _sparse_segment(kind: str, op_type: str) -> Callable[..., Array]:
    def op(
        data: Any,
        indices: Any,
        segment_ids: Any,
        name: str | None = None,
        num_segments: Any = None,
    ) -> Array:
        rows = jnp.take(to_tensor(data), to_tensor(indices), axis=0)
        flat, ids = _segment_args(rows, segment_ids, op_type)
        if num_segments is None:
            num = _num_sorted_segments(ids, f"sparse_segment_{kind}")
        else:
            num = static_ints(num_segments, "num_segments")
        return _segment_reduce(kind, flat, ids, num, "zero", num_segments is None)

    op.__name__ = op.__qualname__ = f"sparse_segment_{kind}"
    op.__doc__ = (
        f"``tf.sparse_segment_{kind}(data, indices, segment_ids, name=None, "
        f"num_segments=None)``: ``tf.segment_{kind}`` of ``data[indices]``; with "
        "``num_segments`` the output has that many rows (and works under jit)."
    )
    return tf_op(f"sparse_segment_{kind}", family="math", default_name=op_type)(op)


sparse_segment_sum = _sparse_segment("sum", "SparseSegmentSum")
sparse_segment_mean = _sparse_segment("mean", "SparseSegmentMean")
sparse_segment_sqrt_n = _sparse_segment("sqrt_n", "SparseSegmentSqrtN")
