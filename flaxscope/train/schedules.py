"""TF1's learning-rate schedules (``tf.compat.v1.train.exponential_decay`` and its kin).

In TF1 a schedule is a tensor computed from the ``global_step`` variable. Here, called
with ``global_step=None`` it returns the schedule as a function ``step -> learning rate``
(an optax schedule, to pass as an optimizer's ``learning_rate``); called with a step it
returns the value at that step. The arithmetic is TF's, in float32.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Schedule = Callable[[Any], jax.Array]


def _lr(learning_rate: Any) -> jax.Array:
    """The learning rate as TF holds it: a float32 tensor."""
    return jnp.asarray(learning_rate, dtype=jnp.float32)


def exponential_decay(
    learning_rate: float,
    global_step: Any | None,
    decay_steps: int,
    decay_rate: float,
    staircase: bool = False,
    name: str | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.exponential_decay``.

    ``learning_rate * decay_rate ** (global_step / decay_steps)``, with the exponent
    floored when ``staircase``. Computed as TF does: the step cast to float32, then
    ``pow``.

    Args:
      global_step: the step, or ``None`` for the schedule itself (``step -> rate``), to
        give an optimizer: ``AdamOptimizer(exponential_decay(0.1, None, 100, 0.96))``.
      name: accepted for TF1 compatibility; unused.
    """
    del name
    if decay_steps is None or decay_rate is None:
        raise ValueError("decay_steps and decay_rate are required for exponential_decay.")

    def schedule(step: Any) -> jax.Array:
        lr = _lr(learning_rate)
        p = jnp.asarray(step).astype(lr.dtype) / jnp.asarray(decay_steps, lr.dtype)
        if staircase:
            p = jnp.floor(p)
        return lr * jnp.power(jnp.asarray(decay_rate, lr.dtype), p)

    return schedule if global_step is None else schedule(global_step)


def piecewise_constant(
    x: Any | None,
    boundaries: Sequence[Any],
    values: Sequence[Any],
    name: str | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.piecewise_constant``.

    ``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < x <= boundaries[i]``, ``values[-1]`` after the last boundary. As in
    TF, the boundaries are cast to the step's dtype.

    Args:
      x: the step, or ``None`` for the schedule itself (``step -> value``).
      name: accepted for TF1 compatibility; unused.
    """
    del name
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    value_dtypes = {np.asarray(v).dtype.kind for v in values}
    if len(value_dtypes) > 1:
        raise ValueError("Values must have elements all with the same dtype")
    table = jnp.asarray(values)
    if table.dtype == jnp.float64:  # python floats: TF makes them float32 tensors
        table = table.astype(jnp.float32)

    def schedule(step: Any) -> jax.Array:
        step = jnp.asarray(step)
        b = jnp.asarray(boundaries).astype(step.dtype)
        return table[jnp.sum(step > b)]

    return schedule if x is None else schedule(x)


def polynomial_decay(
    learning_rate: float,
    global_step: Any | None,
    decay_steps: int,
    end_learning_rate: float = 0.0001,
    power: float = 1.0,
    cycle: bool = False,
    name: str | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.polynomial_decay``: from ``learning_rate`` to
    ``end_learning_rate`` over ``decay_steps`` as ``(1 - step / decay_steps) ** power``;
    with ``cycle`` the horizon restarts at every multiple of ``decay_steps``."""
    del name

    def schedule(step: Any) -> jax.Array:
        lr = _lr(learning_rate)
        end = jnp.asarray(end_learning_rate, lr.dtype)
        s = jnp.asarray(step).astype(lr.dtype)
        steps = jnp.asarray(decay_steps, lr.dtype)
        if cycle:
            multiplier = jnp.where(s == 0, 1.0, jnp.ceil(s / decay_steps)).astype(lr.dtype)
            steps = steps * multiplier
        else:
            s = jnp.minimum(s, steps)
        p = s / steps
        return (lr - end) * jnp.power(1 - p, jnp.asarray(power, lr.dtype)) + end

    return schedule if global_step is None else schedule(global_step)


def cosine_decay(
    learning_rate: float,
    global_step: Any | None,
    decay_steps: int,
    alpha: float = 0.0,
    name: str | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.cosine_decay``: half a cosine from ``learning_rate`` down to
    ``alpha * learning_rate`` over ``decay_steps``, then flat."""
    del name

    def schedule(step: Any) -> jax.Array:
        lr = _lr(learning_rate)
        steps = jnp.asarray(decay_steps, lr.dtype)
        s = jnp.minimum(jnp.asarray(step).astype(lr.dtype), steps)
        cosine = 0.5 * (1.0 + jnp.cos(jnp.asarray(np.pi, lr.dtype) * (s / steps)))
        return lr * ((1 - alpha) * cosine + alpha)

    return schedule if global_step is None else schedule(global_step)


def inverse_time_decay(
    learning_rate: float,
    global_step: Any | None,
    decay_steps: int,
    decay_rate: float,
    staircase: bool = False,
    name: str | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.inverse_time_decay``: ``lr / (1 + decay_rate * step / decay_steps)``
    (the quotient floored when ``staircase``)."""
    del name

    def schedule(step: Any) -> jax.Array:
        lr = _lr(learning_rate)
        p = jnp.asarray(step).astype(lr.dtype) / jnp.asarray(decay_steps, lr.dtype)
        if staircase:
            p = jnp.floor(p)
        return lr / (1 + jnp.asarray(decay_rate, lr.dtype) * p)

    return schedule if global_step is None else schedule(global_step)


def natural_exp_decay(
    learning_rate: float,
    global_step: Any | None,
    decay_steps: int,
    decay_rate: float,
    staircase: bool = False,
    name: str | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.natural_exp_decay``: ``lr * exp(-decay_rate * step / decay_steps)``
    (the quotient floored when ``staircase``).

    Computed as TF 2's compat.v1 does: ``lr * exp(-decay_rate) ** (step / decay_steps)``.
    """
    del name

    def schedule(step: Any) -> jax.Array:
        lr = _lr(learning_rate)
        base = jnp.exp(-jnp.asarray(decay_rate, lr.dtype))
        p = jnp.asarray(step).astype(lr.dtype) / jnp.asarray(decay_steps, lr.dtype)
        if staircase:
            p = jnp.floor(p)
        return lr * jnp.power(base, p)

    return schedule if global_step is None else schedule(global_step)


def cosine_decay_restarts(
    learning_rate: float,
    global_step: Any | None,
    first_decay_steps: int,
    t_mul: float = 2.0,
    m_mul: float = 1.0,
    alpha: float = 0.0,
    name: str | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.cosine_decay_restarts`` (SGDR): cosine decays from
    ``learning_rate`` to ``alpha * learning_rate``, the first over ``first_decay_steps``,
    each next one ``t_mul`` times longer and starting ``m_mul`` times lower."""
    del name

    def schedule(step: Any) -> jax.Array:
        lr = _lr(learning_rate)
        dtype = lr.dtype
        t = jnp.asarray(t_mul, dtype)
        m = jnp.asarray(m_mul, dtype)
        a = jnp.asarray(alpha, dtype)
        fraction = jnp.asarray(step).astype(dtype) / jnp.asarray(first_decay_steps, dtype)
        # periods of equal length when t_mul == 1, else a geometric series of lengths; the
        # branch not taken may be nan (log(1) / log(1)) and is discarded
        restart_eq = jnp.floor(fraction)
        fraction_eq = fraction - restart_eq
        restart_geo = jnp.floor(jnp.log(1.0 - fraction * (1.0 - t)) / jnp.log(t))
        done = (1.0 - t**restart_geo) / (1.0 - t)
        fraction_geo = (fraction - done) / t**restart_geo
        equal = t == 1.0
        restart = jnp.where(equal, restart_eq, restart_geo)
        fraction = jnp.where(equal, fraction_eq, fraction_geo)
        cosine = 0.5 * m**restart * (1.0 + jnp.cos(jnp.asarray(np.pi, dtype) * fraction))
        return lr * ((1 - a) * cosine + a)

    return schedule if global_step is None else schedule(global_step)


def _linear_cosine(
    step: Any, dtype: Any, decay_steps: int, num_periods: float
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The clipped step, the linear part and the cosine part of the linear cosine decays."""
    steps = jnp.asarray(decay_steps, dtype)
    s = jnp.minimum(jnp.asarray(step).astype(dtype), steps)
    linear = (steps - s) / steps
    fraction = 2.0 * jnp.asarray(num_periods, dtype) * (s / steps)
    cosine = 0.5 * (1.0 + jnp.cos(jnp.asarray(np.pi, dtype) * fraction))
    return s, linear, cosine


def linear_cosine_decay(
    learning_rate: float,
    global_step: Any | None,
    decay_steps: int,
    num_periods: float = 0.5,
    alpha: float = 0.0,
    beta: float = 0.001,
    name: str | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.linear_cosine_decay``: ``lr * ((alpha + linear) * cosine + beta)``
    with ``linear = (decay_steps - s) / decay_steps``,
    ``cosine = 0.5 * (1 + cos(2 pi num_periods s / decay_steps))``, ``s = min(step,
    decay_steps)``."""
    del name

    def schedule(step: Any) -> jax.Array:
        lr = _lr(learning_rate)
        _, linear, cosine = _linear_cosine(step, lr.dtype, decay_steps, num_periods)
        a, b = jnp.asarray(alpha, lr.dtype), jnp.asarray(beta, lr.dtype)
        return lr * ((a + linear) * cosine + b)

    return schedule if global_step is None else schedule(global_step)


def noisy_linear_cosine_decay(
    learning_rate: float,
    global_step: Any | None,
    decay_steps: int,
    initial_variance: float = 1.0,
    variance_decay: float = 0.55,
    num_periods: float = 0.5,
    alpha: float = 0.0,
    beta: float = 0.001,
    name: str | None = None,
    *,
    key: jax.Array | None = None,
) -> Schedule | jax.Array:
    """``tf.compat.v1.train.noisy_linear_cosine_decay``: :func:`linear_cosine_decay` with
    Gaussian noise of variance ``initial_variance / (1 + s) ** variance_decay`` added to
    the linear part.

    TF draws the noise from its op seed; here it is ``jax.random.normal`` with
    ``fold_in(key, step)`` (``key`` defaults to ``jax.random.key(0)``), so the same step
    always gives the same rate, and the draws differ from TF's.
    """
    del name
    base_key = jax.random.key(0) if key is None else key

    def schedule(step: Any) -> jax.Array:
        lr = _lr(learning_rate)
        dtype = lr.dtype
        s, linear, cosine = _linear_cosine(step, dtype, decay_steps, num_periods)
        variance = jnp.asarray(initial_variance, dtype) / jnp.power(
            1.0 + s, jnp.asarray(variance_decay, dtype)
        )
        noise = jax.random.normal(jax.random.fold_in(base_key, jnp.asarray(step)), (), dtype)
        noisy = linear + noise * jnp.sqrt(variance)
        a, b = jnp.asarray(alpha, dtype), jnp.asarray(beta, dtype)
        return lr * ((a + noisy) * cosine + b)

    return schedule if global_step is None else schedule(global_step)
