"""Elementwise functions whose derivatives at ties, kinks and zeros are TF1's, not JAX's.

The values are the same either way; the gradients differ exactly where a model often sits at
its first step (a zero-initialized layer, a clipped ratio at its bound):

* ``tf_maximum``/``tf_minimum``: TF gives the whole gradient to ``x`` on a tie; JAX splits
  it in half (``tf.maximum(x, 0.0)`` at 0: 1 in TF, 0.5 in JAX).
* ``tf_abs``: TF's derivative of ``|x|`` is ``sign(x)``, 0 at 0; JAX's is 1 there (so an L1
  penalty on zero biases, or ``absolute_difference`` at a perfect fit, gets a gradient).
* ``xlogy``/``xlog1py``/``xdivy``: where ``x`` is 0 TF's partial derivatives are 0 (the
  functions are defined as 0 there); JAX's are ``log(y)``/``x/y``, NaN or infinite at
  ``y = 0``.

Each is a ``custom_jvp``, so forward mode, ``vmap`` and higher derivatives keep working.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp

Array = jax.Array


def _chooser(pick_x: Callable[[Array, Array], Array]) -> Callable[[Array, Array], Array]:
    choose = jnp.maximum if pick_x is jnp.greater_equal else jnp.minimum

    @jax.custom_jvp
    def op(x: Array, y: Array) -> Array:
        return choose(x, y)

    @op.defjvp
    def _jvp(primals: Any, tangents: Any) -> Any:
        x, y = primals
        dx, dy = tangents
        out = choose(x, y)
        dx = jnp.broadcast_to(dx, out.shape)
        dy = jnp.broadcast_to(dy, out.shape)
        return out, jnp.where(pick_x(x, y), dx, dy)

    return op


tf_maximum = _chooser(jnp.greater_equal)
tf_maximum.__doc__ = "``max(x, y)``; on a tie the gradient goes to ``x`` (TF's ``Maximum``)."
tf_minimum = _chooser(jnp.less_equal)
tf_minimum.__doc__ = "``min(x, y)``; on a tie the gradient goes to ``x`` (TF's ``Minimum``)."


@jax.custom_jvp
def _real_abs(x: Array) -> Array:
    return jnp.abs(x)


@_real_abs.defjvp
def _real_abs_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (dx,) = primals, tangents
    return jnp.abs(x), jnp.sign(x) * dx


def tf_abs(x: Array) -> Array:
    """``|x|`` with TF's ``Abs`` gradient for real floats (``sign(x)``: 0 at 0); complex
    and integer inputs are ``jnp.abs``'s."""
    return _real_abs(x) if jnp.issubdtype(x.dtype, jnp.floating) else jnp.abs(x)


def _x_is_zero_rule(
    fn: Callable[[Array, Array], Array],
    partial_y: Callable[[Array, Array], Array],
) -> Callable[[Array, Array], Array]:
    """``fn(x, y)`` (0 where ``x`` is 0) whose partial in ``x`` is ``fn(x != 0, y)`` and in
    ``y`` is ``partial_y(x, y)``: TF's gradients of ``Xlogy``, ``Xlog1py`` and ``Xdivy``."""

    @jax.custom_jvp
    def op(x: Array, y: Array) -> Array:
        return fn(x, y)

    @op.defjvp
    def _jvp(primals: Any, tangents: Any) -> Any:
        x, y = primals
        dx, dy = tangents
        out = fn(x, y)
        nonzero = (x != 0).astype(x.dtype)
        return out, fn(nonzero, y) * dx + partial_y(x, y) * dy

    return op


def _xdivy_value(x: Array, y: Array) -> Array:
    return jnp.where(x == 0, jnp.zeros_like(x / y), x / y)


xdivy = _x_is_zero_rule(_xdivy_value, lambda x, y: _xdivy_value(-x, y * y))
xdivy.__doc__ = "``x / y``, 0 where ``x`` is 0, with TF's ``Xdivy`` gradient."
xlogy = _x_is_zero_rule(jsp.xlogy, _xdivy_value)
xlogy.__doc__ = "``x * log(y)``, 0 where ``x`` is 0, with TF's ``Xlogy`` gradient."
xlog1py = _x_is_zero_rule(jsp.xlog1py, lambda x, y: _xdivy_value(x, y + 1))
xlog1py.__doc__ = "``x * log1p(y)``, 0 where ``x`` is 0, with TF's ``Xlog1py`` gradient."
