"""``tf.contrib.legacy_seq2seq``: the sequence losses over lists of per-step tensors (the
PTB tutorial's). The decoders are not here (their ``AttributeError`` says so)."""

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.compat.v1._missing import missing_message
from flaxscope.ops.nn.cross_entropy import sparse_softmax_cross_entropy_with_logits

__all__ = ["sequence_loss", "sequence_loss_by_example"]


def sequence_loss_by_example(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: bool = True,
    softmax_loss_function: Callable | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.contrib.legacy_seq2seq.sequence_loss_by_example``: per example, the weighted
    cross entropy summed over the steps (lists of ``[batch, classes]`` logits, ``[batch]``
    targets and weights), divided by the summed weights (plus 1e-12) unless
    ``average_across_timesteps=False``."""
    del name
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise ValueError(
            "Lengths of logits, weights, and targets must be the same "
            f"{len(logits)}, {len(weights)}, {len(targets)}."
        )
    loss_fn = softmax_loss_function or sparse_softmax_cross_entropy_with_logits
    per_step = [
        loss_fn(labels=target, logits=logit) * weight
        for logit, target, weight in zip(logits, targets, weights, strict=True)
    ]
    total = sum(per_step[1:], per_step[0])
    if average_across_timesteps:
        total = total / (sum(weights[1:], weights[0]) + 1e-12)
    return total


def sequence_loss(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    softmax_loss_function: Callable | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.contrib.legacy_seq2seq.sequence_loss``: :func:`sequence_loss_by_example` summed
    over the batch, divided by the batch size unless ``average_across_batch=False``."""
    del name
    cost = jnp.sum(
        sequence_loss_by_example(
            logits, targets, weights, average_across_timesteps, softmax_loss_function
        )
    )
    if average_across_batch:
        cost = cost / jnp.asarray(jnp.shape(targets[0])[0], cost.dtype)
    return cost


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(missing_message(f"contrib.legacy_seq2seq.{name}"))
