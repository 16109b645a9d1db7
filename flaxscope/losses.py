"""``tf.compat.v1.losses``' collection helpers: losses gathered while the model is built."""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.store import GraphKeys
from flaxscope.variables import add_to_collection, get_collection, get_regularization_loss

__all__ = [
    "add_loss",
    "get_losses",
    "get_regularization_loss",
    "get_regularization_losses",
    "get_total_loss",
]


def add_loss(loss: Any, loss_collection: str = GraphKeys.LOSSES) -> None:
    """``tf.compat.v1.losses.add_loss``: records ``loss`` in this call's collection."""
    if loss_collection:
        add_to_collection(loss_collection, loss)


def get_losses(scope: str | None = None, loss_collection: str = GraphKeys.LOSSES) -> list:
    """``tf.compat.v1.losses.get_losses``: the losses added in this call, in order."""
    return get_collection(loss_collection, scope)


def get_regularization_losses(scope: str | None = None) -> list:
    """``tf.compat.v1.losses.get_regularization_losses``: one loss per regularized variable."""
    return get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_total_loss(
    add_regularization_losses: bool = True,
    name: str = "total_loss",
    scope: str | None = None,
) -> jax.Array:
    """``tf.compat.v1.losses.get_total_loss``: the added losses plus, by default, the
    regularization losses.

    Raises:
      ValueError: if there are no losses at all, as TF1 does.
    """
    del name
    losses = list(get_losses(scope=scope))
    if add_regularization_losses:
        losses += get_regularization_losses(scope)
    if not losses:
        raise ValueError(
            "No losses found in collections: add losses with tf.losses.add_loss (or a "
            "regularizer= on the variables) before calling get_total_loss."
        )
    return functools.reduce(jnp.add, losses)
