"""TF1's slicing and gather/scatter ops: ``tf.slice``, ``strided_slice``, ``gather``,
``batch_gather``, ``gather_nd``, ``scatter_nd``, ``tensor_scatter_nd_*``,
``invert_permutation``, ``unravel_index``.
"""

from __future__ import annotations

import builtins
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._registry import tf_op
from flaxscope.ops.array._common import (
    array_module,
    convert,
    int_list,
    is_static,
    static_int,
    static_int_like,
)


@tf_op("slice", family="array", default_name="Slice")
def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Any:
    """``tf.slice``: ``size[i]`` elements from ``begin[i]`` on each axis (``-1``: to the
    end). A traced ``begin`` is a ``lax.dynamic_slice`` (sizes must then be given)."""
    x = convert(input_)
    sizes = int_list(size, "size")
    shape_ = np.shape(x)
    try:
        starts = int_list(begin, "begin")
    except ValueError:  # traced begin: a dynamic slice of static sizes
        if -1 in sizes:
            raise ValueError(
                "tf.slice with a traced begin needs every size known (no -1)"
            ) from None
        return jax.lax.dynamic_slice(x, list(jnp.asarray(begin)), sizes)
    index = tuple(
        builtins.slice(b, d if s == -1 else b + s)
        for b, s, d in zip(starts, sizes, shape_, strict=False)
    )
    return x[index]


@tf_op("strided_slice", family="array", default_name="StridedSlice")
def strided_slice(
    input_: Any,
    begin: Any,
    end: Any,
    strides: Any = None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var: Any = None,
    name: str | None = None,
) -> Any:
    """``tf.strided_slice``: TF's masked slice spec, applied as a Python index (the
    ``x[a:b:c, tf.newaxis, ...]`` it encodes, which JAX arrays accept directly)."""
    x = convert(input_)
    starts, stops = int_list(begin, "begin"), int_list(end, "end")
    steps = [1] * len(starts) if strides is None else int_list(strides, "strides")
    index: list[Any] = []
    for i, (b, e, s) in enumerate(zip(starts, stops, steps, strict=False)):
        bit = 1 << i
        if ellipsis_mask & bit:
            index.append(Ellipsis)
        elif new_axis_mask & bit:
            index.append(None)
        elif shrink_axis_mask & bit:
            index.append(b)
        else:
            if s == 0:
                raise ValueError("strides[" + str(i) + "] must be non-zero")
            index.append(
                builtins.slice(None if begin_mask & bit else b, None if end_mask & bit else e, s)
            )
    return x[tuple(index)]


@tf_op("gather", family="array", default_name="GatherV2")
def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    name: str | None = None,
    axis: Any = None,
    batch_dims: int = 0,
) -> Any:
    """``tf.gather``: slices of ``params`` along ``axis`` at ``indices``; the first
    ``batch_dims`` axes of both are batch axes."""
    params, indices = convert(params), convert(indices)
    nd_params, nd_indices = np.ndim(params), np.ndim(indices)
    if batch_dims < 0:
        batch_dims += nd_indices
    axis = batch_dims if axis is None else static_int(axis, "axis")
    if axis < 0:
        axis += nd_params
    if not 0 <= axis < nd_params:
        raise ValueError(f"Shape must be at least rank {axis + 1} but is rank {nd_params}")
    if axis < batch_dims:
        raise ValueError(f"batch_dims ({batch_dims}) must be less than or equal to axis ({axis}).")
    xp = array_module(params, indices)
    if batch_dims == 0:
        return xp.take(params, indices, axis=axis)

    def one(p: Any, i: Any, depth: int) -> Any:
        if depth == 0:
            return jnp.take(p, i, axis=axis - batch_dims)
        return jax.vmap(lambda pp, ii: one(pp, ii, depth - 1))(p, i)

    return one(jnp.asarray(params), jnp.asarray(indices), batch_dims)


@tf_op("batch_gather", family="array", default_name="BatchGather")
def batch_gather(params: Any, indices: Any, name: str | None = None) -> Any:
    """``tf.batch_gather`` (deprecated in TF1): ``tf.gather(params, indices,
    batch_dims=rank(indices) - 1)``."""
    indices = convert(indices)
    nd = np.ndim(indices)
    return gather.__wrapped__(params, indices, axis=nd - 1, batch_dims=nd - 1)


@tf_op("gather_nd", "manip.gather_nd", family="array", default_name="GatherNd")
def gather_nd(params: Any, indices: Any, name: str | None = None, batch_dims: int = 0) -> Any:
    """``tf.gather_nd``: ``params[indices[..., 0], indices[..., 1], ...]`` for each index
    vector (the last axis of ``indices``)."""
    params, indices = convert(params), convert(indices)

    def one(p: Any, i: Any) -> Any:
        return p[tuple(jnp.moveaxis(jnp.asarray(i), -1, 0))]

    fn = one
    for _ in builtins.range(batch_dims):
        fn = jax.vmap(fn)
    if batch_dims == 0 and static_int_like(params, indices):
        return np.asarray(params)[tuple(np.moveaxis(np.asarray(indices), -1, 0))]
    return fn(jnp.asarray(params), indices)


def _nd_index(indices: Any) -> tuple:
    return tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))


@tf_op("scatter_nd", "manip.scatter_nd", family="array", default_name="ScatterNd")
def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> jax.Array:
    """``tf.scatter_nd``: zeros of ``shape`` with ``updates`` added at ``indices``
    (repeated indices sum)."""
    updates = jnp.asarray(convert(updates))
    out = jnp.zeros(int_list(shape, "shape"), updates.dtype)
    return out.at[_nd_index(convert(indices))].add(updates)


@tf_op(
    "tensor_scatter_nd_update",
    "tensor_scatter_update",
    family="array",
    default_name="TensorScatterUpdate",
)
def tensor_scatter_nd_update(
    tensor: Any, indices: Any, updates: Any, name: str | None = None
) -> jax.Array:
    """``tf.tensor_scatter_nd_update``: ``tensor`` with ``updates`` written at ``indices``."""
    return jnp.asarray(convert(tensor)).at[_nd_index(convert(indices))].set(convert(updates))


@tf_op(
    "tensor_scatter_nd_add", "tensor_scatter_add", family="array", default_name="TensorScatterAdd"
)
def tensor_scatter_nd_add(
    tensor: Any, indices: Any, updates: Any, name: str | None = None
) -> jax.Array:
    """``tf.tensor_scatter_nd_add``: ``tensor`` with ``updates`` added at ``indices``."""
    return jnp.asarray(convert(tensor)).at[_nd_index(convert(indices))].add(convert(updates))


@tf_op(
    "tensor_scatter_nd_sub", "tensor_scatter_sub", family="array", default_name="TensorScatterSub"
)
def tensor_scatter_nd_sub(
    tensor: Any, indices: Any, updates: Any, name: str | None = None
) -> jax.Array:
    """``tf.tensor_scatter_nd_sub``: ``tensor`` with ``updates`` subtracted at ``indices``."""
    updates = jnp.asarray(convert(updates))
    return jnp.asarray(convert(tensor)).at[_nd_index(convert(indices))].add(-updates)


@tf_op("invert_permutation", family="array", default_name="InvertPermutation")
def invert_permutation(x: Any, name: str | None = None) -> Any:
    """``tf.invert_permutation``: ``y[x[i]] = i``."""
    x = convert(x)
    return array_module(x).argsort(x).astype(np.asarray(x).dtype if is_static(x) else x.dtype)


@tf_op("unravel_index", family="array", default_name="UnravelIndex")
def unravel_index(indices: Any, dims: Any, name: str | None = None) -> jax.Array:
    """``tf.unravel_index``: flat ``indices`` as coordinates in an array of shape
    ``dims`` (one row per axis)."""
    indices = convert(indices)
    coords = jnp.unravel_index(jnp.asarray(indices), tuple(int_list(dims, "dims")))
    return jnp.stack(coords).astype(indices.dtype)
