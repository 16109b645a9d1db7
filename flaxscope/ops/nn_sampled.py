"""TF1's candidate sampling: ``tf.nn.log_uniform_candidate_sampler``,
``uniform_candidate_sampler``, and the sampled losses built on them, ``nce_loss`` and
``sampled_softmax_loss``.

The samplers draw from :func:`flaxscope.next_rng_key`, so their candidates differ from
TF's, but their law is TF's: with ``unique=True`` TF draws with replacement until it has
``num_sampled`` distinct classes and reports ``1 - (1 - p) ** num_tries`` as each class's
expected count (``p * num_sampled`` when no draw repeated). flaxscope draws the same ordered distinct classes at once (Gumbel top-k
is sampling without replacement in draw order) and the number of tries as the sum of the
geometric waits for each new class, which is how TF's loop distributes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops import random as _random  # noqa: F401 (its tf.random names register first)
from flaxscope.ops._registry import registry, tf_op
from flaxscope.ops.nn.cross_entropy import sigmoid_xent, softmax_xent
from flaxscope.ops.nn.lookup import embedding_rows
from flaxscope.transform import next_rng_key

Array = jax.Array

# TF marks a sampled class that is also a true class with the most negative float32.
_ACCIDENTAL_HIT = float(-np.finfo(np.float32).max)


def _paths(*paths: str) -> tuple[str, ...]:
    taken = registry()
    return tuple(p for p in paths if p.startswith("nn.") or p not in taken)


def _sample(key: Array, log_p: Array, num_sampled: int, unique: bool) -> tuple[Array, Array]:
    """``(candidates, num_tries)`` drawn from ``exp(log_p)`` as TF's samplers draw."""
    k_draw, k_wait = jax.random.split(key)
    if not unique:
        sampled = jax.random.categorical(k_draw, log_p, shape=(num_sampled,))
        return sampled, jnp.asarray(num_sampled, jnp.float32)
    gumbel = jax.random.gumbel(k_draw, log_p.shape, jnp.float32)
    _, sampled = jax.lax.top_k(log_p + gumbel, num_sampled)
    p = jnp.exp(log_p[sampled])
    seen = jnp.cumsum(p) - p  # the mass already drawn before each new class
    waits = jax.random.geometric(k_wait, jnp.clip(1.0 - seen, 1e-12, 1.0), (num_sampled,))
    return sampled, jnp.sum(waits).astype(jnp.float32)


def _expected(p: Array, num_tries: Array, num_sampled: int, unique: bool) -> Array:
    if not unique:
        return p * num_sampled
    # TF reports p * num_sampled when no draw was repeated, 1 - (1 - p) ** tries otherwise
    return jnp.where(
        num_tries == num_sampled, p * num_sampled, -jnp.expm1(num_tries * jnp.log1p(-p))
    )


def _candidate_sampler(
    log_prob: Any,
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None,
) -> tuple[Array, Array, Array]:
    true_classes = jnp.asarray(true_classes)
    if true_classes.ndim != 2 or true_classes.shape[1] != num_true:
        raise ValueError(
            f"true_classes must be a matrix [batch_size, num_true={num_true}]. Received: "
            f"shape {tuple(true_classes.shape)}"
        )
    if unique and num_sampled > range_max:
        raise ValueError(
            f"Sampler's range is too small: range_max={range_max} < num_sampled="
            f"{num_sampled} with unique=True."
        )
    key = next_rng_key()
    if seed is not None:
        key = jax.random.fold_in(key, int(seed) & 0xFFFFFFFF)
    log_p = log_prob(jnp.arange(range_max, dtype=jnp.float32))
    sampled, tries = _sample(key, log_p, num_sampled, unique)
    true_p = jnp.exp(log_prob(true_classes.astype(jnp.float32)))
    sampled_p = jnp.exp(log_p[sampled])
    return (
        jax.lax.stop_gradient(sampled),
        jax.lax.stop_gradient(_expected(true_p, tries, num_sampled, unique)),
        jax.lax.stop_gradient(_expected(sampled_p, tries, num_sampled, unique)),
    )


def _log_uniform_log_prob(range_max: int):
    log_range = np.log1p(range_max)

    def log_prob(c: Array) -> Array:
        return jnp.log(jnp.log1p(1.0 / (c + 1.0)) / log_range)

    return log_prob


@tf_op(
    *_paths("nn.log_uniform_candidate_sampler", "random.log_uniform_candidate_sampler"),
    family="nn",
    default_name="LogUniformCandidateSampler",
)
def log_uniform_candidate_sampler(
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None = None,
    name: str | None = None,
) -> tuple[Array, Array, Array]:
    """``tf.nn.log_uniform_candidate_sampler``: ``(sampled_candidates,
    true_expected_count, sampled_expected_count)`` under the Zipfian law
    ``P(c) = log((c + 2) / (c + 1)) / log(range_max + 1)`` (classes sorted by decreasing
    frequency); keys from :func:`flaxscope.next_rng_key`."""
    del name
    return _candidate_sampler(
        _log_uniform_log_prob(range_max), true_classes, num_true, num_sampled, unique,
        range_max, seed,
    )  # fmt: skip


@tf_op(
    *_paths("nn.uniform_candidate_sampler", "random.uniform_candidate_sampler"),
    family="nn",
    default_name="UniformCandidateSampler",
)
def uniform_candidate_sampler(
    true_classes: Any,
    num_true: int,
    num_sampled: int,
    unique: bool,
    range_max: int,
    seed: int | None = None,
    name: str | None = None,
) -> tuple[Array, Array, Array]:
    """``tf.nn.uniform_candidate_sampler``: as :func:`log_uniform_candidate_sampler` with
    every class equally likely."""
    del name
    log_p = float(-np.log(range_max))
    return _candidate_sampler(
        lambda c: jnp.full(jnp.shape(c), log_p, jnp.float32), true_classes, num_true,
        num_sampled, unique, range_max, seed,
    )  # fmt: skip


def _last_of_each(values: Array) -> Array:
    """Whether each entry of the vector ``values`` is the last occurrence of its value."""
    order = jnp.argsort(values, stable=True)
    ordered = values[order]
    last = jnp.append(ordered[1:] != ordered[:-1], True)
    return jnp.zeros(values.shape, bool).at[order].set(last)


def _sampled_logits(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int,
    sampled_values: Sequence[Any] | None,
    remove_accidental_hits: bool,
    partition_strategy: str,
    seed: int | None,
) -> tuple[Array, Array]:
    """TF's ``_compute_sampled_logits``: the logits of each example's true classes and of
    the shared sampled classes (less the log of their expected counts), and the targets
    (``1 / num_true`` for the true ones)."""
    inputs = jnp.asarray(inputs)
    labels = jnp.asarray(labels).reshape(-1, num_true)
    if sampled_values is None:
        sampled_values = _candidate_sampler(
            _log_uniform_log_prob(num_classes), labels, num_true, num_sampled, True,
            num_classes, seed,
        )  # fmt: skip
    sampled, true_expected, sampled_expected = (
        jax.lax.stop_gradient(jnp.asarray(v)) for v in sampled_values
    )
    ids = jnp.concatenate([labels.reshape(-1), sampled.astype(labels.dtype)])
    all_w = embedding_rows(weights, ids, partition_strategy).astype(inputs.dtype)
    all_b = embedding_rows(biases, ids, partition_strategy).astype(inputs.dtype)
    n_true = labels.size
    true_w = all_w[:n_true].reshape(-1, num_true, all_w.shape[-1])
    true_logits = jnp.einsum("bd,btd->bt", inputs, true_w) + all_b[:n_true].reshape(-1, num_true)
    sampled_logits = inputs @ all_w[n_true:].T + all_b[n_true:]
    if remove_accidental_hits:
        # As TF's compute_accidental_hits: a class sampled more than once is masked at its
        # last position only.
        hits = jnp.any(labels[:, :, None] == sampled[None, None, :], axis=1) & _last_of_each(
            sampled
        )
        sampled_logits = sampled_logits + jnp.where(
            hits, jnp.asarray(_ACCIDENTAL_HIT, sampled_logits.dtype), 0
        )
    true_logits = true_logits - jnp.log(true_expected).astype(inputs.dtype)
    sampled_logits = sampled_logits - jnp.log(sampled_expected).astype(inputs.dtype)
    logits = jnp.concatenate([true_logits, sampled_logits], axis=1)
    targets = jnp.concatenate(
        [jnp.full_like(true_logits, 1.0 / num_true), jnp.zeros_like(sampled_logits)], axis=1
    )
    return logits, targets


@tf_op("nn.nce_loss", family="losses", default_name="nce_loss")
def nce_loss(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values: Sequence[Any] | None = None,
    remove_accidental_hits: bool = False,
    partition_strategy: str = "mod",
    name: str = "nce_loss",
) -> Array:
    """``tf.compat.v1.nn.nce_loss``: per-example noise-contrastive estimation loss over the
    true classes and ``num_sampled`` classes drawn by the log-uniform sampler (or given as
    ``sampled_values``). ``weights`` ``[num_classes, dim]`` may be a list of partitions."""
    del name
    logits, targets = _sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        remove_accidental_hits, partition_strategy, None,
    )  # fmt: skip
    return jnp.sum(sigmoid_xent(targets, logits), axis=1)


@tf_op("nn.sampled_softmax_loss", family="losses", default_name="sampled_softmax_loss")
def sampled_softmax_loss(
    weights: Any,
    biases: Any,
    labels: Any,
    inputs: Any,
    num_sampled: int,
    num_classes: int,
    num_true: int = 1,
    sampled_values: Sequence[Any] | None = None,
    remove_accidental_hits: bool = True,
    partition_strategy: str = "mod",
    name: str = "sampled_softmax_loss",
    seed: int | None = None,
) -> Array:
    """``tf.compat.v1.nn.sampled_softmax_loss``: per-example softmax cross-entropy over the
    true classes and ``num_sampled`` sampled ones (accidental hits removed by default)."""
    del name
    logits, targets = _sampled_logits(
        weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
        remove_accidental_hits, partition_strategy, seed,
    )  # fmt: skip
    return softmax_xent(jax.lax.stop_gradient(targets), logits, -1)
