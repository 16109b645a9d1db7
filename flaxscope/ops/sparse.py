"""``tf.SparseTensor`` as a container, and the ops that turn it into a dense array.

JAX has no sparse tensors in its core, and TF1 model code mostly builds a
``SparseTensor`` to hand it to one op (a label batch, a one-off lookup). So the class
holds ``indices``/``values``/``dense_shape`` as TF1 does (a JAX pytree, so it passes
through ``jax.jit``; ``dense_shape`` stays static) and ``tf.sparse_tensor_to_dense`` /
``tf.sparse.to_dense`` / ``tf.sparse_to_dense`` make the dense array. ``tf.sparse_add``,
``tf.sparse_reshape``, ``tf.sparse_retain`` and ``tf.sparse_softmax`` are in
:mod:`flaxscope.ops.sparse_more`; other sparse ops are left out, and their
``AttributeError`` says to use dense arrays.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._registry import tf_op
from flaxscope.ops.array._common import canonical_dtype, convert, int_list
from flaxscope.tensor_shape import TensorShape


@jax.tree_util.register_pytree_node_class
class SparseTensor:
    """``tf.SparseTensor(indices, values, dense_shape)``: ``values[i]`` sits at
    ``indices[i]`` of an array of shape ``dense_shape``; every other entry is zero.

    ``indices`` is ``[N, rank]`` ``int64`` (``int32`` unless JAX's x64 is on), ``values``
    ``[N]``; ``dense_shape`` must be known (static), as every JAX shape is.
    """

    def __init__(self, indices: Any, values: Any, dense_shape: Any) -> None:
        index_dtype = canonical_dtype(np.int64)
        self.indices = jnp.asarray(convert(indices), index_dtype)
        self.values = jnp.asarray(convert(values))
        self._dense_shape = tuple(int_list(dense_shape, "dense_shape"))
        if self.indices.ndim != 2:
            raise ValueError(f"Shape {TensorShape(self.indices.shape)} must have rank 2")
        if self.values.ndim != 1:
            raise ValueError(f"Shape {TensorShape(self.values.shape)} must have rank 1")
        if self.indices.shape[0] != self.values.shape[0]:
            raise ValueError(
                f"Dimensions {self.indices.shape[0]} and {self.values.shape[0]} are not compatible"
            )
        if self.indices.shape[1] != len(self._dense_shape):
            raise ValueError(
                f"Dimensions {self.indices.shape[1]} and {len(self._dense_shape)} are not "
                "compatible"
            )

    @property
    def dense_shape(self) -> np.ndarray:
        """The dense shape, a 1-D integer array (static)."""
        return np.asarray(self._dense_shape, canonical_dtype(np.int64))

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.values.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._dense_shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    def __repr__(self) -> str:
        return (
            f"SparseTensor(indices={self.indices!r}, values={self.values!r}, "
            f"dense_shape={self.dense_shape!r})"
        )

    def tree_flatten(self) -> tuple[tuple[Any, Any], tuple[int, ...]]:
        return (self.indices, self.values), self._dense_shape

    @classmethod
    def tree_unflatten(cls, dense_shape: tuple[int, ...], children: Any) -> SparseTensor:
        obj = object.__new__(cls)
        obj.indices, obj.values = children
        obj._dense_shape = dense_shape
        return obj


def _scatter(indices: Any, values: Any, shape: tuple[int, ...], default: Any) -> jax.Array:
    values = jnp.asarray(values)
    dtype = values.dtype
    out = jnp.full(shape, jnp.asarray(0 if default is None else default, dtype), dtype)
    if indices.shape[0] == 0:
        return out
    return out.at[tuple(jnp.moveaxis(indices, -1, 0))].set(
        jnp.broadcast_to(values, indices.shape[:1])
    )


@tf_op("sparse_tensor_to_dense", "sparse.to_dense", family="array", default_name="SparseToDense")
def sparse_tensor_to_dense(
    sp_input: SparseTensor,
    default_value: Any = None,
    validate_indices: bool = True,
    name: str | None = None,
) -> jax.Array:
    """``tf.sparse_tensor_to_dense`` / ``tf.sparse.to_dense``: the dense array of a
    ``SparseTensor``, ``default_value`` (zero) where it has no value."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input).__name__}")
    return _scatter(sp_input.indices, sp_input.values, sp_input._dense_shape, default_value)


@tf_op("sparse_to_dense", family="array", default_name="SparseToDense")
def sparse_to_dense(
    sparse_indices: Any,
    output_shape: Any,
    sparse_values: Any,
    default_value: Any = 0,
    validate_indices: bool = True,
    name: str | None = None,
) -> jax.Array:
    """``tf.sparse_to_dense``: an array of ``output_shape`` holding ``sparse_values`` (one
    value or one per index) at ``sparse_indices`` (``[N, rank]``, or ``[N]``/a scalar for a
    vector) and ``default_value`` elsewhere."""
    shape = tuple(int_list(output_shape, "output_shape"))
    indices = jnp.asarray(convert(sparse_indices))
    if indices.ndim < 2:
        indices = indices.reshape(-1, 1)
    values = jnp.asarray(convert(sparse_values))
    return _scatter(indices, values, shape, default_value)


@tf_op("sparse.from_dense", family="array", default_name="dense_to_sparse")
def from_dense(tensor: Any, name: str | None = None) -> SparseTensor:
    """``tf.sparse.from_dense``: the non-zero entries of a concrete array, in row-major
    order (the count depends on the values, so not under ``jax.jit``)."""
    try:
        dense = np.asarray(convert(tensor))
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as e:
        raise ValueError(
            "tf.sparse.from_dense returns as many entries as the array has non-zeros, which "
            "JAX cannot trace: call it outside the traced function"
        ) from e
    where = np.argwhere(dense != 0)
    return SparseTensor(where, dense[tuple(where.T)], dense.shape)
