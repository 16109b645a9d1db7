"""Shared by the ``tf.linalg`` op modules: the rank check TF makes on matrix arguments
and the (conjugate) transpose of the last two axes."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from flaxscope.ops._convert import shape_text

Array = jax.Array


def check_matrix(
    x: Array, op_type: str, shapes: Sequence[Sequence[int]], least: bool = True
) -> None:
    """TF's error when ``x`` (an argument of ``op_type``) is not (at least) a matrix."""
    if x.ndim < 2:
        least = "at least " if least else ""
        raise ValueError(
            f"Shape must be {least}rank 2 but is rank {x.ndim} for '{op_type}' (op: "
            f"'{op_type}') with input shapes: " + ", ".join(shape_text(s) for s in shapes) + "."
        )


def swap_matrix_axes(x: Array, conjugate: bool) -> Array:
    """``x`` with its last two axes swapped, conjugated too if ``conjugate`` and complex."""
    x = jnp.swapaxes(x, -1, -2)
    return jnp.conj(x) if conjugate and jnp.issubdtype(x.dtype, jnp.complexfloating) else x
