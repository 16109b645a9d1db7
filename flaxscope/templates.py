"""``tf.make_template``: a function whose variables are created once, then shared.

TF ties a template to one graph. Here every ``init``/``apply`` call is a fresh graph, so a
template keeps its per-call state (its variable scope, whether it has been called) in the
current frame: a template made at module level works in every call, and each call sees
the naming TF1 would produce for a freshly built graph. With ``create_scope_now_=True``
outside any call, the scope is created when the template is first used in a call.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from typing import Any

from flaxscope.dtypes import float32
from flaxscope.scopes import (
    ScopeDefaults,
    ScopeEntry,
    VariableScope,
    unique_variable_scope_name,
    variable_scope,
)
from flaxscope.store import GraphKeys, current_frame, per_call_state

__all__ = ["Template", "make_template"]


def _where_defined(defined: list[str], now: list[str]) -> str:
    """The frames of ``defined`` (the template's creation stack) below what it shares with
    ``now`` (the stack at the failure): where the user made the template."""
    shared = 0
    for a, b in zip(defined, now, strict=False):
        if a != b:
            break
        shared += 1
    tail = defined[shared:] if shared < min(len(defined), len(now)) else defined[-1:]
    return "".join(tail)


def _trainable() -> list:
    return current_frame().collection(GraphKeys.TRAINABLE_VARIABLES)


class _PerCall:
    """A template's memory in one ``init``/``apply`` call."""

    __slots__ = ("scope", "created", "calling_first")

    def __init__(self) -> None:
        self.scope: VariableScope | None = None
        self.created = False  # the first call finished: later calls reuse
        self.calling_first = True  # no call has started (or the first one failed)


class Template:
    """``tf.compat.v1.make_template``'s result: call it like the function it wraps."""

    def __init__(
        self,
        name: str,
        func: Callable,
        create_scope_now: bool = False,
        unique_name: str | None = None,
        custom_getter: Callable | None = None,
    ) -> None:
        if name is None:
            raise ValueError("name cannot be None.")
        self._name = name
        self._func = func
        self._unique_name = unique_name
        self._custom_getter = custom_getter
        self._scope_now = create_scope_now
        self._defined_at = traceback.format_stack()[:-2]
        if create_scope_now:
            self._per_call()

    def _per_call(self) -> _PerCall:
        return per_call_state(self, self._fresh)

    def _fresh(self) -> _PerCall:
        state = _PerCall()
        if self._scope_now:
            # The scope is taken now, without a name scope (TF's _pure_variable_scope).
            name = self._unique_name or unique_variable_scope_name(self._name)
            defaults = ScopeDefaults(custom_getter=self._custom_getter, dtype=float32)
            with ScopeEntry(name, overrides=defaults) as scope:
                state.scope = scope
        return state

    def _run(self, state: _PerCall, args: tuple, kwargs: dict) -> Any:
        if not state.created:
            state.calling_first = False
            try:
                out = self._func(*args, **kwargs)
            except BaseException:
                state.calling_first = True
                raise
            state.created = True
            return out
        count = len(_trainable())
        out = self._func(*args, **kwargs)
        trainable = _trainable()  # read again: a lifted scan may have replaced the list
        if len(trainable) != count:
            raise ValueError(
                "Trainable variable created when calling a template after the first "
                "time, perhaps you used tf.Variable when you meant tf.get_variable: "
                f"{trainable[count:]}"
            )
        return out

    def _call(self, state: _PerCall, args: tuple, kwargs: dict) -> Any:
        try:
            return self._run(state, args, kwargs)
        except Exception as exc:
            # TF appends where the template was made to the message.
            first = exc.args[0] if exc.args else ""
            where = _where_defined(self._defined_at, traceback.format_stack())
            exc.args = (f"{first}\n\noriginally defined at:\n{where}", *exc.args[1:])
            raise

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = self._per_call()
        if state.scope:
            with variable_scope(state.scope, reuse=not state.calling_first):
                return self._call(state, args, kwargs)
        with variable_scope(self._unique_name, self._name, custom_getter=self._custom_getter) as vs:
            state.scope = vs
            return self._call(state, args, kwargs)

    @property
    def name(self) -> str:
        return self._name

    @property
    def func(self) -> Callable:
        return self._func

    @property
    def variable_scope(self) -> VariableScope | None:
        """The template's variable scope in the current call."""
        return self._per_call().scope

    @property
    def variable_scope_name(self) -> str | None:
        scope = self.variable_scope
        if not scope:
            return None
        return scope.name if scope.name.endswith("/") or not scope.name else scope.name + "/"

    def _collection(self, key: str) -> list:
        if not self._per_call().created:
            return []
        return current_frame().collection(key, self.variable_scope_name)

    @property
    def global_variables(self) -> list:
        return self._collection(GraphKeys.GLOBAL_VARIABLES)

    @property
    def local_variables(self) -> list:
        return self._collection(GraphKeys.LOCAL_VARIABLES)

    @property
    def trainable_variables(self) -> list:
        return self._collection(GraphKeys.TRAINABLE_VARIABLES)

    @property
    def non_trainable_variables(self) -> list:
        trainable = {id(v) for v in self.trainable_variables}
        return [v for v in self.global_variables if id(v) not in trainable]

    @property
    def variables(self) -> list:
        return self.global_variables + self.local_variables


def make_template(
    name_: str,
    func_: Callable,
    create_scope_now_: bool = False,
    unique_name_: str | None = None,
    custom_getter_: Callable | None = None,
    **kwargs: Any,
) -> Template:
    """``tf.compat.v1.make_template``: ``func_`` creates its variables on the first call
    (in a scope named ``name_``, made unique) and reuses them on every later call."""
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(
        name_,
        func_,
        create_scope_now=create_scope_now_,
        unique_name=unique_name_,
        custom_getter=custom_getter_,
    )
