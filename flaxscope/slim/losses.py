"""``slim.losses`` (``tf.contrib.losses``): the losses of TF before ``tf.losses``.

They differ from ``tf.losses`` in three ways a port must keep: the logits or predictions
come *first* (``softmax_cross_entropy(logits, onehot_labels)``); ``weights`` is a scalar or
a tensor whose shape is a prefix of the losses' (``[batch]``, ``[batch, 1]``), never
broadcast in the middle; and the result is the weighted sum divided by the number of
elements with a non-zero weight (0 when there are none). Each loss is also added to the
``LOSSES`` collection, and ``get_total_loss`` adds the regularization losses.
``hinge_loss`` returns the unreduced losses, as contrib's did.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.losses import add_loss, get_losses, get_regularization_losses, get_total_loss
from flaxscope.ops import losses as _tf

__all__ = [
    "absolute_difference",
    "add_loss",
    "compute_weighted_loss",
    "cosine_distance",
    "get_losses",
    "get_regularization_losses",
    "get_total_loss",
    "hinge_loss",
    "log_loss",
    "mean_squared_error",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
]

Array = jax.Array


def _weighted_mean(losses: Array, weights: Array) -> Array:
    """contrib's reduction: ``sum(losses * weights) / num_present``, where the losses are
    first summed over the axes ``weights`` does not have, and ``num_present`` counts the
    non-zero weights times the elements each stands for."""
    n = weights.ndim
    if n == 0:
        total = jnp.sum(losses) * weights
        per_row = losses.size / losses.shape[0] if losses.ndim else float(losses.size)
        rows = losses.shape[0] if losses.ndim else 1
        present = jnp.where(weights == 0, 0.0, per_row) * rows
    else:
        total = jnp.sum(jnp.sum(losses, axis=tuple(range(n, losses.ndim))) * weights)
        nonzero = jnp.sum((weights != 0).astype(jnp.float32), axis=tuple(range(1, n)))
        broadcast = float(math.prod(losses.shape[n:]))
        present = jnp.sum(nonzero * broadcast)
    return jnp.where(present > 0, total / jnp.where(present > 0, present, 1.0), 0.0)


def compute_weighted_loss(losses: Any, weights: Any = 1.0, scope: str | None = None) -> Array:
    """``tf.contrib.losses.compute_weighted_loss``: the weighted mean of ``losses`` (float32),
    added to ``LOSSES``. A ``weights`` of shape ``[..., 1]`` drops its last axis."""
    del scope
    losses = jnp.asarray(losses, jnp.float32)
    weights = jnp.asarray(weights, jnp.float32)
    if weights.ndim > 1 and weights.shape[-1] == 1:
        weights = jnp.squeeze(weights, -1)
    loss = _weighted_mean(losses, weights)
    add_loss(loss)
    return loss


# The element-wise losses are tf.losses' own (reduction NONE, no collection); contrib
# differs only in the argument order and in how it weights and reduces them.
_ELEMENTWISE = {"loss_collection": None, "reduction": _tf.Reduction.NONE}


def _f32(*values: Any) -> tuple[Array, ...]:
    return tuple(jnp.asarray(v, jnp.float32) for v in values)


def absolute_difference(
    predictions: Any, labels: Any = None, weights: Any = 1.0, scope: str | None = None
) -> Array:
    """``slim.losses.absolute_difference``: the weighted mean of ``|predictions - labels|``."""
    predictions, labels = _f32(predictions, labels)
    losses = _tf.absolute_difference(labels, predictions, scope=scope, **_ELEMENTWISE)
    return compute_weighted_loss(losses, weights, scope)


def mean_squared_error(
    predictions: Any, labels: Any = None, weights: Any = 1.0, scope: str | None = None
) -> Array:
    """``slim.losses.mean_squared_error``: the weighted mean of ``(predictions - labels)**2``."""
    predictions, labels = _f32(predictions, labels)
    losses = _tf.mean_squared_error(labels, predictions, scope=scope, **_ELEMENTWISE)
    return compute_weighted_loss(losses, weights, scope)


def log_loss(
    predictions: Any,
    labels: Any = None,
    weights: Any = 1.0,
    epsilon: float = 1e-7,
    scope: str | None = None,
) -> Array:
    """``slim.losses.log_loss``: the weighted mean of the binary cross-entropy of
    probabilities, ``-y log(p + eps) - (1 - y) log(1 - p + eps)``."""
    predictions, labels = _f32(predictions, labels)
    losses = _tf.log_loss(labels, predictions, epsilon=epsilon, scope=scope, **_ELEMENTWISE)
    return compute_weighted_loss(losses, weights, scope)


def hinge_loss(logits: Any, labels: Any = None, scope: str | None = None) -> Array:
    """``slim.losses.hinge_loss``: ``relu(1 - (2 * labels - 1) * logits)`` per element,
    *not* reduced and not added to ``LOSSES`` (contrib's behaviour)."""
    logits, labels = _f32(logits, labels)
    return _tf.hinge_loss(labels, logits, scope=scope, **_ELEMENTWISE)


def cosine_distance(
    predictions: Any,
    labels: Any = None,
    axis: int | None = None,
    weights: Any = 1.0,
    scope: str | None = None,
    dim: int | None = None,
) -> Array:
    """``slim.losses.cosine_distance``: ``1 - sum(predictions * labels, axis)`` (both
    unit-normalized already), weighted mean; ``axis`` is reduced away."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    predictions, labels = _f32(predictions, labels)
    losses = _tf.cosine_distance(labels, predictions, axis=axis, scope=scope, **_ELEMENTWISE)
    return compute_weighted_loss(jnp.squeeze(losses, axis), weights, scope)


def softmax_cross_entropy(
    logits: Any,
    onehot_labels: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
) -> Array:
    """``slim.losses.softmax_cross_entropy``: the weighted mean of the softmax cross-entropy;
    ``label_smoothing`` moves the labels toward ``1 / num_classes``."""
    losses = _tf.softmax_cross_entropy(
        onehot_labels, logits, label_smoothing=label_smoothing, scope=scope, **_ELEMENTWISE
    )
    return compute_weighted_loss(losses, weights, scope)


def sparse_softmax_cross_entropy(
    logits: Any, labels: Any, weights: Any = 1.0, scope: str | None = None
) -> Array:
    """``slim.losses.sparse_softmax_cross_entropy``: ``labels`` are class ids, ``[batch]`` or
    ``[batch, 1]``."""
    labels = jnp.reshape(jnp.asarray(labels), (jnp.shape(labels)[0],))
    weights = jnp.squeeze(jnp.asarray(weights, jnp.float32))
    losses = _tf.sparse_softmax_cross_entropy(labels, logits, scope=scope, **_ELEMENTWISE)
    return compute_weighted_loss(losses, weights, scope)


def sigmoid_cross_entropy(
    logits: Any,
    multi_class_labels: Any,
    weights: Any = 1.0,
    label_smoothing: float = 0,
    scope: str | None = None,
) -> Array:
    """``slim.losses.sigmoid_cross_entropy``: the weighted mean of the element-wise logistic
    loss; ``label_smoothing`` moves the labels toward 1/2."""
    losses = _tf.sigmoid_cross_entropy(
        multi_class_labels, logits, label_smoothing=label_smoothing, scope=scope, **_ELEMENTWISE
    )
    return compute_weighted_loss(losses, weights, scope)
