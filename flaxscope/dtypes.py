"""TF1 dtype names on numpy dtypes.

``tf.float32`` and friends are numpy dtypes here, so ``jnp`` accepts them as they are and
``dtype.name`` is TF's name ("float32", "int32", "bool", "bfloat16").
"""

from __future__ import annotations

import functools
from typing import Any

import jax.numpy as jnp
import numpy as np

DType = np.dtype

float16 = half = np.dtype(jnp.float16)
bfloat16 = np.dtype(jnp.bfloat16)
float32 = np.dtype(jnp.float32)
float64 = double = np.dtype(jnp.float64)
int8 = np.dtype(jnp.int8)
int16 = np.dtype(jnp.int16)
int32 = np.dtype(jnp.int32)
int64 = np.dtype(jnp.int64)
uint8 = np.dtype(jnp.uint8)
uint16 = np.dtype(jnp.uint16)
uint32 = np.dtype(jnp.uint32)
uint64 = np.dtype(jnp.uint64)
bool_ = np.dtype(jnp.bool_)
complex64 = np.dtype(jnp.complex64)
complex128 = np.dtype(jnp.complex128)


def as_dtype(dtype: Any) -> np.dtype:
    """``tf.as_dtype``: a numpy dtype from a dtype, a scalar type or a TF dtype name.

    TensorFlow ``tf.DType`` objects are accepted too (through their ``as_numpy_dtype``), so
    code that still holds one works.
    """
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, str):
        name = dtype.removesuffix("_ref")
        if name == "string":
            raise TypeError(
                "flaxscope has no string variables (JAX arrays are numeric); "
                "keep strings outside the variable store."
            )
        try:
            return np.dtype(jnp.bool_ if name == "bool" else getattr(jnp, name, name))
        except TypeError as e:
            raise TypeError(
                f"Cannot convert the argument `type_value`: {dtype!r} to a TensorFlow DType."
            ) from e
    numpy_dtype = getattr(dtype, "as_numpy_dtype", None)
    if numpy_dtype is not None:  # a tf.DType
        return np.dtype(numpy_dtype)
    try:
        return np.dtype(dtype)
    except TypeError as e:
        raise TypeError(
            f"Cannot convert the argument `type_value`: {dtype!r} to a TensorFlow DType."
        ) from e


_KERNEL_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def kernel_type_name(dtype: Any) -> str:
    """The name TF's kernels use for a dtype in their error texts (``float`` for float32,
    ``double`` for float64, ``half`` for float16; others by their own name)."""
    name = np.dtype(dtype).name
    return _KERNEL_TYPE_NAMES.get(name, name)


@functools.cache
def is_floating(dtype: np.dtype) -> bool:
    return bool(jnp.issubdtype(dtype, jnp.floating))


@functools.cache
def is_integer(dtype: np.dtype) -> bool:
    return bool(jnp.issubdtype(dtype, jnp.integer))


def is_bool(dtype: np.dtype) -> bool:
    return dtype == np.dtype(bool)


def is_complex(dtype: np.dtype) -> bool:
    return jnp.issubdtype(dtype, jnp.complexfloating)
