"""TF1's RNN cells (``tf.compat.v1.nn.rnn_cell``) on flaxscope.

Each cell creates its variables with :func:`flaxscope.get_variable` under the same scope
TF1's legacy-layer cells use (``rnn/basic_lstm_cell/kernel``,
``rnn/multi_rnn_cell/cell_0/gru_cell/gates/bias``, ...), with TF1's shapes, initializers,
gate order (i, j, f, o) and state layout, so a TF1 checkpoint gives the same numbers.

Like a TF1 cell, a cell object picks its variable scope on its first call and reuses its
variables on every later call (``reuse=True``). In flaxscope every ``init``/``apply`` call
is a fresh graph, so that memory (the captured scope, whether the cell is built) is kept
per call, in the call's frame: a cell made once at module level works in every ``init``,
``apply`` and ``jax.jit`` trace.

Besides TF1's ``__call__`` (one step), the built-in cells expose their math split in two:
``_project`` (the input half of ``[x, h] @ kernel`` plus the bias, which does not depend on
the recurrence) and ``_step`` (the recurrent half), each with its own slice of the kernel.
:func:`flaxscope.nn.dynamic_rnn` uses that split to compute the input projection for all
time steps in one matmul, outside the compiled loop, with the same variables.

This module is also the ``tf.compat.v1.nn.rnn_cell`` namespace: the base classes
(:mod:`flaxscope.nn.cell_base`) and the wrappers (:mod:`flaxscope.nn.cell_wrappers`) are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import activations as _activations
from flaxscope import initializers as _initializers
from flaxscope.nn.cell_base import (
    Fused,
    LayerRNNCell,
    LSTMStateTuple,
    RNNCell,
    State,
    check_supported_dtypes,
    split_rows,
)
from flaxscope.nn.cell_wrappers import DeviceWrapper, DropoutWrapper, ResidualWrapper
from flaxscope.scopes import variable_scope as _fs_variable_scope

Array = jax.Array

__all__ = [
    "RNNCell",
    "LayerRNNCell",
    "BasicRNNCell",
    "BasicLSTMCell",
    "LSTMCell",
    "GRUCell",
    "MultiRNNCell",
    "LSTMStateTuple",
    "DropoutWrapper",
    "ResidualWrapper",
    "DeviceWrapper",
]

_BIAS_VARIABLE_NAME = "bias"
_WEIGHTS_VARIABLE_NAME = "kernel"


def _get_activation(activation: str | Callable[[Array], Array] | None) -> Callable:
    """TF1's cells: ``activation or tanh``, a name looked up as the layers look it up."""
    return _activations.get(activation) if activation else jnp.tanh


def _zeros_init(value: float = 0.0) -> Any:
    if value:
        return _initializers.constant_initializer(value)
    return _initializers.zeros_initializer()


class BasicRNNCell(LayerRNNCell):
    """``tf.compat.v1.nn.rnn_cell.BasicRNNCell``: ``output = new_state = act([x, h] @ W + b)``.

    Variables: ``basic_rnn_cell/kernel`` ``[input_depth + num_units, num_units]`` (the scope's
    initializer, glorot_uniform by default) and ``basic_rnn_cell/bias`` ``[num_units]`` (zeros).
    """

    def __init__(
        self,
        num_units: int,
        activation: str | Callable | None = None,
        reuse: bool | None = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        check_supported_dtypes(self._dtype)
        self._num_units = num_units
        self._activation = _get_activation(activation)

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def _params(self, input_depth: int, dtype: Any) -> dict[str, Array]:
        n = self._num_units
        return {
            "kernel": self._get_variable(_WEIGHTS_VARIABLE_NAME, [input_depth + n, n], dtype),
            "bias": self._get_variable(_BIAS_VARIABLE_NAME, [n], dtype, _zeros_init()),
        }

    def _split(self, params: dict[str, Array]) -> tuple[dict[str, Array], dict[str, Array]]:
        w_x, w_h = split_rows(params["kernel"], self._num_units)
        return {"kernel": w_x, "bias": params["bias"]}, {"kernel": w_h}

    def _recurrent_input(self, state: Array) -> Array:
        return state

    def _cell_math(
        self, params: dict[str, Array], pre: Array, xp_rest: Any, state: Array
    ) -> tuple[Array, Array]:
        output = self._activation(pre)
        return output, output


def _lstm_gates(
    gates: Array, forget_bias: Any, act: Callable, whole: bool = False
) -> tuple[Array, ...]:
    """``sigmoid(i), act(j), sigmoid(f + forget_bias), sigmoid(o)`` of TF1's ``[i, j, f, o]``
    gate layout; ``whole``: computed over the whole gate array (see _tanh_lstm_gates)."""
    if whole and act is jnp.tanh:
        return _tanh_lstm_gates(gates, jnp.asarray(forget_bias, gates.dtype))
    i, j, f, o = jnp.split(gates, 4, axis=-1)
    sigmoid = jax.nn.sigmoid
    return sigmoid(i), act(j), sigmoid(f + jnp.asarray(forget_bias, f.dtype)), sigmoid(o)


# For the hoisted loop (gates = xp_t + h @ W_h): tanh and sigmoid both run over the whole
# [..., 4n] gate array and a select keeps the right one per column. XLA:CPU vectorizes that,
# while there the fused kernel that reads three column slices of the sum (the new cell state)
# compiled to scalar code, 8x slower per element and most of a small LSTM's forward step (in
# TF1's concat step, gates = concat([x, h]) @ K + b, the slices vectorize and the whole form
# only adds work). The derivative is written per gate (TF's SigmoidGrad/TanhGrad from the
# outputs), not through the select, which would differentiate both functions on every
# column. Same values as the per-slice form.
@jax.custom_jvp
def _tanh_lstm_gates(gates: Array, forget_bias: Array) -> tuple[Array, ...]:
    n = gates.shape[-1] // 4
    column = jax.lax.broadcasted_iota(jnp.int32, gates.shape, gates.ndim - 1) // n
    shifted = jnp.where(column == 2, gates + forget_bias, gates)
    values = jnp.where(column == 1, jnp.tanh(gates), jax.nn.sigmoid(shifted))
    values = values.reshape(*gates.shape[:-1], 4, n)
    return tuple(values[..., k, :] for k in range(4))


@_tanh_lstm_gates.defjvp
def _tanh_lstm_gates_jvp(primals, tangents):
    i, j, f, o = out = _tanh_lstm_gates(*primals)
    d_gates, d_bias = tangents
    di, dj, df, do = jnp.split(d_gates, 4, axis=-1)
    df = df + d_bias
    return out, (di * (i * (1 - i)), dj * (1 - j * j), df * (f * (1 - f)), do * (o * (1 - o)))


class BasicLSTMCell(LayerRNNCell):
    """``tf.compat.v1.nn.rnn_cell.BasicLSTMCell``: LSTM without peepholes or projection.

    Variables: ``basic_lstm_cell/kernel`` ``[input_depth + num_units, 4 * num_units]`` and
    ``basic_lstm_cell/bias`` ``[4 * num_units]`` (zeros); gates in TF1's order i, j, f, o;
    ``forget_bias`` is added to f at run time, not to the bias variable.
    State: ``LSTMStateTuple(c, h)``, or ``[c, h]`` concatenated if ``state_is_tuple=False``.
    """

    def __init__(
        self,
        num_units: int,
        forget_bias: float = 1.0,
        state_is_tuple: bool = True,
        activation: str | Callable | None = None,
        reuse: bool | None = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        check_supported_dtypes(self._dtype)
        self._activation = _get_activation(activation)
        self._state_is_tuple = state_is_tuple
        self._num_units, self._forget_bias = num_units, forget_bias

    @property
    def state_size(self) -> Any:
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    @property
    def output_size(self) -> int:
        return self._num_units

    def _params(self, input_depth: int, dtype: Any) -> dict[str, Array]:
        n = self._num_units
        return {
            "kernel": self._get_variable(_WEIGHTS_VARIABLE_NAME, [input_depth + n, 4 * n], dtype),
            "bias": self._get_variable(_BIAS_VARIABLE_NAME, [4 * n], dtype, _zeros_init()),
        }

    def _split(self, params: dict[str, Array]) -> tuple[dict[str, Array], dict[str, Array]]:
        w_x, w_h = split_rows(params["kernel"], self._num_units)
        return {"kernel": w_x, "bias": params["bias"]}, {"kernel": w_h}

    def _recurrent_input(self, state: State) -> Array:
        return state[1] if self._state_is_tuple else state[:, self._num_units :]

    def _cell_math(
        self,
        params: dict[str, Array],
        gates: Array,
        xp_rest: Any,
        state: State,
        whole: bool = False,
    ) -> tuple[Array, State]:
        c = state[0] if self._state_is_tuple else state[:, : self._num_units]
        i, j, f, o = _lstm_gates(gates, self._forget_bias, self._activation, whole)
        new_c = c * f + i * j
        new_h = self._activation(new_c) * o
        if self._state_is_tuple:
            new_state = LSTMStateTuple(new_c, new_h)
        else:
            new_state = jnp.concatenate([new_c, new_h], axis=1)
        return new_h, new_state

    def _hoisted_cell_math(
        self, params: dict[str, Array], gates: Array, xp_rest: Any, state: State
    ) -> tuple[Array, State]:
        # The whole-array form is for XLA:CPU's code generator (measured there only).
        whole = jax.default_backend() == "cpu"
        return self._cell_math(params, gates, xp_rest, state, whole=whole)


class LSTMCell(LayerRNNCell):
    """``tf.compat.v1.nn.rnn_cell.LSTMCell``: LSTM with optional peepholes, clipping, projection.

    Variables under ``lstm_cell/``: ``kernel`` ``[input_depth + h_depth, 4 * num_units]``
    (``h_depth`` is ``num_proj`` or ``num_units``), ``bias`` ``[4 * num_units]`` (zeros);
    with ``use_peepholes`` also ``w_f_diag``, ``w_i_diag``, ``w_o_diag`` ``[num_units]``; with
    ``num_proj`` also ``projection/kernel`` ``[num_units, num_proj]``. ``initializer`` applies
    to the kernels and the peephole weights. State: ``LSTMStateTuple(c, m)``.
    """

    def __init__(
        self,
        num_units: int,
        use_peepholes: bool = False,
        cell_clip: float | None = None,
        initializer: Any = None,
        num_proj: int | None = None,
        proj_clip: float | None = None,
        num_unit_shards: int | None = None,
        num_proj_shards: int | None = None,
        forget_bias: float = 1.0,
        state_is_tuple: bool = True,
        activation: str | Callable | None = None,
        reuse: bool | None = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        check_supported_dtypes(self._dtype)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise ValueError(
                "num_unit_shards and num_proj_shards are deprecated in TF1 and not supported "
                "by flaxscope; use a variable_scope with a partitioner instead."
            )
        self._cell_clip = cell_clip
        self._num_units, self._use_peepholes = num_units, use_peepholes
        self._initializer = _initializers.get(initializer)
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _get_activation(activation)
        h = num_proj if num_proj else num_units
        self._state_size = LSTMStateTuple(num_units, h) if state_is_tuple else num_units + h
        self._output_size = h

    @property
    def state_size(self) -> Any:
        return self._state_size

    @property
    def output_size(self) -> int:
        return self._output_size

    def _params(self, input_depth: int, dtype: Any) -> dict[str, Array]:
        n = self._num_units
        h_depth = n if self._num_proj is None else self._num_proj
        init = self._initializer
        params = {
            "kernel": self._get_variable(
                _WEIGHTS_VARIABLE_NAME, [input_depth + h_depth, 4 * n], dtype, init
            ),
            "bias": self._get_variable(_BIAS_VARIABLE_NAME, [4 * n], dtype, _zeros_init()),
        }
        if self._use_peepholes:
            for name in ("w_f_diag", "w_i_diag", "w_o_diag"):
                params[name] = self._get_variable(name, [n], dtype, init)
        if self._num_proj is not None:
            params["projection"] = self._get_variable(
                f"projection/{_WEIGHTS_VARIABLE_NAME}", [n, self._num_proj], dtype, init
            )
        return params

    def _h_depth(self) -> int:
        return self._num_units if self._num_proj is None else self._num_proj

    def _split(self, params: dict[str, Array]) -> tuple[dict[str, Array], dict[str, Array]]:
        w_x, w_h = split_rows(params["kernel"], self._h_depth())
        recurrent = {k: v for k, v in params.items() if k not in ("kernel", "bias")}
        return {"kernel": w_x, "bias": params["bias"]}, {"kernel": w_h, **recurrent}

    def _recurrent_input(self, state: State) -> Array:
        n, p = self._num_units, self._h_depth()
        return state[1] if self._state_is_tuple else state[:, n : n + p]

    def _cell_math(
        self, params: dict[str, Array], lstm_matrix: Array, xp_rest: Any, state: State
    ) -> tuple[Array, State]:
        c_prev = state[0] if self._state_is_tuple else state[:, : self._num_units]
        i, j, f, o = jnp.split(lstm_matrix, 4, axis=-1)
        sigmoid, act = jax.nn.sigmoid, self._activation
        if self._use_peepholes:
            c = sigmoid(f + self._forget_bias + params["w_f_diag"] * c_prev) * c_prev + sigmoid(
                i + params["w_i_diag"] * c_prev
            ) * act(j)
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * act(j)
        if self._cell_clip is not None:
            c = jnp.clip(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + params["w_o_diag"] * c) * act(c)
        else:
            m = sigmoid(o) * act(c)
        if self._num_proj is not None:
            m = jnp.matmul(m, params["projection"])
            if self._proj_clip is not None:
                m = jnp.clip(m, -self._proj_clip, self._proj_clip)
        new_state = (
            LSTMStateTuple(c, m) if self._state_is_tuple else jnp.concatenate([c, m], axis=1)
        )
        return m, new_state


class GRUCell(LayerRNNCell):
    """``tf.compat.v1.nn.rnn_cell.GRUCell``: gated recurrent unit (Cho et al., 2014).

    Variables under ``gru_cell/``: ``gates/kernel`` ``[input_depth + num_units, 2 * num_units]``
    and ``gates/bias`` (ones, so r and u start open), ``candidate/kernel``
    ``[input_depth + num_units, num_units]`` and ``candidate/bias`` (zeros). The gates are
    split r, u; ``new_h = u * h + (1 - u) * act([x, r * h] @ W_c + b_c)``.
    """

    def __init__(
        self,
        num_units: int,
        activation: str | Callable | None = None,
        reuse: bool | None = None,
        kernel_initializer: Any = None,
        bias_initializer: Any = None,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, reuse=reuse, **kwargs)
        check_supported_dtypes(self._dtype)
        self._num_units = num_units
        self._activation = _get_activation(activation)
        self._kernel_initializer = _initializers.get(kernel_initializer)
        self._bias_initializer = _initializers.get(bias_initializer)

    @property
    def state_size(self) -> int:
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    def _params(self, input_depth: int, dtype: Any) -> dict[str, Array]:
        n = self._num_units
        k_init, b_init = self._kernel_initializer, self._bias_initializer
        return {
            "gates_kernel": self._get_variable(
                f"gates/{_WEIGHTS_VARIABLE_NAME}", [input_depth + n, 2 * n], dtype, k_init
            ),
            "gates_bias": self._get_variable(
                f"gates/{_BIAS_VARIABLE_NAME}",
                [2 * n],
                dtype,
                b_init if b_init is not None else _zeros_init(1.0),
            ),
            "candidate_kernel": self._get_variable(
                f"candidate/{_WEIGHTS_VARIABLE_NAME}", [input_depth + n, n], dtype, k_init
            ),
            "candidate_bias": self._get_variable(
                f"candidate/{_BIAS_VARIABLE_NAME}",
                [n],
                dtype,
                b_init if b_init is not None else _zeros_init(),
            ),
        }

    def _split(self, params: dict[str, Array]) -> tuple[dict[str, Array], dict[str, Array]]:
        n = self._num_units
        g_x, g_h = split_rows(params["gates_kernel"], n)
        c_x, c_h = split_rows(params["candidate_kernel"], n)
        inputs = {
            "gates_kernel": g_x,
            "gates_bias": params["gates_bias"],
            "candidate_kernel": c_x,
            "candidate_bias": params["candidate_bias"],
        }
        # "kernel" is the recurrent matmul dynamic_rnn factors out (the gates' h rows); the
        # candidate's h rows multiply r * h, so they stay inside _cell_math.
        return inputs, {"kernel": g_h, "candidate_kernel": c_h}

    def _project(self, params: dict[str, Array], x: Array) -> tuple[Array, Array]:
        gates = jnp.matmul(x, params["gates_kernel"]) + params["gates_bias"]
        cand = jnp.matmul(x, params["candidate_kernel"]) + params["candidate_bias"]
        return gates, cand

    def _recurrent_input(self, state: Array) -> Array:
        return state

    def _split_xp(self, xp: tuple[Array, Array]) -> tuple[Array, Array]:
        return xp

    def _cell_math(
        self, params: dict[str, Array], gates: Array, xc: Array, state: Array
    ) -> tuple[Array, Array]:
        value = jax.nn.sigmoid(gates)
        reset, update = jnp.split(value, 2, axis=-1)
        proposal = self._activation(xc + jnp.matmul(reset * state, params["candidate_kernel"]))
        new_h = update * state + (1 - update) * proposal
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """``tf.compat.v1.nn.rnn_cell.MultiRNNCell``: cells stacked, each in scope ``cell_<i>``.

    Variables: ``multi_rnn_cell/cell_0/basic_lstm_cell/kernel``, ...; the same cell object
    given twice shares its variables, as in TF1. State: a tuple of the cells' states, or
    their concatenation if ``state_is_tuple=False``.
    """

    def __init__(self, cells: Sequence[RNNCell], state_is_tuple: bool = True) -> None:
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not isinstance(cells, (list, tuple)):
            raise TypeError(f"cells must be a list or tuple, but received: {cells}.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple:
            if any(not isinstance(c.state_size, (int, np.integer)) for c in self._cells):
                raise ValueError(
                    "Some cells return tuples of states, but the flag state_is_tuple is not "
                    f"set. State sizes are: {[c.state_size for c in self._cells]}"
                )

    @property
    def state_size(self) -> Any:
        sizes = tuple(cell.state_size for cell in self._cells)
        return sizes if self._state_is_tuple else sum(sizes)

    @property
    def output_size(self) -> Any:
        return self._cells[-1].output_size

    def zero_state(self, batch_size: int, dtype: Any) -> State:
        if self._state_is_tuple:
            return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
        return super().zero_state(batch_size, dtype)

    def _cell_states(self, state: State) -> list[State]:
        if self._state_is_tuple:
            if not isinstance(state, (tuple, list)):
                raise ValueError(
                    f"Expected state to be a tuple of length {len(self.state_size)}, but "
                    f"received: {state}"
                )
            return list(state)
        states, pos = [], 0
        for cell in self._cells:
            states.append(state[:, pos : pos + cell.state_size])
            pos += cell.state_size
        return states

    def _join_states(self, states: list[State]) -> State:
        return tuple(states) if self._state_is_tuple else jnp.concatenate(states, axis=1)

    def call(self, inputs: Any, state: State) -> tuple[Any, State]:
        cur_inp = inputs
        new_states = []
        cell_states = self._cell_states(state)
        for i, cell in enumerate(self._cells):
            with _fs_variable_scope(f"cell_{i}"):
                cur_inp, new_state = cell(cur_inp, cell_states[i])
                new_states.append(new_state)
        return cur_inp, self._join_states(new_states)

    def fusion_supported(self) -> bool:
        cls = type(self)
        return (
            cls.call is MultiRNNCell.call
            and cls.__call__ is RNNCell.__call__
            and all(c.fusion_supported() for c in self._cells if isinstance(c, RNNCell))
            and all(isinstance(c, RNNCell) for c in self._cells)
        )

    def fused_layers(self, input_depth: int, dtype: Any) -> Fused:
        # Same scopes, in the same order, as the first call would open; the layers then run
        # one after the other over the whole sequence, which gives the same numbers as
        # stepping all layers together (layer l at time t needs layer l-1 at t and l at t-1).
        gs = self._graph_state()
        if gs.dtype is None:
            gs.dtype = np.dtype(dtype)
        subs: list[Fused] = []
        depth = input_depth
        with self._cell_scope(None):
            for i, cell in enumerate(self._cells):
                with _fs_variable_scope(f"cell_{i}"):
                    subs.append(cell.fused_layers(depth, dtype))
                depth = cell.output_size
        counts = [len(s.layers) for s in subs]

        def split(state: State) -> list[State]:
            out: list[State] = []
            for sub, s in zip(subs, self._cell_states(state), strict=True):
                out.extend(sub.split(s))
            return out

        def join(states: list[State]) -> State:
            grouped, pos = [], 0
            for sub, k in zip(subs, counts, strict=True):
                grouped.append(sub.join(states[pos : pos + k]))
                pos += k
            return self._join_states(grouped)

        return Fused([layer for s in subs for layer in s.layers], split, join)
