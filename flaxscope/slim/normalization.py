"""TF-Slim's ``batch_norm`` and ``layer_norm`` (``tf.contrib.layers``).

``batch_norm`` defaults differ from ``tf.layers.batch_normalization``'s: ``decay=0.999``,
``scale=False`` (no ``gamma`` unless asked; the next layer's weights can absorb it),
``epsilon=0.001``, scope ``BatchNorm``. Its moving statistics are updated where TF1 ran
the ``UPDATE_OPS`` (or, with ``updates_collections=None``, in place): here both are the
``assign`` that ``apply(..., mutable=True)`` returns in ``state``.

TF1 took one of three code paths, and they differ in what users can see, so each is kept:

* TF's fused kernel (rank 2 inputs, or rank 4 with ``updates_collections`` other than
  ``UPDATE_OPS``): variables ``beta``, ``gamma``, ``moving_mean``, ``moving_variance`` in that
  order; the moving variance tracks the unbiased (Bessel-corrected) batch variance;
  ``epsilon`` is raised to ``1.001e-5``.
* ``tf.layers.BatchNormalization`` (the default ``updates_collections`` otherwise): ``gamma``
  is created before ``beta``; rank 4 and 5 inputs take the fused kernel (unbiased moving
  variance) unless ``fused=False``, other ranks the biased variance.
* the legacy graph (other ``updates_collections`` at ranks 3 and 5, or ``fused=False``):
  ``beta`` first, the biased variance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.initializers import ones_initializer, zeros_initializer
from flaxscope.layers.normalization import BatchNormalization, batch_moments
from flaxscope.ops.nn.normalization import fused_batch_norm
from flaxscope.scopes import variable_scope
from flaxscope.slim._common import model_getter, variable_collections
from flaxscope.slim.arg_scope import add_arg_scope
from flaxscope.slim.utils import collect_named_outputs
from flaxscope.slim.variables import model_variable
from flaxscope.store import GraphKeys, current_frame
from flaxscope.variables import add_to_collection, assign, get_collection

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm"]

Array = jax.Array


def _static_bool(flag: Any) -> bool | None:
    """``is_training``'s value when it is known while tracing, else ``None``."""
    if isinstance(flag, (bool, int, np.bool_, np.integer)):
        return bool(flag)
    if isinstance(flag, (np.ndarray, jax.Array)) and not isinstance(flag, jax.core.Tracer):
        return bool(flag)
    return None


def _join_collections(record: Any, variables_collections: Any, name: str) -> None:
    """Adds a variable's record to the user's ``variables_collections`` entry ``name`` (once
    each)."""
    for key in variable_collections(variables_collections, name):
        if all(item is not record for item in get_collection(key)):
            add_to_collection(key, record)


def _refuse(batch_weights: Any, renorm: bool, adjustment: Any, zero_debias: bool) -> None:
    unsupported = [
        label
        for label, given in (
            ("batch_weights", batch_weights is not None),
            ("renorm", renorm),
            ("adjustment", adjustment is not None),
            ("zero_debias_moving_mean", zero_debias),
        )
        if given
    ]
    if unsupported:
        raise NotImplementedError(
            f"slim.batch_norm's {', '.join(unsupported)} are not supported by flaxscope: "
            "normalize with tf.nn.moments and tf.nn.batch_normalization, and keep the "
            "moving averages with tf.train.ExponentialMovingAverage"
        )


def _update(moving: Array, batch: Array, decay: float, training: Any) -> None:
    """``assign_moving_average``: ``moving -= (moving - batch) * (1 - decay)``."""
    new = moving - (moving - batch) * (1 - jnp.asarray(decay, moving.dtype))
    if training is not True:  # a traced flag: keep the old value when it is false
        new = jnp.where(training, new, moving)
    assign(moving, new)


class _Options(NamedTuple):
    """``batch_norm``'s arguments, as its three paths read them."""

    decay: float
    center: bool
    scale: bool
    epsilon: float
    activation_fn: Callable | None
    initializers: dict
    regularizers: dict
    is_training: Any
    reuse: bool | None
    variables_collections: Any
    outputs_collections: Any
    trainable: bool
    fused: bool | None
    data_format: str
    scope: Any


@add_arg_scope
def batch_norm(
    inputs: Any,
    decay: float = 0.999,
    center: bool = True,
    scale: bool = False,
    epsilon: float = 0.001,
    activation_fn: Callable | None = None,
    param_initializers: dict | None = None,
    param_regularizers: dict | None = None,
    updates_collections: Any = GraphKeys.UPDATE_OPS,
    is_training: Any = True,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    batch_weights: Any = None,
    fused: bool | None = None,
    data_format: str = "NHWC",
    zero_debias_moving_mean: bool = False,
    scope: Any = None,
    renorm: bool = False,
    renorm_clipping: dict | None = None,
    renorm_decay: float = 0.99,
    adjustment: Callable | None = None,
) -> Array:
    """``slim.batch_norm``: batch normalization over the channel axis (the last;
    ``"NCHW"``: axis 1). ``is_training`` is a Python bool or a traced boolean; in training
    the moving statistics are updated (``apply(..., mutable=True)``)."""
    del renorm_clipping, renorm_decay
    _refuse(batch_weights, renorm, adjustment, zero_debias_moving_mean)
    inputs = jnp.asarray(inputs)
    rank = inputs.ndim
    fused_path = (
        (fused is None or fused)
        and rank in (2, 4)
        and (rank == 2 or updates_collections != GraphKeys.UPDATE_OPS)
    )
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    param_initializers = param_initializers or {}
    param_regularizers = param_regularizers or {}
    if fused_path:
        run = _fused
    elif updates_collections == GraphKeys.UPDATE_OPS:
        run = _with_layer
    else:
        run = _legacy
    options = _Options(
        decay,
        center,
        scale,
        epsilon,
        activation_fn,
        param_initializers,
        param_regularizers,
        is_training,
        reuse,
        variables_collections,
        outputs_collections,
        trainable,
        fused,
        data_format,
        scope,
    )
    return run(inputs, options)


def _parameters(
    channels: int, dtype: Any, o: _Options, regularized: bool = True
) -> tuple[Array | None, Array | None, Array, Array]:
    """``beta``, ``gamma`` (``None`` when not made), ``moving_mean``, ``moving_variance``, in
    TF's fused and legacy creation order."""

    def make(name: str, default: Any, trainable: bool) -> Array:
        return model_variable(
            name,
            shape=[channels],
            dtype=dtype,
            initializer=o.initializers.get(name, default),
            regularizer=o.regularizers.get(name) if regularized else None,
            collections=variable_collections(o.variables_collections, name),
            trainable=trainable,
        )

    beta = make("beta", zeros_initializer(), o.trainable) if o.center else None
    gamma = make("gamma", ones_initializer(), o.trainable) if o.scale else None
    moving_mean = make("moving_mean", zeros_initializer(), False)
    moving_variance = make("moving_variance", ones_initializer(), False)
    return beta, gamma, moving_mean, moving_variance


def _fused(inputs: Array, o: _Options) -> Array:
    with variable_scope(o.scope, "BatchNorm", reuse=o.reuse) as sc:
        original_shape = inputs.shape
        channel_axis = 1 if o.data_format == "NCHW" else -1
        channels = inputs.shape[channel_axis]
        if inputs.ndim == 2:
            inputs = inputs.reshape(
                (-1, channels, 1, 1) if o.data_format == "NCHW" else (-1, 1, 1, channels)
            )
        dtype = jnp.float32 if inputs.dtype == jnp.float16 else inputs.dtype
        beta, gamma, moving_mean, moving_variance = _parameters(channels, dtype, o)
        if beta is None:
            beta = jnp.zeros([channels], dtype)
        if gamma is None:
            gamma = jnp.ones([channels], dtype)
        training = _static_bool(o.is_training)
        if training is False:
            outputs, _, _ = fused_batch_norm(
                inputs,
                gamma,
                beta,
                moving_mean,
                moving_variance,
                epsilon=o.epsilon,
                data_format=o.data_format,
                is_training=False,
            )
        else:
            outputs, mean, variance = fused_batch_norm(
                inputs, gamma, beta, epsilon=o.epsilon, data_format=o.data_format
            )
            flag = True if training else jnp.asarray(o.is_training, bool)
            if training is None:
                inferred, _, _ = fused_batch_norm(
                    inputs,
                    gamma,
                    beta,
                    moving_mean,
                    moving_variance,
                    epsilon=o.epsilon,
                    data_format=o.data_format,
                    is_training=False,
                )
                outputs = jnp.where(flag, outputs, inferred)
            _update(moving_mean, mean, o.decay, flag)
            _update(moving_variance, variance, o.decay, flag)
        outputs = outputs.reshape(original_shape)
        if o.activation_fn is not None:
            outputs = o.activation_fn(outputs)
        return collect_named_outputs(o.outputs_collections, sc.name, outputs)


def _with_layer(inputs: Array, o: _Options) -> Array:
    getter = model_getter({}, None)
    with variable_scope(o.scope, "BatchNorm", reuse=o.reuse, custom_getter=getter) as sc:
        layer = BatchNormalization(
            axis=1 if o.data_format == "NCHW" else -1,
            momentum=o.decay,
            epsilon=o.epsilon,
            center=o.center,
            scale=o.scale,
            beta_initializer=o.initializers.get("beta"),
            gamma_initializer=o.initializers.get("gamma"),
            moving_mean_initializer=o.initializers.get("moving_mean"),
            moving_variance_initializer=o.initializers.get("moving_variance"),
            beta_regularizer=o.regularizers.get("beta"),
            gamma_regularizer=o.regularizers.get("gamma"),
            trainable=o.trainable,
            fused=False if o.fused is False else None,
            name=sc.name,
            _scope=sc,
            _reuse=o.reuse,
        )
        training = _static_bool(o.is_training)
        outputs = layer(inputs, training=o.is_training if training is None else training)
        # TF adds the variables to the user's collections after the layer made them.
        if o.variables_collections:
            frame = current_frame()
            for name in ("moving_mean", "moving_variance", "beta", "gamma"):
                record = frame.record(f"{sc.name}/{name}")
                if record is not None:
                    _join_collections(record, o.variables_collections, name)
        if o.activation_fn is not None:
            outputs = o.activation_fn(outputs)
        return collect_named_outputs(o.outputs_collections, sc.name, outputs)


def _legacy(inputs: Array, o: _Options) -> Array:
    with variable_scope(o.scope, "BatchNorm", reuse=o.reuse) as sc:
        rank = inputs.ndim
        axis = 1 if o.data_format == "NCHW" else rank - 1
        channels = inputs.shape[axis]
        beta, gamma, moving_mean, moving_variance = _parameters(
            channels, inputs.dtype, o, regularized=False
        )
        training = _static_bool(o.is_training)
        mean, variance = moving_mean, moving_variance
        if training is not False:
            reduce_axes = tuple(a for a in range(rank) if a != axis)
            batch_mean, batch_variance = batch_moments(inputs, reduce_axes)
            flag = True if training else jnp.asarray(o.is_training, bool)
            _update(moving_mean, batch_mean, o.decay, flag)
            _update(moving_variance, batch_variance, o.decay, flag)
            if training:
                mean, variance = batch_mean, batch_variance
            else:
                mean = jnp.where(flag, batch_mean, moving_mean)
                variance = jnp.where(flag, batch_variance, moving_variance)
        shape = [1] * rank
        shape[axis] = channels
        inv = jax.lax.rsqrt(variance + jnp.asarray(o.epsilon, inputs.dtype))
        if gamma is not None:
            inv = inv * gamma
        shift = -mean * inv + (beta if beta is not None else 0)
        outputs = inputs * inv.reshape(shape) + shift.reshape(shape)
        if o.activation_fn is not None:
            outputs = o.activation_fn(outputs)
        return collect_named_outputs(o.outputs_collections, sc.name, outputs)


@add_arg_scope
def layer_norm(
    inputs: Any,
    center: bool = True,
    scale: bool = True,
    activation_fn: Callable | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    begin_norm_axis: int = 1,
    begin_params_axis: int = -1,
    scope: Any = None,
) -> Array:
    """``slim.layer_norm`` (``tf.contrib.layers.layer_norm``): normalizes over the axes from
    ``begin_norm_axis`` on (all but the batch by default), then scales and shifts by
    ``gamma``/``beta`` of shape ``inputs.shape[begin_params_axis:]`` (the last axis by
    default); ``epsilon`` 1e-12; variables ``LayerNorm/beta`` then ``LayerNorm/gamma``."""
    with variable_scope(scope, "LayerNorm", reuse=reuse) as sc:
        inputs = jnp.asarray(inputs)
        rank = inputs.ndim
        if begin_norm_axis < 0:
            begin_norm_axis = rank + begin_norm_axis
        if begin_params_axis >= rank or begin_norm_axis >= rank:
            raise ValueError(
                f"begin_params_axis ({begin_params_axis}) and begin_norm_axis "
                f"({begin_norm_axis}) must be < rank(inputs) ({rank})"
            )
        params_shape = list(inputs.shape[begin_params_axis:])
        beta, gamma = _scale_and_shift(
            params_shape, inputs.dtype, center, scale, None, variables_collections, trainable
        )
        outputs = _normalize(inputs, tuple(range(begin_norm_axis, rank)), beta, gamma, 1e-12)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


def _scale_and_shift(
    params_shape: list[int],
    dtype: Any,
    center: bool,
    scale: bool,
    initializers: dict | None,
    variables_collections: Any,
    trainable: bool,
) -> tuple[Array | None, Array | None]:
    """``beta`` then ``gamma`` (either may be ``None``) as model variables."""
    initializers = initializers or {}
    made = []
    for flag, var, default in (
        (center, "beta", zeros_initializer()),
        (scale, "gamma", ones_initializer()),
    ):
        made.append(
            model_variable(
                var,
                shape=params_shape,
                dtype=dtype,
                initializer=initializers.get(var, default),
                collections=variable_collections(variables_collections, var),
                trainable=trainable,
            )
            if flag
            else None
        )
    return made[0], made[1]


def _normalize(
    inputs: Array, axes: tuple[int, ...], beta: Any, gamma: Any, epsilon: float
) -> Array:
    """``tf.nn.moments`` over ``axes`` (kept) then ``tf.nn.batch_normalization``."""
    mean = jnp.mean(inputs, axis=axes, keepdims=True)
    variance = jnp.mean(jnp.square(inputs - jax.lax.stop_gradient(mean)), axis=axes, keepdims=True)
    inv = jax.lax.rsqrt(variance + jnp.asarray(epsilon, inputs.dtype))
    if gamma is not None:
        inv = inv * gamma
    return inputs * inv + (-mean * inv + (beta if beta is not None else 0))


@add_arg_scope
def instance_norm(
    inputs: Any,
    center: bool = True,
    scale: bool = True,
    epsilon: float = 1e-6,
    activation_fn: Callable | None = None,
    param_initializers: dict | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    data_format: str = "NHWC",
    scope: Any = None,
) -> Array:
    """``slim.instance_norm`` (``tf.contrib.layers.instance_norm``): each example's channels
    normalized over its own spatial positions, then ``gamma``/``beta`` per channel;
    variables ``InstanceNorm/beta`` and ``InstanceNorm/gamma``."""
    inputs = jnp.asarray(inputs)
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    with variable_scope(scope, "InstanceNorm", reuse=reuse) as sc:
        rank = inputs.ndim
        channel_axis = 1 if data_format == "NCHW" else rank - 1
        channels = inputs.shape[channel_axis]
        beta, gamma = _scale_and_shift(
            [channels],
            inputs.dtype,
            center,
            scale,
            param_initializers,
            variables_collections,
            trainable,
        )
        if data_format == "NCHW":
            broadcast = (1, channels) + (1,) * (rank - 2)
            beta = None if beta is None else beta.reshape(broadcast)
            gamma = None if gamma is None else gamma.reshape(broadcast)
        axes = tuple(a for a in range(1, rank) if a != channel_axis)
        outputs = _normalize(inputs, axes, beta, gamma, epsilon)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def group_norm(
    inputs: Any,
    groups: int = 32,
    channels_axis: int = -1,
    reduction_axes: tuple[int, ...] = (-3, -2),
    center: bool = True,
    scale: bool = True,
    epsilon: float = 1e-6,
    activation_fn: Callable | None = None,
    param_initializers: dict | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
    mean_close_to_zero: bool = False,
) -> Array:
    """``slim.group_norm`` (``tf.contrib.layers.group_norm``): the channels split into
    ``groups``, each group normalized over itself and ``reduction_axes``; variables
    ``GroupNorm/beta`` and ``GroupNorm/gamma`` of shape ``[channels]``."""
    del mean_close_to_zero  # the same statistics, another summation order
    inputs = jnp.asarray(inputs)
    rank = inputs.ndim
    if channels_axis > rank - 1:
        raise ValueError("Axis is out of bounds.")
    channels_axis %= rank
    channels = inputs.shape[channels_axis]
    axes = [a + rank if a < 0 else a for a in reduction_axes]
    for a in axes:
        if a > rank:
            raise ValueError("Axis is out of bounds.")
        if a == channels_axis:
            raise ValueError("reduction_axis must be mutually exclusive with channels_axis")
    if groups > channels:
        raise ValueError(f"Invalid groups {groups} for {channels} channels.")
    if channels % groups:
        raise ValueError(f"{channels} channels is not commensurate with {groups} groups.")
    grouped_shape = (
        *inputs.shape[:channels_axis],
        groups,
        channels // groups,
        *inputs.shape[channels_axis + 1 :],
    )
    grouped = inputs.reshape(grouped_shape)
    moments_axes = (channels_axis + 1, *(a + 1 if a > channels_axis else a for a in axes))
    with variable_scope(scope, "GroupNorm", reuse=reuse) as sc:
        beta, gamma = _scale_and_shift(
            [channels],
            inputs.dtype,
            center,
            scale,
            param_initializers,
            variables_collections,
            trainable,
        )
        broadcast = (
            (1,) * channels_axis + (groups, channels // groups) + (1,) * (rank - channels_axis - 1)
        )
        beta = None if beta is None else beta.reshape(broadcast)
        gamma = None if gamma is None else gamma.reshape(broadcast)
        outputs = _normalize(grouped, tuple(sorted(moments_axes)), beta, gamma, epsilon)
        outputs = outputs.reshape(inputs.shape)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)
