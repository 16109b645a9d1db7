"""Activations by name, as TF1's layers and RNN cells accept them (Keras' ``activations.get``).

One table serves ``tf.layers`` (``Dense(activation="relu")``) and the RNN cells
(``BasicRNNCell(activation="relu")``): a name, a callable, or ``None``. ``"linear"`` is the
identity function, as in TF1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

__all__ = ["get"]

Activation = Callable[[jax.Array], jax.Array]


def _linear(x: jax.Array) -> jax.Array:
    return x


def _hard_sigmoid(x: jax.Array) -> jax.Array:
    return jnp.clip(0.2 * x + 0.5, 0.0, 1.0)


def _gelu(x: jax.Array) -> jax.Array:
    return jax.nn.gelu(x, approximate=False)


_BY_NAME: dict[str, Activation] = {
    "linear": _linear,
    "relu": jax.nn.relu,
    "relu6": jax.nn.relu6,
    "sigmoid": jax.nn.sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "tanh": jnp.tanh,
    "softmax": jax.nn.softmax,
    "elu": jax.nn.elu,
    "selu": jax.nn.selu,
    "softplus": jax.nn.softplus,
    "softsign": jax.nn.soft_sign,
    "swish": jax.nn.silu,
    "silu": jax.nn.silu,
    "gelu": _gelu,
    "exponential": jnp.exp,
    "mish": jax.nn.mish,
}


def get(identifier: Any) -> Activation | None:
    """``tf.keras.activations.get``: a callable as is, ``None`` as ``None``, or a name."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        found = _BY_NAME.get(identifier)
        if found is None:
            raise ValueError(
                f"Unknown activation function '{identifier}' cannot be deserialized. "
                f"Known names: {', '.join(sorted(_BY_NAME))}; or pass a function."
            )
        return found
    raise TypeError(f"Could not interpret activation function identifier: {identifier}")
