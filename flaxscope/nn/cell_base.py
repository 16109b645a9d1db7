"""The RNN cell base classes and the fused-loop protocol ``dynamic_rnn`` runs them by.

:class:`RNNCell` is TF1's abstract cell on flaxscope's legacy-layer machinery (scope on the
first call, reuse afterwards, per-call state). :class:`LayerRNNCell` adds the split that
lets :func:`flaxscope.nn.dynamic_rnn` hoist the input projection out of the time loop: a
built-in cell gives its variables as input and recurrent parts, ``_project`` (the input
half of ``[x, h] @ kernel`` plus the bias) and ``_step`` (the recurrence), described to the
driver by :class:`FusedLayer` / :class:`Fused`.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.layers.base import Layer

Array = jax.Array
State = Any

__all__ = [
    "Fused",
    "FusedLayer",
    "LSTMStateTuple",
    "LayerRNNCell",
    "RNNCell",
    "State",
    "assert_like_rnncell",
]


def check_supported_dtypes(dtype: Any) -> None:
    if dtype is None:
        return
    dtype = np.dtype(dtype)
    if not (jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.complexfloating)):
        raise ValueError(
            f"RNN cell only supports floating point inputs, but received dtype: {dtype.name}"
        )


def check_rnn_cell_input_dtypes(inputs: Any) -> None:
    for t in jax.tree_util.tree_leaves(inputs):
        check_supported_dtypes(jnp.result_type(t))


_LSTMStateTuple = collections.namedtuple("LSTMStateTuple", ("c", "h"))


class LSTMStateTuple(_LSTMStateTuple):
    """``tf.compat.v1.nn.rnn_cell.LSTMStateTuple``: ``(c, h)``, the cell and hidden state.

    A namedtuple, hence a JAX pytree: it passes through ``jit``, ``grad`` and ``lax.scan``.
    """

    __slots__ = ()

    @property
    def dtype(self) -> np.dtype:
        if self.c.dtype == self.h.dtype:
            return self.c.dtype
        raise TypeError(f"Inconsistent dtypes for internal state: {self.c.dtype} vs {self.h.dtype}")


def _zero_state_arrays(state_size: Any, batch_size: int, dtype: Any) -> Any:
    return jax.tree_util.tree_map(lambda n: jnp.zeros((batch_size, n), dtype), state_size)


class FusedLayer(NamedTuple):
    """One recurrent layer in split form, for the hoisted loop of ``dynamic_rnn``."""

    input_params: dict[str, Array]
    recurrent_params: dict[str, Array]  # "kernel" is kernel[input_depth:]
    project: Callable[[dict[str, Array], Array], Any]  # x[..., D] -> input half + bias
    step: Callable[[dict[str, Array], Any, State], tuple[Array, State]]
    # The step factored around its recurrent matmul (see LayerRNNCell._step).
    recurrent_input: Callable[[State], Array]
    split_xp: Callable[[Any], tuple[Array, Any]]
    cell_math: Callable[[dict[str, Array], Array, Any, State], tuple[Array, State]]
    # The whole kernel when the step is TF1's own ``concat([x, m]) @ kernel + bias`` (the
    # input params are exactly that kernel's first rows and the bias, and ``split_xp`` has
    # no rest), so the loop may compute the input half inside it; ``None`` otherwise (GRU).
    kernel: Array | None = None
    # cell_math for the hoisted loop (pre = xp_t + m @ kernel[input_depth:]), where another
    # formulation of the same values compiles better (BasicLSTMCell); None: cell_math.
    hoisted_cell_math: (
        Callable[[dict[str, Array], Array, Any, State], tuple[Array, State]] | None
    ) = None


class Fused(NamedTuple):
    """A cell as a stack of layers; ``split``/``join`` map its state to per-layer states."""

    layers: list[FusedLayer]
    split: Callable[[State], list[State]]
    join: Callable[[list[State]], State]


def check_state(cell: Any, batch_size: int, state: Any) -> None:
    """A state whose parts do not have ``cell.state_size``'s sizes, or the inputs' batch,
    fails with TF's ValueError (naming the cell) rather than as a shape error deep in a
    matrix product. Cells whose ``state_size`` is not made of ints are not checked."""
    sizes = jax.tree.leaves(getattr(cell, "state_size", None))
    parts = jax.tree.leaves(state)
    if len(sizes) != len(parts) or not all(isinstance(n, int) for n in sizes):
        return
    name = f"{type(cell).__name__} {getattr(cell, 'name', '')!r}"
    for part, size in zip(parts, sizes, strict=True):
        shape = tuple(jnp.shape(part))
        if len(shape) != 2:
            continue
        if shape[1] != size:
            raise ValueError(
                f"Dimensions must be equal, but are {shape[1]} and {size}: a part of the state "
                f"given to {name} has {shape[1]} units where the cell's state_size "
                f"({cell.state_size}) wants {size}. Build the initial state with "
                "cell.zero_state(batch_size, dtype), or with the shapes of cell.state_size."
            )
        if shape[0] != batch_size:
            raise ValueError(
                f"Dimension 0 in both shapes must be equal, but are {batch_size} and "
                f"{shape[0]}: the inputs to {name} have a batch of {batch_size} and its state "
                f"one of {shape[0]}."
            )


class RNNCell(Layer):
    """``tf.compat.v1.nn.rnn_cell.RNNCell``: the abstract RNN cell.

    Subclasses implement ``state_size``, ``output_size`` and ``call(inputs, state) ->
    (output, new_state)``; ``call`` may create variables with :func:`flaxscope.get_variable`.
    As in TF1, the first ``__call__`` opens a variable scope named after the class in
    snake case (``my_cell``, made unique in the enclosing scope) or after ``name``, and
    every later call reuses it with ``reuse=True``.

    How often the cell's Python code runs: TF1 builds ``dynamic_rnn``'s loop body once, so
    ``__call__`` (and every custom getter of the variables it creates) runs once per
    graph; flaxscope traces the loop body once in ``init`` and ``apply`` alike (``init``
    computes each new variable's initial value outside the trace). ``static_rnn`` calls
    the cell once per time step, as TF1 does. One exception: a variable whose initial
    value is computed from the loop's own values (TF1 refuses those inside a loop) makes
    ``init`` run the body eagerly on the first element first, so its code runs twice more.
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
            batch_size, dtype = inputs.shape[0], inputs.dtype
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
    def fusion_supported(self) -> bool:
        """Whether ``dynamic_rnn`` may run this cell through :meth:`fused_layers` (the
        built-in cells, unless a subclass overrides ``call``); otherwise one step at a time."""
        return False

    def fused_layers(self, input_depth: int, dtype: Any) -> Fused:
        """The cell as a stack of :class:`FusedLayer` (creating its variables, in its
        scope), for ``dynamic_rnn``'s loop with the input projection hoisted out."""
        raise NotImplementedError


def concat_pre(
    recurrent_input: Callable[[State], Array], kernel: Array, bias: Array, x: Array, state: State
) -> Array:
    """TF1's step matmul: ``concat([x, m]) @ kernel + bias``, ``m = recurrent_input(state)``."""
    z = jnp.concatenate([x, recurrent_input(state)], axis=-1)
    return jnp.matmul(z, kernel) + bias


def split_rows(kernel: Array, h_depth: int) -> tuple[Array, Array]:
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

    def _hoisted_cell_math(
        self, params: dict[str, Array], pre: Array, xp_rest: Any, state: State
    ) -> tuple[Array, State]:
        """``_cell_math`` as dynamic_rnn's hoisted loop runs it: the same values, in the
        formulation that compiles best there (by default the same code)."""
        return self._cell_math(params, pre, xp_rest, state)

    def _step(self, params: dict[str, Array], xp: Any, state: State) -> tuple[Array, State]:
        main, rest = self._split_xp(xp)
        pre = main + jnp.matmul(self._recurrent_input(state), params["kernel"])
        others = {k: v for k, v in params.items() if k != "kernel"}
        return self._cell_math(others, pre, rest, state)

    def call(self, inputs: Array, state: State) -> tuple[Array, State]:
        inputs = jnp.asarray(inputs)
        check_rnn_cell_input_dtypes([inputs, state])
        if inputs.ndim != 2:
            raise ValueError(
                f"Input 0 of layer {self._base_name} is incompatible with the layer: expected "
                f"ndim=2, found ndim={inputs.ndim}. Full shape received: {inputs.shape}"
            )
        check_state(self, inputs.shape[0], state)
        params = self._params(inputs.shape[-1], self._graph_state().dtype)
        in_params, rec_params = self._split(params)
        if self._concat_step(in_params):
            # TF1's own step, and dynamic_rnn's loop on CPU: the same numbers bit for bit.
            pre = concat_pre(self._recurrent_input, params["kernel"], params["bias"], inputs, state)
            others = {k: v for k, v in rec_params.items() if k != "kernel"}
            return self._cell_math(others, pre, None, state)
        return self._step(rec_params, self._project(in_params, inputs), state)

    def _concat_step(self, in_params: dict[str, Array]) -> bool:
        """Whether the step is ``concat([x, m]) @ kernel + bias`` (see FusedLayer.kernel)."""
        cls = type(self)
        return (
            cls._project is LayerRNNCell._project
            and cls._split_xp is LayerRNNCell._split_xp
            and set(in_params) == {"kernel", "bias"}
        )

    def fusion_supported(self) -> bool:
        # A subclass that overrides call() or __call__ keeps TF1's one-step path.
        cls = type(self)
        return (
            cls.call is LayerRNNCell.call
            and cls.__call__ is RNNCell.__call__
            and cls.build is RNNCell.build
        )

    def fused_layers(self, input_depth: int, dtype: Any) -> Fused:
        gs = self._graph_state()
        if gs.dtype is None:
            gs.dtype = self._dtype or np.dtype(dtype)
        check_supported_dtypes(gs.dtype)
        with self._cell_scope(None):
            params = self._params(input_depth, gs.dtype)
        in_params, rec_params = self._split(params)
        layer = FusedLayer(
            in_params,
            rec_params,
            self._project,
            self._step,
            self._recurrent_input,
            self._split_xp,
            self._cell_math,
            params["kernel"] if self._concat_step(in_params) else None,
            self._hoisted_cell_math,
        )
        return Fused([layer], _single, _unsingle)


def assert_like_rnncell(cell_name: str, cell: Any) -> None:
    """``rnn_cell_impl.assert_like_rnncell``: duck-typed check with TF1's message."""
    conditions = [
        hasattr(cell, "output_size"),
        hasattr(cell, "state_size"),
        hasattr(cell, "get_initial_state") or hasattr(cell, "zero_state"),
        callable(cell),
    ]
    errors = [
        "'output_size' property is missing",
        "'state_size' property is missing",
        "either 'zero_state' or 'get_initial_state' method is required",
        "is not callable",
    ]
    if not all(conditions):
        problems = [e for ok, e in zip(conditions, errors, strict=True) if not ok]
        raise TypeError(
            f"The argument {cell_name!r} ({cell}) is not an RNNCell: {', '.join(problems)}."
        )
