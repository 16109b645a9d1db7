"""TF1's ``tf.linalg.LinearOperatorLowerTriangular``: a lower-triangular operator whose
products, solves and determinants use the triangle (the rest of the matrix ignored)."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from flaxscope.ops._convert import shape_text, to_tensor
from flaxscope.ops._registry import tf_op
from flaxscope.ops.linalg._common import Array, check_matrix, swap_matrix_axes
from flaxscope.ops.linalg.decompositions import matrix_triangular_solve
from flaxscope.ops.linalg.matrices import matrix_band_part
from flaxscope.ops.linalg.products import matmul


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
        check_matrix(x, "LinearOperatorLowerTriangular", [x.shape])
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
            r = swap_matrix_axes(r, True)
        return matrix_triangular_solve.__wrapped__(self._tril, r, lower=True, adjoint=adjoint)

    def solvevec(self, rhs: Any, adjoint: bool = False, name: str | None = None) -> Array:
        return self.solve(to_tensor(rhs)[..., None], adjoint=adjoint)[..., 0]
