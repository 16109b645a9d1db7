"""TF1's learning-rate schedules (``tf.compat.v1.train.exponential_decay``, ``piecewise_constant``).

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
