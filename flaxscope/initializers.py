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
from collections.abc import Callable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import _initializer_math as _imath
from flaxscope import dtypes as _dtypes

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
        return jnp.zeros(_imath.as_shape(shape), _imath.call_dtype(dtype, self.dtype))

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
        return jnp.ones(_imath.as_shape(shape), _imath.call_dtype(dtype, self.dtype))

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
        object.__setattr__(self, "_value_key", _imath.freeze(value))

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        verify_shape: bool | None = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _imath.call_dtype(dtype, self.dtype)
        if verify_shape is None:
            verify_shape = self.verify_shape
        shape = _imath.as_shape(shape)
        value = self.value
        if isinstance(value, (np.ndarray, np.generic)):
            array = np.asarray(value).astype(dtype)
        elif math.prod(shape) == 0:  # TF skips the checks for an empty shape
            return jnp.zeros(shape, dtype)
        else:
            _imath.assert_compatible(value, dtype)
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
        _imath.assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        full_shape = shape if partition_info is None else partition_info.full_shape
        if len(_imath.as_shape(full_shape)) != 2:
            raise ValueError(
                "The tensor to initialize, specified by argument `shape` must be at least "
                f"two-dimensional. Received shape={shape} (identity_initializer needs "
                "exactly two dimensions)."
            )
        dtype = _imath.call_dtype(dtype, self.dtype)
        rows, cols = _imath.as_shape(full_shape)
        gain = self.gain
        if not _dtypes.is_floating(dtype):
            _imath.assert_compatible(gain, dtype)  # TF: int32 works with an integer gain only
        eye = np.eye(rows, cols, dtype=dtype)
        if partition_info is not None:
            offset = _imath.as_shape(partition_info.var_offset)
            index = tuple(
                slice(o, o + n) for o, n in zip(offset, _imath.as_shape(shape), strict=True)
            )
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
        dtype = _imath.call_dtype(dtype, self.dtype)
        if dtype not in _imath.UNIFORM_DTYPES:
            raise ValueError(
                f"Argument `dtype` got invalid value {_imath.tf_repr(dtype)}. Accepted dtypes are "
                "(tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64)."
            )
        shape = _imath.as_shape(shape)
        minval, maxval = self.minval, self.maxval
        if _dtypes.is_integer(dtype):
            if maxval is None:
                raise ValueError(f"Must specify maxval for integer dtype tf.{dtype.name}")
            _imath.assert_compatible(minval, dtype)
            _imath.assert_compatible(maxval, dtype)
            if minval >= maxval:
                raise ValueError(f"Need minval < maxval, got {minval} >= {maxval}")
            key = _imath.resolve_key(key, self.seed)
            x = jax.random.randint(key, _imath.flat_shape(shape), int(minval), int(maxval), dtype)
            return x.reshape(shape)
        if maxval is None:
            maxval = 1
        return _imath.sample_uniform(
            _imath.resolve_key(key, self.seed), shape, minval, maxval, dtype
        )

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
        _imath.assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _imath.call_dtype(dtype, self.dtype)
        _imath.check_random_float_dtype(dtype, _imath.first_float(self.mean, self.stddev))
        key = _imath.resolve_key(key, self.seed)
        return type(self)._draw(key, _imath.as_shape(shape), self.mean, self.stddev, dtype)

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

    _draw = staticmethod(_imath.sample_normal)


@dataclasses.dataclass(frozen=True)
class TruncatedNormal(_NormalBase):
    """Normal with ``mean`` and ``stddev``, redrawn beyond 2 ``stddev`` (TF's truncation;
    ``stddev`` is the parameter, not the truncated distribution's standard deviation):
    ``tf.compat.v1.truncated_normal_initializer`` / ``initializers.truncated_normal``.
    Floating dtypes only. Values are JAX's, not TF's."""

    _draw = staticmethod(_imath.sample_truncated_normal)


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
        _imath.assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _imath.call_dtype(dtype, self.dtype)
        shape = _imath.as_shape(shape)
        input_size = 1.0
        for dim in _imath.scale_shape(shape, partition_info)[:-1]:
            input_size *= float(dim)
        input_size = max(input_size, 1.0)
        max_val = math.sqrt(3 / input_size) * self.factor
        _imath.check_random_float_dtype(dtype, -max_val)
        return _imath.sample_uniform(
            _imath.resolve_key(key, self.seed), shape, -max_val, max_val, dtype
        )

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


@dataclasses.dataclass(frozen=True)
class VarianceScaling(_Typed):
    """Variance ``scale / n`` with ``n`` the fan of ``mode``:
    ``tf.compat.v1.variance_scaling_initializer`` / ``initializers.variance_scaling``.

    ``mode``: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"`` (fans from :func:`_imath.compute_fans`
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
        _imath.assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _imath.call_dtype(dtype, self.dtype)
        shape = _imath.as_shape(shape)
        fan_in, fan_out = _imath.compute_fans(_imath.scale_shape(shape, partition_info))
        fan = {"fan_in": fan_in, "fan_out": fan_out}.get(self.mode, (fan_in + fan_out) / 2.0)
        scale = self.scale / max(1.0, fan)
        limit = math.sqrt(3.0 * scale)
        uniform = self.distribution not in ("normal", "truncated_normal", "untruncated_normal")
        _imath.check_random_float_dtype(dtype, -limit if uniform else 0.0)
        key = _imath.resolve_key(key, self.seed)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _imath.TRUNCATED_NORMAL_STDDEV
            return _imath.sample_truncated_normal(key, shape, 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            return _imath.sample_normal(key, shape, 0.0, math.sqrt(scale), dtype)
        return _imath.sample_uniform(key, shape, -limit, limit, dtype)

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
        _imath.assert_float_dtype(self.dtype)

    def __call__(
        self,
        shape: ShapeLike,
        dtype: DTypeLike | None = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _imath.call_dtype(dtype, self.dtype)
        dims = _imath.as_shape(shape)
        if len(dims) < 2:
            raise ValueError(
                "The tensor to initialize, specified by argument `shape` must be at least "
                f"two-dimensional. Received shape={shape}"
            )
        _imath.check_random_float_dtype(dtype)
        num_rows = math.prod(dims[:-1])
        num_cols = dims[-1]
        if num_rows * num_cols == 0:
            return jnp.zeros(dims, dtype)
        flat_shape = (num_cols, num_rows) if num_rows < num_cols else (num_rows, num_cols)
        a = jax.random.normal(
            _imath.resolve_key(key, self.seed), flat_shape, _imath.sample_dtype(dtype)
        )
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
