"""``tf.compat.v1.layers`` convolutions: ``conv1d``, ``conv2d``, ``conv3d``, their transposes
``conv2d_transpose`` and ``conv3d_transpose``, and ``separable_conv1d``/``separable_conv2d``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope import activations
from flaxscope import initializers as _initializers
from flaxscope.layers._args import ZEROS as _ZEROS
from flaxscope.layers._args import incompatible_rank as _incompatible_rank
from flaxscope.layers._args import normalize_data_format as _normalize_data_format
from flaxscope.layers._args import normalize_padding as _normalize_padding
from flaxscope.layers._args import normalize_tuple as _normalize_tuple
from flaxscope.layers.base import BiasActivation as _BiasActivation
from flaxscope.layers.base import Layer, call_once
from flaxscope.ops.nn_conv import conv_nd, conv_transpose
from flaxscope.ops.nn_conv import separable_conv2d as _nn_separable_conv2d

Array = jax.Array


# --- Keras' Conv: Conv1D/2D/3D, Conv2DTranspose/3DTranspose, SeparableConv1D/2D ---------
def _check_filters(filters: Any) -> int:
    if isinstance(filters, float):
        filters = int(filters)
    if filters is not None and filters <= 0:
        raise ValueError(
            "Invalid value for argument `filters`. Expected a strictly positive value. "
            f"Received filters={filters}."
        )
    return int(filters)


class _ConvBase(_BiasActivation, Layer):
    """What TF1's convolution layers share: Keras' ``Conv`` argument normalization and
    validation (same messages), TF1's defaults (an int ``strides`` or ``dilation_rate``
    serves every spatial dimension), and the bias/activation tail."""

    rank: int = 1
    _allows_causal: bool = False  # Keras allows "causal" for Conv1D and SeparableConv1D only

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = "channels_last",
        dilation_rate: int | Sequence[int] = 1,
        activation: Callable | str | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = _ZEROS,
        kernel_regularizer: Callable | None = None,
        bias_regularizer: Callable | None = None,
        activity_regularizer: Callable | None = None,
        kernel_constraint: Callable | None = None,
        bias_constraint: Callable | None = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        rank = self.rank
        self.filters = _check_filters(filters)
        self.kernel_size = _normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = _normalize_tuple(strides, rank, "strides", allow_zero=True)
        self.padding = _normalize_padding(padding)
        self.data_format = _normalize_data_format(data_format)
        self.dilation_rate = _normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        # Keras' Conv._validate_init
        if not all(self.strides):
            raise ValueError(
                f"The argument `strides` cannot contains 0(s). Received: {self.strides}"
            )
        if self.padding == "causal" and not self._allows_causal:
            raise ValueError("Causal padding is only supported for `Conv1D`and `SeparableConv1D`.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )

    @property
    def _channel_axis(self) -> int:
        return -1 - self.rank if self.data_format == "channels_first" else -1

    def _check_output_size(self, inputs: Array) -> None:
        """Keras' check that a ``"valid"`` convolution leaves every spatial dimension > 0."""
        rank = self.rank
        spatial_axes = (
            range(inputs.ndim - rank, inputs.ndim)
            if self.data_format == "channels_first"
            else range(inputs.ndim - rank - 1, inputs.ndim - 1)
        )
        for axis, k, d in zip(spatial_axes, self.kernel_size, self.dilation_rate, strict=True):
            n = inputs.shape[axis]
            if self.padding == "valid" and n - ((k - 1) * d + 1) + 1 < 0:
                raise ValueError(
                    "One of the dimensions in the output is <= 0 due to downsampling in "
                    f"{self.name}. Consider increasing the input size. Received input shape "
                    f"{list(inputs.shape)} which would produce output shape with a zero or "
                    "negative value in a dimension."
                )


class _Conv(_ConvBase):
    """Keras' ``Conv``: the N-D convolution (cross-correlation) of ``Conv1D``, ``Conv2D`` and
    ``Conv3D``."""

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        rank = self.rank
        if inputs.ndim < rank + 2:
            raise _incompatible_rank(self, f"min_ndim={rank + 2}", inputs.shape)
        channel_axis = self._channel_axis
        self._check_output_size(inputs)
        kernel = self.add_weight(
            "kernel",
            [*self.kernel_size, inputs.shape[channel_axis], self.filters],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        padding: Any = self.padding.upper()
        if self.padding == "causal":  # left-pad by the dilated kernel's reach, then VALID
            padding = [((self.kernel_size[0] - 1) * self.dilation_rate[0], 0)]
        outputs = conv_nd(
            inputs,
            kernel.astype(inputs.dtype),
            self.strides,
            padding,
            self.dilation_rate,
            self.data_format == "channels_first",
            self.name,
        )
        return self._bias_and_activation(outputs, self.filters, channel_axis)


class Conv1D(_Conv):
    """``tf.compat.v1.layers.Conv1D``: 1-D convolution (cross-correlation) over
    ``[batch, length, channels]`` (``channels_first``: ``[batch, channels, length]``).

    Variables ``<scope>/kernel`` ``[width, in, filters]`` and ``<scope>/bias`` ``[filters]``.
    ``padding`` is ``"valid"``, ``"same"`` or ``"causal"`` (case-insensitive); ``strides > 1``
    and ``dilation_rate > 1`` cannot be combined (TF's rule). Inputs of rank above 3 have
    several batch dimensions, as in TF.
    """

    rank = 1
    _allows_causal = True


def conv1d(
    inputs: Any,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: int | Sequence[int] = 1,
    activation: Callable | str | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = _ZEROS,
    kernel_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    kernel_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.conv1d``: a one-off :class:`Conv1D` (``name`` shares its
    variables across calls only with ``reuse=True`` or an enclosing reusing scope)."""
    return call_once(Conv1D, inputs, locals())


class Conv2D(_Conv):
    """``tf.compat.v1.layers.Conv2D``: 2-D convolution (cross-correlation) over
    ``[batch, height, width, channels]`` (``channels_first``: ``[batch, channels, height,
    width]``).

    Variables ``<scope>/kernel`` ``[kh, kw, in, filters]`` and ``<scope>/bias``
    ``[filters]``; ``padding`` is ``"valid"`` or ``"same"`` (case-insensitive), with TF's
    argument checks and messages.
    """

    rank = 2


def conv2d(
    inputs: Any,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = (1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: int | Sequence[int] = (1, 1),
    activation: Callable | str | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = _ZEROS,
    kernel_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    kernel_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.conv2d``: a one-off :class:`Conv2D`."""
    return call_once(Conv2D, inputs, locals())


def _deconv_output_length(
    length: int, kernel: int, padding: str, output_padding: int | None, stride: int, dilation: int
) -> int:
    """Keras' ``conv_utils.deconv_output_length``."""
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


class _ConvTranspose(_ConvBase):
    """Keras' ``Conv2DTranspose``/``Conv3DTranspose``: the transposed convolution (the
    gradient of the convolution with respect to its input), with kernel
    ``[spatial..., filters, in]`` (TF's transposed layout: output channels first) and TF's
    output size, ``in * stride + max(k - stride, 0)`` for ``"valid"`` and ``in * stride`` for
    ``"same"`` (or set by ``output_padding``)."""

    _kernel_op: str = "Conv2DCustomBackpropInput"

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str = "channels_last",
        activation: Callable | str | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = _ZEROS,
        kernel_regularizer: Callable | None = None,
        bias_regularizer: Callable | None = None,
        activity_regularizer: Callable | None = None,
        kernel_constraint: Callable | None = None,
        bias_constraint: Callable | None = None,
        trainable: bool = True,
        name: str | None = None,
        output_padding: int | Sequence[int] | None = None,
        dilation_rate: int | Sequence[int] = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            kernel_initializer,
            bias_initializer,
            kernel_regularizer,
            bias_regularizer,
            activity_regularizer,
            kernel_constraint,
            bias_constraint,
            trainable,
            name,
            **kwargs,
        )
        self.output_padding: tuple[int, ...] | None = None
        if output_padding is not None:
            self.output_padding = _normalize_tuple(
                output_padding, self.rank, "output_padding", allow_zero=True
            )
            for stride, out_pad in zip(self.strides, self.output_padding, strict=True):
                if out_pad >= stride:
                    raise ValueError(
                        "Strides must be greater than output padding. Received "
                        f"strides={self.strides}, output_padding={self.output_padding}."
                    )

    def _check_rank(self, inputs: Array) -> None:
        rank = self.rank
        if inputs.ndim < rank + 2:
            raise _incompatible_rank(self, f"min_ndim={rank + 2}", inputs.shape)
        if inputs.ndim != rank + 2:
            raise ValueError(
                f"Inputs should have rank {rank + 2}. Received input_shape={inputs.shape}."
            )

    def _transposed(self, inputs: Array, dilations: tuple[int, ...]) -> Array:
        channel_axis = self._channel_axis
        kernel = self.add_weight(
            "kernel",
            [*self.kernel_size, self.filters, inputs.shape[channel_axis]],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        channels_first = self.data_format == "channels_first"
        spatial_axes = range(2, 2 + self.rank) if channels_first else range(1, 1 + self.rank)
        out_pads = self.output_padding or (None,) * self.rank
        out_spatial = [
            _deconv_output_length(inputs.shape[axis], k, self.padding, op, s, d)
            for axis, k, s, d, op in zip(
                spatial_axes, self.kernel_size, self.strides, dilations, out_pads, strict=True
            )
        ]
        outputs = conv_transpose(
            inputs,
            kernel.astype(inputs.dtype),
            out_spatial,
            self.strides,
            self.padding.upper(),
            dilations,
            channels_first,
            self._kernel_op,
        )
        return self._bias_and_activation(outputs, self.filters, channel_axis)


class Conv2DTranspose(_ConvTranspose):
    """``tf.compat.v1.layers.Conv2DTranspose``: the transposed 2-D convolution (the gradient
    of ``conv2d`` with respect to its input), TF's ``conv2d_transpose``.

    Variables ``<scope>/kernel`` ``[kh, kw, filters, in]`` (TF's transposed layout: output
    channels before input channels) and ``<scope>/bias`` ``[filters]``. The output's height
    is ``in * stride + max(k - stride, 0)`` for ``"valid"`` and ``in * stride`` for
    ``"same"``, as in TF. Like TF's class (through its Keras base), it also takes
    ``output_padding`` and ``dilation_rate``; the functional :func:`conv2d_transpose` does not.
    """

    rank = 2

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        self._check_rank(inputs)
        if self.dilation_rate[0] != self.dilation_rate[1]:  # TF's atrous_conv2d_transpose
            raise ValueError(
                "Expected the 2 dimensions of the `dilation_rate` argument to be equal to each "
                f"other. Received: dilation_rate={self.dilation_rate}"
            )
        return self._transposed(inputs, self.dilation_rate)


def conv2d_transpose(
    inputs: Any,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = (1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    activation: Callable | str | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = _ZEROS,
    kernel_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    kernel_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.conv2d_transpose``: a one-off :class:`Conv2DTranspose`
    (kernel ``[kh, kw, filters, in]``)."""
    return call_once(Conv2DTranspose, inputs, locals())


# --- 3-D ------------------------------------------------------------------------------------
class Conv3D(_Conv):
    """``tf.compat.v1.layers.Conv3D``: 3-D convolution (cross-correlation) over
    ``[batch, depth, height, width, channels]`` (``channels_first``: ``[batch, channels,
    depth, height, width]``).

    Variables ``<scope>/kernel`` ``[kd, kh, kw, in, filters]`` and ``<scope>/bias``
    ``[filters]``; ``padding`` is ``"valid"`` or ``"same"`` (case-insensitive), with TF's
    argument checks and messages.
    """

    rank = 3


def conv3d(
    inputs: Any,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = (1, 1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: int | Sequence[int] = (1, 1, 1),
    activation: Callable | str | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = _ZEROS,
    kernel_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    kernel_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.conv3d``: a one-off :class:`Conv3D`."""
    return call_once(Conv3D, inputs, locals())


class Conv3DTranspose(_ConvTranspose):
    """``tf.compat.v1.layers.Conv3DTranspose``: the transposed 3-D convolution, TF's
    ``conv3d_transpose``, on 5-D inputs only.

    Variables ``<scope>/kernel`` ``[kd, kh, kw, filters, in]`` and ``<scope>/bias``
    ``[filters]``; output sizes as :class:`Conv2DTranspose`'s. The class takes
    ``output_padding`` and ``dilation_rate`` as TF's does (through its Keras base); as in
    TF, ``dilation_rate`` is checked against ``strides`` but does not enter the
    computation (TF's layer never passes it to ``conv3d_transpose``).
    """

    rank = 3
    _kernel_op = "Conv3DBackpropInputOp"

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        self._check_rank(inputs)
        return self._transposed(inputs, (1, 1, 1))


def conv3d_transpose(
    inputs: Any,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = (1, 1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    activation: Callable | str | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = _ZEROS,
    kernel_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    kernel_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.conv3d_transpose``: a one-off :class:`Conv3DTranspose`
    (kernel ``[kd, kh, kw, filters, in]``)."""
    return call_once(Conv3DTranspose, inputs, locals())


# --- depthwise-separable --------------------------------------------------------------------
class _SeparableConv(_ConvBase):
    """Keras' ``SeparableConv``: a depthwise convolution (``depth_multiplier`` filters per
    input channel) followed by a pointwise (1x1) convolution to ``filters`` channels, as
    ``tf.nn.separable_conv2d``."""

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = "channels_last",
        dilation_rate: int | Sequence[int] = 1,
        depth_multiplier: int = 1,
        activation: Callable | str | None = None,
        use_bias: bool = True,
        depthwise_initializer: Any = None,
        pointwise_initializer: Any = None,
        bias_initializer: Any = _ZEROS,
        depthwise_regularizer: Callable | None = None,
        pointwise_regularizer: Callable | None = None,
        bias_regularizer: Callable | None = None,
        activity_regularizer: Callable | None = None,
        depthwise_constraint: Callable | None = None,
        pointwise_constraint: Callable | None = None,
        bias_constraint: Callable | None = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            trainable=trainable,
            name=name,
            **kwargs,
        )
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = _initializers.get(depthwise_initializer)
        self.pointwise_initializer = _initializers.get(pointwise_initializer)
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.depthwise_constraint = depthwise_constraint
        self.pointwise_constraint = pointwise_constraint

    def _kernels(self, inputs: Array) -> tuple[Array, Array]:
        """Checks ``inputs``' rank and creates ``depthwise_kernel`` and ``pointwise_kernel``
        (in TF's order), cast to the inputs' dtype."""
        rank = self.rank
        if inputs.ndim < rank + 2:
            raise _incompatible_rank(self, f"min_ndim={rank + 2}", inputs.shape)
        if inputs.ndim != rank + 2:
            raise _incompatible_rank(self, f"ndim={rank + 2}", inputs.shape)
        if self.padding == "valid":  # TF's depthwise op refuses an empty output too
            first = inputs.ndim - rank if self.data_format == "channels_first" else 1
            for i, (k, d) in enumerate(zip(self.kernel_size, self.dilation_rate, strict=True)):
                n, reach = inputs.shape[first + i], (k - 1) * d + 1
                if n < reach:
                    raise ValueError(
                        f"Negative dimension size caused by subtracting {reach} from {n} "
                        f"(depthwise convolution in {self.name}, padding 'valid')."
                    )
        in_channels = inputs.shape[self._channel_axis]
        depthwise = self.add_weight(
            "depthwise_kernel",
            [*self.kernel_size, in_channels, self.depth_multiplier],
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        pointwise = self.add_weight(
            "pointwise_kernel",
            [*(1,) * rank, in_channels * self.depth_multiplier, self.filters],
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        return depthwise.astype(inputs.dtype), pointwise.astype(inputs.dtype)


def _separable_2d(
    inputs: Array,
    depthwise: Array,
    pointwise: Array,
    strides: Sequence[int],
    padding: str,
    dilations: Sequence[int],
    channels_first: bool,
) -> Array:
    # ``__wrapped__`` is the op without its TF1 op-name bookkeeping: inside a layer the op
    # must not take a name in the enclosing name scope.
    full_strides = (1, 1, *strides) if channels_first else (1, *strides, 1)
    return _nn_separable_conv2d.__wrapped__(
        inputs,
        depthwise,
        pointwise,
        full_strides,
        padding,
        rate=tuple(dilations),
        data_format="NCHW" if channels_first else "NHWC",
    )


class SeparableConv1D(_SeparableConv):
    """``tf.compat.v1.layers.SeparableConv1D``: depthwise-separable 1-D convolution over
    ``[batch, length, channels]`` (``channels_first``: ``[batch, channels, length]``).

    Variables ``<scope>/depthwise_kernel`` ``[width, in, depth_multiplier]``,
    ``<scope>/pointwise_kernel`` ``[1, in * depth_multiplier, filters]`` and
    ``<scope>/bias`` ``[filters]``. ``padding`` is ``"valid"``, ``"same"`` or ``"causal"``;
    computed as TF does, as a 2-D separable convolution of height 1.
    """

    rank = 1
    _allows_causal = True

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        depthwise, pointwise = self._kernels(inputs)
        channels_first = self.data_format == "channels_first"
        padding = self.padding.upper()
        if self.padding == "causal":
            pads = [(0, 0)] * 3
            pads[2 if channels_first else 1] = (
                (self.kernel_size[0] - 1) * self.dilation_rate[0],
                0,
            )
            inputs = jnp.pad(inputs, pads)
            padding = "VALID"
        height_axis = 2 if channels_first else 1
        outputs = _separable_2d(
            jnp.expand_dims(inputs, height_axis),
            depthwise[None],
            pointwise[None],
            # TF repeats the stride on the dummy height (size 1, so it changes nothing)
            self.strides * 2,
            padding,
            (1, *self.dilation_rate),
            channels_first,
        )
        outputs = jnp.squeeze(outputs, height_axis)
        return self._bias_and_activation(outputs, self.filters, self._channel_axis)


class SeparableConv2D(_SeparableConv):
    """``tf.compat.v1.layers.SeparableConv2D``: depthwise-separable 2-D convolution over
    ``[batch, height, width, channels]`` (``channels_first``: ``[batch, channels, height,
    width]``), TF's ``tf.nn.separable_conv2d``.

    Variables ``<scope>/depthwise_kernel`` ``[kh, kw, in, depth_multiplier]``,
    ``<scope>/pointwise_kernel`` ``[1, 1, in * depth_multiplier, filters]`` and
    ``<scope>/bias`` ``[filters]``; depthwise output channel ``c * depth_multiplier + m``,
    as TF orders them.
    """

    rank = 2

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        depthwise, pointwise = self._kernels(inputs)
        outputs = _separable_2d(
            inputs,
            depthwise,
            pointwise,
            self.strides,
            self.padding.upper(),
            self.dilation_rate,
            self.data_format == "channels_first",
        )
        return self._bias_and_activation(outputs, self.filters, self._channel_axis)


def separable_conv1d(
    inputs: Any,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: int | Sequence[int] = 1,
    depth_multiplier: int = 1,
    activation: Callable | str | None = None,
    use_bias: bool = True,
    depthwise_initializer: Any = None,
    pointwise_initializer: Any = None,
    bias_initializer: Any = _ZEROS,
    depthwise_regularizer: Callable | None = None,
    pointwise_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    depthwise_constraint: Callable | None = None,
    pointwise_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.separable_conv1d``: a one-off :class:`SeparableConv1D`."""
    return call_once(SeparableConv1D, inputs, locals())


def separable_conv2d(
    inputs: Any,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = (1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: int | Sequence[int] = (1, 1),
    depth_multiplier: int = 1,
    activation: Callable | str | None = None,
    use_bias: bool = True,
    depthwise_initializer: Any = None,
    pointwise_initializer: Any = None,
    bias_initializer: Any = _ZEROS,
    depthwise_regularizer: Callable | None = None,
    pointwise_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    depthwise_constraint: Callable | None = None,
    pointwise_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.separable_conv2d``: a one-off :class:`SeparableConv2D`."""
    return call_once(SeparableConv2D, inputs, locals())
