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
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import initializers as _initializers
from flaxscope import store as _store
from flaxscope.layers import Layer
from flaxscope.scopes import variable_scope as _fs_variable_scope

Array = jax.Array
State = Any

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


_ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "relu": jax.nn.relu,
    "relu6": jax.nn.relu6,
    "elu": jax.nn.elu,
    "selu": jax.nn.selu,
    "softplus": jax.nn.softplus,
    "softsign": jax.nn.soft_sign,
    "swish": jax.nn.silu,
    "silu": jax.nn.silu,
    "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "hard_sigmoid": lambda x: jnp.clip(0.2 * x + 0.5, 0.0, 1.0),
    "linear": lambda x: x,
}


def _get_activation(activation: str | Callable[[Array], Array] | None) -> Callable:
    if not activation:
        return jnp.tanh
    if callable(activation):
        return activation
    try:
        return _ACTIVATIONS[activation]
    except KeyError:
        raise ValueError(
            f"Unknown activation function: '{activation}'. Pass a callable (e.g. jnp.tanh) "
            f"or one of {sorted(_ACTIVATIONS)}."
        ) from None


def _check_supported_dtypes(dtype: Any) -> None:
    if dtype is None:
        return
    dtype = np.dtype(dtype)
    if not (jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.complexfloating)):
        raise ValueError(
            f"RNN cell only supports floating point inputs, but received dtype: {dtype.name}"
        )


def _check_rnn_cell_input_dtypes(inputs: Any) -> None:
    for t in jax.tree_util.tree_leaves(inputs):
        _check_supported_dtypes(jnp.result_type(t))


_LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))


class LSTMStateTuple(_LSTMStateTuple):
    """``tf.compat.v1.nn.rnn_cell.LSTMStateTuple``: ``(c, h)``, the cell and hidden state.

    A namedtuple, hence a JAX pytree: it passes through ``jit``, ``grad`` and ``lax.scan``.
    """

    __slots__ = ()

    @property
    def dtype(self) -> np.dtype:
        (c, h) = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent dtypes for internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _zero_state_arrays(state_size: Any, batch_size: int, dtype: Any) -> Any:
    return jax.tree_util.tree_map(lambda n: jnp.zeros((batch_size, n), dtype), state_size)


class _FusedLayer(NamedTuple):
    """One recurrent layer in split form, for the hoisted loop of ``dynamic_rnn``."""

    input_params: dict[str, Array]
    recurrent_params: dict[str, Array]  # "kernel" is kernel[input_depth:]
    project: Callable[[dict[str, Array], Array], Any]  # x[..., D] -> input half + bias
    step: Callable[[dict[str, Array], Any, State], tuple[Array, State]]
    # The step factored around its recurrent matmul (see LayerRNNCell._step).
    recurrent_input: Callable[[State], Array]
    split_xp: Callable[[Any], tuple[Array, Any]]
    cell_math: Callable[[dict[str, Array], Array, Any, State], tuple[Array, State]]


class _Fused(NamedTuple):
    """A cell as a stack of layers; ``split``/``join`` map its state to per-layer states."""

    layers: list[_FusedLayer]
    split: Callable[[State], list[State]]
    join: Callable[[list[State]], State]


class RNNCell(Layer):
    """``tf.compat.v1.nn.rnn_cell.RNNCell``: the abstract RNN cell.

    Subclasses implement ``state_size``, ``output_size`` and ``call(inputs, state) ->
    (output, new_state)``; ``call`` may create variables with :func:`flaxscope.get_variable`.
    As in TF1, the first ``__call__`` opens a variable scope named after the class in
    snake case (``my_cell``, made unique in the enclosing scope) or after ``name``, and
    every later call reuses it with ``reuse=True``.
    """

    # --- TF1's properties -----------------------------------------------------------------
    @property
    def state_size(self) -> Any:
        """Size(s) of the state: an int, or a (nested) tuple of ints."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self) -> Any:
        """Size of the output: an int."""
        raise NotImplementedError("Abstract method")

    def zero_state(self, batch_size: int, dtype: Any) -> State:
        """``RNNCell.zero_state``: zeros of shape ``[batch_size, s]`` for each state size."""
        return _zero_state_arrays(self.state_size, batch_size, dtype)

    def get_initial_state(
        self, inputs: Array | None = None, batch_size: int | None = None, dtype: Any = None
    ) -> State:
        """``RNNCell.get_initial_state``: the zero state, sized from ``inputs`` if given."""
        if inputs is not None:
            inputs = jnp.asarray(inputs)
            if batch_size is not None and inputs.shape[0] != batch_size:
                raise ValueError(
                    "batch size from input tensor is different from the input param. Input "
                    f"tensor batch: {inputs.shape[0]}, batch_size: {batch_size}"
                )
            if dtype is not None and inputs.dtype != np.dtype(dtype):
                raise ValueError(
                    "dtype from input tensor is different from the input param. Input tensor "
                    f"dtype: {inputs.dtype}, dtype: {dtype}"
                )
            batch_size = inputs.shape[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError(
                "batch_size and dtype cannot be None while constructing initial state: "
                f"batch_size={batch_size}, dtype={dtype}"
            )
        return self.zero_state(batch_size, dtype)

    # --- calling --------------------------------------------------------------------------
    def __call__(self, inputs: Any, state: State, scope: Any = None) -> tuple[Any, State]:
        """Runs one step: ``(output, new_state) = cell(inputs, state)``, TF1's semantics."""
        gs = self._graph_state()
        if gs.dtype is None:
            gs.dtype = self._dtype or np.dtype(
                jnp.result_type(jax.tree_util.tree_leaves(inputs)[0])
            )
        with self._cell_scope(scope):
            if not gs.built:
                self.build(tuple(np.shape(jax.tree_util.tree_leaves(inputs)[0])))
            return self.call(inputs, state)

    def call(self, inputs: Any, state: State) -> tuple[Any, State]:
        raise NotImplementedError("Abstract method")

    # The legacy layer machinery (scope on first call, build once, add_weight, per-call
    # state, variables) comes from flaxscope.layers.Layer.
    _cell_scope = Layer._layer_scope

    def _get_variable(
        self, name: str, shape: Sequence[int], dtype: Any, initializer: Any = None
    ) -> Array:
        return self.add_weight(name, shape, dtype=dtype, initializer=initializer)

    # --- the fused protocol used by dynamic_rnn ------------------------------------------------
    def _supports_fusion(self) -> bool:
        return False

    def _fused(self, input_depth: int, dtype: Any) -> _Fused:
        raise NotImplementedError


def _split_rows(kernel: Array, h_depth: int) -> tuple[Array, Array]:
    """``kernel[:input_depth]`` (multiplies x) and ``kernel[input_depth:]`` (multiplies h)."""
    depth = kernel.shape[0] - h_depth
    return kernel[:depth], kernel[depth:]


def _single(state: State) -> list[State]:
    return [state]


def _unsingle(states: list[State]) -> State:
    return states[0]


class LayerRNNCell(RNNCell):
    """``tf.compat.v1.nn.rnn_cell.LayerRNNCell``: a cell whose variables are made in ``build``.

    flaxscope's built-in cells implement three methods instead of ``call``:
    ``_params(input_depth, dtype)`` creates or looks up the variables (the layer's
    ``build``); ``_split(params)`` slices them into the input part (``kernel[:input_depth]``
    and the bias) and the recurrent part (``kernel[input_depth:]``, peepholes,
    projection); ``_project(input_params, x)`` is the part of the step that depends only on
    the input (``x @ kernel[:input_depth] + bias``); ``_step(recurrent_params, xp, state)``
    is the recurrence. ``call`` is ``_step(rec, _project(inp, x), state)``. Slicing once,
    outside the loop, keeps the loop's gradient accumulators at the slices' sizes.
    """

    def _params(self, input_depth: int, dtype: Any) -> dict[str, Array]:
        raise NotImplementedError("Abstract method")

    def _split(self, params: dict[str, Array]) -> tuple[dict[str, Array], dict[str, Array]]:
        raise NotImplementedError("Abstract method")

    def _project(self, params: dict[str, Array], x: Array) -> Any:
        return jnp.matmul(x, params["kernel"]) + params["bias"]

    def _recurrent_input(self, state: State) -> Array:
        """The part of the state that multiplies ``kernel[input_depth:]`` (h, or m)."""
        raise NotImplementedError("Abstract method")

    def _split_xp(self, xp: Any) -> tuple[Array, Any]:
        """The projected input's part that ``h @ kernel[input_depth:]`` is added to, and the
        rest (GRU: the candidate's input half)."""
        return xp, None

    def _cell_math(
        self, params: dict[str, Array], pre: Array, xp_rest: Any, state: State
    ) -> tuple[Array, State]:
        """The step after ``pre = xp + h @ kernel[input_depth:]``: gates, new state, output.
        ``params`` are the recurrent params other than ``kernel``."""
        raise NotImplementedError("Abstract method")

    def _step(self, params: dict[str, Array], xp: Any, state: State) -> tuple[Array, State]:
        main, rest = self._split_xp(xp)
        pre = main + jnp.matmul(self._recurrent_input(state), params["kernel"])
        others = {k: v for k, v in params.items() if k != "kernel"}
        return self._cell_math(others, pre, rest, state)

    def call(self, inputs: Array, state: State) -> tuple[Array, State]:
        inputs = jnp.asarray(inputs)
        _check_rnn_cell_input_dtypes([inputs, state])
        if inputs.ndim != 2:
            raise ValueError(
                f"Input 0 of layer {self._base_name} is incompatible with the layer: expected "
                f"ndim=2, found ndim={inputs.ndim}. Full shape received: {inputs.shape}"
            )
        in_params, rec_params = self._split(
            self._params(inputs.shape[-1], self._graph_state().dtype)
        )
        return self._step(rec_params, self._project(in_params, inputs), state)

    def _supports_fusion(self) -> bool:
        # A subclass that overrides call() or __call__ keeps TF1's one-step path.
        cls = type(self)
        return (
            cls.call is LayerRNNCell.call
            and cls.__call__ is RNNCell.__call__
            and cls.build is RNNCell.build
        )

    def _fused(self, input_depth: int, dtype: Any) -> _Fused:
        gs = self._graph_state()
        if gs.dtype is None:
            gs.dtype = self._dtype or np.dtype(dtype)
        _check_supported_dtypes(gs.dtype)
        with self._cell_scope(None):
            params = self._params(input_depth, gs.dtype)
        in_params, rec_params = self._split(params)
        layer = _FusedLayer(
            in_params,
            rec_params,
            self._project,
            self._step,
            self._recurrent_input,
            self._split_xp,
            self._cell_math,
        )
        return _Fused([layer], _single, _unsingle)


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
        _check_supported_dtypes(self._dtype)
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
        w_x, w_h = _split_rows(params["kernel"], self._num_units)
        return {"kernel": w_x, "bias": params["bias"]}, {"kernel": w_h}

    def _recurrent_input(self, state: Array) -> Array:
        return state

    def _cell_math(
        self, params: dict[str, Array], pre: Array, xp_rest: Any, state: Array
    ) -> tuple[Array, Array]:
        output = self._activation(pre)
        return output, output


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
        _check_supported_dtypes(self._dtype)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _get_activation(activation)

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
        w_x, w_h = _split_rows(params["kernel"], self._num_units)
        return {"kernel": w_x, "bias": params["bias"]}, {"kernel": w_h}

    def _recurrent_input(self, state: State) -> Array:
        return state[1] if self._state_is_tuple else state[:, self._num_units :]

    def _cell_math(
        self, params: dict[str, Array], gates: Array, xp_rest: Any, state: State
    ) -> tuple[Array, State]:
        c = state[0] if self._state_is_tuple else state[:, : self._num_units]
        i, j, f, o = jnp.split(gates, 4, axis=-1)
        sigmoid, act = jax.nn.sigmoid, self._activation
        forget_bias = jnp.asarray(self._forget_bias, f.dtype)
        new_c = c * sigmoid(f + forget_bias) + sigmoid(i) * act(j)
        new_h = act(new_c) * sigmoid(o)
        if self._state_is_tuple:
            new_state = LSTMStateTuple(new_c, new_h)
        else:
            new_state = jnp.concatenate([new_c, new_h], axis=1)
        return new_h, new_state


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
        _check_supported_dtypes(self._dtype)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise ValueError(
                "num_unit_shards and num_proj_shards are deprecated in TF1 and not supported "
                "by flaxscope; use a variable_scope with a partitioner instead."
            )
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
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
        w_x, w_h = _split_rows(params["kernel"], self._h_depth())
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
        _check_supported_dtypes(self._dtype)
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
        g_x, g_h = _split_rows(params["gates_kernel"], n)
        c_x, c_h = _split_rows(params["candidate_kernel"], n)
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
        r, u = jnp.split(value, 2, axis=-1)
        candidate = xc + jnp.matmul(r * state, params["candidate_kernel"])
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
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
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

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

    def _supports_fusion(self) -> bool:
        cls = type(self)
        return (
            cls.call is MultiRNNCell.call
            and cls.__call__ is RNNCell.__call__
            and all(c._supports_fusion() for c in self._cells if isinstance(c, RNNCell))
            and all(isinstance(c, RNNCell) for c in self._cells)
        )

    def _fused(self, input_depth: int, dtype: Any) -> _Fused:
        # Same scopes, in the same order, as the first call would open; the layers then run
        # one after the other over the whole sequence, which gives the same numbers as
        # stepping all layers together (layer l at time t needs layer l-1 at t and l at t-1).
        gs = self._graph_state()
        if gs.dtype is None:
            gs.dtype = np.dtype(dtype)
        subs: list[_Fused] = []
        depth = input_depth
        with self._cell_scope(None):
            for i, cell in enumerate(self._cells):
                with _fs_variable_scope(f"cell_{i}"):
                    subs.append(cell._fused(depth, dtype))
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

        return _Fused([layer for s in subs for layer in s.layers], split, join)


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
        from flaxscope.nn.rnn import _assert_like_rnncell

        _assert_like_rnncell("cell", cell)
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
        from flaxscope.layers import per_call_state

        noise = per_call_state(self._noise_token, dict)
        if noise or not any(
            _should_dropout(p)
            for p in (self._input_keep_prob, self._state_keep_prob, self._output_keep_prob)
        ):
            return noise or None
        frame = _store.current_frame()
        has_key = frame.default or frame.op_rng is not None
        in_loop = frame.scan_depth > 0
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
        from flaxscope.transform import next_rng_key

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
        from flaxscope.nn.ops import dropout

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
    from flaxscope.rng import stable_hash

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
