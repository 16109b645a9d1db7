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

from flaxscope.initializers import zeros_initializer
from flaxscope.layers.convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    SeparableConv2D,
)
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
from flaxscope.ops.nn_conv import depthwise_conv2d
from flaxscope.scopes import name_scope, variable_scope
from flaxscope.slim.arg_scope import add_arg_scope
from flaxscope.slim.initializers import xavier_initializer
from flaxscope.slim.utils import collect_named_outputs
from flaxscope.slim.variables import model_variable
from flaxscope.store import GraphKeys

__all__ = [
    "avg_pool2d",
    "avg_pool3d",
    "bias_add",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "convolution",
    "convolution1d",
    "convolution2d",
    "convolution2d_transpose",
    "convolution3d",
    "convolution3d_transpose",
    "dropout",
    "flatten",
    "fully_connected",
    "linear",
    "max_pool2d",
    "max_pool3d",
    "maxout",
    "one_hot_encoding",
    "repeat",
    "separable_conv2d",
    "separable_convolution2d",
    "softmax",
    "stack",
    "unit_norm",
]

Array = jax.Array
_XAVIER = xavier_initializer()
_ZEROS = zeros_initializer()
_CONV_FORMATS = (None, "NWC", "NCW", "NHWC", "NCHW", "NDHWC", "NCDHW")
_RENAME = {"kernel": "weights", "bias": "biases"}
_SEPARABLE_RENAME = {
    "bias": "biases",
    "depthwise_kernel": "depthwise_weights",
    "pointwise_kernel": "pointwise_weights",
}
# Which entry of a variables_collections dict a renamed variable joins.
_COLLECTION_KEY = {"depthwise_weights": "weights", "pointwise_weights": "weights"}


def variable_collections(variables_collections: Any, name: str) -> list[str]:
    """The user's collections for the variable ``name`` (``variables_collections`` is a
    list for all of a layer's variables, or a dict by variable name)."""
    if isinstance(variables_collections, dict):
        chosen = variables_collections.get(name)
    else:
        chosen = variables_collections
    if chosen is None:
        return []
    return [chosen] if isinstance(chosen, str) else list(chosen)


def model_getter(rename: dict[str, str], variables_collections: Any) -> Callable:
    """The custom getter of a slim layer's scope: TF's layer classes name their variables
    ``kernel``/``bias``; slim renames them and makes them model variables."""

    def getter(getter: Callable, name: str, *args: Any, **kwargs: Any) -> Array:
        head, _, short = name.rpartition("/")
        short = rename.get(short, short)
        name = f"{head}/{short}" if head else short
        kwargs["collections"] = list(
            dict.fromkeys(
                [
                    *(kwargs.get("collections") or []),
                    GraphKeys.GLOBAL_VARIABLES,
                    GraphKeys.MODEL_VARIABLES,
                    *variable_collections(variables_collections, _COLLECTION_KEY.get(short, short)),
                ]
            )
        )
        return getter(name, *args, **kwargs)

    return getter


def _normalize_and_activate(
    outputs: Array,
    normalizer_fn: Callable | None,
    normalizer_params: dict | None,
    activation_fn: Callable | None,
) -> Array:
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return outputs


def _channels(data_format: str | None) -> str:
    return "channels_first" if data_format and data_format.startswith("NC") else "channels_last"


def _pair(value: Any, label: str) -> tuple[int, int]:
    """slim's ``two_element_tuple``: an int, or a list/tuple of two ints."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"Must be a list with 2 elements: {value}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


# --- convolutions --------------------------------------------------------------------
@add_arg_scope
def convolution(
    inputs: Any,
    num_outputs: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: str = "SAME",
    data_format: str | None = None,
    rate: int | Sequence[int] = 1,
    activation_fn: Callable | None = relu,
    normalizer_fn: Callable | None = None,
    normalizer_params: dict | None = None,
    weights_initializer: Any = _XAVIER,
    weights_regularizer: Callable | None = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Callable | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
    conv_dims: int | None = None,
) -> Array:
    """``slim.convolution``: an N-D convolution (1-D, 2-D or 3-D by the input's rank),
    variables ``<scope>/weights`` ``[*kernel_size, in, num_outputs]`` and ``<scope>/biases``
    (none with a ``normalizer_fn``); default scope ``Conv``; ``rate`` is the dilation."""
    if data_format not in _CONV_FORMATS:
        raise ValueError(f"Invalid data_format: {data_format!r}")
    getter = model_getter(_RENAME, variables_collections)
    with variable_scope(scope, "Conv", reuse=reuse, custom_getter=getter) as sc:
        inputs = jnp.asarray(inputs)
        rank = inputs.ndim
        if conv_dims is not None and conv_dims + 2 != rank:
            raise ValueError(f"Convolution expects input with rank {conv_dims + 2}, got {rank}")
        layer_class = {3: Conv1D, 4: Conv2D, 5: Conv3D}.get(rank)
        if layer_class is None:
            raise ValueError(
                f"Convolution not supported for input with rank {rank}: slim convolutions take "
                "[batch, *spatial, channels] inputs with 1 to 3 spatial dimensions"
            )
        layer = layer_class(
            filters=num_outputs,
            kernel_size=kernel_size,
            strides=stride,
            padding=padding,
            data_format=_channels(data_format),
            dilation_rate=rate,
            activation=None,
            use_bias=not normalizer_fn and bool(biases_initializer),
            kernel_initializer=weights_initializer,
            bias_initializer=biases_initializer,
            kernel_regularizer=weights_regularizer,
            bias_regularizer=biases_regularizer,
            trainable=trainable,
            name=sc.name,
            dtype=inputs.dtype,
            _scope=sc,
            _reuse=reuse,
        )
        outputs = layer(inputs)
        outputs = _normalize_and_activate(outputs, normalizer_fn, normalizer_params, activation_fn)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


def _fixed_rank(conv_dims: int, name: str) -> Callable:
    def conv(inputs: Any, num_outputs: int, kernel_size: Any, *args: Any, **kwargs: Any) -> Array:
        return convolution.__wrapped__(  # type: ignore[attr-defined]
            inputs, num_outputs, kernel_size, *args, conv_dims=conv_dims, **kwargs
        )

    conv.__name__ = conv.__qualname__ = name
    conv.__doc__ = (
        f"``slim.{name}``: :func:`convolution` on inputs of rank {conv_dims + 2} only (the "
        "same arguments)."
    )
    return add_arg_scope(conv)


convolution1d = conv1d = _fixed_rank(1, "convolution1d")
convolution2d = conv2d = _fixed_rank(2, "convolution2d")
convolution3d = conv3d = _fixed_rank(3, "convolution3d")


def _transpose(
    layer_class: type,
    formats: tuple[str, str],
    default_scope: str,
    inputs: Any,
    num_outputs: int,
    kernel_size: Any,
    stride: Any,
    padding: str,
    data_format: str,
    activation_fn: Callable | None,
    normalizer_fn: Callable | None,
    normalizer_params: dict | None,
    weights_initializer: Any,
    weights_regularizer: Callable | None,
    biases_initializer: Any,
    biases_regularizer: Callable | None,
    reuse: bool | None,
    variables_collections: Any,
    outputs_collections: Any,
    trainable: bool,
    scope: Any,
) -> Array:
    getter = model_getter(_RENAME, variables_collections)
    with variable_scope(scope, default_scope, reuse=reuse, custom_getter=getter) as sc:
        if data_format not in formats:
            raise ValueError(f"data_format has to be either {formats[1]} or {formats[0]}.")
        inputs = jnp.asarray(inputs)
        layer = layer_class(
            filters=num_outputs,
            kernel_size=kernel_size,
            strides=stride,
            padding=padding,
            data_format=_channels(data_format),
            activation=None,
            use_bias=not normalizer_fn and bool(biases_initializer),
            kernel_initializer=weights_initializer,
            bias_initializer=biases_initializer,
            kernel_regularizer=weights_regularizer,
            bias_regularizer=biases_regularizer,
            trainable=trainable,
            name=sc.name,
            dtype=inputs.dtype,
            _scope=sc,
            _reuse=reuse,
        )
        outputs = layer(inputs)
        outputs = _normalize_and_activate(outputs, normalizer_fn, normalizer_params, activation_fn)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def convolution2d_transpose(
    inputs: Any,
    num_outputs: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: str = "SAME",
    data_format: str = "NHWC",
    activation_fn: Callable | None = relu,
    normalizer_fn: Callable | None = None,
    normalizer_params: dict | None = None,
    weights_initializer: Any = _XAVIER,
    weights_regularizer: Callable | None = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Callable | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Array:
    """``slim.conv2d_transpose``: the transposed 2-D convolution, weights
    ``[kh, kw, num_outputs, in]``; default scope ``Conv2d_transpose``."""
    return _transpose(
        Conv2DTranspose,
        ("NHWC", "NCHW"),
        "Conv2d_transpose",
        inputs,
        num_outputs,
        kernel_size,
        stride,
        padding,
        data_format,
        activation_fn,
        normalizer_fn,
        normalizer_params,
        weights_initializer,
        weights_regularizer,
        biases_initializer,
        biases_regularizer,
        reuse,
        variables_collections,
        outputs_collections,
        trainable,
        scope,
    )


@add_arg_scope
def convolution3d_transpose(
    inputs: Any,
    num_outputs: int,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: str = "SAME",
    data_format: str = "NDHWC",
    activation_fn: Callable | None = relu,
    normalizer_fn: Callable | None = None,
    normalizer_params: dict | None = None,
    weights_initializer: Any = _XAVIER,
    weights_regularizer: Callable | None = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Callable | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Array:
    """``slim.conv3d_transpose``: the transposed 3-D convolution; default scope
    ``Conv3d_transpose``."""
    return _transpose(
        Conv3DTranspose,
        ("NDHWC", "NCDHW"),
        "Conv3d_transpose",
        inputs,
        num_outputs,
        kernel_size,
        stride,
        padding,
        data_format,
        activation_fn,
        normalizer_fn,
        normalizer_params,
        weights_initializer,
        weights_regularizer,
        biases_initializer,
        biases_regularizer,
        reuse,
        variables_collections,
        outputs_collections,
        trainable,
        scope,
    )


conv2d_transpose = convolution2d_transpose
conv3d_transpose = convolution3d_transpose


@add_arg_scope
def separable_convolution2d(
    inputs: Any,
    num_outputs: int | None,
    kernel_size: int | Sequence[int],
    depth_multiplier: int = 1,
    stride: int | Sequence[int] = 1,
    padding: str = "SAME",
    data_format: str = "NHWC",
    rate: int | Sequence[int] = 1,
    activation_fn: Callable | None = relu,
    normalizer_fn: Callable | None = None,
    normalizer_params: dict | None = None,
    weights_initializer: Any = _XAVIER,
    pointwise_initializer: Any = None,
    weights_regularizer: Callable | None = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Callable | None = None,
    reuse: bool | None = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Array:
    """``slim.separable_conv2d``: a depthwise convolution (``depthwise_weights``
    ``[kh, kw, in, depth_multiplier]``) then, unless ``num_outputs`` is ``None``, a 1x1
    convolution (``pointwise_weights``); default scope ``SeparableConv2d``."""
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    getter = model_getter(_SEPARABLE_RENAME, variables_collections)
    with variable_scope(scope, "SeparableConv2d", reuse=reuse, custom_getter=getter) as sc:
        inputs = jnp.asarray(inputs)
        use_bias = not normalizer_fn and bool(biases_initializer)
        if num_outputs is not None:
            layer = SeparableConv2D(
                filters=num_outputs,
                kernel_size=kernel_size,
                strides=stride,
                padding=padding,
                data_format=_channels(data_format),
                dilation_rate=_pair(rate, "rate"),
                activation=None,
                depth_multiplier=depth_multiplier,
                use_bias=use_bias,
                depthwise_initializer=weights_initializer,
                pointwise_initializer=pointwise_initializer or weights_initializer,
                bias_initializer=biases_initializer,
                depthwise_regularizer=weights_regularizer,
                pointwise_regularizer=weights_regularizer,
                bias_regularizer=biases_regularizer,
                trainable=trainable,
                name=sc.name,
                dtype=inputs.dtype,
                _scope=sc,
                _reuse=reuse,
            )
            outputs = layer(inputs)
        else:
            kh, kw = _pair(kernel_size, "kernel_size")
            sh, sw = _pair(stride, "stride")
            channel_axis = 1 if data_format == "NCHW" else -1
            channels = inputs.shape[channel_axis]
            weights = model_variable(
                "depthwise_weights",
                shape=[kh, kw, channels, depth_multiplier],
                dtype=inputs.dtype,
                initializer=weights_initializer,
                regularizer=weights_regularizer,
                trainable=trainable,
                collections=variable_collections(variables_collections, "weights"),
            )
            strides = [1, 1, sh, sw] if data_format == "NCHW" else [1, sh, sw, 1]
            outputs = depthwise_conv2d(
                inputs,
                weights,
                strides,
                padding,
                rate=_pair(rate, "rate"),
                data_format=data_format,
            )
            if use_bias:
                biases = model_variable(
                    "biases",
                    shape=[channels * depth_multiplier],
                    dtype=inputs.dtype,
                    initializer=biases_initializer,
                    regularizer=biases_regularizer,
                    trainable=trainable,
                    collections=variable_collections(variables_collections, "biases"),
                )
                outputs = _nn_bias_add(outputs, biases, data_format=data_format)
        outputs = _normalize_and_activate(outputs, normalizer_fn, normalizer_params, activation_fn)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


separable_conv2d = separable_convolution2d


# --- dense ---------------------------------------------------------------------------
@add_arg_scope
def fully_connected(
    inputs: Any,
    num_outputs: int,
    activation_fn: Callable | None = relu,
    normalizer_fn: Callable | None = None,
    normalizer_params: dict | None = None,
    weights_initializer: Any = _XAVIER,
    weights_regularizer: Callable | None = None,
    biases_initializer: Any = _ZEROS,
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
    getter = model_getter(_RENAME, variables_collections)
    with variable_scope(scope, "fully_connected", reuse=reuse, custom_getter=getter) as sc:
        inputs = jnp.asarray(inputs)
        layer = Dense(
            units=num_outputs,
            activation=None,
            use_bias=not normalizer_fn and bool(biases_initializer),
            kernel_initializer=weights_initializer,
            bias_initializer=biases_initializer,
            kernel_regularizer=weights_regularizer,
            bias_regularizer=biases_regularizer,
            trainable=trainable,
            name=sc.name,
            dtype=inputs.dtype,
            _scope=sc,
            _reuse=reuse,
        )
        outputs = layer(inputs)
        outputs = _normalize_and_activate(outputs, normalizer_fn, normalizer_params, activation_fn)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


# contrib's shorthands: fully_connected with a fixed activation (still under its arg_scope)
linear = functools.partial(fully_connected, activation_fn=None)
relu_layer = functools.partial(fully_connected, activation_fn=relu)
relu6_layer = functools.partial(fully_connected, activation_fn=relu6)


@add_arg_scope
def bias_add(
    inputs: Any,
    activation_fn: Callable | None = None,
    initializer: Any = _ZEROS,
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
            data_format=_channels(data_format),
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
