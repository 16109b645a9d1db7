"""TF-Slim's layer functions (``tf.contrib.layers`` / ``tf_slim.layers``).

Each layer opens ``variable_scope(scope, <default name>, reuse=reuse)`` and creates its
variables there as *model variables* under slim's names (``Conv/weights``,
``Conv/biases``, ``fully_connected/weights``, ...; TF's layer classes call them ``kernel``
and ``bias``, and slim renames them, as here, with a custom getter). Then, in that order:
the convolution or product, ``normalizer_fn(outputs, **normalizer_params)`` (which
replaces the biases), ``activation_fn`` (ReLU by default), and the output's entry in
``outputs_collections`` under the scope's name. Weights default to Glorot (Xavier) uniform,
biases to zeros. Layers without variables (pools, dropout, flatten) open a name scope only.

Every function here is decorated with :func:`~flaxscope.slim.arg_scope.add_arg_scope`.
TF1 equivalent: ``slim.conv2d``, ``slim.fully_connected``, ... with the same arguments.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.layers.core import Dense, Dropout
from flaxscope.layers.pooling import (
    AveragePooling2D,
    AveragePooling3D,
    MaxPooling2D,
    MaxPooling3D,
)
from flaxscope.ops.array.construction import one_hot
from flaxscope.ops.nn.activations import relu, relu6
from flaxscope.ops.nn.activations import softmax as _softmax
from flaxscope.ops.nn.normalization import bias_add as _nn_bias_add
from flaxscope.scopes import name_scope, variable_scope
from flaxscope.slim._common import (
    RENAME,
    XAVIER,
    ZEROS,
    channels_format,
    layer_arguments,
    model_getter,
    normalize_and_activate,
    variable_collections,
)
from flaxscope.slim.arg_scope import add_arg_scope
from flaxscope.slim.utils import collect_named_outputs
from flaxscope.slim.variables import model_variable

__all__ = [
    "avg_pool2d",
    "avg_pool3d",
    "bias_add",
    "dropout",
    "flatten",
    "fully_connected",
    "linear",
    "max_pool2d",
    "max_pool3d",
    "maxout",
    "one_hot_encoding",
    "repeat",
    "stack",
    "unit_norm",
]

Array = jax.Array


# --- dense ---------------------------------------------------------------------------
@add_arg_scope
def fully_connected(
    inputs: Any,
    num_outputs: int,
    activation_fn: Callable | None = relu,
    normalizer_fn: Callable | None = None,
    normalizer_params: dict | None = None,
    weights_initializer: Any = XAVIER,
    weights_regularizer: Callable | None = None,
    biases_initializer: Any = ZEROS,
    biases_regularizer: Callable | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Array:
    """``slim.fully_connected``: ``inputs @ weights + biases`` over the last axis, weights
    ``[in, num_outputs]``; default scope ``fully_connected``; ReLU unless
    ``activation_fn=None``."""
    if not isinstance(num_outputs, int):
        raise ValueError(
            f"num_outputs type should be one of [<class 'int'>], got {type(num_outputs)}."
        )
    getter = model_getter(RENAME, variables_collections)
    with variable_scope(scope, "fully_connected", reuse=reuse, custom_getter=getter) as sc:
        inputs = jnp.asarray(inputs)
        layer = Dense(
            units=num_outputs,
            **layer_arguments(
                sc,
                inputs.dtype,
                normalizer_fn,
                weights_initializer,
                weights_regularizer,
                biases_initializer,
                biases_regularizer,
                trainable,
                reuse,
            ),
        )
        outputs = layer(inputs)
        outputs = normalize_and_activate(outputs, normalizer_fn, normalizer_params, activation_fn)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


# contrib's shorthands: fully_connected with a fixed activation (still under its arg_scope)
linear = functools.partial(fully_connected, activation_fn=None)
relu_layer = functools.partial(fully_connected, activation_fn=relu)
relu6_layer = functools.partial(fully_connected, activation_fn=relu6)


@add_arg_scope
def bias_add(
    inputs: Any,
    activation_fn: Callable | None = None,
    initializer: Any = ZEROS,
    regularizer: Callable | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    data_format: str = "NHWC",
    scope: Any = None,
) -> Array:
    """``slim.bias_add``: adds a ``biases`` variable over the channel axis; default scope
    ``BiasAdd``."""
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    with variable_scope(scope, "BiasAdd", reuse=reuse) as sc:
        inputs = jnp.asarray(inputs)
        if inputs.ndim != 4 and data_format == "NCHW":
            raise ValueError("Data format NCHW only supports 4D Tensor")
        channels = inputs.shape[1 if data_format == "NCHW" else -1]
        biases = model_variable(
            "biases",
            shape=[channels],
            dtype=inputs.dtype,
            initializer=initializer,
            regularizer=regularizer,
            collections=variable_collections(variables_collections, "biases"),
            trainable=trainable,
        )
        outputs = _nn_bias_add(inputs, biases, data_format=data_format)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


# --- layers without variables --------------------------------------------------------
def _pool(
    layer_class: type,
    formats: tuple[str, str],
    default_scope: str,
    inputs: Any,
    kernel_size: Any,
    stride: Any,
    padding: str,
    data_format: str,
    outputs_collections: Any,
    scope: Any,
) -> Array:
    if data_format not in formats:
        raise ValueError(f"data_format has to be either {formats[1]} or {formats[0]}.")
    with name_scope(scope, default_scope) as sc:
        layer = layer_class(
            pool_size=kernel_size,
            strides=stride,
            padding=padding,
            data_format=channels_format(data_format),
            name=sc.rstrip("/"),
        )
        outputs = layer.call(inputs)  # no variables, so no variable scope
        return collect_named_outputs(outputs_collections, sc, outputs)


@add_arg_scope
def max_pool2d(
    inputs: Any,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 2,
    padding: str = "VALID",
    data_format: str = "NHWC",
    outputs_collections: Any = None,
    scope: str | None = None,
) -> Array:
    """``slim.max_pool2d``: the max over ``kernel_size`` windows, stride 2 and ``"VALID"``
    padding by default; name scope ``MaxPool2D``."""
    return _pool(
        MaxPooling2D,
        ("NHWC", "NCHW"),
        "MaxPool2D",
        inputs,
        kernel_size,
        stride,
        padding,
        data_format,
        outputs_collections,
        scope,
    )


@add_arg_scope
def avg_pool2d(
    inputs: Any,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 2,
    padding: str = "VALID",
    data_format: str = "NHWC",
    outputs_collections: Any = None,
    scope: str | None = None,
) -> Array:
    """``slim.avg_pool2d``: the mean over ``kernel_size`` windows (a ``"SAME"`` edge window
    averages its cells inside the input); name scope ``AvgPool2D``."""
    return _pool(
        AveragePooling2D,
        ("NHWC", "NCHW"),
        "AvgPool2D",
        inputs,
        kernel_size,
        stride,
        padding,
        data_format,
        outputs_collections,
        scope,
    )


@add_arg_scope
def max_pool3d(
    inputs: Any,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 2,
    padding: str = "VALID",
    data_format: str = "NDHWC",
    outputs_collections: Any = None,
    scope: str | None = None,
) -> Array:
    """``slim.max_pool3d``; name scope ``MaxPool3D``."""
    return _pool(
        MaxPooling3D,
        ("NDHWC", "NCDHW"),
        "MaxPool3D",
        inputs,
        kernel_size,
        stride,
        padding,
        data_format,
        outputs_collections,
        scope,
    )


@add_arg_scope
def avg_pool3d(
    inputs: Any,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 2,
    padding: str = "VALID",
    data_format: str = "NDHWC",
    outputs_collections: Any = None,
    scope: str | None = None,
) -> Array:
    """``slim.avg_pool3d``; name scope ``AvgPool3D``."""
    return _pool(
        AveragePooling3D,
        ("NDHWC", "NCDHW"),
        "AvgPool3D",
        inputs,
        kernel_size,
        stride,
        padding,
        data_format,
        outputs_collections,
        scope,
    )


@add_arg_scope
def dropout(
    inputs: Any,
    keep_prob: Any = 0.5,
    noise_shape: Sequence[int | None] | None = None,
    is_training: Any = True,
    outputs_collections: Any = None,
    scope: str | None = None,
    seed: int | None = None,
) -> Array:
    """``slim.dropout``: with ``is_training`` (a Python bool or a traced boolean), keeps each
    element with probability ``keep_prob`` and scales it by ``1 / keep_prob``; otherwise the
    identity. Note the argument: the *keep* probability, not ``tf.layers``' ``rate``. Masks
    come from ``apply(..., rng=key)`` (not TF's numbers)."""
    with name_scope(scope, "Dropout") as sc:
        layer = Dropout(rate=1 - keep_prob, noise_shape=noise_shape, seed=seed, name=sc.rstrip("/"))
        outputs = layer.call(inputs, training=is_training)
        return collect_named_outputs(outputs_collections, sc, outputs)


@add_arg_scope
def flatten(inputs: Any, outputs_collections: Any = None, scope: str | None = None) -> Array:
    """``slim.flatten``: ``[batch, ...]`` to ``[batch, k]``; name scope ``Flatten``."""
    with name_scope(scope, "Flatten") as sc:
        inputs = jnp.asarray(inputs)
        outputs = inputs.reshape(inputs.shape[0], -1) if inputs.ndim else inputs.reshape(1, 1)
        return collect_named_outputs(outputs_collections, sc, outputs)


@add_arg_scope
def softmax(logits: Any, scope: str | None = None) -> Array:
    """``slim.softmax``: the softmax over the last axis of logits of any rank."""
    with name_scope(scope, "softmax"):
        return _softmax(logits, axis=-1)


@add_arg_scope
def one_hot_encoding(
    labels: Any,
    num_classes: int,
    on_value: float = 1.0,
    off_value: float = 0.0,
    outputs_collections: Any = None,
    scope: str | None = None,
) -> Array:
    """``slim.one_hot_encoding``: float32 one-hot rows of ``num_classes``."""
    with name_scope(scope, "OneHotEncoding") as sc:
        outputs = one_hot(labels, num_classes, on_value=on_value, off_value=off_value)
        return collect_named_outputs(outputs_collections, sc, outputs)


@add_arg_scope
def unit_norm(inputs: Any, dim: int, epsilon: float = 1e-7, scope: Any = None) -> Array:
    """``slim.unit_norm``: ``inputs`` divided by their Euclidean norm along ``dim``
    (``sqrt(epsilon + sum(x**2))``)."""
    with variable_scope(scope, "UnitNorm"):
        inputs = jnp.asarray(inputs)
        rank = inputs.ndim
        if not -rank <= dim < rank:
            raise ValueError("dim must be in the range [-input_rank, input_rank)")
        lengths = jnp.sqrt(epsilon + jnp.sum(jnp.square(inputs), axis=dim, keepdims=True))
        return inputs / lengths


def maxout(inputs: Any, num_units: int, axis: int = -1, scope: Any = None) -> Array:
    """``slim.maxout``: the maximum over each run of ``features / num_units`` consecutive
    features of ``axis``, leaving ``num_units`` there."""
    with variable_scope(scope, "MaxOut"):
        inputs = jnp.asarray(inputs)
        shape = list(inputs.shape)
        features = shape[axis]
        if features % num_units:
            raise ValueError(
                f"number of features({features}) is not a multiple of num_units({num_units})"
            )
        shape[axis] = num_units
        shape.append(features // num_units)
        return jnp.max(inputs.reshape(shape), axis=-1)


# --- composition ---------------------------------------------------------------------
def _layer_name(layer: Any) -> str:
    if hasattr(layer, "__name__"):
        return layer.__name__
    if hasattr(layer, "func") and hasattr(layer.func, "__name__"):
        return layer.func.__name__  # a functools.partial
    return "repeat"


def repeat(inputs: Any, repetitions: int, layer: Callable, *args: Any, **kwargs: Any) -> Any:
    """``slim.repeat``: ``layer`` applied ``repetitions`` times, each call in scope
    ``<scope>/<scope>_<i>`` (``scope`` defaults to the layer's function name, under a scope
    ``Repeat``): ``repeat(x, 2, conv2d, 64, [3, 3], scope="conv1")`` makes ``conv1/conv1_1``
    and ``conv1/conv1_2``, VGG's names."""
    scope = kwargs.pop("scope", None)
    with variable_scope(scope, "Repeat"):
        if scope is None:
            scope = _layer_name(layer)
        outputs = inputs
        for i in range(repetitions):
            kwargs["scope"] = f"{scope}_{i + 1}"
            outputs = layer(outputs, *args, **kwargs)
        return outputs


def stack(inputs: Any, layer: Callable, stack_args: Sequence[Any], **kwargs: Any) -> Any:
    """``slim.stack``: ``layer`` applied once per entry of ``stack_args`` (an argument, or a
    tuple of positional arguments), in scopes ``<scope>/<scope>_<i>`` (default scope
    ``Stack``): ``stack(x, fully_connected, [32, 64, 128], scope="fc")``."""
    scope = kwargs.pop("scope", None)
    if not isinstance(stack_args, (list, tuple)):
        raise ValueError("stack_args need to be a list or tuple")
    with variable_scope(scope, "Stack"):
        if scope is None:
            scope = _layer_name(layer)
        outputs = inputs
        for i, layer_args in enumerate(stack_args):
            kwargs["scope"] = f"{scope}_{i + 1}"
            if not isinstance(layer_args, (list, tuple)):
                layer_args = [layer_args]
            outputs = layer(outputs, *layer_args, **kwargs)
        return outputs
