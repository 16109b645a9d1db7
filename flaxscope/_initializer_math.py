"""What TF1's initializers compute and check besides their classes: TF's dtype checks
and messages, shapes and fans, the samplers on ``jax.random``, and ``tf.constant``'s
rules for which Python values a dtype accepts. Internal to :mod:`flaxscope.initializers`
(and ``variables``' check of a constant initial value)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes as _dtypes
from flaxscope import rng as _rng

DTypeLike = Any
ShapeLike = Any

# scipy.stats.truncnorm.std(a=-2, b=2, loc=0., scale=1.), as in TF1's VarianceScaling.
TRUNCATED_NORMAL_STDDEV = 0.87962566103423978

RANDOM_FLOAT_DTYPES = "float16, bfloat16, float32, float64"
UNIFORM_DTYPES = tuple(
    np.dtype(d) for d in (jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64, jnp.int32, jnp.int64)
)


# --------------------------------------------------------------------------- helpers


def tf_repr(dtype: np.dtype) -> str:
    """``str(tf_dtype)``, as TF's messages print a dtype: ``<dtype: 'int32'>``."""
    return f"<dtype: '{dtype.name}'>"


def assert_float_dtype(dtype: np.dtype) -> np.dtype:
    """TF1's ``init_ops._assert_float_dtype`` (same ``ValueError`` text)."""
    if not _dtypes.is_floating(dtype):
        raise ValueError(
            f"Argument `dtype` is expected to be floating point. Received: {tf_repr(dtype)}."
        )
    return dtype


def check_random_float_dtype(dtype: np.dtype, first_value: float | None = 0.0) -> None:
    """The call-time check of TF's random float ops (``RandomStandardNormal`` & co).

    For an integer dtype TF fails earlier, converting the op's first float argument
    (``first_value``: a mean of 0.0, or a uniform's ``-limit``) to that dtype, so the
    message is that conversion's.
    """
    if not _dtypes.is_floating(dtype):
        fix = (
            " Random initializers other than random_uniform_initializer make floating point "
            "values only; initialize integer and bool variables with zeros_initializer, "
            "ones_initializer or constant_initializer."
        )
        if _dtypes.is_integer(dtype) and first_value is not None:
            raise TypeError(
                f"Expected {dtype.name}, but got {first_value!r} of type "
                f"'{type(first_value).__name__}'." + fix
            )
        raise TypeError(
            f"Value passed to parameter 'dtype' has DataType {dtype.name} not in list of "
            f"allowed values: {RANDOM_FLOAT_DTYPES}." + fix
        )


def first_float(*args: Any) -> Any:
    """The first argument TF's conversion to an integer dtype would reject (None: none)."""
    return next((a for a in args if not isinstance(a, numbers.Integral)), None)


def as_shape(shape: ShapeLike) -> tuple[int, ...]:
    if hasattr(shape, "as_list"):  # a tf.TensorShape
        shape = shape.as_list()
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def call_dtype(dtype: DTypeLike | None, default: np.dtype) -> np.dtype:
    return default if dtype is None else _dtypes.as_dtype(dtype)


def scale_shape(shape: tuple[int, ...], partition_info: Any) -> tuple[int, ...]:
    """The full variable's shape: TF1 scales a partition by ``partition_info.full_shape``."""
    if partition_info is None:
        return shape
    return as_shape(partition_info.full_shape)


def resolve_key(key: jax.Array | None, seed: int | None) -> jax.Array:
    if key is None:
        key = _rng.current_key()
    if seed is not None:
        key = jax.random.fold_in(key, int(seed) & 0xFFFFFFFF)
    return key


def sample_dtype(dtype: np.dtype) -> np.dtype:
    """Draw 16-bit floats in float32 and round once, as TF's kernels do."""
    return np.dtype(np.float32) if dtype.itemsize < 4 else dtype


def flat_shape(shape: tuple[int, ...]) -> tuple[int]:
    # Random bits are drawn for a 1-D shape and reshaped: XLA compiles JAX's threefry for a
    # rank-4 or rank-5 shape several times slower than for its flat equivalent, and the store
    # compiles one initialization per variable shape. The distribution is the same.
    return (math.prod(shape),)


def sample_normal(key, shape, mean, stddev, dtype) -> jax.Array:
    x = jax.random.normal(key, flat_shape(shape), sample_dtype(dtype)).reshape(shape)
    return (x * stddev + mean).astype(dtype)


def sample_truncated_normal(key, shape, mean, stddev, dtype) -> jax.Array:
    # TF's TruncatedNormal redraws values more than 2 standard deviations from the mean.
    x = jax.random.truncated_normal(key, -2.0, 2.0, flat_shape(shape), sample_dtype(dtype))
    return (x.reshape(shape) * stddev + mean).astype(dtype)


def sample_uniform(key, shape, minval, maxval, dtype) -> jax.Array:
    # TF computes minval + u * (maxval - minval) with u in [0, 1), without clipping.
    u = jax.random.uniform(key, flat_shape(shape), sample_dtype(dtype)).reshape(shape)
    return (u * (maxval - minval) + minval).astype(dtype)


def compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    """TF1's ``init_ops._compute_fans``: ``(fan_in, fan_out)`` of a weight shape.

    Rank 0: ``(1, 1)``; rank 1: ``(shape[0], shape[0])``; rank 2: ``(shape[0], shape[1])``;
    higher ranks are convolution kernels ``(..., in_depth, out_depth)`` whose receptive field
    is the product of the leading dimensions.
    """
    shape = as_shape(shape)
    rank = len(shape)
    if rank <= 1:
        # A scalar counts as one unit in and out; a vector as its length both ways.
        size = shape[0] if rank else 1
        return int(size), int(size)
    # Convolution kernels: every spatial position is one more fan-in/fan-out connection.
    spatial = math.prod(shape[:-2]) if rank > 2 else 1
    return int(shape[-2] * spatial), int(shape[-1] * spatial)


# TF's tensor_util._AssertCompatible: which Python values a dtype accepts in tf.constant.
def compatible_types(dtype: np.dtype) -> tuple[type, ...] | None:
    if _dtypes.is_bool(dtype):
        return (bool,)
    if _dtypes.is_integer(dtype):
        return (numbers.Integral, np.integer)
    if _dtypes.is_floating(dtype):
        return (numbers.Real, np.integer, np.floating)
    if _dtypes.is_complex(dtype):
        return (numbers.Complex, np.number)
    return None


def flatten_values(values: Any) -> list[Any]:
    if isinstance(values, (list, tuple)):
        return [leaf for v in values for leaf in flatten_values(v)]
    return [values]


def assert_compatible(values: Any, dtype: np.dtype) -> None:
    expected = compatible_types(dtype)
    if expected is None:
        return
    for v in flatten_values(values):
        if not (
            isinstance(v, expected)
            or (isinstance(v, np.ndarray) and issubclass(v.dtype.type, expected))
        ):
            raise TypeError(f"Expected {dtype.name}, but got {v} of type '{type(v).__name__}'.")


def freeze(value: Any) -> Any:
    """A hashable stand-in for a constant's value (lists and arrays are unhashable)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.name, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return ("generic", value.dtype.name, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(freeze(v) for v in value))
    return (type(value).__name__, repr(value))
