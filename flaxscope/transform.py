"""``transform``: TF1 scope code as a pair of pure functions, ``init`` and ``apply``.

Each call of ``init`` or ``apply`` runs the user's function in a fresh :class:`Frame` (a
fresh ``tf.Graph``): names restart, so the same program names its variables the same way in
every call and every trace. ``init`` returns the variables it created; ``apply`` reads them
from the tree it is given and never writes to it (except the collections named mutable,
whose new values it returns).

Lifted transforms (``scan`` and the control flow whose bodies may create variables) live in
:mod:`flaxscope.lift`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np
from jax.sharding import Mesh

from flaxscope import scopes, store
from flaxscope.sharding import ShardingRules, active_layout
from flaxscope.variables import adopt_given_variables

Variables = dict[str, dict[str, jax.Array]]


class Transformed(NamedTuple):
    """The pure ``init`` and ``apply`` of a function that uses TF1 scopes.

    ``init_with_output(rng, *args, **kwargs)`` returns ``(out, variables)`` from one run.
    """

    init: Callable[..., Variables]
    apply: Callable[..., Any]
    init_with_output: Callable[..., tuple[Any, Variables]]


def _mutable_set(mutable: bool | str | Sequence[str]) -> frozenset[str]:
    if mutable is True:
        return frozenset({store.STATE})
    if mutable is False or mutable is None:
        return frozenset()
    if isinstance(mutable, str):
        mutable = [mutable]
    names = frozenset(mutable)
    unknown = names - {store.PARAMS, store.STATE}
    if unknown:
        raise ValueError(
            f"mutable={sorted(unknown)!r}: flaxscope's collections are 'params' and 'state'."
        )
    return names


def _run(
    frame: store.Frame, fn: Callable, args: tuple, kwargs: dict, prelude: Callable | None = None
) -> Any:
    tokens = scopes.enter(scopes.new_scope_state(frame))
    try:
        if prelude is not None:
            prelude()
        out = fn(*args, **kwargs)
        if frame.unkeyed_draws():
            raise ValueError(_UNKEYED_DRAW)
        return out
    finally:
        scopes.leave(tokens)
        frame.close()


def _check_variables(variables: Any) -> Mapping[str, Mapping[str, Any]]:
    if not isinstance(variables, Mapping) or store.PARAMS not in variables:
        raise TypeError(
            "apply takes the variables tree as its first argument: a dict "
            "{'params': {...}, 'state': {...}} as init returns it (or "
            "flaxscope.checkpoint.restore builds it), got "
            f"{type(variables).__name__}{' with keys ' + repr(list(variables)) if isinstance(variables, Mapping) else ''}."
        )
    extra = set(variables) - {store.PARAMS, store.STATE}
    if extra:
        raise ValueError(
            f"The variables tree has collections {sorted(extra)!r}; flaxscope's are 'params' "
            "and 'state'."
        )
    return variables


def _as_tree(outputs: dict[str, dict[str, Any]]) -> Variables:
    tree: Variables = {store.PARAMS: dict(outputs[store.PARAMS])}
    if outputs[store.STATE]:
        tree[store.STATE] = dict(outputs[store.STATE])
    return tree


def _named_after(fn: Callable) -> Callable[[Callable], Callable]:
    """Copies ``fn``'s name and docstring, not its signature: ``init``/``apply`` take an
    extra leading argument, and ``jax.jit(..., static_argnames=...)`` reads signatures."""

    def decorate(wrapper: Callable) -> Callable:
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            if hasattr(fn, attr):
                setattr(wrapper, attr, getattr(fn, attr))
        return wrapper

    return decorate


def transform(
    fn: Callable[..., Any],
    *,
    on_unused: str = "warn",
    mesh: Mesh | None = None,
    rules: ShardingRules | None = None,
    model_axis: str = "model",
    variables_exist: bool = False,
    jit_init: bool = False,
) -> Transformed:
    """Turns ``fn``, written with TF1 scopes and ``get_variable``, into ``init``/``apply``.

    ``init(rng, *args, **kwargs)`` runs ``fn`` and returns ``{"params": {...}}`` (plus
    ``"state"`` for non-trainable variables): flat dicts keyed by TF names without ``:0``.
    ``apply(variables, *args, mutable=False, rng=None, **kwargs)`` runs ``fn`` with every
    variable looked up in ``variables``; with ``mutable=True`` it returns
    ``(out, {"state": ...})``. ``rng`` feeds random ops (``tf.nn.dropout``,
    ``DropoutWrapper``, :func:`next_rng_key`); ``init`` derives theirs from its own key.
    Both are pure: use them under ``jax.jit``, ``jax.grad``, ``jax.vmap``.

    ``jit_init=True`` makes ``init`` compile ``fn`` instead of running it op by op: one
    trace under ``jax.jit`` (array arguments traced, other arguments passed as they are;
    the forward pass is dead code there), which cuts ``init`` from seconds to a fraction
    for an LSTM or CNN and so the time to the first training step (``benchmarks/
    first_step.py``). The variables come back in creation order, as eagerly. Values the
    call keeps outside (in a list, on an object) are then tracers, and a function that
    needs an argument's value in Python runs eagerly instead. Unlike ``jax.jit(init)``,
    non-array arguments need no ``static_argnames``.

    ``on_unused`` says what ``apply`` does with entries of ``variables`` the call never
    read: ``"warn"`` (default), ``"error"`` or ``"ignore"``.

    ``variables_exist=True`` makes ``apply`` treat the variables it is given as created
    before ``fn`` runs, as by another model of the same TF1 graph: ``fn`` may then open
    their scopes with ``reuse=True`` (TF1's evaluation model beside its training model)
    and run alone; creating one of them with ``reuse=False`` fails with TF1's ``already
    exists`` error; ``tf.global_variables()`` and ``get_global_step()`` see them all; and
    since the graph holds them all, none counts as unused. A variable not in the tree
    cannot be created by such a model (``apply`` creates nothing). By default each call
    is a fresh graph, where ``reuse=True`` finds only variables the call itself created
    first.

    With a ``mesh`` (here, or from an active :func:`flaxscope.sharding_rules` context),
    ``init`` returns the variables laid out on it (each variable's ``partitioner`` or the
    first matching rule decides its ``PartitionSpec``; the values are computed sharded,
    never whole on one device) and ``apply`` constrains every variable to that sharding.

    TF1 equivalent: building the graph (``init``: ``tf.global_variables_initializer()``;
    ``apply``: ``sess.run`` on restored variables).
    """
    if not callable(fn):
        raise TypeError(
            f"transform takes the function that builds the model (a callable using "
            f"get_variable/variable_scope), got {type(fn).__name__} {fn!r}. Write "
            "flaxscope.transform(model_fn), where model_fn(*args) returns the outputs."
        )
    if on_unused not in ("warn", "error", "ignore"):
        raise ValueError(f"on_unused must be 'warn', 'error' or 'ignore', got {on_unused!r}")

    def run_init(rng: jax.Array, args: tuple, kwargs: dict) -> tuple[Any, Variables, Any]:
        frame = store.Frame(store.INIT, rng=rng, op_rng=jax.random.fold_in(rng, _OPS_STREAM))
        out = _run(frame, fn, args, kwargs)
        return out, _as_tree(frame.output_tree()), frame

    @_named_after(fn)
    def init_with_output(rng: jax.Array, *args: Any, **kwargs: Any) -> tuple[Any, Variables]:
        if rng is None:
            raise ValueError("init needs a PRNG key, e.g. jax.random.key(0).")
        if isinstance(rng, int) or (
            getattr(rng, "ndim", None) == 0 and jax.numpy.issubdtype(rng.dtype, jax.numpy.integer)
        ):
            rng = jax.random.key(rng)  # an integer seed, also when traced (jax.jit(init)(0))
        layout = active_layout(mesh, rules, model_axis)
        if layout is None:
            out, tree, _ = run_init(rng, args, kwargs)
            return out, tree
        # A shape-only pass names the variables and their partitioners; the real init then
        # runs under jit with those shardings, so no variable is ever whole on one device.
        frames = []

        def abstract(rng: jax.Array) -> tuple[Any, Variables]:
            out, tree, frame = run_init(rng, args, kwargs)
            frames.append(frame)
            return out, tree

        _, tree_shapes = jax.eval_shape(abstract, rng)
        record = frames[0].record
        tree_shardings = {
            collection: {
                name: layout.sharding(name, r.shape, r.dtype, r.partitioner)
                for name, r in ((n, record(n)) for n in leaves)
            }
            for collection, leaves in tree_shapes.items()
        }
        # Arrays that span other processes' devices (multi-host) cannot be closed over:
        # they go in as arguments; everything else stays as the user passed it.
        leaves, treedef = jax.tree.flatten((args, kwargs))
        remote = [
            isinstance(x, jax.Array)
            and not isinstance(x, jax.core.Tracer)
            and not x.is_fully_addressable
            for x in leaves
        ]

        def sharded_init(rng: jax.Array, given: list) -> tuple[Any, Variables]:
            it = iter(given)
            call_args, call_kwargs = treedef.unflatten(
                [next(it) if r else x for x, r in zip(leaves, remote, strict=True)]
            )
            return run_init(rng, call_args, call_kwargs)[:2]

        given = [x for x, r in zip(leaves, remote, strict=True) if r]
        return jax.jit(sharded_init, out_shardings=(None, tree_shardings))(rng, given)

    @_named_after(fn)
    def init(rng: jax.Array, *args: Any, **kwargs: Any) -> Variables:
        if not jit_init:
            return init_with_output(rng, *args, **kwargs)[1]
        leaves, treedef = jax.tree.flatten((rng, args, kwargs))
        if (
            any(isinstance(x, jax.core.Tracer) for x in leaves)
            or active_layout(mesh, rules, model_axis) is not None
        ):
            # Under a trace already, or a mesh's init, which compiles anyway.
            return init_with_output(rng, *args, **kwargs)[1]
        # Compiled, not run op by op: the forward pass is dead code for the variables, and
        # one compile costs a fraction of dispatching every op eagerly (time to first step).
        # Arrays are traced; other arguments (flags, sizes, strings) stay Python values.
        traced = [_traceable(x) for x in leaves]
        order: dict[str, list[str]] = {}  # creation order (jit returns dicts sorted by key)

        def compiled(given: list) -> Variables:
            it = iter(given)
            rng_, call_args, call_kwargs = treedef.unflatten(
                [next(it) if t else x for x, t in zip(leaves, traced, strict=True)]
            )
            tree = init_with_output(rng_, *call_args, **call_kwargs)[1]
            order.update({collection: list(names) for collection, names in tree.items()})
            return tree

        try:
            tree = jax.jit(compiled)([x for x, t in zip(leaves, traced, strict=True) if t])
            return {c: {n: tree[c][n] for n in names} for c, names in order.items()}
        except _NEEDS_VALUES:
            # The function reads an argument's value in Python (np.asarray, if x > 0), or
            # a scan body's variable takes its initial value from the loop's values (which
            # lift.scan computes from an eager first step, not under an outer trace): run
            # it eagerly.
            return init_with_output(rng, *args, **kwargs)[1]

    @_named_after(fn)
    def apply(
        variables: Mapping[str, Mapping[str, Any]],
        *args: Any,
        mutable: bool | str | Sequence[str] = False,
        rng: jax.Array | None = None,
        **kwargs: Any,
    ) -> Any:
        variables = _check_variables(variables)
        mutable_set = _mutable_set(mutable)
        frame = store.Frame(
            store.APPLY,
            variables=variables,
            mutable=mutable_set,
            op_rng=rng,
            layout=active_layout(mesh, rules, model_axis),
            variables_exist=variables_exist,
        )
        out = _run(frame, fn, args, kwargs, adopt_given_variables if variables_exist else None)
        store.warn_unused(frame, on_unused)
        if not mutable_set:
            return out
        updates = {}
        for collection in sorted(mutable_set):
            tree = dict(frame.given(collection))
            tree.update(frame.output_tree()[collection])
            updates[collection] = tree
        return out, updates

    return Transformed(init, apply, init_with_output)


_NEEDS_VALUES = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.UnexpectedTracerError,
)


def _traceable(x: Any) -> bool:
    """Whether ``init`` passes argument leaf ``x`` to its compiled function as an array."""
    if isinstance(x, jax.Array):
        return True
    return isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "biufc"


_OPS_STREAM = 0x5EED  # init's random ops draw from fold_in(rng, this), apart from variables


_NO_KEY = (
    "This call runs a random op (dropout, tf.random_normal, or next_rng_key()) but has no "
    "random key: call apply(variables, ..., rng=jax.random.key(...)) with a new key for each "
    "training step (or keep_prob=1.0 / rate=0.0 when evaluating)."
)

_UNKEYED_DRAW = (
    "This call uses random numbers (tf.random_normal, tf.random_uniform, ...) but has no "
    "random key: call apply(variables, ..., rng=jax.random.key(...)) with a new key for each "
    "step. A draw that is only a tf.Variable's initial value needs no key, as apply reads "
    "the variable from the tree (tf.Variable(tf.truncated_normal(shape, stddev=0.1))); one "
    "computed on first, as in tf.Variable(tf.random_normal(shape) * 0.1), counts as used: "
    "write tf.Variable(lambda: tf.random_normal(shape) * 0.1), which TF1 accepts too."
)


def next_rng_key() -> jax.Array:
    """A fresh key for a random op in the current call (Haiku's ``hk.next_rng_key``).

    TF1's random ops drew from the graph seed; here ``init`` derives keys from its ``rng``
    and ``apply`` from its ``rng=`` argument: the n-th call in a run gets
    ``fold_in(rng, n)``, so a call is reproducible and each op gets its own key. Inside
    :func:`flaxscope.scan` every step gets its own key. The default store uses its seed
    (:func:`set_random_seed`).
    """
    frame = store.current_frame()

    def stream() -> jax.Array:  # the call has no op key yet
        if frame.default:
            # computed now even under a trace: the default graph keeps it across calls
            with jax.ensure_compile_time_eval():
                return jax.random.fold_in(
                    frame.rng if frame.rng is not None else jax.random.key(0), _OPS_STREAM
                )
        raise ValueError(_NO_KEY)

    return frame.next_op_key(stream)


def draw_key() -> jax.Array:
    """The key of a random op (``tf.random_normal``...): :func:`next_rng_key`, except in an
    ``apply`` call without a key, where TF1 code often draws only a variable's initial value
    (``tf.Variable(tf.truncated_normal(shape, stddev=0.1))``), which apply never reads: the
    draw gets a stand-in key, and the call fails at its end if the draw (see
    :func:`note_draw`) was used otherwise."""
    key = store.current_frame().unkeyed_key()
    return next_rng_key() if key is None else key


def note_draw(value: Any, keys_before: int) -> Any:
    """Marks ``value`` as drawn with a stand-in key if :func:`draw_key` handed one out since
    the frame's count was ``keys_before``; returns ``value``."""
    frame = store.current_frame()
    if frame.unkeyed_key_count() != keys_before:
        frame.note_unkeyed_draw(value)
    return value


def unkeyed_key_count() -> int:
    """How many stand-in keys the current call has handed out (for :func:`note_draw`)."""
    return store.current_frame().unkeyed_key_count()


# --- default store --------------------------------------------------------------------
def reset_default_graph() -> None:
    """``tf.compat.v1.reset_default_graph()``: empties the default store and its names."""
    store.reset_default_frame()


def default_variables() -> Variables:
    """The default store's variables: ``{"params": {...}, "state": {...}}``.

    TF1: ``sess.run(tf.global_variables())`` on the default graph.
    """
    return store.default_frame().variables()


def set_random_seed(seed: int) -> None:
    """``tf.compat.v1.set_random_seed``: the seed of the default store's initializers."""
    store.default_frame().set_rng(jax.random.key(seed))
