"""Conversions and argument checks shared by the array ops (TF's dtype rules for
Python values, static shapes and axes, the errors for values unknown under jit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes
from flaxscope.tensor_shape import Dimension, TensorShape


def tf_dtype_of_python(value: Any) -> np.dtype | None:
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


def is_static(value: Any) -> bool:
    """True for NumPy values and Python numbers/lists of them (no JAX array inside)."""
    if isinstance(value, jax.Array):
        return False
    if isinstance(value, (list, tuple)):
        return all(is_static(v) for v in value)
    return isinstance(value, (np.ndarray, np.generic, int, float, bool, complex))


def static_int_like(*values: Any) -> bool:
    """True when every value is NumPy/Python and integer or bool: shape arithmetic."""
    for value in values:
        if not is_static(value):
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
    inferred = tf_dtype_of_python(value)
    if inferred is not None:
        target = dtype if dtype is not None else inferred
        if dtype is not None and dtypes.is_integer(dtype) and inferred.kind == "f":
            raise TypeError(f"Expected {dtype.name}, but got {value!r} of type 'float'.")
        array = np.asarray(value, dtype=target)
        if target.kind in "iub":  # static: shape arithmetic stays NumPy under jit
            return array.astype(canonical_dtype(target), copy=False)
        return jnp.asarray(array, canonical_dtype(target))
    if isinstance(value, (list, tuple)):  # holds arrays: stack them as TF packs them
        value = np.asarray(value) if is_static(value) else jnp.asarray(value)
    if (
        dtype is not None
        and np.dtype(value.dtype) != dtype
        and not (canonical_dtype(value.dtype) == canonical_dtype(dtype))
    ):
        raise ValueError(
            f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
            f"{np.dtype(value.dtype).name}: {value!r}"
        )
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind in "iub":
            return np.asarray(value, canonical_dtype(value.dtype))
        return jnp.asarray(value)
    return jnp.asarray(value) if not isinstance(value, jax.Array) else value


def canonical_dtype(dtype: Any) -> np.dtype:
    """The dtype JAX gives ``dtype`` (64-bit types become 32-bit unless x64 is on)."""
    return np.dtype(jax.dtypes.canonicalize_dtype(dtypes.as_dtype(dtype)))


def array_module(*values: Any) -> Any:
    """NumPy for static integer inputs (shape arithmetic), else ``jax.numpy``."""
    return np if static_int_like(*values) else jnp


def int_list(value: Any, what: str) -> list[int]:
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
        return [i for item in value for i in int_list(item, what)]
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


def static_int(value: Any, what: str) -> int:
    if isinstance(value, (int, np.integer)):
        return int(value)
    values = int_list(value, what)
    if len(values) != 1:
        raise ValueError(f"{what} must be a scalar, got {values}")
    return values[0]


def shape_str(shape: Sequence[int]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise ValueError(f"{what} {axis} not in the interval [{-rank}, {rank - 1}].")
    return axis % rank


def merge_shapes(a: Sequence[int], b: Sequence[int]) -> None:
    """TF's shape-inference errors for two shapes that must be equal."""
    if len(a) != len(b):
        raise ValueError(f"Shapes must be equal rank, but are {len(a)} and {len(b)}")
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            raise ValueError(
                f"Dimension {i} in both shapes must be equal, but are {x} and {y}. "
                f"Shapes are {shape_str(a)} and {shape_str(b)}."
            )


def check_same_dtypes(values: Sequence[Any], param: str, op_type: str) -> None:
    names = [np.dtype(v.dtype).name for v in values]
    if len(set(names)) > 1:
        raise TypeError(
            f"Tensors in list passed to '{param}' of '{op_type}' Op have types "
            f"[{', '.join(names)}] that don't all match."
        )


def convert_list(values: Sequence[Any]) -> list[Any]:
    """TF's ``convert_n_to_tensor`` for a list: Python items take the arrays' dtype."""
    values = list(values)
    hint = next(
        (np.dtype(v.dtype) for v in values if isinstance(v, (jax.Array, np.ndarray, np.generic))),
        None,
    )
    out = []
    for v in values:
        if hint is not None and tf_dtype_of_python(v) is not None:
            try:
                v = convert(v, hint)
            except TypeError:
                v = convert(v)
        else:
            v = convert(v)
        out.append(v)
    return out


def dynamic_error(op: str, fix: str) -> ValueError:
    return ValueError(
        f"tf.{op} returns an array whose size depends on the values, which JAX cannot trace "
        f"(jit, grad, vmap, transform): call it outside the traced function, or {fix}."
    )


def concrete_value(value: Any, op: str, fix: str) -> np.ndarray:
    try:
        return np.asarray(value)
    except (jax.errors.TracerArrayConversionError, jax.errors.ConcretizationTypeError) as e:
        raise dynamic_error(op, fix) from e
