"""``tf.compat.v1.layers`` poolings: max and average, 1-D, 2-D and 3-D
(``lax.reduce_window``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.layers._args import incompatible_rank as _incompatible_rank
from flaxscope.layers._args import normalize_data_format as _normalize_data_format
from flaxscope.layers._args import normalize_padding as _normalize_padding
from flaxscope.layers._args import normalize_tuple as _normalize_tuple
from flaxscope.layers.base import Layer
from flaxscope.ops.nn_conv import pool

Array = jax.Array


# --- pooling --------------------------------------------------------------------------------
class _Pooling(Layer):
    """TF1's ``MaxPooling{1,2,3}D`` / ``AveragePooling{1,2,3}D`` (``tf.nn.max_pool`` /
    ``avg_pool``): ``"same"`` padding as TF's (extra on the end), and the average over the
    window's elements inside the input only (padding is not counted)."""

    rank: int = 1
    mode: str = "max"

    def __init__(
        self,
        pool_size: int | Sequence[int],
        strides: int | Sequence[int],
        padding: str = "valid",
        data_format: str = "channels_last",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if strides is None:
            raise ValueError("Argument `strides` must not be None.")
        super().__init__(name=name, **kwargs)
        self.pool_size = _normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = _normalize_tuple(strides, self.rank, "strides", allow_zero=True)
        self.padding = _normalize_padding(padding)
        self.data_format = _normalize_data_format(data_format)

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        rank = self.rank
        if inputs.ndim != rank + 2:
            raise _incompatible_rank(self, f"ndim={rank + 2}", inputs.shape)
        if self.padding not in ("valid", "same"):
            raise ValueError(f"Invalid padding: {self.padding}")
        if min(self.strides) <= 0:
            raise ValueError(f"Stride must be > 0, but got {min(self.strides)}")
        channels_first = self.data_format == "channels_first"
        spatial_axes = range(2, 2 + rank) if channels_first else range(1, 1 + rank)
        if self.padding == "valid":
            for axis, k in zip(spatial_axes, self.pool_size, strict=True):
                if inputs.shape[axis] < k:
                    raise ValueError(
                        f"Negative dimension size caused by subtracting {k} from "
                        f"{inputs.shape[axis]} (pooling in {self.name}, padding 'valid')."
                    )
        window = [1] * inputs.ndim
        strides = [1] * inputs.ndim
        for axis, k, s in zip(spatial_axes, self.pool_size, self.strides, strict=True):
            window[axis], strides[axis] = k, s
        return pool(inputs, self.mode, window, strides, self.padding.upper(), self.name)


class MaxPooling1D(_Pooling):
    """``tf.compat.v1.layers.MaxPooling1D``: max over windows of ``pool_size`` along the
    length of ``[batch, length, channels]`` (``channels_first``: ``[batch, channels,
    length]``); ``strides`` is required (TF1 has no default)."""

    rank, mode = 1, "max"


class AveragePooling1D(_Pooling):
    """``tf.compat.v1.layers.AveragePooling1D``: mean over windows along the length; with
    ``"same"`` padding the edge windows average their real elements only, as TF's."""

    rank, mode = 1, "avg"


class MaxPooling2D(_Pooling):
    """``tf.compat.v1.layers.MaxPooling2D``: max over ``pool_size`` windows of
    ``[batch, height, width, channels]`` (``channels_first``: ``[batch, channels, h, w]``)."""

    rank, mode = 2, "max"


class AveragePooling2D(_Pooling):
    """``tf.compat.v1.layers.AveragePooling2D``: mean over windows; with ``"same"`` padding
    the edge windows average their real elements only, as TF's ``avg_pool``."""

    rank, mode = 2, "avg"


class MaxPooling3D(_Pooling):
    """``tf.compat.v1.layers.MaxPooling3D``: max over ``pool_size`` windows of
    ``[batch, depth, height, width, channels]`` (``channels_first``: ``[batch, channels,
    depth, height, width]``); ``strides`` is required (TF1 has no default)."""

    rank, mode = 3, "max"


class AveragePooling3D(_Pooling):
    """``tf.compat.v1.layers.AveragePooling3D``: mean over 3-D windows; with ``"same"``
    padding the edge windows average their real elements only, as TF's ``avg_pool3d``."""

    rank, mode = 3, "avg"


def max_pooling1d(
    inputs: Any,
    pool_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.layers.max_pooling1d``: a one-off :class:`MaxPooling1D`."""
    return MaxPooling1D(pool_size, strides, padding, data_format, name=name)(inputs)


def average_pooling1d(
    inputs: Any,
    pool_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.layers.average_pooling1d``: a one-off :class:`AveragePooling1D`."""
    return AveragePooling1D(pool_size, strides, padding, data_format, name=name)(inputs)


def max_pooling2d(
    inputs: Any,
    pool_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.layers.max_pooling2d``: a one-off :class:`MaxPooling2D`."""
    return MaxPooling2D(pool_size, strides, padding, data_format, name=name)(inputs)


def average_pooling2d(
    inputs: Any,
    pool_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.layers.average_pooling2d``: a one-off :class:`AveragePooling2D`."""
    return AveragePooling2D(pool_size, strides, padding, data_format, name=name)(inputs)


def max_pooling3d(
    inputs: Any,
    pool_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.layers.max_pooling3d``: a one-off :class:`MaxPooling3D`."""
    return MaxPooling3D(pool_size, strides, padding, data_format, name=name)(inputs)


def average_pooling3d(
    inputs: Any,
    pool_size: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str = "valid",
    data_format: str = "channels_last",
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.layers.average_pooling3d``: a one-off :class:`AveragePooling3D`."""
    return AveragePooling3D(pool_size, strides, padding, data_format, name=name)(inputs)
