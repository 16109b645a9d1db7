"""TF1's array-construction ops: ``tf.constant``, ``convert_to_tensor``, ``fill``,
``zeros``/``ones`` (and ``_like``), ``identity``, ``range``, ``linspace``, ``one_hot``,
``meshgrid``, ``sequence_mask``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes
from flaxscope.ops._registry import tf_op
from flaxscope.ops.array._common import (
    canonical_dtype,
    concrete_value,
    convert,
    int_list,
    static_int,
    tf_dtype_of_python,
)


@tf_op("constant", family="array", default_name="Const")
def constant(
    value: Any,
    dtype: Any = None,
    shape: Any = None,
    name: str = "Const",
    verify_shape: bool = False,
) -> jax.Array:
    """``tf.constant`` (TF1): ``value`` as an array of ``dtype``.

    With ``shape``: a value of that many elements is reshaped, a single value fills it,
    fewer values are padded with the last one (TF1 graph mode), more is TF's error.
    """
    array = convert(value, dtype)
    # Under jit a float constant may already be a tracer: keep it one (NumPy cannot hold it).
    xp = jnp if isinstance(array, jax.core.Tracer) else np
    if xp is np and isinstance(array, jax.Array):
        array = np.asarray(array)
    if shape is None:
        return _static_or_jax(array)
    dims = int_list(shape, "shape")
    count = math.prod(dims)
    if verify_shape and list(array.shape) != dims:
        raise TypeError(f"Expected Tensor's shape: {tuple(dims)}, got {array.shape}.")
    flat = array.reshape(-1)
    if flat.size > count:
        raise ValueError(f"Too many elements provided. Takes at most {count}, but got {flat.size}.")
    if 0 < flat.size < count:
        flat = xp.concatenate([flat, xp.repeat(flat[-1:], count - flat.size)])
    return _static_or_jax(flat.reshape(dims))


def _static_or_jax(array: np.ndarray) -> Any:
    """Integer and bool constants stay NumPy (static shape arithmetic under jit)."""
    if array.dtype.kind in "iub":
        return array.astype(canonical_dtype(array.dtype), copy=False)
    return jnp.asarray(array)


@tf_op("convert_to_tensor", family="array", default_name="Const")
def convert_to_tensor(
    value: Any,
    dtype: Any = None,
    name: str | None = None,
    preferred_dtype: Any = None,
    dtype_hint: Any = None,
) -> Any:
    """``tf.convert_to_tensor``: ``value`` as an array with TF's dtype rules.

    ``dtype`` must match an array's dtype (TF's ``ValueError`` otherwise);
    ``preferred_dtype``/``dtype_hint`` is used when the value converts to it.
    """
    if dtype is None:
        hint = dtype_hint if dtype_hint is not None else preferred_dtype
        if hint is not None:
            try:
                return jnp.asarray(convert(value, hint))
            except (TypeError, ValueError):
                pass
    return jnp.asarray(convert(value, dtype))


@tf_op("fill", family="array", default_name="Fill")
def fill(dims: Any, value: Any, name: str | None = None) -> jax.Array:
    """``tf.fill``: an array of shape ``dims`` filled with the scalar ``value``."""
    value = convert(value)
    return jnp.full(int_list(dims, "dims"), value, dtype=value.dtype)


def _shape_arg(shape: Any) -> list[int]:
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    return int_list(shape, "shape")


@tf_op("zeros", family="array", default_name="zeros")
def zeros(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> jax.Array:
    """``tf.zeros``: zeros of ``shape`` and ``dtype`` (``float32``)."""
    return jnp.zeros(_shape_arg(shape), canonical_dtype(dtype))


@tf_op("ones", family="array", default_name="ones")
def ones(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> jax.Array:
    """``tf.ones``: ones of ``shape`` and ``dtype`` (``float32``)."""
    return jnp.ones(_shape_arg(shape), canonical_dtype(dtype))


@tf_op("zeros_like", family="array", default_name="zeros_like")
def zeros_like(
    tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True
) -> jax.Array:
    """``tf.zeros_like``: zeros of ``tensor``'s shape, its dtype unless ``dtype``."""
    tensor = convert(tensor)
    return jnp.zeros_like(tensor, None if dtype is None else canonical_dtype(dtype))


@tf_op("ones_like", family="array", default_name="ones_like")
def ones_like(
    tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True
) -> jax.Array:
    """``tf.ones_like``: ones of ``tensor``'s shape, its dtype unless ``dtype``."""
    tensor = convert(tensor)
    return jnp.ones_like(tensor, None if dtype is None else canonical_dtype(dtype))


@tf_op("identity", family="array", default_name="Identity")
def identity(input: Any, name: str | None = None) -> Any:
    """``tf.identity``: the same values (a variable's value for a variable record)."""
    return convert(input)


@tf_op("identity_n", family="array", default_name="IdentityN")
def identity_n(input: Sequence[Any], name: str | None = None) -> list:
    """``tf.identity_n``: each value of the list unchanged."""
    return [convert(v) for v in input]


@tf_op("stop_gradient", family="array", default_name="StopGradient")
def stop_gradient(input: Any, name: str | None = None) -> jax.Array:
    """``tf.stop_gradient``: ``jax.lax.stop_gradient``."""
    return jax.lax.stop_gradient(convert(input))


@tf_op("no_op", family="array", default_name="NoOp")
def no_op(name: str | None = None) -> None:
    """``tf.no_op``: nothing to run in JAX; returns ``None`` (``tf.group`` of nothing)."""
    return None


_RANGE_ORDER = [np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.float32), np.dtype(np.float64)]


@tf_op("range", family="array", default_name="range")
def range(
    start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range"
) -> jax.Array:
    """``tf.range``: ``[start, limit)`` by ``delta``; ``tf.range(n)`` counts from 0.

    Without ``dtype`` the result takes the widest of the arguments' dtypes in TF's order
    ``int32 < int64 < float32 < float64`` (Python ints are ``int32``, floats ``float32``).
    """
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    if dtype is None:
        kinds = []
        for a in args:
            d = tf_dtype_of_python(a)
            kinds.append(d if d is not None else np.dtype(a.dtype))
        dtype = max(kinds, key=lambda d: _RANGE_ORDER.index(d) if d in _RANGE_ORDER else -1)
    else:
        dtype = canonical_dtype(dtype)
    try:
        values = [np.asarray(a).item() for a in args]
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as e:
        raise ValueError(
            "tf.range needs start, limit and delta known when the function is traced (JAX "
            "shapes are static): use Python numbers or tf.shape(x)."
        ) from e
    if values[2] == 0:
        raise ValueError("Requires delta != 0")
    result = np.arange(*values, dtype=canonical_dtype(dtype))
    return result if result.dtype.kind in "iu" else jnp.asarray(result)


@tf_op("linspace", "lin_space", family="array", default_name="linspace")
def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> jax.Array:
    """``tf.linspace``/``tf.lin_space``: ``num`` evenly spaced values from ``start`` to
    ``stop`` inclusive, in ``start``'s dtype."""
    start, stop = convert(start), convert(stop)
    return jnp.linspace(start, stop, static_int(num, "num"), axis=axis, dtype=start.dtype)


@tf_op("one_hot", family="array", default_name="one_hot")
def one_hot(
    indices: Any,
    depth: Any,
    on_value: Any = None,
    off_value: Any = None,
    axis: int | None = None,
    dtype: Any = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.one_hot``: ``on_value`` where ``indices`` selects, ``off_value`` elsewhere.

    The new axis of size ``depth`` goes at ``axis`` (last by default); indices outside
    ``[0, depth)`` give all ``off_value``. The dtype is ``dtype``, else ``on_value``'s or
    ``off_value``'s, else ``float32``.
    """
    indices = convert(indices)
    if np.dtype(indices.dtype).name not in ("uint8", "int8", "int32", "int64"):
        raise TypeError(
            "Value passed to parameter 'indices' has DataType "
            f"{np.dtype(indices.dtype).name} not in list of allowed values: uint8, int8, "
            "int32, int64"
        )
    if dtype is None:
        for given in (on_value, off_value):
            if given is not None:
                given_dtype = tf_dtype_of_python(given)
                dtype = given_dtype if given_dtype is not None else np.dtype(given.dtype)
                break
        else:
            dtype = np.dtype(np.float32)
    dtype = canonical_dtype(dtype)
    depth = static_int(depth, "depth")
    hot = jnp.asarray(indices)[..., None] == jnp.arange(depth, dtype=indices.dtype)
    if on_value is None and off_value is None:
        out = hot.astype(dtype)  # 1 and 0: a cast, no select
    else:
        on = jnp.asarray(1 if on_value is None else on_value, dtype)
        off = jnp.asarray(0 if off_value is None else off_value, dtype)
        out = jnp.where(hot, on, off)
    if axis is not None and axis != -1:
        out = jnp.moveaxis(out, -1, axis)
    return out


@tf_op("meshgrid", family="array", default_name="meshgrid")
def meshgrid(*args: Any, **kwargs: Any) -> list:
    """``tf.meshgrid(*args, indexing="xy", name=None)``."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        key = next(iter(kwargs))
        raise TypeError(f"'{key}' is an invalid keyword argument for this function")
    return list(jnp.meshgrid(*[convert(a) for a in args], indexing=indexing))


@tf_op("sequence_mask", family="array", default_name="SequenceMask")
def sequence_mask(
    lengths: Any, maxlen: Any = None, dtype: Any = dtypes.bool_, name: str | None = None
) -> jax.Array:
    """``tf.sequence_mask``: ``mask[..., j] = j < lengths[...]``, ``maxlen`` columns
    (``max(lengths)`` when not given, which needs concrete lengths)."""
    lengths = jnp.asarray(convert(lengths))
    if maxlen is None:
        # As TF: ``range(max(lengths))`` compared in the lengths' dtype (float lengths give
        # ceil(max) columns and are not truncated)
        top = concrete_value(lengths, "sequence_mask", "pass maxlen").max(initial=0)
        columns = jnp.arange(max(int(np.ceil(top)), 0), dtype=lengths.dtype)
    else:
        # As TF: the lengths are cast to maxlen's integer dtype (float lengths truncate)
        columns = jnp.arange(static_int(maxlen, "maxlen"))
        if not jnp.issubdtype(lengths.dtype, jnp.integer):
            lengths = lengths.astype(columns.dtype)
    mask = columns < lengths[..., None]
    return mask.astype(canonical_dtype(dtype))
