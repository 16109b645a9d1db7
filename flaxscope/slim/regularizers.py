"""The weight regularizers of ``tf.contrib.layers`` (and TF-Slim).

Each factory returns a function of a weight tensor giving a scalar loss; pass it as
``weights_regularizer=`` to a slim layer, ``regularizer=`` to ``get_variable``, or use
:func:`apply_regularization`. A scale of ``0.0`` turns the regularizer off (the function
returns ``None``, which ``get_variable`` ignores). TF1 equivalent:
``tf.contrib.layers.l2_regularizer`` etc.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.losses import add_loss
from flaxscope.store import GraphKeys
from flaxscope.variables import get_collection

__all__ = [
    "apply_regularization",
    "l1_l2_regularizer",
    "l1_regularizer",
    "l2_regularizer",
    "sum_regularizer",
]

Regularizer = Callable[[Any], Any]


def _off(_: Any) -> None:
    return None


def _checked_scale(scale: Any, label: str = "scale") -> float:
    """contrib's checks: a float (not an int), not negative."""
    if isinstance(scale, numbers.Integral):
        raise ValueError(f"{label} cannot be an integer: {scale}")
    if isinstance(scale, numbers.Real) and scale < 0.0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale:g}.")
    return scale


def l1_regularizer(scale: float, scope: str | None = None) -> Regularizer:
    """``tf.contrib.layers.l1_regularizer``: ``scale * sum(|w|)``."""
    del scope
    scale = _checked_scale(scale)
    if scale == 0.0:
        return _off

    def l1(weights: Any) -> jax.Array:
        weights = jnp.asarray(weights)
        return jnp.asarray(scale, weights.dtype) * jnp.sum(jnp.abs(weights))

    return l1


def l2_regularizer(scale: float, scope: str | None = None) -> Regularizer:
    """``tf.contrib.layers.l2_regularizer``: ``scale * sum(w ** 2) / 2``
    (``scale * tf.nn.l2_loss(w)``)."""
    del scope
    scale = _checked_scale(scale)
    if scale == 0.0:
        return _off

    def l2(weights: Any) -> jax.Array:
        weights = jnp.asarray(weights)
        return jnp.asarray(scale, weights.dtype) * (jnp.sum(jnp.square(weights)) / 2)

    return l2


def sum_regularizer(
    regularizer_list: Sequence[Regularizer], scope: str | None = None
) -> Regularizer:
    """``tf.contrib.layers.sum_regularizer``: the sum of the regularizers' losses (those
    returning ``None`` left out; ``None`` if all do)."""
    del scope
    regularizers = [r for r in regularizer_list if r is not None]
    if not regularizers:
        return _off

    def summed(weights: Any) -> Any:
        losses = [loss for r in regularizers if (loss := r(weights)) is not None]
        return sum(losses[1:], losses[0]) if losses else None

    return summed


def l1_l2_regularizer(
    scale_l1: float = 1.0, scale_l2: float = 1.0, scope: str | None = None
) -> Regularizer:
    """``tf.contrib.layers.l1_l2_regularizer``: ``l1_regularizer(scale_l1)`` plus
    ``l2_regularizer(scale_l2)``."""
    _checked_scale(scale_l1, "scale_l1")
    _checked_scale(scale_l2, "scale_l2")
    if scale_l1 == 0.0 and scale_l2 == 0.0:
        return _off
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope)


def apply_regularization(
    regularizer: Regularizer, weights_list: Sequence[Any] | None = None
) -> jax.Array:
    """``tf.contrib.layers.apply_regularization``: the summed penalty of ``regularizer`` on
    ``weights_list`` (default: the ``WEIGHTS`` collection), also added to
    ``REGULARIZATION_LOSSES``."""
    if not weights_list:
        weights_list = get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    penalties = [p for w in weights_list if (p := regularizer(getattr(w, "value", w))) is not None]
    if not penalties:
        return jnp.zeros((), jnp.float32)
    total = sum(penalties[1:], penalties[0])
    add_loss(total, GraphKeys.REGULARIZATION_LOSSES)
    return total
