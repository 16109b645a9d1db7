"""TF1's RNN cell wrappers: ``DropoutWrapper``, ``ResidualWrapper``, ``DeviceWrapper``.

A wrapper adds no variable scope: the wrapped cell keeps its own names, as in TF1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import store as _store
from flaxscope.nn.cell_base import LSTMStateTuple, RNNCell, State, assert_like_rnncell
from flaxscope.nn.ops import dropout
from flaxscope.rng import stable_hash
from flaxscope.store import per_call_state
from flaxscope.transform import next_rng_key

Array = jax.Array

__all__ = ["DeviceWrapper", "DropoutWrapper", "ResidualWrapper"]


def _default_dropout_state_filter_visitor(substate: Any) -> Any:
    """TF1's default: no dropout on an LSTM's memory ``c``, dropout on everything else."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


class _CellWrapper(RNNCell):
    """What TF1's cell wrappers (``DropoutWrapper``, ``ResidualWrapper``, ``DeviceWrapper``)
    share: the wrapped cell's sizes, zero state and variables (a wrapper adds no scope, so
    the cell keeps its names)."""

    def __init__(self, cell: RNNCell, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        assert_like_rnncell("cell", cell)
        self.cell = cell

    @property
    def state_size(self) -> Any:
        return self.cell.state_size

    @property
    def output_size(self) -> Any:
        return self.cell.output_size

    @property
    def variables(self) -> list:
        return self.cell.variables

    @property
    def trainable_variables(self) -> list:
        return self.cell.trainable_variables

    weights = variables
    trainable_weights = trainable_variables

    def zero_state(self, batch_size: int, dtype: Any) -> State:
        return self.cell.zero_state(batch_size, dtype)


class DropoutWrapper(_CellWrapper):
    """``tf.compat.v1.nn.rnn_cell.DropoutWrapper``: dropout on a cell's inputs, states and
    outputs.

    The wrapped cell keeps its own scope and variable names (``.../basic_lstm_cell/kernel``,
    as in TF1). Masks use the call's random keys (``apply(..., rng=key)``); keep
    probabilities of 1.0 add nothing and need no key. State dropout follows
    ``dropout_state_filter_visitor`` (by default an ``LSTMStateTuple``'s memory ``c`` is
    never dropped).

    By default every step of ``dynamic_rnn`` gets its own mask. With
    ``variational_recurrent=True`` (Gal and Ghahramani, 2016) the noise is drawn once, with
    shape ``[1, size]`` for each input (``input_size``, required when ``input_keep_prob`` is
    below 1 or not a Python number), state (``cell.state_size``) and output
    (``cell.output_size``) component, and every step and every batch row use that one mask:
    ``floor(keep_prob + noise) * x / keep_prob``; ``dtype`` (the noise's dtype) is required.
    TF1 draws the noise when the wrapper is built; flaxscope draws it once per
    ``init``/``apply`` call (a fresh mask for each ``rng``), when the wrapper is made inside
    the call, or else at its first ``zero_state`` or step outside a time loop.
    """

    def __init__(
        self,
        cell: RNNCell,
        input_keep_prob: Any = 1.0,
        output_keep_prob: Any = 1.0,
        state_keep_prob: Any = 1.0,
        variational_recurrent: bool = False,
        input_size: Any = None,
        dtype: Any = None,
        seed: int | None = None,
        dropout_state_filter_visitor: Callable | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(cell, dtype=dtype, **kwargs)
        if dropout_state_filter_visitor is not None and not callable(dropout_state_filter_visitor):
            raise TypeError(
                "dropout_state_filter_visitor must be callable. "
                f"Received: {dropout_state_filter_visitor}"
            )
        self._dropout_state_filter = (
            dropout_state_filter_visitor or _default_dropout_state_filter_visitor
        )
        for prob, attr in [
            (input_keep_prob, "input_keep_prob"),
            (state_keep_prob, "state_keep_prob"),
            (output_keep_prob, "output_keep_prob"),
        ]:
            if isinstance(prob, (int, float, np.number)):
                if prob < 0 or prob > 1:
                    raise ValueError(
                        f"Parameter {attr} must be between 0 and 1. Received {float(prob)}"
                    )
                prob = float(prob)
            setattr(self, f"_{attr}", prob)
        self._variational_recurrent = bool(variational_recurrent)
        self._input_size = input_size
        self._seed = seed
        # The recurrent noise is kept per init/apply call, under this token (see _noise).
        self._noise_token = object()
        if self._variational_recurrent:
            # TF1's checks, in its order (tf_keras legacy_cell_wrappers.DropoutWrapper).
            if dtype is None:
                raise ValueError(
                    "When variational_recurrent=True, dtype must be provided. Pass the dtype "
                    "of the inputs and states, e.g. DropoutWrapper(cell, ..., "
                    "variational_recurrent=True, dtype=tf.float32)."
                )
            if _should_dropout(self._input_keep_prob) and input_size is None:
                raise ValueError(
                    "When variational_recurrent=True and input_keep_prob < 1.0 or is unknown, "
                    "input_size must be provided. Pass the depth of the inputs, e.g. "
                    "input_size=x.shape[-1] (a nested tuple for nested inputs)."
                )
            # TF1 draws the noise here, in the graph being built; so do we, in this call.
            self._noise(construction=True)

    @property
    def wrapped_cell(self) -> RNNCell:
        return self.cell

    def zero_state(self, batch_size: int, dtype: Any) -> State:
        if self._variational_recurrent:
            # Outside a time loop, a good moment to draw this call's noise (if not yet).
            self._noise(construction=False, required=False)
        return self.cell.zero_state(batch_size, dtype)

    # --- variational_recurrent: one noise draw per call -----------------------------------
    def _noise(self, construction: bool, required: bool = True) -> dict[str, Any] | None:
        """This call's recurrent noise, ``{"input", "state", "output"}`` (``None`` where that
        dropout is off), drawn on first use.

        TF1 draws it once, when the wrapper is built, so one mask serves every step and
        every ``sess.run`` of the graph. flaxscope has one graph per ``init``/``apply``
        call, so the noise lives in the call's frame (never on ``self``: no tracer
        outlives its call) and is drawn from the call's keys. It must be drawn outside the
        time loop: inside ``dynamic_rnn``'s ``scan`` every step has its own key.
        """
        noise = per_call_state(self._noise_token, dict)
        if noise or not any(
            _should_dropout(p)
            for p in (self._input_keep_prob, self._state_keep_prob, self._output_keep_prob)
        ):
            return noise or None
        frame = _store.current_frame()
        has_key = frame.has_op_keys()
        in_loop = frame.lifted_depth() > 0
        if not required and (not has_key or in_loop):
            return None  # drawn later (or the step says why it cannot be)
        if construction and not has_key:
            return None  # apply without rng: the first step raises next_rng_key's error
        if in_loop and has_key and not construction:
            raise ValueError(
                "DropoutWrapper(variational_recurrent=True) uses one dropout mask for all "
                "time steps, drawn once per init/apply call before the time loop, but this "
                "call first uses the wrapper inside the loop (dynamic_rnn or flaxscope.scan), "
                "where each step has its own random key. Create the DropoutWrapper inside the "
                "function you transform (TF1 built it in the graph too), or call its "
                "zero_state(...) there before the loop."
            )
        noise["input"] = (
            self._draw_noise(self._input_size, "input")
            if _should_dropout(self._input_keep_prob)
            else None
        )
        noise["state"] = (
            self._draw_noise(self.cell.state_size, "state")
            if _should_dropout(self._state_keep_prob)
            else None
        )
        noise["output"] = (
            self._draw_noise(self.cell.output_size, "output")
            if _should_dropout(self._output_keep_prob)
            else None
        )
        return noise

    def _draw_noise(self, sizes: Any, salt: str) -> Any:
        """TF1's ``batch_noise``: ``uniform([1] + shape, dtype)`` per component of ``sizes``
        (one row shared by the whole batch), each from its own key."""
        leaves, treedef = jax.tree.flatten(sizes, is_leaf=lambda s: hasattr(s, "as_list"))
        drawn = []
        for i, size in enumerate(leaves):
            key = next_rng_key()
            if self._seed is not None:  # TF1 salts the seed per tensor; so do we
                key = jax.random.fold_in(key, (self._seed + _stable_salt(salt, i)) & 0xFFFFFFFF)
            drawn.append(jax.random.uniform(key, (1, *_depths(size, salt)), dtype=self._dtype))
        return jax.tree.unflatten(treedef, drawn)

    @staticmethod
    def _variational_value(value: Any, noise: Array, keep_prob: Any, what: str) -> Array:
        """TF1's ``_variational_recurrent_dropout_value``."""
        value = jnp.asarray(value)
        try:
            fits = jnp.broadcast_shapes(noise.shape, value.shape) == value.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"DropoutWrapper(variational_recurrent=True): the {what} noise has shape "
                f"{noise.shape} (from the wrapper's {what}_size) but the {what} has shape "
                f"{value.shape}. Make {what}_size the depth of the {what}."
            )
        # uniform [keep_prob, 1 + keep_prob): floor is 0 with probability 1 - keep_prob
        binary = jnp.floor(keep_prob + noise)
        return (value / keep_prob * binary).astype(value.dtype)

    def _variational_tree(self, values: Any, noise: Any, keep_prob: Any, what: str) -> Any:
        leaves, treedef = jax.tree.flatten(values)
        noises = jax.tree.leaves(noise)
        if len(noises) != len(leaves):
            raise ValueError(
                f"DropoutWrapper(variational_recurrent=True): the {what} has {len(leaves)} "
                f"tensor(s) but the wrapper's {what}_size describes {len(noises)}: "
                f"{what}_size must have the structure of the {what}."
            )
        return jax.tree.unflatten(
            treedef,
            [
                self._variational_value(x, n, keep_prob, what)
                for x, n in zip(leaves, noises, strict=True)
            ],
        )

    # --- the dropout itself -------------------------------------------------------------------
    def _drop(self, value: Any, keep_prob: Any, salt: str, index: int) -> Any:
        seed = None
        if self._seed is not None:  # TF1 salts the seed per tensor; so do we
            seed = (self._seed + _stable_salt(salt, index)) & 0xFFFFFFFF
        return dropout(value, rate=1.0 - keep_prob, seed=seed)

    def _drop_tree(self, tree: Any, keep_prob: Any, salt: str, noise: Any = None) -> Any:
        if self._variational_recurrent:
            return self._variational_tree(tree, noise, keep_prob, salt)
        leaves, treedef = jax.tree.flatten(tree)
        return jax.tree.unflatten(
            treedef, [self._drop(x, keep_prob, salt, i) for i, x in enumerate(leaves)]
        )

    def _drop_state(self, state: Any, keep_prob: Any, noise: Any = None) -> Any:
        """Dropout on the parts of ``state`` that ``dropout_state_filter_visitor`` selects;
        with ``variational_recurrent``, ``noise`` (shaped like ``state_size``) is walked
        alongside ``state``."""
        counter = iter(range(1 << 30))

        def drop(x: Any, n: Any) -> Any:
            if self._variational_recurrent:
                return self._variational_tree(x, n, keep_prob, "state")
            return jax.tree.map(lambda v: self._drop(v, keep_prob, "state", next(counter)), x)

        def visit(sub: Any, n: Any) -> Any:
            keep = self._dropout_state_filter(sub)
            if keep is True or keep is False:
                if not keep:
                    return sub
                if isinstance(sub, (tuple, list)) and not isinstance(sub, LSTMStateTuple):
                    parts = n if n is not None else [None] * len(sub)
                    return _like(sub, [visit(s, p) for s, p in zip(sub, parts, strict=True)])
                return drop(sub, n)
            if isinstance(keep, LSTMStateTuple) and isinstance(sub, LSTMStateTuple):
                n_c, n_h = (None, None) if n is None else (n[0], n[1])
                return LSTMStateTuple(
                    c=drop(sub.c, n_c) if keep.c else sub.c,
                    h=drop(sub.h, n_h) if keep.h else sub.h,
                )
            raise TypeError(
                "dropout_state_filter_visitor must return a bool or, for an LSTMStateTuple, an "
                f"LSTMStateTuple of bools; got {keep!r}"
            )

        return visit(state, noise)

    def __call__(self, inputs: Any, state: State, scope: Any = None) -> tuple[Any, State]:
        noise: dict[str, Any] = {}
        if self._variational_recurrent:
            noise = self._noise(construction=False) or {}
        if _should_dropout(self._input_keep_prob):
            inputs = self._drop_tree(inputs, self._input_keep_prob, "input", noise.get("input"))
        output, new_state = self.cell(inputs, state, scope=scope)
        if _should_dropout(self._state_keep_prob):
            new_state = self._drop_state(new_state, self._state_keep_prob, noise.get("state"))
        if _should_dropout(self._output_keep_prob):
            output = self._drop_tree(output, self._output_keep_prob, "output", noise.get("output"))
        return output, new_state


def _should_dropout(keep_prob: Any) -> bool:
    """TF1's ``_should_dropout``: a constant keep probability of 1.0 adds no dropout."""
    return not isinstance(keep_prob, float) or keep_prob < 1


def _depths(size: Any, what: str) -> list[int]:
    """TF1's ``TensorShape(size).as_list()`` for one component of a ``*_size``."""
    if hasattr(size, "as_list"):
        size = size.as_list()
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        return [int(size)]
    if isinstance(size, list) and all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in size
    ):
        return [int(d) for d in size]
    raise TypeError(
        f"DropoutWrapper(variational_recurrent=True) needs the {what} depths as ints (or a "
        f"nested tuple of ints, or TensorShapes with known dimensions); got {size!r}."
    )


def _like(seq: Any, items: list[Any]) -> Any:
    """A tuple, list or namedtuple like ``seq`` holding ``items``."""
    if isinstance(seq, tuple) and hasattr(seq, "_fields"):
        return type(seq)(*items)
    return type(seq)(items)


def _stable_salt(salt: str, index: int) -> int:
    return stable_hash(f"{salt}_{index}")


class DeviceWrapper(_CellWrapper):
    """``tf.compat.v1.nn.rnn_cell.DeviceWrapper``: TF1 ran the cell on ``device``; XLA
    places the computation here, so this is the cell itself, under its own names."""

    def __init__(self, cell: RNNCell, device: str, **kwargs: Any) -> None:
        super().__init__(cell, **kwargs)
        self._device = device

    def __call__(self, inputs: Any, state: State, scope: Any = None) -> tuple[Any, State]:
        return self.cell(inputs, state, scope=scope)


class ResidualWrapper(_CellWrapper):
    """``tf.compat.v1.nn.rnn_cell.ResidualWrapper``: the cell's output plus its input
    (``residual_fn(inputs, outputs)`` if given). The wrapped cell keeps its names."""

    def __init__(self, cell: RNNCell, residual_fn: Callable | None = None, **kwargs: Any) -> None:
        super().__init__(cell, **kwargs)
        self._residual_fn = residual_fn

    def __call__(self, inputs: Any, state: State, scope: Any = None) -> tuple[Any, State]:
        outputs, new_state = self.cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, outputs), new_state

        def add(inp: Array, out: Array) -> Array:
            if inp.shape[-1] != out.shape[-1]:
                raise ValueError(
                    "Input and output of the ResidualWrapper must have the same depth: "
                    f"inputs {inp.shape}, cell outputs {out.shape}."
                )
            return inp + out

        return jax.tree.map(add, inputs, outputs), new_state
