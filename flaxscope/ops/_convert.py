"""How TF1's ops turn their arguments into arrays, and the checks TF makes at graph build.

TF infers one dtype per op from its tensor arguments; Python numbers, lists and numpy
values are converted to that dtype, while two tensors of different dtypes are an error (no
silent promotion as in numpy). An op also has a list of dtypes it accepts, and reductions
check their axes. The error texts are TensorFlow's, so a search for the message finds the
same cause.

64-bit types follow JAX: with ``jax_enable_x64`` off, an int64/float64 request gives the
32-bit type (:func:`canonical`).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.dtypes import as_dtype

_REAL_FLOATS = tuple(np.dtype(t) for t in (jnp.bfloat16, jnp.float16, jnp.float32, jnp.float64))
_COMPLEX = (np.dtype(np.complex64), np.dtype(np.complex128))
_SIGNED_INTS = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64))
_UNSIGNED_INTS = tuple(np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
_BOOL = (np.dtype(np.bool_),)

# The dtype classes TF's op definitions use.
REAL_FLOATING = _REAL_FLOATS
FLOATING = _REAL_FLOATS + _COMPLEX
INTEGER = _SIGNED_INTS + _UNSIGNED_INTS
REAL_NUMBER = _REAL_FLOATS + INTEGER
NUMBER = REAL_NUMBER + _COMPLEX
SIGNED_NUMBER = _REAL_FLOATS + _SIGNED_INTS + _COMPLEX
BOOL = _BOOL
ANY = NUMBER + _BOOL


def canonical(dtype: Any) -> np.dtype:
    """The dtype JAX will actually use for ``dtype`` (int64 -> int32 when x64 is off)."""
    dt = as_dtype(dtype)
    if dt.kind in "USO":
        raise TypeError(
            f"{dt} (tf.string) is not an array dtype here: JAX arrays hold numbers and bools. "
            "Keep strings in Python (e.g. map them to ids) before calling the model."
        )
    return np.dtype(jax.dtypes.canonicalize_dtype(dt))


def is_tensor(value: Any) -> bool:
    """Whether ``value`` is an array op (a JAX array or tracer), as opposed to a Python or
    numpy value that TF would convert to the op's dtype."""
    return isinstance(value, jax.Array)


def _default_dtype(value: Any) -> np.dtype:
    """TF's dtype for a non-tensor value: Python int -> int32, float -> float32,
    complex -> complex64, bool -> bool; numpy values keep theirs."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.dtype
    if isinstance(value, builtins.bool):
        return _BOOL[0]
    if isinstance(value, int):
        return np.dtype(np.int32 if -(2**31) <= value < 2**31 else np.int64)
    if isinstance(value, float):
        return np.dtype(np.float32)
    if isinstance(value, complex):
        return np.dtype(np.complex64)
    if isinstance(value, (list, tuple)):
        if any(is_tensor(v) for v in jax.tree_util.tree_leaves(value)):
            return jnp.result_type(*jax.tree_util.tree_leaves(value))
        kind = np.asarray(value).dtype.kind
        return {
            "b": _BOOL[0],
            "i": np.dtype(np.int32),
            "u": np.dtype(np.int32),
            "f": np.dtype(np.float32),
            "c": np.dtype(np.complex64),
        }.get(kind, np.asarray(value).dtype)
    return np.asarray(value).dtype


def _convertible(source: np.dtype, target: np.dtype) -> bool:
    """Whether TF converts a non-tensor value of ``source`` kind to ``target``."""
    if source.kind == "b" or target.kind == "b":
        return source.kind == target.kind
    order = "iufc"
    if source.kind not in order or target.kind not in order:
        return False
    if source.kind in "iu":
        return True
    return order.index(source.kind) <= order.index(target.kind)


def to_tensor(
    value: Any, dtype: Any = None, *, op_type: str | None = None, arg: str = "x"
) -> jax.Array:
    """``tf.convert_to_tensor``: ``value`` as an array, of ``dtype`` when given.

    A tensor of another dtype is an error (TF never casts implicitly); a Python or numpy
    value is converted when its kind allows (an int to a float, not a float to an int).
    """
    target = None if dtype is None else as_dtype(dtype)
    if is_tensor(value):
        if target is not None and value.dtype != canonical(target):
            raise TypeError(_mismatch_text(op_type, arg, value.dtype, target))
        return value
    source = _default_dtype(value)
    if target is None:
        return jnp.asarray(value, dtype=canonical(source))
    if not _convertible(source, target):
        raise TypeError(_mismatch_text(op_type, arg, source, target))
    return jnp.asarray(value, dtype=canonical(target))


def _mismatch_text(op_type: str | None, arg: str, got: np.dtype, want: np.dtype) -> str:
    if op_type is None:
        return (
            f"Tensor conversion requested dtype {np.dtype(want).name} for a value of "
            f"dtype {np.dtype(got).name} (argument {arg!r}); cast it first with tf.cast."
        )
    return (
        f"Input '{arg}' of '{op_type}' Op has type {np.dtype(got).name} that does not match "
        f"expected type of {np.dtype(want).name}."
    )


def same_dtype(op_type: str, args: Sequence[tuple[str, Any]]) -> list[jax.Array]:
    """Converts the arguments of an op whose inputs share one dtype (TF's attr ``T``).

    The dtype comes from the first tensor argument (or, with none, from the first value);
    the others are converted to it. Two tensors of different dtypes raise TF's
    ``TypeError``.
    """
    lead = next((i for i, (_, v) in enumerate(args) if is_tensor(v)), 0)
    lead_name, lead_value = args[lead]
    first = to_tensor(lead_value)
    out = []
    for i, (name, value) in enumerate(args):
        if i == lead:
            out.append(first)
            continue
        if is_tensor(value) and value.dtype != first.dtype:
            raise TypeError(
                f"Input '{name}' of '{op_type}' Op has type {value.dtype.name} that does not "
                f"match type {first.dtype.name} of argument '{lead_name}'."
            )
        try:
            out.append(to_tensor(value, first.dtype))
        except TypeError:
            got = _default_dtype(value)
            raise TypeError(
                f"Input '{name}' of '{op_type}' Op has type {got.name} that does not "
                f"match type {first.dtype.name} of argument '{lead_name}'."
            ) from None
    return out


def check_dtype(
    value: jax.Array, allowed: Iterable[np.dtype], arg: str = "x", op_type: str | None = None
) -> None:
    """TF's build-time check that an op supports its input's dtype."""
    allowed = tuple(allowed)
    if value.dtype in allowed:
        return
    if allowed == BOOL and op_type is not None:
        raise TypeError(
            f"Input '{arg}' of '{op_type}' Op has type {value.dtype.name} that does not "
            "match expected type of bool."
        )
    names = ", ".join(dict.fromkeys(np.dtype(d).name for d in allowed))
    raise TypeError(
        f"Value passed to parameter '{arg}' has DataType {value.dtype.name} not in list "
        f"of allowed values: {names}"
    )


def shape_text(shape: Sequence[int]) -> str:
    """A shape as TF writes it in messages: ``[1,2]``."""
    return "[" + ",".join(str(d) for d in shape) + "]"


def broadcast_shape(op_type: str, name: str, *shapes: Sequence[int]) -> tuple[int, ...]:
    """The broadcast of ``shapes``, or TF's error for two dimensions that differ."""
    rank = max((len(s) for s in shapes), default=0)
    out = [1] * rank
    for shape in shapes:
        padded = (1,) * (rank - len(shape)) + tuple(shape)
        for i, d in enumerate(padded):
            if d == 1 or d == out[i]:
                continue
            if out[i] != 1:
                raise ValueError(
                    f"Dimensions must be equal, but are {out[i]} and {d} for '{name}' "
                    f"(op: '{op_type}') with input shapes: "
                    + ", ".join(shape_text(s) for s in shapes)
                    + "."
                )
            out[i] = d
    return tuple(out)


def renamed(new_name: str, new_value: Any, old_name: str, old_value: Any) -> Any:
    """TF's ``deprecated_argument_lookup``: the value of an argument with a legacy
    spelling (``keep_dims`` for ``keepdims``, ``reduction_indices`` for ``axis``)."""
    if old_value is not None:
        if new_value is not None:
            raise ValueError(f"Cannot specify both '{old_name}' and '{new_name}'.")
        return old_value
    return new_value


def static_ints(value: Any, what: str) -> Any:
    """An axis argument (int, list, tuple, numpy or concrete array) as Python ints."""
    if value is None:
        return None
    if isinstance(value, jax.core.Tracer):
        raise TypeError(
            f"{what} must be known when the function is traced (a Python int or list), "
            "not a traced array; pass it as a static value."
        )
    if isinstance(value, (list, tuple)) and not value:
        return []
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers, got {value!r}.")
    return int(arr) if arr.ndim == 0 else [int(a) for a in arr.reshape(-1)]


def reduction_axes(value: jax.Array, axis: Any, op_type: str) -> tuple[int, ...] | None:
    """Normalized reduction axes (``None``: all), or TF's error for one out of range."""
    axis = static_ints(axis, "axis")
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, int) else axis
    rank = value.ndim
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f"Invalid reduction dimension {a} for input with {rank} dimensions. "
                f"for '{op_type}' (op: '{op_type}') with input shapes: "
                f"{shape_text(value.shape)}"
            )
        out.append(a % rank)
    return tuple(dict.fromkeys(out))
