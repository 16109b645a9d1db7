"""The initializers of ``tf.contrib.layers`` (and TF-Slim): ``xavier_initializer`` and
contrib's ``variance_scaling_initializer``, whose arguments and normal distribution differ
from TF1 core's ``tf.variance_scaling_initializer``.

contrib's ``variance_scaling_initializer(factor, mode, uniform)`` draws, with ``n`` the fan of
``mode`` (``"FAN_IN"``, ``"FAN_OUT"`` or ``"FAN_AVG"``, their mean):

* ``uniform=True``: uniform on ``[-sqrt(3 * factor / n), sqrt(3 * factor / n))``;
* ``uniform=False``: a normal truncated at 2 standard deviations whose standard deviation
  *before* truncation is ``sqrt(1.3 * factor / n)`` (core's truncated normal sets it after).

``xavier_initializer(uniform=True)`` is ``factor=1.0, mode="FAN_AVG"``: Glorot's. Values are
drawn with ``jax.random`` (the same distribution as TF's, not the same numbers).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax

from flaxscope import _initializer_math as _imath
from flaxscope import dtypes as _dtypes
from flaxscope.initializers import Initializer

__all__ = ["variance_scaling_initializer", "xavier_initializer", "xavier_initializer_conv2d"]

_MODES = ("FAN_IN", "FAN_OUT", "FAN_AVG")


@dataclasses.dataclass(frozen=True)
class ContribVarianceScaling(Initializer):
    """contrib's variance scaling initializer (see the module's docstring)."""

    factor: float = 2.0
    mode: str = "FAN_IN"
    uniform: bool = False
    seed: int | None = None
    dtype: Any = _dtypes.float32

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype", _dtypes.as_dtype(self.dtype))
        if not _dtypes.is_floating(self.dtype):
            raise TypeError("Cannot create initializer for non-floating point type.")
        if self.mode not in _MODES:
            raise TypeError(f"Unknown mode {self.mode} [FAN_IN, FAN_OUT, FAN_AVG]")

    def __call__(
        self,
        shape: Any,
        dtype: Any = None,
        partition_info: Any = None,
        *,
        key: jax.Array | None = None,
    ) -> jax.Array:
        dtype = _imath.call_dtype(dtype, self.dtype)
        if not _dtypes.is_floating(dtype):
            raise TypeError("Cannot create initializer for non-floating point type.")
        shape = _imath.as_shape(shape)
        fan_in, fan_out = _imath.compute_fans(_imath.scale_shape(shape, partition_info))
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out}.get(self.mode, (fan_in + fan_out) / 2.0)
        key = _imath.resolve_key(key, self.seed)
        if self.uniform:
            limit = math.sqrt(3.0 * self.factor / n)
            return _imath.sample_uniform(key, shape, -limit, limit, dtype)
        stddev = math.sqrt(1.3 * self.factor / n)
        return _imath.sample_truncated_normal(key, shape, 0.0, stddev, dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "mode": self.mode,
            "uniform": self.uniform,
            "seed": self.seed,
            "dtype": self.dtype.name,
        }


def variance_scaling_initializer(
    factor: float = 2.0,
    mode: str = "FAN_IN",
    uniform: bool = False,
    seed: int | None = None,
    dtype: Any = _dtypes.float32,
) -> ContribVarianceScaling:
    """``tf.contrib.layers.variance_scaling_initializer``: He's initializer by default
    (``factor=2.0``, ``"FAN_IN"``, truncated normal)."""
    return ContribVarianceScaling(factor, mode, uniform, seed, dtype)


def xavier_initializer(
    uniform: bool = True, seed: int | None = None, dtype: Any = _dtypes.float32
) -> ContribVarianceScaling:
    """``tf.contrib.layers.xavier_initializer``: Glorot's, uniform by default (the default
    weights initializer of slim's layers)."""
    return ContribVarianceScaling(1.0, "FAN_AVG", uniform, seed, dtype)


xavier_initializer_conv2d = xavier_initializer
