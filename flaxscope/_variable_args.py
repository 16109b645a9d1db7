"""How ``get_variable`` and ``Variable`` read their arguments, as TF1 does: ``shape`` (TF's
``as_shape`` and the variable op's checks), dtypes (no ``tf.string``), initial values
(``tf.convert_to_tensor``'s dtype rules, ``tf.constant``'s value checks), and the texts
TF's messages print them with. Internal to :mod:`flaxscope.variables`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import _initializer_math
from flaxscope.dtypes import float32


def numeric_dtype(dtype: np.dtype, name: str | None) -> np.dtype:
    """Refuses the dtypes of TF's string variables (``dtype=object`` is ``tf.string``)."""
    if dtype.kind in "OSU":
        raise TypeError(
            f"Variable {name or ''}: dtype {dtype.name!r} is TF1's tf.string, and flaxscope "
            "variables hold numbers (JAX arrays). Keep strings (vocabularies, file names) "
            "outside the model as Python or numpy values, and give the variable a numeric "
            "dtype (tf.float32, tf.int32, ...)."
        )
    return dtype


def tf_dtype_repr(dtype: np.dtype) -> str:
    """A dtype as TF's messages print one: ``<dtype: 'float32'>``."""
    return f"<dtype: '{np.dtype(dtype).name}'>"


def shape_str(shape: Sequence[int | None]) -> str:
    """A shape as TF1's variable errors print one: ``(2, 3)``."""
    return str(tuple(shape))


def as_dimension(d: Any) -> int | None:
    """``tf.Dimension(d).value``: ``None``, or an integer (anything with ``__index__``)."""
    if d is None:
        return None
    index = getattr(type(d), "__index__", None)
    if index is None:
        raise TypeError(
            "Dimension value must be integer or None or have an __index__ method, got value "
            f"'{d!r}' with type '{type(d)}'"
        )
    value = index(d)
    if value is None:  # an unknown tf.Dimension
        return None
    value = int(value)
    if value < 0:
        raise ValueError(f"Dimension {value} must be >= 0")
    return value


def as_shape(shape: Any) -> tuple[int | None, ...]:
    """``tensor_shape.as_shape`` plus the checks of the variable op's ``shape`` attribute.

    Integers (or ``None``) only, as in TF1: ``[2.5, 3]``, ``[True, 3]`` and ``"abc"``
    raise TF's ``TypeError``s rather than becoming a (2, 3), (1, 3) or 3-long shape.
    """
    if type(shape) in (list, tuple):
        for d in shape:  # the common case: non-negative ints (a loop: no generator frames)
            if type(d) is not int or d < 0:
                break
        else:
            return tuple(shape)
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    if isinstance(shape, (bool, np.bool_)):
        raise TypeError(
            "Value passed to parameter 'shape' has DataType bool not in list of allowed "
            "values: int32, int64"
        )
    if isinstance(shape, str):
        if shape:
            raise TypeError(
                f"Failed to convert '{shape!r}' to a shape: '{shape[0]!r}'could not be "
                "converted to a dimension. A shape should either be single dimension (e.g. "
                "10), or an iterable of dimensions (e.g. [1, 10, None])."
            )
        return ()
    try:
        items = list(shape)
    except TypeError:
        items = [shape]  # a single dimension
    dims = tuple(as_dimension(d) for d in items)
    if any(isinstance(d, bool) for d in items):
        raise TypeError(
            f"Error converting {items} (arg name = shape) to a TensorShape: Field "
            "tensorflow.TensorShapeProto.Dim.size: Expected an int, got a boolean."
        )
    return dims


def shape_compatible(spec: tuple[int | None, ...], found: tuple[int, ...]) -> bool:
    """Whether ``found`` fits ``spec`` (same rank; ``None`` matches any size)."""
    return len(spec) == len(found) and all(
        a is None or a == b for a, b in zip(spec, found, strict=True)
    )


def convert_value(value: Any, dtype: np.dtype | None = None) -> jax.Array:
    """``tf.convert_to_tensor`` dtype rules: Python floats are float32, ints int32.

    With a ``dtype``, Python values must fit it as in ``tf.constant`` (``1.5`` is no int32:
    ``TypeError: Expected int32, but got 1.5 of type 'float'.``).
    """
    if dtype is not None:
        if not isinstance(value, (jax.Array, np.ndarray, np.generic)):
            _initializer_math.assert_compatible(value, dtype)
        return jnp.asarray(value, dtype=dtype)
    if isinstance(value, (jax.Array, np.ndarray, np.generic)):
        return jnp.asarray(value)
    arr = np.asarray(value)
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    elif arr.dtype == np.int64:
        arr = arr.astype(np.int32)
    return jnp.asarray(arr)


def natural_dtype(value: Any) -> np.dtype:
    """The dtype TF1 gives ``value`` (Python floats float32, ints int32)."""
    if isinstance(value, (jax.Array, np.ndarray, np.generic)):
        return np.dtype(value.dtype)
    arr = np.asarray(value)
    return {np.dtype(np.float64): float32, np.dtype(np.int64): np.dtype(np.int32)}.get(
        arr.dtype, arr.dtype
    )
