"""TF1's activations: ``tf.nn.relu`` and its variants, ``sigmoid``, ``tanh``, ``swish``,
``gelu``, ``softmax`` and ``log_softmax`` (with their ``tf.math``/top-level aliases)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.ops._registry import tf_op
from flaxscope.ops.nn._common import Array, as_float, check_axis, softmax_axis, tf_paths

# SELU's constants (Klambauer et al., 2017), as TF's kernel uses them
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


@tf_op(*tf_paths("nn.relu"), family="nn", default_name="Relu")
def relu(features: Any, name: str | None = None) -> Array:
    """``tf.nn.relu``: ``max(features, 0)``."""
    del name
    return jax.nn.relu(as_float(features))


@tf_op(*tf_paths("nn.relu6"), family="nn", default_name="Relu6")
def relu6(features: Any, name: str | None = None) -> Array:
    """``tf.nn.relu6``: ``min(max(features, 0), 6)``."""
    del name
    return jax.nn.relu6(as_float(features))


@tf_op(*tf_paths("nn.elu"), family="nn", default_name="Elu")
def elu(features: Any, name: str | None = None) -> Array:
    """``tf.nn.elu``: ``features`` where positive, ``exp(features) - 1`` elsewhere."""
    del name
    return jax.nn.elu(as_float(features))


@tf_op(*tf_paths("nn.selu"), family="nn", default_name="Selu")
def selu(features: Any, name: str | None = None) -> Array:
    """``tf.nn.selu``: the scaled ELU (``scale * elu(x, alpha)`` with TF's constants); at 0
    the gradient is ``scale``, as TF's (the linear branch)."""
    del name
    x = as_float(features)
    negative = x < 0
    scale, alpha = _SELU_SCALE, _SELU_ALPHA
    curve = alpha * jnp.expm1(jnp.where(negative, x, jnp.zeros_like(x)))
    return jnp.asarray(scale, x.dtype) * jnp.where(negative, curve.astype(x.dtype), x)


@tf_op(*tf_paths("nn.crelu"), family="nn", default_name="CRelu")
def crelu(features: Any, name: str | None = None, axis: int = -1) -> Array:
    """``tf.nn.crelu``: ``concat([relu(x), relu(-x)], axis)`` (twice the channels)."""
    del name
    x = as_float(features)
    return jax.nn.relu(jnp.concatenate([x, -x], axis=axis))


@tf_op(*tf_paths("nn.leaky_relu"), family="nn", default_name="LeakyRelu")
def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Array:
    """``tf.nn.leaky_relu``: ``features`` where positive, ``alpha * features`` elsewhere
    (integer inputs become float32, as TF's)."""
    del name
    x = as_float(features)
    if jnp.issubdtype(x.dtype, jnp.integer):
        x = x.astype(jnp.float32)
    return jnp.where(x > 0, x, x * jnp.asarray(alpha, x.dtype))


@tf_op(*tf_paths("nn.softplus", "math.softplus"), family="nn", default_name="Softplus")
def softplus(features: Any, name: str | None = None) -> Array:
    """``tf.nn.softplus``: ``log(exp(features) + 1)``, computed stably."""
    del name
    return jax.nn.softplus(as_float(features))


@tf_op(*tf_paths("nn.softsign", "math.softsign"), family="nn", default_name="Softsign")
def softsign(features: Any, name: str | None = None) -> Array:
    """``tf.nn.softsign``: ``features / (abs(features) + 1)``."""
    del name
    x = as_float(features)
    return x / (jnp.abs(x) + 1)


@tf_op(*tf_paths("nn.sigmoid", "sigmoid", "math.sigmoid"), family="nn", default_name="Sigmoid")
def sigmoid(x: Any, name: str | None = None) -> Array:
    """``tf.sigmoid`` / ``tf.nn.sigmoid``: ``1 / (1 + exp(-x))``."""
    del name
    return jax.nn.sigmoid(as_float(x))


@tf_op(*tf_paths("nn.tanh", "tanh", "math.tanh"), family="nn", default_name="Tanh")
def tanh(x: Any, name: str | None = None) -> Array:
    """``tf.tanh`` / ``tf.nn.tanh``."""
    del name
    return jnp.tanh(as_float(x))


def _swish(features: Any, beta: float = 1.0) -> Array:
    x = as_float(features)
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
    return jax.nn.gelu(as_float(features), approximate=approximate)


@tf_op(*tf_paths("nn.softmax", "math.softmax"), family="nn", default_name="Softmax")
def softmax(
    logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None
) -> Array:
    """``tf.nn.softmax``: ``exp(logits) / sum(exp(logits), axis)``; ``dim`` is TF1's old
    name for ``axis`` (default -1)."""
    del name
    x = as_float(logits)
    axis = softmax_axis(axis, dim)
    check_axis(x, axis)
    return jax.nn.softmax(x, axis=axis)


@tf_op(*tf_paths("nn.log_softmax", "math.log_softmax"), family="nn", default_name="LogSoftmax")
def log_softmax(
    logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None
) -> Array:
    """``tf.nn.log_softmax``: ``logits - log(sum(exp(logits), axis))``."""
    del name
    x = as_float(logits)
    axis = softmax_axis(axis, dim)
    check_axis(x, axis)
    return jax.nn.log_softmax(x, axis=axis)
