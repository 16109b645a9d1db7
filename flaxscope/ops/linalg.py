"""TF1's matrix ops and ``tf.linalg`` (family ``math``) on JAX arrays.

``tf.matmul`` multiplies the last two dimensions and broadcasts the batch dimensions
before them (TF's BatchMatMulV2); ``tf.svd`` returns ``(s, u, v)`` with ``v`` not
transposed, as TF does; decompositions run on XLA's (LAPACK-like) kernels, so ``qr`` and
``svd`` may differ from TF's by the sign of a column (the products agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from jax import lax

from flaxscope.ops._convert import (
    FLOATING,
    NUMBER,
    broadcast_shape,
    canonical,
    check_dtype,
    renamed,
    same_dtype,
    shape_text,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op

Array = jax.Array

_MATMUL_TYPES = tuple(d for d in NUMBER if d not in (np.dtype(np.int8), np.dtype(np.int16)))


def _at_least_matrix(
    x: Array, op_type: str, shapes: Sequence[Sequence[int]], least: bool = True
) -> None:
    if x.ndim < 2:
        least = "at least " if least else ""
        raise ValueError(
            f"Shape must be {least}rank 2 but is rank {x.ndim} for '{op_type}' (op: "
            f"'{op_type}') with input shapes: " + ", ".join(shape_text(s) for s in shapes) + "."
        )


def _swap(x: Array, conjugate: bool) -> Array:
    x = jnp.swapaxes(x, -1, -2)
    return jnp.conj(x) if conjugate and jnp.issubdtype(x.dtype, jnp.complexfloating) else x


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
    _at_least_matrix(a, "MatMul", shapes, batched)
    _at_least_matrix(b, "MatMul", shapes, batched)
    if transpose_a or adjoint_a:
        a = _swap(a, adjoint_a)
    if transpose_b or adjoint_b:
        b = _swap(b, adjoint_b)
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


# ----------------------------------------------------------------------------------------
# Norms
# ----------------------------------------------------------------------------------------


def _norm_axes(x: Array, axis: Any) -> tuple[int, ...] | None:
    axis = static_ints(axis, "axis")
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(axes) not in (1, 2) or len(set(a % max(x.ndim, 1) for a in axes)) != len(axes):
        raise ValueError(
            f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}"
        )
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"Invalid reduction dimension {a} for input with {x.ndim} dimensions.")
    return tuple(a % x.ndim for a in axes)


def _sum_squares(x: Array, axes: Any, keepdims: bool) -> Array:
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        return jnp.sum(jnp.real(x * jnp.conj(x)), axis=axes, keepdims=keepdims)
    return jnp.sum(x * x, axis=axes, keepdims=keepdims)


def _norm(x: Array, ord: Any, axes: tuple[int, ...] | None, keepdims: bool) -> Array:
    euclid = ord in ("euclidean", "fro")
    if axes is not None and len(axes) == 2:
        if not (euclid or ord in (1, 2, np.inf)):
            raise ValueError(
                "'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, "
                f"inf], got {ord}"
            )
        if euclid:
            return jnp.sqrt(_sum_squares(x, axes, keepdims))
        if ord == 2:
            moved = jnp.moveaxis(x, axes, (-2, -1))
            out = jnp.max(jnp.linalg.svd(moved, compute_uv=False), axis=-1)
            return jnp.expand_dims(out, tuple(sorted(axes))) if keepdims else out
        rows, cols = axes
        summed, kept = (rows, cols) if ord == 1 else (cols, rows)
        per = jnp.sum(jnp.abs(x), axis=summed, keepdims=True)
        out = jnp.max(per, axis=kept, keepdims=True)
        return out if keepdims else jnp.squeeze(out, axis=axes)
    if not (ord == "euclidean" or (isinstance(ord, (int, float)) and ord > 0)):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    if euclid or ord == 2:
        return jnp.sqrt(_sum_squares(x, axes, keepdims))
    if ord == np.inf:
        return jnp.max(jnp.abs(x), axis=axes, keepdims=keepdims)
    if ord == 1:
        return jnp.sum(jnp.abs(x), axis=axes, keepdims=keepdims)
    return jnp.sum(jnp.abs(x) ** ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)


@tf_op("norm", "linalg.norm", family="math", default_name="norm")
def norm(
    tensor: Any,
    ord: Any = "euclidean",
    axis: Any = None,
    keepdims: bool | None = None,
    name: str | None = None,
    keep_dims: bool | None = None,
) -> Array:
    """``tf.norm(tensor, ord='euclidean', axis=None, keepdims=None, name=None,
    keep_dims=None)``: a vector norm (``axis`` None: of all elements, or an int), or a
    matrix norm (``axis`` a pair): ``ord`` 'euclidean'/'fro', 1, 2, ``np.inf``, or any
    ``p > 0`` for vectors."""
    x = to_tensor(tensor)
    check_dtype(x, FLOATING, "x")
    keep = bool(renamed("keepdims", keepdims, "keep_dims", keep_dims))
    return _norm(x, ord, _norm_axes(x, axis), keep)


@tf_op("linalg.normalize", family="math", default_name="normalize")
def normalize(
    tensor: Any,
    ord: Any = "euclidean",
    axis: Any = None,
    name: str | None = None,
) -> tuple[Array, Array]:
    """``tf.linalg.normalize(tensor, ord='euclidean', axis=None)``: ``(tensor / norm,
    norm)``, the norm kept with its reduced dimensions."""
    x = to_tensor(tensor)
    check_dtype(x, FLOATING, "x")
    n = _norm(x, ord, _norm_axes(x, axis), True)
    return x / n.astype(x.dtype), n


# ----------------------------------------------------------------------------------------
# Building and reading matrices
# ----------------------------------------------------------------------------------------


@tf_op("eye", "linalg.eye", family="math", default_name="eye")
def eye(
    num_rows: int,
    num_columns: int | None = None,
    batch_shape: Sequence[int] | None = None,
    dtype: Any = np.float32,
    name: str | None = None,
) -> Array:
    """``tf.eye(num_rows, num_columns=None, batch_shape=None, dtype=tf.float32)``: an
    identity matrix (ones on the diagonal), repeated over ``batch_shape``."""
    rows = static_ints(num_rows, "num_rows")
    cols = rows if num_columns is None else static_ints(num_columns, "num_columns")
    out = jnp.eye(rows, cols, dtype=canonical(dtype))
    if batch_shape is not None:
        batch = tuple(static_ints(batch_shape, "batch_shape") or ())
        out = jnp.broadcast_to(out, batch + out.shape)
    return out


@tf_op("diag", "linalg.tensor_diag", family="math", default_name="Diag")
def diag(diagonal: Any, name: str | None = None) -> Array:
    """``tf.diag(diagonal, name=None)``: a tensor of rank ``2k`` with ``diagonal`` (rank
    ``k``) on its diagonal: ``out[i, j, i, j] = diagonal[i, j]``, zeros elsewhere."""
    d = to_tensor(diagonal)
    if d.ndim < 1:
        raise ValueError(f"Input must be at least rank 1, got {d.ndim} (Diag).")
    n = d.size
    flat = jnp.zeros((n, n), d.dtype).at[jnp.arange(n), jnp.arange(n)].set(d.reshape(-1))
    return flat.reshape(d.shape + d.shape)


@tf_op("diag_part", "linalg.tensor_diag_part", family="math", default_name="DiagPart")
def diag_part(input: Any, name: str | None = None) -> Array:
    """``tf.diag_part(input, name=None)``: the inverse of :func:`diag`, for a tensor of
    shape ``d + d``: ``out[i, j] = input[i, j, i, j]``."""
    x = to_tensor(input)
    k = x.ndim // 2
    if x.ndim % 2 or x.ndim == 0 or x.shape[:k] != x.shape[k:]:
        raise ValueError(
            f"Input must have even rank and be of the form d + d, got shape "
            f"{shape_text(x.shape)} (DiagPart)."
        )
    n = int(np.prod(x.shape[:k]))
    return jnp.diagonal(x.reshape(n, n)).reshape(x.shape[:k])


def _matrix_diag_k(k: Any) -> int:
    k = static_ints(k, "k")
    if not isinstance(k, int):
        if len(k) == 1 or (len(k) == 2 and k[0] == k[1]):
            return k[0]
        raise NotImplementedError(
            "tf.linalg.diag with a band of diagonals (k=(low, high)) is not supported; "
            "call it once per diagonal."
        )
    return k


@tf_op("matrix_diag", "linalg.diag", family="math", default_name="diag")
def matrix_diag(
    diagonal: Any,
    name: str = "diag",
    k: Any = 0,
    num_rows: int = -1,
    num_cols: int = -1,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Array:
    """``tf.linalg.diag(diagonal, k=0, num_rows=-1, num_cols=-1, padding_value=0)``:
    batched diagonal matrices whose ``k``-th diagonal is the last dimension of
    ``diagonal``; other entries are ``padding_value``."""
    d = to_tensor(diagonal)
    k = _matrix_diag_k(k)
    n = d.shape[-1]
    min_rows, min_cols = n + max(-k, 0), n + max(k, 0)
    if num_rows == -1 and num_cols == -1:
        rows = cols = max(min_rows, min_cols)
    else:
        rows = min_rows if num_rows == -1 else num_rows
        cols = min_cols if num_cols == -1 else num_cols
    if rows < min_rows or cols < min_cols or (rows != min_rows and cols != min_cols):
        raise ValueError(
            "num_rows and num_cols are not consistent with lower_diag_index, "
            "upper_diag_index, and the length of the given diagonals.\n"
            f"num_rows = {rows} != min_num_rows = {min_rows}, num_cols = {cols} != "
            f"min_num_cols = {min_cols}"
        )
    i = np.arange(rows)[:, None]
    j = np.arange(cols)[None, :]
    on = (j - i) == k
    idx = np.clip(np.minimum(i, j), 0, max(n - 1, 0)) + np.zeros((rows, cols), int)
    vals = jnp.take(d, idx.reshape(-1), axis=-1).reshape(d.shape[:-1] + (rows, cols))
    pad = jnp.asarray(padding_value, d.dtype)
    return jnp.where(on, vals, pad)


@tf_op("matrix_diag_part", "linalg.diag_part", family="math", default_name="diag_part")
def matrix_diag_part(
    input: Any,
    name: str = "diag_part",
    k: Any = 0,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Array:
    """``tf.linalg.diag_part(input, k=0)``: the ``k``-th diagonal of the last two
    dimensions (batched)."""
    x = to_tensor(input)
    _at_least_matrix(x, "diag_part", [x.shape, x.shape, x.shape])
    return jnp.diagonal(x, offset=_matrix_diag_k(k), axis1=-2, axis2=-1)


@tf_op("matrix_set_diag", "linalg.set_diag", family="math", default_name="set_diag")
def matrix_set_diag(
    input: Any,
    diagonal: Any,
    name: str = "set_diag",
    k: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Array:
    """``tf.linalg.set_diag(input, diagonal, k=0)``: ``input`` with its ``k``-th diagonal
    (of the last two dimensions) replaced by ``diagonal``."""
    x, d = same_dtype("MatrixSetDiagV3", (("input", input), ("diagonal", diagonal)))
    k = _matrix_diag_k(k)
    rows, cols = x.shape[-2:]
    n = min(rows, cols - k) if k >= 0 else min(rows + k, cols)
    i = jnp.arange(n) + max(-k, 0)
    j = jnp.arange(n) + max(k, 0)
    return x.at[..., i, j].set(jnp.broadcast_to(d, x.shape[:-2] + (n,)))


@tf_op("matrix_band_part", "linalg.band_part", family="math", default_name="MatrixBandPart")
def matrix_band_part(input: Any, num_lower: Any, num_upper: Any, name: str | None = None) -> Array:
    """``tf.matrix_band_part(input, num_lower, num_upper, name=None)``: keeps
    ``num_lower`` subdiagonals and ``num_upper`` superdiagonals of the last two dimensions
    (a negative count keeps the whole triangle) and zeros the rest; ``(-1, 0)`` is the
    lower triangle."""
    x = to_tensor(input)
    lower = static_ints(num_lower, "num_lower")
    upper = static_ints(num_upper, "num_upper")
    rows, cols = x.shape[-2:]
    i = np.arange(rows)[:, None]
    j = np.arange(cols)[None, :]
    keep = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
    return jnp.where(keep, x, jnp.zeros((), x.dtype))


@tf_op("trace", "linalg.trace", family="math", default_name="Trace")
def trace(x: Any, name: str | None = None) -> Array:
    """``tf.trace(x, name=None)``: the sum of the diagonal of the last two dimensions."""
    x = to_tensor(x)
    return jnp.trace(x, axis1=-2, axis2=-1)


@tf_op(
    "matrix_transpose",
    "linalg.matrix_transpose",
    "linalg.transpose",
    family="math",
    default_name="matrix_transpose",
)
def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Array:
    """``tf.matrix_transpose(a, conjugate=False)``: swaps the last two dimensions."""
    x = to_tensor(a)
    if x.ndim < 2:
        raise ValueError(
            "Argument `a` should be a (batch) matrix with rank >= 2.  Received `a` with "
            f"shape: {x.shape}"
        )
    return _swap(x, conjugate)


@tf_op("linalg.adjoint", family="math", default_name="adjoint")
def adjoint(matrix: Any, name: str | None = None) -> Array:
    """``tf.linalg.adjoint(matrix)``: the conjugate transpose of the last two dimensions."""
    return _swap(to_tensor(matrix), True)


# ----------------------------------------------------------------------------------------
# Decompositions and solvers
# ----------------------------------------------------------------------------------------


def _square(x: Any, op_type: str) -> Array:
    x = to_tensor(x)
    check_dtype(x, FLOATING, "input")
    _at_least_matrix(x, op_type, [x.shape, x.shape, x.shape])
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"Dimensions must be equal, but are {x.shape[-2]} and {x.shape[-1]} for "
            f"'{op_type}' (op: '{op_type}') with input shapes: {shape_text(x.shape)}."
        )
    return x


@tf_op("cholesky", "linalg.cholesky", family="math", default_name="Cholesky")
def cholesky(input: Any, name: str | None = None) -> Array:
    """``tf.cholesky(input)``: the lower-triangular ``L`` with ``L @ L^H = input``."""
    return jnp.linalg.cholesky(_square(input, "Cholesky"))


@tf_op("matrix_inverse", "linalg.inv", family="math", default_name="MatrixInverse")
def matrix_inverse(input: Any, adjoint: bool = False, name: str | None = None) -> Array:
    """``tf.matrix_inverse(input, adjoint=False)``: the inverse (of the adjoint)."""
    x = _square(input, "MatrixInverse")
    return jnp.linalg.inv(_swap(x, True) if adjoint else x)


@tf_op("matrix_determinant", "linalg.det", family="math", default_name="MatrixDeterminant")
def matrix_determinant(input: Any, name: str | None = None) -> Array:
    """``tf.matrix_determinant(input)``: determinants of the last two dimensions."""
    return jnp.linalg.det(_square(input, "MatrixDeterminant"))


@tf_op("linalg.slogdet", family="math", default_name="LogMatrixDeterminant")
def slogdet(input: Any, name: str | None = None) -> tuple[Array, Array]:
    """``tf.linalg.slogdet(input)``: ``(sign, log_abs_determinant)``."""
    sign, logabs = jnp.linalg.slogdet(_square(input, "LogMatrixDeterminant"))
    return sign, logabs


@tf_op("linalg.logdet", family="math", default_name="logdet")
def logdet(matrix: Any, name: str | None = None) -> Array:
    """``tf.linalg.logdet(matrix)``: ``log(det(matrix))`` of a Hermitian positive-definite
    matrix, from its Cholesky factor."""
    chol = jnp.linalg.cholesky(_square(matrix, "logdet"))
    diag_ = jnp.real(jnp.diagonal(chol, axis1=-2, axis2=-1))
    return 2.0 * jnp.sum(jnp.log(diag_), axis=-1)


@tf_op("qr", "linalg.qr", family="math", default_name="Qr")
def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> tuple[Array, Array]:
    """``tf.qr(input, full_matrices=False)``: ``(q, r)`` with ``q`` orthonormal columns and
    ``r`` upper triangular (column signs may differ from TF's; ``q @ r`` agrees)."""
    x = to_tensor(input)
    check_dtype(x, FLOATING, "input")
    q, r = jnp.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q, r


@tf_op("svd", "linalg.svd", family="math", default_name="Svd")
def svd(
    tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: str | None = None
) -> Any:
    """``tf.svd(tensor, full_matrices=False, compute_uv=True)``: ``(s, u, v)`` with
    ``tensor = u @ diag(s) @ adjoint(v)``, ``s`` descending; only ``s`` when
    ``compute_uv=False``. Note TF's order and its ``v`` (not ``v^H`` as numpy returns)."""
    x = to_tensor(tensor)
    check_dtype(x, FLOATING, "input")
    if not compute_uv:
        return jnp.linalg.svd(x, compute_uv=False)
    u, s, vh = jnp.linalg.svd(x, full_matrices=full_matrices)
    return s, u, _swap(vh, True)


@tf_op("matrix_solve", "linalg.solve", family="math", default_name="MatrixSolve")
def matrix_solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Array:
    """``tf.matrix_solve(matrix, rhs, adjoint=False)``: ``X`` with ``matrix @ X = rhs``
    (``adjoint(matrix) @ X = rhs`` when ``adjoint``)."""
    m, r = same_dtype("MatrixSolve", (("matrix", matrix), ("rhs", rhs)))
    m = _square(m, "MatrixSolve")
    return jnp.linalg.solve(_swap(m, True) if adjoint else m, r)


@tf_op(
    "matrix_triangular_solve",
    "linalg.triangular_solve",
    family="math",
    default_name="triangular_solve",
)
def matrix_triangular_solve(
    matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False, name: str | None = None
) -> Array:
    """``tf.matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False)``: solves with
    the lower (or upper) triangle of ``matrix``, ignoring the other triangle."""
    m, r = same_dtype("MatrixTriangularSolve", (("matrix", matrix), ("rhs", rhs)))
    m = _square(m, "MatrixTriangularSolve")
    batch = jnp.broadcast_shapes(m.shape[:-2], r.shape[:-2])
    m = jnp.broadcast_to(m, batch + m.shape[-2:])
    r = jnp.broadcast_to(r, batch + r.shape[-2:])
    return lax.linalg.triangular_solve(
        m,
        r,
        left_side=True,
        lower=bool(lower),
        transpose_a=bool(adjoint),
        conjugate_a=bool(adjoint),
    )


@tf_op("cholesky_solve", "linalg.cholesky_solve", family="math", default_name="cholesky_solve")
def cholesky_solve(chol: Any, rhs: Any, name: str | None = None) -> Array:
    """``tf.cholesky_solve(chol, rhs)``: solves ``A X = rhs`` given ``chol``, the lower
    Cholesky factor of ``A``."""
    c, r = same_dtype("MatrixTriangularSolve", (("chol", chol), ("rhs", rhs)))
    y = lax.linalg.triangular_solve(c, r, left_side=True, lower=True)
    return lax.linalg.triangular_solve(
        c, y, left_side=True, lower=True, transpose_a=True, conjugate_a=True
    )


@tf_op("self_adjoint_eig", "linalg.eigh", family="math", default_name="SelfAdjointEigV2")
def self_adjoint_eig(tensor: Any, name: str | None = None) -> tuple[Array, Array]:
    """``tf.self_adjoint_eig(tensor)``: ``(e, v)``, ascending eigenvalues and eigenvectors
    (columns) of Hermitian matrices (from the lower triangle)."""
    w, v = jnp.linalg.eigh(_square(tensor, "SelfAdjointEigV2"), UPLO="L")
    return w, v


@tf_op("self_adjoint_eigvals", "linalg.eigvalsh", family="math", default_name="SelfAdjointEigV2")
def self_adjoint_eigvals(tensor: Any, name: str | None = None) -> Array:
    """``tf.self_adjoint_eigvals(tensor)``: ascending eigenvalues of Hermitian matrices."""
    return jnp.linalg.eigvalsh(_square(tensor, "SelfAdjointEigV2"), UPLO="L")


@tf_op("cross", "linalg.cross", family="math", default_name="Cross")
def cross(a: Any, b: Any, name: str | None = None) -> Array:
    """``tf.cross(a, b)``: cross products of 3-vectors along the last dimension."""
    x, y = same_dtype("Cross", (("a", a), ("b", b)))
    for v in (x, y):
        if v.shape[-1:] != (3,):
            raise ValueError(
                f"Dimension must be 3 but is {v.shape[-1] if v.ndim else 0} for 'Cross' "
                f"(op: 'Cross') with input shapes: {shape_text(x.shape)}, "
                f"{shape_text(y.shape)}."
            )
    if x.shape != y.shape:
        broadcast_shape("Cross", "Cross", x.shape, y.shape)
        x, y = jnp.broadcast_arrays(x, y)
    return jnp.cross(x, y)


@tf_op("matrix_solve_ls", "linalg.lstsq", family="math", default_name="matrix_solve_ls")
def matrix_solve_ls(
    matrix: Any, rhs: Any, l2_regularizer: float = 0.0, fast: bool = True, name: str | None = None
) -> Array:
    """``tf.matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True)``: least-squares
    solutions of ``matrix @ X = rhs`` (with ``l2_regularizer * |X|^2`` added), from the
    normal equations as TF's ``fast`` path."""
    a, b = same_dtype("MatrixSolveLs", (("matrix", matrix), ("rhs", rhs)))
    check_dtype(a, FLOATING, "matrix")
    m, n = a.shape[-2:]
    ah = _swap(a, True)
    reg = jnp.asarray(l2_regularizer, a.dtype)
    if m >= n:
        gram = ah @ a + reg * jnp.eye(n, dtype=a.dtype)
        return jnp.linalg.solve(gram, ah @ b)
    gram = a @ ah + reg * jnp.eye(m, dtype=a.dtype)
    return ah @ jnp.linalg.solve(gram, b)


@tf_op("linalg.expm", family="math", default_name="matrix_exponential")
def expm(input: Any, name: str | None = None) -> Array:
    """``tf.linalg.expm(input)``: the matrix exponential of the last two dimensions."""
    x = _square(input, "MatrixExponential")
    return jnp.vectorize(jsl.expm, signature="(n,n)->(n,n)")(x)


@tf_op("linalg.LinearOperatorLowerTriangular", family="math", default_name=None)
class LinearOperatorLowerTriangular:
    """``tf.linalg.LinearOperatorLowerTriangular(tril, ...)``: the (batched) lower
    triangle of ``tril`` as an operator (the upper triangle is ignored): ``to_dense``,
    ``matmul``, ``matvec``, ``solve``, ``solvevec``, ``determinant``,
    ``log_abs_determinant``, ``diag_part``, ``trace``, ``shape``. A plain class: TF's
    operator algebra (``LinearOperator`` composition) is not provided."""

    def __init__(
        self,
        tril: Any,
        is_non_singular: bool | None = None,
        is_self_adjoint: bool | None = None,
        is_positive_definite: bool | None = None,
        is_square: bool | None = None,
        name: str = "LinearOperatorLowerTriangular",
    ) -> None:
        x = to_tensor(tril)
        _at_least_matrix(x, "LinearOperatorLowerTriangular", [x.shape])
        if x.shape[-1] != x.shape[-2]:
            raise ValueError(f"tril must be square, got shape {shape_text(x.shape)}.")
        self._tril = matrix_band_part.__wrapped__(x, -1, 0)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._tril.shape)

    @property
    def dtype(self) -> np.dtype:
        return self._tril.dtype

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self._tril.shape[:-2])

    @property
    def domain_dimension(self) -> int:
        return int(self._tril.shape[-1])

    range_dimension = domain_dimension

    def to_dense(self, name: str | None = None) -> Array:
        return self._tril

    def diag_part(self, name: str | None = None) -> Array:
        return jnp.diagonal(self._tril, axis1=-2, axis2=-1)

    def trace(self, name: str | None = None) -> Array:
        return jnp.sum(self.diag_part(), axis=-1)

    def determinant(self, name: str | None = None) -> Array:
        return jnp.prod(self.diag_part(), axis=-1)

    def log_abs_determinant(self, name: str | None = None) -> Array:
        return jnp.sum(jnp.log(jnp.abs(self.diag_part())), axis=-1)

    def matmul(
        self, x: Any, adjoint: bool = False, adjoint_arg: bool = False, name: str | None = None
    ) -> Array:
        return matmul.__wrapped__(self._tril, x, adjoint_a=adjoint, adjoint_b=adjoint_arg)

    def matvec(self, x: Any, adjoint: bool = False, name: str | None = None) -> Array:
        return self.matmul(to_tensor(x)[..., None], adjoint=adjoint)[..., 0]

    def solve(
        self, rhs: Any, adjoint: bool = False, adjoint_arg: bool = False, name: str | None = None
    ) -> Array:
        r = to_tensor(rhs, self.dtype)
        if adjoint_arg:
            r = _swap(r, True)
        return matrix_triangular_solve.__wrapped__(self._tril, r, lower=True, adjoint=adjoint)

    def solvevec(self, rhs: Any, adjoint: bool = False, name: str | None = None) -> Array:
        return self.solve(to_tensor(rhs)[..., None], adjoint=adjoint)[..., 0]


@tf_op("linalg.pinv", family="math", default_name="pinv")
def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: str | None = None) -> Array:
    """``tf.linalg.pinv(a, rcond=None)``: the Moore-Penrose pseudo-inverse; singular
    values below ``rcond * max(s)`` count as 0 (TF's default ``rcond`` is
    ``10 * max(m, n) * eps``)."""
    x = to_tensor(a)
    check_dtype(x, FLOATING, "a")
    _at_least_matrix(x, "pinv", [x.shape])
    if rcond is None:
        rcond = 10.0 * max(x.shape[-2:]) * float(jnp.finfo(x.dtype).eps)
    return jnp.linalg.pinv(x, rtol=rcond)


@tf_op("linalg.matrix_rank", family="math", default_name="matrix_rank")
def matrix_rank(
    a: Any, tol: Any = None, validate_args: bool = False, name: str | None = None
) -> Array:
    """``tf.linalg.matrix_rank(a, tol=None)``: how many singular values exceed ``tol``
    (default ``max(s) * max(m, n) * eps``), as int32."""
    x = to_tensor(a)
    check_dtype(x, FLOATING, "a")
    _at_least_matrix(x, "matrix_rank", [x.shape])
    s = jnp.linalg.svd(x, compute_uv=False)
    if tol is None:
        eps = float(jnp.finfo(x.dtype).eps)
        tol = jnp.max(s, axis=-1, keepdims=True) * max(x.shape[-2:]) * eps
    return jnp.sum(s > tol, axis=-1, dtype=jnp.int32)


@tf_op("linalg.lu", family="math", default_name="Lu")
def lu(
    input: Any,
    output_idx_type: Any = np.int32,
    name: str | None = None,
) -> tuple[Array, Array]:
    """``tf.linalg.lu(input, output_idx_type=tf.int32)``: ``(lu, p)``, the unit-lower ``L``
    and upper ``U`` packed in one matrix and the row permutation with
    ``input[..., p, :] = L @ U``."""
    x = _square(input, "Lu")
    packed, _, perm = lax.linalg.lu(x)
    return packed, perm.astype(canonical(output_idx_type))


def _permute_rows(x: Array, perm: Array) -> Array:
    return jnp.take_along_axis(
        x, jnp.broadcast_to(perm[..., None], perm.shape + x.shape[-1:]), axis=-2
    )


def _unpack_lu(lower_upper: Array) -> tuple[Array, Array]:
    n = lower_upper.shape[-1]
    lower = jnp.tril(lower_upper, -1) + jnp.eye(n, dtype=lower_upper.dtype)
    return lower, jnp.triu(lower_upper)


@tf_op("linalg.lu_reconstruct", family="math", default_name="lu_reconstruct")
def lu_reconstruct(
    lower_upper: Any, perm: Any, validate_args: bool = False, name: str | None = None
) -> Array:
    """``tf.linalg.lu_reconstruct(lower_upper, perm)``: the matrix that
    :func:`lu` factored."""
    packed = to_tensor(lower_upper)
    lower, upper = _unpack_lu(packed)
    product = lower @ upper
    return _permute_rows(product, jnp.argsort(to_tensor(perm), axis=-1))


@tf_op("linalg.lu_solve", family="math", default_name="lu_solve")
def lu_solve(
    lower_upper: Any,
    perm: Any,
    rhs: Any,
    validate_args: bool = False,
    name: str | None = None,
) -> Array:
    """``tf.linalg.lu_solve(lower_upper, perm, rhs)``: ``X`` with ``A @ X = rhs`` from
    :func:`lu`'s factors of ``A``."""
    packed, b = same_dtype("lu_solve", (("lower_upper", lower_upper), ("rhs", rhs)))
    batch = jnp.broadcast_shapes(packed.shape[:-2], b.shape[:-2])
    packed = jnp.broadcast_to(packed, batch + packed.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    p = jnp.broadcast_to(to_tensor(perm), batch + packed.shape[-1:])
    y = lax.linalg.triangular_solve(
        packed, _permute_rows(b, p), left_side=True, lower=True, unit_diagonal=True
    )
    return lax.linalg.triangular_solve(packed, y, left_side=True, lower=False)


@tf_op("linalg.lu_matrix_inverse", family="math", default_name="lu_matrix_inverse")
def lu_matrix_inverse(
    lower_upper: Any, perm: Any, validate_args: bool = False, name: str | None = None
) -> Array:
    """``tf.linalg.lu_matrix_inverse(lower_upper, perm)``: the inverse of the matrix that
    :func:`lu` factored."""
    packed = to_tensor(lower_upper)
    eye_ = jnp.broadcast_to(jnp.eye(packed.shape[-1], dtype=packed.dtype), packed.shape)
    return lu_solve.__wrapped__(packed, perm, eye_)


@tf_op("linalg.tridiagonal_solve", family="math", default_name="TridiagonalSolve")
def tridiagonal_solve(
    diagonals: Any,
    rhs: Any,
    diagonals_format: str = "compact",
    transpose_rhs: bool = False,
    conjugate_rhs: bool = False,
    name: str | None = None,
    partial_pivoting: bool = True,
    perturb_singular: bool = False,
) -> Array:
    """``tf.linalg.tridiagonal_solve(diagonals, rhs, diagonals_format='compact')``: solves
    a tridiagonal system. ``diagonals`` is ``[..., 3, M]`` (superdiagonal, diagonal,
    subdiagonal; "compact"), a ``(super, main, sub)`` sequence ("sequence") or the full
    ``[..., M, M]`` matrix ("matrix"). XLA's solver does not pivot (TF's default does):
    use it for diagonally dominant systems."""
    if diagonals_format == "sequence":
        sup, main, sub = (to_tensor(d) for d in diagonals)
    else:
        d = to_tensor(diagonals)
        if diagonals_format == "matrix":
            main = jnp.diagonal(d, axis1=-2, axis2=-1)
            sup = jnp.pad(
                jnp.diagonal(d, 1, axis1=-2, axis2=-1), [(0, 0)] * (d.ndim - 2) + [(0, 1)]
            )
            sub = jnp.pad(
                jnp.diagonal(d, -1, axis1=-2, axis2=-1), [(0, 0)] * (d.ndim - 2) + [(1, 0)]
            )
        elif diagonals_format == "compact":
            sup, main, sub = d[..., 0, :], d[..., 1, :], d[..., 2, :]
        else:
            raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")
    b = to_tensor(rhs, main.dtype)
    if transpose_rhs:
        b = jnp.swapaxes(b, -1, -2)
    if conjugate_rhs:
        b = jnp.conj(b)
    vector = b.ndim == main.ndim
    if vector:
        b = b[..., None]
    # lax wants the sub-diagonal's first and the super-diagonal's last entries to be 0.
    sub = sub.at[..., 0].set(0)
    sup = sup.at[..., -1].set(0)
    x = lax.linalg.tridiagonal_solve(sub, main, sup, b)
    x = x[..., 0] if vector else x
    return jnp.swapaxes(x, -1, -2) if transpose_rhs and not vector else x


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
        dense = _swap(dense, True)
    if shape[1] != dense.shape[0]:
        raise ValueError(
            f"Dimensions must be equal, but are {shape[1]} and {dense.shape[0]} for "
            "'SparseTensorDenseMatMul' (op: 'SparseTensorDenseMatMul') with input shapes: "
            f"{shape_text(indices.shape)}, {shape_text(values.shape)}, [2], "
            f"{shape_text(dense.shape)}."
        )
    contributions = values[:, None] * jnp.take(dense, cols, axis=0)
    return jax.ops.segment_sum(contributions, rows, num_segments=shape[0])
