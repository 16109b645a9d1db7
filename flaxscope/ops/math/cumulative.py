"""TF1's cumulative ops (``cumsum``, ``cumprod``, ``cumulative_logsumexp``) and sums of
lists (``add_n``, ``accumulate_n``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope.ops._convert import (
    NUMBER,
    REAL_FLOATING,
    canonical,
    check_dtype,
    shape_text,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op

Array = jax.Array


def _scan_axis(x: Array, axis: Any) -> int:
    axis = static_ints(axis, "axis")
    if not isinstance(axis, int):
        raise TypeError(f"axis must be one int, got {axis}.")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"Expected scan axis in the range [{-x.ndim}, {x.ndim}), but got {axis}")
    return axis % x.ndim


def _exclusive(scanned: Array, axis: int, reverse: bool, fill: Any) -> Array:
    """Shifts an inclusive scan by one along ``axis`` to make it exclusive."""
    n = scanned.shape[axis]
    pad_shape = list(scanned.shape)
    pad_shape[axis] = 1
    pad = jnp.full(pad_shape, fill, scanned.dtype)
    if reverse:
        body = lax.slice_in_dim(scanned, 1, n, axis=axis)
        return jnp.concatenate([body, pad], axis=axis)
    body = lax.slice_in_dim(scanned, 0, n - 1, axis=axis)
    return jnp.concatenate([pad, body], axis=axis)


def _cumulative(
    scan: Callable[..., Array], fill: Any, x: Array, axis: Any, exclusive: bool, reverse: bool
) -> Array:
    ax = _scan_axis(x, axis)
    out = scan(x, axis=ax, reverse=bool(reverse))
    if exclusive and x.shape[ax]:
        out = _exclusive(out, ax, bool(reverse), fill)
    return out


@tf_op("cumsum", "math.cumsum", family="math", default_name="Cumsum")
def cumsum(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Array:
    """``tf.cumsum(x, axis=0, exclusive=False, reverse=False, name=None)``: running sum
    along ``axis``; ``exclusive`` leaves each element out of its own sum, ``reverse`` runs
    from the end (``cumsum([a, b, c], exclusive=True, reverse=True) = [b + c, c, 0]``)."""
    x = to_tensor(x)
    check_dtype(x, NUMBER)
    return _cumulative(lax.cumsum, 0, x, axis, exclusive, reverse)


@tf_op("cumprod", "math.cumprod", family="math", default_name="Cumprod")
def cumprod(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Array:
    """``tf.cumprod(x, axis=0, exclusive=False, reverse=False, name=None)``: running
    product along ``axis`` (see :func:`cumsum` for ``exclusive`` and ``reverse``)."""
    x = to_tensor(x)
    check_dtype(x, NUMBER)
    return _cumulative(lax.cumprod, 1, x, axis, exclusive, reverse)


@tf_op("math.cumulative_logsumexp", family="math", default_name="CumulativeLogsumexp")
def cumulative_logsumexp(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Array:
    """``tf.math.cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False)``:
    running ``log(sum(exp(x)))`` along ``axis``."""
    x = to_tensor(x)
    check_dtype(x, REAL_FLOATING)
    return _cumulative(lax.cumlogsumexp, -jnp.inf, x, axis, exclusive, reverse)


def _same_inputs(inputs: Any, op_type: str) -> list[Array]:
    if isinstance(inputs, (list, tuple)) and inputs:
        arrays = same_dtype_list(inputs, op_type)
        first = arrays[0].shape
        for other in (a.shape for a in arrays[1:]):
            if len(other) != len(first):
                problem = f"Shapes must be equal rank, but are {len(first)} and {len(other)}"
            else:
                bad = [i for i, (p, q) in enumerate(zip(first, other, strict=False)) if p != q]
                if not bad:
                    continue
                problem = (
                    f"Dimension {bad[0]} in both shapes must be equal, but are "
                    f"{first[bad[0]]} and {other[bad[0]]}. Shapes are {shape_text(first)} "
                    f"and {shape_text(other)}."
                )
            texts = ", ".join(shape_text(a.shape) for a in arrays)
            raise ValueError(
                f"{problem}\n\tFrom merging shape 0 with other shapes. for '{op_type}' (op: "
                f"'{op_type}') with input shapes: {texts}. (tf.add_n does not broadcast: "
                "broadcast the inputs first, or add them with tf.add.)"
            )
        return arrays
    raise ValueError(
        "Inputs must be an iterable of at least one Tensor/IndexedSlices with the same "
        "dtype and shape."
    )


def same_dtype_list(inputs: Sequence[Any], op_type: str) -> list[Array]:
    """Converts a list input of an op (``AddN``'s ``inputs``) to one dtype, or raises
    TF's error listing the dtypes that differ."""
    tensors = [v for v in inputs if isinstance(v, jax.Array)]
    lead = to_tensor(tensors[0] if tensors else inputs[0])
    kinds = [v.dtype for v in tensors]
    if any(k != lead.dtype for k in kinds):
        names = ", ".join(np.dtype(to_tensor(v).dtype).name for v in inputs)
        raise TypeError(
            f"Tensors in list passed to 'inputs' of '{op_type}' Op have types [{names}] "
            "that don't all match."
        )
    return [to_tensor(v, lead.dtype, op_type=op_type, arg="inputs") for v in inputs]


@tf_op("add_n", "math.add_n", family="math", default_name="AddN")
def add_n(inputs: Sequence[Any], name: str | None = None) -> Array:
    """``tf.add_n(inputs, name=None)``: the elementwise sum of a list of arrays of one
    shape and dtype (no broadcasting), e.g. ``tf.add_n([tf.nn.l2_loss(v) for v in
    tf.trainable_variables()])``."""
    arrays = _same_inputs(inputs, "AddN")
    check_dtype(arrays[0], NUMBER, "inputs")
    return functools.reduce(jnp.add, arrays)


@tf_op("accumulate_n", "math.accumulate_n", family="math", default_name="AddN")
def accumulate_n(
    inputs: Sequence[Any],
    shape: Any = None,
    tensor_dtype: Any = None,
    name: str | None = None,
) -> Array:
    """``tf.accumulate_n(inputs, shape=None, tensor_dtype=None, name=None)``: the same sum
    as :func:`add_n` (TF1 only differed in memory use); ``shape`` and ``tensor_dtype``,
    when given, are checked."""
    arrays = _same_inputs(inputs, "AddN")
    if shape is not None and tuple(arrays[0].shape) != tuple(shape):
        raise ValueError(f"Shape of inputs {arrays[0].shape} does not match shape {shape}.")
    if tensor_dtype is not None and arrays[0].dtype != canonical(tensor_dtype):
        raise TypeError(
            f"tensor_dtype is {canonical(tensor_dtype).name}, but inputs are "
            f"{arrays[0].dtype.name}."
        )
    return functools.reduce(jnp.add, arrays)
