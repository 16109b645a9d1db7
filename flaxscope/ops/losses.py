"""TF1's ``tf.losses.*`` loss functions (``tf.compat.v1.losses``).

Each computes its elementwise loss in float32, weights it, reduces it by
:class:`Reduction` (TF1's default: ``SUM_BY_NONZERO_WEIGHTS``, the weighted sum over the
number of non-zero weights), casts back to the input's dtype and adds the result to the
``loss_collection`` (``tf.GraphKeys.LOSSES``), so ``tf.losses.get_total_loss()`` sums the
losses a model added, as in TF1.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope.losses import add_loss
from flaxscope.ops._registry import reserve_op_name, tf_op
from flaxscope.ops._tf_grads import tf_abs, tf_minimum
from flaxscope.ops.nn.cross_entropy import sigmoid_xent, softmax_xent, sparse_xent
from flaxscope.store import GraphKeys

Array = jax.Array

__all__ = ["Reduction"]


class Reduction:
    """``tf.compat.v1.losses.Reduction``: how a weighted loss is reduced to a scalar."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (
            cls.NONE,
            cls.SUM,
            cls.MEAN,
            cls.SUM_OVER_BATCH_SIZE,
            cls.SUM_OVER_NONZERO_WEIGHTS,
            cls.SUM_BY_NONZERO_WEIGHTS,
        )

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}. Key should be one of {cls.all()}.")


def check_broadcastable(weights: Array, values: Array) -> None:
    """TF's static ``assert_broadcastable`` of loss or metric weights, with its messages: a
    scalar, or the same rank with each dimension 1 or equal."""
    if weights.ndim == 0:
        return
    if weights.ndim != values.ndim:
        raise ValueError(
            f"weights can not be broadcast to values. values.rank={values.ndim}. "
            f"weights.rank={weights.ndim}. values.shape={tuple(values.shape)}. "
            f"weights.shape={tuple(weights.shape)}."
        )
    for i, (w, v) in enumerate(zip(weights.shape, values.shape, strict=True)):
        if w not in (1, v):
            raise ValueError(
                f"weights can not be broadcast to values. Mismatch at dim {i}. "
                f"values.shape={np.array(values.shape)}, weights.shape="
                f"{np.array(weights.shape)}."
            )


def div_no_nan(x: Array, y: Array) -> Array:
    """``x / y``, 0 where ``y`` is 0 (``tf.div_no_nan``'s values, without its op name)."""
    return jnp.where(y == 0, jnp.zeros_like(x), x / jnp.where(y == 0, jnp.ones_like(y), y))


def _weighted(
    losses: Any,
    weights: Any,
    loss_collection: str | None,
    reduction: str,
) -> Array:
    Reduction.validate(reduction)
    losses = jnp.asarray(losses)
    input_dtype = losses.dtype
    w = jnp.asarray(weights, jnp.float32)
    check_broadcastable(w, losses)
    losses = losses.astype(jnp.float32)
    weighted = losses * w
    if reduction == Reduction.NONE:
        loss = weighted
    else:
        loss = jnp.sum(weighted)
        if reduction == Reduction.MEAN:
            loss = div_no_nan(loss, jnp.sum(jnp.ones_like(losses) * w))
        elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
            if isinstance(weights, float) and weights != 0.0:
                present = jnp.asarray(losses.size, jnp.float32)
            else:
                nonzero = jnp.where(w == 0.0, jnp.zeros_like(w), jnp.ones_like(w))
                present = jnp.sum(jnp.broadcast_to(nonzero, losses.shape))
            loss = div_no_nan(loss, present)
        elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
            loss = div_no_nan(loss, jnp.asarray(losses.size, jnp.float32))
    loss = loss.astype(input_dtype)
    add_loss(loss, loss_collection)
    return loss


def _required(value: Any, name: str) -> Array:
    if value is None:
        raise ValueError(f"Argument `{name}` must not be None.")
    return jnp.asarray(value)


def _compatible(a: Array, b: Array) -> None:
    """TF's ``a.get_shape().assert_is_compatible_with(b.get_shape())``."""
    if a.shape != b.shape:
        raise ValueError(f"Shapes {tuple(a.shape)} and {tuple(b.shape)} are incompatible")


def _pair(labels: Any, predictions: Any, second: str = "predictions") -> tuple[Array, Array]:
    labels = _required(labels, "labels").astype(jnp.float32)
    predictions = _required(predictions, second).astype(jnp.float32)
    _compatible(predictions, labels)
    return labels, predictions


_LOSSES = GraphKeys.LOSSES
_DEFAULT = Reduction.SUM_BY_NONZERO_WEIGHTS


@tf_op("losses.compute_weighted_loss", family="losses")
def compute_weighted_loss(
    losses: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.compute_weighted_loss``: ``losses * weights`` reduced by
    ``reduction``, added to ``loss_collection``. ``weights`` is a scalar or has ``losses``'
    rank with each dimension 1 or equal."""
    reserve_op_name(scope or "weighted_loss")
    return _weighted(losses, weights, loss_collection, reduction)


@tf_op("losses.absolute_difference", family="losses")
def absolute_difference(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.absolute_difference``: ``abs(predictions - labels)``,
    weighted and reduced."""
    reserve_op_name(scope or "absolute_difference")
    labels, predictions = _pair(labels, predictions)
    return _weighted(tf_abs(predictions - labels), weights, loss_collection, reduction)


@tf_op("losses.mean_squared_error", family="losses")
def mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.mean_squared_error``: ``(predictions - labels) ** 2``,
    weighted and reduced."""
    reserve_op_name(scope or "mean_squared_error")
    labels, predictions = _pair(labels, predictions)
    return _weighted(jnp.square(predictions - labels), weights, loss_collection, reduction)


@tf_op("losses.huber_loss", family="losses")
def huber_loss(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    delta: float = 1.0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.huber_loss``: ``0.5 * e ** 2`` for ``|e| <= delta``, else
    ``delta * (|e| - 0.5 * delta)``, with ``e = predictions - labels``."""
    reserve_op_name(scope or "huber_loss")
    labels, predictions = _pair(labels, predictions)
    error = tf_abs(predictions - labels)
    delta = jnp.asarray(delta, jnp.float32)
    quadratic = tf_minimum(error, delta)
    losses = 0.5 * jnp.square(quadratic) + delta * (error - quadratic)
    return _weighted(losses, weights, loss_collection, reduction)


@tf_op("losses.log_loss", family="losses")
def log_loss(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    epsilon: float = 1e-7,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.log_loss``: ``-labels * log(p + eps) - (1 - labels) *
    log(1 - p + eps)`` for probabilities ``p``."""
    reserve_op_name(scope or "log_loss")
    labels, p = _pair(labels, predictions)
    eps = jnp.asarray(epsilon, jnp.float32)
    losses = -labels * jnp.log(p + eps) - (1 - labels) * jnp.log(1 - p + eps)
    return _weighted(losses, weights, loss_collection, reduction)


@tf_op("losses.hinge_loss", family="losses")
def hinge_loss(
    labels: Any,
    logits: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.hinge_loss``: ``relu(1 - (2 * labels - 1) * logits)`` for
    0/1 ``labels``."""
    reserve_op_name(scope or "hinge_loss")
    labels, logits = _pair(labels, logits, "logits")
    losses = jax.nn.relu(1 - (2 * labels - 1) * logits)
    return _weighted(losses, weights, loss_collection, reduction)


@tf_op("losses.cosine_distance", family="losses")
def cosine_distance(
    labels: Any,
    predictions: Any,
    axis: int | None = None,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
    dim: int | None = None,
) -> Array:
    """``tf.compat.v1.losses.cosine_distance``: ``1 - sum(labels * predictions, axis)``
    (keeping ``axis``) for unit-normalized inputs; ``dim`` is the old name of ``axis``."""
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    reserve_op_name(scope or "cosine_distance_loss")
    labels, predictions = _pair(labels, predictions)
    losses = 1 - jnp.sum(predictions * labels, axis=axis, keepdims=True)
    return _weighted(losses, weights, loss_collection, reduction)


@tf_op("losses.sigmoid_cross_entropy", family="losses")
def sigmoid_cross_entropy(
    multi_class_labels: Any,
    logits: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.sigmoid_cross_entropy``: the sigmoid cross-entropy of
    ``logits`` against ``multi_class_labels`` (smoothed towards 1/2 by
    ``label_smoothing``), weighted and reduced."""
    labels = _required(multi_class_labels, "multi_class_labels")
    logits = _required(logits, "logits")
    reserve_op_name(scope or "sigmoid_cross_entropy_loss")
    _compatible(logits, labels)
    labels = labels.astype(logits.dtype)
    if label_smoothing > 0:
        labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
    return _weighted(sigmoid_xent(labels, logits), weights, loss_collection, reduction)


@tf_op("losses.softmax_cross_entropy", family="losses")
def softmax_cross_entropy(
    onehot_labels: Any,
    logits: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.softmax_cross_entropy``: the softmax cross-entropy of
    ``logits`` against ``onehot_labels`` ``[batch, classes]``; ``label_smoothing`` moves
    the labels towards ``1 / classes``. No gradient flows into the labels."""
    labels = _required(onehot_labels, "onehot_labels")
    logits = _required(logits, "logits")
    reserve_op_name(scope or "softmax_cross_entropy_loss")
    _compatible(logits, labels)
    labels = labels.astype(logits.dtype)
    if label_smoothing > 0:
        classes = jnp.asarray(labels.shape[-1], logits.dtype)
        labels = labels * (1 - label_smoothing) + label_smoothing / classes
    losses = softmax_xent(lax.stop_gradient(labels), logits, -1)
    return _weighted(losses, weights, loss_collection, reduction)


@tf_op("losses.sparse_softmax_cross_entropy", family="losses")
def sparse_softmax_cross_entropy(
    labels: Any,
    logits: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = _LOSSES,
    reduction: str = _DEFAULT,
) -> Array:
    """``tf.compat.v1.losses.sparse_softmax_cross_entropy``: the softmax cross-entropy of
    ``logits`` against class indices ``labels``; a trailing size-1 axis of ``labels`` (and
    of ``weights``) is squeezed, as TF does."""
    labels = _required(labels, "labels")
    logits = _required(logits, "logits")
    weights = weights if isinstance(weights, float) else jnp.asarray(weights)
    reserve_op_name(scope or "sparse_softmax_cross_entropy_loss")
    if labels.ndim == logits.ndim and labels.shape[-1:] == (1,):
        labels = jnp.squeeze(labels, -1)
    if not isinstance(weights, float) and weights.ndim == labels.ndim + 1:
        weights = jnp.squeeze(weights, -1)
    return _weighted(sparse_xent(labels, logits), weights, loss_collection, reduction)
