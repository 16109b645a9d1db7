"""Lifted transforms: JAX control flow whose body may create TF1 variables.

``scan`` lifts ``jax.lax.scan`` so that its body may call ``get_variable``/``Variable``: the
body's variables are created once and shared by every step, as TF1's ``while_loop`` body
shares them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from flaxscope import store
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
    trace of the body. Creating variables needs their values outside the loop, so in
    ``init`` the body runs once on the first element before the loop is traced (that run's
    outputs are dropped); in ``apply`` the body is traced once, looking variables up.
    Assigning variables inside the body is not supported: carry the value instead.
    """
    frame = store.current_frame()
    state = store.current()
    # Random ops in the body get a different key at every step, like TF1's while_loop.
    step_keys = None
    if frame.op_rng is not None:
        n = length if xs is None else jax.tree.leaves(xs)[0].shape[0]
        step_keys = jax.random.split(next_rng_key(), n)
    outer_rng = (frame.op_rng, frame.rng_counter)
    snapshot = frame.snapshot()
    counts = dict(state.scope_counts)
    creating = frame.mode == store.INIT

    replay: dict[str, jax.Array] = {}
    if creating:
        n = length if xs is None else jax.tree.leaves(xs)[0].shape[0]
        if n == 0:
            raise ValueError("flaxscope.scan over zero steps cannot create the body's variables.")
        first = None if xs is None else jax.tree.map(lambda x: x[-1 if reverse else 0], xs)
        before = set(frame.records)
        if step_keys is not None:
            frame.op_rng, frame.rng_counter = step_keys[-1 if reverse else 0], 0
        frame.scan_depth += 1
        try:
            f(init, first)
        finally:
            frame.scan_depth -= 1
            frame.op_rng, frame.rng_counter = outer_rng
        replay = {k: r._value for k, r in frame.records.items() if k not in before}

    def body(carry: Any, x_and_key: Any) -> tuple[Any, Any]:
        x, key = x_and_key
        frame.restore(snapshot)
        state.scope_counts = dict(counts)
        outer_replay = frame.replay
        frame.replay = {**(outer_replay or {}), **replay}
        if key is not None:
            frame.op_rng, frame.rng_counter = key, 0
        frame.scan_depth += 1
        try:
            return f(carry, x)
        finally:
            frame.scan_depth -= 1
            frame.replay = outer_replay
            frame.op_rng, frame.rng_counter = outer_rng

    frame.restore(snapshot)
    return jax.lax.scan(body, init, (xs, step_keys), length=length, reverse=reverse, unroll=unroll)
