"""TF1's bias and normalization ops: ``tf.nn.bias_add``, ``moments`` and its helpers
(``sufficient_statistics``, ``normalize_moments``, ``weighted_moments``), batch
normalization (plain and fused), ``l2_loss``, ``l2_normalize`` and local response
normalization."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope.ops._convert import renamed, shape_text
from flaxscope.ops._registry import tf_op
from flaxscope.ops._tf_grads import tf_maximum
from flaxscope.ops.nn._common import Array, as_float, tf_paths


def _bias_add(value: Array, bias: Array, data_format: str | None) -> Array:
    if bias.ndim != 1:
        raise ValueError(
            f"Shape must be rank 1 but is rank {bias.ndim} for 'BiasAdd' with input shapes: "
            f"{shape_text(value.shape)}, {shape_text(bias.shape)}."
        )
    if value.ndim < 2:
        raise ValueError(
            f"Shape must be at least rank 2 but is rank {value.ndim} for 'BiasAdd' with "
            f"input shapes: {shape_text(value.shape)}, {shape_text(bias.shape)}."
        )
    channels_first = data_format is not None and data_format.startswith("NC")
    axis = 1 if channels_first else value.ndim - 1
    if value.shape[axis] != bias.shape[0]:
        raise ValueError(
            f"Dimensions must be equal, but are {value.shape[axis]} and {bias.shape[0]} for "
            f"'BiasAdd' with input shapes: {shape_text(value.shape)}, "
            f"{shape_text(bias.shape)}."
        )
    if value.dtype != bias.dtype:
        raise TypeError(
            f"Input 'bias' of 'BiasAdd' Op has type {bias.dtype} that does not match type "
            f"{value.dtype} of argument 'value'."
        )
    if channels_first:
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


@tf_op("nn.bias_add", family="nn", default_name="BiasAdd")
def bias_add(
    value: Any, bias: Any, data_format: str | None = None, name: str | None = None
) -> Array:
    """``tf.nn.bias_add``: adds the 1-D ``bias`` along the channel axis (the last; ``"NC..."``
    data formats: axis 1). ``value`` and ``bias`` must share a dtype, as in TF."""
    del name
    return _bias_add(as_float(value), as_float(bias), data_format)


@tf_op("nn.xw_plus_b", family="nn", default_name="xw_plus_b")
def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Array:
    """``tf.nn.xw_plus_b``: ``matmul(x, weights) + biases``."""
    del name
    return _bias_add(jnp.matmul(as_float(x), as_float(weights)), as_float(biases), None)


@tf_op("nn.relu_layer", family="nn", default_name="relu_layer")
def relu_layer(x: Any, weights: Any, biases: Any, name: str | None = None) -> Array:
    """``tf.nn.relu_layer``: ``relu(matmul(x, weights) + biases)``."""
    del name
    return jax.nn.relu(
        _bias_add(jnp.matmul(as_float(x), as_float(weights)), as_float(biases), None)
    )


def _axes(x: Array, axes: Any) -> tuple[int, ...]:
    if isinstance(axes, (int, np.integer)):
        axes = [axes]
    out = []
    for a in axes:
        a = int(a)
        if not -x.ndim <= a < x.ndim:
            raise ValueError(f"Invalid reduction dimension {a} for input with {x.ndim} dimensions.")
        out.append(a % x.ndim)
    return tuple(out)


@tf_op("nn.moments", family="nn", default_name="moments")
def moments(
    x: Any,
    axes: Sequence[int],
    shift: Any = None,
    name: str | None = None,
    keep_dims: bool | None = None,
    keepdims: bool | None = None,
) -> tuple[Array, Array]:
    """``tf.nn.moments``: ``(mean, variance)`` over ``axes`` (the biased variance; half
    precision is summed in float32, as TF does). ``shift`` is ignored, as in TF."""
    del shift, name
    keep = bool(renamed("keepdims", keepdims, "keep_dims", keep_dims))
    x = as_float(x)
    axes = _axes(x, axes)
    y = x.astype(jnp.float32) if x.dtype in (jnp.float16, jnp.bfloat16) else x
    mean = jnp.mean(y, axis=axes, keepdims=True)
    variance = jnp.mean(jnp.square(y - lax.stop_gradient(mean)), axis=axes, keepdims=True)
    if not keep:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    return mean.astype(x.dtype), variance.astype(x.dtype)


@tf_op("nn.batch_normalization", family="nn", default_name="batchnorm")
def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    offset: Any,
    scale: Any,
    variance_epsilon: float,
    name: str | None = None,
) -> Array:
    """``tf.nn.batch_normalization``: ``(x - mean) * scale / sqrt(variance + eps) + offset``
    (``offset``/``scale`` may be ``None``), computed as TF does: ``x * inv + (offset - mean
    * inv)``."""
    del name
    x = as_float(x)
    inv = lax.rsqrt(jnp.asarray(variance, x.dtype) + jnp.asarray(variance_epsilon, x.dtype))
    if scale is not None:
        inv = inv * jnp.asarray(scale, x.dtype)
    shift = -jnp.asarray(mean, x.dtype) * inv
    if offset is not None:
        shift = shift + jnp.asarray(offset, x.dtype)
    return x * inv + shift


_MIN_FUSED_EPSILON = 1.001e-5  # TF raises smaller epsilons of its fused kernel to this


@tf_op("nn.fused_batch_norm", family="nn", default_name="FusedBatchNormV3")
def fused_batch_norm(
    x: Any,
    scale: Any,
    offset: Any,
    mean: Any = None,
    variance: Any = None,
    epsilon: float = 0.001,
    data_format: str = "NHWC",
    is_training: bool = True,
    name: str | None = None,
    exponential_avg_factor: float = 1.0,
) -> tuple[Array, Array, Array]:
    """``tf.compat.v1.nn.fused_batch_norm``: ``(y, mean, variance)`` for 4-D (``"NHWC"``,
    ``"NCHW"``) or 5-D (``"NDHWC"``, ``"NCDHW"``) ``x``.

    Training: normalizes by the batch moments and returns the batch mean and the unbiased
    (Bessel-corrected) batch variance, blended into the given ``mean``/``variance`` when
    ``exponential_avg_factor`` is not 1. Inference: normalizes by ``mean``/``variance`` and
    returns them. ``epsilon`` below ``1.001e-5`` is raised to it, as in TF.
    """
    del name
    x = as_float(x)
    if x.ndim not in (4, 5):
        raise ValueError(
            f"Shape must be rank 4 but is rank {x.ndim} for 'FusedBatchNormV3' with input "
            f"shapes: {shape_text(x.shape)}."
        )
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None or variance is None):
        raise ValueError(
            "Both `mean` and `variance` must be a 1D tensor when `is_training` is False or "
            f"`exponential_avg_factor` != 1.0. Received: `mean` {mean} and `variance` "
            f"{variance}"
        )
    epsilon = max(float(epsilon), _MIN_FUSED_EPSILON)
    channels_first = data_format.startswith("NC")
    axis = 1 if channels_first else x.ndim - 1
    reduce = tuple(a for a in range(x.ndim) if a != axis)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    stat_dtype = jnp.float32 if x.dtype in (jnp.float16, jnp.bfloat16) else x.dtype
    scale = jnp.asarray(scale, stat_dtype)
    offset = jnp.asarray(offset, stat_dtype)
    xs = x.astype(stat_dtype)
    if is_training:
        batch_mean = jnp.mean(xs, axis=reduce)
        batch_var = jnp.mean(jnp.square(xs - batch_mean.reshape(shape)), axis=reduce)
        n = int(np.prod([x.shape[a] for a in reduce]))
        unbiased = batch_var * (n / max(n - 1, 1))
        use_mean, use_var = batch_mean, batch_var
        out_mean, out_var = batch_mean, unbiased
        if exponential_avg_factor != 1.0:
            f = jnp.asarray(exponential_avg_factor, stat_dtype)
            out_mean = (1 - f) * jnp.asarray(mean, stat_dtype) + f * batch_mean
            out_var = (1 - f) * jnp.asarray(variance, stat_dtype) + f * unbiased
    else:
        use_mean = out_mean = jnp.asarray(mean, stat_dtype)
        use_var = out_var = jnp.asarray(variance, stat_dtype)
    inv = lax.rsqrt(use_var + epsilon) * scale
    y = xs * inv.reshape(shape) + (offset - use_mean * inv).reshape(shape)
    return y.astype(x.dtype), out_mean, out_var


@tf_op("nn.l2_loss", family="nn", default_name="L2Loss")
def l2_loss(t: Any, name: str | None = None) -> Array:
    """``tf.nn.l2_loss``: ``sum(t ** 2) / 2`` (weight decay:
    ``tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])``)."""
    del name
    t = as_float(t)
    return jnp.sum(jnp.square(t)) / np.array(2, t.dtype)


@tf_op(*tf_paths("nn.l2_normalize", "math.l2_normalize"), family="nn", default_name="l2_normalize")
def l2_normalize(
    x: Any,
    axis: int | Sequence[int] | None = None,
    epsilon: float = 1e-12,
    name: str | None = None,
    dim: int | Sequence[int] | None = None,
) -> Array:
    """``tf.nn.l2_normalize``: ``x / sqrt(max(sum(x ** 2, axis), epsilon))``; ``dim`` is
    the old name of ``axis``; ``None`` normalizes over every axis."""
    del name
    x = as_float(x)
    axis = renamed("axis", axis, "dim", dim)
    axes = None if axis is None else _axes(x, axis)
    square_sum = jnp.sum(jnp.square(x), axis=axes, keepdims=True)
    return x * lax.rsqrt(tf_maximum(square_sum, jnp.asarray(epsilon, x.dtype)))


@tf_op("nn.local_response_normalization", "nn.lrn", family="nn", default_name="LRN")
def local_response_normalization(
    input: Any,  # noqa: A002
    depth_radius: int = 5,
    bias: float = 1.0,
    alpha: float = 1.0,
    beta: float = 0.5,
    name: str | None = None,
) -> Array:
    """``tf.nn.lrn``: ``input / (bias + alpha * s) ** beta`` where ``s`` sums the squares
    of the ``2 * depth_radius + 1`` neighbouring channels (4-D ``[N, H, W, C]`` input)."""
    del name
    x = as_float(input)
    if x.ndim != 4:
        raise ValueError(
            f"Shape must be rank 4 but is rank {x.ndim} for 'LRN' with input shapes: "
            f"{shape_text(x.shape)}."
        )
    r = int(depth_radius)
    sq = lax.reduce_window(
        jnp.square(x),
        np.array(0, x.dtype),
        lax.add,
        (1, 1, 1, 2 * r + 1),
        (1, 1, 1, 1),
        ((0, 0), (0, 0), (0, 0), (r, r)),
    )
    return x / jnp.power(
        jnp.asarray(bias, x.dtype) + jnp.asarray(alpha, x.dtype) * sq, jnp.asarray(beta, x.dtype)
    )


@tf_op("nn.normalize_moments", family="nn", default_name="normalize")
def normalize_moments(
    counts: Any, mean_ss: Any, variance_ss: Any, shift: Any, name: str | None = None
) -> tuple[Array, Array]:
    """``tf.nn.normalize_moments``: ``(mean, variance)`` from sufficient statistics."""
    del name
    mean_ss = as_float(mean_ss)
    divisor = 1 / jnp.asarray(counts, mean_ss.dtype)
    shifted_mean = mean_ss * divisor
    mean = shifted_mean if shift is None else shifted_mean + jnp.asarray(shift, mean_ss.dtype)
    variance = jnp.asarray(variance_ss, mean_ss.dtype) * divisor - jnp.square(shifted_mean)
    return mean, variance


@tf_op("nn.sufficient_statistics", family="nn", default_name="sufficient_statistics")
def sufficient_statistics(
    x: Any,
    axes: Sequence[int],
    shift: Any = None,
    keep_dims: bool | None = None,
    name: str | None = None,
    keepdims: bool | None = None,
) -> tuple[Array, Array, Array, Array | None]:
    """``tf.nn.sufficient_statistics``: ``(count, sum, sum of squares, shift)`` over
    ``axes`` (each shifted by ``shift`` when given)."""
    del name
    keep = bool(renamed("keepdims", keepdims, "keep_dims", keep_dims))
    x = as_float(x)
    axes = _axes(x, axes)
    count = jnp.asarray(np.prod([x.shape[a] for a in axes]), x.dtype)
    y = x if shift is None else x - jnp.asarray(shift, x.dtype)
    m_ss = jnp.sum(y, axis=axes, keepdims=keep)
    v_ss = jnp.sum(jnp.square(y), axis=axes, keepdims=keep)
    return count, m_ss, v_ss, (None if shift is None else jnp.asarray(shift, x.dtype))


@tf_op("nn.weighted_moments", family="nn", default_name="weighted_moments")
def weighted_moments(
    x: Any,
    axes: Sequence[int],
    frequency_weights: Any,
    name: str | None = None,
    keep_dims: bool | None = None,
    keepdims: bool | None = None,
) -> tuple[Array, Array]:
    """``tf.nn.weighted_moments``: the ``frequency_weights``-weighted mean and variance
    over ``axes``."""
    del name
    keep = bool(renamed("keepdims", keepdims, "keep_dims", keep_dims))
    x = as_float(x)
    axes = _axes(x, axes)
    y = x.astype(jnp.float32) if x.dtype in (jnp.float16, jnp.bfloat16) else x
    w = jnp.asarray(frequency_weights, y.dtype)
    wx_sum = jnp.sum(w * y, axis=axes, keepdims=True)
    w_sum = jnp.sum(
        jnp.broadcast_to(w, jnp.broadcast_shapes(w.shape, y.shape)), axis=axes, keepdims=True
    )
    divisor = jnp.where(w_sum == 0, 0, 1 / jnp.where(w_sum == 0, 1, w_sum))
    mean = wx_sum * divisor
    variance = jnp.sum(w * jnp.square(y - mean), axis=axes, keepdims=True) * divisor
    if not keep:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    return mean.astype(x.dtype), variance.astype(x.dtype)
