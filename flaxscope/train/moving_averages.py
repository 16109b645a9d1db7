"""TF1's ``ExponentialMovingAverage``: shadow variables in the store, updated by ``assign``."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from flaxscope.scopes import variable_scope
from flaxscope.store import GraphKeys, per_call_state
from flaxscope.variables import (
    add_to_collection,
    assign,
    get_collection,
    get_variable,
    global_variables,
    trainable_variables,
    variable_record,
)

__all__ = ["ExponentialMovingAverage"]


class ExponentialMovingAverage:
    """``tf.compat.v1.train.ExponentialMovingAverage``: shadow copies of variables that
    track their moving average, ``shadow -= (shadow - var) * (1 - decay)``.

    ``apply(var_list)`` creates each shadow (non-trainable, so in ``variables["state"]``)
    under TF1's name, ``<scope>/<var>/ExponentialMovingAverage``, starting at the
    variable's value, and assigns its update: call it inside the transformed function and
    run ``apply(..., mutable=True)`` to get the new shadows back. With ``num_updates`` the
    decay is ``min(decay, (1 + n) / (10 + n))``, as in TF1. ``average(var)`` is the shadow's
    current value; ``variables_to_restore()`` maps checkpoint names to variables, to
    evaluate with the averages. ``var_list`` holds variables; TF1 also averaged plain
    tensors (zero-initialized shadows, the only ones ``zero_debias`` affects), which have
    no name here.
    """

    def __init__(
        self,
        decay: float,
        num_updates: Any = None,
        zero_debias: bool = False,
        name: str = "ExponentialMovingAverage",
    ) -> None:
        # TF1 zero-debiases only the averages of tensors (zero-initialized shadows); the
        # shadow of a variable starts at its value and is never debiased. flaxscope averages
        # variables only, so the flag changes nothing here, as it changes nothing in TF1.
        self._zero_debias = zero_debias
        self._decay = decay
        self._num_updates = num_updates
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def _shadows(self) -> dict[str, Any]:
        return per_call_state(self, dict)

    def apply(self, var_list: Any = None) -> None:
        """Creates the shadows of ``var_list`` (default: the trainable variables) and
        assigns their update for this step."""
        records = [self._record(v) for v in (var_list or trainable_variables())]
        for record in records:
            if not jnp.issubdtype(record.dtype, jnp.floating):
                raise TypeError(
                    "The variables must be half, float, or double: "
                    f"{record.name.removesuffix(':0')}"
                )
        shadows = self._shadows()
        decay = jnp.asarray(self._decay, jnp.float32)
        if self._num_updates is not None:
            n = jnp.asarray(self._num_updates).astype(jnp.float32)
            decay = jnp.minimum(decay, (1.0 + n) / (10.0 + n))
        one_minus_decay = 1.0 - decay
        for record in records:
            if record.op_name not in shadows:
                with variable_scope(None, default_name=f"{record.op_name}/{self._name}"):
                    shadow = get_variable("", initializer=record.value, trainable=False)
                shadows[record.op_name] = variable_record(shadow)
                add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, record)
            shadow = shadows[record.op_name]
            delta = (shadow.value - record.value) * one_minus_decay.astype(shadow.dtype)
            assign(shadow, shadow.value - delta)

    def _record(self, value: Any) -> Any:
        try:
            return variable_record(value)
        except ValueError:
            raise ValueError(
                f"{self._name}.apply averages variables here, and got a tensor "
                f"({type(value).__name__} of shape {getattr(value, 'shape', '?')}) that is no "
                "variable of this call. TF1 also averages tensors (a batch's moments, a "
                "loss), in a zero-initialized shadow variable named after the tensor's op "
                "('moments/Squeeze/ExponentialMovingAverage'); flaxscope's arrays carry no op "
                "names, so make that shadow yourself: shadow = tf.get_variable("
                "'moments/Squeeze/ExponentialMovingAverage', shape, trainable=False, "
                "initializer=tf.zeros_initializer()), then tf.assign(shadow, shadow - (1 - "
                "decay) * (shadow - tensor)) and apply(..., mutable=True). For batch norm, "
                "tf.layers.batch_normalization keeps its moving averages itself."
            ) from None

    def average(self, var: Any) -> Any:
        """The shadow of ``var`` in this call (``None`` if ``apply`` has not made one)."""
        shadow = self._shadows().get(variable_record(var).op_name)
        return None if shadow is None else shadow.value

    def average_name(self, var: Any) -> str:
        """The shadow's name in a checkpoint (TF1's ``average_name``)."""
        record = variable_record(var)
        shadow = self._shadows().get(record.op_name)
        return shadow.op_name if shadow is not None else f"{record.op_name}/{self._name}"

    def variables_to_restore(self, moving_avg_variables: Any = None) -> dict[str, Any]:
        """``{checkpoint name: variable}``: averaged variables read their shadow's value,
        the others their own (TF1's mapping for evaluating with the averages)."""
        if moving_avg_variables is None:
            moving_avg_variables = get_collection(
                GraphKeys.MOVING_AVERAGE_VARIABLES
            ) + get_collection(GraphKeys.TRAINABLE_VARIABLES)
        averaged = {variable_record(v).op_name for v in moving_avg_variables}
        shadow_names = {s.op_name for s in self._shadows().values()}
        out: dict[str, Any] = {}
        for record in global_variables():
            if record.op_name in shadow_names:
                continue
            key = self.average_name(record) if record.op_name in averaged else record.op_name
            out[key] = record
        return out
