"""Lifted transforms: JAX control flow whose body may create TF1 variables.

``scan`` lifts ``jax.lax.scan`` so that its body may call ``get_variable``/``Variable``: the
body's variables are created once and shared by every step, as TF1's ``while_loop`` body
shares them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax

from flaxscope import scopes, store
from flaxscope.transform import next_rng_key


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
) -> tuple[Any, Any]:
    """``jax.lax.scan`` whose body may call ``get_variable``/``Variable``.

    The body's variables are created once and every step uses that one set, like the body
    of TF1's ``while_loop`` (``dynamic_rnn``) or ``reuse=True``. Names are those of one
    trace of the body. The body is traced once in ``init`` and ``apply`` alike, as TF1
    builds it once (a cell's ``__call__`` and custom getters run once): in ``init`` each
    new variable's initial value is computed outside the trace. Only an initial value
    computed from the loop's own values cannot be; then ``init`` first runs the body once
    on the first element to create the variables (that run's outputs are dropped).
    Assigning variables inside the body is not supported: carry the value instead.
    """
    frame = store.current_frame()
    state = scopes.current()
    # Random ops in the body get a different key at every step, like TF1's while_loop.
    step_keys = None
    if frame.rng_state()[0] is not None:
        n = length if xs is None else jax.tree.leaves(xs)[0].shape[0]
        step_keys = jax.random.split(next_rng_key(), n)
    outer_rng = frame.rng_state()
    snapshot = frame.snapshot()
    counts = dict(state.scope_counts)
    creating = frame.mode == store.INIT

    def traced(replay: dict[str, jax.Array]) -> tuple[Any, Any]:
        def body(carry: Any, x_and_key: Any) -> tuple[Any, Any]:
            x, key = x_and_key
            frame.restore(snapshot)
            state.scope_counts = dict(counts)
            with frame.lifted_body(replay, key):
                return f(carry, x)

        frame.restore(snapshot)
        return jax.lax.scan(
            body, init, (xs, step_keys), length=length, reverse=reverse, unroll=unroll
        )

    if not creating:
        return traced({})
    n = length if xs is None else jax.tree.leaves(xs)[0].shape[0]
    if n == 0:
        raise ValueError("flaxscope.scan over zero steps cannot create the body's variables.")
    # TF1 builds a loop body once, so the body is traced once here too: its new variables
    # take their initial values from outside the trace (store.Frame._hoisted).
    with frame.hoisting_creation() as nested:
        try:
            return traced({})
        except store.NotHoistable:
            if nested:
                raise  # the outermost hoisting scan falls back
            frame.restore(snapshot)
            state.scope_counts = dict(counts)
            frame.set_rng_state(outer_rng)

    # An initial value computed from the loop's values: the body runs once eagerly on the
    # first element to create the variables (its outputs dropped), then is traced with
    # every variable answered from those values.
    first = None if xs is None else jax.tree.map(lambda x: x[-1 if reverse else 0], xs)
    before = frame.op_names()
    with frame.lifted_body(rng=None if step_keys is None else step_keys[-1 if reverse else 0]):
        f(init, first)
    replay = frame.values_created_since(before)
    return traced(replay)


# --- lifted branches and loops ----------------------------------------------------------
def _capture(frame: store.Frame, state: store.ScopeState) -> tuple[Any, dict, int]:
    return frame.snapshot(), dict(state.scope_counts), frame.rng_state()[1]


def _put(frame: store.Frame, state: store.ScopeState, saved: tuple[Any, dict, int]) -> None:
    frame.restore(saved[0])
    state.scope_counts = dict(saved[1])
    frame.set_rng_state((frame.rng_state()[0], saved[2]))


class _Sequenced:
    """The functions of one lifted construct (``cond``'s branches; a loop's cond and body),
    run as TF1 builds them: each once, in TF1's order, each starting with the names and
    variables the previous one left.

    In ``init``, :meth:`create` runs them all once outside any JAX primitive, so their
    variables get real values; :meth:`call` then runs function ``k`` inside the primitive
    from the naming state ``k`` started with, every variable answered from ``replay``. In
    ``apply`` there is nothing to create: the primitive's traces name and look up directly
    (a function traced before the ones that precede it first runs those, to learn where
    its names start).
    """

    def __init__(self, fns: Sequence[Callable[..., Any]]) -> None:
        self.fns = fns
        self.frame = store.current_frame()
        self.state = scopes.current()
        self.starts = [_capture(self.frame, self.state)]
        self.replay: dict[str, jax.Array] = {}

    def create(self, *args: Any) -> list[Any]:
        """``init``: runs every function once, in order, creating their variables."""
        frame = self.frame
        before = frame.op_names()
        outs = []
        with frame.lifted_body():
            for fn in self.fns:
                outs.append(fn(*args))
                self.starts.append(_capture(frame, self.state))
        self.replay = frame.values_created_since(before)
        _put(frame, self.state, self.starts[0])
        return outs

    def call(self, k: int, *args: Any, rng: jax.Array | None = None) -> Any:
        """Runs function ``k`` from its starting names (inside a JAX primitive's trace)."""
        while len(self.starts) <= k:  # traced out of TF1's order: name the earlier ones
            self._run(len(self.starts) - 1, args, rng)
        return self._run(k, args, rng)

    def _run(self, k: int, args: tuple, rng: jax.Array | None) -> Any:
        frame = self.frame
        _put(frame, self.state, self.starts[k])
        # a loop's per-iteration key; counters continue as in TF1's order
        with frame.lifted_body(self.replay, rng, restart_counter=False):
            out = self.fns[k](*args)
        if len(self.starts) == k + 1:
            self.starts.append(_capture(frame, self.state))
        return out

    def finish(self) -> None:
        """Leaves the names and variables as TF1 has them after the construct."""
        _put(self.frame, self.state, self.starts[-1])


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``jax.lax.switch`` whose branches may call ``get_variable``/``Variable``.

    Every branch's variables are created once, in ``init`` and ``apply`` alike, whatever
    branch runs, as TF1's ``tf.cond``/``tf.case`` build every branch in the graph; names
    continue from branch to branch in the order of ``branches``. ``index`` may be a Python
    int or a (traced) integer scalar; out-of-range indices are clamped, as ``lax.switch``
    does. Assigning variables inside a branch is refused (return the value instead).
    """
    seq = _Sequenced(branches)
    if seq.frame.mode == store.INIT:
        seq.create(*operands)
    try:
        return jax.lax.switch(
            index,
            [(lambda *a, k=k: seq.call(k, *a)) for k in range(len(branches))],
            *operands,
        )
    finally:
        seq.finish()


def while_loop(
    cond_fun: Callable[[Any], Any],
    body_fun: Callable[[Any], Any],
    init_val: Any,
    maximum_iterations: int | None = None,
    differentiable: bool = True,
) -> Any:
    """``jax.lax.while_loop`` whose condition and body may call ``get_variable``/``Variable``.

    The variables are created once (in ``init``, by one run of ``cond_fun`` then
    ``body_fun`` on ``init_val`` outside the loop; that run's results are dropped) and
    every iteration uses them, as in TF1's ``while_loop``. Random ops in the loop get a
    fresh key at every iteration.

    With a Python int ``maximum_iterations`` and ``differentiable=True`` the loop is a
    ``lax.scan`` of that many steps that stops changing the loop variables once
    ``cond_fun`` is false: reverse-mode differentiable (``jax.grad``), as TF1's
    ``while_loop(..., maximum_iterations=n)`` is, at the cost of running the body
    ``maximum_iterations`` times. Otherwise it is a ``lax.while_loop`` (forward-mode
    only: JAX cannot reverse-differentiate a loop of unknown length).
    """
    frame = store.current_frame()
    base_key = next_rng_key() if frame.has_op_keys() else None
    seq = _Sequenced([cond_fun, body_fun])
    if frame.mode == store.INIT:
        seq.create(init_val)
    try:
        if maximum_iterations is not None and not isinstance(maximum_iterations, int):
            raise TypeError(
                "maximum_iterations must be a Python int here (the loop's length is fixed "
                f"when it is traced), got {type(maximum_iterations).__name__}."
            )
        if maximum_iterations is not None and differentiable:

            def step(carry: Any, i: jax.Array) -> tuple[Any, None]:
                done, val = carry
                key = None if base_key is None else jax.random.fold_in(base_key, i)
                go = jax.numpy.logical_and(~done, seq.call(0, val, rng=key))
                new = seq.call(1, val, rng=key)
                val = jax.tree.map(lambda n, o: jax.numpy.where(go, n, o), new, val)
                return (~go, val), None

            (_, out), _ = jax.lax.scan(
                step, (jax.numpy.asarray(False), init_val), jax.numpy.arange(maximum_iterations)
            )
            return out

        def cond(carry: tuple[jax.Array, Any]) -> jax.Array:
            i, val = carry
            key = None if base_key is None else jax.random.fold_in(base_key, i)
            ok = seq.call(0, val, rng=key)
            if maximum_iterations is not None:
                ok = jax.numpy.logical_and(ok, i < maximum_iterations)
            return ok

        def body(carry: tuple[jax.Array, Any]) -> tuple[jax.Array, Any]:
            i, val = carry
            key = None if base_key is None else jax.random.fold_in(base_key, i)
            return i + 1, seq.call(1, val, rng=key)

        return jax.lax.while_loop(cond, body, (jax.numpy.asarray(0), init_val))[1]
    finally:
        seq.finish()
