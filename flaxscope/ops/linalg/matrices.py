"""TF1's ops that build and read matrices: ``eye``, ``diag``, ``matrix_diag`` and its
part/set variants, ``matrix_band_part``, ``trace``, transposes and adjoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from flaxscope.ops._convert import (
    canonical,
    same_dtype,
    shape_text,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op
from flaxscope.ops.linalg._common import Array, check_matrix, swap_matrix_axes


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
    check_matrix(x, "diag_part", [x.shape, x.shape, x.shape])
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
    return swap_matrix_axes(x, conjugate)


@tf_op("linalg.adjoint", family="math", default_name="adjoint")
def adjoint(matrix: Any, name: str | None = None) -> Array:
    """``tf.linalg.adjoint(matrix)``: the conjugate transpose of the last two dimensions."""
    return swap_matrix_axes(to_tensor(matrix), True)
