"""TF1's clipping ops (``tf.clip_by_*``, ``tf.global_norm``), registered with
:func:`~flaxscope.ops._registry.tf_op`, and :class:`IndexedSlices` for TF1's sparse
(embedding) gradients.

Embedding gradients and the global norm
---------------------------------------
TF1's ``tf.gradients`` of an ``embedding_lookup`` is an ``IndexedSlices``: one row per
looked-up id, duplicates kept. ``global_norm``/``clip_by_global_norm`` sum the squares of
those rows *per occurrence*. ``jax.grad`` gives the dense gradient, whose row for an id is
the *sum* of its occurrences' rows, so its norm differs whenever a batch repeats an id
(``||a + b||^2`` instead of ``||a||^2 + ||b||^2``). To get TF1's number, build the sparse
gradient with :func:`embedding_gradient` from the gradient with respect to the lookup's
output (``jax.grad`` with respect to an argument added to the embedded values, see its
docstring) and pass it in place of the dense one; every op here accepts it. With only the
dense gradient, TF1's number cannot be recovered; the dense norm is the norm of the
update actually applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._registry import reserve_op_name, tf_op
from flaxscope.ops._tf_grads import tf_maximum, tf_minimum


class IndexedSlices(NamedTuple):
    """``tf.IndexedSlices``: rows ``values[i]`` of a ``dense_shape`` tensor at row
    ``indices[i]`` (repeated indices add up). A JAX pytree (a NamedTuple).

    TF1 equivalent: the gradient ``tf.gradients`` returns for an embedding matrix.
    """

    values: jax.Array
    indices: jax.Array
    dense_shape: Any = None

    def to_dense(self) -> jax.Array:
        """The dense tensor (``tf.convert_to_tensor(slices)``): rows summed per index."""
        if self.dense_shape is None:
            raise ValueError("IndexedSlices without dense_shape cannot be made dense.")
        shape = tuple(int(d) for d in np.asarray(self.dense_shape))
        zeros = jnp.zeros(shape, jnp.result_type(self.values))
        return zeros.at[jnp.asarray(self.indices)].add(self.values)


def embedding_gradient(
    grad_of_lookup: jax.Array, ids: jax.Array, params_shape: Sequence[int]
) -> IndexedSlices:
    """TF1's sparse gradient of an embedding matrix, from the gradient of its lookup.

    ``grad_of_lookup`` is the gradient with respect to ``embedding_lookup(params, ids)``
    (shape ``ids.shape + [dim]``); the result holds one row per occurrence of each id,
    as TF1's ``tf.gradients(loss, params)`` does, so ``clip_by_global_norm`` gives TF1's
    global norm. Get ``grad_of_lookup`` by adding a zero argument to the embedded values::

        def loss_fn(variables, ids, probe):
            emb = tf.nn.embedding_lookup(tf.get_variable("embedding", [V, D]), ids) + probe
            ...
        grads, g_emb = jax.grad(f.apply, argnums=(0, 2))(variables, ids, jnp.zeros(ids.shape + (D,)))
        sparse = embedding_gradient(g_emb, ids, (V, D))
        clipped, norm = tf.clip_by_global_norm([sparse, *other_grads], 5.0)
        dense = clipped[0].to_dense()  # the embedding's clipped update

    The dense gradient ``grads["params"]["embedding"]`` equals ``sparse.to_dense()``.
    """
    grad_of_lookup = jnp.asarray(grad_of_lookup)
    ids = jnp.asarray(ids)
    dim = grad_of_lookup.shape[ids.ndim :]
    if grad_of_lookup.shape[: ids.ndim] != ids.shape:
        raise ValueError(
            f"grad_of_lookup has shape {list(grad_of_lookup.shape)}, which does not start "
            f"with the ids' shape {list(ids.shape)}: pass the gradient with respect to "
            "embedding_lookup(params, ids) itself."
        )
    return IndexedSlices(
        grad_of_lookup.reshape((-1, *dim)), ids.reshape(-1), np.asarray(params_shape, np.int64)
    )


def _values(t: Any) -> Any:
    return t.values if isinstance(t, IndexedSlices) else t


def _like(t: Any, values: jax.Array) -> Any:
    return t._replace(values=values) if isinstance(t, IndexedSlices) else values


def _check_no_growth(values: jax.Array, result: jax.Array) -> None:
    if result.shape != values.shape:
        raise ValueError(f"Shapes {tuple(values.shape)} and {tuple(result.shape)} are incompatible")


@tf_op("clip_by_value", family="clip", default_name="clip_by_value")
def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Any:
    """``tf.clip_by_value``: ``t`` clipped elementwise to ``[clip_value_min,
    clip_value_max]`` (``minimum`` then ``maximum``, as TF). The bounds may broadcast to
    ``t``'s shape, never enlarge it. Gradients flow where ``t`` is inside the bounds."""
    del name
    values = jnp.asarray(_values(t))
    low, high = jnp.asarray(clip_value_min), jnp.asarray(clip_value_max)
    for bound in (low, high):
        if jnp.issubdtype(values.dtype, jnp.integer) and jnp.issubdtype(bound.dtype, jnp.floating):
            raise TypeError(
                f"Cannot convert a float bound to the integer dtype {values.dtype.name} of "
                "t in clip_by_value: cast t, or pass integer bounds."
            )
    t_min = tf_minimum(values, high.astype(values.dtype))
    _check_no_growth(values, t_min)
    t_max = tf_maximum(t_min, low.astype(values.dtype))
    _check_no_growth(values, t_max)
    return _like(t, t_max)


@tf_op("clip_by_norm", family="clip", default_name="clip_by_norm")
def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Any:
    """``tf.clip_by_norm``: ``t * clip_norm / max(l2norm(t, axes), clip_norm)``, the
    L2 norm over ``axes`` (all by default), a negative ``clip_norm`` taken as 0."""
    del name
    values = jnp.asarray(_values(t))
    if not (
        jnp.issubdtype(values.dtype, jnp.floating)
        or jnp.issubdtype(values.dtype, jnp.complexfloating)
    ):
        raise TypeError(
            f"clip_by_norm needs a floating point or complex t, got {values.dtype.name}."
        )
    if np.isscalar(clip_norm):
        clip_norm = max(clip_norm, 0)
    else:
        clip_norm = jnp.maximum(jnp.asarray(clip_norm), 0).astype(values.dtype)
    axis = None if axes is None else tuple(np.atleast_1d(np.asarray(axes)).tolist())
    l2sum = jnp.sum(values * values, axis=axis, keepdims=True)
    positive = l2sum > 0
    # Where the sum is 0 the norm is 0; the safe sqrt keeps its gradient finite (as TF).
    l2norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, l2sum, 1)), l2sum)
    scaled = values * clip_norm
    _check_no_growth(values, scaled)
    bound = tf_maximum(l2norm, jnp.asarray(clip_norm, l2norm.dtype))
    return _like(t, scaled / bound.astype(scaled.dtype))


def _sequence(t_list: Any) -> list:
    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    return list(t_list)


def _global_norm(t_list: list) -> jax.Array:
    squares = [jnp.sum(jnp.square(jnp.asarray(_values(t)))) / 2 for t in t_list if t is not None]
    if not squares:
        raise ValueError("global_norm needs at least one tensor that is not None.")
    dtypes = {s.dtype for s in squares}
    if len(dtypes) > 1:
        raise TypeError(
            "global_norm stacks the tensors' squared norms, which need one dtype; got "
            f"{sorted(d.name for d in dtypes)}. Cast the tensors to one float dtype."
        )
    half = jnp.sum(jnp.stack(squares))
    return jnp.sqrt(half * jnp.asarray(2.0, half.dtype))


@tf_op("global_norm", "linalg.global_norm", family="clip", default_name="global_norm")
def global_norm(t_list: Sequence[Any], name: str | None = None) -> jax.Array:
    """``tf.global_norm``: ``sqrt(sum of ||t||^2)`` over the non-``None`` tensors of
    ``t_list`` (an :class:`IndexedSlices` counts each of its rows, duplicates included,
    as TF1's sparse gradients do)."""
    del name
    return _global_norm(_sequence(t_list))


@tf_op("clip_by_global_norm", family="clip", default_name=None)
def clip_by_global_norm(
    t_list: Sequence[Any], clip_norm: Any, use_norm: Any = None, name: str | None = None
) -> tuple[list, jax.Array]:
    """``tf.clip_by_global_norm``: ``([t * clip_norm / max(global_norm, clip_norm) for t],
    global_norm)``.

    ``None`` entries stay ``None``; :class:`IndexedSlices` are scaled row by row and their
    rows count per occurrence in the norm (TF1's number for embedding gradients, see
    :func:`embedding_gradient`). ``use_norm`` replaces the computed norm. An infinite or
    NaN norm makes every clipped tensor NaN, as in TF1.
    """
    t_list = _sequence(t_list)
    if use_norm is None:
        reserve_op_name(name or "global_norm")
        use_norm = _global_norm(t_list)
    reserve_op_name(name or "clip_by_global_norm")
    use_norm = jnp.asarray(use_norm)
    one = jnp.asarray(1.0, use_norm.dtype)
    finite_scale = clip_norm * tf_minimum(one / use_norm, one / jnp.asarray(clip_norm, one.dtype))
    scale = finite_scale + (use_norm - use_norm)  # NaN when the norm is inf or NaN
    clipped = [
        None
        if t is None
        else _like(t, jnp.asarray(_values(t)) * scale.astype(jnp.result_type(_values(t))))
        for t in t_list
    ]
    return clipped, use_norm


@tf_op("clip_by_average_norm", family="clip", default_name="clip_by_average_norm")
def clip_by_average_norm(t: Any, clip_norm: Any, name: str | None = None) -> jax.Array:
    """``tf.compat.v1.clip_by_average_norm``: ``t * clip_norm * min(size(t) / ||t||,
    1 / clip_norm)``, i.e. clipping the L2 norm divided by the number of elements."""
    del name
    t = jnp.asarray(t)
    n_element = jnp.asarray(t.size, jnp.float32)
    l2norm_inv = jax.lax.rsqrt(jnp.sum(t * t))
    bound = jnp.asarray(1.0 / clip_norm, l2norm_inv.dtype)
    return t * clip_norm * tf_minimum(l2norm_inv * n_element, bound)
