"""TF1's convolutions and poolings (``tf.nn.conv2d``, ``max_pool``, ...) on ``jax.lax``.

Every op here lowers to one ``lax.conv_general_dilated`` or ``lax.reduce_window`` (plus a
reshape for the 1-D and grouped forms), so under ``jit`` it costs what the hand-written
``lax`` call costs; the 2-D convolution's kernel gradient on CPU is summed over chunks of
the batch (``_conv_grad``), which XLA:CPU runs faster than the one large convolution. Arguments follow TF1: ``strides``/``ksize``/``dilations`` as an int or a
list of 1, N or N+2 entries, ``padding`` ``"SAME"``/``"VALID"`` or (where TF allows it) an
explicit list of ``[before, after]`` pairs per dimension, ``data_format`` ``"NHWC"`` or
``"NCHW"`` (``"NWC"``/``"NCW"``, ``"NDHWC"``/``"NCDHW"``). TF1's kernels lay filters out
as ``[spatial..., in, out]`` and transposed ones as ``[spatial..., out, in]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops import _conv_grad
from flaxscope.ops import _depthwise as _depthwise_cpu
from flaxscope.ops._convert import renamed
from flaxscope.ops._registry import reserve_op_name, tf_op

Array = jax.Array

_SPATIAL = "DHW"


# --- argument normalization (TF's rules and messages) --------------------------------------
def _channels_first(data_format: str | None, op: str, allowed: Sequence[str]) -> bool:
    if data_format is None:
        return False
    if data_format not in allowed:
        listed = ", ".join(f'"{f}"' for f in allowed)
        raise ValueError(
            f"Attr 'data_format' of '{op}' Op passed string '{data_format}' not in: {listed}."
        )
    return data_format.startswith("NC")


def _sequence(value: Any, n: int, channels_first: bool, name: str) -> list[int]:
    """TF's ``_get_sequence``: an int or a list of 1, ``n`` or ``n + 2`` entries, as the
    full ``n + 2`` list in data-format order."""
    if value is None:
        return [1] * (n + 2)
    if isinstance(value, (int, np.integer)):
        value = [int(value)]
    value = [int(v) for v in value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(
            f"{name} should be of length 1, {n} or {n + 2}. Received: {name}={value} of "
            f"length {len(value)}"
        )
    return [1, 1, *value] if channels_first else [1, *value, 1]


def _spatial(full: Sequence[int], channels_first: bool) -> tuple[int, ...]:
    return tuple(full[2:]) if channels_first else tuple(full[1:-1])


def _check_outer(full: Sequence[int], channels_first: bool, what: str) -> None:
    outer = (full[0], full[1]) if channels_first else (full[0], full[-1])
    if outer != (1, 1):
        raise ValueError(
            f"Current implementation does not yet support {what} in the batch and depth "
            f"dimensions. Received: {list(full)}"
        )


def _padding(
    padding: Any, n: int, channels_first: bool, op: str, explicit: bool = True
) -> str | list[tuple[int, int]]:
    """``"SAME"``/``"VALID"``, or TF's explicit ``n + 2`` pairs as ``n`` spatial pairs."""
    if isinstance(padding, (list, tuple)):
        if not explicit:
            raise ValueError(
                f"{op} takes padding 'SAME' or 'VALID' only (no explicit list). Received: "
                f"padding={padding}"
            )
        for i, pair in enumerate(padding):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(
                    "When `padding` is a list, each element of `padding` must be a list/tuple "
                    f"of size 2. Received: padding={list(padding)} with element at index {i} "
                    f"of {'size ' + str(len(pair)) if isinstance(pair, (list, tuple)) else type(pair)}"
                )
        if len(padding) != n + 2:
            raise ValueError(
                f"When padding is a list, it must be of size {n + 2}. Received: "
                f"padding={list(padding)} of size {len(padding)}"
            )
        pairs = [(int(a), int(b)) for a, b in padding]
        outer = (pairs[0], pairs[1]) if channels_first else (pairs[0], pairs[-1])
        if outer != ((0, 0), (0, 0)):
            raise ValueError(
                "Nonzero explicit padding in the batch or depth dimensions is not supported "
                f"for '{op}' with padding={list(padding)}"
            )
        return list(_spatial(pairs, channels_first))
    if padding == "EXPLICIT":
        raise ValueError(
            "'EXPLICIT' is not a valid value for `padding`. To use explicit padding, "
            "`padding` must be a list."
        )
    if padding not in ("SAME", "VALID"):
        allowed = '"SAME", "VALID", "EXPLICIT"' if explicit else '"SAME", "VALID"'
        raise ValueError(
            f"Attr 'padding' of '{op}' Op passed string '{padding}' not in: {allowed}."
        )
    return padding


def _same_dtype(x: Array, w: Array, op: str) -> None:
    if x.dtype != w.dtype:
        raise TypeError(
            f"Input 'filter' of '{op}' Op has type {w.dtype} that does not match type "
            f"{x.dtype} of argument 'input'."
        )


def _shape_list(shape: Sequence[int]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


# --- the convolution every conv op lowers to ----------------------------------------------
def conv_nd(
    x: Array,
    w: Array,
    strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    dilations: Sequence[int],
    channels_first: bool,
    op: str,
) -> Array:
    """N-D cross-correlation of ``x`` (``[N, spatial..., C]`` or ``[N, C, spatial...]``)
    with ``w`` ``[spatial..., in/groups, out]``: TF's grouped convolution when ``C`` is a
    multiple of ``in``. Leading dimensions beyond ``N`` are batch dimensions too."""
    n = w.ndim - 2
    _same_dtype(x, w, op)
    if min(strides, default=1) <= 0:
        raise ValueError(
            f"Stride must be > 0, but got {min(strides)} for '{op}' with input shapes: "
            f"{_shape_list(x.shape)}, {_shape_list(w.shape)}."
        )
    if x.ndim < n + 2:
        raise ValueError(
            f"Shape must be rank {n + 2} but is rank {x.ndim} for '{op}' with input shapes: "
            f"{_shape_list(x.shape)}, {_shape_list(w.shape)}."
        )
    channels = x.shape[x.ndim - n - 1] if channels_first else x.shape[-1]
    if channels % w.shape[-2]:
        raise ValueError(
            f"Depth of input ({channels}) is not a multiple of input depth of filter "
            f"({w.shape[-2]}) for '{op}' with input shapes: {_shape_list(x.shape)}, "
            f"{_shape_list(w.shape)}."
        )
    groups = channels // w.shape[-2]
    if w.shape[-1] % groups:
        raise ValueError(
            f"Depth of output ({w.shape[-1]}) is not a multiple of the number of groups "
            f"({groups}) for '{op}' with input shapes: {_shape_list(x.shape)}, "
            f"{_shape_list(w.shape)}."
        )
    if padding == "VALID":
        sizes = x.shape[x.ndim - n :] if channels_first else x.shape[x.ndim - n - 1 : -1]
        for size, k, d in zip(sizes, w.shape[:n], dilations, strict=True):
            extent = (k - 1) * d + 1
            if size < extent:
                raise ValueError(
                    f"Negative dimension size caused by subtracting {extent} from {size} for "
                    f"'{op}' with input shapes: {_shape_list(x.shape)}, {_shape_list(w.shape)}."
                )
    batch = x.shape[: x.ndim - n - 1]
    if len(batch) != 1:
        x = x.reshape((-1,) + x.shape[len(batch) :])
    spatial = _SPATIAL[-n:]
    spec = "NC" + spatial if channels_first else "N" + spatial + "C"
    out = _conv_grad.conv(x, w, strides, padding, dilations, (spec, spatial + "IO", spec), groups)
    if len(batch) != 1:
        out = out.reshape(batch + out.shape[1:])
    return out


_FORMATS_1D = ("NWC", "NCW", "NHWC", "NCHW")
_FORMATS_2D = ("NHWC", "NCHW")
_FORMATS_3D = ("NDHWC", "NCDHW")


@tf_op("nn.conv2d", family="nn", default_name="Conv2D")
def conv2d(
    input: Any,  # noqa: A002 (TF's argument name)
    filter: Any = None,  # noqa: A002
    strides: int | Sequence[int] | None = None,
    padding: Any = None,
    use_cudnn_on_gpu: bool = True,
    data_format: str = "NHWC",
    dilations: int | Sequence[int] | None = None,
    name: str | None = None,
    filters: Any = None,
) -> Array:
    """``tf.compat.v1.nn.conv2d``: 2-D cross-correlation of ``[N, H, W, C]`` (``NCHW``:
    ``[N, C, H, W]``) with ``filter`` ``[kh, kw, in, out]``.

    ``padding`` is ``"SAME"``, ``"VALID"`` or explicit pairs ``[[0, 0], [top, bottom],
    [left, right], [0, 0]]``; a ``C`` that is a multiple of ``in`` is a grouped convolution,
    as in TF. ``use_cudnn_on_gpu`` is accepted and ignored (XLA picks the kernel).
    """
    del use_cudnn_on_gpu, name
    w = renamed("filters", filters, "filter", filter)
    x, w = jnp.asarray(input), jnp.asarray(w)
    cf = _channels_first(data_format, "Conv2D", _FORMATS_2D)
    full_strides = _sequence(strides, 2, cf, "strides")
    _check_outer(full_strides, cf, "strides")
    full_dil = _sequence(dilations, 2, cf, "dilations")
    _check_outer(full_dil, cf, "dilations")
    pad = _padding(padding, 2, cf, "Conv2D")
    if w.ndim != 4:
        raise ValueError(
            f"Shape must be rank 4 but is rank {w.ndim} for 'Conv2D' with input shapes: "
            f"{_shape_list(x.shape)}, {_shape_list(w.shape)}."
        )
    return conv_nd(x, w, _spatial(full_strides, cf), pad, _spatial(full_dil, cf), cf, "Conv2D")


@tf_op("nn.conv1d", family="nn", default_name="conv1d")
def conv1d(
    value: Any = None,
    filters: Any = None,
    stride: int | Sequence[int] | None = None,
    padding: Any = None,
    use_cudnn_on_gpu: bool | None = None,
    data_format: str | None = None,
    name: str | None = None,
    input: Any = None,  # noqa: A002
    dilations: int | Sequence[int] | None = None,
) -> Array:
    """``tf.compat.v1.nn.conv1d``: 1-D cross-correlation of ``[N, W, C]`` (``"NCW"``:
    ``[N, C, W]``) with ``filters`` ``[kw, in, out]``.

    ``stride`` and ``dilations`` are an int or a list of 1 or 3; explicit ``padding`` is
    ``[[0, 0], [left, right], [0, 0]]``.
    """
    del use_cudnn_on_gpu, name
    x = jnp.asarray(renamed("input", input, "value", value))
    w = jnp.asarray(filters)
    cf = _channels_first(data_format, "conv1d", _FORMATS_1D)
    full_strides = _sequence(stride, 1, cf, "stride")
    _check_outer(full_strides, cf, "strides")
    full_dil = _sequence(dilations, 1, cf, "dilations")
    _check_outer(full_dil, cf, "dilations")
    pad = _padding(padding, 1, cf, "Conv2D")
    return conv_nd(x, w, _spatial(full_strides, cf), pad, _spatial(full_dil, cf), cf, "conv1d")


@tf_op("nn.conv3d", family="nn", default_name="Conv3D")
def conv3d(
    input: Any,  # noqa: A002
    filter: Any = None,  # noqa: A002
    strides: Sequence[int] | None = None,
    padding: str | None = None,
    data_format: str = "NDHWC",
    dilations: Sequence[int] = (1, 1, 1, 1, 1),
    name: str | None = None,
    filters: Any = None,
) -> Array:
    """``tf.compat.v1.nn.conv3d``: 3-D cross-correlation of ``[N, D, H, W, C]``
    (``"NCDHW"``: ``[N, C, D, H, W]``) with ``filter`` ``[kd, kh, kw, in, out]``.

    As TF1's op, ``strides`` and ``dilations`` are lists of 5 and ``padding`` is
    ``"SAME"`` or ``"VALID"``.
    """
    del name
    w = renamed("filters", filters, "filter", filter)
    x, w = jnp.asarray(input), jnp.asarray(w)
    cf = _channels_first(data_format, "Conv3D", _FORMATS_3D)
    for what, value in (("strides", strides), ("dilations", dilations)):
        if value is None or len(value) < 5:
            raise ValueError(
                f"Attr '{what}' of 'Conv3D' Op passed list of length "
                f"{0 if value is None else len(value)} less than minimum 5."
            )
    _check_outer(strides, cf, "strides")
    _check_outer(dilations, cf, "dilations")
    pad = _padding(padding, 3, cf, "Conv3D", explicit=False)
    return conv_nd(x, w, _spatial(strides, cf), pad, _spatial(dilations, cf), cf, "Conv3D")


@tf_op("nn.convolution", family="nn", default_name="convolution")
def convolution(
    input: Any,  # noqa: A002
    filter: Any = None,  # noqa: A002
    padding: Any = None,
    strides: int | Sequence[int] | None = None,
    dilation_rate: int | Sequence[int] | None = None,
    name: str | None = None,
    data_format: str | None = None,
    filters: Any = None,
    dilations: int | Sequence[int] | None = None,
) -> Array:
    """``tf.compat.v1.nn.convolution``: the N-D (1, 2 or 3) cross-correlation, the rank
    taken from ``filter`` ``[spatial..., in, out]``; ``strides`` and ``dilation_rate`` give
    the spatial entries only (an int serves every dimension)."""
    del name
    w = jnp.asarray(renamed("filters", filters, "filter", filter))
    rate = renamed("dilations", dilations, "dilation_rate", dilation_rate)
    x = jnp.asarray(input)
    n = w.ndim - 2
    if n not in (1, 2, 3):
        raise ValueError(
            f"`filter` must have rank 3, 4 or 5 (1-3 spatial dimensions). Received: "
            f"filter.shape={tuple(w.shape)}"
        )
    cf = data_format is not None and data_format.startswith("NC")
    s = _spatial_only(strides, n, "strides")
    d = _spatial_only(rate, n, "dilation_rate")
    if any(v < 1 for v in d):
        raise ValueError(
            "all values of `dilation_rate` must be positive. Received: "
            f"dilation_rate=[{' '.join(str(v) for v in d)}]"
        )
    if any(v < 1 for v in s):
        raise ValueError(f"all values of strides must be positive. Received: strides={list(s)}")
    if max(s) > 1 and max(d) > 1:
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={list(s)} and dilation_rate={list(d)}"
        )
    pad = _padding(padding, n, cf, "Conv2D")
    return conv_nd(x, w, s, pad, d, cf, "convolution")


def _spatial_only(value: Any, n: int, name: str) -> tuple[int, ...]:
    if value is None:
        return (1,) * n
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"{name} must have length {n}. Received: {name}={list(value)}")
    return value


@tf_op("nn.atrous_conv2d", family="nn", default_name="convolution")
def atrous_conv2d(
    value: Any, filters: Any, rate: int, padding: str, name: str | None = None
) -> Array:
    """``tf.compat.v1.nn.atrous_conv2d``: ``conv2d`` with the filter dilated by ``rate``
    (stride 1), on ``[N, H, W, C]``."""
    del name
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be either VALID or SAME. Received: padding={padding}")
    return convolution.__wrapped__(value, filters, padding, dilation_rate=[rate, rate])


def _depthwise(
    x: Array,
    w: Array,
    strides: Sequence[int],
    padding: Any,
    dilations: Sequence[int],
    channels_first: bool,
    op: str,
) -> Array:
    if w.ndim != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {w.ndim} for '{op}' (filter).")
    channels = x.shape[1] if channels_first else x.shape[-1]
    if w.shape[2] != channels:
        raise ValueError(
            f"Dimensions must be equal, but are {channels} and {w.shape[2]} for '{op}' with "
            f"input shapes: {_shape_list(x.shape)}, {_shape_list(w.shape)}."
        )
    kh, kw, c, m = w.shape

    def grouped(x: Array, w: Array) -> Array:
        return conv_nd(
            x, w.reshape(kh, kw, 1, c * m), strides, padding, dilations, channels_first, op
        )

    if x.ndim == 4 and min(strides) > 0:
        _same_dtype(x, w, op)
        return _depthwise_cpu.depthwise(x, w, strides, padding, dilations, channels_first, grouped)
    return grouped(x, w)


def _depthwise_args(
    strides: Any, rate: Any, dilations: Any, padding: Any, data_format: str | None, op: str
) -> tuple[bool, tuple[int, ...], Any, tuple[int, ...]]:
    cf = _channels_first(data_format, op, _FORMATS_2D)
    if strides is None or len(strides) != 4:
        raise ValueError(f"`strides` must be a list of 4 ints. Received: strides={strides}")
    _check_outer(list(strides), cf, "strides")
    rate = renamed("dilations", dilations, "rate", rate)
    d = _spatial_only(rate, 2, "rate")
    if any(v < 1 for v in d):
        raise ValueError(
            "all values of `dilation_rate` must be positive. Received: "
            f"dilation_rate=[{' '.join(str(v) for v in d)}]"
        )
    return cf, _spatial(strides, cf), _padding(padding, 2, cf, "DepthwiseConv2dNative"), d


@tf_op("nn.depthwise_conv2d", family="nn", default_name="depthwise")
def depthwise_conv2d(
    input: Any,  # noqa: A002
    filter: Any,  # noqa: A002
    strides: Sequence[int],
    padding: Any,
    rate: Sequence[int] | None = None,
    name: str | None = None,
    data_format: str | None = None,
    dilations: Sequence[int] | None = None,
) -> Array:
    """``tf.compat.v1.nn.depthwise_conv2d``: each input channel convolved with its own
    ``multiplier`` filters (``filter`` ``[kh, kw, in, multiplier]``); output channel
    ``c * multiplier + m``, as TF orders them. ``strides`` is a list of 4, ``rate`` the
    2 dilations."""
    del name
    x, w = jnp.asarray(input), jnp.asarray(filter)
    cf, s, pad, d = _depthwise_args(strides, rate, dilations, padding, data_format, "depthwise")
    return _depthwise(x, w, s, pad, d, cf, "depthwise")


@tf_op("nn.separable_conv2d", family="nn", default_name="separable_conv2d")
def separable_conv2d(
    input: Any,  # noqa: A002
    depthwise_filter: Any,
    pointwise_filter: Any,
    strides: Sequence[int],
    padding: Any,
    rate: Sequence[int] | None = None,
    name: str | None = None,
    data_format: str | None = None,
    dilations: Sequence[int] | None = None,
) -> Array:
    """``tf.compat.v1.nn.separable_conv2d``: :func:`depthwise_conv2d` followed by a 1x1
    convolution with ``pointwise_filter`` ``[1, 1, in * multiplier, out]``."""
    del name
    x = jnp.asarray(input)
    dw, pw = jnp.asarray(depthwise_filter), jnp.asarray(pointwise_filter)
    if pw.ndim != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {pw.ndim}")
    for i in (0, 1):
        if pw.shape[i] != 1:
            raise ValueError(f"Dimensions {pw.shape[i]} and 1 are not compatible")
    if pw.shape[2] != dw.shape[2] * dw.shape[3]:
        raise ValueError(
            f"Dimensions {pw.shape[2]} and {dw.shape[2] * dw.shape[3]} are not compatible"
        )
    cf, s, pad, d = _depthwise_args(
        strides, rate, dilations, padding, data_format, "separable_conv2d"
    )
    y = _depthwise(x, dw, s, pad, d, cf, "separable_conv2d")
    return conv_nd(y, pw, (1, 1), "VALID", (1, 1), cf, "separable_conv2d")


# --- transposed convolutions ---------------------------------------------------------------
def conv_transpose(
    x: Array,
    w: Array,
    out_spatial: Sequence[int],
    strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    dilations: Sequence[int],
    channels_first: bool,
    op: str = "Conv2DCustomBackpropInput",
) -> Array:
    """The gradient of the convolution of an input of spatial size ``out_spatial`` with
    ``w`` ``[spatial..., out, in]`` (TF's transposed layout), taken at ``x``: TF's
    ``conv{1,2,3}d_transpose``. Raises TF's message when that forward convolution would
    not give ``x``'s spatial size."""
    n = w.ndim - 2
    spatial_axes = range(2, 2 + n) if channels_first else range(1, 1 + n)
    pads = []
    for i, axis in enumerate(spatial_axes):
        size, k, s, d = x.shape[axis], w.shape[i], strides[i], dilations[i]
        out = int(out_spatial[i])
        k_eff = (k - 1) * d + 1
        if padding == "SAME":
            forward = -(-out // s)
            total = max((forward - 1) * s + k_eff - out, 0)
            before = total // 2
        elif padding == "VALID":
            forward = (out - k_eff) // s + 1 if out >= k_eff else 0
            total = before = 0
        else:
            before, after = padding[i]
            total = before + after
            forward = (out + total - k_eff) // s + 1
        if forward != size:  # TF raises this when the op runs
            raise InvalidArgumentError(
                f"{op}: Size of out_backprop doesn't match computed: actual = {size}, "
                f"computed = {forward} spatial_dim: {axis} input: {out} filter: {k_eff} "
                f"output: {size} stride: {s} dilation: {d}"
            )
        skipped = out + total - k_eff - (size - 1) * s  # rows the forward conv never reached
        pads.append((k_eff - 1 - before, k_eff - 1 - (total - before) + skipped))
    spatial = _SPATIAL[-n:]
    spec = "NC" + spatial if channels_first else "N" + spatial + "C"
    return lax.conv_general_dilated(
        x,
        jnp.flip(w, tuple(range(n))),
        window_strides=(1,) * n,
        padding=pads,
        lhs_dilation=tuple(strides),
        rhs_dilation=tuple(dilations),
        dimension_numbers=(spec, spatial + "OI", spec),
    )


def _transpose(
    x: Any,
    w: Any,
    output_shape: Any,
    strides: Any,
    padding: Any,
    data_format: str | None,
    dilations: Any,
    n: int,
    formats: Sequence[str],
    op: str,
    kernel_op: str,
) -> Array:
    x, w = jnp.asarray(x), jnp.asarray(w)
    _same_dtype(x, w, op)
    cf = _channels_first(data_format, op, formats)
    if x.ndim != n + 2 or w.ndim != n + 2:
        raise ValueError(
            f"Shape must be rank {n + 2} but is rank {x.ndim if x.ndim != n + 2 else w.ndim} "
            f"for '{op}' with input shapes: {_shape_list(x.shape)}, {_shape_list(w.shape)}."
        )
    output_shape = [int(v) for v in np.asarray(output_shape).reshape(-1)]
    if len(output_shape) != n + 2:
        raise ValueError(
            f"output_shape must have length {n + 2} (the full output shape). Received: "
            f"output_shape={output_shape}"
        )
    in_channels = x.shape[1] if cf else x.shape[-1]
    if in_channels != w.shape[-1]:
        raise ValueError(
            f"Dimensions must be equal, but are {in_channels} and {w.shape[-1]} for '{op}' "
            f"with input shapes: [{n + 2}], {_shape_list(w.shape)}, {_shape_list(x.shape)}."
        )
    out_channels = output_shape[1] if cf else output_shape[-1]
    if out_channels != w.shape[-2]:
        raise ValueError(
            f"input depth must be evenly divisible by filter depth: {out_channels} vs {w.shape[-2]}"
        )
    if output_shape[0] != x.shape[0]:
        raise ValueError(
            f"{kernel_op}: input and out_backprop must have the same batch size. Received: "
            f"output_shape={output_shape}, input.shape={tuple(x.shape)}"
        )
    full_strides = _sequence(strides, n, cf, "strides")
    _check_outer(full_strides, cf, "strides")
    full_dil = _sequence(dilations, n, cf, "dilations")
    _check_outer(full_dil, cf, "dilations")
    pad = _padding(padding, n, cf, op, explicit=n == 2)
    return conv_transpose(
        x,
        w,
        _spatial(output_shape, cf),
        _spatial(full_strides, cf),
        pad,
        _spatial(full_dil, cf),
        cf,
        kernel_op,
    )


@tf_op("nn.conv2d_transpose", family="nn", default_name="conv2d_transpose")
def conv2d_transpose(
    value: Any = None,
    filter: Any = None,  # noqa: A002
    output_shape: Sequence[int] | None = None,
    strides: int | Sequence[int] | None = None,
    padding: Any = "SAME",
    data_format: str = "NHWC",
    name: str | None = None,
    input: Any = None,  # noqa: A002
    filters: Any = None,
    dilations: int | Sequence[int] | None = None,
) -> Array:
    """``tf.compat.v1.nn.conv2d_transpose``: the transpose (gradient) of :func:`conv2d`.

    ``filter`` is ``[kh, kw, out_channels, in_channels]`` (TF's layout) and
    ``output_shape`` the full ``[N, H, W, out_channels]``; as TF, the call fails when
    ``conv2d`` of that shape would not give ``value``'s height and width.
    """
    del name
    x = renamed("input", input, "value", value)
    w = renamed("filters", filters, "filter", filter)
    return _transpose(
        x, w, output_shape, strides, padding, data_format, dilations, 2, _FORMATS_2D,
        "conv2d_transpose", "Conv2DCustomBackpropInput",
    )  # fmt: skip


@tf_op("nn.conv1d_transpose", family="nn", default_name="conv1d_transpose")
def conv1d_transpose(
    input: Any,  # noqa: A002
    filters: Any,
    output_shape: Sequence[int],
    strides: int | Sequence[int],
    padding: str = "SAME",
    data_format: str = "NWC",
    dilations: int | Sequence[int] | None = None,
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.nn.conv1d_transpose``: the transpose of :func:`conv1d`; ``filters``
    ``[kw, out_channels, in_channels]``, ``output_shape`` ``[N, W, out_channels]``."""
    del name
    return _transpose(
        input, filters, output_shape, strides, padding, data_format, dilations, 1,
        ("NWC", "NCW"), "conv1d_transpose", "Conv2DCustomBackpropInput",
    )  # fmt: skip


@tf_op("nn.conv3d_transpose", family="nn", default_name="conv3d_transpose")
def conv3d_transpose(
    value: Any = None,
    filter: Any = None,  # noqa: A002
    output_shape: Sequence[int] | None = None,
    strides: int | Sequence[int] | None = None,
    padding: str = "SAME",
    data_format: str = "NDHWC",
    name: str | None = None,
    input: Any = None,  # noqa: A002
    filters: Any = None,
    dilations: int | Sequence[int] | None = None,
) -> Array:
    """``tf.compat.v1.nn.conv3d_transpose``: the transpose of :func:`conv3d`; ``filter``
    ``[kd, kh, kw, out_channels, in_channels]``, ``output_shape`` the full 5-D shape."""
    del name
    x = renamed("input", input, "value", value)
    w = renamed("filters", filters, "filter", filter)
    return _transpose(
        x, w, output_shape, strides, padding, data_format, dilations, 3, _FORMATS_3D,
        "conv3d_transpose", "Conv3DBackpropInputOp",
    )  # fmt: skip


# --- pooling -------------------------------------------------------------------------------
def pool(
    x: Array,
    mode: str,
    window: Sequence[int],
    strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    op: str = "MaxPool",
) -> Array:
    """Max or average (``mode``) over windows; ``window``/``strides`` (and explicit
    ``padding`` pairs) cover every dimension of ``x``.

    As TF: padded cells never win a max, and a ``"SAME"`` average divides by the number of
    real cells in each window. Windows larger than a ``"VALID"`` input raise TF's message.
    """
    if padding == "VALID":
        for size, k in zip(x.shape, window, strict=True):
            if size < k:
                raise ValueError(
                    f"Negative dimension size caused by subtracting {k} from {size} for "
                    f"'{op}' with input shapes: {_shape_list(x.shape)}."
                )
    window, strides = tuple(window), tuple(strides)
    if mode == "max" and _tiles(x, window, strides, padding):
        return _tiled_max(x, window)
    if mode == "max":
        # A NumPy (concrete) init value lets JAX recognize the max monoid, which it can
        # differentiate; a traced one it cannot.
        if jnp.issubdtype(x.dtype, jnp.inexact):
            init = np.array(-np.inf, x.dtype)
        else:
            init = np.array(jnp.iinfo(x.dtype).min, x.dtype)
        return lax.reduce_window(x, init, lax.max, window, strides, padding)
    zero = np.array(0, x.dtype)
    total = lax.reduce_window(x, zero, lax.add, window, strides, padding)
    if padding == "VALID":
        return total / np.array(np.prod(window), x.dtype)
    ones_shape = [size if k > 1 else 1 for size, k in zip(x.shape, window, strict=True)]
    count = lax.reduce_window(np.ones(ones_shape, x.dtype), zero, lax.add, window, strides, padding)
    return total / count


def _tiles(x: Array, window: tuple[int, ...], strides: tuple[int, ...], padding: Any) -> bool:
    """Whether the windows tile ``x`` exactly (stride = window, sizes divisible), where
    "SAME" pads nothing and equals "VALID"."""
    return (
        padding in ("SAME", "VALID")
        and window == strides
        and any(k > 1 for k in window)
        and all(size % k == 0 for size, k in zip(x.shape, window, strict=True))
        and jnp.issubdtype(x.dtype, jnp.floating)
    )


def _tiled_max(x: Array, window: tuple[int, ...]) -> Array:
    """Max pooling over non-overlapping windows as a running max of strided slices.

    Same values as ``reduce_window`` (NaN wins, as there), and the same gradient: all of
    it to the first maximum of each window in row-major order, as TF's ``MaxPoolGrad``
    (a later cell takes over only when strictly greater). XLA:CPU differentiates the
    slices and selects elementwise, where ``reduce_window``'s gradient is a slow
    ``select_and_scatter``; slices also need no transpose of ``x`` into window-last cells
    (which XLA re-runs, with whatever produced ``x``, in each fusion that reads it).
    """
    cells = (
        x[tuple(slice(o, None, k) for o, k in zip(offset, window, strict=True))]
        for offset in itertools.product(*(range(k) for k in window))
    )
    out = next(cells)
    for cell in cells:
        take = (cell > out) | (jnp.isnan(cell) & ~jnp.isnan(out))
        out = jnp.where(take, cell, out)
    return out


def _pool_op(
    value: Any,
    ksize: Any,
    strides: Any,
    padding: Any,
    data_format: str | None,
    n: int,
    mode: str,
    op: str,
    formats: Sequence[str],
    explicit: bool,
) -> Array:
    x = jnp.asarray(value)
    cf = _channels_first(data_format, op, formats)
    if x.ndim != n + 2:
        raise ValueError(
            f"Shape must be rank {n + 2} but is rank {x.ndim} for '{op}' with input shapes: "
            f"{_shape_list(x.shape)}."
        )
    window = _sequence(ksize, n, cf, "ksize")
    if any(v == 0 for v in window):
        raise ValueError(f"`ksize` cannot be zero. Received: ksize={window}")
    full_strides = _sequence(strides, n, cf, "strides")
    if (full_strides[0], window[0]) != (1, 1):
        raise ValueError("Pooling is not yet supported on the batch dimension.")
    pad = _padding(padding, n, cf, op, explicit=explicit and mode == "max")
    if not isinstance(pad, str):
        for (before, after), k in zip(pad, _spatial(window, cf), strict=True):
            for side, p in (("Left", before), ("Right", after)):
                if p >= k:
                    raise ValueError(
                        f"{side} padding {p} needs to be smaller than the window size {k}"
                    )
        pad = [(0, 0), (0, 0), *pad] if cf else [(0, 0), *pad, (0, 0)]
    return pool(x, mode, window, full_strides, pad, op)


@tf_op("nn.max_pool", family="nn", default_name="MaxPool")
def max_pool(
    value: Any,
    ksize: int | Sequence[int],
    strides: int | Sequence[int],
    padding: Any,
    data_format: str = "NHWC",
    name: str | None = None,
    input: Any = None,  # noqa: A002
) -> Array:
    """``tf.compat.v1.nn.max_pool``: the max over ``ksize`` windows of ``[N, H, W, C]``
    (``"NCHW"``: ``[N, C, H, W]``); ``ksize``/``strides`` an int or a list of 1, 2 or 4;
    ``padding`` ``"SAME"``, ``"VALID"`` or explicit pairs."""
    del name
    x = renamed("input", input, "value", value)
    return _pool_op(x, ksize, strides, padding, data_format, 2, "max", "MaxPool", _FORMATS_2D, True)


@tf_op("nn.avg_pool", family="nn", default_name="AvgPool")
def avg_pool(
    value: Any,
    ksize: int | Sequence[int],
    strides: int | Sequence[int],
    padding: str,
    data_format: str = "NHWC",
    name: str | None = None,
    input: Any = None,  # noqa: A002
) -> Array:
    """``tf.compat.v1.nn.avg_pool``: the mean over ``ksize`` windows; with ``"SAME"``
    padding an edge window averages its real cells only, as TF's."""
    del name
    x = renamed("input", input, "value", value)
    return _pool_op(
        x, ksize, strides, padding, data_format, 2, "avg", "AvgPool", _FORMATS_2D, False
    )


def _pool_nd(mode: str, n: int, default: str):
    formats = {1: ("NWC", "NCW"), 2: _FORMATS_2D, 3: _FORMATS_3D}[n]

    def fn(
        input: Any,  # noqa: A002
        ksize: int | Sequence[int],
        strides: int | Sequence[int],
        padding: Any,
        data_format: str | None = formats[0],
        name: str | None = None,
    ) -> Array:
        del name
        return _pool_op(
            input, ksize, strides, padding, data_format, n, mode, default, formats, n < 3
        )

    kind = "max" if mode == "max" else "mean"
    fn.__doc__ = (
        f"``tf.compat.v1.nn.{mode}_pool{n}d``: the {kind} over ``ksize`` windows of a "
        f"{n + 2}-D input (``data_format`` {formats[0]!r} or {formats[1]!r}); ``ksize`` and "
        f"``strides`` an int or a list of 1, {n} or {n + 2}."
    )
    fn.__name__ = fn.__qualname__ = f"{mode}_pool{n}d"
    return fn


max_pool1d = tf_op("nn.max_pool1d", family="nn", default_name="MaxPool1d")(
    _pool_nd("max", 1, "MaxPool1d")
)
avg_pool1d = tf_op("nn.avg_pool1d", family="nn", default_name="AvgPool1D")(
    _pool_nd("avg", 1, "AvgPool1D")
)
max_pool2d = tf_op("nn.max_pool2d", family="nn", default_name="MaxPool2d")(
    _pool_nd("max", 2, "MaxPool2d")
)
avg_pool2d = tf_op("nn.avg_pool2d", family="nn", default_name="AvgPool")(
    _pool_nd("avg", 2, "AvgPool")
)
max_pool3d = tf_op("nn.max_pool3d", family="nn", default_name="MaxPool3D")(
    _pool_nd("max", 3, "MaxPool3D")
)
avg_pool3d = tf_op("nn.avg_pool3d", family="nn", default_name="AvgPool3D")(
    _pool_nd("avg", 3, "AvgPool3D")
)

_BY_RANK = {
    "max": {1: max_pool1d, 2: max_pool2d, 3: max_pool3d},
    "avg": {1: avg_pool1d, 2: avg_pool2d, 3: avg_pool3d},
}


def _pool_v2(mode: str):
    def fn(
        input: Any,  # noqa: A002
        ksize: int | Sequence[int],
        strides: int | Sequence[int],
        padding: Any,
        data_format: str | None = None,
        name: str | None = None,
    ) -> Array:
        x = jnp.asarray(input)
        n = x.ndim - 2
        if n not in (1, 2, 3):
            raise ValueError(
                f"`input.shape.rank` must be 3, 4 or 5. Received: input.shape={tuple(x.shape)} "
                f"of rank {x.ndim}"
            )
        kwargs = {} if data_format is None else {"data_format": data_format}
        return _BY_RANK[mode][n](x, ksize, strides, padding, name=name, **kwargs)

    fn.__doc__ = (
        f"``tf.compat.v1.nn.{mode}_pool_v2``: :func:`{mode}_pool1d`, ``2d`` or ``3d`` by the "
        "rank of ``input``."
    )
    fn.__name__ = fn.__qualname__ = f"{mode}_pool_v2"
    return fn


max_pool_v2 = tf_op("nn.max_pool_v2", family="nn")(_pool_v2("max"))
avg_pool_v2 = tf_op("nn.avg_pool_v2", family="nn")(_pool_v2("avg"))


@tf_op("nn.pool", family="nn")
def pool_op(
    input: Any,  # noqa: A002
    window_shape: Sequence[int],
    pooling_type: str,
    padding: str,
    dilation_rate: Sequence[int] | None = None,
    strides: Sequence[int] | None = None,
    name: str | None = None,
    data_format: str | None = None,
    dilations: Sequence[int] | None = None,
) -> Array:
    """``tf.compat.v1.nn.pool``: N-D ``"MAX"`` or ``"AVG"`` pooling with spatial
    ``window_shape`` and ``strides`` (dilation 1 only)."""
    rate = renamed("dilations", dilations, "dilation_rate", dilation_rate)
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"Invalid pooling_type: {pooling_type}")
    reserve_op_name(name or ("max_pool" if pooling_type == "MAX" else "avg_pool"))
    x = jnp.asarray(input)
    n = len(window_shape)
    if x.ndim != n + 2:
        raise ValueError(
            f"`input` must have rank {n + 2} for a window_shape of length {n}. Received: "
            f"input.shape={tuple(x.shape)}"
        )
    if any(v != 1 for v in _spatial_only(rate, n, "dilation_rate")):
        raise NotImplementedError(
            "tf.nn.pool with dilation_rate > 1 is not supported by flaxscope; pool a strided "
            "slice of the input instead."
        )
    s = _spatial_only(strides, n, "strides")
    cf = data_format is not None and data_format.startswith("NC")
    window = [1, 1, *window_shape] if cf else [1, *window_shape, 1]
    full_strides = [1, 1, *s] if cf else [1, *s, 1]
    mode = "max" if pooling_type == "MAX" else "avg"
    pad = _padding(padding, n, cf, "pool", explicit=False)
    return pool(x, mode, window, full_strides, pad, "pool")
