"""TF1's casts (family ``dtypes``): ``tf.cast``, ``tf.to_float`` and friends,
``tf.saturate_cast``, ``tf.bitcast``, ``tf.complex``.

TF's conversions: float to integer truncates toward zero, anything to bool is ``x != 0``,
bool to a number gives 0/1, complex to real keeps the real part. 64-bit targets follow
JAX (``tf.to_int64`` gives int32 when ``jax_enable_x64`` is off).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope.dtypes import as_dtype
from flaxscope.ops._convert import (
    REAL_FLOATING,
    canonical,
    check_dtype,
    same_dtype,
    to_tensor,
)
from flaxscope.ops._registry import reserve_op_name, tf_op

Array = jax.Array


def _convert(x: Array, dtype: Any) -> Array:
    target = canonical(dtype)
    if x.dtype == target:
        return x
    if target == jnp.bool_:
        return x != jnp.zeros((), x.dtype)
    if jnp.issubdtype(x.dtype, jnp.complexfloating) and not jnp.issubdtype(
        target, jnp.complexfloating
    ):
        x = jnp.real(x)
    if target.kind == "u" and x.dtype.kind in "fc":
        # TF converts through a signed integer, so -3.0 to uint8 wraps to 253.
        x = lax.convert_element_type(x, canonical(np.int64 if target.itemsize >= 4 else np.int32))
    return lax.convert_element_type(x, target)


def _cast_named(x: Any, dtype: Any, name: str) -> Array:
    # TF returns a tensor already of ``dtype`` as it is, without taking a name.
    x = to_tensor(x)
    if x.dtype == canonical(dtype):
        return x
    reserve_op_name(name)
    return _convert(x, dtype)


@tf_op("cast", "dtypes.cast", family="dtypes", default_name=None)
def cast(x: Any, dtype: Any, name: str | None = None) -> Array:
    """``tf.cast(x, dtype, name=None)``: ``x`` converted to ``dtype`` (a ``tf.*`` dtype,
    numpy dtype or name). Floats to integers truncate toward zero (``-1.7 -> -1``),
    numbers to bool are ``x != 0``, complex to real keeps the real part. An array already
    of ``dtype`` is returned as it is (and, as in TF, takes no op name). Floats out of an
    integer type's range saturate and NaN becomes 0 (XLA's rule; C++ leaves it undefined,
    TF on x86 gives the lowest integer)."""
    as_dtype(dtype)  # a clear error for names such as "string"
    return _cast_named(x, dtype, name or "Cast")


def _to(target: Any, tf_name: str, op_name: str) -> Any:
    def op(x: Any, name: str = op_name) -> Array:
        return _cast_named(x, target, name or op_name)

    op.__name__ = op.__qualname__ = tf_name
    op.__doc__ = (
        f"``tf.{tf_name}(x, name='{op_name}')``: TF1's shorthand for "
        f"``tf.cast(x, tf.{as_dtype(target).name})``"
        + (" (int32 when JAX's x64 is off)." if as_dtype(target).itemsize == 8 else ".")
    )
    return tf_op(tf_name, family="dtypes", default_name=None)(op)


to_float = _to(jnp.float32, "to_float", "ToFloat")
to_double = _to(jnp.float64, "to_double", "ToDouble")
to_int32 = _to(jnp.int32, "to_int32", "ToInt32")
to_int64 = _to(jnp.int64, "to_int64", "ToInt64")
to_bfloat16 = _to(jnp.bfloat16, "to_bfloat16", "ToBFloat16")
to_complex64 = _to(jnp.complex64, "to_complex64", "ToComplex64")
to_complex128 = _to(jnp.complex128, "to_complex128", "ToComplex128")


@tf_op("saturate_cast", "dtypes.saturate_cast", family="dtypes", default_name="saturate_cast")
def saturate_cast(value: Any, dtype: Any, name: str | None = None) -> Array:
    """``tf.saturate_cast(value, dtype, name=None)``: a cast that clamps to ``dtype``'s
    range first, so ``300.0`` to uint8 is 255 (``tf.cast`` would wrap or be undefined)."""
    x = to_tensor(value)
    target = canonical(dtype)
    if jnp.issubdtype(x.dtype, jnp.complexfloating) and not jnp.issubdtype(
        target, jnp.complexfloating
    ):
        x = jnp.real(x)
    if target != jnp.bool_ and not jnp.issubdtype(target, jnp.complexfloating):
        lo_in, hi_in = _limits(x.dtype)
        lo_out, hi_out = _limits(target)
        lo, hi = max(lo_in, lo_out), min(hi_in, hi_out)
        if lo > lo_in or hi < hi_in:
            x = jnp.clip(x, jnp.asarray(lo).astype(x.dtype), jnp.asarray(hi).astype(x.dtype))
    return _convert(x, target)


def _limits(dtype: Any) -> tuple[float, float]:
    if dtype == jnp.bool_:
        return 0, 1
    info = jnp.finfo(dtype) if jnp.issubdtype(dtype, jnp.inexact) else jnp.iinfo(dtype)
    return float(info.min) if info.dtype.kind == "f" else int(info.min), (
        float(info.max) if info.dtype.kind == "f" else int(info.max)
    )


@tf_op("bitcast", family="dtypes", default_name="Bitcast")
def bitcast(input: Any, type: Any, name: str | None = None) -> Array:
    """``tf.bitcast(input, type, name=None)``: reinterprets the bits of ``input`` as
    ``type``. A narrower type adds a last dimension (float32 to uint8: ``[..., 4]``), a
    wider one consumes it."""
    return lax.bitcast_convert_type(to_tensor(input), canonical(type))


@tf_op("complex", "dtypes.complex", family="dtypes", default_name="Complex")
def complex(real: Any, imag: Any, name: str | None = None) -> Array:
    """``tf.complex(real, imag, name=None)``: ``real + 1j * imag`` (float32 inputs give
    complex64, float64 complex128)."""
    re, im = same_dtype("Complex", (("real", real), ("imag", imag)))
    check_dtype(re, REAL_FLOATING, "real")
    return lax.complex(*jnp.broadcast_arrays(re, im))
