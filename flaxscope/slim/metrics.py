"""``slim.metrics`` (``tf.contrib.metrics``): TF1's streaming metrics under their contrib
names, ``streaming_<metric>``, with contrib's argument order (``predictions`` before
``labels``), and ``aggregate_metrics`` / ``aggregate_metric_map``.

Each returns ``(value, update_op)`` as :mod:`flaxscope.metrics` does (the running totals are
local variables in ``variables["state"]``; run ``apply(..., mutable=True)`` per batch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flaxscope import metrics as _m

__all__ = [
    "aggregate_metric_map",
    "aggregate_metrics",
    "streaming_accuracy",
    "streaming_auc",
    "streaming_false_negatives",
    "streaming_false_positives",
    "streaming_mean",
    "streaming_mean_absolute_error",
    "streaming_mean_cosine_distance",
    "streaming_mean_iou",
    "streaming_mean_relative_error",
    "streaming_mean_squared_error",
    "streaming_mean_tensor",
    "streaming_percentage_less",
    "streaming_precision",
    "streaming_precision_at_thresholds",
    "streaming_recall",
    "streaming_recall_at_thresholds",
    "streaming_root_mean_squared_error",
    "streaming_sensitivity_at_specificity",
    "streaming_specificity_at_sensitivity",
    "streaming_true_negatives",
    "streaming_true_positives",
]


def _predictions_first(metric: Callable, name: str) -> Callable:
    """contrib's ``streaming_<metric>(predictions, labels, ...)`` over ``tf.metrics``'
    ``<metric>(labels, predictions, ...)``."""

    def streaming(predictions: Any, labels: Any, *args: Any, **kwargs: Any) -> Any:
        return metric(labels, predictions, *args, **kwargs)

    streaming.__name__ = streaming.__qualname__ = name
    streaming.__doc__ = (
        f"``tf.contrib.metrics.{name}(predictions, labels, ...)``: "
        f"``tf.metrics.{metric.__name__}(labels, predictions, ...)``."
    )
    return streaming


streaming_accuracy = _predictions_first(_m.accuracy, "streaming_accuracy")
streaming_precision = _predictions_first(_m.precision, "streaming_precision")
streaming_recall = _predictions_first(_m.recall, "streaming_recall")
streaming_true_positives = _predictions_first(_m.true_positives, "streaming_true_positives")
streaming_true_negatives = _predictions_first(_m.true_negatives, "streaming_true_negatives")
streaming_false_positives = _predictions_first(_m.false_positives, "streaming_false_positives")
streaming_false_negatives = _predictions_first(_m.false_negatives, "streaming_false_negatives")
streaming_mean_absolute_error = _predictions_first(
    _m.mean_absolute_error, "streaming_mean_absolute_error"
)
streaming_mean_squared_error = _predictions_first(
    _m.mean_squared_error, "streaming_mean_squared_error"
)
streaming_root_mean_squared_error = _predictions_first(
    _m.root_mean_squared_error, "streaming_root_mean_squared_error"
)
streaming_mean_relative_error = _predictions_first(
    _m.mean_relative_error, "streaming_mean_relative_error"
)
streaming_mean_cosine_distance = _predictions_first(
    _m.mean_cosine_distance, "streaming_mean_cosine_distance"
)
streaming_mean_iou = _predictions_first(_m.mean_iou, "streaming_mean_iou")
streaming_auc = _predictions_first(_m.auc, "streaming_auc")
streaming_precision_at_thresholds = _predictions_first(
    _m.precision_at_thresholds, "streaming_precision_at_thresholds"
)
streaming_recall_at_thresholds = _predictions_first(
    _m.recall_at_thresholds, "streaming_recall_at_thresholds"
)
streaming_sensitivity_at_specificity = _predictions_first(
    _m.sensitivity_at_specificity, "streaming_sensitivity_at_specificity"
)
streaming_specificity_at_sensitivity = _predictions_first(
    _m.specificity_at_sensitivity, "streaming_specificity_at_sensitivity"
)
streaming_mean = _m.mean
streaming_mean_tensor = _m.mean_tensor
streaming_percentage_less = _m.percentage_below


def aggregate_metrics(*value_update_tuples: tuple[Any, Any]) -> tuple[list, list]:
    """``slim.metrics.aggregate_metrics``: the values and the update ops of several metrics,
    as two lists."""
    if not value_update_tuples:
        raise ValueError("Expected at least one value_tensor/update_op pair")
    values, updates = zip(*value_update_tuples, strict=True)
    return list(values), list(updates)


def aggregate_metric_map(names_to_tuples: Mapping[str, tuple[Any, Any]]) -> tuple[dict, dict]:
    """``slim.metrics.aggregate_metric_map``: ``{name: value}`` and ``{name: update_op}``
    from ``{name: (value, update_op)}``."""
    names = list(names_to_tuples)
    values = [names_to_tuples[n][0] for n in names]
    updates = [names_to_tuples[n][1] for n in names]
    return dict(zip(names, values, strict=True)), dict(zip(names, updates, strict=True))
