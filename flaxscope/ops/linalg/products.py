"""TF1's products: ``tf.matmul`` (batched, with transposes/adjoints), ``matvec``,
``tensordot``, ``einsum`` and ``sparse_tensor_dense_matmul``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._convert import (
    NUMBER,
    broadcast_shape,
    canonical,
    check_dtype,
    same_dtype,
    shape_text,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op
from flaxscope.ops.linalg._common import Array, check_matrix, swap_matrix_axes

_MATMUL_TYPES = tuple(d for d in NUMBER if d not in (np.dtype(np.int8), np.dtype(np.int16)))


@tf_op("matmul", "linalg.matmul", family="math", default_name="MatMul")
def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    output_type: Any = None,
    grad_a: bool = False,
    grad_b: bool = False,
    name: str | None = None,
) -> Array:
    """``tf.matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False,
    adjoint_b=False, ...)``: the product of the last two dimensions of ``a`` and ``b``
    (rank >= 2), batch dimensions broadcast. ``adjoint_*`` transposes and conjugates;
    ``*_is_sparse`` and ``grad_*`` are hints XLA does not need."""
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    a, b = same_dtype("MatMul", (("a", a), ("b", b)))
    check_dtype(a, _MATMUL_TYPES, "a")
    shapes = (a.shape, b.shape)
    batched = max(a.ndim, b.ndim) > 2  # TF's BatchMatMulV2; MatMul wants rank 2 exactly
    check_matrix(a, "MatMul", shapes, batched)
    check_matrix(b, "MatMul", shapes, batched)
    if transpose_a or adjoint_a:
        a = swap_matrix_axes(a, adjoint_a)
    if transpose_b or adjoint_b:
        b = swap_matrix_axes(b, adjoint_b)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(
            f"Dimensions must be equal, but are {a.shape[-1]} and {b.shape[-2]} for "
            f"'MatMul' (op: 'MatMul') with input shapes: {shape_text(shapes[0])}, "
            f"{shape_text(shapes[1])}."
        )
    broadcast_shape("BatchMatMulV2", "MatMul", a.shape[:-2], b.shape[:-2])
    out = jnp.matmul(a, b)
    if output_type is not None:
        out = out.astype(canonical(output_type))
    return out


@tf_op("linalg.matvec", family="math", default_name="MatVec")
def matvec(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    adjoint_a: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    name: str | None = None,
) -> Array:
    """``tf.linalg.matvec(a, b, transpose_a=False, adjoint_a=False, ...)``: matrix times
    vector over the last dimensions, batch dimensions broadcast."""
    b = to_tensor(b, to_tensor(a).dtype if isinstance(a, jax.Array) else None)
    out = matmul.__wrapped__(a, b[..., None], transpose_a=transpose_a, adjoint_a=adjoint_a)
    return out[..., 0]


@tf_op("tensordot", "linalg.tensordot", family="math", default_name="Tensordot")
def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Array:
    """``tf.tensordot(a, b, axes, name=None)``: sums products over ``axes``: an int ``n``
    (the last ``n`` of ``a`` with the first ``n`` of ``b``) or a pair of axis lists."""
    a, b = same_dtype("MatMul", (("a", a), ("b", b)))
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ValueError(f"'axes' must be at most {min(a.ndim, b.ndim)}, got {n}.")
        pairs = (list(range(a.ndim - n, a.ndim)), list(range(n)))
    else:
        if len(axes) != 2:
            raise ValueError(f"'axes' must be an integer or have length 2, got {axes}.")
        pa, pb = (static_ints(x, "axes") for x in axes)
        pa = [pa] if isinstance(pa, int) else pa
        pb = [pb] if isinstance(pb, int) else pb
        if len(pa) != len(pb):
            raise ValueError(
                f"Different number of contraction axes 'a' and 'b', {len(pa)} != {len(pb)}."
            )
        pairs = (pa, pb)
    for i, j in zip(*pairs, strict=True):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"Dimensions must be equal, but are {a.shape[i]} and {b.shape[j]} for "
                f"'Tensordot' (op: 'MatMul') with input shapes: {shape_text(a.shape)}, "
                f"{shape_text(b.shape)}."
            )
    return jnp.tensordot(a, b, axes=pairs)


@tf_op("einsum", "linalg.einsum", family="math", default_name="einsum")
def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Array:
    """``tf.einsum(equation, *inputs, name=None)``: Einstein summation, e.g.
    ``tf.einsum("bij,bjk->bik", a, b)``; ``...`` broadcasts as in TF."""
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments for tf.einsum: {sorted(kwargs)}")
    arrays = same_dtype("Einsum", [(f"inputs[{i}]", v) for i, v in enumerate(inputs)])
    _check_einsum_sizes(equation, arrays)
    return jnp.einsum(equation, *arrays)


def _check_einsum_sizes(equation: str, arrays: Sequence[Array]) -> None:
    """TF's error when one label has two sizes (labels next to ``...`` are skipped)."""
    terms = equation.replace(" ", "").split("->")[0].split(",")
    if len(terms) != len(arrays):
        raise ValueError(
            f"Expected {len(terms)} input tensors for equation {equation!r}, got {len(arrays)}."
        )
    sizes: dict[str, int] = {}
    for term, arr in zip(terms, arrays, strict=True):
        if "." in term or len(term) != arr.ndim:
            continue
        for label, size in zip(term, arr.shape, strict=True):
            seen = sizes.setdefault(label, size)
            if seen != size and 1 not in (seen, size):
                raise ValueError(
                    f"Dimensions must be equal, but are {seen} and {size} for 'einsum' "
                    "(op: 'Einsum') with input shapes: "
                    + ", ".join(shape_text(a.shape) for a in arrays)
                    + "."
                )


@tf_op("sparse_tensor_dense_matmul", family="math", default_name="SparseTensorDenseMatMul")
def sparse_tensor_dense_matmul(
    sp_a: Any,
    b: Any,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    name: str | None = None,
) -> Array:
    """``tf.sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False)``: a
    sparse matrix times a dense one. ``sp_a`` is anything with TF's ``SparseTensor``
    fields (``indices`` ``[N, 2]``, ``values`` ``[N]``, ``dense_shape``), a
    ``jax.experimental.sparse.BCOO`` matrix, or a dense matrix. The product is a
    segment sum over the nonzeros, so its cost follows ``N``; ``dense_shape`` must be
    static (Python ints or a concrete array)."""
    dense = to_tensor(b)
    if hasattr(sp_a, "dense_shape") and hasattr(sp_a, "values"):
        indices, values = to_tensor(sp_a.indices), to_tensor(sp_a.values, dense.dtype)
        shape = static_ints(sp_a.dense_shape, "sp_a.dense_shape")
    elif hasattr(sp_a, "indices") and hasattr(sp_a, "data"):  # a BCOO matrix
        indices, values = sp_a.indices, to_tensor(sp_a.data, dense.dtype)
        shape = list(sp_a.shape)
    else:
        return matmul.__wrapped__(sp_a, dense, adjoint_a=adjoint_a, adjoint_b=adjoint_b)
    if len(shape) != 2 or indices.ndim != 2 or indices.shape[-1] != 2:
        raise ValueError(
            "Tensor 'a.indices' must be a matrix of [nnz, 2] for a rank-2 sp_a, got indices "
            f"{shape_text(indices.shape)} and dense_shape {shape}."
        )
    rows, cols = indices[:, 0], indices[:, 1]
    if adjoint_a:
        rows, cols = cols, rows
        values = jnp.conj(values)
        shape = shape[::-1]
    if adjoint_b:
        dense = swap_matrix_axes(dense, True)
    if shape[1] != dense.shape[0]:
        raise ValueError(
            f"Dimensions must be equal, but are {shape[1]} and {dense.shape[0]} for "
            "'SparseTensorDenseMatMul' (op: 'SparseTensorDenseMatMul') with input shapes: "
            f"{shape_text(indices.shape)}, {shape_text(values.shape)}, [2], "
            f"{shape_text(dense.shape)}."
        )
    contributions = values[:, None] * jnp.take(dense, cols, axis=0)
    return jax.ops.segment_sum(contributions, rows, num_segments=shape[0])
