"""TF1's counting and sequence checks: ``bincount``, ``confusion_matrix``, ``polyval``,
``zero_fraction``, ``is_non_decreasing``, ``is_strictly_increasing``, ``approx_max_k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope.ops._convert import (
    REAL_FLOATING,
    REAL_NUMBER,
    canonical,
    check_dtype,
    shape_text,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op

Array = jax.Array


def _concrete_int(value: Array, what: str, fix: str) -> int:
    if isinstance(value, jax.core.Tracer):
        raise TypeError(f"{what} is unknown under jit (it depends on array values); {fix}.")
    return int(value)


@tf_op("bincount", "math.bincount", family="math", default_name="bincount")
def bincount(
    arr: Any,
    weights: Any = None,
    minlength: int | None = None,
    maxlength: int | None = None,
    dtype: Any = np.int32,
) -> Array:
    """``tf.math.bincount(arr, weights=None, minlength=None, maxlength=None,
    dtype=tf.int32)``: how often each value ``0..n-1`` occurs in ``arr`` (or the sum of
    its ``weights``), ``n = max(arr) + 1`` raised to ``minlength`` and capped at
    ``maxlength``; values at or past ``n`` are dropped. Under jit the length must be
    static: pass ``minlength == maxlength``."""
    values = to_tensor(arr)
    if values.dtype.kind not in "iu":
        raise TypeError(
            f"Value passed to parameter 'arr' has DataType {values.dtype.name} not in list "
            "of allowed values: int32, int64"
        )
    if minlength is not None and minlength == maxlength:
        length = int(minlength)
    else:
        top = jnp.max(values) + 1 if values.size else jnp.asarray(0)
        length = _concrete_int(
            top,
            "tf.bincount's output length",
            "pass minlength and maxlength equal to the number of bins",
        )
        length = max(length, int(minlength or 0))
        if maxlength is not None:
            length = min(length, int(maxlength))
    if weights is None:
        w = jnp.ones(values.shape, canonical(dtype))
    else:
        w = to_tensor(weights)
        w = (
            jnp.broadcast_to(w, values.shape)
            if w.size
            else jnp.ones(values.shape, canonical(dtype))
        )
    flat = values.reshape(-1)
    return jax.ops.segment_sum(w.reshape(-1), flat, num_segments=length)


@tf_op("confusion_matrix", "math.confusion_matrix", family="math", default_name="confusion_matrix")
def confusion_matrix(
    labels: Any,
    predictions: Any,
    num_classes: int | None = None,
    dtype: Any = np.int32,
    name: str | None = None,
    weights: Any = None,
) -> Array:
    """``tf.confusion_matrix(labels, predictions, num_classes=None, dtype=tf.int32,
    weights=None)``: ``out[i, j]`` counts (or sums ``weights`` of) the examples with label
    ``i`` predicted as ``j``. Without ``num_classes`` (needed under jit) it is
    ``max(labels, predictions) + 1``."""
    lab = to_tensor(labels).reshape(-1)
    pred = to_tensor(predictions).reshape(-1)
    if lab.shape != pred.shape:
        raise ValueError(
            f"labels and predictions must have one shape, got {shape_text(lab.shape)} and "
            f"{shape_text(pred.shape)}."
        )
    if num_classes is None:
        top = jnp.maximum(jnp.max(lab), jnp.max(pred)) + 1 if lab.size else jnp.asarray(0)
        n = _concrete_int(top, "tf.confusion_matrix's size", "pass num_classes")
    else:
        n = static_ints(num_classes, "num_classes")
    out_dtype = canonical(dtype)
    w = (
        jnp.ones(lab.shape, out_dtype)
        if weights is None
        else to_tensor(weights).reshape(-1).astype(out_dtype)
    )
    flat = lab.astype(jnp.int32) * n + pred.astype(jnp.int32)
    valid = (lab >= 0) & (lab < n) & (pred >= 0) & (pred < n)
    flat = jnp.where(valid, flat, n * n)
    return jax.ops.segment_sum(w, flat, num_segments=n * n).reshape(n, n)


@tf_op("math.polyval", family="math", default_name="polyval")
def polyval(coeffs: Sequence[Any], x: Any, name: str | None = None) -> Array:
    """``tf.math.polyval(coeffs, x)``: ``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` by
    Horner's rule; zeros for an empty list."""
    x = to_tensor(x)
    if not coeffs:
        return jnp.zeros_like(x)
    cs = [to_tensor(c, x.dtype, op_type="polyval", arg="coeffs") for c in coeffs]
    out = cs[0]
    for c in cs[1:]:
        out = out * x + c
    return jnp.broadcast_to(out, jnp.broadcast_shapes(out.shape, x.shape))


@tf_op("math.zero_fraction", family="math", default_name="zero_fraction")
def zero_fraction(value: Any, name: str | None = None) -> Array:
    """``tf.math.zero_fraction(value)``: the share of elements equal to 0, as float32
    (e.g. the sparsity of ReLU outputs in a summary)."""
    v = to_tensor(value)
    return jnp.mean((v == jnp.zeros((), v.dtype)).astype(jnp.float32))


def _monotone(x: Any, strict: bool) -> Array:
    v = to_tensor(x)
    check_dtype(v, REAL_NUMBER)
    flat = v.reshape(-1)
    if flat.size < 2:
        return jnp.asarray(True)
    step = flat[1:] - flat[:-1] if v.dtype.kind != "u" else None
    if step is None:  # unsigned: compare instead of subtracting
        return jnp.all(flat[1:] > flat[:-1]) if strict else jnp.all(flat[1:] >= flat[:-1])
    return jnp.all(step > 0) if strict else jnp.all(step >= 0)


@tf_op(
    "is_non_decreasing",
    "math.is_non_decreasing",
    family="math",
    default_name="is_non_decreasing",
)
def is_non_decreasing(x: Any, name: str | None = None) -> Array:
    """``tf.is_non_decreasing(x)``: whether each element (in row-major order) is >= the
    one before it; True for fewer than two elements."""
    return _monotone(x, strict=False)


@tf_op(
    "is_strictly_increasing",
    "math.is_strictly_increasing",
    family="math",
    default_name="is_strictly_increasing",
)
def is_strictly_increasing(x: Any, name: str | None = None) -> Array:
    """``tf.is_strictly_increasing(x)``: whether each element (in row-major order) is >
    the one before it; True for fewer than two elements."""
    return _monotone(x, strict=True)


def _approx_k(is_max: bool):
    def op(
        operand: Any,
        k: int,
        reduction_dimension: int = -1,
        recall_target: float = 0.95,
        reduction_input_size_override: int = -1,
        aggregate_to_topk: bool = True,
        name: str | None = None,
    ) -> tuple[Array, Array]:
        x = to_tensor(operand)
        check_dtype(x, REAL_FLOATING, "operand")
        fn = lax.approx_max_k if is_max else lax.approx_min_k
        return fn(
            x,
            int(k),
            reduction_dimension=reduction_dimension,
            recall_target=recall_target,
            reduction_input_size_override=reduction_input_size_override,
            aggregate_to_topk=aggregate_to_topk,
        )

    kind = "max" if is_max else "min"
    op.__name__ = op.__qualname__ = f"approx_{kind}_k"
    op.__doc__ = (
        f"``tf.math.approx_{kind}_k(operand, k, reduction_dimension=-1, "
        "recall_target=0.95, ...)``: ``(values, indices)`` of the ``k`` "
        f"{'largest' if is_max else 'smallest'} entries along ``reduction_dimension`` "
        "(XLA's approximate top-k on TPU, exact elsewhere)."
    )
    return tf_op(f"math.approx_{kind}_k", family="math", default_name=f"Approx{kind.title()}K")(op)


approx_max_k = _approx_k(True)
approx_min_k = _approx_k(False)
