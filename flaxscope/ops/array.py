"""TF1's array ops (``tf.reshape``, ``tf.concat``, ``tf.gather``, ``tf.shape``, ...).

Each op is a function on JAX arrays registered with
:func:`~flaxscope.ops._registry.tf_op` under its TF1 path, with TF1's argument names
(legacy ones too: ``dim``, ``squeeze_dims``, ``seq_dim``), TF's dtype rules (a Python
float is ``float32``, an int ``int32``) and TF's error texts for bad static shapes.

Shapes are static in JAX. ``tf.shape(x)``, ``tf.size`` and ``tf.rank`` therefore return
NumPy integers, and the shape-building ops (``concat``, ``stack``, ``gather``, slicing,
...) compute on NumPy when all their inputs are NumPy integers, so TF1's shape arithmetic
(``tf.reshape(x, tf.concat([tf.shape(x)[:-1], [4, -1]], 0))``) stays static under
``jax.jit``. Ops whose output size depends on values (``tf.where(cond)``,
``tf.boolean_mask``, ``tf.unique``, ``tf.dynamic_partition``) run on concrete arrays and
say so, with the fix, when traced.
"""

from __future__ import annotations

import builtins
import collections
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes
from flaxscope.ops._convert import renamed
from flaxscope.ops._registry import reserve_op_name, tf_op
from flaxscope.tensor_shape import Dimension, TensorShape

# --------------------------------------------------------------------------- helpers


def _tf_dtype_of_python(value: Any) -> np.dtype | None:
    """TF's dtype for a Python scalar or (nested) list, ``None`` for arrays."""
    if isinstance(value, (jax.Array, np.ndarray, np.generic)):
        return None
    flat = np.asarray(value, dtype=object).ravel() if isinstance(value, (list, tuple)) else [value]
    kinds = set()
    for item in flat:
        if isinstance(item, (jax.Array, np.ndarray, np.generic)):
            return None
        kinds.add(type(item))
    if not kinds:
        return np.dtype(np.float32)
    if kinds <= {bool}:
        return np.dtype(bool)
    if any(k is complex for k in kinds):
        return np.dtype(np.complex128)
    if any(k is float for k in kinds):
        return np.dtype(np.float32)
    if kinds <= {int, bool}:
        big = any(not -(2**31) <= int(v) < 2**31 for v in flat)
        return np.dtype(np.int64 if big else np.int32)
    return None


def _is_static(value: Any) -> bool:
    """True for NumPy values and Python numbers/lists of them (no JAX array inside)."""
    if isinstance(value, jax.Array):
        return False
    if isinstance(value, (list, tuple)):
        return all(_is_static(v) for v in value)
    return isinstance(value, (np.ndarray, np.generic, int, float, bool, complex))


def _static_int_like(*values: Any) -> bool:
    """True when every value is NumPy/Python and integer or bool: shape arithmetic."""
    for value in values:
        if not _is_static(value):
            return False
        if np.asarray(value).dtype.kind not in "iub":
            return False
    return True


def convert(value: Any, dtype: Any = None) -> Any:
    """A value as TF1's ``convert_to_tensor`` would see it, on JAX (or NumPy for shapes).

    Python scalars and lists take TF's dtypes (``float32``, ``int32``, ``bool``); NumPy and
    JAX arrays keep theirs (JAX's 64-bit setting applies). With ``dtype``, Python values
    are made that dtype; an array of another dtype is TF's ``ValueError``.
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    inferred = _tf_dtype_of_python(value)
    if inferred is not None:
        target = dtype if dtype is not None else inferred
        if dtype is not None and dtypes.is_integer(dtype) and inferred.kind == "f":
            raise TypeError(f"Expected {dtype.name}, but got {value!r} of type 'float'.")
        array = np.asarray(value, dtype=target)
        if target.kind in "iub":  # static: shape arithmetic stays NumPy under jit
            return array.astype(_canon(target), copy=False)
        return jnp.asarray(array, _canon(target))
    if isinstance(value, (list, tuple)):  # holds arrays: stack them as TF packs them
        value = np.asarray(value) if _is_static(value) else jnp.asarray(value)
    if (
        dtype is not None
        and np.dtype(value.dtype) != dtype
        and not (_canon(value.dtype) == _canon(dtype))
    ):
        raise ValueError(
            f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
            f"{np.dtype(value.dtype).name}: {value!r}"
        )
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind in "iub":
            return np.asarray(value, _canon(value.dtype))
        return jnp.asarray(value)
    return jnp.asarray(value) if not isinstance(value, jax.Array) else value


def _canon(dtype: Any) -> np.dtype:
    """The dtype JAX gives ``dtype`` (64-bit types become 32-bit unless x64 is on)."""
    return np.dtype(jax.dtypes.canonicalize_dtype(dtypes.as_dtype(dtype)))


def _xp(*values: Any) -> Any:
    """NumPy for static integer inputs (shape arithmetic), else ``jax.numpy``."""
    return np if _static_int_like(*values) else jnp


def _ints(value: Any, what: str) -> list[int]:
    """A static list of ints (a shape, perm, begin, ...) from lists, NumPy or concrete JAX
    arrays, ``TensorShape``; a traced value is an error that says shapes must be static."""
    if isinstance(value, TensorShape):
        dims = value.as_list()
        if any(d is None for d in dims):
            raise ValueError(f"{what} {value} is not fully defined; JAX needs every size.")
        return dims  # type: ignore[return-value]
    if isinstance(value, Dimension):
        if value.value is None:
            raise ValueError(f"{what} has an unknown Dimension; JAX needs every size.")
        return [value.value]
    if isinstance(value, (list, tuple)):  # items may be Dimensions, NumPy or JAX scalars
        return [i for item in value for i in _ints(item, what)]
    try:
        array = np.asarray(value)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as e:
        raise ValueError(
            f"{what} must be known when the function is traced (JAX shapes are static): "
            "build it from x.shape, tf.shape(x) or Python ints, not from traced values."
        ) from e
    if array.dtype == object:  # a list holding traced scalars
        raise ValueError(
            f"{what} must be known when the function is traced (JAX shapes are static): "
            "build it from x.shape, tf.shape(x) or Python ints, not from traced values."
        )
    return [int(v) for v in array.reshape(-1)]


def _int(value: Any, what: str) -> int:
    if isinstance(value, (int, np.integer)):
        return int(value)
    values = _ints(value, what)
    if len(values) != 1:
        raise ValueError(f"{what} must be a scalar, got {values}")
    return values[0]


def _shape_str(shape: Sequence[int]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise ValueError(f"{what} {axis} not in the interval [{-rank}, {rank - 1}].")
    return axis % rank


def _merge_shapes(a: Sequence[int], b: Sequence[int]) -> None:
    """TF's shape-inference errors for two shapes that must be equal."""
    if len(a) != len(b):
        raise ValueError(f"Shapes must be equal rank, but are {len(a)} and {len(b)}")
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            raise ValueError(
                f"Dimension {i} in both shapes must be equal, but are {x} and {y}. "
                f"Shapes are {_shape_str(a)} and {_shape_str(b)}."
            )


def _same_dtypes(values: Sequence[Any], param: str, op_type: str) -> None:
    names = [np.dtype(v.dtype).name for v in values]
    if len(set(names)) > 1:
        raise TypeError(
            f"Tensors in list passed to '{param}' of '{op_type}' Op have types "
            f"[{', '.join(names)}] that don't all match."
        )


def _convert_list(values: Sequence[Any]) -> list[Any]:
    """TF's ``convert_n_to_tensor`` for a list: Python items take the arrays' dtype."""
    values = list(values)
    hint = next(
        (np.dtype(v.dtype) for v in values if isinstance(v, (jax.Array, np.ndarray, np.generic))),
        None,
    )
    out = []
    for v in values:
        if hint is not None and _tf_dtype_of_python(v) is not None:
            try:
                v = convert(v, hint)
            except TypeError:
                v = convert(v)
        else:
            v = convert(v)
        out.append(v)
    return out


def _dynamic(op: str, fix: str) -> ValueError:
    return ValueError(
        f"tf.{op} returns an array whose size depends on the values, which JAX cannot trace "
        f"(jit, grad, vmap, transform): call it outside the traced function, or {fix}."
    )


def _concrete(value: Any, op: str, fix: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as e:
        raise _dynamic(op, fix) from e


# ------------------------------------------------------------------- shape and rank


@tf_op("shape", family="array", default_name="Shape")
def shape(input: Any, name: str | None = None, out_type: Any = dtypes.int32) -> np.ndarray:
    """``tf.shape``: the shape as a 1-D integer array (``out_type``, ``int32`` by default).

    A NumPy array: JAX's shapes are static, so TF1's ``tf.shape(x)[0]`` is a plain
    number under ``jax.jit`` too and can build other shapes.
    """
    return np.asarray(np.shape(input), dtype=_canon(out_type))


@tf_op("shape_n", family="array", default_name="ShapeN")
def shape_n(input: Sequence[Any], out_type: Any = dtypes.int32, name: str | None = None) -> list:
    """``tf.shape_n``: ``[tf.shape(t) for t in input]``."""
    dtype = _canon(out_type)
    return [np.asarray(np.shape(t), dtype=dtype) for t in input]


@tf_op("rank", family="array", default_name="Rank")
def rank(input: Any, name: str | None = None) -> np.ndarray:
    """``tf.rank``: the number of dimensions, an ``int32`` scalar (static)."""
    return np.int32(np.ndim(input))


@tf_op("size", family="array", default_name="Size")
def size(input: Any, name: str | None = None, out_type: Any = dtypes.int32) -> np.ndarray:
    """``tf.size``: the number of elements (``out_type``, ``int32`` by default; static)."""
    return np.asarray(np.size(input), dtype=_canon(out_type))[()]


@tf_op("ensure_shape", family="array", default_name="EnsureShape")
def ensure_shape(x: Any, shape: Any, name: str | None = None) -> Any:
    """``tf.ensure_shape``: ``x`` after checking its shape against ``shape`` (``None``
    sizes match anything). Also what TF1's ``x.set_shape(shape)`` becomes:
    ``x = tf.ensure_shape(x, shape)``."""
    x = convert(x)
    expected = TensorShape(shape)
    if expected.rank is not None:
        actual = list(np.shape(x))
        want = expected.as_list()
        if len(want) != len(actual):
            raise ValueError(f"Shapes must be equal rank, but are {len(want)} and {len(actual)}")
        for i, (w, a) in enumerate(zip(want, actual, strict=False)):
            if w is not None and w != a:
                raise ValueError(
                    f"Dimension {i} in both shapes must be equal, but are {w} and {a}. "
                    f"Shapes are {_shape_str(['?' if d is None else d for d in want])} and "
                    f"{_shape_str(actual)}."
                )
    return x


@tf_op("broadcast_static_shape", family="array")
def broadcast_static_shape(shape_x: Any, shape_y: Any) -> TensorShape:
    """``tf.broadcast_static_shape``: the broadcast of two ``TensorShape``s."""
    a, b = TensorShape(shape_x), TensorShape(shape_y)
    try:
        return TensorShape(np.broadcast_shapes(tuple(a.as_list()), tuple(b.as_list())))
    except ValueError as e:
        raise ValueError(
            "Incompatible shapes for broadcasting. Two shapes are compatible if for each "
            "dimension pair they are either equal or one of them is 1. Received: "
            f"{tuple(a.as_list())} and {tuple(b.as_list())}."
        ) from e


@tf_op("broadcast_dynamic_shape", family="array", default_name="BroadcastArgs")
def broadcast_dynamic_shape(shape_x: Any, shape_y: Any) -> np.ndarray:
    """``tf.broadcast_dynamic_shape``: the broadcast of two shape vectors (static here)."""
    a, b = _ints(shape_x, "shape_x"), _ints(shape_y, "shape_y")
    dtype = np.asarray(convert(shape_x)).dtype
    return np.asarray(np.broadcast_shapes(tuple(a), tuple(b)), dtype=dtype)


# --------------------------------------------------------------------- construction


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
    dims = _ints(shape, "shape")
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
        return array.astype(_canon(array.dtype), copy=False)
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
    return jnp.full(_ints(dims, "dims"), value, dtype=value.dtype)


def _shape_arg(shape: Any) -> list[int]:
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    return _ints(shape, "shape")


@tf_op("zeros", family="array", default_name="zeros")
def zeros(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> jax.Array:
    """``tf.zeros``: zeros of ``shape`` and ``dtype`` (``float32``)."""
    return jnp.zeros(_shape_arg(shape), _canon(dtype))


@tf_op("ones", family="array", default_name="ones")
def ones(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> jax.Array:
    """``tf.ones``: ones of ``shape`` and ``dtype`` (``float32``)."""
    return jnp.ones(_shape_arg(shape), _canon(dtype))


@tf_op("zeros_like", family="array", default_name="zeros_like")
def zeros_like(
    tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True
) -> jax.Array:
    """``tf.zeros_like``: zeros of ``tensor``'s shape, its dtype unless ``dtype``."""
    tensor = convert(tensor)
    return jnp.zeros_like(tensor, None if dtype is None else _canon(dtype))


@tf_op("ones_like", family="array", default_name="ones_like")
def ones_like(
    tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True
) -> jax.Array:
    """``tf.ones_like``: ones of ``tensor``'s shape, its dtype unless ``dtype``."""
    tensor = convert(tensor)
    return jnp.ones_like(tensor, None if dtype is None else _canon(dtype))


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
            d = _tf_dtype_of_python(a)
            kinds.append(d if d is not None else np.dtype(a.dtype))
        dtype = max(kinds, key=lambda d: _RANGE_ORDER.index(d) if d in _RANGE_ORDER else -1)
    else:
        dtype = _canon(dtype)
    try:
        values = [np.asarray(a).item() for a in args]
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as e:
        raise ValueError(
            "tf.range needs start, limit and delta known when the function is traced (JAX "
            "shapes are static): use Python numbers or tf.shape(x)."
        ) from e
    if values[2] == 0:
        raise ValueError("Requires delta != 0")
    result = np.arange(*values, dtype=_canon(dtype))
    return result if result.dtype.kind in "iu" else jnp.asarray(result)


@tf_op("linspace", "lin_space", family="array", default_name="linspace")
def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> jax.Array:
    """``tf.linspace``/``tf.lin_space``: ``num`` evenly spaced values from ``start`` to
    ``stop`` inclusive, in ``start``'s dtype."""
    start, stop = convert(start), convert(stop)
    return jnp.linspace(start, stop, _int(num, "num"), axis=axis, dtype=start.dtype)


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
                given_dtype = _tf_dtype_of_python(given)
                dtype = given_dtype if given_dtype is not None else np.dtype(given.dtype)
                break
        else:
            dtype = np.dtype(np.float32)
    dtype = _canon(dtype)
    depth = _int(depth, "depth")
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
    lengths = convert(lengths)
    if maxlen is None:
        maxlen = int(_concrete(lengths, "sequence_mask", "pass maxlen").max(initial=0))
    else:
        maxlen = _int(maxlen, "maxlen")
    mask = jnp.arange(maxlen) < jnp.asarray(lengths)[..., None]
    return mask.astype(_canon(dtype))


# ------------------------------------------------------------------ reshaping


@tf_op("reshape", "manip.reshape", family="array", default_name="Reshape")
def reshape(tensor: Any, shape: Any, name: str | None = None) -> Any:
    """``tf.reshape``: one ``-1`` in ``shape`` takes the remaining size."""
    tensor = convert(tensor)
    dims = _ints(shape, "shape")
    count = int(np.size(tensor))
    known = math.prod(d for d in dims if d != -1)
    if dims.count(-1) > 1:
        raise ValueError(f"Cannot infer multiple unknown dimensions in shape {_shape_str(dims)}")
    if -1 in dims:
        if known == 0 or count % known:
            raise ValueError(f"Dimension size must be evenly divisible by {known} but is {count}")
    elif known != count:
        raise ValueError(
            f"Cannot reshape a tensor with {count} elements to shape {_shape_str(dims)} "
            f"({known} elements)"
        )
    return _xp(tensor).reshape(tensor, dims)


@tf_op("expand_dims", family="array", default_name="ExpandDims")
def expand_dims(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dim: Any = None,
) -> Any:
    """``tf.expand_dims``: a size-1 axis at ``axis`` (TF1's ``dim`` accepted)."""
    axis = renamed("axis", axis, "dim", dim)
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    input = convert(input)
    ndim = np.ndim(input)
    axis = _int(axis, "axis")
    if not -ndim - 1 <= axis <= ndim:
        raise ValueError(f"dim {axis} not in the interval [{-ndim - 1}, {ndim}].")
    return _xp(input).expand_dims(input, axis)


@tf_op("squeeze", family="array", default_name="Squeeze")
def squeeze(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    squeeze_dims: Any = None,
) -> Any:
    """``tf.squeeze``: drops the size-1 axes (all, or those in ``axis``/``squeeze_dims``)."""
    axis = renamed("axis", axis, "squeeze_dims", squeeze_dims)
    input = convert(input)
    shape_ = np.shape(input)
    if axis is None or (isinstance(axis, (list, tuple)) and not axis):
        axes = tuple(i for i, d in enumerate(shape_) if d == 1)
    else:
        axes = tuple(_normalize_axis(a, len(shape_), "dim") for a in _ints(axis, "axis"))
        for a in axes:
            if shape_[a] != 1:
                raise ValueError(
                    f"Can not squeeze dim[{a}], expected a dimension of 1, got {shape_[a]}"
                )
    return _xp(input).squeeze(input, axes)


@tf_op("transpose", family="array", default_name="transpose")
def transpose(a: Any, perm: Any = None, name: str = "transpose", conjugate: bool = False) -> Any:
    """``tf.transpose``: axes permuted by ``perm`` (reversed by default); ``conjugate``
    also conjugates complex values."""
    a = convert(a)
    ndim = np.ndim(a)
    if perm is None:
        axes = list(builtins.range(ndim))[::-1]
    else:
        axes = _ints(perm, "perm")
        if len(axes) != ndim:
            raise ValueError(f"Dimension must be {ndim} but is {len(axes)}")
    out = _xp(a).transpose(a, axes)
    if conjugate and jnp.iscomplexobj(out):
        out = jnp.conj(out)
    return out


@tf_op("concat", family="array", default_name="concat")
def concat(values: Any, axis: Any, name: str = "concat") -> Any:
    """``tf.concat``: ``values`` joined along ``axis`` (negative counts from the end)."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    values = _convert_list(values)
    axis = _int(axis, "axis")
    if len(values) == 1:
        return values[0]
    _same_dtypes(values, "values", "ConcatV2")
    ndim = np.ndim(values[0])
    for v in values[1:]:
        if np.ndim(v) != ndim:
            raise ValueError(f"Shape must be rank {ndim} but is rank {np.ndim(v)}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"ConcatOp : Expected concatenating dimensions in the range [{-ndim}, {ndim}), "
            f"but got {axis}"
        )
    axis %= ndim
    rest = [np.shape(v)[:axis] + np.shape(v)[axis + 1 :] for v in values]
    for other in rest[1:]:
        _merge_shapes(rest[0], other)
    return _xp(*values).concatenate(values, axis=axis)


@tf_op("stack", family="array", default_name="stack")
def stack(values: Sequence[Any], axis: int = 0, name: str = "stack") -> Any:
    """``tf.stack``: arrays of one shape joined along a new axis ``axis``."""
    values = _convert_list(values)
    _same_dtypes(values, "values", "Pack")
    first = np.shape(values[0])
    for v in values[1:]:
        _merge_shapes(first, np.shape(v))
    ndim = len(first) + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-ndim}, {ndim})")
    return _xp(*values).stack(values, axis=axis)


@tf_op("parallel_stack", family="array", default_name="parallel_stack")
def parallel_stack(values: Sequence[Any], name: str = "parallel_stack") -> Any:
    """``tf.parallel_stack``: ``tf.stack(values, axis=0)``."""
    values = _convert_list(values)
    return _xp(*values).stack(values, axis=0)


@tf_op("unstack", family="array", default_name="unstack")
def unstack(value: Any, num: Any = None, axis: int = 0, name: str = "unstack") -> list:
    """``tf.unstack``: the slices of ``value`` along ``axis``, as a list."""
    value = convert(value)
    shape_ = np.shape(value)
    axis = _normalize_axis(axis, len(shape_), "axis")
    if num is not None and num != shape_[axis]:
        raise ValueError(f"Dimension must be {num} but is {shape_[axis]}")
    xp = _xp(value)
    return [xp.take(value, i, axis=axis) for i in builtins.range(shape_[axis])]


@tf_op("split", family="array", default_name="split")
def split(
    value: Any,
    num_or_size_splits: Any,
    axis: Any = 0,
    num: Any = None,
    name: str = "split",
) -> list:
    """``tf.split``: ``value`` cut along ``axis`` into equal pieces (an int) or pieces of
    the given sizes (a list; one ``-1`` takes the rest)."""
    value = convert(value)
    shape_ = np.shape(value)
    axis = _normalize_axis(_int(axis, "axis"), len(shape_), "axis")
    total = shape_[axis]
    if isinstance(num_or_size_splits, (int, np.integer)) or np.ndim(num_or_size_splits) == 0:
        pieces = _int(num_or_size_splits, "num_or_size_splits")
        if pieces <= 0 or total % pieces:
            raise ValueError(f"Dimension size must be evenly divisible by {pieces} but is {total}")
        sizes = [total // pieces] * pieces
    else:
        sizes = _ints(num_or_size_splits, "num_or_size_splits")
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = total - (sum(sizes) + 1)
        if sum(sizes) != total or min(sizes, default=0) < 0:
            raise ValueError(
                f"can't split axis of size {total} into pieces of size "
                f"{_shape_str(_ints(num_or_size_splits, 'num_or_size_splits'))}"
            )
    xp = _xp(value)
    cuts = np.cumsum(sizes)[:-1].tolist()
    return list(xp.split(value, cuts, axis=axis))


@tf_op("tile", "manip.tile", family="array", default_name="Tile")
def tile(input: Any, multiples: Any, name: str | None = None) -> Any:
    """``tf.tile``: ``input`` repeated ``multiples[i]`` times along axis ``i``."""
    input = convert(input)
    reps = _ints(multiples, "multiples")
    if len(reps) != np.ndim(input):
        raise ValueError(f"Shape must be rank {np.ndim(input)} but is rank {len(reps)}")
    return _xp(input).tile(input, reps)


@tf_op("broadcast_to", family="array", default_name="BroadcastTo")
def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Any:
    """``tf.broadcast_to``: ``input`` broadcast to ``shape``."""
    input = convert(input)
    dims = _ints(shape, "shape")
    have = np.shape(input)
    for a, b in zip(reversed(have), reversed(dims), strict=False):
        if a not in (1, b):
            raise ValueError(f"Dimensions must be equal, but are {a} and {b}")
    if len(have) > len(dims):
        raise ValueError(f"Shape must be at most rank {len(dims)} but is rank {len(have)}")
    return _xp(input).broadcast_to(input, dims)


@tf_op("pad", family="array", default_name="Pad")
def pad(
    tensor: Any,
    paddings: Any,
    mode: str = "CONSTANT",
    name: str | None = None,
    constant_values: Any = 0,
) -> jax.Array:
    """``tf.pad``: ``paddings[i] = [before, after]`` for axis ``i``; ``mode`` is
    ``"CONSTANT"`` (with ``constant_values``), ``"REFLECT"`` or ``"SYMMETRIC"``."""
    tensor = convert(tensor)
    widths = np.asarray(_ints(paddings, "paddings")).reshape(-1, 2)
    if widths.shape[0] != np.ndim(tensor):
        raise ValueError(
            f"The first dimension of paddings must be the rank of inputs"
            f"{_shape_str(widths.shape)}, {_shape_str(np.shape(tensor))}"
        )
    key = mode.upper() if isinstance(mode, str) else mode
    pairs = [tuple(w) for w in widths.tolist()]
    if key == "CONSTANT":
        return jnp.pad(tensor, pairs, mode="constant", constant_values=constant_values)
    if key in ("REFLECT", "SYMMETRIC"):
        return jnp.pad(tensor, pairs, mode=key.lower())
    raise ValueError(
        'Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", or '
        f'"SYMMETRIC". Received `mode` = {mode}'
    )


@tf_op("reverse", "reverse_v2", "manip.reverse", family="array", default_name="ReverseV2")
def reverse(tensor: Any, axis: Any, name: str | None = None) -> Any:
    """``tf.reverse``/``tf.reverse_v2``: ``tensor`` flipped along the axes in ``axis``."""
    tensor = convert(tensor)
    ndim = np.ndim(tensor)
    axes = tuple(_normalize_axis(a, ndim, "axis") for a in _ints(axis, "axis"))
    return _xp(tensor).flip(tensor, axes)


@tf_op("reverse_sequence", family="array", default_name="ReverseSequence")
def reverse_sequence(
    input: Any,
    seq_lengths: Any,
    seq_axis: int | None = None,
    batch_axis: int | None = None,
    name: str | None = None,
    seq_dim: int | None = None,
    batch_dim: int | None = None,
) -> jax.Array:
    """``tf.reverse_sequence``: for each ``b`` along ``batch_axis``, the first
    ``seq_lengths[b]`` entries along ``seq_axis`` reversed (``seq_dim``/``batch_dim`` are
    TF1's names)."""
    seq_axis = renamed("seq_axis", seq_axis, "seq_dim", seq_dim)
    batch_axis = renamed("batch_axis", batch_axis, "batch_dim", batch_dim)
    if batch_axis is None:
        batch_axis = 0
    x = jnp.asarray(convert(input))
    ndim = x.ndim
    seq_axis, batch_axis = seq_axis % ndim, batch_axis % ndim
    lengths = jnp.asarray(convert(seq_lengths))
    steps = jnp.arange(x.shape[seq_axis])
    shape_ = [1] * ndim
    shape_[seq_axis] = x.shape[seq_axis]
    lshape = [1] * ndim
    lshape[batch_axis] = x.shape[batch_axis]
    t = steps.reshape(shape_)
    length = lengths.astype(steps.dtype).reshape(lshape)
    index = jnp.where(t < length, length - 1 - t, t)
    index = jnp.broadcast_to(index, x.shape)
    return jnp.take_along_axis(x, index, axis=seq_axis)


@tf_op("roll", "manip.roll", family="array", default_name="Roll")
def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> jax.Array:
    """``tf.roll``: elements shifted along ``axis`` by ``shift``, wrapping around."""
    input = convert(input)
    if np.ndim(shift) == 0:
        return jnp.roll(input, _int(shift, "shift"), _int(axis, "axis"))
    return jnp.roll(input, tuple(_ints(shift, "shift")), tuple(_ints(axis, "axis")))


@tf_op("depth_to_space", family="array", default_name="DepthToSpace")
def depth_to_space(
    input: Any, block_size: int, name: str | None = None, data_format: str = "NHWC"
) -> jax.Array:
    """``tf.depth_to_space`` (``NHWC``): channel blocks moved into ``block_size`` x
    ``block_size`` spatial blocks."""
    x = jnp.asarray(convert(input))
    if data_format != "NHWC":
        raise ValueError(f"flaxscope's tf.depth_to_space supports NHWC, not {data_format}")
    n, h, w, c = x.shape
    b = block_size
    if c % (b * b):
        raise ValueError(f"Dimension size must be evenly divisible by {b * b} but is {c}")
    x = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h * b, w * b, c // (b * b))


@tf_op("space_to_depth", family="array", default_name="SpaceToDepth")
def space_to_depth(
    input: Any, block_size: int, name: str | None = None, data_format: str = "NHWC"
) -> jax.Array:
    """``tf.space_to_depth`` (``NHWC``): ``block_size`` x ``block_size`` spatial blocks
    moved into channels."""
    x = jnp.asarray(convert(input))
    if data_format != "NHWC":
        raise ValueError(f"flaxscope's tf.space_to_depth supports NHWC, not {data_format}")
    n, h, w, c = x.shape
    b = block_size
    if h % b or w % b:
        raise ValueError(f"Image width {w} and height {h} should be divisible by block_size: {b}")
    x = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h // b, w // b, b * b * c)


def _space_to_batch(x: Any, block: list[int], paddings: Any) -> jax.Array:
    x = jnp.asarray(convert(x))
    m = len(block)
    pads = np.asarray(_ints(paddings, "paddings")).reshape(m, 2).tolist()
    x = jnp.pad(x, [(0, 0), *map(tuple, pads)] + [(0, 0)] * (x.ndim - 1 - m))
    batch, spatial, rest = x.shape[0], x.shape[1 : 1 + m], x.shape[1 + m :]
    for i, (size_, b) in enumerate(zip(spatial, block, strict=True)):
        if size_ % b:
            raise ValueError(f"padded_shape[{i}]={size_} is not divisible by block_shape[{i}]={b}")
    split = [batch] + [d for size_, b in zip(spatial, block, strict=True) for d in (size_ // b, b)]
    x = x.reshape(split + list(rest))
    order = [2 + 2 * i for i in builtins.range(m)] + [0] + [1 + 2 * i for i in builtins.range(m)]
    order += list(builtins.range(1 + 2 * m, x.ndim))
    x = x.transpose(order)
    out = [batch * math.prod(block)] + [size_ // b for size_, b in zip(spatial, block, strict=True)]
    return x.reshape(out + list(rest))


def _batch_to_space(x: Any, block: list[int], crops: Any) -> jax.Array:
    x = jnp.asarray(convert(x))
    m = len(block)
    crop = np.asarray(_ints(crops, "crops")).reshape(m, 2).tolist()
    total = math.prod(block)
    if x.shape[0] % total:
        raise ValueError(f"Dimension size must be evenly divisible by {total} but is {x.shape[0]}")
    batch, spatial, rest = x.shape[0] // total, x.shape[1 : 1 + m], x.shape[1 + m :]
    x = x.reshape(list(block) + [batch] + list(spatial) + list(rest))
    order = [m]
    for i in builtins.range(m):
        order += [m + 1 + i, i]
    order += list(builtins.range(2 * m + 1, x.ndim))
    x = x.transpose(order)
    x = x.reshape([batch] + [d * b for d, b in zip(spatial, block, strict=True)] + list(rest))
    index = [builtins.slice(None)] + [
        builtins.slice(lo, x.shape[1 + i] - hi) for i, (lo, hi) in enumerate(crop)
    ]
    return x[tuple(index)]


@tf_op(
    "space_to_batch_nd", "manip.space_to_batch_nd", family="array", default_name="SpaceToBatchND"
)
def space_to_batch_nd(
    input: Any, block_shape: Any, paddings: Any, name: str | None = None
) -> jax.Array:
    """``tf.space_to_batch_nd``: the spatial axes (after the batch axis), padded, cut into
    ``block_shape`` blocks that move into the batch axis."""
    return _space_to_batch(input, _ints(block_shape, "block_shape"), paddings)


@tf_op(
    "batch_to_space_nd", "manip.batch_to_space_nd", family="array", default_name="BatchToSpaceND"
)
def batch_to_space_nd(
    input: Any, block_shape: Any, crops: Any, name: str | None = None
) -> jax.Array:
    """``tf.batch_to_space_nd``: the inverse of ``space_to_batch_nd``, then ``crops``."""
    return _batch_to_space(input, _ints(block_shape, "block_shape"), crops)


@tf_op("space_to_batch", family="array", default_name="SpaceToBatchND")
def space_to_batch(
    input: Any,
    paddings: Any,
    block_size: Any = None,
    name: str | None = None,
    block_shape: Any = None,
) -> jax.Array:
    """``tf.space_to_batch`` (TF1): ``space_to_batch_nd`` with a square ``block_size``
    over the two spatial axes of an NHWC batch."""
    size_ = _int(renamed("block_shape", block_shape, "block_size", block_size), "block_size")
    return _space_to_batch(input, [size_, size_], paddings)


@tf_op("batch_to_space", family="array", default_name="BatchToSpaceND")
def batch_to_space(
    input: Any,
    crops: Any,
    block_size: Any = None,
    name: str | None = None,
    block_shape: Any = None,
) -> jax.Array:
    """``tf.batch_to_space`` (TF1): ``batch_to_space_nd`` with a square ``block_size``
    over the two spatial axes of an NHWC batch."""
    size_ = _int(renamed("block_shape", block_shape, "block_size", block_size), "block_size")
    return _batch_to_space(input, [size_, size_], crops)


# ------------------------------------------------------------------ slicing


@tf_op("slice", family="array", default_name="Slice")
def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Any:
    """``tf.slice``: ``size[i]`` elements from ``begin[i]`` on each axis (``-1``: to the
    end). A traced ``begin`` is a ``lax.dynamic_slice`` (sizes must then be given)."""
    x = convert(input_)
    sizes = _ints(size, "size")
    shape_ = np.shape(x)
    try:
        starts = _ints(begin, "begin")
    except ValueError:  # traced begin: a dynamic slice of static sizes
        if -1 in sizes:
            raise ValueError(
                "tf.slice with a traced begin needs every size known (no -1)"
            ) from None
        return jax.lax.dynamic_slice(x, list(jnp.asarray(begin)), sizes)
    index = tuple(
        builtins.slice(b, d if s == -1 else b + s)
        for b, s, d in zip(starts, sizes, shape_, strict=False)
    )
    return x[index]


@tf_op("strided_slice", family="array", default_name="StridedSlice")
def strided_slice(
    input_: Any,
    begin: Any,
    end: Any,
    strides: Any = None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var: Any = None,
    name: str | None = None,
) -> Any:
    """``tf.strided_slice``: TF's masked slice spec, applied as a Python index (the
    ``x[a:b:c, tf.newaxis, ...]`` it encodes, which JAX arrays accept directly)."""
    x = convert(input_)
    starts, stops = _ints(begin, "begin"), _ints(end, "end")
    steps = [1] * len(starts) if strides is None else _ints(strides, "strides")
    index: list[Any] = []
    for i, (b, e, s) in enumerate(zip(starts, stops, steps, strict=False)):
        bit = 1 << i
        if ellipsis_mask & bit:
            index.append(Ellipsis)
        elif new_axis_mask & bit:
            index.append(None)
        elif shrink_axis_mask & bit:
            index.append(b)
        else:
            if s == 0:
                raise ValueError("strides[" + str(i) + "] must be non-zero")
            index.append(
                builtins.slice(None if begin_mask & bit else b, None if end_mask & bit else e, s)
            )
    return x[tuple(index)]


@tf_op("gather", family="array", default_name="GatherV2")
def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    name: str | None = None,
    axis: Any = None,
    batch_dims: int = 0,
) -> Any:
    """``tf.gather``: slices of ``params`` along ``axis`` at ``indices``; the first
    ``batch_dims`` axes of both are batch axes."""
    params, indices = convert(params), convert(indices)
    nd_params, nd_indices = np.ndim(params), np.ndim(indices)
    if batch_dims < 0:
        batch_dims += nd_indices
    axis = batch_dims if axis is None else _int(axis, "axis")
    if axis < 0:
        axis += nd_params
    if not 0 <= axis < nd_params:
        raise ValueError(f"Shape must be at least rank {axis + 1} but is rank {nd_params}")
    if axis < batch_dims:
        raise ValueError(f"batch_dims ({batch_dims}) must be less than or equal to axis ({axis}).")
    xp = _xp(params, indices)
    if batch_dims == 0:
        return xp.take(params, indices, axis=axis)

    def one(p: Any, i: Any, depth: int) -> Any:
        if depth == 0:
            return jnp.take(p, i, axis=axis - batch_dims)
        return jax.vmap(lambda pp, ii: one(pp, ii, depth - 1))(p, i)

    return one(jnp.asarray(params), jnp.asarray(indices), batch_dims)


@tf_op("batch_gather", family="array", default_name="BatchGather")
def batch_gather(params: Any, indices: Any, name: str | None = None) -> Any:
    """``tf.batch_gather`` (deprecated in TF1): ``tf.gather(params, indices,
    batch_dims=rank(indices) - 1)``."""
    indices = convert(indices)
    nd = np.ndim(indices)
    return gather.__wrapped__(params, indices, axis=nd - 1, batch_dims=nd - 1)


@tf_op("gather_nd", "manip.gather_nd", family="array", default_name="GatherNd")
def gather_nd(params: Any, indices: Any, name: str | None = None, batch_dims: int = 0) -> Any:
    """``tf.gather_nd``: ``params[indices[..., 0], indices[..., 1], ...]`` for each index
    vector (the last axis of ``indices``)."""
    params, indices = convert(params), convert(indices)

    def one(p: Any, i: Any) -> Any:
        return p[tuple(jnp.moveaxis(jnp.asarray(i), -1, 0))]

    fn = one
    for _ in builtins.range(batch_dims):
        fn = jax.vmap(fn)
    if batch_dims == 0 and _static_int_like(params, indices):
        return np.asarray(params)[tuple(np.moveaxis(np.asarray(indices), -1, 0))]
    return fn(jnp.asarray(params), indices)


def _nd_index(indices: Any) -> tuple:
    return tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))


@tf_op("scatter_nd", "manip.scatter_nd", family="array", default_name="ScatterNd")
def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> jax.Array:
    """``tf.scatter_nd``: zeros of ``shape`` with ``updates`` added at ``indices``
    (repeated indices sum)."""
    updates = jnp.asarray(convert(updates))
    out = jnp.zeros(_ints(shape, "shape"), updates.dtype)
    return out.at[_nd_index(convert(indices))].add(updates)


@tf_op(
    "tensor_scatter_nd_update",
    "tensor_scatter_update",
    family="array",
    default_name="TensorScatterUpdate",
)
def tensor_scatter_nd_update(
    tensor: Any, indices: Any, updates: Any, name: str | None = None
) -> jax.Array:
    """``tf.tensor_scatter_nd_update``: ``tensor`` with ``updates`` written at ``indices``."""
    return jnp.asarray(convert(tensor)).at[_nd_index(convert(indices))].set(convert(updates))


@tf_op(
    "tensor_scatter_nd_add", "tensor_scatter_add", family="array", default_name="TensorScatterAdd"
)
def tensor_scatter_nd_add(
    tensor: Any, indices: Any, updates: Any, name: str | None = None
) -> jax.Array:
    """``tf.tensor_scatter_nd_add``: ``tensor`` with ``updates`` added at ``indices``."""
    return jnp.asarray(convert(tensor)).at[_nd_index(convert(indices))].add(convert(updates))


@tf_op(
    "tensor_scatter_nd_sub", "tensor_scatter_sub", family="array", default_name="TensorScatterSub"
)
def tensor_scatter_nd_sub(
    tensor: Any, indices: Any, updates: Any, name: str | None = None
) -> jax.Array:
    """``tf.tensor_scatter_nd_sub``: ``tensor`` with ``updates`` subtracted at ``indices``."""
    updates = jnp.asarray(convert(updates))
    return jnp.asarray(convert(tensor)).at[_nd_index(convert(indices))].add(-updates)


@tf_op("invert_permutation", family="array", default_name="InvertPermutation")
def invert_permutation(x: Any, name: str | None = None) -> Any:
    """``tf.invert_permutation``: ``y[x[i]] = i``."""
    x = convert(x)
    return _xp(x).argsort(x).astype(np.asarray(x).dtype if _is_static(x) else x.dtype)


@tf_op("unravel_index", family="array", default_name="UnravelIndex")
def unravel_index(indices: Any, dims: Any, name: str | None = None) -> jax.Array:
    """``tf.unravel_index``: flat ``indices`` as coordinates in an array of shape
    ``dims`` (one row per axis)."""
    indices = convert(indices)
    coords = jnp.unravel_index(jnp.asarray(indices), tuple(_ints(dims, "dims")))
    return jnp.stack(coords).astype(indices.dtype)


# --------------------------------------------------------- selection and masking


def _coordinates(condition: Any, op: str) -> Any:
    cond = _concrete(convert(condition), op, "use the 3-argument form, or jnp.argwhere(c, size=n)")
    return jnp.asarray(np.argwhere(cond), _canon(np.int64))


@tf_op("where", family="array")
def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Any:
    """``tf.where`` (TF1): with only ``condition``, the coordinates of its true (non-zero)
    entries, ``[n, rank]``, ``int64`` (``int32`` unless JAX's x64 is on; concrete
    ``condition`` only: the size depends on the values); with ``x`` and ``y`` of one shape, ``x`` where ``condition`` is true, else
    ``y``, where ``condition`` has their shape or is a vector over their first axis."""
    reserve_op_name(name or ("Where" if x is None and y is None else "Select"))
    if x is None and y is None:
        return _coordinates(condition, "where")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    cond = jnp.asarray(convert(condition))
    x, y = _convert_list([x, y])
    x, y = jnp.asarray(x), jnp.asarray(y)
    _same_dtypes([x, y], "t", "Select")
    _merge_shapes(x.shape, y.shape)
    if cond.ndim == 1 and x.ndim > 1:
        if cond.shape[0] != x.shape[0]:
            raise ValueError(f"Dimensions must be equal, but are {x.shape[0]} and {cond.shape[0]}")
        cond = cond.reshape(cond.shape + (1,) * (x.ndim - 1))
    elif cond.ndim != x.ndim:
        raise ValueError(f"Shapes must be equal rank, but are {x.ndim} and {cond.ndim}")
    else:
        _merge_shapes(x.shape, cond.shape)
    return jnp.where(cond.astype(bool), x, y)


@tf_op("where_v2", family="array", default_name="SelectV2")
def where_v2(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Any:
    """``tf.where_v2`` (TF2's ``tf.where``): like ``tf.where`` but ``condition``, ``x``
    and ``y`` broadcast together."""
    if x is None and y is None:
        return _coordinates(condition, "where_v2")
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    x, y = _convert_list([x, y])
    return jnp.where(jnp.asarray(convert(condition)).astype(bool), x, y)


@tf_op("boolean_mask", family="array", default_name="boolean_mask")
def boolean_mask(tensor: Any, mask: Any, name: str = "boolean_mask", axis: Any = None) -> jax.Array:
    """``tf.boolean_mask``: the entries of ``tensor`` where ``mask`` (over axes
    ``axis .. axis + mask.ndim``) is true, flattened over those axes. Concrete ``mask``
    only (the size depends on its values)."""
    tensor = jnp.asarray(convert(tensor))
    m = _concrete(
        convert(mask),
        "boolean_mask",
        "keep the shape with jnp.where(mask[..., None], tensor, 0) and a mask-weighted sum",
    )
    axis = 0 if axis is None else _int(axis, "axis") % max(tensor.ndim, 1)
    if m.ndim == 0:
        raise ValueError("mask cannot be scalar.")
    covered = tensor.shape[axis : axis + m.ndim]
    if tuple(covered) != tuple(m.shape):
        raise ValueError(
            f"Shapes {TensorShape(covered)} and {TensorShape(m.shape)} are incompatible"
        )
    flat = tensor.reshape(tensor.shape[:axis] + (-1,) + tensor.shape[axis + m.ndim :])
    keep = np.flatnonzero(m.reshape(-1).astype(bool))
    return jnp.take(flat, keep, axis=axis)


_Unique = collections.namedtuple("Unique", ["y", "idx"])
_UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _unique(x: Any, op: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = _concrete(convert(x), op, "use jnp.unique(x, size=n, fill_value=...)")
    if values.ndim != 1:
        raise ValueError(f"unique expects a 1D vector, got shape {_shape_str(values.shape)}")
    _, first, inverse, counts = np.unique(
        values, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.argsort(first, kind="stable")  # TF keeps the order of first appearance
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(order.size)
    return values[first[order]], rank_of[inverse.reshape(-1)], counts[order]


@tf_op("unique", family="array", default_name="Unique")
def unique(x: Any, out_idx: Any = dtypes.int32, name: str | None = None) -> Any:
    """``tf.unique``: ``(y, idx)``, the distinct values in order of first appearance and
    each element's position in ``y``. Concrete ``x`` only."""
    y, idx, _ = _unique(x, "unique")
    index_dtype = _canon(out_idx)
    return _Unique(jnp.asarray(y), jnp.asarray(idx, index_dtype))


@tf_op("unique_with_counts", family="array", default_name="UniqueWithCounts")
def unique_with_counts(x: Any, out_idx: Any = dtypes.int32, name: str | None = None) -> Any:
    """``tf.unique_with_counts``: ``tf.unique`` plus how often each value occurs."""
    y, idx, counts = _unique(x, "unique_with_counts")
    index_dtype = _canon(out_idx)
    return _UniqueWithCounts(
        jnp.asarray(y), jnp.asarray(idx, index_dtype), jnp.asarray(counts, index_dtype)
    )


@tf_op("setdiff1d", family="array", default_name="ListDiff")
def setdiff1d(x: Any, y: Any, index_dtype: Any = dtypes.int32, name: str | None = None) -> Any:
    """``tf.setdiff1d``: ``(out, idx)``, the values of ``x`` not in ``y``, in order.
    Concrete inputs only."""
    xs = _concrete(convert(x), "setdiff1d", "use a mask instead")
    ys = _concrete(convert(y), "setdiff1d", "use a mask instead")
    keep = np.flatnonzero(~np.isin(xs, ys))
    dtype = _canon(index_dtype)
    return collections.namedtuple("ListDiff", ["out", "idx"])(
        jnp.asarray(xs[keep]), jnp.asarray(keep, dtype)
    )


@tf_op("dynamic_partition", family="array", default_name="DynamicPartition")
def dynamic_partition(
    data: Any, partitions: Any, num_partitions: int, name: str | None = None
) -> list:
    """``tf.dynamic_partition``: ``[data[partitions == i] for i in range(num_partitions)]``.
    Concrete ``partitions`` only."""
    data = jnp.asarray(convert(data))
    parts = _concrete(
        convert(partitions), "dynamic_partition", "mask with (partitions == i) instead"
    )
    flat = data.reshape((-1,) + data.shape[parts.ndim :])
    keys = parts.reshape(-1)
    return [
        jnp.take(flat, np.flatnonzero(keys == i), axis=0) for i in builtins.range(num_partitions)
    ]


@tf_op("dynamic_stitch", family="array", default_name="DynamicStitch")
def dynamic_stitch(indices: Sequence[Any], data: Sequence[Any], name: str | None = None) -> Any:
    """``tf.dynamic_stitch``: ``merged[indices[m][i]] = data[m][i]``, later entries winning.
    ``indices`` must be concrete (they fix the size); ``data`` may be traced."""
    idx = [
        _concrete(convert(i), "dynamic_stitch", "scatter into a fixed-size array").astype(np.int64)
        for i in indices
    ]
    parts = [jnp.asarray(convert(d)) for d in data]
    rows = [p.reshape((-1,) + p.shape[i.ndim :]) for i, p in zip(idx, parts, strict=False)]
    flat_idx = np.concatenate([i.reshape(-1) for i in idx])
    flat = jnp.concatenate(rows, axis=0)
    size_ = int(flat_idx.max(initial=-1)) + 1
    last = np.full(size_, -1)
    last[flat_idx] = np.arange(flat_idx.size)  # numpy keeps the last write
    present = last >= 0
    out = jnp.zeros((size_,) + flat.shape[1:], flat.dtype)
    return out.at[np.flatnonzero(present)].set(flat[last[present]])


# ------------------------------------------------------------------- sorting


def _direction(direction: str) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(
            "Argument `direction` should be one of ASCENDING, DESCENDING. "
            f"Received: direction={direction}"
        )
    return direction == "DESCENDING"


@tf_op("sort", family="array", default_name="sort")
def sort(
    values: Any, axis: int = -1, direction: str = "ASCENDING", name: str | None = None
) -> jax.Array:
    """``tf.sort``: ``values`` sorted along ``axis``."""
    descending = _direction(direction)
    return jnp.sort(jnp.asarray(convert(values)), axis=axis, descending=descending)


@tf_op("argsort", family="array", default_name="argsort")
def argsort(
    values: Any,
    axis: int = -1,
    direction: str = "ASCENDING",
    stable: bool = False,
    name: str | None = None,
) -> jax.Array:
    """``tf.argsort``: ``int32`` indices that sort ``values`` along ``axis`` (equal values
    keep their order)."""
    descending = _direction(direction)
    out = jnp.argsort(jnp.asarray(convert(values)), axis=axis, stable=True, descending=descending)
    return out.astype(jnp.int32)


@tf_op("searchsorted", family="array", default_name="LowerBound")
def searchsorted(
    sorted_sequence: Any,
    values: Any,
    side: str = "left",
    out_type: Any = dtypes.int32,
    name: str | None = None,
) -> jax.Array:
    """``tf.searchsorted``: per row of the innermost axis, where ``values`` would be
    inserted into ``sorted_sequence``."""
    if side not in ("left", "right"):
        raise ValueError(
            f"Argument `side` must be either 'right' or 'left'. Received: `side` = {side}."
        )
    seq, vals = jnp.asarray(convert(sorted_sequence)), jnp.asarray(convert(values))
    fn = lambda s, v: jnp.searchsorted(s, v, side=side)  # noqa: E731
    for _ in builtins.range(seq.ndim - 1):
        fn = jax.vmap(fn)
    return fn(seq, vals).astype(_canon(out_type))
