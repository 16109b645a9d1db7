"""TF1's variable scatter ops (``tf.scatter_update``, ``tf.scatter_add``, ...,
``tf.scatter_nd_update``) and ``tf.check_numerics``.

A scatter op computes the variable's new value from its current one and sets it with
:func:`flaxscope.variables.assign`, so it follows ``tf.assign``'s rules: inside
``flaxscope.transform(...).apply`` the variable's collection must be mutable
(``mutable=True`` for ``state``), and the op returns the new value. Repeated indices
accumulate for add/sub/mul/div/max/min, as in TF; for ``scatter_update`` TF leaves the
winner unspecified, here it is whichever update XLA's scatter writes last (the last one on
CPU).

Indices are checked against the variable's shape when they are concrete, with TF's
message; traced indices (under ``jax.jit``) that are out of range, negative ones included,
update nothing, where TF fails when the op runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops._convert import REAL_FLOATING, check_dtype, shape_text, to_tensor
from flaxscope.ops._registry import tf_op
from flaxscope.variables import assign, variable_record

Array = jax.Array
Combine = Callable[[Array, Any, Array], Array]

_INDEX_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))


def _indices(indices: Any) -> Array:
    """``indices`` as an int array: TF takes int32 and int64 only."""
    if isinstance(indices, jax.Array):
        dtype = indices.dtype
    else:
        python_value = not isinstance(indices, np.ndarray | np.generic)
        indices = np.asarray(indices)
        dtype = indices.dtype
        if python_value and dtype == np.float64:
            dtype = np.dtype(np.float32)  # TF converts Python floats to float32
        if dtype.kind in "iu":
            indices = indices.astype(np.int64 if dtype.itemsize > 4 else np.int32)
            dtype = indices.dtype
    if np.dtype(dtype) not in _INDEX_DTYPES:
        raise TypeError(
            f"Value passed to parameter 'indices' has DataType {np.dtype(dtype).name} not in "
            "list of allowed values: int32, int64"
        )
    return jnp.asarray(indices)


def _set(current: Array, index: Any, updates: Array) -> Array:
    return current.at[index].set(updates, mode="drop")


def _add(current: Array, index: Any, updates: Array) -> Array:
    return current.at[index].add(updates, mode="drop")


def _sub(current: Array, index: Any, updates: Array) -> Array:
    return current.at[index].add(-updates, mode="drop")


def _mul(current: Array, index: Any, updates: Array) -> Array:
    return current.at[index].multiply(updates, mode="drop")


def _div(current: Array, index: Any, updates: Array) -> Array:
    # Dividing by the product of a row's updates equals dividing by each in turn (exactly
    # for integers, whose division truncates as C++'s does); other rows divide by 1.
    divisor = jnp.ones_like(current).at[index].multiply(updates, mode="drop")
    if jnp.issubdtype(current.dtype, jnp.integer):
        return lax.div(current, divisor)
    return current / divisor


def _max(current: Array, index: Any, updates: Array) -> Array:
    return current.at[index].max(updates, mode="drop")


def _min(current: Array, index: Any, updates: Array) -> Array:
    return current.at[index].min(updates, mode="drop")


def _updates(updates: Any, current: Array, op: str) -> Array:
    u = to_tensor(updates, current.dtype, op_type=op, arg="updates")
    if u.dtype == jnp.bool_ and op not in ("ScatterUpdate", "ScatterNdUpdate"):
        raise TypeError(
            "Value passed to parameter 'updates' has DataType bool not in list of allowed "
            "values: numeric types"
        )
    return u


def _scatter(ref: Any, indices: Any, updates: Any, combine: Combine, op: str) -> Array:
    """``ref[indices] <- combine(ref[indices], updates)`` over the first axis."""
    current = variable_record(ref).value
    idx = _indices(indices)
    u = _updates(updates, current, op)
    if current.ndim == 0:
        raise ValueError(f"Shape must be at least rank 1 but is rank 0 for '{op}' (ref).")
    want = tuple(idx.shape) + tuple(current.shape[1:])
    if u.ndim != 0 and tuple(u.shape) != want:
        raise ValueError(
            "Must have updates.shape = indices.shape + params.shape[1:] or updates.shape = "
            f"[], got updates.shape {shape_text(u.shape)}, indices.shape "
            f"{shape_text(idx.shape)}, params.shape {shape_text(current.shape)} for '{op}'"
        )
    n = current.shape[0]
    if isinstance(idx, jax.core.Tracer):
        idx = jnp.where(idx < 0, n, idx)  # a negative index is out of range in TF
    else:
        flat = np.asarray(idx).reshape(-1)
        bad = np.flatnonzero((flat < 0) | (flat >= n))
        if bad.size:
            raise InvalidArgumentError(f"indices[{bad[0]}] = {flat[bad[0]]} is not in [0, {n})")
    new = combine(current, idx, jnp.broadcast_to(u, want))
    return assign(ref, new)


def _scatter_nd(ref: Any, indices: Any, updates: Any, combine: Combine, op: str) -> Array:
    """``ref[indices[..., :K]] <- combine(ref[...], updates)`` for index vectors of length
    ``K = indices.shape[-1]``."""
    current = variable_record(ref).value
    idx = _indices(indices)
    u = _updates(updates, current, op)
    if idx.ndim < 1:
        raise ValueError(f"Shape must be at least rank 1 but is rank 0 for '{op}' (indices).")
    k = idx.shape[-1]
    if k > current.ndim:
        raise ValueError(
            f"indices.shape[-1] must be <= params.rank, but saw indices shape: "
            f"{shape_text(idx.shape)} and params shape: {shape_text(current.shape)} for '{op}'"
        )
    want = tuple(idx.shape[:-1]) + tuple(current.shape[k:])
    if tuple(u.shape) != want:
        raise ValueError(
            f"updates of '{op}' must have shape indices.shape[:-1] + ref.shape[indices.shape"
            f"[-1]:] = {shape_text(want)}, got updates.shape {shape_text(u.shape)} "
            f"(indices.shape {shape_text(idx.shape)}, ref.shape {shape_text(current.shape)})"
        )
    bounds = np.asarray(current.shape[:k])
    if isinstance(idx, jax.core.Tracer):
        idx = jnp.where(idx < 0, bounds, idx)
    else:
        rows = np.asarray(idx).reshape(-1, k)
        bad = np.flatnonzero(((rows < 0) | (rows >= bounds)).any(axis=1))
        if bad.size:
            shown = ", ".join(str(v) for v in rows[bad[0]])
            raise InvalidArgumentError(
                f"indices[{bad[0]}] = [{shown}] does not index into shape "
                f"{shape_text(current.shape)}"
            )
    index = tuple(idx[..., i] for i in range(k))
    return assign(ref, combine(current, index, u))


def _scatter_op(combine: Combine, tf_name: str, op: str, what: str, nd: bool = False):
    kernel = _scatter_nd if nd else _scatter

    def scatter(
        ref: Any,
        indices: Any,
        updates: Any,
        use_locking: bool | None = None,
        name: str | None = None,
    ) -> Array:
        del use_locking, name
        return kernel(ref, indices, updates, combine, op)

    scatter.__name__ = scatter.__qualname__ = tf_name
    where = "``ref[indices[..., :K]]``" if nd else "the rows ``ref[indices]``"
    scatter.__doc__ = (
        f"``tf.compat.v1.{tf_name}``: {what} {where} of the variable ``ref`` "
        "(the value ``get_variable``/``Variable`` returned) and returns its new value, as "
        "``tf.assign`` does."
    )
    return tf_op(tf_name, family="other", default_name=op)(scatter)


scatter_update = _scatter_op(_set, "scatter_update", "ScatterUpdate", "sets")
scatter_add = _scatter_op(_add, "scatter_add", "ScatterAdd", "adds ``updates`` to")
scatter_sub = _scatter_op(_sub, "scatter_sub", "ScatterSub", "subtracts ``updates`` from")
scatter_mul = _scatter_op(_mul, "scatter_mul", "ScatterMul", "multiplies by ``updates``")
scatter_div = _scatter_op(_div, "scatter_div", "ScatterDiv", "divides by ``updates``")
scatter_max = _scatter_op(
    _max, "scatter_max", "ScatterMax", "takes the maximum with ``updates`` of"
)
scatter_min = _scatter_op(
    _min, "scatter_min", "ScatterMin", "takes the minimum with ``updates`` of"
)
scatter_nd_update = _scatter_op(_set, "scatter_nd_update", "ScatterNdUpdate", "sets", nd=True)
scatter_nd_add = _scatter_op(_add, "scatter_nd_add", "ScatterNdAdd", "adds ``updates`` to", nd=True)
scatter_nd_sub = _scatter_op(
    _sub, "scatter_nd_sub", "ScatterNdSub", "subtracts ``updates`` from", nd=True
)


# --- check_numerics ---------------------------------------------------------------------------
def _numerics_text(message: str, has_nan: bool, has_inf: bool) -> str | None:
    if has_inf and has_nan:
        found = "Inf and NaN"
    elif has_nan:
        found = "NaN"
    elif has_inf:
        found = "Inf"
    else:
        return None
    return f"{message} : Tensor had {found} values"


@tf_op("check_numerics", "debugging.check_numerics", family="other", default_name="CheckNumerics")
def check_numerics(tensor: Any, message: str, name: str | None = None) -> Array:
    """``tf.compat.v1.check_numerics`` (``tf.debugging.check_numerics``): returns
    ``tensor`` unchanged, and raises ``tf.errors.InvalidArgumentError`` ("<message> : Tensor
    had NaN values", "Inf values" or "Inf and NaN values") when it holds a NaN or an Inf.

    A concrete value is checked at once. A traced one (under ``jax.jit``, ``jax.grad``,
    ``flaxscope.transform``'s traced calls) is checked when the computation runs, by a host
    callback: under ``jax.jit`` the error surfaces as JAX's runtime error
    (``jax.errors.JaxRuntimeError``) whose text contains TF's. The gradient passes through
    unchanged (TF also checks the gradient; this op does not).
    """
    del name
    x = to_tensor(tensor)
    check_dtype(x, REAL_FLOATING, "tensor")
    if not isinstance(x, jax.core.Tracer):
        values = np.asarray(x, np.float32)
        text = _numerics_text(message, bool(np.isnan(values).any()), bool(np.isinf(values).any()))
        if text is not None:
            raise InvalidArgumentError(text)
        return x

    def fail(has_nan: Any, has_inf: Any) -> None:
        text = _numerics_text(message, bool(has_nan), bool(has_inf))
        if text is not None:
            raise InvalidArgumentError(text)

    jax.debug.callback(fail, jnp.any(jnp.isnan(x)), jnp.any(jnp.isinf(x)))
    return x
