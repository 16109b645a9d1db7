"""TF1's less common optimizers: Adadelta, FTRL, the proximal ones and AdagradDA.

Same design as :mod:`flaxscope.train.optimizers` (a frozen :class:`~flaxscope.train.optimizers.Rule`
wrapped as an optax transformation, TF1's slot names, the step in the state), with the
update of TensorFlow's CPU kernels (``ApplyAdadelta``, ``ApplyFtrl``/``ApplyFtrlV2``,
``ApplyProximalAdagrad``, ``ApplyProximalGradientDescent``, ``ApplyAdagradDA``).

FTRL, the proximal optimizers and AdagradDA compute the new value of each variable from
its current one, so their ``update`` needs ``params`` (``opt.update(grads, state, params)``)
and returns ``new_value - value``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp

from flaxscope.errors import InvalidArgumentError
from flaxscope.train.optimizers import LearningRate, Optimizer, Rule

__all__ = [
    "AdadeltaOptimizer",
    "AdadeltaRule",
    "AdadeltaState",
    "AdagradDAOptimizer",
    "AdagradDARule",
    "AdagradDAState",
    "FtrlOptimizer",
    "FtrlRule",
    "FtrlState",
    "ProximalAdagradOptimizer",
    "ProximalAdagradRule",
    "ProximalAdagradState",
    "ProximalGradientDescentOptimizer",
    "ProximalGradientDescentRule",
    "ProximalGradientDescentState",
]


class AdadeltaState(NamedTuple):
    """``AdadeltaOptimizer``'s state: slots ``accum`` (``W/Adadelta``) and ``accum_update``
    (``W/Adadelta_1``)."""

    global_step: jax.Array
    accum: Any
    accum_update: Any


class FtrlState(NamedTuple):
    """``FtrlOptimizer``'s state: slots ``accum`` (``W/Ftrl``) and ``linear`` (``W/Ftrl_1``)."""

    global_step: jax.Array
    accum: Any
    linear: Any


class ProximalAdagradState(NamedTuple):
    """``ProximalAdagradOptimizer``'s state: slot ``accumulator`` (``W/ProximalAdagrad``)."""

    global_step: jax.Array
    accumulator: Any


class ProximalGradientDescentState(NamedTuple):
    """``ProximalGradientDescentOptimizer``'s state: only the step count."""

    global_step: jax.Array


class AdagradDAState(NamedTuple):
    """``AdagradDAOptimizer``'s state: slots ``gradient_accumulator`` (``W/AdagradDA``) and
    ``gradient_squared_accumulator`` (``W/AdagradDA_1``)."""

    global_step: jax.Array
    gradient_accumulator: Any
    gradient_squared_accumulator: Any


def _const(value: Any, dtype: Any) -> jax.Array:
    """A hyperparameter as TF1 feeds it to the kernel: a float32 tensor cast to ``dtype``."""
    return jnp.asarray(value, jnp.float32).astype(dtype)


def _proximal_step(prox_var: jax.Array, lr: jax.Array, l1: jax.Array, l2: jax.Array) -> jax.Array:
    """The proximal operator of ``l1 * |x| + l2 / 2 * x^2`` with step ``lr``."""
    one = jnp.ones((), prox_var.dtype)
    shrunk = jnp.sign(prox_var) * jnp.maximum(jnp.abs(prox_var) - lr * l1, 0)
    # l1 is tested on its value, as the kernel does: with l1 == 0 no sign/abs round trip
    return jnp.where(l1 > 0, shrunk, prox_var) / (one + lr * l2)


def _check_kernel_arguments(optimizer: str, learning_rate: Any, l1: Any, l2: Any) -> None:
    # TF1's kernel refuses these at run time (InvalidArgumentError, "lr is not a positive
    # scalar"); here at construction, for the values known then.
    checks = (
        ("lr", learning_rate, "a positive", lambda v: v > 0),
        ("l1 regularization strength", l1, "a non-negative", lambda v: v >= 0),
        ("l2 regularization strength", l2, "a non-negative", lambda v: v >= 0),
    )
    for what, value, kind, ok in checks:
        if isinstance(value, int | float) and not ok(value):
            raise InvalidArgumentError(
                f"{optimizer}: {what} is not {kind} scalar: {value} (TF1 fails when training)."
            )


# ---------------------------------------------------------------------------------------
# the rules


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class AdadeltaRule(Rule):
    """``ApplyAdadelta``."""

    rho: float = 0.95
    epsilon: float = 1e-08
    _state: ClassVar[type] = AdadeltaState
    _public: ClassVar[str] = "AdadeltaOptimizer"

    def _slot_specs(self):
        return [("accum", 0.0), ("accum_update", 0.0)]

    def _apply(self, grad, slots, lr, non_slots):
        dtype = grad.dtype
        rho, eps = _const(self.rho, dtype), _const(self.epsilon, dtype)
        one = jnp.ones((), dtype)
        accum = slots["accum"] * rho + jnp.square(grad) * (one - rho)
        step = jnp.sqrt(slots["accum_update"] + eps) * jax.lax.rsqrt(accum + eps) * grad
        accum_update = slots["accum_update"] * rho + jnp.square(step) * (one - rho)
        return -(step * lr), {"accum": accum, "accum_update": accum_update}


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class FtrlRule(Rule):
    """``ApplyFtrl`` (``ApplyFtrlV2`` with ``l2_shrinkage_regularization_strength``)."""

    learning_rate_power: float = -0.5
    initial_accumulator_value: float = 0.1
    l1_regularization_strength: float = 0.0
    l2_regularization_strength: float = 0.0
    l2_shrinkage_regularization_strength: float = 0.0
    beta: float | None = None
    accum_name: str | None = None
    linear_name: str | None = None
    _state: ClassVar[type] = FtrlState
    _public: ClassVar[str] = "FtrlOptimizer"
    _reads_variables: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.initial_accumulator_value < 0.0:
            raise ValueError(
                f"initial_accumulator_value {self.initial_accumulator_value:f} needs to be "
                "positive or zero"
            )
        if self.learning_rate_power > 0.0:
            raise ValueError(
                f"learning_rate_power {self.learning_rate_power:f} needs to be negative or zero"
            )
        for name in (
            "l1_regularization_strength",
            "l2_regularization_strength",
            "l2_shrinkage_regularization_strength",
        ):
            value = getattr(self, name)
            if value < 0.0:
                raise ValueError(f"{name} {value:f} needs to be positive or zero")

    def _slot_specs(self):
        return [("accum", self.initial_accumulator_value), ("linear", 0.0)]

    def _slot_op_name(self, slot):
        custom = self.accum_name if slot == "accum" else self.linear_name
        return custom or self.name

    def _apply_to(self, grad, var, slots, lr, non_slots, step):
        dtype = grad.dtype
        lr32 = lr.astype(jnp.float32)
        # TF1 folds beta into the l2 strength: l2 + beta / (2 * lr), in float32.
        l2 = jnp.float32(self.l2_regularization_strength) + jnp.float32(self.beta or 0.0) / (
            2.0 * jnp.maximum(lr32, jnp.float32(1e-36))
        )
        l1 = _const(self.l1_regularization_strength, dtype)
        l2 = l2.astype(dtype)
        power = _const(self.learning_rate_power, dtype)
        accum, linear = slots["accum"], slots["linear"]
        if self.l2_shrinkage_regularization_strength > 0.0:
            shrinkage = _const(self.l2_shrinkage_regularization_strength, dtype)
            g = grad + 2 * shrinkage * var
        else:
            g = grad
        new_accum = accum + jnp.square(grad)
        if self.learning_rate_power == -0.5:
            new_root, old_root = jnp.sqrt(new_accum), jnp.sqrt(accum)
        else:
            new_root, old_root = jnp.power(new_accum, -power), jnp.power(accum, -power)
        linear = linear + (g - (new_root - old_root) / lr * var)
        x = l1 * jnp.sign(linear) - linear
        y = new_root / lr + 2 * l2
        new_var = jnp.where(jnp.abs(linear) > l1, x / y, jnp.zeros_like(var))
        return new_var - var, {"accum": new_accum, "linear": linear}


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ProximalAdagradRule(Rule):
    """``ApplyProximalAdagrad``."""

    initial_accumulator_value: float = 0.1
    l1_regularization_strength: float = 0.0
    l2_regularization_strength: float = 0.0
    _state: ClassVar[type] = ProximalAdagradState
    _public: ClassVar[str] = "ProximalAdagradOptimizer"
    _reads_variables: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.initial_accumulator_value <= 0.0:
            raise ValueError(
                f"initial_accumulator_value must be positive: {self.initial_accumulator_value}"
            )
        super().__post_init__()
        _check_kernel_arguments(
            self._public,
            self.learning_rate,
            self.l1_regularization_strength,
            self.l2_regularization_strength,
        )

    def _slot_specs(self):
        return [("accumulator", self.initial_accumulator_value)]

    def _apply_to(self, grad, var, slots, lr, non_slots, step):
        dtype = grad.dtype
        accum = slots["accumulator"] + jnp.square(grad)
        rate = lr * jax.lax.rsqrt(accum)
        l1 = _const(self.l1_regularization_strength, dtype)
        l2 = _const(self.l2_regularization_strength, dtype)
        new_var = _proximal_step(var - grad * rate, rate, l1, l2)
        return new_var - var, {"accumulator": accum}


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ProximalGradientDescentRule(Rule):
    """``ApplyProximalGradientDescent``."""

    l1_regularization_strength: float = 0.0
    l2_regularization_strength: float = 0.0
    _state: ClassVar[type] = ProximalGradientDescentState
    _public: ClassVar[str] = "ProximalGradientDescentOptimizer"
    _reads_variables: ClassVar[bool] = True

    def _apply_to(self, grad, var, slots, lr, non_slots, step):
        dtype = grad.dtype
        l1 = _const(self.l1_regularization_strength, dtype)
        l2 = _const(self.l2_regularization_strength, dtype)
        new_var = _proximal_step(var - grad * lr, lr, l1, l2)
        return new_var - var, {}


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class AdagradDARule(Rule):
    """``ApplyAdagradDA``, with the step ``global_step + 1``."""

    initial_gradient_squared_accumulator_value: float = 0.1
    l1_regularization_strength: float = 0.0
    l2_regularization_strength: float = 0.0
    _state: ClassVar[type] = AdagradDAState
    _public: ClassVar[str] = "AdagradDAOptimizer"
    _reads_variables: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError(
                "initial_gradient_squared_accumulator_value must be positive: "
                f"{self.initial_gradient_squared_accumulator_value}"
            )
        super().__post_init__()

    def _slot_specs(self):
        return [
            ("gradient_accumulator", 0.0),
            ("gradient_squared_accumulator", self.initial_gradient_squared_accumulator_value),
        ]

    def _apply_to(self, grad, var, slots, lr, non_slots, step):
        dtype = grad.dtype
        l1 = _const(self.l1_regularization_strength, dtype)
        l2 = _const(self.l2_regularization_strength, dtype)
        # TF1 passes global_step + 1 (read before minimize increments it)
        t = (step + 1).astype(dtype)
        g_acc = slots["gradient_accumulator"] + grad
        gg_acc = slots["gradient_squared_accumulator"] + jnp.square(grad)
        denom = l2 * t * lr + jnp.sqrt(gg_acc)
        shrunk = jnp.sign(g_acc) * jnp.maximum(jnp.abs(g_acc) - l1 * t, 0)
        numer = jnp.where(l1 > 0, shrunk, g_acc)
        new_var = -lr * numer / denom
        return new_var - var, {
            "gradient_accumulator": g_acc,
            "gradient_squared_accumulator": gg_acc,
        }


# ---------------------------------------------------------------------------------------
# the factories, under TF1's class names (``use_locking`` has no meaning without a graph)


def AdadeltaOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate = 0.001,
    rho: float = 0.95,
    epsilon: float = 1e-08,
    use_locking: bool = False,
    name: str = "Adadelta",
) -> Optimizer:
    """``tf.compat.v1.train.AdadeltaOptimizer`` (``ApplyAdadelta``).

    ``accum = accum * rho + g * g * (1 - rho)``;
    ``u = sqrt(accum_update + epsilon) * rsqrt(accum + epsilon) * g``; ``var -= u * lr``;
    ``accum_update = accum_update * rho + u * u * (1 - rho)``. State :class:`AdadeltaState`:
    slots ``"accum"`` (``W/Adadelta``) and ``"accum_update"`` (``W/Adadelta_1``), both
    starting at 0.
    """
    del use_locking
    return AdadeltaRule(
        learning_rate=learning_rate, name=name, rho=rho, epsilon=epsilon
    ).transformation()


def FtrlOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate,
    learning_rate_power: float = -0.5,
    initial_accumulator_value: float = 0.1,
    l1_regularization_strength: float = 0.0,
    l2_regularization_strength: float = 0.0,
    use_locking: bool = False,
    name: str = "Ftrl",
    accum_name: str | None = None,
    linear_name: str | None = None,
    l2_shrinkage_regularization_strength: float = 0.0,
    beta: float | None = None,
) -> Optimizer:
    """``tf.compat.v1.train.FtrlOptimizer`` (``ApplyFtrl``, ``ApplyFtrlV2`` with shrinkage).

    With ``p = -learning_rate_power``, ``l2' = l2 + beta / (2 * lr)`` and
    ``g' = g + 2 * l2_shrinkage * var``: ``new_accum = accum + g * g``;
    ``linear += g' - (new_accum^p - accum^p) / lr * var``;
    ``var = (l1 * sign(linear) - linear) / (new_accum^p / lr + 2 * l2')`` where
    ``|linear| > l1``, else 0; ``accum = new_accum``. State :class:`FtrlState`: slots
    ``"accum"`` (``W/Ftrl``, or ``W/<accum_name>``; starts at
    ``initial_accumulator_value``) and ``"linear"`` (``W/Ftrl_1``, or ``W/<linear_name>``;
    starts at 0). ``update`` needs ``params``.

    Raises:
      ValueError: as TF1, for a negative ``initial_accumulator_value`` or regularization
        strength, or a positive ``learning_rate_power``.
    """
    del use_locking
    return FtrlRule(
        learning_rate=learning_rate,
        name=name,
        learning_rate_power=learning_rate_power,
        initial_accumulator_value=initial_accumulator_value,
        l1_regularization_strength=l1_regularization_strength,
        l2_regularization_strength=l2_regularization_strength,
        l2_shrinkage_regularization_strength=l2_shrinkage_regularization_strength,
        beta=beta,
        accum_name=accum_name,
        linear_name=linear_name,
    ).transformation()


def ProximalAdagradOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate,
    initial_accumulator_value: float = 0.1,
    l1_regularization_strength: float = 0.0,
    l2_regularization_strength: float = 0.0,
    use_locking: bool = False,
    name: str = "ProximalAdagrad",
) -> Optimizer:
    """``tf.compat.v1.train.ProximalAdagradOptimizer`` (``ApplyProximalAdagrad``).

    ``accum += g * g``; ``rate = lr * rsqrt(accum)``; ``x = var - g * rate``;
    ``var = sign(x) * max(|x| - rate * l1, 0) / (1 + rate * l2)`` (``x / (1 + rate * l2)``
    when ``l1`` is 0). State :class:`ProximalAdagradState`: slot ``"accumulator"``
    (``W/ProximalAdagrad``, starts at ``initial_accumulator_value``). ``update`` needs
    ``params``.

    Raises:
      ValueError: as TF1, if ``initial_accumulator_value`` is not positive.
      InvalidArgumentError: for a learning rate that is not positive or a negative
        regularization strength (TF1's kernel fails on them when training).
    """
    del use_locking
    return ProximalAdagradRule(
        learning_rate=learning_rate,
        name=name,
        initial_accumulator_value=initial_accumulator_value,
        l1_regularization_strength=l1_regularization_strength,
        l2_regularization_strength=l2_regularization_strength,
    ).transformation()


def ProximalGradientDescentOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate,
    l1_regularization_strength: float = 0.0,
    l2_regularization_strength: float = 0.0,
    use_locking: bool = False,
    name: str = "ProximalGradientDescent",
) -> Optimizer:
    """``tf.compat.v1.train.ProximalGradientDescentOptimizer``
    (``ApplyProximalGradientDescent``).

    ``x = var - g * lr``; ``var = sign(x) * max(|x| - lr * l1, 0) / (1 + lr * l2)``
    (``x / (1 + lr * l2)`` when ``l1`` is 0). State :class:`ProximalGradientDescentState`;
    no slots. ``update`` needs ``params``.
    """
    del use_locking
    return ProximalGradientDescentRule(
        learning_rate=learning_rate,
        name=name,
        l1_regularization_strength=l1_regularization_strength,
        l2_regularization_strength=l2_regularization_strength,
    ).transformation()


def AdagradDAOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate,
    global_step: Any,
    initial_gradient_squared_accumulator_value: float = 0.1,
    l1_regularization_strength: float = 0.0,
    l2_regularization_strength: float = 0.0,
    use_locking: bool = False,
    name: str = "AdagradDA",
) -> Optimizer:
    """``tf.compat.v1.train.AdagradDAOptimizer`` (``ApplyAdagradDA``).

    With ``t = global_step + 1``: ``g_acc += g``; ``gg_acc += g * g``;
    ``var = -lr * sign(g_acc) * max(|g_acc| - l1 * t, 0) / (l2 * t * lr + sqrt(gg_acc))``
    (``-lr * g_acc / (...)`` when ``l1`` is 0). State :class:`AdagradDAState`: slots
    ``"gradient_accumulator"`` (``W/AdagradDA``, starts at 0) and
    ``"gradient_squared_accumulator"`` (``W/AdagradDA_1``, starts at
    ``initial_gradient_squared_accumulator_value``). ``update`` needs ``params``.

    ``global_step`` is required, as in TF1, but the step used is the state's
    ``global_step``: the same as TF1's when the variable passed here is the one
    ``minimize(loss, global_step=...)`` increments.

    Raises:
      ValueError: as TF1, if ``initial_gradient_squared_accumulator_value`` is not positive.
    """
    del use_locking, global_step
    return AdagradDARule(
        learning_rate=learning_rate,
        name=name,
        initial_gradient_squared_accumulator_value=initial_gradient_squared_accumulator_value,
        l1_regularization_strength=l1_regularization_strength,
        l2_regularization_strength=l2_regularization_strength,
    ).transformation()
