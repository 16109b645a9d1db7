"""TF-Slim's convolutions: ``slim.conv2d`` (``convolution`` of any rank, ``conv1d``,
``conv3d``), the transposed ones and ``separable_conv2d``, on TF1's layer classes with slim's
variable names (see :mod:`flaxscope.slim.layers`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.layers.convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    SeparableConv2D,
)
from flaxscope.ops.nn.activations import relu
from flaxscope.ops.nn.normalization import bias_add as _nn_bias_add
from flaxscope.ops.nn_conv import depthwise_conv2d
from flaxscope.scopes import variable_scope
from flaxscope.slim._common import (
    RENAME,
    XAVIER,
    ZEROS,
    channels_format,
    layer_arguments,
    model_getter,
    normalize_and_activate,
    pair,
    variable_collections,
)
from flaxscope.slim.arg_scope import add_arg_scope
from flaxscope.slim.utils import collect_named_outputs
from flaxscope.slim.variables import model_variable

__all__ = [
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
    "separable_conv2d",
    "separable_convolution2d",
]

Array = jax.Array
_CONV_FORMATS = (None, "NWC", "NCW", "NHWC", "NCHW", "NDHWC", "NCDHW")
_SEPARABLE_RENAME = {
    "bias": "biases",
    "depthwise_kernel": "depthwise_weights",
    "pointwise_kernel": "pointwise_weights",
}


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
    weights_initializer: Any = XAVIER,
    weights_regularizer: Callable | None = None,
    biases_initializer: Any = ZEROS,
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
    getter = model_getter(RENAME, variables_collections)
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
            data_format=channels_format(data_format),
            dilation_rate=rate,
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
    getter = model_getter(RENAME, variables_collections)
    with variable_scope(scope, default_scope, reuse=reuse, custom_getter=getter) as sc:
        if data_format not in formats:
            raise ValueError(f"data_format has to be either {formats[1]} or {formats[0]}.")
        inputs = jnp.asarray(inputs)
        layer = layer_class(
            filters=num_outputs,
            kernel_size=kernel_size,
            strides=stride,
            padding=padding,
            data_format=channels_format(data_format),
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
    weights_initializer: Any = XAVIER,
    pointwise_initializer: Any = None,
    weights_regularizer: Callable | None = None,
    biases_initializer: Any = ZEROS,
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
                data_format=channels_format(data_format),
                dilation_rate=pair(rate, "rate"),
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
            kh, kw = pair(kernel_size, "kernel_size")
            sh, sw = pair(stride, "stride")
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
                rate=pair(rate, "rate"),
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
        outputs = normalize_and_activate(outputs, normalizer_fn, normalizer_params, activation_fn)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


separable_conv2d = separable_convolution2d
