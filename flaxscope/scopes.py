"""Scope state, ``name_scope`` and ``variable_scope``, with TF1's naming rules.

Three pieces of TF1 graph state decide every name, and TF keeps them per thread:

- the *name stack* (``"outer/inner"``), which prefixes ``tf.Variable`` and op names;
- the current :class:`VariableScope`, which prefixes ``get_variable`` names and carries
  the defaults (reuse, initializer, dtype, custom getter, ...);
- the *scope counts*: how many times each variable-scope name has been opened, which
  makes ``default_name`` scopes unique (``dense``, ``dense_1``, ...).

They live in a :class:`ScopeState`, one per ``init``/``apply`` call (or one per thread for
the default graph), made current by :func:`enter`. The graph-wide namespace they draw
unique names from is the frame's (:meth:`flaxscope.store.Frame.unique_name`).
"""

from __future__ import annotations

import contextvars
import copy
import enum
import re
import threading
from collections.abc import Callable
from typing import Any

from flaxscope import store
from flaxscope.dtypes import as_dtype, float32

__all__ = [
    "AUTO_REUSE",
    "ScopeDefaults",
    "ScopeEntry",
    "ScopeState",
    "VariableScope",
    "check_scope_name",
    "current",
    "enter",
    "get_name_scope",
    "get_variable_scope",
    "leave",
    "name_scope",
    "new_scope_state",
    "unique_variable_scope_name",
    "variable_scope",
]

# TF's patterns for a name scope at the root (like an op name) and below it.
_ROOT_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_NESTED_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")


class _ReuseMode(enum.Enum):
    """The type of ``tf.compat.v1.AUTO_REUSE``."""

    AUTO_REUSE = 1

    def __repr__(self) -> str:
        return "tf.AUTO_REUSE"


AUTO_REUSE = _ReuseMode.AUTO_REUSE

Reuse = bool | _ReuseMode | None


# --- scope state ------------------------------------------------------------------------
class ScopeState:
    """The name stack, current variable scope and scope counts of one frame and thread."""

    __slots__ = ("frame", "name_stack", "var_scope", "scope_counts")

    def __init__(self, frame: store.Frame, var_scope: VariableScope) -> None:
        self.frame = frame
        self.name_stack = ""
        self.var_scope = var_scope
        self.scope_counts: dict[str, int] = {}


def new_scope_state(frame: store.Frame) -> ScopeState:
    """A fresh state for ``frame``: empty name stack, the root variable scope."""
    return ScopeState(frame, VariableScope(False))


_ACTIVE: contextvars.ContextVar[ScopeState | None] = contextvars.ContextVar(
    "flaxscope_scope_state", default=None
)
_per_thread = threading.local()  # each thread's state for the default graph


def current() -> ScopeState:
    """The state in effect: the running call's, or this thread's for the default graph."""
    state = _ACTIVE.get()
    if state is not None:
        return state
    frame = store.default_frame()
    state = getattr(_per_thread, "state", None)
    if state is None or state.frame is not frame:
        state = _per_thread.state = new_scope_state(frame)
    return state


def enter(state: ScopeState) -> tuple[contextvars.Token, contextvars.Token]:
    """Makes ``state`` (and its frame) current until :func:`leave`."""
    return _ACTIVE.set(state), store.enter_frame(state.frame)


def leave(tokens: tuple[contextvars.Token, contextvars.Token]) -> None:
    state_token, frame_token = tokens
    store.leave_frame(frame_token)
    _ACTIVE.reset(state_token)


# --- name scopes ------------------------------------------------------------------------
def check_scope_name(name: str, nested: bool) -> None:
    """TF's validation of a name-scope component (``nested``: below the root)."""
    if nested:
        if not _NESTED_NAME.match(name):
            raise ValueError(
                f"'{name}' is not a valid scope name. A scope name has to match the "
                f"following pattern: {_NESTED_NAME.pattern}"
            )
    elif not _ROOT_NAME.match(name):
        raise ValueError(
            f"'{name}' is not a valid root scope name. A root scope name has to match "
            f"the following pattern: {_ROOT_NAME.pattern}"
        )


class _NameStackPush:
    """``Graph.name_scope(name)``: one push of the name stack, undone on exit.

    Entering it again pushes again (and takes a new unique name), as TF's does.
    """

    __slots__ = ("requested", "state", "saved")

    def __init__(self, requested: str | None) -> None:
        self.requested = requested

    def __enter__(self) -> str:
        state = current()
        requested = self.requested
        if isinstance(requested, bytes):
            requested = requested.decode("utf-8")
        if requested:
            # Anything that is not a string fails inside the regex (a TypeError), as in TF.
            check_scope_name(requested, nested=bool(state.name_stack))
        self.state, self.saved = state, state.name_stack
        if not requested:
            state.name_stack = ""  # back to the root
            return ""
        if requested.endswith("/"):
            state.name_stack = requested[:-1]  # an absolute scope, taken as given
            return requested
        parent = state.name_stack
        state.name_stack = state.frame.unique_name(f"{parent}/{requested}" if parent else requested)
        return state.name_stack + "/"

    def __exit__(self, *exc: Any) -> None:
        self.state.name_stack = self.saved


class name_scope:  # noqa: N801  (TF1's name)
    """``tf.compat.v1.name_scope(name, default_name=None, values=None)``.

    Prefixes the names of ``Variable``\\ s (not ``get_variable``\\ s) created inside it.
    The name is made unique in its parent (``conv1``, ``conv1_1``, ...); a name that ends
    in ``/`` re-enters that scope as is; ``None`` or ``""`` resets to the root.
    """

    def __init__(
        self, name: str | None, default_name: str | None = None, values: Any = None
    ) -> None:
        if default_name is not None and not isinstance(default_name, str):
            raise TypeError(
                f"`default_name` type ({type(default_name)}) is not a string type. You likely "
                "meant to pass this into the `values` kwarg."
            )
        self._requested = name if name is not None else default_name
        self._fallback = default_name
        self._has_values = values is not None
        self._push: _NameStackPush | None = None

    def __enter__(self) -> str:
        if self._requested is None and self._has_values:
            raise ValueError(
                f"At least one of name ({self._requested}) and default_name ({self._fallback}) "
                "must be provided."
            )
        self._push = _NameStackPush(self._requested)
        return self._push.__enter__()

    def __exit__(self, *exc: Any) -> None:
        assert self._push is not None
        self._push.__exit__(*exc)


def get_name_scope() -> str:
    """``tf.compat.v1.get_default_graph().get_name_scope()``: the current name stack."""
    return current().name_stack


# --- variable scopes --------------------------------------------------------------------
def _chain_getters(new: Callable, outer: Callable | None) -> Callable:
    """A scope's custom getter nested inside the enclosing scope's: ``new`` calls ``outer``."""
    if outer is None:
        return new

    def chained(getter: Callable, *args: Any, **kwargs: Any) -> Any:
        def through_outer(*a: Any, **kw: Any) -> Any:
            return outer(getter, *a, **kw)

        return new(through_outer, *args, **kwargs)

    return chained


class VariableScope:
    """``tf.compat.v1.VariableScope``: the name prefix and defaults of ``get_variable``.

    ``name`` is the prefix of variables created in it, ``original_name_scope`` the name
    scope it opened first; ``reuse`` is ``False``, ``True`` or ``AUTO_REUSE``. The other
    attributes are the defaults ``get_variable`` takes when its own argument is ``None``.
    """

    __slots__ = (
        "name",
        "original_name_scope",
        "reuse",
        "initializer",
        "regularizer",
        "caching_device",
        "partitioner",
        "custom_getter",
        "dtype",
        "use_resource",
        "constraint",
    )

    def __init__(
        self,
        reuse: Reuse,
        name: str = "",
        initializer: Any = None,
        regularizer: Callable | None = None,
        caching_device: Any = None,
        partitioner: Callable | None = None,
        custom_getter: Callable | None = None,
        name_scope: str = "",
        dtype: Any = float32,
        use_resource: bool | None = None,
        constraint: Callable | None = None,
    ) -> None:
        self.name = name
        self.original_name_scope = name_scope
        self.reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.caching_device = caching_device
        self.partitioner = partitioner
        self.custom_getter = custom_getter
        self.dtype = dtype
        self.use_resource = use_resource
        self.constraint = constraint

    def _child(self, name: str, reuse: Reuse, name_scope: str, constraint: Any) -> VariableScope:
        """A scope that inherits this one's defaults under a new name."""
        child = copy.copy(self)
        child.name, child.reuse = name, reuse
        child.original_name_scope, child.constraint = name_scope, constraint
        return child

    def reuse_variables(self) -> None:
        """Sets ``reuse=True`` for the rest of this scope (and scopes opened in it)."""
        self.reuse = True

    def set_initializer(self, initializer: Any) -> None:
        self.initializer = initializer

    def set_dtype(self, dtype: Any) -> None:
        self.dtype = dtype

    def set_use_resource(self, use_resource: bool | None) -> None:
        self.use_resource = use_resource

    def set_regularizer(self, regularizer: Callable | None) -> None:
        self.regularizer = regularizer

    def set_caching_device(self, caching_device: Any) -> None:
        self.caching_device = caching_device

    def set_partitioner(self, partitioner: Callable | None) -> None:
        self.partitioner = partitioner

    def set_custom_getter(self, custom_getter: Callable | None) -> None:
        self.custom_getter = custom_getter

    def get_collection(self, name: str) -> list:
        """The items of collection ``name`` under this scope (``name + "/"``, as TF)."""
        return current().frame.collection(name, self.name + "/" if self.name else "")

    def global_variables(self) -> list:
        """Global variables under this scope."""
        return self.get_collection(store.GraphKeys.GLOBAL_VARIABLES)

    def trainable_variables(self) -> list:
        """Trainable variables under this scope."""
        return self.get_collection(store.GraphKeys.TRAINABLE_VARIABLES)

    def local_variables(self) -> list:
        """Local variables under this scope."""
        return self.get_collection(store.GraphKeys.LOCAL_VARIABLES)

    def __repr__(self) -> str:
        return f"<VariableScope name={self.name!r} reuse={self.reuse!r}>"


def get_variable_scope() -> VariableScope:
    """``tf.compat.v1.get_variable_scope()``: the current variable scope."""
    return current().var_scope


def unique_variable_scope_name(prefix: str) -> str:
    """``prefix``, or ``prefix_N`` with the lowest N, unused as a scope in the current one."""
    state = current()
    counts = state.scope_counts
    parent = state.var_scope.name
    base = f"{parent}/{prefix}" if parent else prefix
    if not counts.get(base):
        return prefix
    n = 1
    while counts.get(f"{base}_{n}"):
        n += 1
    return f"{prefix}_{n}"


class ScopeDefaults:
    """What a ``variable_scope`` call sets on the scope it opens (``None``: inherited)."""

    __slots__ = (
        "initializer",
        "regularizer",
        "caching_device",
        "partitioner",
        "custom_getter",
        "dtype",
        "use_resource",
        "constraint",
    )

    def __init__(
        self,
        initializer: Any = None,
        regularizer: Callable | None = None,
        caching_device: Any = None,
        partitioner: Callable | None = None,
        custom_getter: Callable | None = None,
        dtype: Any = None,
        use_resource: bool | None = None,
        constraint: Callable | None = None,
    ) -> None:
        self.initializer = initializer
        self.regularizer = regularizer
        self.caching_device = caching_device
        self.partitioner = partitioner
        self.custom_getter = custom_getter
        self.dtype = dtype
        self.use_resource = use_resource
        self.constraint = constraint

    def apply_to(self, scope: VariableScope, outer_getter: Callable | None) -> VariableScope:
        for attr in ("initializer", "regularizer", "caching_device", "partitioner"):
            value = getattr(self, attr)
            if value is not None:
                setattr(scope, attr, value)
        if self.custom_getter is not None:
            scope.custom_getter = _chain_getters(self.custom_getter, outer_getter)
        if self.dtype is not None:
            scope.dtype = as_dtype(self.dtype)
        if self.use_resource is not None:
            scope.use_resource = self.use_resource
        return scope


class ScopeEntry:
    """Makes a variable scope current without touching the name stack (TF's
    ``_pure_variable_scope``).

    ``target`` is a name, opened below the current scope, or a :class:`VariableScope`
    object, re-entered as it was (its own name, its defaults, its name scope). For an
    object the new scope is built once, here; entering again gives the same object.
    """

    def __init__(
        self,
        target: str | VariableScope,
        reuse: Reuse = None,
        overrides: ScopeDefaults | None = None,
        name_scope: str | None = None,
    ) -> None:
        self._target = target
        self._reuse = reuse
        self._overrides = overrides or ScopeDefaults(dtype=float32)
        self._name_scope = name_scope
        self._state = current()
        self._entered: VariableScope | None = None
        self._prebuilt: VariableScope | None = None
        if isinstance(target, VariableScope):
            child = target._child(
                target.name,
                self._reuse or target.reuse,
                target.original_name_scope,
                self._overrides.constraint,
            )
            self._prebuilt = self._overrides.apply_to(child, target.custom_getter)

    def __enter__(self) -> VariableScope:
        state = self._state
        self._outer = state.var_scope
        counts = state.scope_counts
        if self._prebuilt is not None:
            scope = self._prebuilt
            counts[scope.name] = counts.get(scope.name, 0) + 1
            self._counts_on_entry = dict(counts)
        else:
            outer = self._outer
            name = f"{outer.name}/{self._target}" if outer.name else self._target
            self._reuse = self._reuse or outer.reuse
            scope = outer._child(
                name,
                self._reuse,
                self._target if self._name_scope is None else self._name_scope,
                self._overrides.constraint,
            )
            self._overrides.apply_to(scope, outer.custom_getter)
            counts[name] = counts.get(name, 0) + 1
        state.var_scope = self._entered = scope
        return scope

    def __exit__(self, *exc: Any) -> None:
        state = self._state
        if state.var_scope is not self._entered:
            raise RuntimeError("Improper nesting of variable_scope.")
        if self._prebuilt is not None:
            state.scope_counts = self._counts_on_entry
        else:
            # Scopes opened inside this one count from zero again next time it is opened.
            below = self._entered.name + "/"
            counts = state.scope_counts
            for key in counts:
                if key.startswith(below):
                    counts[key] = 0
        state.var_scope = self._outer


class variable_scope:  # noqa: N801  (TF1's name)
    """``tf.compat.v1.variable_scope``: prefixes ``get_variable`` names and sets reuse.

    Opens a name scope too (unless ``auxiliary_name_scope=False``), so ``Variable``\\ s and
    ops created inside get the name scope's (uniquified) prefix, while ``get_variable``
    uses the variable scope's name. ``reuse=True`` makes ``get_variable`` return existing
    variables (and fail for missing ones); ``AUTO_REUSE`` creates or returns; ``None`` (or
    ``False``) inherits the enclosing scope's mode.
    """

    def __init__(
        self,
        name_or_scope: str | VariableScope | None,
        default_name: str | None = None,
        values: Any = None,
        initializer: Any = None,
        regularizer: Callable | None = None,
        caching_device: Any = None,
        partitioner: Callable | None = None,
        custom_getter: Callable | None = None,
        reuse: Reuse = None,
        dtype: Any = None,
        use_resource: bool | None = None,
        constraint: Callable | None = None,
        auxiliary_name_scope: bool = True,
    ) -> None:
        del values  # TF1 uses them only to pick the graph
        if name_or_scope is None and default_name is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse is False:
            reuse = None  # False inherits, as None does
        if reuse is not None and reuse is not True and reuse is not AUTO_REUSE:
            raise ValueError("The reuse parameter must be True or False or None.")
        # A custom_getter that is not callable fails in get_variable, as in TF, not here.
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError(
                "The auxiliary_name_scope must be `True` or `False`, while get "
                f"{auxiliary_name_scope}"
            )
        self._target = name_or_scope
        self._default_name = default_name
        self._reuse = reuse
        self._overrides = ScopeDefaults(
            initializer,
            regularizer,
            caching_device,
            partitioner,
            custom_getter,
            dtype,
            use_resource,
            constraint,
        )
        self._aux_name_scope = auxiliary_name_scope
        # Filled on the first __enter__ and replayed on later ones.
        self._entry: ScopeEntry | None = None
        self._push: _NameStackPush | None = None

    def __enter__(self) -> VariableScope:
        if self._entry is None:
            return self._first_enter()
        if self._push is not None:
            self._push.__enter__()
        return self._entry.__enter__()

    def _first_enter(self) -> VariableScope:
        # auxiliary_name_scope=False: stay in the current name scope (re-entered as is).
        push = None
        if not self._aux_name_scope:
            stack = current().name_stack
            push = _NameStackPush(stack + "/" if stack else stack)
        target = self._target
        if target is None:
            if self._reuse:
                raise ValueError("reuse=True cannot be used without a name_or_scope")
            self._push = push or _NameStackPush(self._default_name)
            opened_as = self._push.__enter__()
            unique = unique_variable_scope_name(self._default_name)  # type: ignore[arg-type]
            return self._enter_entry(ScopeEntry(unique, None, self._overrides, opened_as))
        if not isinstance(target, (VariableScope, str)):
            raise TypeError("VariableScope: name_or_scope must be a string or VariableScope.")
        last_component = target if isinstance(target, str) else target.name.split("/")[-1]
        if not (last_component or push):
            # variable_scope("") (or the root scope): no name scope at all.
            return self._enter_entry(ScopeEntry(target, self._reuse, self._overrides))
        self._push = push or _NameStackPush(last_component)
        opened_as = self._push.__enter__()
        name_scope = opened_as if isinstance(target, str) else target.original_name_scope
        return self._enter_entry(ScopeEntry(target, self._reuse, self._overrides, name_scope))

    def _enter_entry(self, entry: ScopeEntry) -> VariableScope:
        try:
            scope = entry.__enter__()
        except BaseException:
            if self._push is not None:
                self._push.__exit__(None, None, None)
            raise
        self._entry = entry
        return scope

    def __exit__(self, *exc: Any) -> None:
        try:
            assert self._entry is not None
            self._entry.__exit__(*exc)
        finally:
            if self._push is not None:
                self._push.__exit__(*exc)
