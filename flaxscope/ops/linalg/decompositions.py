"""TF1's decompositions and solvers: Cholesky, inverse, determinants, QR, SVD, the
eigen-solvers, LU, least squares, ``expm``, ``pinv``, ``matrix_rank``, the triangular
and tridiagonal solves, and ``LinearOperatorLowerTriangular``."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
from jax import lax

from flaxscope.ops._convert import (
    FLOATING,
    broadcast_shape,
    canonical,
    check_dtype,
    same_dtype,
    shape_text,
    to_tensor,
)
from flaxscope.ops._registry import tf_op
from flaxscope.ops.linalg._common import Array, check_matrix, swap_matrix_axes


def _square(x: Any, op_type: str) -> Array:
    x = to_tensor(x)
    check_dtype(x, FLOATING, "input")
    check_matrix(x, op_type, [x.shape, x.shape, x.shape])
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
    return jnp.linalg.inv(swap_matrix_axes(x, True) if adjoint else x)


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
    return s, u, swap_matrix_axes(vh, True)


@tf_op("matrix_solve", "linalg.solve", family="math", default_name="MatrixSolve")
def matrix_solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Array:
    """``tf.matrix_solve(matrix, rhs, adjoint=False)``: ``X`` with ``matrix @ X = rhs``
    (``adjoint(matrix) @ X = rhs`` when ``adjoint``)."""
    m, r = same_dtype("MatrixSolve", (("matrix", matrix), ("rhs", rhs)))
    m = _square(m, "MatrixSolve")
    return jnp.linalg.solve(swap_matrix_axes(m, True) if adjoint else m, r)


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
    ah = swap_matrix_axes(a, True)
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


@tf_op("linalg.pinv", family="math", default_name="pinv")
def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: str | None = None) -> Array:
    """``tf.linalg.pinv(a, rcond=None)``: the Moore-Penrose pseudo-inverse; singular
    values below ``rcond * max(s)`` count as 0 (TF's default ``rcond`` is
    ``10 * max(m, n) * eps``)."""
    x = to_tensor(a)
    check_dtype(x, FLOATING, "a")
    check_matrix(x, "pinv", [x.shape])
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
    check_matrix(x, "matrix_rank", [x.shape])
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
