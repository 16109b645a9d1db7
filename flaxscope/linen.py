"""Interop with Flax: TF1 scope code inside linen models, and linen/NNX modules inside it.

Migrations happen piece by piece, so both directions live in one params tree:

- :class:`ScopeModule` (or :func:`wrap`) is a ``flax.linen.Module`` that runs a function
  written with ``variable_scope``/``get_variable``. Its variables sit in the linen
  ``params`` collection (trainable) and ``state`` collection (``trainable=False``) under the
  module's path, keyed by their TF names: ``{"params": {"encoder": {"enc/dense/kernel":
  ...}}}``. ``init``, ``apply``, ``nn.jit``, ``nn.scan`` work as for any linen module.
- :func:`call` runs a linen module (or an NNX module made linen by
  ``flax.nnx.bridge.to_linen``) inside flaxscope scope code. Each of its leaves becomes a
  ``get_variable`` under a variable scope named after the module, like ``tf.layers.dense``
  did: ``nn.Dense(3)`` called in ``variable_scope("decoder")`` makes
  ``decoder/dense/kernel`` and ``decoder/dense/bias``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jax
from flax import errors as flax_errors
from flax import linen as nn
from flax import nnx, traverse_util

from flaxscope import rng as _rng
from flaxscope import store
from flaxscope.scopes import variable_scope
from flaxscope.transform import transform
from flaxscope.variables import assign, get_variable

__all__ = ["ScopeModule", "call", "wrap"]

# Collections a linen init may fill that are outputs, not variables: sow() writes here.
_NOT_VARIABLES = frozenset({"intermediates"})


def linen_module_stack() -> list | None:
    """Linen's stack of running modules (``None`` on top: no parent), or ``None`` in a Flax
    without it.

    The one read of a Flax internal in flaxscope: a module attaches to the running one when
    constructed, and Flax's only public way out (``parent=None``) is an argument of the
    user's own constructor call; ``flax.linen.module._context`` is private.
    tests/project/test_third_party_internals.py fails loudly if it moves.
    """
    return getattr(getattr(nn.module, "_context", None), "module_stack", None)


@contextlib.contextmanager
def _outside_linen() -> Iterator[None]:
    """Runs the body as if no linen method were running.

    Linen attaches a module constructed inside a running module's method to that module
    (``nn.Dense(3)`` becomes its child ``Dense_0``). TF1 code inside a :class:`ScopeModule`
    constructs modules for :func:`call`, which must stay unbound, as they are under a plain
    ``flaxscope.transform``; linen's own marker for "no parent" is ``None`` on its stack.
    """
    stack = linen_module_stack()
    if stack is None:  # a Flax without the (private) stack: modules may attach
        yield
        return
    stack.append(None)
    try:
        yield
    finally:
        stack.pop()


class ScopeModule(nn.Module):
    """A linen module running ``fn``, a function written with TF1 scopes.

    Its variables live in this module's linen collections, keyed by their TF names:
    trainable ones in ``params``, ``trainable=False`` ones in ``state_collection``. In
    ``init`` the function runs through ``flaxscope.transform(fn).init_with_output`` with the
    module's ``params`` RNG; afterwards (and on every later call in ``init``, so a shared
    module is one set of weights) it runs through ``apply`` on the module's variables. When
    ``state_collection`` is mutable (``module.apply(..., mutable=["state"])``), values set by
    ``flaxscope.assign`` come back in it.

    Attributes:
      fn: the TF1-style function, ``fn(*args, **kwargs)``.
      state_collection: the linen collection holding non-trainable variables.
      on_unused: ``flaxscope.transform``'s ``on_unused`` for the module's own variables.

    TF1 equivalent: a ``tf.compat.v1.make_template`` whose variables a Keras model tracks.
    """

    fn: Callable[..., Any]
    state_collection: str = "state"
    on_unused: str = "warn"

    @nn.compact
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        transformed = transform(self.fn, on_unused=self.on_unused)
        mine = self.variables
        params = dict(mine.get("params", {}))
        state = dict(mine.get(self.state_collection, {}))
        with _outside_linen():
            if not params and not state and self.is_mutable_collection("params"):
                out, tree = transformed.init_with_output(self.make_rng("params"), *args, **kwargs)
                for name, value in tree["params"].items():
                    self.param(name, lambda _key, v=value: v)
                for name, value in tree.get(store.STATE, {}).items():
                    self.variable(self.state_collection, name, lambda v=value: v)
                return out
            if not state:
                return transformed.apply({store.PARAMS: params}, *args, **kwargs)
            variables = {store.PARAMS: params, store.STATE: state}
            out, updates = transformed.apply(variables, *args, mutable=[store.STATE], **kwargs)
            # apply returns the given leaf itself for every variable nobody assigned.
            changed = [k for k, v in updates[store.STATE].items() if v is not state.get(k)]
            if changed and not self.is_mutable_collection(self.state_collection):
                raise ValueError(
                    f"The TF1 code in {self.name or type(self).__name__} assigns "
                    f"{changed[:5]}, but the linen collection '{self.state_collection}' is "
                    f"not mutable. Call apply(..., mutable=['{self.state_collection}']) to get "
                    "the new values back."
                )
            for name in changed:
                self.put_variable(self.state_collection, name, updates[store.STATE][name])
            return out


def wrap(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    state_collection: str = "state",
    on_unused: str = "warn",
) -> ScopeModule:
    """``ScopeModule(fn, ...)``: TF1 scope code as a linen module.

    Inside a linen ``@nn.compact`` method this makes a submodule, named ``name`` or
    ``ScopeModule_<n>`` by linen's rules::

        class Model(nn.Module):
            @nn.compact
            def __call__(self, x):
                h = flaxscope.linen.wrap(tf1_encoder, name="encoder")(x)
                return nn.Dense(10)(h)
    """
    return ScopeModule(fn, state_collection=state_collection, on_unused=on_unused, name=name)


# --- linen inside flaxscope -----------------------------------------------------------
def _snake_case(name: str) -> str:
    """Keras's ``to_snake_case``: the default scope name of a layer class (``Dense`` → ``dense``)."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def _default_name(module: nn.Module) -> str:
    cls = getattr(module, "nnx_class", None)  # flax.nnx.bridge.ToLinen: name the NNX class
    if not isinstance(cls, type):
        cls = type(module)
    return _snake_case(cls.__name__)


def _check_module(module: Any) -> None:
    if isinstance(module, nnx.Module):
        raise TypeError(
            f"flaxscope.linen.call takes a linen module; {type(module).__name__} is an NNX "
            "module. Make it a linen module with Flax's bridge and call that: "
            f"call(flax.nnx.bridge.to_linen({type(module).__name__}, *constructor_args), x)."
        )
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"flaxscope.linen.call takes a flax.linen.Module, got {type(module).__name__}."
        )
    if module.scope is not None or isinstance(module.parent, nn.Module):
        raise ValueError(
            f"The linen module {type(module).__name__} given to flaxscope.linen.call is "
            "attached to a linen parent (it was constructed inside another module's method), "
            "so its variables belong to that parent. Construct it outside linen methods, or "
            "run the TF1 code through flaxscope.linen.ScopeModule, where modules stay unbound."
        )


def _leaf_name(path: tuple[Any, ...]) -> str:
    return "/".join(str(p) for p in path)


def call(
    module: nn.Module,
    *args: Any,
    name: str | None = None,
    rngs: Mapping[str, jax.Array] | None = None,
    method: str | Callable[..., Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Calls a linen ``module`` inside TF1 scope code; its variables join the flaxscope tree.

    The module's leaves become variables of ``variable_scope(name)``, where ``name`` is
    this argument, else the module's own ``name``, else its class name in snake case made
    unique like a ``default_name`` (``dense``, ``dense_1``, ...): ``nn.Dense(3)`` under
    ``variable_scope("decoder")`` gives ``decoder/dense/kernel``. Each leaf's name is its
    path in the linen tree joined by ``/``. ``params`` leaves are trainable; those of other
    collections (``batch_stats``, ``cache``) are ``trainable=False`` and live in the tree's
    ``state``; ``intermediates`` (``sow``) are not kept.

    Creation is ``get_variable``'s, so the current scope's ``reuse`` rules hold: with an
    explicit ``name`` a second call fails with ``already exists`` unless the scope reuses
    (``AUTO_REUSE`` shares the module's weights, as TF1 layers did). In ``init`` the
    module's own ``init`` runs once per call, with the key of its first variable; in
    ``apply`` the leaves are looked up and only ``module.apply`` runs. Where ``state`` may
    change (``init``, ``apply(..., mutable=True)``, the default store) the module's other
    collections are mutable and their new values are assigned back.

    An NNX module goes through Flax's bridge:
    ``call(flax.nnx.bridge.to_linen(nnx.Linear, 8, 3), x)`` (default scope ``linear``).

    Args:
      module: an unbound ``flax.linen.Module``.
      *args, **kwargs: passed to the module (``module.apply(variables, *args, **kwargs)``).
      name: the variable scope for the module's variables.
      rngs: extra RNG streams for the module (``{"dropout": key}``).
      method: the module's method to call, as in ``module.apply(..., method=)``.

    TF1 equivalent: ``tf.compat.v1.layers.dense(x, 3, name=...)`` and the other
    ``tf.layers`` calls, whose variables sit under a scope named after the layer.
    """
    _check_module(module)
    scope_name = name if name is not None else module.name
    default_name = None if scope_name else _default_name(module)
    rngs = dict(rngs or {})
    init_args = dict(method=method, **kwargs)

    def run_init(key: jax.Array) -> Any:
        init_rngs = {**rngs, "params": key}
        return module.init(init_rngs, *args, **init_args)

    with variable_scope(scope_name, default_name=default_name):
        shapes = jax.eval_shape(run_init, jax.random.key(0))
        leaves = {
            path: spec
            for path, spec in traverse_util.flatten_dict(shapes).items()
            if path[0] not in _NOT_VARIABLES
        }
        names: dict[str, tuple[Any, ...]] = {}
        for path in leaves:
            leaf_name = _leaf_name(path[1:])
            if leaf_name in names:
                raise ValueError(
                    f"The linen module {type(module).__name__} has {leaf_name!r} in both "
                    f"collections {names[leaf_name][0]!r} and {path[0]!r}; flaxscope keys "
                    "variables by name only. Rename one of them in the module."
                )
            names[leaf_name] = path

        cache: dict[str, Any] = {}

        def initializer_for(path: tuple[Any, ...]) -> Callable[..., jax.Array]:
            def initializer(shape: Any, dtype: Any = None, partition_info: Any = None):
                del shape, dtype, partition_info
                if "tree" not in cache:
                    tree = run_init(_rng.current_key())
                    cache["tree"] = traverse_util.flatten_dict(tree)
                return cache["tree"][path]

            return initializer

        values: dict[tuple[Any, ...], jax.Array] = {}
        for leaf_name, path in names.items():
            spec = leaves[path]
            values[path] = get_variable(
                leaf_name,
                shape=spec.shape,
                dtype=spec.dtype,
                initializer=initializer_for(path),
                trainable=path[0] == "params",
            )

    variables = traverse_util.unflatten_dict(values)
    state_collections = sorted({path[0] for path in values if path[0] != "params"})
    frame = store.current_frame()
    can_update = frame.may_assign(store.STATE)
    if not state_collections or not can_update:
        try:
            return module.apply(variables, *args, rngs=rngs or None, **init_args)
        except flax_errors.ModifyScopeVariableError as e:
            raise ValueError(
                f"{e}\nThe linen module {type(module).__name__} updates its "
                f"{state_collections} while flaxscope's 'state' is read-only in this apply "
                "call. Call apply(..., mutable=True) to get the new values back (or run the "
                "module in its inference mode)."
            ) from e
    out, updates = module.apply(
        variables, *args, rngs=rngs or None, mutable=state_collections, **init_args
    )
    for path, new in traverse_util.flatten_dict(updates).items():
        if path in values:
            assign(values[path], new)
    return out
