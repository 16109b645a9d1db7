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

from flaxscope import store
from flaxscope.scopes import VariableScope, _get_unique_variable_scope, _pure_variable_scope
from flaxscope.scopes import variable_scope as _variable_scope
from flaxscope.store import GraphKeys
from flaxscope.variables import get_collection, get_collection_ref


def _skip_common_stack_elements(stacktrace: list[str], base_case: list[str]) -> list[str]:
    for i, (trace, base) in enumerate(zip(stacktrace, base_case, strict=False)):
        if trace != base:
            return stacktrace[i:]
    return stacktrace[-1:]


class _CallState:
    __slots__ = ("variable_scope", "variables_created", "first_call")

    def __init__(self) -> None:
        self.variable_scope: VariableScope | None = None
        self.variables_created = False
        self.first_call = True


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
        self._func = func
        self._stacktrace = traceback.format_stack()[:-2]
        self._name = name
        self._unique_name = unique_name
        self._custom_getter = custom_getter
        self._create_scope_now = create_scope_now
        if create_scope_now:
            self._state()

    def _state(self) -> _CallState:
        frame = store.current_frame()
        state = frame.per_object.get(id(self))
        if state is None or state[0] is not self:
            call_state = _CallState()
            frame.per_object[id(self)] = (self, call_state)
            if self._create_scope_now:
                with _pure_variable_scope(
                    self._unique_name or _get_unique_variable_scope(self._name),
                    custom_getter=self._custom_getter,
                ) as vs:
                    call_state.variable_scope = vs
            return call_state
        return state[1]

    def _call_func(self, state: _CallState, args: tuple, kwargs: dict) -> Any:
        try:
            if state.variables_created:
                vars_at_start = len(get_collection_ref(GraphKeys.GLOBAL_VARIABLES))
                trainable_at_start = len(get_collection_ref(GraphKeys.TRAINABLE_VARIABLES))
                result = self._func(*args, **kwargs)
                trainable = get_collection_ref(GraphKeys.TRAINABLE_VARIABLES)
                if trainable_at_start != len(trainable):
                    raise ValueError(
                        "Trainable variable created when calling a template after the first "
                        "time, perhaps you used tf.Variable when you meant tf.get_variable: "
                        f"{trainable[trainable_at_start:]}"
                    )
                del vars_at_start
            else:
                state.first_call = False
                try:
                    result = self._func(*args, **kwargs)
                except BaseException:
                    state.first_call = True
                    raise
                state.variables_created = True
            return result
        except Exception as exc:
            arg0 = exc.args[0] if exc.args else ""
            trace = "".join(_skip_common_stack_elements(self._stacktrace, traceback.format_stack()))
            exc.args = (f"{arg0}\n\noriginally defined at:\n{trace}", *exc.args[1:])
            raise

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = self._state()
        if state.variable_scope:
            with _variable_scope(state.variable_scope, reuse=not state.first_call):
                return self._call_func(state, args, kwargs)
        with _variable_scope(
            self._unique_name, self._name, custom_getter=self._custom_getter
        ) as vs:
            state.variable_scope = vs
            return self._call_func(state, args, kwargs)

    @property
    def name(self) -> str:
        return self._name

    @property
    def func(self) -> Callable:
        return self._func

    @property
    def variable_scope(self) -> VariableScope | None:
        """The template's variable scope in the current call."""
        return self._state().variable_scope

    @property
    def variable_scope_name(self) -> str | None:
        vs = self.variable_scope
        if vs:
            name = vs.name
            return name if not name or name[-1] == "/" else name + "/"
        return None

    def _collection(self, key: str) -> list:
        if self._state().variables_created:
            return get_collection(key, self.variable_scope_name)
        return []

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
        trainable = set(map(id, self.trainable_variables))
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
