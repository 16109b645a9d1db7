"""``tf.contrib.seq2seq``: its loss and ``tile_batch``. The attention wrappers, decoders and
beam search are not here (their ``AttributeError`` says so)."""

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope import nest
from flaxscope.compat.v1._missing import missing_message
from flaxscope.ops.losses import div_no_nan
from flaxscope.ops.nn.cross_entropy import sparse_softmax_cross_entropy_with_logits

__all__ = ["sequence_loss", "tile_batch"]


def sequence_loss(
    logits: Any,
    targets: Any,
    weights: Any,
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    sum_over_timesteps: bool = False,
    sum_over_batch: bool = False,
    softmax_loss_function: Callable | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.contrib.seq2seq.sequence_loss``: the weighted cross entropy of ``[batch, time,
    classes]`` logits against ``[batch, time]`` targets. Averaging divides by the summed
    weights, summing by the count of non-zero weights (0 where there is none), over the
    axes the flags name; the rest stays per example or per step."""
    del name
    logits, targets, weights = jnp.asarray(logits), jnp.asarray(targets), jnp.asarray(weights)
    if logits.ndim != 3:
        raise ValueError("Logits must be a [batch_size x sequence_length x logits] tensor")
    if targets.ndim != 2:
        raise ValueError("Targets must be a [batch_size x sequence_length] tensor")
    if weights.ndim != 2:
        raise ValueError("Weights must be a [batch_size x sequence_length] tensor")
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError(
            "average_across_timesteps and sum_over_timesteps cannot be set to True at same time."
        )
    if average_across_batch and sum_over_batch:
        raise ValueError(
            "average_across_batch and sum_over_batch cannot be set to True at same time."
        )
    if softmax_loss_function is None:
        crossent = sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
    else:
        flat = softmax_loss_function(
            labels=targets.reshape(-1), logits=logits.reshape(-1, logits.shape[-1])
        )
        crossent = jnp.reshape(flat, targets.shape)
    crossent = crossent * weights.astype(crossent.dtype)
    weights = weights.astype(crossent.dtype)
    nonzero = (weights != 0).astype(crossent.dtype)
    if average_across_timesteps and average_across_batch:
        return div_no_nan(jnp.sum(crossent), jnp.sum(weights))
    if sum_over_timesteps and sum_over_batch:
        return div_no_nan(jnp.sum(crossent), jnp.sum(nonzero))
    if average_across_timesteps or average_across_batch:
        axis = 0 if average_across_batch else 1
        return div_no_nan(jnp.sum(crossent, axis), jnp.sum(weights, axis))
    if sum_over_timesteps or sum_over_batch:
        axis = 0 if sum_over_batch else 1
        return div_no_nan(jnp.sum(crossent, axis), jnp.sum(nonzero, axis))
    return crossent


def tile_batch(t: Any, multiplier: int, name: str | None = None) -> Any:
    """``tf.contrib.seq2seq.tile_batch``: every ``[batch, ...]`` tensor of the structure
    ``t`` as ``[batch * multiplier, ...]``, each example repeated ``multiplier`` times in a
    row (what a beam search over ``multiplier`` beams expects)."""
    del name

    def tile(x: Any) -> jax.Array:
        x = jnp.asarray(x)
        if x.ndim == 0:
            raise ValueError("t must have statically known rank")
        return jnp.repeat(x, multiplier, axis=0)

    return nest.map_structure(tile, t)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(missing_message(f"contrib.seq2seq.{name}"))
