"""TF1's cross-entropy ops (``tf.nn.softmax_cross_entropy_with_logits[_v2]``, the sparse
and sigmoid ones, weighted cross-entropy, ``log_poisson_loss``).

``softmax_xent``, ``sparse_xent`` and ``sigmoid_xent`` are the formulas without the TF1
argument handling; ``tf.losses`` and the sampled losses build on them."""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope.ops._convert import renamed, shape_text
from flaxscope.ops._registry import tf_op
from flaxscope.ops._tf_grads import tf_abs
from flaxscope.ops.nn._common import Array, as_float, check_axis, softmax_axis


def _check_sentinel(sentinel: Any, fn: str) -> None:
    if sentinel is not None:
        raise ValueError(
            f"Only call `{fn}` with named arguments (labels=..., logits=..., ...). "
            f"Received unnamed argument: {sentinel}"
        )


def softmax_xent(labels: Any, logits: Any, axis: int) -> Array:
    logits = as_float(logits)
    labels = jnp.asarray(labels, logits.dtype)
    if labels.ndim != logits.ndim or any(
        a != b and a != 1 for a, b in zip(labels.shape, logits.shape, strict=True)
    ):
        bad = next(
            (i for i, (a, b) in enumerate(zip(labels.shape, logits.shape, strict=False)) if a != b),
            -1,
        )
        raise ValueError(
            f"Dimensions must be equal, but are {logits.shape[bad] if logits.ndim else 0} and "
            f"{labels.shape[bad] if labels.ndim else 0} for "
            f"'SoftmaxCrossEntropyWithLogits' with input shapes: "
            f"{shape_text(logits.shape)}, {shape_text(labels.shape)}."
        )
    check_axis(logits, axis)
    dtype = logits.dtype
    if dtype in (jnp.float16, jnp.bfloat16):  # TF computes half precision in float32
        logits, labels = logits.astype(jnp.float32), labels.astype(jnp.float32)
    return _softmax_xent(labels, logits, axis).astype(dtype)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def _softmax_xent(labels: Array, logits: Array, axis: int) -> Array:
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)


@_softmax_xent.defjvp
def _softmax_xent_jvp(axis: int, primals: Any, tangents: Any) -> Any:
    # TF's kernel: d/dlogits is softmax - labels, which is the derivative only for labels
    # that sum to 1 (multi-hot or unnormalized soft labels get TF's gradient, not the exact
    # one); d/dlabels is -log_softmax.
    labels, logits = primals
    t_labels, t_logits = tangents
    shifted = logits - lax.stop_gradient(jnp.max(logits, axis=axis, keepdims=True))
    exp = jnp.exp(shifted)
    total = jnp.sum(exp, axis=axis, keepdims=True)
    log_p = shifted - jnp.log(total)
    out = -jnp.sum(labels * log_p, axis=axis)
    backprop = exp / total - labels  # one exp for the loss and its gradient
    return out, jnp.sum(backprop * t_logits - log_p * t_labels, axis=axis)


@tf_op(
    "nn.softmax_cross_entropy_with_logits_v2",
    family="losses",
    default_name="softmax_cross_entropy_with_logits",
)
def softmax_cross_entropy_with_logits_v2(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    axis: int | None = None,
    name: str | None = None,
    dim: int | None = None,
) -> Array:
    """``tf.nn.softmax_cross_entropy_with_logits_v2``: ``-sum(labels * log_softmax(logits),
    axis)``, one loss per example; gradients flow into ``labels`` too."""
    _check_sentinel(_sentinel, "softmax_cross_entropy_with_logits_v2")
    del name
    return softmax_xent(labels, logits, softmax_axis(axis, dim))


@tf_op(
    "nn.softmax_cross_entropy_with_logits",
    family="losses",
    default_name="softmax_cross_entropy_with_logits_sg",
)
def softmax_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    dim: int = -1,
    name: str | None = None,
    axis: int | None = None,
) -> Array:
    """``tf.compat.v1.nn.softmax_cross_entropy_with_logits``: as the ``_v2`` op, with no
    gradient into ``labels`` (TF1's behaviour)."""
    _check_sentinel(_sentinel, "softmax_cross_entropy_with_logits")
    del name
    axis = renamed("axis", axis, "dim", dim)  # as TF1: axis= with the default dim=-1 raises
    return softmax_xent(lax.stop_gradient(jnp.asarray(labels)), logits, axis)


def sparse_xent(labels: Any, logits: Any) -> Array:
    logits = as_float(logits)
    labels = jnp.asarray(labels)
    if labels.ndim != logits.ndim - 1:
        raise ValueError(
            "`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
            f"labels.shape={tuple(labels.shape)} of rank {labels.ndim} and "
            f"logits.shape={tuple(logits.shape)} of rank {logits.ndim}"
        )
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            "`labels.shape` must equal `logits.shape` except for the last dimension. "
            f"Received: labels.shape={tuple(labels.shape)} and "
            f"logits.shape={tuple(logits.shape)}"
        )
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        raise TypeError(
            f"Value passed to parameter 'labels' has DataType {labels.dtype} not in list of "
            "allowed values: int32, int64"
        )
    half = logits.dtype in (jnp.float16, jnp.bfloat16)
    x = logits.astype(jnp.float32) if half else logits
    # An out-of-range label picks NaN (TF's GPU kernel; its CPU kernel raises at run time).
    picked = jnp.take_along_axis(x, labels[..., None], axis=-1, mode="fill", fill_value=np.nan)
    out = jax.nn.logsumexp(x, axis=-1) - picked[..., 0]
    return out.astype(logits.dtype) if half else out


@tf_op(
    "nn.sparse_softmax_cross_entropy_with_logits",
    family="losses",
    default_name="SparseSoftmaxCrossEntropyWithLogits",
)
def sparse_softmax_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, name: str | None = None
) -> Array:
    """``tf.nn.sparse_softmax_cross_entropy_with_logits``: ``logsumexp(logits) -
    logits[labels]`` per example; ``labels`` are class indices of rank ``logits``'s - 1.

    An out-of-range label gives NaN (as TF on GPU; TF on CPU raises when run)."""
    _check_sentinel(_sentinel, "sparse_softmax_cross_entropy_with_logits")
    del name
    return sparse_xent(labels, logits)


def same_shape(labels: Array, logits: Array) -> None:
    if labels.shape != logits.shape:
        raise ValueError(
            "`logits` and `labels` must have the same shape, received "
            f"({tuple(logits.shape)} vs {tuple(labels.shape)})."
        )


def sigmoid_xent(labels: Any, logits: Any) -> Array:
    logits = as_float(logits)
    labels = jnp.asarray(labels, logits.dtype)
    same_shape(labels, logits)
    # TF's formula picks the branches with one comparison, ``logits >= 0``; its gradient at
    # a logit of exactly 0 (a zero-initialized output layer) is then ``sigmoid(0) - z``.
    nonnegative = logits >= 0
    relu_logits = jnp.where(nonnegative, logits, jnp.zeros_like(logits))
    neg_abs_logits = jnp.where(nonnegative, -logits, logits)
    return relu_logits - logits * labels + jnp.log1p(jnp.exp(neg_abs_logits))


@tf_op("nn.sigmoid_cross_entropy_with_logits", family="losses", default_name="logistic_loss")
def sigmoid_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, name: str | None = None
) -> Array:
    """``tf.nn.sigmoid_cross_entropy_with_logits``: elementwise ``max(x, 0) - x * z +
    log(1 + exp(-abs(x)))`` for logits ``x`` and labels ``z``."""
    _check_sentinel(_sentinel, "sigmoid_cross_entropy_with_logits")
    del name
    return sigmoid_xent(labels, logits)


@tf_op("nn.weighted_cross_entropy_with_logits", family="losses", default_name="logistic_loss")
def weighted_cross_entropy_with_logits(
    labels: Any = None,
    logits: Any = None,
    pos_weight: Any = None,
    name: str | None = None,
    targets: Any = None,
) -> Array:
    """``tf.compat.v1.nn.weighted_cross_entropy_with_logits``: the sigmoid cross-entropy
    with the positive term weighted by ``pos_weight``; ``targets`` is TF1's old name of
    ``labels``."""
    del name
    labels = renamed("labels", labels, "targets", targets)
    logits = as_float(logits)
    z = jnp.asarray(labels, logits.dtype)
    same_shape(z, logits)
    log_weight = 1 + (jnp.asarray(pos_weight, logits.dtype) - 1) * z
    # TF's ``abs`` and ``relu``, whose derivatives at 0 are 0
    return (1 - z) * logits + log_weight * (
        jnp.log1p(jnp.exp(-tf_abs(logits))) + jax.nn.relu(-logits)
    )


@tf_op("nn.log_poisson_loss", family="losses", default_name="log_poisson_loss")
def log_poisson_loss(
    targets: Any, log_input: Any, compute_full_loss: bool = False, name: str | None = None
) -> Array:
    """``tf.nn.log_poisson_loss``: ``exp(log_input) - log_input * targets``, plus Stirling's
    approximation of ``log(targets!)`` (for targets above 1) with ``compute_full_loss``."""
    del name
    log_input = as_float(log_input)
    t = jnp.asarray(targets, log_input.dtype)
    if t.shape != log_input.shape:
        raise ValueError(
            "`log_input` and `targets` must have the same shape, received "
            f"({tuple(log_input.shape)} vs {tuple(t.shape)})."
        )
    result = jnp.exp(log_input) - log_input * t
    if compute_full_loss:
        stirling = t * jnp.log(t) - t + 0.5 * jnp.log(2 * np.pi * t)
        result = result + jnp.where((t >= 0) & (t <= 1), jnp.zeros_like(t), stirling)
    return result
