"""``tf.losses.mean_pairwise_squared_error`` (``tf.compat.v1.losses``).

For each example the loss is the mean, over the pairs of its present elements, of the
squared difference between the pairwise differences of ``predictions`` and of ``labels``,
computed as TF1 does from per-example sums: with ``d = predictions - labels`` over the
non-batch axes and ``n`` the number of elements whose weight is not zero,
``2 * sum(d**2) / (n - 1) - 2 * sum(d)**2 / (n * (n - 1))`` (0 where ``n <= 1``). The
per-example losses are multiplied by ``weights`` and summed; the result is added to
``loss_collection``.

``n`` is counted per example as TF1's graph mode counts it; TF2's eager ``tf.compat.v1``
counts every element of the batch instead when ``weights`` is a non-zero scalar.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.losses import add_loss
from flaxscope.ops._registry import reserve_op_name, tf_op
from flaxscope.ops.losses import check_broadcastable, div_no_nan
from flaxscope.store import GraphKeys

Array = jax.Array


@tf_op("losses.mean_pairwise_squared_error", family="losses")
def mean_pairwise_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
) -> Array:
    """``tf.compat.v1.losses.mean_pairwise_squared_error``: the weighted sum over the batch
    of each example's mean squared difference of pairwise differences (see the module
    docstring), a float32 scalar. ``weights`` is a scalar or has ``labels``' rank with each
    dimension 1 or equal; there is no ``reduction`` argument, as in TF1."""
    if labels is None:
        raise ValueError("Argument `labels` must not be None.")
    if predictions is None:
        raise ValueError("Argument `predictions` must not be None.")
    reserve_op_name(scope or "mean_pairwise_squared_error")
    w = jnp.asarray(weights, jnp.float32)
    labels = jnp.asarray(labels).astype(jnp.float32)
    predictions = jnp.asarray(predictions).astype(jnp.float32)
    check_broadcastable(w, labels)
    if predictions.shape != labels.shape:
        raise ValueError(
            f"Shapes {tuple(predictions.shape)} and {tuple(labels.shape)} are incompatible"
        )
    diffs = predictions - labels
    axes = tuple(range(1, diffs.ndim))
    present = jnp.broadcast_to(jnp.where(w == 0.0, 0.0, 1.0), diffs.shape)
    n = jnp.sum(present, axis=axes, keepdims=True)
    term1 = 2.0 * div_no_nan(
        jnp.sum(jnp.square(diffs), axis=axes, keepdims=True), jnp.maximum(n - 1, 0.0)
    )
    term2 = 2.0 * div_no_nan(
        jnp.square(jnp.sum(diffs, axis=axes, keepdims=True)), jnp.maximum(n * (n - 1), 0.0)
    )
    loss = jnp.sum((term1 - term2) * w)
    loss = jnp.where(jnp.sum(n) > 0, loss, jnp.zeros_like(loss))
    add_loss(loss, loss_collection)
    return loss
