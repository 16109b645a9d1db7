"""TF1's reductions (``reduce_sum``, ``reduce_mean``, ``reduce_logsumexp``, ...,
``argmax``/``argmin``), with the legacy ``keep_dims``/``reduction_indices``/``dimension``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._convert import (
    BOOL,
    FLOATING,
    NUMBER,
    REAL_NUMBER,
    canonical,
    check_dtype,
    reduction_axes,
    renamed,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op
from flaxscope.ops.math.binary import c_div

Array = jax.Array


def _keepdims(keepdims: Any, keep_dims: Any) -> bool:
    return bool(renamed("keepdims", keepdims, "keep_dims", keep_dims))


def _reduction(
    paths: Sequence[str],
    op_type: str,
    fn: Callable[[Array, tuple[int, ...] | None, bool], Array],
    allowed: Sequence[np.dtype],
    summary: str,
    default_name: str | None = None,
    legacy: bool = True,
) -> Callable[..., Array]:
    """Defines and registers ``tf.<paths[0]>(input_tensor, axis=None, keepdims=None,
    name=None, reduction_indices=None, keep_dims=None)``."""

    def op(
        input_tensor: Any,
        axis: Any = None,
        keepdims: bool | None = None,
        name: str | None = None,
        reduction_indices: Any = None,
        keep_dims: bool | None = None,
    ) -> Array:
        x = to_tensor(input_tensor)
        check_dtype(x, allowed, "input", op_type)
        axis = renamed("axis", axis, "reduction_indices", reduction_indices)
        axes = reduction_axes(x, axis, op_type)
        return fn(x, axes, _keepdims(keepdims, keep_dims))

    op.__name__ = op.__qualname__ = paths[0].rsplit(".", 1)[-1]
    op.__doc__ = (
        f"``tf.{paths[0]}(input_tensor, axis=None, keepdims=None, name=None, "
        f"reduction_indices=None, keep_dims=None)``: {summary} over ``axis`` (an int, a "
        "list, or ``None`` for all dimensions); ``keepdims`` keeps reduced dimensions as "
        "size 1. ``reduction_indices`` and ``keep_dims`` are TF1's older spellings."
    )
    return tf_op(*paths, family="math", default_name=default_name or op_type)(op)


def _mean(x: Array, axes: Any, keepdims: bool) -> Array:
    total = jnp.sum(x, axis=axes, keepdims=keepdims)
    count = x.size // max(total.size, 1) if x.size else 0
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.mean(x, axis=axes, keepdims=keepdims)
    # Integer mean: C's division, truncating toward zero (TF's Mean kernel).
    return c_div(total, jnp.asarray(max(count, 1), x.dtype))


def _euclidean_norm(x: Array, axes: Any, keepdims: bool) -> Array:
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        sq = jnp.real(x * jnp.conj(x))
        return jnp.sqrt(jnp.sum(sq, axis=axes, keepdims=keepdims)).astype(x.dtype)
    if jnp.issubdtype(x.dtype, jnp.integer):
        total = jnp.sum(x * x, axis=axes, keepdims=keepdims)
        return jnp.floor(jnp.sqrt(total.astype(jnp.float32))).astype(x.dtype)
    return jnp.sqrt(jnp.sum(x * x, axis=axes, keepdims=keepdims))


def _variance(x: Array, axes: Any, keepdims: bool) -> Array:
    mean = jnp.mean(x, axis=axes, keepdims=True)
    dev = x - mean
    sq = (
        jnp.real(dev * jnp.conj(dev)) if jnp.issubdtype(x.dtype, jnp.complexfloating) else dev * dev
    )
    return jnp.mean(sq, axis=axes, keepdims=keepdims)


def _logsumexp(x: Array, axes: Any, keepdims: bool) -> Array:
    return jax.nn.logsumexp(x, axis=axes, keepdims=keepdims)


reduce_sum = _reduction(
    ("reduce_sum", "math.reduce_sum"),
    "Sum",
    lambda x, a, k: jnp.sum(x, axis=a, keepdims=k),
    NUMBER,
    "the sum",
)
reduce_mean = _reduction(
    ("reduce_mean", "math.reduce_mean"),
    "Mean",
    _mean,
    NUMBER,
    "the mean (integer means truncate toward zero)",
)
reduce_max = _reduction(
    ("reduce_max", "math.reduce_max"),
    "Max",
    lambda x, a, k: jnp.max(x, axis=a, keepdims=k),
    REAL_NUMBER,
    "the maximum",
)
reduce_min = _reduction(
    ("reduce_min", "math.reduce_min"),
    "Min",
    lambda x, a, k: jnp.min(x, axis=a, keepdims=k),
    REAL_NUMBER,
    "the minimum",
)
reduce_prod = _reduction(
    ("reduce_prod", "math.reduce_prod"),
    "Prod",
    lambda x, a, k: jnp.prod(x, axis=a, keepdims=k),
    NUMBER,
    "the product",
)
reduce_all = _reduction(
    ("reduce_all", "math.reduce_all"),
    "All",
    lambda x, a, k: jnp.all(x, axis=a, keepdims=k),
    BOOL,
    "boolean AND",
)
reduce_any = _reduction(
    ("reduce_any", "math.reduce_any"),
    "Any",
    lambda x, a, k: jnp.any(x, axis=a, keepdims=k),
    BOOL,
    "boolean OR",
)
reduce_logsumexp = _reduction(
    ("reduce_logsumexp", "math.reduce_logsumexp"),
    "ReduceLogSumExp",
    _logsumexp,
    FLOATING,
    "``log(sum(exp(x)))``, computed stably",
)
reduce_euclidean_norm = _reduction(
    ("math.reduce_euclidean_norm",),
    "EuclideanNorm",
    _euclidean_norm,
    NUMBER,
    "``sqrt(sum(x * conj(x)))``",
)
reduce_variance = _reduction(
    ("math.reduce_variance",), "reduce_variance", _variance, FLOATING, "the (biased) variance"
)
reduce_std = _reduction(
    ("math.reduce_std",),
    "reduce_std",
    lambda x, a, k: jnp.sqrt(_variance(x, a, k)),
    FLOATING,
    "the (biased) standard deviation",
)


@tf_op("count_nonzero", "math.count_nonzero", family="math", default_name="count_nonzero")
def count_nonzero(
    input_tensor: Any = None,
    axis: Any = None,
    keepdims: bool | None = None,
    dtype: Any = np.int64,
    name: str | None = None,
    reduction_indices: Any = None,
    keep_dims: bool | None = None,
    input: Any = None,
) -> Array:
    """``tf.count_nonzero(input_tensor, axis=None, keepdims=None, dtype=tf.int64, ...)``:
    how many elements are not zero (not ``False``) over ``axis``. ``dtype`` int64 is
    int32 when JAX's x64 is off."""
    x = to_tensor(renamed("input", input, "input_tensor", input_tensor))
    axis = renamed("axis", axis, "reduction_indices", reduction_indices)
    axes = reduction_axes(x, axis, "count_nonzero")
    nonzero = x != jnp.zeros((), x.dtype)
    return jnp.sum(
        nonzero, axis=axes, keepdims=_keepdims(keepdims, keep_dims), dtype=canonical(dtype)
    )


def _arg_reduce(
    fn: Callable[..., Array], x: Any, axis: Any, output_type: Any, op_type: str
) -> Array:
    x = to_tensor(x)
    check_dtype(x, NUMBER, "input")
    axis = 0 if axis is None else static_ints(axis, "axis")
    if not isinstance(axis, int):
        if len(axis) != 1:
            raise ValueError(f"{op_type} takes one axis, got {axis}.")
        axis = axis[0]
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"Dimension ({axis}) must be in the range [{-x.ndim}, {x.ndim}), where "
            f"{x.ndim} is the number of dimensions in the input."
        )
    out = canonical(output_type)
    if out.kind not in "iu":
        raise TypeError(f"{op_type}'s output_type must be int32 or int64, got {out.name}.")
    return fn(x, axis=axis).astype(out)


@tf_op("argmax", "math.argmax", family="math", default_name="ArgMax")
def argmax(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dimension: Any = None,
    output_type: Any = np.int64,
) -> Array:
    """``tf.argmax(input, axis=None, name=None, dimension=None, output_type=tf.int64)``:
    the index of the largest value along ``axis`` (0 when ``None``; the first one on ties).
    int64 is int32 when JAX's x64 is off. A NaN counts as the largest value (numpy's and
    JAX's rule; TF's CPU kernel skips NaNs)."""
    axis = renamed("axis", axis, "dimension", dimension)
    return _arg_reduce(jnp.argmax, input, axis, output_type, "ArgMax")


@tf_op("argmin", "math.argmin", family="math", default_name="ArgMin")
def argmin(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dimension: Any = None,
    output_type: Any = np.int64,
) -> Array:
    """``tf.argmin(input, axis=None, name=None, dimension=None, output_type=tf.int64)``:
    the index of the smallest value along ``axis`` (see :func:`argmax`)."""
    axis = renamed("axis", axis, "dimension", dimension)
    return _arg_reduce(jnp.argmin, input, axis, output_type, "ArgMin")


@tf_op("arg_max", family="math", default_name="ArgMax")
def arg_max(
    input: Any,
    dimension: Any,
    output_type: Any = np.int64,
    name: str | None = None,
) -> Array:
    """``tf.arg_max(input, dimension, output_type=tf.int64, name=None)``: TF1's older
    :func:`argmax`."""
    return _arg_reduce(jnp.argmax, input, dimension, output_type, "ArgMax")


@tf_op("arg_min", family="math", default_name="ArgMin")
def arg_min(
    input: Any,
    dimension: Any,
    output_type: Any = np.int64,
    name: str | None = None,
) -> Array:
    """``tf.arg_min(input, dimension, output_type=tf.int64, name=None)``: TF1's older
    :func:`argmin`."""
    return _arg_reduce(jnp.argmin, input, dimension, output_type, "ArgMin")
