"""TF1's lookup and selection ops: ``tf.nn.embedding_lookup`` (partitioned variables
included), ``embedding_lookup_sparse``, ``top_k``, ``in_top_k`` and ``zero_fraction``.

``embedding_rows`` (the rows of possibly partitioned ``params`` for ``ids``) is shared
with the sampled losses."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope import store
from flaxscope.ops._convert import shape_text
from flaxscope.ops._registry import tf_op
from flaxscope.ops._tf_grads import tf_maximum
from flaxscope.ops.nn._common import Array, as_float, tf_paths
from flaxscope.ops.sparse import SparseTensor
from flaxscope.sharding import tf_partitions


def _partitions_of(params: Any) -> list[Array] | None:
    """The TF1 ``PartitionedVariable`` behind ``params``: its slices along axis 0 (the
    value flaxscope keeps whole), or ``None`` for an ordinary array."""
    try:
        frame = store.current_frame()
    except Exception:  # noqa: BLE001 - no graph at all: a plain array
        return None
    record = frame.record_of(params)
    if record is None or record.partitioner is None:
        return None
    parts = tf_partitions(record.partitioner, record.shape, record.dtype)
    if all(p == 1 for p in parts):
        return None
    if parts[0] == 1:
        raise ValueError(
            f"embedding_lookup: variable {record.name} is partitioned along axis "
            f"{next(i for i, p in enumerate(parts) if p > 1)}, not 0; TF1's lookup treats "
            "such slices as row blocks (a wrong result). Partition embeddings along axis 0."
        )
    n, rows = parts[0], record.shape[0]
    sizes = [rows // n + (1 if i < rows % n else 0) for i in range(n)]
    bounds = np.cumsum([0, *sizes])
    return [params[bounds[i] : bounds[i + 1]] for i in range(n)]


def _clip_rows(rows: Array, ids_rank: int, max_norm: Any) -> Array:
    axes = tuple(range(ids_rank, rows.ndim))
    sq = jnp.sum(rows * rows, axis=axes, keepdims=True)
    positive = sq > 0
    norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, sq, jnp.ones_like(sq))), sq)
    clip = jnp.asarray(max_norm, rows.dtype)
    return rows * clip / tf_maximum(norm, clip)


@tf_op("nn.embedding_lookup", family="nn", default_name="embedding_lookup")
def embedding_lookup(
    params: Any,
    ids: Any,
    partition_strategy: str = "mod",
    name: str | None = None,
    validate_indices: bool = True,
    max_norm: Any = None,
) -> Array:
    """``tf.compat.v1.nn.embedding_lookup``: the rows ``ids`` of ``params``, shape
    ``ids.shape + params.shape[1:]``.

    ``params`` is one array or a list of partitions (TF1's sharded embeddings): with
    ``partition_strategy="mod"`` id ``i`` is row ``i // n`` of partition ``i % n``; with
    ``"div"`` the partitions hold consecutive id ranges. A variable made by
    ``get_variable(..., partitioner=...)`` (which flaxscope keeps as one array) is looked up
    through its TF1 partitions, so a TF1 checkpoint gives the same rows. ``max_norm`` clips
    each looked-up row's L2 norm. Out-of-range ids are clamped (TF raises on CPU).
    """
    del name, validate_indices
    ids = jnp.asarray(ids)
    rows = embedding_rows(params, ids, partition_strategy)
    if max_norm is not None:
        rows = _clip_rows(rows, ids.ndim, max_norm)
    return rows


def embedding_rows(params: Any, ids: Array, partition_strategy: str) -> Array:
    """The rows ``ids`` of ``params`` (one array, a partitioned variable or a list of
    partitions laid out by ``partition_strategy``)."""
    if partition_strategy not in ("mod", "div"):
        raise ValueError(
            f"Unrecognized partition strategy: {partition_strategy}.Must be one of either "
            "`mod` or `div`."
        )
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("Length of params is currently 0. Need at least one param.")
        parts = [jnp.asarray(p) for p in params]
    else:
        parts = _partitions_of(params) or [jnp.asarray(params)]
    if len(parts) == 1:
        rows = jnp.take(parts[0], ids, axis=0)
        # A consumer of these very rows (dynamic_rnn) may use the table instead.
        store.current_frame().note_gather(rows, parts[0], ids)
    else:
        n = len(parts)
        sizes = [p.shape[0] for p in parts]
        offsets = jnp.asarray(np.cumsum([0, *sizes[:-1]]), ids.dtype)
        if partition_strategy == "mod":
            which, local = ids % n, ids // n
        else:
            total = sum(sizes)
            per, extras = total // n, total % n
            which = jnp.maximum(ids // (per + 1), (ids - extras) // per)
            local = jnp.where(which < extras, ids % (per + 1), (ids - extras) % per)
        rows = jnp.take(jnp.concatenate(parts, axis=0), offsets[which] + local, axis=0)
    return rows


@tf_op("nn.embedding_lookup_sparse", family="nn", default_name="embedding_lookup_sparse")
def embedding_lookup_sparse(
    params: Any,
    sp_ids: SparseTensor,
    sp_weights: SparseTensor | None,
    partition_strategy: str = "mod",
    name: str | None = None,
    combiner: str | None = None,
    max_norm: Any = None,
    allow_fast_lookup: bool = False,
) -> Array:
    """``tf.compat.v1.nn.embedding_lookup_sparse``: per row of the ``[batch, k]``
    ``tf.SparseTensor`` ``sp_ids``, the ``combiner`` (``"mean"``, the default, ``"sqrtn"``
    or ``"sum"``) of its ids' embeddings weighted by ``sp_weights`` (``None``: 1 each).

    As TF, the result has a row per row index up to the last one present (TF assumes every
    row has an id); under ``jit``, where the ids are traced, it has ``dense_shape[0]`` rows.
    """
    del name, allow_fast_lookup
    if combiner is None:
        combiner = "mean"
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner}")
    if not isinstance(sp_ids, SparseTensor):
        raise TypeError(f"sp_ids must be SparseTensor, got {type(sp_ids)}")
    if sp_weights is not None and not isinstance(sp_weights, SparseTensor):
        raise TypeError(f"sp_weights must be either None or SparseTensor,got {type(sp_weights)}")
    segments = sp_ids.indices[:, 0]
    if isinstance(segments, jax.core.Tracer) or segments.shape[0] == 0:
        count = int(sp_ids.dense_shape[0])
    else:
        count = int(np.max(np.asarray(segments))) + 1
    rows = embedding_rows(params, sp_ids.values, partition_strategy)
    if max_norm is not None:
        rows = _clip_rows(rows, 1, max_norm)
    if sp_weights is None:
        weights = jnp.ones(rows.shape[:1], rows.dtype)
    else:
        weights = jnp.asarray(sp_weights.values, rows.dtype)
    weighted = rows * weights.reshape((-1,) + (1,) * (rows.ndim - 1))
    total = jax.ops.segment_sum(weighted, segments, count)
    if combiner == "sum":
        return total
    norm = weights if combiner == "mean" else jnp.square(weights)
    norm = jax.ops.segment_sum(norm, segments, count)
    if combiner == "sqrtn":
        norm = jnp.sqrt(norm)
    norm = norm.reshape((-1,) + (1,) * (rows.ndim - 1))
    return jnp.where(norm == 0, jnp.zeros_like(total), total / jnp.where(norm == 0, 1, norm))


class TopKV2(NamedTuple):
    """``tf.nn.top_k``'s result: ``values`` and their int32 ``indices``."""

    values: Array
    indices: Array


@tf_op(*tf_paths("nn.top_k", "math.top_k"), family="nn", default_name="TopKV2")
def top_k(input: Any, k: int = 1, sorted: bool = True, name: str | None = None) -> TopKV2:  # noqa: A002
    """``tf.nn.top_k``: the ``k`` largest entries of the last axis and their indices,
    largest first (ties: lower index first, as TF). ``sorted=False`` also returns them
    sorted, which TF allows."""
    del sorted, name
    x = as_float(input)
    k = int(k)
    if k < 0:
        raise ValueError(
            f"Dimension size, given by scalar input 1, must be non-negative but is {k} for "
            f"'TopKV2' with input shapes: {shape_text(x.shape)}, []."
        )
    if x.ndim < 1 or x.shape[-1] < k:
        raise ValueError(
            f"input must have last dimension >= k = {k} but is "
            f"{x.shape[-1] if x.ndim else 0} for 'TopKV2' with input shapes: "
            f"{shape_text(x.shape)}, []."
        )
    if not jnp.issubdtype(x.dtype, jnp.floating):
        values, indices = lax.top_k(x, k)
        return TopKV2(values, indices.astype(jnp.int32))
    # lax.top_k orders -0.0 below 0.0; TF ties them (lower index first)
    _, indices = lax.top_k(jnp.where(x == 0, jnp.zeros_like(x), x), k)
    return TopKV2(jnp.take_along_axis(x, indices, axis=-1), indices.astype(jnp.int32))


@tf_op(*tf_paths("nn.in_top_k", "math.in_top_k"), family="nn", default_name="in_top_k")
def in_top_k(predictions: Any, targets: Any, k: int, name: str | None = None) -> Array:
    """``tf.compat.v1.nn.in_top_k``: whether each ``targets[i]``'s prediction is among the
    ``k`` largest of ``predictions[i]`` (classes tied with it all count as in, as TF's);
    false for an out-of-range target or a row with a non-finite prediction."""
    del name
    p = as_float(predictions)
    t = jnp.asarray(targets)
    if p.ndim != 2 or t.ndim != 1:
        bad, rank = (p.ndim, 2) if p.ndim != 2 else (t.ndim, 1)
        raise ValueError(
            f"Shape must be rank {rank} but is rank {bad} for 'InTopKV2' with input shapes: "
            f"{shape_text(p.shape)}, {shape_text(t.shape)}, []."
        )
    classes = p.shape[1]
    valid = (t >= 0) & (t < classes)
    target = jnp.take_along_axis(p, jnp.clip(t, 0, classes - 1)[:, None].astype(jnp.int32), 1)
    better = jnp.sum(p > target, axis=1)
    return valid & jnp.all(jnp.isfinite(p), axis=1) & (better < k)


@tf_op("nn.zero_fraction", family="nn", default_name="zero_fraction")
def zero_fraction(value: Any, name: str | None = None) -> Array:
    """``tf.nn.zero_fraction``: the fraction of zeros in ``value`` (float32)."""
    del name
    v = jnp.asarray(value)
    return jnp.mean((v == 0).astype(jnp.float32))
