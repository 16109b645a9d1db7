"""TF1's RNN drivers (``tf.compat.v1.nn.dynamic_rnn`` and friends) on ``lax.scan``.

``dynamic_rnn`` opens ``variable_scope(scope or "rnn")`` and creates the cell's variables
once, under the names TF1 gives them, before the loop; every time step then uses that one
set of arrays, exactly as the body of TF1's ``while_loop`` shares them through
``reuse=True``. The loop is a single ``lax.scan``: compiled once whatever the length.

For flaxscope's built-in cells the input half of the step, ``x_t @ kernel[:input_depth] +
bias``, does not depend on the recurrence. Where it goes is chosen per backend
(:data:`HOIST_INPUT_PROJECTION`, from ``benchmarks/RESULTS.md``): on accelerators it is
computed for all steps at once (one large matmul on the same kernel variable) and only
``h @ kernel[input_depth:]`` stays in the loop; on CPU the loop computes TF1's own step,
``concat([x_t, h]) @ kernel + bias``, which keeps no ``[time, batch, 4 * units]`` projection
in memory. The backward pass only carries the gradient through the recurrence and emits
each step's gate gradient; the kernel's gradient is then one matmul over all steps after
the loop (as cuDNN does), not a kernel-sized sum updated at every step
(``hoist_weight_grads``), and so is the inputs' gradient when the projection ran inside
the loop. A ``MultiRNNCell`` of such cells runs layer by layer over the whole sequence.
Any other cell (a user's ``RNNCell`` whose ``call`` uses ``get_variable``) runs step by
step through :func:`flaxscope.scan`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import store
from flaxscope.lift import scan as _fs_scan
from flaxscope.nn.cell_base import (
    FusedLayer,
    RNNCell,
    State,
    assert_like_rnncell,
    check_state,
    concat_pre,
)
from flaxscope.scopes import variable_scope as _variable_scope

Array = jax.Array

__all__ = [
    "dynamic_rnn",
    "static_rnn",
    "bidirectional_dynamic_rnn",
    "DEFAULT_UNROLL",
    "HOIST_INPUT_PROJECTION",
    "FOLD_EMBEDDING_PROJECTION",
]

# lax.scan's unroll factor for dynamic_rnn when none is given, per backend. Unrolling a few
# steps lets XLA schedule one step's elementwise work with the next step's matmul on a GPU
# (unroll=8 gave the best XLA LSTM numbers on an H200); on CPU, unroll 4 and 8 were slower
# than 1 and lengthened compilation.
DEFAULT_UNROLL: dict[str, int] = {"cpu": 1, "gpu": 8, "cuda": 8, "rocm": 8, "tpu": 8}


# Whether dynamic_rnn computes the input half of the step for all steps before the loop
# (True) or inside it with the recurrent half, as one ``concat([x_t, h]) @ kernel`` (False),
# per backend. On the 2-core CPU of benchmarks/RESULTS.md the loop form was faster at every
# size measured (batch 16-256, hidden 128-1024): the hoisted form writes and reads back a
# [time, batch, 4 * units] array (and its gradient), which costs more there than the small
# per-step matmul it saves. GPUs favour one large matmul; their sweep decides.
HOIST_INPUT_PROJECTION: dict[str, bool] = {
    "cpu": False,
    "gpu": True,
    "cuda": True,
    "rocm": True,
    "tpu": True,
}


# Whether dynamic_rnn, when its inputs are ``tf.nn.embedding_lookup(table, ids)`` of one
# unpartitioned table, multiplies the table by the input half of the kernel once
# (``[vocab, depth] @ [depth, gates]``) and looks the projected rows up, instead of
# multiplying every looked-up row (``[time * batch, depth] @ [depth, gates]``), per backend.
# The backward pass then sums each step's gate gradient into its token's row before the
# matmuls (a scatter-add), so the input-half kernel and the table's gradients cost vocabulary-
# not token-sized matmuls too. It applies when the vocabulary is well below the token count
# and the three token-sized matmuls it removes are large enough to outweigh the loop form's
# advantage at small sizes (FOLD_MIN_FLOPS); both from benchmarks/RESULTS.md ("LSTM LM").
FOLD_EMBEDDING_PROJECTION: dict[str, bool] = {
    "cpu": True,
    "gpu": False,
    "cuda": False,
    "rocm": False,
    "tpu": False,
}
FOLD_MIN_FLOPS = 7.5e8
FOLD_MAX_VOCAB_FRACTION = 0.25  # vocabulary <= this fraction of time * batch


def _default_unroll() -> int:
    return DEFAULT_UNROLL.get(jax.default_backend(), 1)


def _default_hoist_input_projection() -> bool:
    return HOIST_INPUT_PROJECTION.get(jax.default_backend(), True)


def _transpose_batch_time(x: Array) -> Array:
    return x if x.ndim < 2 else jnp.swapaxes(x, 0, 1)


def _initial_state(cell: Any, batch_size: int, dtype: Any, initial_state: State | None) -> State:
    if initial_state is not None:
        check_state(cell, batch_size, initial_state)
        return initial_state
    if not dtype:
        raise ValueError("If no initial_state is provided, argument `dtype` must be specified")
    if getattr(cell, "get_initial_state", None) is not None:
        return cell.get_initial_state(inputs=None, batch_size=batch_size, dtype=dtype)
    return cell.zero_state(batch_size, dtype)


def _sequence_length(sequence_length: Any, batch_size: int) -> Array | None:
    if sequence_length is None:
        return None
    sequence_length = jnp.asarray(sequence_length).astype(jnp.int32)
    if sequence_length.ndim != 1:
        raise ValueError(
            "Argument sequence_length must be a vector of length batch_size. Received "
            f"sequence_length={sequence_length} of shape: {sequence_length.shape}"
        )
    if sequence_length.shape[0] != batch_size:
        raise ValueError(
            f"Expected shape for Tensor sequence_length is [{batch_size}] but saw shape: "
            f"[{sequence_length.shape[0]}]"
        )
    return sequence_length


def _select(keep_new: Array | None, new: Any, old: Any) -> Any:
    """``where(time < sequence_length, new, old)`` on every leaf, row by row."""
    if keep_new is None:
        return new

    def pick(n: Array, o: Array) -> Array:
        mask = keep_new.reshape(keep_new.shape + (1,) * (n.ndim - 1))
        return jnp.where(mask, n, o)

    return jax.tree.map(pick, new, old)


def _zeros_like_tree(tree: Any) -> Any:
    return jax.tree.map(jnp.zeros_like, tree)


def dynamic_rnn(
    cell: RNNCell,
    inputs: Any,
    sequence_length: Any = None,
    initial_state: State | None = None,
    dtype: Any = None,
    parallel_iterations: int | None = None,
    swap_memory: bool = False,
    time_major: bool = False,
    scope: Any = None,
    *,
    unroll: int | bool | None = None,
    hoist_weight_grads: bool | None = None,
    hoist_input_projection: bool | None = None,
    fold_embedding: bool | None = None,
) -> tuple[Any, State]:
    """``tf.compat.v1.nn.dynamic_rnn``: runs ``cell`` over the time axis of ``inputs``.

    Args:
      cell: an :class:`~flaxscope.nn.rnn_cell.RNNCell`.
      inputs: ``[batch, time, depth]`` (``[time, batch, depth]`` if ``time_major``), or a
        nested structure of such arrays.
      sequence_length: optional int vector ``[batch]``. Outputs at and past a row's length
        are zero and its state is carried through unchanged, as in TF1.
      initial_state: the cell's initial state; if ``None``, ``dtype`` is required and the
        zero state is used.
      dtype: the dtype of the zero initial state and the outputs.
      parallel_iterations, swap_memory: accepted for TF1 compatibility; XLA schedules the
        loop itself.
      time_major: whether ``inputs`` and outputs are ``[time, batch, ...]``.
      scope: the variable scope (name or ``VariableScope``); default ``"rnn"``.
      unroll: flaxscope only: ``lax.scan``'s unroll factor (default per backend, see
        :data:`DEFAULT_UNROLL`).
      hoist_weight_grads: flaxscope only, built-in cells only: in the backward pass, compute
        the gradient of ``kernel[input_depth:]`` after the loop in one matmul over all
        steps instead of accumulating it inside the loop, as cuDNN does (default ``True``:
        faster on CPU and GPU, see ``benchmarks/RESULTS.md``). The values are the same to
        float rounding.
      hoist_input_projection: flaxscope only, built-in cells only: compute ``x_t @
        kernel[:input_depth] + bias`` for all steps before the loop (``True``) or inside
        it, as TF1's ``concat([x_t, h]) @ kernel + bias`` (``False``). Default per backend,
        see :data:`HOIST_INPUT_PROJECTION`. The values are the same to float rounding.
      fold_embedding: flaxscope only, built-in cells only, when ``inputs`` is the result of
        ``tf.nn.embedding_lookup(table, ids)`` on one unpartitioned table: compute the
        first layer's input half as ``take(table @ kernel[:depth] + bias, ids)`` (one
        vocabulary-sized matmul) instead of a matmul per looked-up row; the gradients of
        the table and of ``kernel[:depth]`` then go through a ``[vocab, gates]`` sum too.
        ``True`` forces it (with the input half hoisted out of the loop), ``False`` never;
        default per backend and size, see :data:`FOLD_EMBEDDING_PROJECTION`. The values
        are the same to float rounding.

    Returns:
      ``(outputs, final_state)``: outputs ``[batch, time, cell.output_size]`` (or time
      major), and the state after each row's last valid step.
    """
    del parallel_iterations, swap_memory
    assert_like_rnncell("cell", cell)
    gather = None
    if fold_embedding is not False and hoist_input_projection is not False:
        gather = store.current_frame().gather_source(inputs)
    with _variable_scope(scope or "rnn"):
        flat_input = [jnp.asarray(x) for x in jax.tree.leaves(inputs)]
        for x in flat_input:
            if x.ndim < 3:
                raise ValueError(
                    "Input tensor should have rank >= 3 ([batch, time, depth]). Received "
                    f"input of shape {x.shape} (rank {x.ndim})."
                )
        if not time_major:
            flat_input = [_transpose_batch_time(x) for x in flat_input]
        time_steps, batch_size = flat_input[0].shape[:2]
        for x in flat_input:
            if x.shape[0] != time_steps:
                raise ValueError(
                    "Time steps is not the same for all the elements in the input in a batch. "
                    f"Received time steps={x.shape[0]} for input of shape {x.shape}."
                )
            if x.shape[1] != batch_size:
                raise ValueError(
                    "Batch_size is not the same for all the elements in the input. Received "
                    f"batch size={x.shape[1]} for input of shape {x.shape}."
                )
        lengths = _sequence_length(sequence_length, batch_size)
        state = _initial_state(cell, batch_size, dtype, initial_state)
        inputs_tm = jax.tree.unflatten(jax.tree.structure(inputs), flat_input)
        if unroll is None:
            unroll = _default_unroll()
        if hoist_weight_grads is None:
            hoist_weight_grads = True
        fold = None
        if gather is not None:
            table, ids = gather
            fold = (table, ids if time_major else jnp.swapaxes(ids, 0, 1), fold_embedding)
        if hoist_input_projection is None:
            hoist_input_projection = _default_hoist_input_projection()
        outputs, final_state = _dynamic_rnn_loop(
            cell, inputs_tm, state, lengths, unroll, hoist_weight_grads, hoist_input_projection,
            fold,
        )  # fmt: skip
        if not time_major:
            outputs = jax.tree.map(_transpose_batch_time, outputs)
        return outputs, final_state


def _dynamic_rnn_loop(
    cell: Any,
    inputs: Any,
    state: State,
    lengths: Array | None,
    unroll: int | bool,
    hoist_weight_grads: bool = False,
    hoist_input_projection: bool = True,
    fold: tuple[Array, Array, bool | None] | None = None,
) -> tuple[Any, State]:
    """The time loop, on time-major inputs; ``fold``: ``(table, time-major ids, forced)``
    when the inputs are the table's rows for those ids."""
    flat_input = jax.tree.leaves(inputs)
    time_steps = flat_input[0].shape[0]
    # keep[t, b]: step t is inside row b's sequence.
    keep = None if lengths is None else jnp.arange(time_steps)[:, None] < lengths[None, :]

    fusable = (
        isinstance(cell, RNNCell)
        and cell.fusion_supported()
        and isinstance(inputs, jax.Array)
        and time_steps > 0
    )
    if fusable:
        return _fused_loop(
            cell, inputs, state, keep, unroll, hoist_weight_grads, hoist_input_projection, fold
        )

    def body(carry: State, xs: tuple[Any, Array | None]) -> tuple[State, Any]:
        x_t, keep_t = xs
        output, new_state = cell(x_t, carry)
        output = _select(keep_t, output, _zeros_like_tree(output))
        return _select(keep_t, new_state, carry), output

    final_state, outputs = _fs_scan(body, state, (inputs, keep), unroll=unroll)
    return outputs, final_state


def _fused_loop(
    cell: RNNCell,
    inputs: Array,
    state: State,
    keep: Array | None,
    unroll: int | bool,
    hoist_weight_grads: bool,
    hoist_input_projection: bool,
    fold: tuple[Array, Array, bool | None] | None = None,
) -> tuple[Array, State]:
    fused = cell.fused_layers(inputs.shape[-1], inputs.dtype)
    layer_states = fused.split(state)
    x = inputs
    finals = []
    for i, (layer, s0) in enumerate(zip(fused.layers, layer_states, strict=True)):
        if i == 0 and fold is not None and _fold_pays(layer, inputs, *fold):
            table, ids, _ = fold
            # Each vocabulary row's input half once, then the rows of this batch's ids.
            projected = layer.project(layer.input_params, table)
            main, rest = layer.split_xp(projected)
            if hoist_weight_grads and rest is None:
                # Looked up step by step inside the loop: no [time, batch, gates] array.
                x, final = _layer_loop_gathered(layer, s0, main, ids, keep, unroll)
            else:
                xp = jax.tree.map(functools.partial(_take_rows, ids=ids), projected)
                if hoist_weight_grads:
                    x, final = _layer_loop_hoisted_grads(layer, s0, xp, keep, unroll)
                else:
                    x, final = _layer_loop(layer, s0, xp, keep, unroll)
            finals.append(final)
            continue
        if layer.kernel is not None and not hoist_input_projection:
            if hoist_weight_grads:
                x, final = _layer_loop_concat_hoisted_grads(layer, s0, x, keep, unroll)
            else:
                x, final = _layer_loop_concat(layer, s0, x, keep, unroll)
            finals.append(final)
            continue
        # Every step's input half at once, one matmul: [time, batch, ...].
        xp = layer.project(layer.input_params, x)
        if hoist_weight_grads:
            x, final = _layer_loop_hoisted_grads(layer, s0, xp, keep, unroll)
        else:
            x, final = _layer_loop(layer, s0, xp, keep, unroll)
        finals.append(final)
    return x, fused.join(finals)


def _take_rows(projected: Array, ids: Array) -> Array:
    return jnp.take(projected, ids, axis=0)


def _fold_pays(layer: FusedLayer, inputs: Array, table: Array, ids: Array, forced) -> bool:
    """Whether to project the embedding table instead of the looked-up rows."""
    if table.ndim != 2 or ids.shape != inputs.shape[:-1] or table.dtype != inputs.dtype:
        return False
    if forced is not None:
        return bool(forced)
    if not FOLD_EMBEDDING_PROJECTION.get(jax.default_backend(), False):
        return False
    vocab, depth = table.shape
    tokens = int(np.prod(ids.shape))
    gates = sum(
        leaf.shape[-1]
        for leaf in jax.tree.leaves(
            jax.eval_shape(
                layer.project, layer.input_params, jax.ShapeDtypeStruct((1, depth), table.dtype)
            )
        )
    )
    # The forward projection, the inputs' gradient and the kernel's: three token-sized
    # matmuls of 2 * tokens * depth * gates flops each.
    saved = 6.0 * tokens * depth * gates
    return vocab <= FOLD_MAX_VOCAB_FRACTION * tokens and saved >= FOLD_MIN_FLOPS


def _masked(keep_t: Array | None, output: Array, new_state: State, state: State):
    if keep_t is None:
        return output, new_state
    return _select(keep_t, output, jnp.zeros_like(output)), _select(keep_t, new_state, state)


def _layer_loop(
    layer: FusedLayer, s0: State, xp: Any, keep: Array | None, unroll: int | bool
) -> tuple[Array, State]:
    params = dict(layer.recurrent_params)
    w_h = params.pop("kernel")
    main, rest = layer.split_xp(xp)
    math = _hoisted_math(layer)
    body = _recurrence_body(layer.recurrent_input, math, params, w_h, residuals=False)
    final, outputs = jax.lax.scan(body, s0, (main, rest, keep), unroll=unroll)
    return outputs, final


def _hoisted_math(layer: FusedLayer) -> Callable:
    return layer.hoisted_cell_math or layer.cell_math


def _cell_params(layer: FusedLayer) -> dict[str, Array]:
    return {k: v for k, v in layer.recurrent_params.items() if k != "kernel"}


def _layer_loop_concat(
    layer: FusedLayer, s0: State, x: Array, keep: Array | None, unroll: int | bool
) -> tuple[Array, State]:
    """The input half inside the loop, JAX's own backward pass."""
    return _concat_scan(*_concat_args(layer), unroll, x, s0, keep)


def _layer_loop_concat_hoisted_grads(
    layer: FusedLayer, s0: State, x: Array, keep: Array | None, unroll: int | bool
) -> tuple[Array, State]:
    return _concat_recurrence(*_concat_args(layer), unroll, x, s0, keep)


def _concat_args(layer: FusedLayer) -> tuple:
    """(recurrent_input, cell_math, params, kernel, bias) of a concat-step layer."""
    bias = layer.input_params["bias"]
    return layer.recurrent_input, layer.cell_math, _cell_params(layer), layer.kernel, bias


def _layer_loop_hoisted_grads(
    layer: FusedLayer, s0: State, xp: Any, keep: Array | None, unroll: int | bool
) -> tuple[Array, State]:
    params = dict(layer.recurrent_params)
    w_h = params.pop("kernel")
    main, rest = layer.split_xp(xp)
    outputs, final = _recurrence(
        layer.recurrent_input, _hoisted_math(layer), unroll, params, w_h, main, rest, s0, keep
    )
    return outputs, final


# The recurrence ``pre_t = xp_t + m_{t-1} @ W_h; (out_t, s_t) = cell_math(params, pre_t, ...)``
# with a hand-written backward pass. JAX's transpose of lax.scan adds ``m_{t-1}^T @ dpre_t``
# into a W_h-sized accumulator at every step; here the backward loop only emits ``dpre_t``
# and ``dW_h = sum_t m_{t-1}^T dpre_t`` is one matmul over all steps after it, with the
# stacked ``m_{t-1}`` saved by the forward loop. cell_math's own backward comes from
# jax.vjp, recomputed per step (elementwise work, cheap next to the matmuls).
def _recurrence_body(recurrent_input, cell_math, params, w_h, residuals: bool) -> Callable:
    """One step of the recurrence; with ``residuals`` it also emits ``pre_t`` and the
    previous state for the backward pass."""

    def body(state, xs):
        main_t, rest_t, keep_t = xs
        pre = main_t + jnp.matmul(recurrent_input(state), w_h)
        output, new_state = _masked(keep_t, *cell_math(params, pre, rest_t, state), state)
        return new_state, ((output, pre, state) if residuals else output)

    return body


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2))
def _recurrence(
    recurrent_input: Callable,
    cell_math: Callable,
    unroll: int | bool,
    params: dict[str, Array],
    w_h: Array,
    main: Array,
    rest: Any,
    s0: State,
    keep: Array | None,
) -> tuple[Array, State]:
    body = _recurrence_body(recurrent_input, cell_math, params, w_h, residuals=False)
    final, outputs = jax.lax.scan(body, s0, (main, rest, keep), unroll=unroll)
    return outputs, final


def _recurrence_fwd(recurrent_input, cell_math, unroll, params, w_h, main, rest, s0, keep):
    body = _recurrence_body(recurrent_input, cell_math, params, w_h, residuals=True)
    final, (outputs, pres, prevs) = jax.lax.scan(body, s0, (main, rest, keep), unroll=unroll)
    return (outputs, final), (params, w_h, rest, keep, pres, prevs)


def _recurrence_bwd(recurrent_input, cell_math, unroll, residuals, cotangents):
    params, w_h, rest, keep, pres, prevs = residuals
    d_s0, d_params, d_main, d_rest = _backward_loop(
        recurrent_input, cell_math, unroll, params, w_h, rest, keep, pres, prevs, cotangents
    )
    m_prev = jax.vmap(recurrent_input)(prevs)  # [time, batch, h_depth]
    return d_params, _sum_over_steps(m_prev, d_main), d_main, d_rest, d_s0, None


def _sum_over_steps(a: Array, b: Array) -> Array:
    """``sum_{t, b} a[t, b]^T b[t, b]`` as one matmul on ``[time * batch, ...]`` views (no
    transposed copies of the ``[time, batch, ...]`` arrays, which an einsum can make)."""
    a2, b2 = a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1])
    return jax.lax.dot_general(a2, b2, (((0,), (0,)), ((), ())))


def _backward_loop(recurrent_input, cell_math, unroll, params, w_h, rest, keep, pres, prevs, cot):
    """The reverse loop shared by both recurrences: carries the state's cotangent back
    through ``cell_math`` and ``m @ w_h``; emits each step's ``d_pre`` (and ``d_rest``).

    ``d_pre`` is written over ``pres`` in place (step ``t`` reads ``pre_t`` and then stores
    ``d_pre_t`` in its slot, which no later step reads), so the loop allocates no
    ``[time, batch, gates]`` output of its own and never zero-fills one."""
    d_outputs, d_final = cot
    w_h_t = w_h.T

    def body(carry, xs):
        d_state, d_params, buf = carry
        d_out, rest_t, prev, keep_t, t = xs
        pre = jax.lax.dynamic_index_in_dim(buf, t, keepdims=False)
        if keep_t is not None:  # masked steps pass the state's cotangent straight through
            d_out = _select(keep_t, d_out, jnp.zeros_like(d_out))
            d_through = _select(keep_t, _zeros_like_tree(d_state), d_state)
            d_state = _select(keep_t, d_state, _zeros_like_tree(d_state))
        _, pullback = jax.vjp(cell_math, params, pre, rest_t, prev)
        d_p, d_pre, d_rest, d_prev = pullback((d_out, d_state))
        _, pullback_m = jax.vjp(recurrent_input, prev)
        (d_prev_m,) = pullback_m(jnp.matmul(d_pre, w_h_t))
        d_prev = jax.tree.map(jnp.add, d_prev, d_prev_m)
        if keep_t is not None:
            d_prev = jax.tree.map(jnp.add, d_prev, d_through)
        d_params = jax.tree.map(jnp.add, d_params, d_p)
        buf = jax.lax.dynamic_update_index_in_dim(buf, d_pre.astype(buf.dtype), t, 0)
        return (d_prev, d_params, buf), d_rest

    xs = (d_outputs, rest, prevs, keep, jnp.arange(pres.shape[0]))
    init = (d_final, _zeros_like_tree(params), pres)
    (d_s0, d_params, d_main), d_rest = jax.lax.scan(body, init, xs, reverse=True, unroll=unroll)
    return d_s0, d_params, d_main, d_rest


_recurrence.defvjp(_recurrence_fwd, _recurrence_bwd)


def _layer_loop_gathered(
    layer: FusedLayer, s0: State, rows: Array, ids: Array, keep: Array | None, unroll: int | bool
) -> tuple[Array, State]:
    params = dict(layer.recurrent_params)
    w_h = params.pop("kernel")
    return _gathered_recurrence(
        layer.recurrent_input, _hoisted_math(layer), unroll, params, w_h, rows, ids, s0, keep
    )


# The folded recurrence: ``pre_t = rows[ids_t] + m_{t-1} @ W_h``, with ``rows`` the projected
# vocabulary ``[vocab, gates]``. The backward pass is the one above; the rows' gradient is
# each step's ``d_pre`` summed into its token's row.
def _gathered_body(recurrent_input, cell_math, params, w_h, rows, residuals: bool) -> Callable:
    step = _recurrence_body(recurrent_input, cell_math, params, w_h, residuals)

    def body(state, xs):
        ids_t, keep_t = xs
        return step(state, (_take_rows(rows, ids_t), None, keep_t))

    return body


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2))
def _gathered_recurrence(
    recurrent_input: Callable,
    cell_math: Callable,
    unroll: int | bool,
    params: dict[str, Array],
    w_h: Array,
    rows: Array,
    ids: Array,
    s0: State,
    keep: Array | None,
) -> tuple[Array, State]:
    body = _gathered_body(recurrent_input, cell_math, params, w_h, rows, residuals=False)
    final, outputs = jax.lax.scan(body, s0, (ids, keep), unroll=unroll)
    return outputs, final


def _gathered_recurrence_fwd(recurrent_input, cell_math, unroll, params, w_h, rows, ids, s0, keep):
    body = _gathered_body(recurrent_input, cell_math, params, w_h, rows, residuals=True)
    final, (outputs, pres, prevs) = jax.lax.scan(body, s0, (ids, keep), unroll=unroll)
    return (outputs, final), (params, w_h, rows, ids, keep, pres, prevs)


def _gathered_recurrence_bwd(recurrent_input, cell_math, unroll, residuals, cotangents):
    params, w_h, rows, ids, keep, pres, prevs = residuals
    d_s0, d_params, d_pre, _ = _backward_loop(
        recurrent_input, cell_math, unroll, params, w_h, None, keep, pres, prevs, cotangents
    )
    m_prev = jax.vmap(recurrent_input)(prevs)  # [time, batch, h_depth]
    gates = d_pre.shape[-1]
    d_rows = jnp.zeros_like(rows).at[ids.reshape(-1)].add(d_pre.reshape(-1, gates))
    return d_params, _sum_over_steps(m_prev, d_pre), d_rows, None, d_s0, None


_gathered_recurrence.defvjp(_gathered_recurrence_fwd, _gathered_recurrence_bwd)


# The recurrence with the input half inside the loop: ``pre_t = concat([x_t, m_{t-1}]) @ K +
# b``. The backward loop is the one above (it only needs ``K[input_depth:]``); after it,
# the kernel's gradient is ``x^T @ d_pre`` and ``m_prev^T @ d_pre`` over all steps (one
# matmul each), the bias's a sum, and the inputs' gradient one matmul ``d_pre @ K[:depth]^T``.
def _concat_body(recurrent_input, cell_math, params, kernel, bias, residuals: bool) -> Callable:
    """One step with the input half inside: ``pre_t = concat([x_t, m_{t-1}]) @ K + b``;
    with ``residuals`` it also emits ``pre_t`` and the previous state."""

    def body(state, xs):
        x_t, keep_t = xs
        pre = concat_pre(recurrent_input, kernel, bias, x_t, state)
        output, new_state = _masked(keep_t, *cell_math(params, pre, None, state), state)
        return new_state, ((output, pre, state) if residuals else output)

    return body


def _concat_scan(
    recurrent_input: Callable,
    cell_math: Callable,
    params: dict[str, Array],
    kernel: Array,
    bias: Array,
    unroll: int | bool,
    x: Array,
    s0: State,
    keep: Array | None,
) -> tuple[Array, State]:
    body = _concat_body(recurrent_input, cell_math, params, kernel, bias, residuals=False)
    final, outputs = jax.lax.scan(body, s0, (x, keep), unroll=unroll)
    return outputs, final


_concat_recurrence = jax.custom_vjp(_concat_scan, nondiff_argnums=(0, 1, 5))


def _concat_recurrence_fwd(recurrent_input, cell_math, params, kernel, bias, unroll, x, s0, keep):
    body = _concat_body(recurrent_input, cell_math, params, kernel, bias, residuals=True)
    final, (outputs, pres, prevs) = jax.lax.scan(body, s0, (x, keep), unroll=unroll)
    return (outputs, final), (params, kernel, x, keep, pres, prevs)


def _concat_recurrence_bwd(recurrent_input, cell_math, unroll, residuals, cotangents):
    params, kernel, x, keep, pres, prevs = residuals
    depth = x.shape[-1]
    d_s0, d_params, d_pre, _ = _backward_loop(
        recurrent_input, cell_math, unroll, params, kernel[depth:], None, keep, pres, prevs,
        cotangents,
    )  # fmt: skip
    m_prev = jax.vmap(recurrent_input)(prevs)  # [time, batch, h_depth]
    d_kernel = jnp.concatenate([_sum_over_steps(x, d_pre), _sum_over_steps(m_prev, d_pre)])
    d_bias = jnp.sum(d_pre, axis=(0, 1))
    d_x = jnp.matmul(d_pre, kernel[:depth].T)
    return d_params, d_kernel, d_bias, d_x, d_s0, None


_concat_recurrence.defvjp(_concat_recurrence_fwd, _concat_recurrence_bwd)


def _reverse_sequence(x: Array, lengths: Array | None, time_axis: int) -> Array:
    """``tf.reverse_sequence``: reverses each row's first ``lengths[b]`` steps."""
    if lengths is None:
        return jnp.flip(x, axis=time_axis)
    time_steps = x.shape[time_axis]
    t = jnp.arange(time_steps)
    # idx[t, b] = lengths[b] - 1 - t inside the sequence, t past it.
    idx = jnp.where(t[:, None] < lengths[None, :], lengths[None, :] - 1 - t[:, None], t[:, None])
    if time_axis != 0:
        idx = idx.T
    idx = idx.reshape(idx.shape + (1,) * (x.ndim - 2))
    return jnp.take_along_axis(x, idx, axis=time_axis)


def bidirectional_dynamic_rnn(
    cell_fw: RNNCell,
    cell_bw: RNNCell,
    inputs: Any,
    sequence_length: Any = None,
    initial_state_fw: State | None = None,
    initial_state_bw: State | None = None,
    dtype: Any = None,
    parallel_iterations: int | None = None,
    swap_memory: bool = False,
    time_major: bool = False,
    scope: Any = None,
    *,
    unroll: int | bool | None = None,
) -> tuple[tuple[Any, Any], tuple[State, State]]:
    """``tf.compat.v1.nn.bidirectional_dynamic_rnn``: a forward and a backward ``dynamic_rnn``.

    Variables live under ``<scope or "bidirectional_rnn">/fw/`` and ``.../bw/``. The backward
    cell reads each row reversed within its ``sequence_length`` and its outputs are
    reversed back, so both outputs are aligned with ``inputs``.

    Returns:
      ``((output_fw, output_bw), (output_state_fw, output_state_bw))``.
    """
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    time_axis = 0 if time_major else 1
    lengths = None if sequence_length is None else jnp.asarray(sequence_length).astype(jnp.int32)
    with _variable_scope(scope or "bidirectional_rnn"):
        with _variable_scope("fw") as fw_scope:
            output_fw, output_state_fw = dynamic_rnn(
                cell_fw,
                inputs,
                sequence_length=sequence_length,
                initial_state=initial_state_fw,
                dtype=dtype,
                parallel_iterations=parallel_iterations,
                swap_memory=swap_memory,
                time_major=time_major,
                scope=fw_scope,
                unroll=unroll,
            )
        with _variable_scope("bw") as bw_scope:
            inputs_reverse = jax.tree.map(
                lambda x: _reverse_sequence(jnp.asarray(x), lengths, time_axis),
                inputs,
            )
            tmp, output_state_bw = dynamic_rnn(
                cell_bw,
                inputs_reverse,
                sequence_length=sequence_length,
                initial_state=initial_state_bw,
                dtype=dtype,
                parallel_iterations=parallel_iterations,
                swap_memory=swap_memory,
                time_major=time_major,
                scope=bw_scope,
                unroll=unroll,
            )
    output_bw = jax.tree.map(lambda x: _reverse_sequence(x, lengths, time_axis), tmp)
    return (output_fw, output_bw), (output_state_fw, output_state_bw)


def static_rnn(
    cell: RNNCell,
    inputs: Sequence[Any],
    initial_state: State | None = None,
    dtype: Any = None,
    sequence_length: Any = None,
    scope: Any = None,
) -> tuple[list[Any], State]:
    """``tf.compat.v1.nn.static_rnn``: the RNN unrolled in Python over a list of inputs.

    ``inputs`` is a list of ``[batch, depth]`` arrays, one per step. The cell's variables
    are created on the first step and reused on the others (``reuse_variables()``), so
    ``static_rnn`` and ``dynamic_rnn`` with the same scope share one set of names. The
    program grows with the length: prefer :func:`dynamic_rnn` under ``jax.jit``.

    Returns:
      ``(outputs, state)``: a list with one ``[batch, output_size]`` array per step, and the
      final state.
    """
    assert_like_rnncell("cell", cell)
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"Argument `inputs` must be a sequence. Received: {inputs}")
    if not inputs:
        raise ValueError("Argument `inputs` must not be empty.")
    outputs = []
    with _variable_scope(scope or "rnn") as varscope:
        first_input = jax.tree.leaves(inputs[0])[0]
        batch_size = np.shape(first_input)[0]
        state = _initial_state(cell, batch_size, dtype, initial_state)
        lengths = _sequence_length(sequence_length, batch_size)
        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = cell(input_, state)
            if lengths is not None:
                keep_t = time < lengths
                output = _select(keep_t, output, _zeros_like_tree(output))
                new_state = _select(keep_t, new_state, state)
            state = new_state
            outputs.append(output)
    return outputs, state


def _reverse_seq(inputs: Sequence[Any], lengths: Array | None) -> list[Any]:
    """TF's ``_reverse_seq``: a list of per-step structures, each row reversed in its length."""
    if lengths is None:
        return list(reversed(inputs))
    flat = [jax.tree.leaves(x) for x in inputs]
    treedef = jax.tree.structure(inputs[0])
    reversed_leaves = []
    for i in range(len(flat[0])):
        stacked = jnp.stack([step[i] for step in flat])  # [time, batch, ...]
        reversed_leaves.append(_reverse_sequence(stacked, lengths, 0))
    return [
        jax.tree.unflatten(treedef, [leaves[t] for leaves in reversed_leaves])
        for t in range(len(inputs))
    ]


def static_bidirectional_rnn(
    cell_fw: RNNCell,
    cell_bw: RNNCell,
    inputs: Sequence[Any],
    initial_state_fw: State | None = None,
    initial_state_bw: State | None = None,
    dtype: Any = None,
    sequence_length: Any = None,
    scope: Any = None,
) -> tuple[list[Any], State, State]:
    """``tf.compat.v1.nn.static_bidirectional_rnn``: ``static_rnn`` forward (scope ``fw``)
    and over the reversed sequence (scope ``bw``) under ``bidirectional_rnn``; each step's
    output is the two directions concatenated on the last axis."""
    assert_like_rnncell("cell_fw", cell_fw)
    assert_like_rnncell("cell_bw", cell_bw)
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("inputs must be a list")
    if not inputs:
        raise ValueError("inputs must not be empty")
    lengths = None
    if sequence_length is not None:
        batch = jax.tree.leaves(inputs[0])[0].shape[0]
        lengths = _sequence_length(sequence_length, batch)
    with _variable_scope(scope or "bidirectional_rnn"):
        with _variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(
                cell_fw, inputs, initial_state_fw, dtype, sequence_length, scope=fw_scope
            )
        with _variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_seq(inputs, lengths)
            tmp, state_bw = static_rnn(
                cell_bw, reversed_inputs, initial_state_bw, dtype, sequence_length, scope=bw_scope
            )
    output_bw = _reverse_seq(tmp, lengths)
    outputs = [
        jax.tree.map(lambda f, b: jnp.concatenate([f, b], axis=1), fw, bw)
        for fw, bw in zip(output_fw, output_bw, strict=True)
    ]
    return outputs, state_fw, state_bw
