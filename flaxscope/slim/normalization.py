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
from flaxscope.slim.arg_scope import add_arg_scope
from flaxscope.slim.layers import model_getter, variable_collections
from flaxscope.slim.utils import collect_named_outputs
from flaxscope.slim.variables import model_variable
from flaxscope.store import GraphKeys
from flaxscope.variables import add_to_collection, assign, get_collection, variable_record

__all__ = ["batch_norm", "layer_norm"]

Array = jax.Array


def _static_bool(flag: Any) -> bool | None:
    """``is_training``'s value when it is known while tracing, else ``None``."""
    if isinstance(flag, (bool, int, np.bool_, np.integer)):
        return bool(flag)
    if isinstance(flag, (np.ndarray, jax.Array)) and not isinstance(flag, jax.core.Tracer):
        return bool(flag)
    return None


def _join_collections(value: Any, variables_collections: Any, name: str) -> None:
    """Adds a variable to the user's ``variables_collections`` entry ``name`` (once each)."""
    record = variable_record(value)
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
        prefix = sc.name + "/"
        made = {
            r.op_name[len(prefix) :]: r
            for r in get_collection(GraphKeys.GLOBAL_VARIABLES)
            if r.op_name.startswith(prefix) and "/" not in r.op_name[len(prefix) :]
        }
        for name in ("moving_mean", "moving_variance", "beta", "gamma"):
            if name in made:
                _join_collections(made[name].value, o.variables_collections, name)
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
        beta = gamma = None
        if center:
            beta = model_variable(
                "beta",
                shape=params_shape,
                dtype=inputs.dtype,
                initializer=zeros_initializer(),
                collections=variable_collections(variables_collections, "beta"),
                trainable=trainable,
            )
        if scale:
            gamma = model_variable(
                "gamma",
                shape=params_shape,
                dtype=inputs.dtype,
                initializer=ones_initializer(),
                collections=variable_collections(variables_collections, "gamma"),
                trainable=trainable,
            )
        axes = tuple(range(begin_norm_axis, rank))
        mean = jnp.mean(inputs, axis=axes, keepdims=True)
        variance = jnp.mean(
            jnp.square(inputs - jax.lax.stop_gradient(mean)), axis=axes, keepdims=True
        )
        inv = jax.lax.rsqrt(variance + jnp.asarray(1e-12, inputs.dtype))
        if gamma is not None:
            inv = inv * gamma
        outputs = inputs * inv + (-mean * inv + (beta if beta is not None else 0))
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)
