"""TF1's streaming metrics, ``tf.compat.v1.metrics``, on flaxscope's variable store.

Each metric keeps running sums in *metric variables*: zero-initialized, not trainable (so
they live in ``variables["state"]``), in the ``LOCAL_VARIABLES`` and ``METRIC_VARIABLES``
collections, and named as TF1 names them (``tf.metrics.accuracy`` under no scope makes
``accuracy/total`` and ``accuracy/count``; a second call makes ``accuracy_1/...``; with
``name="acc"``, ``acc/total``). Like TF1's, every metric returns ``(value, update_op)``.

How the graph-mode pair maps onto a pure function. In TF1 the metric is built once and
``sess.run(update_op, feed)`` runs per batch; ``update_op`` adds the batch to the sums and
evaluates to the metric over every batch so far, while ``value`` only reads the sums. In a
function given to :func:`flaxscope.transform`, one call is one batch:

- ``update_op`` is the metric over the earlier batches *and this one*: the number TF1's
  ``sess.run(update_op)`` prints;
- ``value`` is the metric of the sums as this call received them (the earlier batches
  only), as TF1's ``sess.run(value)`` reads them before the update runs;
- the sums are assigned at once (a pure function has no update op to leave unrun), so run
  ``apply(variables, ..., mutable=True)`` and pass the returned ``state`` to the next call
  (docs/migration.md, section 8). Without ``mutable=True`` the assign is an error that
  says so. ``init`` returns the zeros TF1's ``local_variables_initializer`` sets, and
  those zeros (``init``'s ``state`` again) are how to reset the metric.

So TF1's evaluation loop ``for b in batches: sess.run(update_op, b)`` then
``sess.run(value)`` becomes a loop over ``apply(..., mutable=True)`` that keeps the new
state, and the final number is the last call's ``update_op`` (or ``value`` in any later
call). All of it runs under ``jax.jit``.

Outside ``transform`` (the default graph, where TF1 refused eager execution) each call
makes new variables and adds one batch to them, so a streaming metric needs ``transform``.

Differences from TF1: the run-time checks (predictions in ``[0, 1]`` for the threshold
metrics, class ids in ``[0, num_classes)``) raise ``tf.errors.InvalidArgumentError`` for
concrete inputs only; under ``jax.jit`` they are not checked, and an out-of-range class id
adds nothing. There is no distribution strategy (TF1's per-replica sums). The top-k
metrics (``recall_at_k``, ``precision_at_k``, ``average_precision_at_k`` and their
``sparse_`` and ``_at_top_k`` spellings) are not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops._convert import shape_text, to_tensor
from flaxscope.ops.losses import check_broadcastable, div_no_nan
from flaxscope.scopes import variable_scope
from flaxscope.store import GraphKeys
from flaxscope.variables import Variable, add_to_collections, assign_add

__all__ = [
    "accuracy",
    "auc",
    "false_negatives",
    "false_negatives_at_thresholds",
    "false_positives",
    "false_positives_at_thresholds",
    "mean",
    "mean_absolute_error",
    "mean_cosine_distance",
    "mean_iou",
    "mean_iou_of",
    "mean_per_class_accuracy",
    "mean_relative_error",
    "mean_squared_error",
    "mean_tensor",
    "percentage_below",
    "precision",
    "precision_at_thresholds",
    "recall",
    "recall_at_thresholds",
    "root_mean_squared_error",
    "sensitivity_at_specificity",
    "specificity_at_sensitivity",
    "true_negatives",
    "true_negatives_at_thresholds",
    "true_positives",
    "true_positives_at_thresholds",
]

Collections = str | Iterable[str] | None
Pair = tuple[jax.Array, jax.Array]

# TF1's constants: the endpoint nudge of the threshold grid, and the smoothing of AUC.
_THRESHOLD_EPSILON = 1e-7
_AUC_EPSILON = 1e-6


# --- helpers --------------------------------------------------------------------------
def _metric_variable(shape: Sequence[int], dtype: Any, name: str) -> jax.Array:
    """A zero-filled local metric variable (TF1's ``metric_variable``)."""
    shape = tuple(int(d) for d in shape)
    return Variable(
        lambda: jnp.zeros(shape, dtype),
        trainable=False,
        collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
        name=name,
        dtype=dtype,
        shape=shape,
    )


def _float64() -> Any:
    # TF1 keeps the confusion matrix in float64; JAX has it only with x64 enabled.
    return jnp.float64 if jax.config.jax_enable_x64 else jnp.float32


def _publish(
    metrics_collections: Collections,
    updates_collections: Collections,
    value: jax.Array,
    update_op: jax.Array,
) -> Pair:
    if metrics_collections:
        add_to_collections(metrics_collections, value)
    if updates_collections:
        add_to_collections(updates_collections, update_op)
    return value, update_op


def _is_concrete(x: jax.Array) -> bool:
    return not isinstance(x, jax.core.Tracer)


def _check_compatible(a: jax.Array, b: jax.Array) -> None:
    """TF's ``assert_is_compatible_with`` on two fully known shapes."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"Shapes {tuple(a.shape)} and {tuple(b.shape)} are incompatible")


def _squeeze_last(x: jax.Array) -> jax.Array:
    if x.shape[-1] != 1:
        raise ValueError(
            f"Can not squeeze dim[{x.ndim - 1}], expected a dimension of 1, got "
            f"{x.shape[-1]} (input shape {list(x.shape)}): TF squeezes the last axis of "
            "an argument whose rank is one more than the other's."
        )
    return jnp.squeeze(x, -1)


def _match_ranks(labels: jax.Array, predictions: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Drops a trailing axis of size 1 from whichever of the two has one more axis
    (TF's ``confusion_matrix.remove_squeezable_dimensions``)."""
    diff = predictions.ndim - labels.ndim
    if diff == 1 and predictions.shape[-1] == 1:
        predictions = jnp.squeeze(predictions, -1)
    elif diff == -1 and labels.shape[-1] == 1:
        labels = jnp.squeeze(labels, -1)
    return labels, predictions


def _prepare(
    predictions: Any, labels: Any = None, weights: Any = None
) -> tuple[jax.Array, jax.Array | None, jax.Array | None]:
    """Lines up ranks as TF1's metrics do: labels and predictions lose a squeezable trailing
    axis and must then have one shape; non-scalar weights gain or lose a trailing axis to
    match the predictions' rank."""
    predictions = to_tensor(predictions)
    if labels is not None:
        labels, predictions = _match_ranks(to_tensor(labels), predictions)
        _check_compatible(predictions, labels)
    if weights is None:
        return predictions, labels, None
    weights = to_tensor(weights)
    if weights.ndim == 0:
        return predictions, labels, weights
    if weights.ndim - predictions.ndim == 1:
        weights = _squeeze_last(weights)
    elif predictions.ndim - weights.ndim == 1:
        weights = weights[..., None]
    return predictions, labels, weights


def _broadcast_weights(weights: jax.Array, values: jax.Array) -> jax.Array:
    """``weights`` (float32) spread to the shape of ``values``; TF1's static checks: a
    scalar, or the same rank with each dimension 1 or equal."""
    weights = weights.astype(jnp.float32)
    check_broadcastable(weights, values)
    return jnp.broadcast_to(weights, values.shape)


def _multiply_checked(values: jax.Array, weights: jax.Array) -> jax.Array:
    """``values * weights`` with TF's broadcasting error (a ``ValueError``)."""
    a, b = values.shape[::-1], weights.shape[::-1]
    for i in range(min(len(a), len(b))):
        if a[i] != b[i] and 1 not in (a[i], b[i]):
            raise ValueError(
                f"Dimensions must be equal, but are {a[i]} and {b[i]} for 'Mul' with input "
                f"shapes: {shape_text(values.shape)}, {shape_text(weights.shape)}."
            )
    return values * weights


def _check_unit_interval(predictions: jax.Array) -> None:
    if _is_concrete(predictions):
        p = np.asarray(predictions)
        if p.size and (np.any(p < 0) or np.any(p > 1)):
            raise InvalidArgumentError(
                f"predictions must be in [0, 1]; got values from {p.min()} to {p.max()}"
            )


def _check_class_ids(ids: jax.Array, num_classes: int, what: str) -> None:
    if _is_concrete(ids):
        i = np.asarray(ids)
        if i.size and (np.any(i < 0) or np.any(i >= num_classes)):
            raise InvalidArgumentError(
                f"`{what}` out of bound: every class id must be in [0, {num_classes}); got "
                f"values from {i.min()} to {i.max()}"
            )


def _class_index(ids: jax.Array, num_classes: int) -> jax.Array:
    # A negative id would wrap around in a JAX scatter; send it past the end, where the
    # scatter drops it as it drops ids >= num_classes.
    return jnp.where(ids < 0, num_classes, ids)


# --- means ----------------------------------------------------------------------------
def mean(
    values: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.mean``: the (weighted) mean of every value seen so far.

    Variables ``<scope>/total`` and ``<scope>/count`` (float32 scalars; scope ``mean`` by
    default). A count of 0 gives 0. See the module docstring for ``value`` and
    ``update_op``.
    """
    with variable_scope(name, default_name="mean", values=(values, weights)):
        values = to_tensor(values).astype(jnp.float32)
        total = _metric_variable([], jnp.float32, "total")
        count = _metric_variable([], jnp.float32, "count")
        if weights is None:
            num_values = jnp.float32(values.size)
        else:
            values, _, weights = _prepare(values, None, weights)
            weights = _broadcast_weights(weights, values)
            values = values * weights
            num_values = jnp.sum(weights)
        value = div_no_nan(total, jnp.maximum(count, 0))
        new_total = assign_add(total, jnp.sum(values))
        new_count = assign_add(count, num_values)
        update_op = div_no_nan(new_total, jnp.maximum(new_count, 0))
        return _publish(metrics_collections, updates_collections, value, update_op)


def mean_tensor(
    values: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.mean_tensor``: the element-wise (weighted) mean of the tensors
    seen so far, in ``<scope>/total_tensor`` and ``<scope>/count_tensor`` (scope ``mean``)."""
    with variable_scope(name, default_name="mean", values=(values, weights)):
        values = to_tensor(values).astype(jnp.float32)
        total = _metric_variable(values.shape, jnp.float32, "total_tensor")
        count = _metric_variable(values.shape, jnp.float32, "count_tensor")
        num_values = jnp.ones_like(values)
        if weights is not None:
            values, _, weights = _prepare(values, None, weights)
            weights = _broadcast_weights(weights, values)
            values = values * weights
            num_values = num_values * weights
        value = div_no_nan(total, jnp.maximum(count, 0))
        new_total = assign_add(total, values)
        new_count = assign_add(count, num_values)
        update_op = div_no_nan(new_total, jnp.maximum(new_count, 0))
        return _publish(metrics_collections, updates_collections, value, update_op)


def accuracy(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.accuracy``: how often ``predictions`` equals ``labels``
    (after casting predictions to the labels' dtype); a :func:`mean` under the scope
    ``accuracy`` (``accuracy/total``, ``accuracy/count``).

    Raises:
      ValueError: ``Shapes (4,) and (3,) are incompatible`` when the shapes differ (after
        dropping a trailing axis of size 1), or when ``weights`` cannot broadcast.
    """
    predictions, labels, weights = _prepare(predictions, labels, weights)
    if labels.dtype != predictions.dtype:
        predictions = predictions.astype(labels.dtype)
    is_correct = (predictions == labels).astype(jnp.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or "accuracy")


def mean_absolute_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.mean_absolute_error``: the mean of ``|predictions - labels|``
    (scope ``mean_absolute_error``)."""
    predictions, labels, weights = _prepare(predictions, labels, weights)
    errors = jnp.abs(predictions - labels)
    return mean(
        errors, weights, metrics_collections, updates_collections, name or "mean_absolute_error"
    )


def mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.mean_squared_error``: the mean of ``(labels - predictions)²``
    (scope ``mean_squared_error``)."""
    predictions, labels, weights = _prepare(predictions, labels, weights)
    errors = jnp.square(labels - predictions)
    return mean(
        errors, weights, metrics_collections, updates_collections, name or "mean_squared_error"
    )


def root_mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.root_mean_squared_error``: the square root of the streaming
    mean squared error (variables under the scope ``root_mean_squared_error``)."""
    predictions, labels, weights = _prepare(predictions, labels, weights)
    mse, mse_update = mean_squared_error(
        labels, predictions, weights, None, None, name or "root_mean_squared_error"
    )
    return _publish(metrics_collections, updates_collections, jnp.sqrt(mse), jnp.sqrt(mse_update))


def mean_relative_error(
    labels: Any,
    predictions: Any,
    normalizer: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.mean_relative_error``: the mean of
    ``|labels - predictions| / normalizer``, counting 0 where ``normalizer`` is 0 (scope
    ``mean_relative_error``)."""
    predictions, labels, weights = _prepare(predictions, labels, weights)
    predictions, normalizer = _match_ranks(predictions, to_tensor(normalizer))
    _check_compatible(predictions, normalizer)
    zero = normalizer == 0
    relative = jnp.where(
        zero, 0.0, jnp.abs(labels - predictions) / jnp.where(zero, 1.0, normalizer)
    ).astype(jnp.result_type(labels))
    return mean(
        relative, weights, metrics_collections, updates_collections, name or "mean_relative_error"
    )


def mean_cosine_distance(
    labels: Any,
    predictions: Any,
    dim: int,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.mean_cosine_distance``: ``1 - mean(sum(labels * predictions,
    dim))`` for unit-normalized inputs (scope ``mean_cosine_distance``)."""
    predictions, labels, weights = _prepare(predictions, labels, weights)
    radial = jnp.sum(predictions * labels, axis=dim, keepdims=True)
    distance, update = mean(radial, weights, None, None, name or "mean_cosine_distance")
    return _publish(metrics_collections, updates_collections, 1.0 - distance, 1.0 - update)


def percentage_below(
    values: Any,
    threshold: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.percentage_below``: the share of values below ``threshold``
    (scope ``percentage_below_threshold``)."""
    below = (to_tensor(values) < threshold).astype(jnp.float32)
    return mean(
        below,
        weights,
        metrics_collections,
        updates_collections,
        name or "percentage_below_threshold",
    )


# --- counts of a condition ------------------------------------------------------------
def _count(
    condition: jax.Array,
    weights: jax.Array | None,
    metrics_collections: Collections,
    updates_collections: Collections,
) -> Pair:
    """Adds the (weighted) number of true entries of ``condition`` to ``count``."""
    count = _metric_variable([], jnp.float32, "count")
    hits = condition.astype(jnp.float32)
    if weights is not None:
        if weights.ndim not in (0, hits.ndim):
            raise ValueError(
                f"Tensor weights must have rank in (0, {hits.ndim}).  Received rank "
                f"{weights.ndim}, shape {tuple(weights.shape)}"
            )
        hits = _multiply_checked(hits, weights.astype(jnp.float32))
    new = assign_add(count, jnp.sum(hits))
    return _publish(metrics_collections, updates_collections, count, new)


def _binary_count(
    default_name: str,
    want_label: bool,
    want_prediction: bool,
    labels: Any,
    predictions: Any,
    weights: Any,
    metrics_collections: Collections,
    updates_collections: Collections,
    name: str | None,
) -> Pair:
    with variable_scope(name, default_name=default_name, values=(predictions, labels, weights)):
        predictions, labels, weights = _prepare(
            to_tensor(predictions).astype(bool), to_tensor(labels).astype(bool), weights
        )
        hit = (labels == want_label) & (predictions == want_prediction)
        return _count(hit, weights, metrics_collections, updates_collections)


def true_positives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.true_positives``: the (weighted) number of entries where
    ``labels`` and ``predictions``, cast to bool, are both true (``true_positives/count``)."""
    return _binary_count(
        "true_positives",
        True,
        True,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def false_positives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.false_positives``: predicted true, labelled false
    (``false_positives/count``)."""
    return _binary_count(
        "false_positives",
        False,
        True,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def true_negatives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.true_negatives``: predicted false, labelled false
    (``true_negatives/count``)."""
    return _binary_count(
        "true_negatives",
        False,
        False,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def false_negatives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.false_negatives``: predicted false, labelled true
    (``false_negatives/count``)."""
    return _binary_count(
        "false_negatives",
        True,
        False,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def _ratio_of_counts(
    default_name: str,
    other: Callable[..., Pair],
    labels: Any,
    predictions: Any,
    weights: Any,
    metrics_collections: Collections,
    updates_collections: Collections,
    name: str | None,
) -> Pair:
    """``tp / (tp + other)`` (0 while both are 0), from two count metrics in one scope."""
    with variable_scope(name, default_name=default_name, values=(predictions, labels, weights)):
        predictions, labels, weights = _prepare(
            to_tensor(predictions).astype(bool), to_tensor(labels).astype(bool), weights
        )
        tp, tp_update = true_positives(labels, predictions, weights)
        miss, miss_update = other(labels, predictions, weights)

        def ratio(hits: jax.Array, misses: jax.Array) -> jax.Array:
            both = hits + misses
            return jnp.where(both > 0, hits / jnp.where(both > 0, both, 1.0), 0.0)

        return _publish(
            metrics_collections, updates_collections, ratio(tp, miss), ratio(tp_update, miss_update)
        )


def precision(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.precision``: ``tp / (tp + fp)`` over the boolean-cast inputs,
    0 before any positive prediction (``precision/true_positives/count`` and
    ``precision/false_positives/count``)."""
    return _ratio_of_counts(
        "precision",
        false_positives,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def recall(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.recall``: ``tp / (tp + fn)``, 0 before any positive label
    (``recall/true_positives/count`` and ``recall/false_negatives/count``)."""
    return _ratio_of_counts(
        "recall",
        false_negatives,
        labels,
        predictions,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


# --- confusion counts at thresholds ---------------------------------------------------
_COUNT_NAMES = {
    "tp": "true_positives",
    "fn": "false_negatives",
    "tn": "true_negatives",
    "fp": "false_positives",
}


def _counts_at_thresholds(
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any,
    includes: Sequence[str] = ("tp", "fn", "tn", "fp"),
    updated: Sequence[str] | None = None,
) -> tuple[dict[str, jax.Array], dict[str, jax.Array]]:
    """Per threshold ``t``, the (weighted) count of predictions above ``t`` (positive) or
    not, by label: variables ``true_positives``, ``false_negatives``, ``true_negatives``,
    ``false_positives`` of shape ``[len(thresholds)]`` (those in ``includes``, in that
    order). Returns the variables' values as received and after this batch.

    Only the counts in ``updated`` (default: all) are assigned: in TF1 a count no update op
    reads (the true negatives of a PR curve) is created but never runs its update."""
    predictions = to_tensor(predictions)
    _check_unit_interval(predictions)
    predictions, labels, weights = _prepare(
        predictions.astype(jnp.float32), to_tensor(labels).astype(bool), weights
    )
    grid = jnp.asarray(np.asarray(thresholds, np.float32))
    flat_predictions = predictions.reshape(-1)
    positive = flat_predictions[None, :] > grid[:, None]
    label_true = labels.reshape(-1)[None, :]
    if weights is not None:
        weights = _broadcast_weights(weights, predictions).reshape(1, -1)
    masks = {
        "tp": label_true & positive,
        "fn": label_true & ~positive,
        "tn": ~label_true & ~positive,
        "fp": ~label_true & positive,
    }
    before: dict[str, jax.Array] = {}
    after: dict[str, jax.Array] = {}
    for key in ("tp", "fn", "tn", "fp"):
        if key not in includes:
            continue
        var = _metric_variable([len(thresholds)], jnp.float32, _COUNT_NAMES[key])
        hits = masks[key].astype(jnp.float32)
        if weights is not None:
            hits = hits * weights
        before[key] = var
        if updated is None or key in updated:
            after[key] = assign_add(var, jnp.sum(hits, axis=1))
        else:
            after[key] = var
    return before, after


def _at_thresholds(
    key: str,
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any,
    metrics_collections: Collections,
    updates_collections: Collections,
    name: str | None,
) -> Pair:
    scope = _COUNT_NAMES[key]
    with variable_scope(name, default_name=scope, values=(predictions, labels, weights)):
        before, after = _counts_at_thresholds(labels, predictions, thresholds, weights, (key,))
        return _publish(metrics_collections, updates_collections, before[key], after[key])


def true_positives_at_thresholds(
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.true_positives_at_thresholds``: per threshold, positive labels
    whose prediction is above it (``true_positives/true_positives``)."""
    return _at_thresholds(
        "tp",
        labels,
        predictions,
        thresholds,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def false_positives_at_thresholds(
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.false_positives_at_thresholds``
    (``false_positives/false_positives``)."""
    return _at_thresholds(
        "fp",
        labels,
        predictions,
        thresholds,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def true_negatives_at_thresholds(
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.true_negatives_at_thresholds``
    (``true_negatives/true_negatives``)."""
    return _at_thresholds(
        "tn",
        labels,
        predictions,
        thresholds,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def false_negatives_at_thresholds(
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.false_negatives_at_thresholds``
    (``false_negatives/false_negatives``)."""
    return _at_thresholds(
        "fn",
        labels,
        predictions,
        thresholds,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def precision_at_thresholds(
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.precision_at_thresholds``: per threshold,
    ``tp / (tp + fp + 1e-7)`` (``precision_at_thresholds/true_positives`` and
    ``.../false_positives``)."""
    return _ratio_at_thresholds(
        "precision_at_thresholds",
        "fp",
        labels,
        predictions,
        thresholds,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def recall_at_thresholds(
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.recall_at_thresholds``: per threshold,
    ``tp / (tp + fn + 1e-7)`` (``recall_at_thresholds/true_positives`` and
    ``.../false_negatives``)."""
    return _ratio_at_thresholds(
        "recall_at_thresholds",
        "fn",
        labels,
        predictions,
        thresholds,
        weights,
        metrics_collections,
        updates_collections,
        name,
    )


def _ratio_at_thresholds(
    default_name: str,
    other: str,
    labels: Any,
    predictions: Any,
    thresholds: Sequence[float],
    weights: Any,
    metrics_collections: Collections,
    updates_collections: Collections,
    name: str | None,
) -> Pair:
    """``tp / (tp + <other> + 1e-7)`` per threshold: precision (``other="fp"``) or recall
    (``"fn"``)."""
    with variable_scope(name, default_name=default_name, values=(predictions, labels, weights)):
        before, after = _counts_at_thresholds(
            labels, predictions, thresholds, weights, ("tp", other)
        )

        def ratio(c: dict[str, jax.Array]) -> jax.Array:
            return c["tp"] / (_THRESHOLD_EPSILON + c["tp"] + c[other])

        return _publish(metrics_collections, updates_collections, ratio(before), ratio(after))


def _uniform_thresholds(num_thresholds: int, top: float) -> list[float]:
    """TF1's grid: ``num_thresholds - 2`` evenly spaced inner points, with endpoints just
    below 0 and at ``top`` (just above 1 for AUC)."""
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - _THRESHOLD_EPSILON, *inner, top]


_SUMMATIONS = ("trapezoidal", "careful_interpolation", "minoring", "majoring")


def _interpolated_pr_auc(tp: jax.Array, fp: jax.Array, fn: jax.Array) -> jax.Array:
    """PR-AUC with precision interpolated as Davis & Goadrich (2006) do: TP and the positive
    predictions P = TP + FP vary linearly between neighbouring thresholds, which integrates
    to ``slope * (dTP + intercept * log(P_a / P_b))`` per interval."""
    d_tp = tp[:-1] - tp[1:]
    p = tp + fp
    slope = div_no_nan(d_tp, jnp.maximum(p[:-1] - p[1:], 0))
    intercept = tp[1:] - slope * p[1:]
    both = (p[:-1] > 0) & (p[1:] > 0)
    p_ratio = jnp.where(both, div_no_nan(p[:-1], jnp.maximum(p[1:], 0)), 1.0)
    increments = div_no_nan(
        slope * (d_tp + intercept * jnp.log(p_ratio)), jnp.maximum(tp[1:] + fn[1:], 0)
    )
    return jnp.sum(increments)


def _area(c: dict[str, jax.Array], curve: str, summation_method: str) -> jax.Array:
    tp, fn, tn, fp = c["tp"], c["fn"], c["tn"], c["fp"]
    if curve == "PR" and summation_method == "careful_interpolation":
        return _interpolated_pr_auc(tp, fp, fn)
    recall_ = (tp + _AUC_EPSILON) / (tp + fn + _AUC_EPSILON)
    if curve == "ROC":
        x, y = fp / (fp + tn + _AUC_EPSILON), recall_
    else:
        x, y = recall_, (tp + _AUC_EPSILON) / (tp + fp + _AUC_EPSILON)
    width = x[:-1] - x[1:]
    if summation_method == "minoring":
        height = jnp.minimum(y[:-1], y[1:])
    elif summation_method == "majoring":
        height = jnp.maximum(y[:-1], y[1:])
    else:
        height = (y[:-1] + y[1:]) / 2.0
    return jnp.sum(width * height)


def auc(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    num_thresholds: int = 200,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    curve: str = "ROC",
    name: str | None = None,
    summation_method: str = "trapezoidal",
    thresholds: Sequence[float] | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.auc``: the area under the ROC (``curve="ROC"``) or
    precision-recall (``"PR"``) curve, from confusion counts at ``num_thresholds`` thresholds
    (or the sorted ``thresholds`` plus TF1's two endpoints), summed by TF1's
    ``summation_method``: ``"trapezoidal"`` (default), ``"careful_interpolation"``,
    ``"minoring"`` or ``"majoring"``. Variables ``auc/true_positives``,
    ``auc/false_negatives``, ``auc/true_negatives``, ``auc/false_positives``.

    ``predictions`` must lie in ``[0, 1]``; ``labels`` are cast to bool.

    Raises:
      ValueError: for an unknown ``curve`` or ``summation_method``, or mismatched shapes.
    """
    with variable_scope(name, default_name="auc", values=(labels, predictions, weights)):
        if curve not in ("ROC", "PR"):
            raise ValueError(f"Curve must be either ROC or PR. Curve {curve} is unknown.")
        if summation_method not in _SUMMATIONS:
            raise ValueError(
                f"Invalid summation_method: {summation_method} summation_method should be "
                "'trapezoidal', 'careful_interpolation', 'minoring', or 'majoring'."
            )
        if thresholds is not None:
            grid = [0.0 - _THRESHOLD_EPSILON, *sorted(thresholds), 1.0 + _THRESHOLD_EPSILON]
        else:
            grid = _uniform_thresholds(num_thresholds, 1.0 + _THRESHOLD_EPSILON)
        updated = ("tp", "fn", "fp") if curve == "PR" else None
        before, after = _counts_at_thresholds(labels, predictions, grid, weights, updated=updated)
        return _publish(
            metrics_collections,
            updates_collections,
            _area(before, curve, summation_method),
            _area(after, curve, summation_method),
        )


def sensitivity_at_specificity(
    labels: Any,
    predictions: Any,
    specificity: float,
    weights: Any = None,
    num_thresholds: int = 200,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.sensitivity_at_specificity``: the recall at the threshold
    whose specificity ``tn / (tn + fp)`` is nearest ``specificity`` (the first such
    threshold). Variables as :func:`auc`'s, under ``sensitivity_at_specificity``."""
    if specificity < 0 or specificity > 1:
        raise ValueError(
            "`specificity` must be in the range [0, 1]. Currently, `specificity` got "
            f"{specificity}."
        )
    with variable_scope(
        name, default_name="sensitivity_at_specificity", values=(predictions, labels, weights)
    ):
        grid = _uniform_thresholds(num_thresholds, 1.0 + _THRESHOLD_EPSILON)
        before, after = _counts_at_thresholds(labels, predictions, grid, weights)

        def pick(c: dict[str, jax.Array]) -> jax.Array:
            specificities = c["tn"] / (c["tn"] + c["fp"] + _THRESHOLD_EPSILON)
            i = jnp.argmin(jnp.abs(specificities - specificity))
            return c["tp"][i] / (c["tp"][i] + c["fn"][i] + _THRESHOLD_EPSILON)

        return _publish(metrics_collections, updates_collections, pick(before), pick(after))


def specificity_at_sensitivity(
    labels: Any,
    predictions: Any,
    sensitivity: float,
    weights: Any = None,
    num_thresholds: int = 200,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.specificity_at_sensitivity``: the specificity at the threshold
    whose recall is nearest ``sensitivity`` (the last such threshold; TF1's grid here ends
    just below 1). Variables as :func:`auc`'s, under ``specificity_at_sensitivity``."""
    if sensitivity < 0 or sensitivity > 1:
        raise ValueError(
            f"`sensitivity` must be in the range [0, 1]. Currently, `sensitivity` is {sensitivity}."
        )
    with variable_scope(
        name, default_name="specificity_at_sensitivity", values=(predictions, labels, weights)
    ):
        grid = _uniform_thresholds(num_thresholds, 1.0 - _THRESHOLD_EPSILON)
        before, after = _counts_at_thresholds(labels, predictions, grid, weights)

        def pick(c: dict[str, jax.Array]) -> jax.Array:
            sensitivities = c["tp"] / (c["tp"] + c["fn"] + _THRESHOLD_EPSILON)
            gap = jnp.abs(sensitivities - sensitivity)
            nearest = gap == jnp.min(gap)
            i = nearest.shape[0] - 1 - jnp.argmax(nearest[::-1])
            return c["tn"][i] / (c["tn"][i] + c["fp"][i] + _THRESHOLD_EPSILON)

        return _publish(metrics_collections, updates_collections, pick(before), pick(after))


# --- per-class metrics ----------------------------------------------------------------
def _flat(x: jax.Array) -> jax.Array:
    return x.reshape(-1) if x.ndim > 1 else x


def mean_per_class_accuracy(
    labels: Any,
    predictions: Any,
    num_classes: int,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.mean_per_class_accuracy``: the accuracy of each class (by
    label), averaged over all ``num_classes`` classes (an unseen class counts 0).

    As in TF1, ``mean_accuracy/total`` counts the examples of each class and
    ``mean_accuracy/count`` the correct ones; ``update_op`` is the per-class accuracy
    vector after this batch, ``value`` the scalar mean.
    """
    with variable_scope(name, default_name="mean_accuracy", values=(predictions, labels, weights)):
        labels = _flat(to_tensor(labels).astype(jnp.int32))
        predictions = _flat(to_tensor(predictions))
        _check_compatible(predictions, labels)
        total = _metric_variable([num_classes], jnp.float32, "total")
        count = _metric_variable([num_classes], jnp.float32, "count")
        _check_class_ids(labels, num_classes, "labels")
        ones = jnp.ones(labels.shape, jnp.float32)
        if predictions.dtype != labels.dtype:
            predictions = predictions.astype(labels.dtype)
        correct = (predictions == labels).astype(jnp.float32)
        if weights is not None:
            weights = _flat(to_tensor(weights)).astype(jnp.float32)
            correct = correct * weights
            ones = ones * weights
        index = _class_index(labels, num_classes)
        value = jnp.mean(div_no_nan(count, jnp.maximum(total, 0)))
        new_total = assign_add(total, jnp.zeros_like(total).at[index].add(ones, mode="drop"))
        new_count = assign_add(count, jnp.zeros_like(count).at[index].add(correct, mode="drop"))
        update_op = div_no_nan(new_count, jnp.maximum(new_total, 0))
        return _publish(metrics_collections, updates_collections, value, update_op)


def mean_iou(
    labels: Any,
    predictions: Any,
    num_classes: int,
    weights: Any = None,
    metrics_collections: Collections = None,
    updates_collections: Collections = None,
    name: str | None = None,
) -> Pair:
    """``tf.compat.v1.metrics.mean_iou``: the mean over classes of
    ``tp / (tp + fp + fn)``, from a streaming confusion matrix
    ``mean_iou/total_confusion_matrix`` (``[num_classes, num_classes]``, rows are labels;
    float64 as in TF1 where JAX has it, else float32). Classes that never occur in labels
    or predictions are left out of the mean.

    As in TF1, ``update_op`` is the updated confusion matrix, not the mean IoU; the mean
    IoU after this batch is ``value`` in the next call, or :func:`mean_iou_of` of the
    matrix.
    """
    with variable_scope(name, default_name="mean_iou", values=(predictions, labels, weights)):
        predictions = to_tensor(predictions)
        labels = to_tensor(labels)
        _check_compatible(predictions, labels)
        matrix = _metric_variable([num_classes, num_classes], _float64(), "total_confusion_matrix")
        labels = _flat(labels.astype(jnp.int32))
        predictions = _flat(predictions.astype(jnp.int32))
        _check_class_ids(labels, num_classes, "labels")
        _check_class_ids(predictions, num_classes, "predictions")
        if weights is None:
            counts = jnp.ones(labels.shape, matrix.dtype)
        else:
            counts = jnp.broadcast_to(_flat(to_tensor(weights)).astype(matrix.dtype), labels.shape)
        inside = (labels >= 0) & (predictions >= 0)
        rows = jnp.where(inside, labels, num_classes)
        cols = jnp.where(inside, predictions, num_classes)
        batch = jnp.zeros_like(matrix).at[rows, cols].add(counts, mode="drop")
        value = mean_iou_of(matrix)
        update_op = assign_add(matrix, batch)
        return _publish(metrics_collections, updates_collections, value, update_op)


def mean_iou_of(confusion_matrix: jax.Array) -> jax.Array:
    """The mean IoU of a confusion matrix, as :func:`mean_iou`'s ``value`` computes it (a
    flaxscope helper: TF1 reads it only from the variable)."""
    cm = jnp.asarray(confusion_matrix)
    rows = jnp.sum(cm, 0).astype(jnp.float32)
    cols = jnp.sum(cm, 1).astype(jnp.float32)
    diag = jnp.diagonal(cm).astype(jnp.float32)
    union = rows + cols - diag
    present = jnp.sum((union != 0).astype(jnp.float32))
    iou = diag / jnp.where(union > 0, union, 1.0)
    return jnp.where(present > 0, jnp.sum(iou) / jnp.where(present > 0, present, 1.0), 0.0)
