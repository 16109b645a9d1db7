"""TF1's variable initializers (``tf.compat.v1.initializers``) on ``jax.random``.

Every class here has TF1's name, constructor arguments, defaults, ``get_config`` and
math (``tensorflow/python/ops/init_ops.py``), and TF1's call signature
``initializer(shape, dtype=None, partition_info=None)`` plus a keyword ``key``:

* ``key=None``: a random initializer takes its key from :func:`flaxscope.rng.current_key`,
  which ``get_variable`` sets to the variable's own key while it runs the initializer.
* ``seed``: accepted for compatibility; when it is not ``None`` it is folded into the key
  (``jax.random.fold_in(key, seed)``). The numbers are JAX's, never TensorFlow's: the same
  ``seed`` gives the same *distribution* as in TF1, not the same values.

The concrete initializers are frozen, hashable dataclasses: two initializers with the same
configuration are equal and hash equal, so a variable store can cache one compiled
initialization per ``(initializer, shape, dtype)``. Every ``__call__`` is traceable
(``jax.jit`` with the key as an argument).

Dtypes are numpy dtypes (:func:`flaxscope.dtypes.as_dtype` normalizes them); TF
``tf.DType`` objects and dtype names are accepted too.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes as _dtypes
from flaxscope import rng as _rng

__all__ = [
    "Initializer",
    "Zeros",
    "Ones",
    "Constant",
    "RandomUniform",
    "RandomNormal",
    "TruncatedNormal",
    "UniformUnitScaling",
    "VarianceScaling",
    "Orthogonal",
    "Identity",
    "GlorotUniform",
    "GlorotNormal",
    "zeros_initializer",
    "ones_initializer",
    "constant_initializer",
    "random_uniform_initializer",
    "random_normal_initializer",
    "truncated_normal_initializer",
    "uniform_unit_scaling_initializer",
    "variance_scaling_initializer",
    "glorot_uniform_initializer",
    "glorot_normal_initializer",
    "orthogonal_initializer",
    "identity_initializer",
    "lecun_normal",
    "lecun_uniform",
    "he_normal",
    "he_uniform",
    "zeros",
    "ones",
    "constant",
    "random_uniform",
    "random_normal",
    "truncated_normal",
    "uniform_unit_scaling",
    "variance_scaling",
    "glorot_uniform",
    "glorot_normal",
    "orthogonal",
    "identity",
    "get",
]

DTypeLike = Any
ShapeLike = Any

# scipy.stats.truncnorm.std(a=-2, b=2, loc=0., scale=1.), as in TF1's VarianceScaling.
_TRUNCATED_NORMAL_STDDEV = 0.87962566103423978

_RANDOM_FLOAT_DTYPES = "float16, bfloat16, float32, float64"
_UNIFORM_DTYPES = tuple(
    np.dtype(d) for d in (jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64, jnp.int32, jnp.int64)
)


# --------------------------------------------------------------------------- helpers


def _tf_repr(dtype: np.dtype) -> str:
    """``str(tf_dtype)``, as TF's messages print a dtype: ``<dtype: 'int32'>``."""
    return f"<dtype: '{dtype.name}'>"


def _assert_float_dtype(dtype: np.dtype) -> np.dtype:
    """TF1's ``init_ops._assert_float_dtype`` (same ``ValueError`` text)."""
    if not _dtypes.is_floating(dtype):
        raise ValueError(
            f"Argument `dtype` is expected to be floating point. Received: {_tf_repr(dtype)}."
        )
    return dtype


def _check_random_float_dtype(dtype: np.dtype, first_value: float | None = 0.0) -> None:
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
            f"allowed values: {_RANDOM_FLOAT_DTYPES}." + fix
        )


def _first_float(*args: Any) -> Any:
    """The first argument TF's conversion to an integer dtype would reject (None: none)."""
    return next((a for a in args if not isinstance(a, numbers.Integral)), None)


def _as_shape(shape: ShapeLike) -> tuple[int, ...]:
    if hasattr(shape, "as_list"):  # a tf.TensorShape
        shape = shape.as_list()
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _call_dtype(dtype: DTypeLike | None, default: np.dtype) -> np.dtype:
    return default if dtype is None else _dtypes.as_dtype(dtype)


def _scale_shape(shape: tuple[int, ...], partition_info: Any) -> tuple[int, ...]:
    """The full variable's shape: TF1 scales a partition by ``partition_info.full_shape``."""
    if partition_info is None:
        return shape
    return _as_shape(partition_info.full_shape)


def _resolve_key(key: jax.Array | None, seed: int | None) -> jax.Array:
    if key is None:
        key = _rng.current_key()
    if seed is not None:
        key = jax.random.fold_in(key, int(seed) & 0xFFFFFFFF)
    return key


def _sample_dtype(dtype: np.dtype) -> np.dtype:
    """Draw 16-bit floats in float32 and round once, as TF's kernels do."""
    return np.dtype(np.float32) if dtype.itemsize < 4 else dtype


def _flat(shape: tuple[int, ...]) -> tuple[int]:
    # Random bits are drawn for a 1-D shape and reshaped: XLA compiles JAX's threefry for a
    # rank-4 or rank-5 shape several times slower than for its flat equivalent, and the store
    # compiles one initialization per variable shape. The distribution is the same.
    return (math.prod(shape),)


def _normal(key, shape, mean, stddev, dtype) -> jax.Array:
    x = jax.random.normal(key, _flat(shape), _sample_dtype(dtype)).reshape(shape)
    return (x * stddev + mean).astype(dtype)


def _truncated_normal(key, shape, mean, stddev, dtype) -> jax.Array:
    # TF's TruncatedNormal redraws values more than 2 standard deviations from the mean.
    x = jax.random.truncated_normal(key, -2.0, 2.0, _flat(shape), _sample_dtype(dtype))
    return (x.reshape(shape) * stddev + mean).astype(dtype)


def _uniform(key, shape, minval, maxval, dtype) -> jax.Array:
    # TF computes minval + u * (maxval - minval) with u in [0, 1), without clipping.
    u = jax.random.uniform(key, _flat(shape), _sample_dtype(dtype)).reshape(shape)
    return (u * (maxval - minval) + minval).astype(dtype)


def _compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    """TF1's ``init_ops._compute_fans``: ``(fan_in, fan_out)`` of a weight shape.

    Rank 0: ``(1, 1)``; rank 1: ``(shape[0], shape[0])``; rank 2: ``(shape[0], shape[1])``;
    higher ranks are convolution kernels ``(..., in_depth, out_depth)`` whose receptive field
    is the product of the leading dimensions.
    """
    shape = _as_shape(shape)
    rank = len(shape)
    if rank <= 1:
        # A scalar counts as one unit in and out; a vector as its length both ways.
        size = shape[0] if rank else 1
        return int(size), int(size)
    # Convolution kernels: every spatial position is one more fan-in/fan-out connection.
    spatial = math.prod(shape[:-2]) if rank > 2 else 1
    return int(shape[-2] * spatial), int(shape[-1] * spatial)


# TF's tensor_util._AssertCompatible: which Python values a dtype accepts in tf.constant.
def _compatible_types(dtype: np.dtype) -> tuple[type, ...] | None:
    if _dtypes.is_bool(dtype):
        return (bool,)
    if _dtypes.is_integer(dtype):
        return (numbers.Integral, np.integer)
    if _dtypes.is_floating(dtype):
        return (numbers.Real, np.integer, np.floating)
    if _dtypes.is_complex(dtype):
        return (numbers.Complex, np.number)
    return None


def _flatten(values: Any) -> list[Any]:
    if isinstance(values, (list, tuple)):
        return [leaf for v in values for leaf in _flatten(v)]
    return [values]


def _assert_compatible(values: Any, dtype: np.dtype) -> None:
    expected = _compatible_types(dtype)
    if expected is None:
        return
    for v in _flatten(values):
        if not (
            isinstance(v, expected)
            or (isinstance(v, np.ndarray) and issubclass(v.dtype.type, expected))
        ):
            raise TypeError(f"Expected {dtype.name}, but got {v} of type '{type(v).__name__}'.")


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a constant's value (lists and arrays are unhashable)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.name, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return ("generic", value.dtype.name, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    return (type(value).__name__, repr(value))


# --------------------------------------------------------------------------- base


class Initializer:
    """Base class of all initializers: ``tf.compat.v1.keras.initializers.Initializer``
    (``init_ops.Initializer``).

    Subclasses implement ``__call__(shape, dtype=None, partition_info=None, *, key=None)``.
    flaxscope's own initializers are frozen dataclasses (hashable by configuration); a user
    subclass may be any class, and is then hashed by identity.
    """

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        """Returns an array of ``shape`` and ``dtype`` (the initializer's dtype if None).

        Args:
          shape: the shape of the array (a tuple or list of ints, or an int).
          dtype: its dtype; ``None`` uses the initializer's own ``dtype``.
          partition_info: TF1's ``_PartitionInfo`` (anything with ``full_shape`` and
            ``var_offset``) when the variable is one partition of a larger one.
          key: a JAX PRNG key; ``None`` uses :func:`flaxscope.rng.current_key`.
        """
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """TF1's configuration dict (JSON-serializable)."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        """Instantiates an initializer from the dict :meth:`get_config` returned."""
        return cls(**config)


@dataclasses.dataclass(frozen=True)
class _Typed(Initializer):
    """An initializer with a default ``dtype`` (normalized to a numpy dtype)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype", _dtypes.as_dtype(self.dtype))


# --------------------------------------------------------------------------- deterministic


@dataclasses.dataclass(frozen=True)
class Zeros(_Typed):
    """Zeros of any dtype: ``tf.compat.v1.zeros_initializer`` / ``initializers.zeros``."""

    dtype: DTypeLike = _dtypes.float32

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        return jnp.zeros(_as_shape(shape), _call_dtype(dtype, self.dtype))

    def get_config(self) -> dict[str, Any]:
        return {"dtype": self.dtype.name}


@dataclasses.dataclass(frozen=True)
class Ones(_Typed):
    """Ones of any dtype: ``tf.compat.v1.ones_initializer`` / ``initializers.ones``."""

    dtype: DTypeLike = _dtypes.float32

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        return jnp.ones(_as_shape(shape), _call_dtype(dtype, self.dtype))

    def get_config(self) -> dict[str, Any]:
        return {"dtype": self.dtype.name}


@dataclasses.dataclass(frozen=True)
class Constant(_Typed):
    """Constant values: ``tf.compat.v1.constant_initializer`` / ``initializers.constant``.

    TF1 (graph mode) semantics of ``tf.compat.v1.constant``: ``value`` is a Python scalar,
    a (nested) list or tuple, or a numpy array. Its elements fill the variable in row-major
    order; when there are fewer than the shape needs, the last one fills the rest (a
    scalar fills everything; an empty list gives zeros); more is a ``ValueError``. With
    ``verify_shape=True`` the shape of ``value`` must equal the variable's. Python values
    are type-checked against ``dtype`` like TF (``3.5`` for ``int32`` is a ``TypeError``);
    numpy values are cast.
    """

    value: Any = dataclasses.field(default=0, compare=False)
    dtype: DTypeLike = _dtypes.float32
    verify_shape: bool = False
    _value_key: Any = dataclasses.field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        value = self.value
        if isinstance(value, jax.Array):  # a concrete JAX array: keep it as numpy
            value = np.asarray(value)
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(
                f"Invalid type for initial value={value} of type: "
                f"{type(value).__name__}. Expected Python scalar, list or tuple of "
                "values, or numpy.ndarray."
            )
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flags.writeable = False
        elif isinstance(value, list):
            value = copy.deepcopy(value)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "_value_key", _freeze(value))

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        verify_shape: bool | None = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _call_dtype(dtype, self.dtype)
        if verify_shape is None:
            verify_shape = self.verify_shape
        shape = _as_shape(shape)
        value = self.value
        if isinstance(value, (np.ndarray, np.generic)):
            array = np.asarray(value).astype(dtype)
        elif math.prod(shape) == 0:  # TF skips the checks for an empty shape
            return jnp.zeros(shape, dtype)
        else:
            _assert_compatible(value, dtype)
            array = np.array(value, dtype=dtype)
        size = math.prod(shape)
        if verify_shape and array.shape != shape:
            raise TypeError(f"Expected Tensor's shape: {shape}, but got {array.shape}.")
        if array.size > size:
            raise ValueError(
                f"Too many elements provided. Takes at most {size:d}, but got {array.size:d}."
            )
        flat = array.reshape(-1)
        if array.size == 0:
            flat = np.zeros(size, dtype)
        elif array.size < size:  # TF fills the remaining entries with the last value
            flat = np.concatenate([flat, np.repeat(flat[-1:], size - array.size)])
        return jnp.asarray(flat.reshape(shape), dtype)

    def get_config(self) -> dict[str, Any]:
        # Like TF, without verify_shape (Keras compatibility).
        return {"value": self.value, "dtype": self.dtype.name}


@dataclasses.dataclass(frozen=True)
class Identity(_Typed):
    """The identity matrix times ``gain`` (2-D shapes only):
    ``tf.compat.v1.initializers.identity`` / ``identity_initializer``."""

    gain: float = 1.0
    dtype: DTypeLike = _dtypes.float32

    def __post_init__(self) -> None:
        super().__post_init__()
        _assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        full_shape = shape if partition_info is None else partition_info.full_shape
        if len(_as_shape(full_shape)) != 2:
            raise ValueError(
                "The tensor to initialize, specified by argument `shape` must be at least "
                f"two-dimensional. Received shape={shape} (identity_initializer needs "
                "exactly two dimensions)."
            )
        dtype = _call_dtype(dtype, self.dtype)
        rows, cols = _as_shape(full_shape)
        gain = self.gain
        if not _dtypes.is_floating(dtype):
            _assert_compatible(gain, dtype)  # TF: int32 works with an integer gain only
        eye = np.eye(rows, cols, dtype=dtype)
        if partition_info is not None:
            offset = _as_shape(partition_info.var_offset)
            index = tuple(slice(o, o + n) for o, n in zip(offset, _as_shape(shape), strict=True))
            eye = eye[index]
        return (gain * jnp.asarray(eye)).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "dtype": self.dtype.name}


# --------------------------------------------------------------------------- random


@dataclasses.dataclass(frozen=True)
class RandomUniform(_Typed):
    """Uniform on ``[minval, maxval)``: ``tf.compat.v1.random_uniform_initializer`` /
    ``initializers.random_uniform``.

    ``maxval=None`` means 1 for floating dtypes; integer dtypes (int32, int64) need integer
    bounds and a ``maxval``. Values are JAX's, not TF's (same distribution).
    """

    minval: float = 0.0
    maxval: float | None = None
    seed: int | None = None
    dtype: DTypeLike = _dtypes.float32

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _call_dtype(dtype, self.dtype)
        if dtype not in _UNIFORM_DTYPES:
            raise ValueError(
                f"Argument `dtype` got invalid value {_tf_repr(dtype)}. Accepted dtypes are "
                "(tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64)."
            )
        shape = _as_shape(shape)
        minval, maxval = self.minval, self.maxval
        if _dtypes.is_integer(dtype):
            if maxval is None:
                raise ValueError(f"Must specify maxval for integer dtype tf.{dtype.name}")
            _assert_compatible(minval, dtype)
            _assert_compatible(maxval, dtype)
            if minval >= maxval:
                raise ValueError(f"Need minval < maxval, got {minval} >= {maxval}")
            key = _resolve_key(key, self.seed)
            x = jax.random.randint(key, _flat(shape), int(minval), int(maxval), dtype)
            return x.reshape(shape)
        if maxval is None:
            maxval = 1
        return _uniform(_resolve_key(key, self.seed), shape, minval, maxval, dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            "minval": self.minval,
            "maxval": self.maxval,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }


@dataclasses.dataclass(frozen=True)
class _NormalBase(_Typed):
    """What the normal and truncated-normal initializers share: fields, checks, config."""

    mean: float = 0.0
    stddev: float = 1.0
    seed: int | None = None
    dtype: DTypeLike = _dtypes.float32

    _draw: ClassVar[Callable[..., jax.Array]]

    def __post_init__(self) -> None:
        super().__post_init__()
        _assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _call_dtype(dtype, self.dtype)
        _check_random_float_dtype(dtype, _first_float(self.mean, self.stddev))
        key = _resolve_key(key, self.seed)
        return type(self)._draw(key, _as_shape(shape), self.mean, self.stddev, dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "stddev": self.stddev,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }


@dataclasses.dataclass(frozen=True)
class RandomNormal(_NormalBase):
    """Normal with ``mean`` and ``stddev``: ``tf.compat.v1.random_normal_initializer`` /
    ``initializers.random_normal``. Floating dtypes only. Values are JAX's, not TF's."""

    _draw = staticmethod(_normal)


@dataclasses.dataclass(frozen=True)
class TruncatedNormal(_NormalBase):
    """Normal with ``mean`` and ``stddev``, redrawn beyond 2 ``stddev`` (TF's truncation;
    ``stddev`` is the parameter, not the truncated distribution's standard deviation):
    ``tf.compat.v1.truncated_normal_initializer`` / ``initializers.truncated_normal``.
    Floating dtypes only. Values are JAX's, not TF's."""

    _draw = staticmethod(_truncated_normal)


@dataclasses.dataclass(frozen=True)
class UniformUnitScaling(_Typed):
    """Uniform on ``[-m, m)``, ``m = factor * sqrt(3 / input_size)`` with ``input_size``
    the product of all dimensions but the last (at least 1):
    ``tf.compat.v1.uniform_unit_scaling_initializer`` (deprecated in TF1 in favour of
    ``variance_scaling_initializer(distribution="uniform")``). Values are JAX's."""

    factor: float = 1.0
    seed: int | None = None
    dtype: DTypeLike = _dtypes.float32

    def __post_init__(self) -> None:
        super().__post_init__()
        _assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _call_dtype(dtype, self.dtype)
        shape = _as_shape(shape)
        input_size = 1.0
        for dim in _scale_shape(shape, partition_info)[:-1]:
            input_size *= float(dim)
        input_size = max(input_size, 1.0)
        max_val = math.sqrt(3 / input_size) * self.factor
        _check_random_float_dtype(dtype, -max_val)
        return _uniform(_resolve_key(key, self.seed), shape, -max_val, max_val, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


@dataclasses.dataclass(frozen=True)
class VarianceScaling(_Typed):
    """Variance ``scale / n`` with ``n`` the fan of ``mode``:
    ``tf.compat.v1.variance_scaling_initializer`` / ``initializers.variance_scaling``.

    ``mode``: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"`` (fans from :func:`_compute_fans`
    of the full shape). ``distribution``: ``"truncated_normal"`` (and its old name
    ``"normal"``): a normal truncated at 2 standard deviations whose standard deviation
    *after truncation* is ``sqrt(scale / n)`` (TF's ``/ 0.87962566103423978``);
    ``"untruncated_normal"``; ``"uniform"`` on ``[-sqrt(3 scale / n), sqrt(3 scale / n))``.
    Values are JAX's, not TF's.
    """

    scale: float = 1.0
    mode: str = "fan_in"
    distribution: str = "truncated_normal"
    seed: int | None = None
    dtype: DTypeLike = _dtypes.float32

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.scale <= 0.0:
            raise ValueError(f"Argument `scale` must be a positive float. Received: {self.scale}")
        if self.mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError(
                "Argument `mode` should be one of ('fan_in', 'fan_out', "
                f"'fan_avg'). Received: {self.mode}"
            )
        distribution = self.distribution.lower()
        if distribution not in {"normal", "uniform", "truncated_normal", "untruncated_normal"}:
            # TF's text, with its missing quote before uniform.
            raise ValueError(
                "Argument `distribution` should be one of ('normal', "
                "uniform', 'truncated_normal', 'untruncated_normal'). "
                f"Received: {distribution}"
            )
        object.__setattr__(self, "distribution", distribution)
        self._check_dtype()

    def _check_dtype(self) -> None:
        _assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _call_dtype(dtype, self.dtype)
        shape = _as_shape(shape)
        fan_in, fan_out = _compute_fans(_scale_shape(shape, partition_info))
        fan = {"fan_in": fan_in, "fan_out": fan_out}.get(self.mode, (fan_in + fan_out) / 2.0)
        scale = self.scale / max(1.0, fan)
        limit = math.sqrt(3.0 * scale)
        uniform = self.distribution not in ("normal", "truncated_normal", "untruncated_normal")
        _check_random_float_dtype(dtype, -limit if uniform else 0.0)
        key = _resolve_key(key, self.seed)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _TRUNCATED_NORMAL_STDDEV
            return _truncated_normal(key, shape, 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            return _normal(key, shape, 0.0, math.sqrt(scale), dtype)
        return _uniform(key, shape, -limit, limit, dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }


@dataclasses.dataclass(frozen=True)
class GlorotUniform(VarianceScaling):
    """Glorot (Xavier) uniform, on ``[-sqrt(6 / (fan_in + fan_out)), ...)``:
    ``tf.compat.v1.glorot_uniform_initializer`` / ``initializers.glorot_uniform``; TF1's
    default initializer of floating point variables.

    Unlike TF1, which silently ignores this class's ``dtype`` argument (always float32),
    ``dtype`` is kept and used when the call gives none. Values are JAX's, not TF's.
    """

    scale: float = dataclasses.field(default=1.0, init=False)
    mode: str = dataclasses.field(default="fan_avg", init=False)
    distribution: str = dataclasses.field(default="uniform", init=False)

    def _check_dtype(self) -> None:  # TF1 does not check it here (it ignores it)
        pass

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "dtype": self.dtype.name}


@dataclasses.dataclass(frozen=True)
class GlorotNormal(VarianceScaling):
    """Glorot (Xavier) normal, truncated, standard deviation after truncation
    ``sqrt(2 / (fan_in + fan_out))``: ``tf.compat.v1.glorot_normal_initializer`` /
    ``initializers.glorot_normal``.

    Unlike TF1, which silently ignores this class's ``dtype`` argument (always float32),
    ``dtype`` is kept and used when the call gives none. Values are JAX's, not TF's.
    """

    scale: float = dataclasses.field(default=1.0, init=False)
    mode: str = dataclasses.field(default="fan_avg", init=False)
    distribution: str = dataclasses.field(default="truncated_normal", init=False)

    def _check_dtype(self) -> None:  # TF1 does not check it here (it ignores it)
        pass

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed, "dtype": self.dtype.name}


@dataclasses.dataclass(frozen=True)
class Orthogonal(_Typed):
    """A (semi-)orthogonal matrix times ``gain``: ``tf.compat.v1.orthogonal_initializer`` /
    ``initializers.orthogonal``.

    TF1's algorithm: the shape is flattened to ``(prod(shape[:-1]), shape[-1])``; a normal
    matrix of shape ``(max, min)`` of those is QR-factorized, ``q`` is multiplied by
    ``sign(diag(r))`` (so the result is uniform on the orthogonal group), transposed when
    there are fewer rows than columns, reshaped and scaled. Rank < 2 is a ``ValueError``.
    Values are JAX's, not TF's.
    """

    gain: float = 1.0
    seed: int | None = None
    dtype: DTypeLike = _dtypes.float32

    def __post_init__(self) -> None:
        super().__post_init__()
        _assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _call_dtype(dtype, self.dtype)
        dims = _as_shape(shape)
        if len(dims) < 2:
            raise ValueError(
                "The tensor to initialize, specified by argument `shape` must be at least "
                f"two-dimensional. Received shape={shape}"
            )
        _check_random_float_dtype(dtype)
        num_rows = math.prod(dims[:-1])
        num_cols = dims[-1]
        if num_rows * num_cols == 0:
            return jnp.zeros(dims, dtype)
        flat_shape = (num_cols, num_rows) if num_rows < num_cols else (num_rows, num_cols)
        a = jax.random.normal(_resolve_key(key, self.seed), flat_shape, _sample_dtype(dtype))
        q, r = jnp.linalg.qr(a, mode="reduced")
        q = q * jnp.sign(jnp.diagonal(r))
        if num_rows < num_cols:
            q = q.T
        return (self.gain * q.reshape(dims)).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


# --------------------------------------------------------------------------- functions


def lecun_normal(seed: int | None = None) -> VarianceScaling:
    """``tf.compat.v1.initializers.lecun_normal``: truncated normal, stddev
    ``sqrt(1 / fan_in)`` (``VarianceScaling(1.0, "fan_in", "truncated_normal")``)."""
    return VarianceScaling(scale=1.0, mode="fan_in", distribution="truncated_normal", seed=seed)


def lecun_uniform(seed: int | None = None) -> VarianceScaling:
    """``tf.compat.v1.initializers.lecun_uniform``: uniform, limit ``sqrt(3 / fan_in)``
    (``VarianceScaling(1.0, "fan_in", "uniform")``)."""
    return VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform", seed=seed)


def he_normal(seed: int | None = None) -> VarianceScaling:
    """``tf.compat.v1.initializers.he_normal``: truncated normal, stddev ``sqrt(2 / fan_in)``
    (``VarianceScaling(2.0, "fan_in", "truncated_normal")``)."""
    return VarianceScaling(scale=2.0, mode="fan_in", distribution="truncated_normal", seed=seed)


def he_uniform(seed: int | None = None) -> VarianceScaling:
    """``tf.compat.v1.initializers.he_uniform``: uniform, limit ``sqrt(6 / fan_in)``
    (``VarianceScaling(2.0, "fan_in", "uniform")``)."""
    return VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=seed)


# TF1's names (tf.compat.v1.*_initializer and tf.compat.v1.initializers.*).
zeros_initializer = zeros = Zeros
ones_initializer = ones = Ones
constant_initializer = constant = Constant
random_uniform_initializer = random_uniform = RandomUniform
random_normal_initializer = random_normal = RandomNormal
truncated_normal_initializer = truncated_normal = TruncatedNormal
uniform_unit_scaling_initializer = uniform_unit_scaling = UniformUnitScaling
variance_scaling_initializer = variance_scaling = VarianceScaling
glorot_uniform_initializer = glorot_uniform = GlorotUniform
glorot_normal_initializer = glorot_normal = GlorotNormal
orthogonal_initializer = orthogonal = Orthogonal
identity_initializer = identity = Identity

_CLASSES: tuple[type[Initializer], ...] = (
    Zeros,
    Ones,
    Constant,
    RandomUniform,
    RandomNormal,
    TruncatedNormal,
    UniformUnitScaling,
    VarianceScaling,
    GlorotUniform,
    GlorotNormal,
    Orthogonal,
    Identity,
)
_FUNCTIONS: tuple[Callable[..., Initializer], ...] = (
    lecun_normal,
    lecun_uniform,
    he_normal,
    he_uniform,
)
_BY_NAME: dict[str, Callable[..., Initializer]] = {
    **{cls.__name__: cls for cls in _CLASSES},
    **{fn.__name__: fn for fn in _FUNCTIONS},
    **{
        name: obj
        for name, obj in globals().items()
        if (obj in _CLASSES) and not name.startswith("_") and name.islower()
    },
    # Keras' short aliases.
    "zero": Zeros,
    "one": Ones,
    "uniform": RandomUniform,
    "normal": RandomNormal,
}


def get(identifier: Any) -> Callable[..., Any] | None:
    """The initializer an identifier names, like ``tf.compat.v1.keras.initializers.get``.

    Accepts ``None`` (returned as is: the caller's default applies); an :class:`Initializer`
    instance or any other callable (returned as is); an initializer class, or one of the
    functions ``lecun_normal``, ``lecun_uniform``, ``he_normal``, ``he_uniform`` (called with
    their defaults, as TF1's ``get_variable`` instantiates a class); a name
    (``"glorot_uniform"``, ``"zeros"``, ``"GlorotUniform"``, ``"zeros_initializer"``,
    ``"he_normal"``...); or a Keras config dict ``{"class_name": ..., "config": {...}}``.

    Raises:
      ValueError: for anything else.
    """
    if identifier is None:
        return None
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if any(identifier is fn for fn in _FUNCTIONS):  # lecun_normal & co build an initializer
        return identifier()
    if isinstance(identifier, str):
        factory = _BY_NAME.get(identifier)
        if factory is None:
            raise ValueError(
                f"Could not interpret initializer identifier: {identifier!r}. Known names: "
                f"{', '.join(sorted(_BY_NAME))}."
            )
        return factory()
    if isinstance(identifier, dict) and "class_name" in identifier:
        factory = _BY_NAME.get(identifier["class_name"])
        config = identifier.get("config") or {}
        if isinstance(factory, type) and issubclass(factory, Initializer):
            return factory.from_config(config)
        if factory is not None:
            return factory(**config)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
