"""TF1's ``tf.norm`` / ``tf.linalg.norm`` and ``tf.linalg.normalize``."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from flaxscope.ops._convert import (
    FLOATING,
    check_dtype,
    renamed,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op
from flaxscope.ops._tf_grads import tf_abs
from flaxscope.ops.linalg._common import Array


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
        per = jnp.sum(tf_abs(x), axis=summed, keepdims=True)
        out = jnp.max(per, axis=kept, keepdims=True)
        return out if keepdims else jnp.squeeze(out, axis=axes)
    if not (ord == "euclidean" or (isinstance(ord, (int, float)) and ord > 0)):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    if euclid or ord == 2:
        return jnp.sqrt(_sum_squares(x, axes, keepdims))
    if ord == np.inf:
        return jnp.max(tf_abs(x), axis=axes, keepdims=keepdims)
    if ord == 1:
        return jnp.sum(tf_abs(x), axis=axes, keepdims=keepdims)
    return jnp.sum(tf_abs(x) ** ord, axis=axes, keepdims=keepdims) ** (1.0 / ord)


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
