"""``tf.compat.v1.layers`` core layers: ``dense``, ``flatten``, ``dropout``."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import activations
from flaxscope import initializers as _initializers
from flaxscope.layers._args import ZEROS, normalize_data_format
from flaxscope.layers.base import BiasActivation, Layer, call_once
from flaxscope.nn.ops import dropout as _nn_dropout

Array = jax.Array


class Dense(BiasActivation, Layer):
    """``tf.compat.v1.layers.Dense``: ``activation(inputs @ kernel + bias)``, variables
    ``<scope>/kernel`` ``[in, units]`` and ``<scope>/bias`` ``[units]``."""

    def __init__(
        self,
        units: int,
        activation: Callable | str | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = ZEROS,
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
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        if inputs.shape[-1] is None or inputs.ndim < 1:
            raise ValueError(
                "The last dimension of the inputs to `Dense` should be defined. Found `None`."
            )
        kernel = self.add_weight(
            "kernel",
            [inputs.shape[-1], self.units],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        outputs = jnp.tensordot(inputs, kernel, axes=[[inputs.ndim - 1], [0]])
        return self._bias_and_activation(outputs, self.units)


def dense(
    inputs: Any,
    units: int,
    activation: Callable | str | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = ZEROS,
    kernel_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    kernel_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.dense``: a one-off :class:`Dense` (``name`` shares its
    variables across calls only with ``reuse=True`` or an enclosing reusing scope)."""
    return call_once(Dense, inputs, locals())


class Flatten(Layer):
    """``tf.compat.v1.layers.Flatten``: ``[batch, ...] -> [batch, prod(...)]``; with
    ``data_format="channels_first"`` the channels move last first, as in TF."""

    def __init__(
        self, data_format: str = "channels_last", name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        if self.data_format == "channels_first" and inputs.ndim > 1:
            inputs = jnp.transpose(inputs, (0, *range(2, inputs.ndim), 1))
        return inputs.reshape(inputs.shape[0], -1)


def flatten(inputs: Any, name: str | None = None, data_format: str = "channels_last") -> Array:
    """``tf.compat.v1.layers.flatten``: a one-off :class:`Flatten`."""
    return Flatten(data_format=data_format, name=name)(inputs)


# --- Dropout --------------------------------------------------------------------------------
class Dropout(Layer):
    """``tf.compat.v1.layers.Dropout``: with ``training`` true, zeroes each element with
    probability ``rate`` and scales the rest by ``1 / (1 - rate)``; otherwise the identity.

    ``training`` is a Python bool or a traced boolean scalar (both results are computed and
    one is selected, as TF's ``smart_cond`` did with a tensor). The random key comes from
    :func:`flaxscope.next_rng_key` (``apply(..., rng=key)``), ``seed`` folded into it, so the
    masks differ from TF's. ``noise_shape`` broadcasts against the input; ``None`` entries
    take the input's size. The layer creates no variables but, like every TF1 layer, takes a
    unique scope name (``dropout``, ``dropout_1``, ...).
    """

    def __init__(
        self,
        rate: Any = 0.5,
        noise_shape: Sequence[int | None] | None = None,
        seed: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value {rate} received for `rate`, expected a value between 0 and 1."
            )
        self.rate, self.seed = rate, seed
        self.noise_shape = noise_shape

    def _get_noise_shape(self, inputs: Array) -> tuple[int, ...] | None:
        if self.noise_shape is None:
            return None
        return tuple(
            inputs.shape[i] if value is None else int(value)
            for i, value in enumerate(self.noise_shape)
        )

    def call(self, inputs: Any, training: Any = False) -> Array:
        inputs = jnp.asarray(inputs)
        if isinstance(self.rate, numbers.Real) and self.rate == 0:
            return inputs
        if training is None:  # TF: the learning phase, 0 (inference) unless set
            training = False
        if isinstance(training, (bool, int, np.bool_, np.integer)):
            training = bool(training)
        if training is False:
            return inputs
        try:
            dropped = _nn_dropout(
                inputs, rate=self.rate, noise_shape=self._get_noise_shape(inputs), seed=self.seed
            )
        except ValueError as e:
            if training is True:
                raise
            raise ValueError(
                f"{e} Here training is a traced value (an argument of jax.jit, as a TF1 "
                "is_training placeholder becomes), so whether it is False is not known when the "
                "function is traced: pass rng= when evaluating too, or make it a Python bool "
                "(a closure, or jax.jit(..., static_argnums=...))."
            ) from None
        if training is True:
            return dropped
        return jnp.where(jnp.asarray(training, bool), dropped, inputs)


def dropout(
    inputs: Any,
    rate: Any = 0.5,
    noise_shape: Sequence[int | None] | None = None,
    seed: int | None = None,
    training: Any = False,
    name: str | None = None,
) -> Array:
    """``tf.compat.v1.layers.dropout``: a one-off :class:`Dropout`; the identity unless
    ``training`` (a Python bool or a traced boolean). Needs ``apply(..., rng=key)`` when it
    drops. As in TF, ``name`` is uniquified (``drop``, ``drop_1``), never reused."""
    layer = Dropout(rate, noise_shape=noise_shape, seed=seed, name=name)
    return layer(inputs, training=training)
