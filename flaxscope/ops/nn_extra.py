"""TF1's raw convolution gradient ops (``tf.nn.conv2d_backprop_input``/``_filter``) and the
native depthwise convolution with its two gradients (``tf.nn.depthwise_conv2d_native*``).

Each gradient op is the vector-Jacobian product of the matching forward op of
:mod:`flaxscope.ops.nn_conv` (``conv2d``, ``depthwise_conv2d``) at the shape the op is
given: the same arithmetic TF's gradient kernels do, and, being linear in its inputs, itself
differentiable (to any order) by JAX. Arguments follow the raw TF ops: ``strides`` and
``dilations`` are lists of 4 in ``data_format`` order, ``padding`` is ``"SAME"``,
``"VALID"`` or explicit ``[before, after]`` pairs for all 4 dimensions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops._convert import renamed, same_dtype, shape_text
from flaxscope.ops._registry import tf_op
from flaxscope.ops.nn_conv import conv2d, depthwise_conv2d

Array = jax.Array
Forward = Callable[[Array, Array], Array]

_FORMATS = ("NHWC", "NCHW")


# --- the raw ops' argument checks (TF's messages) --------------------------------------------
def _channels_first(data_format: str, op: str) -> bool:
    if data_format not in _FORMATS:
        raise ValueError(
            f"Attr 'data_format' of '{op}' Op passed string '{data_format}' not in: "
            '"NHWC", "NCHW".'
        )
    return data_format == "NCHW"


def _four(value: Any, what: str, py_op: str, op: str) -> list[int]:
    """A raw op's list attribute: a list of exactly 4 ints (TF takes no int shorthand)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"Expected list for '{what}' argument to '{py_op}' Op, not {value}.")
    if len(value) != 4:
        raise ValueError(
            f"Sliding window {what} field must specify 4 dimensions for '{op}' "
            f"(received {list(value)})."
        )
    return [int(v) for v in value]


def _outer_ones(full: Sequence[int], cf: bool, what: str, op: str) -> None:
    outer = (full[0], full[1]) if cf else (full[0], full[3])
    if outer != (1, 1):
        raise InvalidArgumentError(
            f"{op}: Current implementation does not yet support {what} in the batch and "
            "depth dimensions."
        )


def _check_padding(padding: Any, op: str) -> None:
    if isinstance(padding, (list, tuple)):
        return  # the forward op checks the pairs
    if padding not in ("SAME", "VALID"):
        raise ValueError(
            f"Attr 'padding' of '{op}' Op passed string '{padding}' not in: "
            '"SAME", "VALID", "EXPLICIT".'
        )


def _sizes(value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, jax.core.Tracer):
        raise TypeError(
            f"{what} must be known when the function is traced (a list of ints or a "
            "concrete array), not a traced array."
        )
    sizes = np.asarray(value)
    if sizes.dtype.kind not in "iu":
        raise TypeError(
            f"Value passed to parameter '{what}' has DataType {sizes.dtype.name} not in "
            "list of allowed values: int32, int64"
        )
    return tuple(int(v) for v in sizes.reshape(-1))


def _rank4(value: Array, what: str, op: str) -> None:
    if value.ndim != 4:
        raise ValueError(
            f"Shape must be rank 4 but is rank {value.ndim} for '{op}' ({what} of shape "
            f"{shape_text(value.shape)})."
        )


def _check_out_backprop(
    kernel: str,
    expected: Sequence[int],
    dy: Array,
    input_shape: Sequence[int],
    filter_shape: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    cf: bool,
) -> None:
    """TF's run-time check that ``out_backprop`` has the forward op's output shape."""
    spatial = (2, 3) if cf else (1, 2)
    for i, axis in enumerate(spatial):
        if dy.shape[axis] != expected[axis]:
            k_eff = (filter_shape[i] - 1) * dilations[axis] + 1
            raise InvalidArgumentError(
                f"{kernel}: Size of out_backprop doesn't match computed: actual = "
                f"{dy.shape[axis]}, computed = {expected[axis]} spatial_dim: {axis} input: "
                f"{input_shape[axis]} filter: {k_eff} output: {dy.shape[axis]} stride: "
                f"{strides[axis]} dilation: {dilations[axis]}"
            )
    if tuple(dy.shape) != tuple(expected):
        raise InvalidArgumentError(
            f"{kernel}: out_backprop has shape {shape_text(dy.shape)}, but the convolution of "
            f"an input of shape {shape_text(input_shape)} with a filter of shape "
            f"{shape_text(filter_shape)} has shape {shape_text(expected)}"
        )


def _linear_input(dtype: np.dtype) -> np.dtype:
    """The dtype the vjp runs in: integer convolutions go through float32, as JAX only
    differentiates inexact values (exact while the sums stay below 2**24)."""
    return dtype if jnp.issubdtype(dtype, jnp.inexact) else np.dtype(np.float32)


def _backprop_input(
    forward: Forward, sizes: tuple[int, ...], w: Array, dy: Array, kernel: str, info: Any
) -> Array:
    dtype = _linear_input(w.dtype)
    wf, dyf = w.astype(dtype), dy.astype(dtype)
    expected = jax.eval_shape(forward, jax.ShapeDtypeStruct(sizes, dtype), wf)
    _check_out_backprop(kernel, expected.shape, dy, sizes, w.shape, *info)
    _, pullback = jax.vjp(lambda x: forward(x, wf), jnp.zeros(sizes, dtype))
    (dx,) = pullback(dyf)
    return dx if dtype == w.dtype else jnp.round(dx).astype(w.dtype)


def _backprop_filter(
    forward: Forward, x: Array, sizes: tuple[int, ...], dy: Array, kernel: str, info: Any
) -> Array:
    dtype = _linear_input(x.dtype)
    xf, dyf = x.astype(dtype), dy.astype(dtype)
    expected = jax.eval_shape(forward, xf, jax.ShapeDtypeStruct(sizes, dtype))
    _check_out_backprop(kernel, expected.shape, dy, x.shape, sizes, *info)
    _, pullback = jax.vjp(lambda w: forward(xf, w), jnp.zeros(sizes, dtype))
    (dw,) = pullback(dyf)
    return dw if dtype == x.dtype else jnp.round(dw).astype(x.dtype)


def _input_sizes(sizes: tuple[int, ...], w: Array, dy: Array, cf: bool, op: str) -> tuple[int, ...]:
    """``input_sizes`` as the full input shape; TF also takes just the 2 spatial sizes
    (batch from ``out_backprop``, channels from ``filter``)."""
    if len(sizes) == 4:
        return sizes
    if len(sizes) == 2:
        return (dy.shape[0], w.shape[2], *sizes) if cf else (dy.shape[0], *sizes, w.shape[2])
    raise ValueError(
        f"input_sizes of '{op}' must have 4 elements (or the 2 spatial sizes), got "
        f"{len(sizes)}: {list(sizes)}"
    )


# --- conv2d gradients -------------------------------------------------------------------------
def _conv2d_forward(strides: list[int], padding: Any, data_format: str, dilations: list[int]):
    def forward(x: Array, w: Array) -> Array:
        return conv2d.__wrapped__(
            x, w, strides, padding, data_format=data_format, dilations=dilations
        )

    return forward


def _conv2d_args(
    strides: Any, padding: Any, data_format: str, dilations: Any, py_op: str, op: str
) -> tuple[bool, list[int], list[int]]:
    cf = _channels_first(data_format, op)
    _check_padding(padding, op)
    full_strides = _four(strides, "strides", py_op, op)
    full_dil = _four([1, 1, 1, 1] if dilations is None else dilations, "dilations", py_op, op)
    _outer_ones(full_strides, cf, "strides", op)
    _outer_ones(full_dil, cf, "dilations", op)
    return cf, full_strides, full_dil


@tf_op("nn.conv2d_backprop_input", family="nn", default_name="Conv2DBackpropInput")
def conv2d_backprop_input(
    input_sizes: Any,
    filter: Any = None,  # noqa: A002 (TF's argument name)
    out_backprop: Any = None,
    strides: Sequence[int] | None = None,
    padding: Any = None,
    use_cudnn_on_gpu: bool = True,
    data_format: str = "NHWC",
    dilations: Sequence[int] | None = None,
    name: str | None = None,
    filters: Any = None,
) -> Array:
    """``tf.compat.v1.nn.conv2d_backprop_input``: the gradient of :func:`conv2d` with
    respect to its input of shape ``input_sizes``, given the filter ``[kh, kw, in, out]``
    and the output gradient ``out_backprop``.

    ``strides``/``dilations`` are lists of 4; ``padding`` ``"SAME"``, ``"VALID"`` or
    explicit pairs for all 4 dimensions. A grouped filter (input channels a multiple of
    ``in``) works as in :func:`conv2d`. ``use_cudnn_on_gpu`` is ignored.
    """
    del use_cudnn_on_gpu, name
    op = "Conv2DBackpropInput"
    w = renamed("filters", filters, "filter", filter)
    w, dy = same_dtype(op, [("filter", w), ("out_backprop", out_backprop)])
    cf, s, d = _conv2d_args(strides, padding, data_format, dilations, "conv2d_backprop_input", op)
    _rank4(w, "filter", op)
    _rank4(dy, "out_backprop", op)
    sizes = _input_sizes(_sizes(input_sizes, "input_sizes"), w, dy, cf, op)
    forward = _conv2d_forward(s, padding, data_format, d)
    return _backprop_input(forward, sizes, w, dy, "Conv2DCustomBackpropInput", (s, d, cf))


@tf_op("nn.conv2d_backprop_filter", family="nn", default_name="Conv2DBackpropFilter")
def conv2d_backprop_filter(
    input: Any,  # noqa: A002
    filter_sizes: Any,
    out_backprop: Any,
    strides: Sequence[int],
    padding: Any,
    use_cudnn_on_gpu: bool = True,
    data_format: str = "NHWC",
    dilations: Sequence[int] | None = None,
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.nn.conv2d_backprop_filter``: the gradient of :func:`conv2d` with
    respect to its filter of shape ``filter_sizes`` ``[kh, kw, in, out]``, given the input
    and the output gradient ``out_backprop``. Arguments as
    :func:`conv2d_backprop_input`."""
    del use_cudnn_on_gpu, name
    op = "Conv2DBackpropFilter"
    x, dy = same_dtype(op, [("input", input), ("out_backprop", out_backprop)])
    cf, s, d = _conv2d_args(strides, padding, data_format, dilations, "conv2d_backprop_filter", op)
    _rank4(x, "input", op)
    _rank4(dy, "out_backprop", op)
    sizes = _sizes(filter_sizes, "filter_sizes")
    if len(sizes) != 4:
        raise ValueError(f"filter_sizes of '{op}' must have 4 elements, got {list(sizes)}")
    forward = _conv2d_forward(s, padding, data_format, d)
    return _backprop_filter(forward, x, sizes, dy, "Conv2DBackpropFilter", (s, d, cf))


# --- the native depthwise convolution and its gradients ---------------------------------------
def _depthwise_forward(strides: list[int], padding: Any, data_format: str, dilations: list[int]):
    cf = data_format == "NCHW"
    rate = dilations[2:] if cf else dilations[1:3]

    def forward(x: Array, w: Array) -> Array:
        return depthwise_conv2d.__wrapped__(
            x, w, strides, padding, rate=rate, data_format=data_format
        )

    return forward


@tf_op("nn.depthwise_conv2d_native", family="nn", default_name="DepthwiseConv2dNative")
def depthwise_conv2d_native(
    input: Any,  # noqa: A002
    filter: Any,  # noqa: A002
    strides: Sequence[int],
    padding: Any,
    data_format: str = "NHWC",
    dilations: Sequence[int] | None = None,
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.nn.depthwise_conv2d_native``: each input channel convolved with its
    own ``multiplier`` filters (``filter`` ``[kh, kw, in, multiplier]``, output channel
    ``c * multiplier + m``), the op behind :func:`depthwise_conv2d`.

    ``strides``/``dilations`` are lists of 4 in ``data_format`` order; ``padding``
    ``"SAME"``, ``"VALID"`` or explicit pairs for all 4 dimensions.
    """
    del name
    op = "DepthwiseConv2dNative"
    x, w = same_dtype(op, [("input", input), ("filter", filter)])
    cf, s, d = _conv2d_args(strides, padding, data_format, dilations, "depthwise_conv2d_native", op)
    _rank4(x, "input", op)
    return _depthwise_forward(s, padding, data_format, d)(x, w)


@tf_op(
    "nn.depthwise_conv2d_native_backprop_input",
    family="nn",
    default_name="DepthwiseConv2dNativeBackpropInput",
)
def depthwise_conv2d_native_backprop_input(
    input_sizes: Any,
    filter: Any,  # noqa: A002
    out_backprop: Any,
    strides: Sequence[int],
    padding: Any,
    data_format: str = "NHWC",
    dilations: Sequence[int] | None = None,
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.nn.depthwise_conv2d_native_backprop_input``: the gradient of
    :func:`depthwise_conv2d_native` with respect to its input of shape ``input_sizes``."""
    del name
    op = "DepthwiseConv2dNativeBackpropInput"
    w, dy = same_dtype(op, [("filter", filter), ("out_backprop", out_backprop)])
    cf, s, d = _conv2d_args(
        strides, padding, data_format, dilations, "depthwise_conv2d_native_backprop_input", op
    )
    _rank4(w, "filter", op)
    _rank4(dy, "out_backprop", op)
    sizes = _input_sizes(_sizes(input_sizes, "input_sizes"), w, dy, cf, op)
    forward = _depthwise_forward(s, padding, data_format, d)
    return _backprop_input(forward, sizes, w, dy, op, (s, d, cf))


@tf_op(
    "nn.depthwise_conv2d_native_backprop_filter",
    family="nn",
    default_name="DepthwiseConv2dNativeBackpropFilter",
)
def depthwise_conv2d_native_backprop_filter(
    input: Any,  # noqa: A002
    filter_sizes: Any,
    out_backprop: Any,
    strides: Sequence[int],
    padding: Any,
    data_format: str = "NHWC",
    dilations: Sequence[int] | None = None,
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.nn.depthwise_conv2d_native_backprop_filter``: the gradient of
    :func:`depthwise_conv2d_native` with respect to its filter of shape ``filter_sizes``
    ``[kh, kw, in, multiplier]``."""
    del name
    op = "DepthwiseConv2dNativeBackpropFilter"
    x, dy = same_dtype(op, [("input", input), ("out_backprop", out_backprop)])
    cf, s, d = _conv2d_args(
        strides, padding, data_format, dilations, "depthwise_conv2d_native_backprop_filter", op
    )
    _rank4(x, "input", op)
    _rank4(dy, "out_backprop", op)
    sizes = _sizes(filter_sizes, "filter_sizes")
    if len(sizes) != 4:
        raise ValueError(f"filter_sizes of '{op}' must have 4 elements, got {list(sizes)}")
    forward = _depthwise_forward(s, padding, data_format, d)
    return _backprop_filter(forward, x, sizes, dy, op, (s, d, cf))
