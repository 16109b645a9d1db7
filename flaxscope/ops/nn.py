"""TF1's ``tf.nn`` ops: activations, normalizations, cross-entropies, embedding lookup,
``top_k``; the convolutions and poolings are in :mod:`flaxscope.ops.nn_conv`, candidate
sampling and the sampled losses in :mod:`flaxscope.ops.nn_sampled`.

Each op is the plain ``jax.nn``/``jnp``/``lax`` expression of TF's formula, so under
``jit`` it costs what the hand-written JAX costs. Legacy arguments (``dim`` for ``axis``,
``keep_dims``, ``targets`` for ``labels``) are accepted as TF1 accepts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from flaxscope import store
from flaxscope.errors import InvalidArgumentError
from flaxscope.ops import math as _math  # noqa: F401 (its tf.math names register first)
from flaxscope.ops import nn_conv as _nn_conv  # noqa: F401 (registers the conv/pool ops)
from flaxscope.ops._convert import renamed
from flaxscope.ops._registry import registry, tf_op
from flaxscope.ops.nn_conv import _shape_list
from flaxscope.ops.sparse import SparseTensor
from flaxscope.sharding import tf_partitions

Array = jax.Array


def _paths(*paths: str) -> tuple[str, ...]:
    """``paths`` less those another family already registered: the top-level and
    ``tf.math`` aliases of some nn ops (``tf.sigmoid``, ``tf.math.tanh``) may be claimed
    by the math family, and one implementation per path is enough."""
    taken = registry()
    return tuple(p for p in paths if p.startswith("nn.") or p not in taken)


def _float(x: Any) -> Array:
    return jnp.asarray(x)


# --- activations ---------------------------------------------------------------------------
@tf_op(*_paths("nn.relu"), family="nn", default_name="Relu")
def relu(features: Any, name: str | None = None) -> Array:
    """``tf.nn.relu``: ``max(features, 0)``."""
    del name
    return jax.nn.relu(_float(features))


@tf_op(*_paths("nn.relu6"), family="nn", default_name="Relu6")
def relu6(features: Any, name: str | None = None) -> Array:
    """``tf.nn.relu6``: ``min(max(features, 0), 6)``."""
    del name
    return jax.nn.relu6(_float(features))


@tf_op(*_paths("nn.elu"), family="nn", default_name="Elu")
def elu(features: Any, name: str | None = None) -> Array:
    """``tf.nn.elu``: ``features`` where positive, ``exp(features) - 1`` elsewhere."""
    del name
    return jax.nn.elu(_float(features))


@tf_op(*_paths("nn.selu"), family="nn", default_name="Selu")
def selu(features: Any, name: str | None = None) -> Array:
    """``tf.nn.selu``: the scaled ELU (``scale * elu(x, alpha)`` with TF's constants)."""
    del name
    return jax.nn.selu(_float(features))


@tf_op(*_paths("nn.crelu"), family="nn", default_name="CRelu")
def crelu(features: Any, name: str | None = None, axis: int = -1) -> Array:
    """``tf.nn.crelu``: ``concat([relu(x), relu(-x)], axis)`` (twice the channels)."""
    del name
    x = _float(features)
    return jax.nn.relu(jnp.concatenate([x, -x], axis=axis))


@tf_op(*_paths("nn.leaky_relu"), family="nn", default_name="LeakyRelu")
def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Array:
    """``tf.nn.leaky_relu``: ``features`` where positive, ``alpha * features`` elsewhere
    (integer inputs become float32, as TF's)."""
    del name
    x = _float(features)
    if jnp.issubdtype(x.dtype, jnp.integer):
        x = x.astype(jnp.float32)
    return jnp.where(x > 0, x, x * jnp.asarray(alpha, x.dtype))


@tf_op(*_paths("nn.softplus", "math.softplus"), family="nn", default_name="Softplus")
def softplus(features: Any, name: str | None = None) -> Array:
    """``tf.nn.softplus``: ``log(exp(features) + 1)``, computed stably."""
    del name
    return jax.nn.softplus(_float(features))


@tf_op(*_paths("nn.softsign", "math.softsign"), family="nn", default_name="Softsign")
def softsign(features: Any, name: str | None = None) -> Array:
    """``tf.nn.softsign``: ``features / (abs(features) + 1)``."""
    del name
    x = _float(features)
    return x / (jnp.abs(x) + 1)


@tf_op(*_paths("nn.sigmoid", "sigmoid", "math.sigmoid"), family="nn", default_name="Sigmoid")
def sigmoid(x: Any, name: str | None = None) -> Array:
    """``tf.sigmoid`` / ``tf.nn.sigmoid``: ``1 / (1 + exp(-x))``."""
    del name
    return jax.nn.sigmoid(_float(x))


@tf_op(*_paths("nn.tanh", "tanh", "math.tanh"), family="nn", default_name="Tanh")
def tanh(x: Any, name: str | None = None) -> Array:
    """``tf.tanh`` / ``tf.nn.tanh``."""
    del name
    return jnp.tanh(_float(x))


def _swish(features: Any, beta: float = 1.0) -> Array:
    x = _float(features)
    if beta == 1.0:
        return x * jax.nn.sigmoid(x)
    return x * jax.nn.sigmoid(jnp.asarray(beta, x.dtype) * x)


@tf_op("nn.swish", family="nn")
def swish(features: Any, beta: float = 1.0) -> Array:
    """``tf.nn.swish``: ``features * sigmoid(beta * features)``."""
    return _swish(features, beta)


@tf_op("nn.silu", family="nn")
def silu(features: Any, beta: float = 1.0) -> Array:
    """``tf.nn.silu``: ``features * sigmoid(beta * features)`` (the same as ``swish``)."""
    return _swish(features, beta)


@tf_op("nn.gelu", family="nn", default_name="Gelu")
def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Array:
    """``tf.nn.gelu`` (TF2's; TF1 had none): ``x * Phi(x)``, or its tanh approximation
    with ``approximate=True``."""
    del name
    return jax.nn.gelu(_float(features), approximate=approximate)


def _softmax_axis(axis: int | None, dim: int | None) -> int:
    axis = renamed("axis", axis, "dim", dim)
    return -1 if axis is None else int(axis)


def _check_axis(x: Array, axis: int, what: str = "dim") -> None:
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(
            f"`{what}` must be in the range [{-x.ndim}, {x.ndim}) where {x.ndim} is the "
            f"number of dimensions in the input. Received: {what}={axis}"
        )


@tf_op(*_paths("nn.softmax", "math.softmax"), family="nn", default_name="Softmax")
def softmax(
    logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None
) -> Array:
    """``tf.nn.softmax``: ``exp(logits) / sum(exp(logits), axis)``; ``dim`` is TF1's old
    name for ``axis`` (default -1)."""
    del name
    x = _float(logits)
    axis = _softmax_axis(axis, dim)
    _check_axis(x, axis)
    return jax.nn.softmax(x, axis=axis)


@tf_op(*_paths("nn.log_softmax", "math.log_softmax"), family="nn", default_name="LogSoftmax")
def log_softmax(
    logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None
) -> Array:
    """``tf.nn.log_softmax``: ``logits - log(sum(exp(logits), axis))``."""
    del name
    x = _float(logits)
    axis = _softmax_axis(axis, dim)
    _check_axis(x, axis)
    return jax.nn.log_softmax(x, axis=axis)


# --- bias, moments, normalization ----------------------------------------------------------
def _bias_add(value: Array, bias: Array, data_format: str | None) -> Array:
    if bias.ndim != 1:
        raise ValueError(
            f"Shape must be rank 1 but is rank {bias.ndim} for 'BiasAdd' with input shapes: "
            f"{_shape_list(value.shape)}, {_shape_list(bias.shape)}."
        )
    if value.ndim < 2:
        raise ValueError(
            f"Shape must be at least rank 2 but is rank {value.ndim} for 'BiasAdd' with "
            f"input shapes: {_shape_list(value.shape)}, {_shape_list(bias.shape)}."
        )
    channels_first = data_format is not None and data_format.startswith("NC")
    axis = 1 if channels_first else value.ndim - 1
    if value.shape[axis] != bias.shape[0]:
        raise ValueError(
            f"Dimensions must be equal, but are {value.shape[axis]} and {bias.shape[0]} for "
            f"'BiasAdd' with input shapes: {_shape_list(value.shape)}, "
            f"{_shape_list(bias.shape)}."
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
    return _bias_add(_float(value), _float(bias), data_format)


@tf_op("nn.xw_plus_b", family="nn", default_name="xw_plus_b")
def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Array:
    """``tf.nn.xw_plus_b``: ``matmul(x, weights) + biases``."""
    del name
    return _bias_add(jnp.matmul(_float(x), _float(weights)), _float(biases), None)


@tf_op("nn.relu_layer", family="nn", default_name="relu_layer")
def relu_layer(x: Any, weights: Any, biases: Any, name: str | None = None) -> Array:
    """``tf.nn.relu_layer``: ``relu(matmul(x, weights) + biases)``."""
    del name
    return jax.nn.relu(_bias_add(jnp.matmul(_float(x), _float(weights)), _float(biases), None))


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
    x = _float(x)
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
    x = _float(x)
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
    x = _float(x)
    if x.ndim not in (4, 5):
        raise ValueError(
            f"Shape must be rank 4 but is rank {x.ndim} for 'FusedBatchNormV3' with input "
            f"shapes: {_shape_list(x.shape)}."
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
    t = _float(t)
    return jnp.sum(jnp.square(t)) / np.array(2, t.dtype)


@tf_op(*_paths("nn.l2_normalize", "math.l2_normalize"), family="nn", default_name="l2_normalize")
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
    x = _float(x)
    axis = renamed("axis", axis, "dim", dim)
    axes = None if axis is None else _axes(x, axis)
    square_sum = jnp.sum(jnp.square(x), axis=axes, keepdims=True)
    return x * lax.rsqrt(jnp.maximum(square_sum, jnp.asarray(epsilon, x.dtype)))


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
    x = _float(input)
    if x.ndim != 4:
        raise ValueError(
            f"Shape must be rank 4 but is rank {x.ndim} for 'LRN' with input shapes: "
            f"{_shape_list(x.shape)}."
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


# --- cross-entropies -----------------------------------------------------------------------
def _check_sentinel(sentinel: Any, fn: str) -> None:
    if sentinel is not None:
        raise ValueError(
            f"Only call `{fn}` with named arguments (labels=..., logits=..., ...). "
            f"Received unnamed argument: {sentinel}"
        )


def _softmax_xent(labels: Any, logits: Any, axis: int) -> Array:
    logits = _float(logits)
    labels = jnp.asarray(labels, logits.dtype)
    if labels.ndim != logits.ndim or any(
        a != b and a != 1 for a, b in zip(labels.shape, logits.shape, strict=True)
    ):
        bad = next(
            (i for i, (a, b) in enumerate(zip(labels.shape, logits.shape, strict=False)) if a != b),
            -1,
        )
        raise ValueError(
            f"Dimensions must be equal, but are {logits.shape[bad] if logits.ndim else 0} and "
            f"{labels.shape[bad] if labels.ndim else 0} for "
            f"'SoftmaxCrossEntropyWithLogits' with input shapes: "
            f"{_shape_list(logits.shape)}, {_shape_list(labels.shape)}."
        )
    _check_axis(logits, axis)
    dtype = logits.dtype
    if dtype in (jnp.float16, jnp.bfloat16):  # TF computes half precision in float32
        logits, labels = logits.astype(jnp.float32), labels.astype(jnp.float32)
    out = -jnp.sum(labels * jax.nn.log_softmax(logits, axis=axis), axis=axis)
    return out.astype(dtype)


@tf_op(
    "nn.softmax_cross_entropy_with_logits_v2",
    family="losses",
    default_name="softmax_cross_entropy_with_logits",
)
def softmax_cross_entropy_with_logits_v2(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    axis: int | None = None,
    name: str | None = None,
    dim: int | None = None,
) -> Array:
    """``tf.nn.softmax_cross_entropy_with_logits_v2``: ``-sum(labels * log_softmax(logits),
    axis)``, one loss per example; gradients flow into ``labels`` too."""
    _check_sentinel(_sentinel, "softmax_cross_entropy_with_logits_v2")
    del name
    return _softmax_xent(labels, logits, _softmax_axis(axis, dim))


@tf_op(
    "nn.softmax_cross_entropy_with_logits",
    family="losses",
    default_name="softmax_cross_entropy_with_logits_sg",
)
def softmax_cross_entropy_with_logits(
    _sentinel: Any = None,
    labels: Any = None,
    logits: Any = None,
    dim: int = -1,
    name: str | None = None,
    axis: int | None = None,
) -> Array:
    """``tf.compat.v1.nn.softmax_cross_entropy_with_logits``: as the ``_v2`` op, with no
    gradient into ``labels`` (TF1's behaviour)."""
    _check_sentinel(_sentinel, "softmax_cross_entropy_with_logits")
    del name
    axis = renamed("axis", axis, "dim", dim)  # as TF1: axis= with the default dim=-1 raises
    return _softmax_xent(lax.stop_gradient(jnp.asarray(labels)), logits, axis)


def _sparse_xent(labels: Any, logits: Any) -> Array:
    logits = _float(logits)
    labels = jnp.asarray(labels)
    if labels.ndim != logits.ndim - 1:
        raise ValueError(
            "`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
            f"labels.shape={tuple(labels.shape)} of rank {labels.ndim} and "
            f"logits.shape={tuple(logits.shape)} of rank {logits.ndim}"
        )
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            "`labels.shape` must equal `logits.shape` except for the last dimension. "
            f"Received: labels.shape={tuple(labels.shape)} and "
            f"logits.shape={tuple(logits.shape)}"
        )
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        raise TypeError(
            f"Value passed to parameter 'labels' has DataType {labels.dtype} not in list of "
            "allowed values: int32, int64"
        )
    half = logits.dtype in (jnp.float16, jnp.bfloat16)
    x = logits.astype(jnp.float32) if half else logits
    # An out-of-range label picks NaN (TF's GPU kernel; its CPU kernel raises at run time).
    picked = jnp.take_along_axis(x, labels[..., None], axis=-1, mode="fill", fill_value=np.nan)
    out = jax.nn.logsumexp(x, axis=-1) - picked[..., 0]
    return out.astype(logits.dtype) if half else out


@tf_op(
    "nn.sparse_softmax_cross_entropy_with_logits",
    family="losses",
    default_name="SparseSoftmaxCrossEntropyWithLogits",
)
def sparse_softmax_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, name: str | None = None
) -> Array:
    """``tf.nn.sparse_softmax_cross_entropy_with_logits``: ``logsumexp(logits) -
    logits[labels]`` per example; ``labels`` are class indices of rank ``logits``'s - 1.

    An out-of-range label gives NaN (as TF on GPU; TF on CPU raises when run)."""
    _check_sentinel(_sentinel, "sparse_softmax_cross_entropy_with_logits")
    del name
    return _sparse_xent(labels, logits)


def _same_shape(labels: Array, logits: Array) -> None:
    if labels.shape != logits.shape:
        raise ValueError(
            "`logits` and `labels` must have the same shape, received "
            f"({tuple(logits.shape)} vs {tuple(labels.shape)})."
        )


def _sigmoid_xent(labels: Any, logits: Any) -> Array:
    logits = _float(logits)
    labels = jnp.asarray(labels, logits.dtype)
    _same_shape(labels, logits)
    zeros = jnp.zeros((), logits.dtype)
    return jnp.maximum(logits, zeros) - logits * labels + jnp.log1p(jnp.exp(-jnp.abs(logits)))


@tf_op("nn.sigmoid_cross_entropy_with_logits", family="losses", default_name="logistic_loss")
def sigmoid_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, name: str | None = None
) -> Array:
    """``tf.nn.sigmoid_cross_entropy_with_logits``: elementwise ``max(x, 0) - x * z +
    log(1 + exp(-abs(x)))`` for logits ``x`` and labels ``z``."""
    _check_sentinel(_sentinel, "sigmoid_cross_entropy_with_logits")
    del name
    return _sigmoid_xent(labels, logits)


@tf_op("nn.weighted_cross_entropy_with_logits", family="losses", default_name="logistic_loss")
def weighted_cross_entropy_with_logits(
    labels: Any = None,
    logits: Any = None,
    pos_weight: Any = None,
    name: str | None = None,
    targets: Any = None,
) -> Array:
    """``tf.compat.v1.nn.weighted_cross_entropy_with_logits``: the sigmoid cross-entropy
    with the positive term weighted by ``pos_weight``; ``targets`` is TF1's old name of
    ``labels``."""
    del name
    labels = renamed("labels", labels, "targets", targets)
    logits = _float(logits)
    z = jnp.asarray(labels, logits.dtype)
    _same_shape(z, logits)
    log_weight = 1 + (jnp.asarray(pos_weight, logits.dtype) - 1) * z
    return (1 - z) * logits + log_weight * (
        jnp.log1p(jnp.exp(-jnp.abs(logits))) + jnp.maximum(-logits, jnp.zeros((), logits.dtype))
    )


@tf_op("nn.log_poisson_loss", family="losses", default_name="log_poisson_loss")
def log_poisson_loss(
    targets: Any, log_input: Any, compute_full_loss: bool = False, name: str | None = None
) -> Array:
    """``tf.nn.log_poisson_loss``: ``exp(log_input) - log_input * targets``, plus Stirling's
    approximation of ``log(targets!)`` (for targets above 1) with ``compute_full_loss``."""
    del name
    log_input = _float(log_input)
    t = jnp.asarray(targets, log_input.dtype)
    if t.shape != log_input.shape:
        raise ValueError(
            "`log_input` and `targets` must have the same shape, received "
            f"({tuple(log_input.shape)} vs {tuple(t.shape)})."
        )
    result = jnp.exp(log_input) - log_input * t
    if compute_full_loss:
        stirling = t * jnp.log(t) - t + 0.5 * jnp.log(2 * np.pi * t)
        result = result + jnp.where((t >= 0) & (t <= 1), jnp.zeros_like(t), stirling)
    return result


# --- lookup and selection ------------------------------------------------------------------
def _partitions_of(params: Any) -> list[Array] | None:
    """The TF1 ``PartitionedVariable`` behind ``params``: its slices along axis 0 (the
    value flaxscope keeps whole), or ``None`` for an ordinary array."""
    try:
        frame = store.current_frame()
    except Exception:  # noqa: BLE001 - no graph at all: a plain array
        return None
    record = frame.record_of(params)
    if record is None or record.partitioner is None:
        return None
    parts = tf_partitions(record.partitioner, record.shape, record.dtype)
    if all(p == 1 for p in parts):
        return None
    if parts[0] == 1:
        raise ValueError(
            f"embedding_lookup: variable {record.name} is partitioned along axis "
            f"{next(i for i, p in enumerate(parts) if p > 1)}, not 0; TF1's lookup treats "
            "such slices as row blocks (a wrong result). Partition embeddings along axis 0."
        )
    n, rows = parts[0], record.shape[0]
    sizes = [rows // n + (1 if i < rows % n else 0) for i in range(n)]
    bounds = np.cumsum([0, *sizes])
    return [params[bounds[i] : bounds[i + 1]] for i in range(n)]


def _clip_rows(rows: Array, ids_rank: int, max_norm: Any) -> Array:
    axes = tuple(range(ids_rank, rows.ndim))
    sq = jnp.sum(rows * rows, axis=axes, keepdims=True)
    positive = sq > 0
    norm = jnp.where(positive, jnp.sqrt(jnp.where(positive, sq, jnp.ones_like(sq))), sq)
    clip = jnp.asarray(max_norm, rows.dtype)
    return rows * clip / jnp.maximum(norm, clip)


@tf_op("nn.embedding_lookup", family="nn", default_name="embedding_lookup")
def embedding_lookup(
    params: Any,
    ids: Any,
    partition_strategy: str = "mod",
    name: str | None = None,
    validate_indices: bool = True,
    max_norm: Any = None,
) -> Array:
    """``tf.compat.v1.nn.embedding_lookup``: the rows ``ids`` of ``params``, shape
    ``ids.shape + params.shape[1:]``.

    ``params`` is one array or a list of partitions (TF1's sharded embeddings): with
    ``partition_strategy="mod"`` id ``i`` is row ``i // n`` of partition ``i % n``; with
    ``"div"`` the partitions hold consecutive id ranges. A variable made by
    ``get_variable(..., partitioner=...)`` (which flaxscope keeps as one array) is looked up
    through its TF1 partitions, so a TF1 checkpoint gives the same rows. ``max_norm`` clips
    each looked-up row's L2 norm. Out-of-range ids are clamped (TF raises on CPU).
    """
    del name, validate_indices
    ids = jnp.asarray(ids)
    rows = _embedding_rows(params, ids, partition_strategy)
    if max_norm is not None:
        rows = _clip_rows(rows, ids.ndim, max_norm)
    return rows


def _embedding_rows(params: Any, ids: Array, partition_strategy: str) -> Array:
    """The rows ``ids`` of ``params`` (one array, a partitioned variable or a list of
    partitions laid out by ``partition_strategy``)."""
    if partition_strategy not in ("mod", "div"):
        raise ValueError(
            f"Unrecognized partition strategy: {partition_strategy}.Must be one of either "
            "`mod` or `div`."
        )
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("Length of params is currently 0. Need at least one param.")
        parts = [jnp.asarray(p) for p in params]
    else:
        parts = _partitions_of(params) or [jnp.asarray(params)]
    if len(parts) == 1:
        rows = jnp.take(parts[0], ids, axis=0)
    else:
        n = len(parts)
        sizes = [p.shape[0] for p in parts]
        offsets = jnp.asarray(np.cumsum([0, *sizes[:-1]]), ids.dtype)
        if partition_strategy == "mod":
            which, local = ids % n, ids // n
        else:
            total = sum(sizes)
            per, extras = total // n, total % n
            which = jnp.maximum(ids // (per + 1), (ids - extras) // per)
            local = jnp.where(which < extras, ids % (per + 1), (ids - extras) % per)
        rows = jnp.take(jnp.concatenate(parts, axis=0), offsets[which] + local, axis=0)
    return rows


@tf_op("nn.embedding_lookup_sparse", family="nn", default_name="embedding_lookup_sparse")
def embedding_lookup_sparse(
    params: Any,
    sp_ids: SparseTensor,
    sp_weights: SparseTensor | None,
    partition_strategy: str = "mod",
    name: str | None = None,
    combiner: str | None = None,
    max_norm: Any = None,
    allow_fast_lookup: bool = False,
) -> Array:
    """``tf.compat.v1.nn.embedding_lookup_sparse``: per row of the ``[batch, k]``
    ``tf.SparseTensor`` ``sp_ids``, the ``combiner`` (``"mean"``, the default, ``"sqrtn"``
    or ``"sum"``) of its ids' embeddings weighted by ``sp_weights`` (``None``: 1 each).

    As TF, the result has a row per row index up to the last one present (TF assumes every
    row has an id); under ``jit``, where the ids are traced, it has ``dense_shape[0]`` rows.
    """
    del name, allow_fast_lookup
    if combiner is None:
        combiner = "mean"
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner}")
    if not isinstance(sp_ids, SparseTensor):
        raise TypeError(f"sp_ids must be SparseTensor, got {type(sp_ids)}")
    if sp_weights is not None and not isinstance(sp_weights, SparseTensor):
        raise TypeError(f"sp_weights must be either None or SparseTensor,got {type(sp_weights)}")
    segments = sp_ids.indices[:, 0]
    if isinstance(segments, jax.core.Tracer) or segments.shape[0] == 0:
        count = int(sp_ids.dense_shape[0])
    else:
        count = int(np.max(np.asarray(segments))) + 1
    rows = _embedding_rows(params, sp_ids.values, partition_strategy)
    if max_norm is not None:
        rows = _clip_rows(rows, 1, max_norm)
    if sp_weights is None:
        weights = jnp.ones(rows.shape[:1], rows.dtype)
    else:
        weights = jnp.asarray(sp_weights.values, rows.dtype)
    weighted = rows * weights.reshape((-1,) + (1,) * (rows.ndim - 1))
    total = jax.ops.segment_sum(weighted, segments, count)
    if combiner == "sum":
        return total
    norm = weights if combiner == "mean" else jnp.square(weights)
    norm = jax.ops.segment_sum(norm, segments, count)
    if combiner == "sqrtn":
        norm = jnp.sqrt(norm)
    norm = norm.reshape((-1,) + (1,) * (rows.ndim - 1))
    return jnp.where(norm == 0, jnp.zeros_like(total), total / jnp.where(norm == 0, 1, norm))


class TopKV2(NamedTuple):
    """``tf.nn.top_k``'s result: ``values`` and their int32 ``indices``."""

    values: Array
    indices: Array


@tf_op(*_paths("nn.top_k", "math.top_k"), family="nn", default_name="TopKV2")
def top_k(input: Any, k: int = 1, sorted: bool = True, name: str | None = None) -> TopKV2:  # noqa: A002
    """``tf.nn.top_k``: the ``k`` largest entries of the last axis and their indices,
    largest first (ties: lower index first, as TF). ``sorted=False`` also returns them
    sorted, which TF allows."""
    del sorted, name
    x = _float(input)
    k = int(k)
    if k < 0:
        raise ValueError(
            f"Dimension size, given by scalar input 1, must be non-negative but is {k} for "
            f"'TopKV2' with input shapes: {_shape_list(x.shape)}, []."
        )
    if x.ndim < 1 or x.shape[-1] < k:
        raise ValueError(
            f"input must have last dimension >= k = {k} but is "
            f"{x.shape[-1] if x.ndim else 0} for 'TopKV2' with input shapes: "
            f"{_shape_list(x.shape)}, []."
        )
    if not jnp.issubdtype(x.dtype, jnp.floating):
        values, indices = lax.top_k(x, k)
        return TopKV2(values, indices.astype(jnp.int32))
    # lax.top_k orders -0.0 below 0.0; TF ties them (lower index first)
    _, indices = lax.top_k(jnp.where(x == 0, jnp.zeros_like(x), x), k)
    return TopKV2(jnp.take_along_axis(x, indices, axis=-1), indices.astype(jnp.int32))


@tf_op(*_paths("nn.in_top_k", "math.in_top_k"), family="nn", default_name="in_top_k")
def in_top_k(predictions: Any, targets: Any, k: int, name: str | None = None) -> Array:
    """``tf.compat.v1.nn.in_top_k``: whether each ``targets[i]``'s prediction is among the
    ``k`` largest of ``predictions[i]`` (classes tied with it all count as in, as TF's);
    false for an out-of-range target or a row with a non-finite prediction."""
    del name
    p = _float(predictions)
    t = jnp.asarray(targets)
    if p.ndim != 2 or t.ndim != 1:
        bad, rank = (p.ndim, 2) if p.ndim != 2 else (t.ndim, 1)
        raise ValueError(
            f"Shape must be rank {rank} but is rank {bad} for 'InTopKV2' with input shapes: "
            f"{_shape_list(p.shape)}, {_shape_list(t.shape)}, []."
        )
    classes = p.shape[1]
    valid = (t >= 0) & (t < classes)
    target = jnp.take_along_axis(p, jnp.clip(t, 0, classes - 1)[:, None].astype(jnp.int32), 1)
    better = jnp.sum(p > target, axis=1)
    return valid & jnp.all(jnp.isfinite(p), axis=1) & (better < k)


@tf_op("nn.zero_fraction", family="nn", default_name="zero_fraction")
def zero_fraction(value: Any, name: str | None = None) -> Array:
    """``tf.nn.zero_fraction``: the fraction of zeros in ``value`` (float32)."""
    del name
    v = jnp.asarray(value)
    return jnp.mean((v == 0).astype(jnp.float32))


@tf_op("nn.normalize_moments", family="nn", default_name="normalize")
def normalize_moments(
    counts: Any, mean_ss: Any, variance_ss: Any, shift: Any, name: str | None = None
) -> tuple[Array, Array]:
    """``tf.nn.normalize_moments``: ``(mean, variance)`` from sufficient statistics."""
    del name
    mean_ss = _float(mean_ss)
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
    x = _float(x)
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
    x = _float(x)
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
