"""``tf.compat.v1.layers.batch_normalization``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.initializers import ones_initializer, zeros_initializer
from flaxscope.layers.base import (
    Layer,
)
from flaxscope.variables import assign

Array = jax.Array


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def batch_moments(x: Array, axes: tuple[int, ...]) -> tuple[Array, Array]:
    """The mean and the (biased) variance of ``x`` over ``axes``, as TF's batch norm takes
    them: the mean first, then the mean square of ``x`` minus it."""
    mean = jnp.mean(x, axis=axes)
    return mean, jnp.mean(jnp.square(x - jnp.expand_dims(mean, axes)), axis=axes)


@batch_moments.defjvp
def _moments_jvp(axes: tuple[int, ...], primals: tuple, tangents: tuple) -> tuple:
    """The variance's tangent without the term through the mean, which is zero: the
    deviations from the mean sum to zero. Autodiff of ``batch_moments`` would compute that sum
    anyway, and reverse mode would spend a pass over ``x`` on it (forming and reducing the
    deviations' cotangent). The rule is the exact derivative written in JAX, so higher
    derivatives (through ``mean``'s dependence on ``x`` here) stay exact."""
    (x,), (tx,) = primals, tangents
    mean, variance = batch_moments(x, axes)
    centered = x - jnp.expand_dims(mean, axes)
    return (mean, variance), (jnp.mean(tx, axis=axes), 2 * jnp.mean(centered * tx, axis=axes))


class BatchNormalization(Layer):
    """``tf.compat.v1.layers.BatchNormalization``: variables ``gamma``, ``beta`` (trainable)
    and ``moving_mean``, ``moving_variance`` (non-trainable: ``variables["state"]``).

    With ``training`` true it normalizes by the batch's moments and updates the moving
    statistics at once (``moving -= (moving - batch) * (1 - momentum)``), which TF1 did in
    its ``UPDATE_OPS``: call ``apply(..., mutable=True)`` and keep the returned state.
    ``training`` may be a Python bool or a traced boolean. As in TF1, inputs of rank 4 or 5
    normalized on the first or last axis take TF's fused kernel, whose moving variance uses
    the unbiased batch variance; other inputs use the biased one.
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = None,
        gamma_initializer: Any = None,
        moving_mean_initializer: Any = None,
        moving_variance_initializer: Any = None,
        beta_regularizer: Callable | None = None,
        gamma_regularizer: Callable | None = None,
        beta_constraint: Callable | None = None,
        gamma_constraint: Callable | None = None,
        renorm: bool = False,
        fused: bool | None = None,
        trainable: bool = True,
        virtual_batch_size: int | None = None,
        adjustment: Callable | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError(
                "BatchNormalization's renorm, virtual_batch_size and adjustment are not supported."
            )
        self.center, self.scale = center, scale
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self.beta_initializer = beta_initializer or zeros_initializer()
        self.gamma_initializer = gamma_initializer or ones_initializer()
        self.moving_mean_initializer = moving_mean_initializer or zeros_initializer()
        self.moving_variance_initializer = moving_variance_initializer or ones_initializer()
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.fused = fused

    def call(self, inputs: Any, training: Any = False) -> Array:
        inputs = jnp.asarray(inputs)
        axis = self.axis % inputs.ndim
        channels = inputs.shape[axis]
        param_dtype = np.dtype(jnp.float32) if inputs.dtype == jnp.float16 else inputs.dtype
        gamma = (
            self.add_weight(
                "gamma",
                [channels],
                dtype=param_dtype,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
            if self.scale
            else None
        )
        beta = (
            self.add_weight(
                "beta",
                [channels],
                dtype=param_dtype,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
            if self.center
            else None
        )
        moving_mean = self.add_weight(
            "moving_mean",
            [channels],
            dtype=param_dtype,
            initializer=self.moving_mean_initializer,
            trainable=False,
        )
        moving_variance = self.add_weight(
            "moving_variance",
            [channels],
            dtype=param_dtype,
            initializer=self.moving_variance_initializer,
            trainable=False,
        )
        reduce_axes = tuple(a for a in range(inputs.ndim) if a != axis)
        broadcast = [1] * inputs.ndim
        broadcast[axis] = channels

        def normalize(mean: Array, variance: Array) -> Array:
            inv = jax.lax.rsqrt(variance + self.epsilon)
            if gamma is not None:
                inv = inv * gamma
            offset = -mean * inv + (beta if beta is not None else 0.0)
            return (inputs * inv.reshape(broadcast) + offset.reshape(broadcast)).astype(
                inputs.dtype
            )

        if isinstance(training, (bool, int, np.bool_)):
            training = bool(training)
        if training is False:
            return normalize(moving_mean, moving_variance)
        x = inputs.astype(param_dtype)
        mean, variance = batch_moments(x, reduce_axes)
        fused = self.fused
        if fused is None:
            fused = inputs.ndim in (4, 5) and axis in (1, inputs.ndim - 1)
        moving_var_value = variance
        if fused:  # TF's fused kernel reports the unbiased (Bessel-corrected) variance
            n = int(np.prod([inputs.shape[a] for a in reduce_axes]))
            moving_var_value = variance * (n / max(n - 1, 1))
        decay = 1.0 - jnp.asarray(self.momentum, param_dtype)
        new_mean = moving_mean - (moving_mean - mean) * decay
        new_variance = moving_variance - (moving_variance - moving_var_value) * decay
        if training is not True:  # a traced flag: both branches, selected
            new_mean = jnp.where(training, new_mean, moving_mean)
            new_variance = jnp.where(training, new_variance, moving_variance)
            mean = jnp.where(training, mean, moving_mean)
            variance = jnp.where(training, variance, moving_variance)
        assign(moving_mean, new_mean)
        assign(moving_variance, new_variance)
        return normalize(mean, variance)


def batch_normalization(
    inputs: Any,
    axis: int = -1,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
    center: bool = True,
    scale: bool = True,
    beta_initializer: Any = None,
    gamma_initializer: Any = None,
    moving_mean_initializer: Any = None,
    moving_variance_initializer: Any = None,
    beta_regularizer: Callable | None = None,
    gamma_regularizer: Callable | None = None,
    beta_constraint: Callable | None = None,
    gamma_constraint: Callable | None = None,
    training: Any = False,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
    renorm: bool = False,
    fused: bool | None = None,
    virtual_batch_size: int | None = None,
    adjustment: Callable | None = None,
) -> Array:
    """``tf.compat.v1.layers.batch_normalization``: a one-off :class:`BatchNormalization`
    (its moving statistics update when ``training``; use ``apply(..., mutable=True)``)."""
    layer = BatchNormalization(
        axis=axis,
        momentum=momentum,
        epsilon=epsilon,
        center=center,
        scale=scale,
        beta_initializer=beta_initializer,
        gamma_initializer=gamma_initializer,
        moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer,
        beta_regularizer=beta_regularizer,
        gamma_regularizer=gamma_regularizer,
        beta_constraint=beta_constraint,
        gamma_constraint=gamma_constraint,
        renorm=renorm,
        fused=fused,
        trainable=trainable,
        virtual_batch_size=virtual_batch_size,
        adjustment=adjustment,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer(inputs, training=training)
