"""TF1's sparse ops that return a ``SparseTensor``: ``tf.sparse_add``, ``tf.sparse_reshape``,
``tf.sparse_retain`` and ``tf.sparse_softmax`` (also under ``tf.sparse.*``).

How many entries a result has is part of its (static) shape in JAX. Where that count
depends on data (the indices ``sparse_add`` merges, the ``to_retain`` mask, a ``thresh``
that drops small sums), the data must be concrete: build the ``SparseTensor`` outside the
traced function and let the function close over it (an argument, or a ``SparseTensor``
made inside, holds traced arrays). ``sparse_reshape``, ``sparse_softmax`` and a
sparse + dense ``sparse_add`` keep the count, and run on traced indices and values too.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops._registry import reserve_op_name, tf_op
from flaxscope.ops.array._common import convert, int_list
from flaxscope.ops.sparse import SparseTensor
from flaxscope.tensor_shape import TensorShape

__all__ = ["sparse_add", "sparse_reshape", "sparse_retain", "sparse_softmax"]

_SOFTMAX_DTYPES = ("float16", "float32", "float64")


def _concrete(value: Any, op: str, what: str) -> np.ndarray:
    """``value`` as NumPy, or a ``ValueError`` saying that ``op`` needs it concrete."""
    try:
        return np.asarray(value)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as e:
        raise ValueError(
            f"tf.{op} needs concrete {what}: how many entries its result has depends on "
            "them, which JAX cannot trace. Build the SparseTensor outside the traced "
            "function and close over it instead of passing it in."
        ) from e


def _sparse(value: Any) -> SparseTensor:
    if not isinstance(value, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(value).__name__}")
    return value


def _merge_order(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int]]:
    """The entries of the sum of two index lists as ``(i, j)``: row ``i`` of ``a`` and/or
    row ``j`` of ``b`` (``-1``: absent). A single merge pass as TF's kernel makes it: for
    inputs in row-major order this is the sorted union; others come out as that pass
    leaves them."""
    rows_a = [tuple(r) for r in a.tolist()]
    rows_b = [tuple(r) for r in b.tolist()]
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(rows_a) and j < len(rows_b):
        if rows_a[i] < rows_b[j]:
            out.append((i, -1))
            i += 1
        elif rows_b[j] < rows_a[i]:
            out.append((-1, j))
            j += 1
        else:
            out.append((i, j))
            i += 1
            j += 1
    out.extend((k, -1) for k in range(i, len(rows_a)))
    out.extend((-1, k) for k in range(j, len(rows_b)))
    return out


def _add_sparse(a: SparseTensor, b: SparseTensor, threshold: Any) -> SparseTensor:
    if a._dense_shape != b._dense_shape:
        raise ValueError(
            f"Shapes {TensorShape(a._dense_shape)} and {TensorShape(b._dense_shape)} are "
            "incompatible"
        )
    if a.values.dtype != b.values.dtype:
        raise TypeError(
            f"Input 'b_values' of 'SparseAdd' Op has type {b.dtype.name} that does not match "
            f"type {a.dtype.name} of argument 'a_values'."
        )
    reserve_op_name("SparseAdd")
    a_indices = _concrete(a.indices, "sparse_add", "indices")
    b_indices = _concrete(b.indices, "sparse_add", "indices")
    order = _merge_order(a_indices, b_indices)
    from_a = np.array([i for i, _ in order], np.int64)
    from_b = np.array([j for _, j in order], np.int64)
    has_a, has_b = from_a >= 0, from_b >= 0
    slots = np.arange(len(order))
    values = jnp.zeros(len(order), a.values.dtype)
    values = values.at[slots[has_a]].add(a.values[from_a[has_a]])
    values = values.at[slots[has_b]].add(b.values[from_b[has_b]])
    indices = np.zeros((len(order), len(a._dense_shape)), np.int64)
    indices[has_a] = a_indices[from_a[has_a]]
    indices[~has_a] = b_indices[from_b[~has_a]]
    # TF applies the threshold to the sums only; an entry of one operand is copied as is.
    summed = has_a & has_b
    threshold = _concrete(threshold, "sparse_add", "threshold")
    if summed.any() and not (threshold == 0 and isinstance(values, jax.core.Tracer)):
        magnitude = np.abs(_concrete(values, "sparse_add", "values (with a threshold)"))
        kept = np.flatnonzero(~summed | (magnitude >= threshold))
        indices, values = indices[kept], values[kept]
    return SparseTensor(indices, values, a._dense_shape)


def _add_dense(sp: SparseTensor, dense: Any) -> jax.Array:
    dense = jnp.asarray(convert(dense)).astype(sp.values.dtype)
    if dense.ndim != len(sp._dense_shape):
        raise InvalidArgumentError(
            f"Two operands have different ranks; received: {len(sp._dense_shape)} and {dense.ndim}"
        )
    for axis, (s, d) in enumerate(zip(sp._dense_shape, dense.shape, strict=True)):
        if s != d:
            raise InvalidArgumentError(
                f"Dimension {axis} does not equal (no broadcasting is supported): sparse "
                f"side {s} vs dense side {d}"
            )
    reserve_op_name("SparseTensorDenseAdd")
    if sp.indices.shape[0] == 0:
        return dense
    return dense.at[tuple(jnp.moveaxis(sp.indices, -1, 0))].add(sp.values)


@tf_op("sparse_add", "sparse.add", family="array")
def sparse_add(a: Any, b: Any, threshold: Any = None, thresh: Any = None) -> Any:
    """``tf.sparse_add`` / ``tf.sparse.add`` (TF1): the sum of two ``SparseTensor``s, or of
    a ``SparseTensor`` and a dense array (then the result is dense).

    Two sparse operands are merged in one pass, as TF does (their entries in row-major order
    give a sorted result); where both have an entry the values are added, and a sum whose
    magnitude is below ``threshold`` (TF1's deprecated ``thresh``) is dropped. The merge
    needs concrete indices (and concrete values when ``threshold`` is not zero).
    """
    if threshold is not None and thresh is not None:
        raise ValueError("Cannot specify both 'thresh' and 'threshold'.")
    limit = threshold if threshold is not None else (thresh if thresh is not None else 0)
    a_sparse, b_sparse = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not (a_sparse or b_sparse):
        raise TypeError("At least one input should be SparseTensor; do you mean to use tf.add()?")
    if a_sparse and b_sparse:
        return _add_sparse(a, b, limit)
    return _add_dense(a, b) if a_sparse else _add_dense(b, a)


def _strides(shape: tuple[int, ...]) -> np.ndarray:
    """Row-major strides of ``shape``, in elements."""
    out = np.ones(len(shape), np.int64)
    for axis in range(len(shape) - 2, -1, -1):
        out[axis] = out[axis + 1] * shape[axis + 1]
    return out


@tf_op("sparse_reshape", "sparse.reshape", family="array", default_name="SparseReshape")
def sparse_reshape(sp_input: SparseTensor, shape: Any, name: str | None = None) -> SparseTensor:
    """``tf.sparse_reshape`` / ``tf.sparse.reshape`` (TF1): the same entries, in the same
    order, of a ``SparseTensor`` of shape ``shape`` (one dimension may be ``-1``), each at
    the position of the same row-major offset."""
    sp = _sparse(sp_input)
    requested = int_list(shape, "shape")
    if requested.count(-1) > 1:
        raise ValueError(
            f"At most one dimension can be inferred (-1). Found: {np.array(requested)}"
        )
    size = math.prod(sp._dense_shape)
    dims = list(requested)
    if -1 in dims:
        at = dims.index(-1)
        rest = math.prod(d for k, d in enumerate(dims) if k != at)
        if rest == 0:
            raise InvalidArgumentError(
                "Reshape cannot infer the missing input size for an empty tensor unless all "
                "specified input sizes are non-zero"
            )
        dims[at] = size // rest
    if math.prod(dims) != size:
        shown = [None if d == -1 else d for d in requested]
        raise ValueError(
            f"Cannot reshape a tensor with {size} elements to shape {shown} "
            f"({math.prod(dims)} elements)."
        )
    new_shape = tuple(dims)
    index_dtype = sp.indices.dtype
    offsets = sp.indices @ jnp.asarray(_strides(sp._dense_shape), index_dtype)
    strides = jnp.asarray(_strides(new_shape), index_dtype)
    extent = jnp.asarray(new_shape, index_dtype)
    indices = (offsets[:, None] // strides) % jnp.maximum(extent, 1)
    return SparseTensor(indices.reshape(-1, len(new_shape)), sp.values, new_shape)


@tf_op("sparse_retain", "sparse.retain", family="array")
def sparse_retain(sp_input: SparseTensor, to_retain: Any) -> SparseTensor:
    """``tf.sparse_retain`` / ``tf.sparse.retain`` (TF1): the entries of ``sp_input`` whose
    flag in ``to_retain`` (a vector, one per entry; non-zero counts as true) is set, in
    their order. ``to_retain`` must be concrete."""
    sp = _sparse(sp_input)
    mask = _concrete(convert(to_retain), "sparse_retain", "to_retain")
    if mask.ndim != 1:
        raise ValueError(f"Shape {TensorShape(mask.shape)} must have rank 1")
    if mask.shape[0] != sp.values.shape[0]:
        raise ValueError(f"Dimensions {sp.values.shape[0]} and {mask.shape[0]} are not compatible")
    kept = np.flatnonzero(mask)
    return SparseTensor(sp.indices[kept], sp.values[kept], sp._dense_shape)


@tf_op("sparse_softmax", "sparse.softmax", family="array", default_name="SparseSoftmax")
def sparse_softmax(sp_input: SparseTensor, name: str | None = None) -> SparseTensor:
    """``tf.sparse_softmax`` / ``tf.sparse.softmax`` (TF1): a softmax over the last axis that
    sees only the entries present, each group of entries sharing all but their last index
    on its own; absent entries stay absent (they are not ``exp(0)``).

    Like TF's kernel, which reorders the entries before its pass, the result's values are
    in row-major order of the indices while the indices are kept as given; for indices in
    row-major order (TF's canonical order) the two agree.
    """
    sp = _sparse(sp_input)
    if sp.dtype.name not in _SOFTMAX_DTYPES:
        raise TypeError(
            f"Value passed to parameter 'sp_values' has DataType {sp.dtype.name} not in list "
            f"of allowed values: {', '.join(_SOFTMAX_DTYPES)}"
        )
    if len(sp._dense_shape) < 2:
        raise InvalidArgumentError(
            "Input should have rank >= 2, but received shape: "
            + " ".join(str(d) for d in sp._dense_shape)
        )
    values, indices = sp.values, sp.indices
    if values.shape[0] == 0:
        return SparseTensor(indices, values, sp._dense_shape)
    leading = sp._dense_shape[:-1]
    groups = indices[:, :-1] @ jnp.asarray(_strides(leading), indices.dtype)
    count = math.prod(leading)
    peak = jax.ops.segment_max(values, groups, num_segments=count)
    shifted = jnp.exp(values - peak[groups])
    total = jax.ops.segment_sum(shifted, groups, num_segments=count)
    result = shifted / total[groups]
    # jnp.lexsort's last key is the primary one: the first index column.
    order = jnp.lexsort(tuple(indices[:, k] for k in range(indices.shape[1] - 1, -1, -1)))
    return SparseTensor(indices, result[order], sp._dense_shape)
