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
        lr = jnp.asarray(learning_rate, dtype=jnp.float32)
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
