"""``tf.name_scope`` and ``tf.variable_scope`` with TF1's exact naming rules.

The logic follows TensorFlow's ``ops.Graph.name_scope`` and ``variable_scope.py``
(``variable_scope``, ``_pure_variable_scope``, ``_VariableScopeStore``) step for step, so
names, uniquification and reuse inheritance come out identical; the state they mutate is
the current :class:`~flaxscope.store.ScopeState` and :class:`~flaxscope.store.Frame`.
"""

from __future__ import annotations

import copy
import enum
import functools
import re
from collections.abc import Callable
from typing import Any

from flaxscope import store
from flaxscope.dtypes import as_dtype, float32

_VALID_OP_NAME_REGEX = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME_REGEX = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")


class _ReuseMode(enum.Enum):
    """``tf.compat.v1.AUTO_REUSE``'s type."""

    AUTO_REUSE = 1

    def __repr__(self) -> str:
        return "tf.AUTO_REUSE"


AUTO_REUSE = _ReuseMode.AUTO_REUSE


# --- name scopes ---------------------------------------------------------------------
def _check_scope_name(name: str, nested: bool) -> None:
    if nested:
        if not _VALID_SCOPE_NAME_REGEX.match(name):
            raise ValueError(
                f"'{name}' is not a valid scope name. A scope name has to match the "
                f"following pattern: {_VALID_SCOPE_NAME_REGEX.pattern}"
            )
    elif not _VALID_OP_NAME_REGEX.match(name):
        raise ValueError(
            f"'{name}' is not a valid root scope name. A root scope name has to match "
            f"the following pattern: {_VALID_OP_NAME_REGEX.pattern}"
        )


class _GraphNameScope:
    """``Graph.name_scope(name)``: pushes a (uniquified) name on the name stack."""

    __slots__ = ("_name", "_state", "_old_stack")

    def __init__(self, name: str | None) -> None:
        self._name = name

    def __enter__(self) -> str:
        state = store.current()
        name = self._name
        if name:
            if isinstance(name, bytes):
                name = name.decode("utf-8")
            # Like TF, any other non-string fails in the regex match (a TypeError).
            _check_scope_name(name, nested=bool(state.name_stack))
        self._state = state
        self._old_stack = state.name_stack
        if not name:
            new_stack, returned = "", ""
        elif name[-1] == "/":
            new_stack, returned = name[:-1], name
        else:
            full = f"{state.name_stack}/{name}" if state.name_stack else name
            new_stack = state.frame.unique_name(full)
            returned = new_stack + "/"
        state.name_stack = new_stack
        return returned

    def __exit__(self, *exc: Any) -> None:
        self._state.name_stack = self._old_stack


class name_scope:  # noqa: N801  (TF1's name)
    """``tf.compat.v1.name_scope(name, default_name=None, values=None)``.

    Prefixes the names of ``Variable``\\ s (not ``get_variable``\\ s) created inside it.
    The name is made unique in its parent (``conv1``, ``conv1_1``, ...); a name that ends
    in ``/`` re-enters that scope as is; ``None`` or ``""`` resets to the root.
    """

    def __init__(
        self, name: str | None, default_name: str | None = None, values: Any = None
    ) -> None:
        if not (default_name is None or isinstance(default_name, str)):
            raise TypeError(
                f"`default_name` type ({type(default_name)}) is not a string type. You likely "
                "meant to pass this into the `values` kwarg."
            )
        self._name = default_name if name is None else name
        self._default_name = default_name
        self._values = values
        self._scope: _GraphNameScope | None = None

    def __enter__(self) -> str:
        if self._name is None and self._values is not None:
            raise ValueError(
                f"At least one of name ({self._name}) and default_name ({self._default_name}) "
                "must be provided."
            )
        self._scope = _GraphNameScope(self._name)
        return self._scope.__enter__()

    def __exit__(self, *exc: Any) -> None:
        assert self._scope is not None
        self._scope.__exit__(*exc)


def get_name_scope() -> str:
    """``tf.compat.v1.get_default_graph().get_name_scope()``: the current name stack."""
    return store.current().name_stack


# --- variable scopes -------------------------------------------------------------------
def _maybe_wrap_custom_getter(custom_getter: Callable, old_getter: Callable | None) -> Callable:
    if old_getter is None:
        return custom_getter

    def wrapped_custom_getter(getter, *args, **kwargs):
        return custom_getter(functools.partial(old_getter, getter), *args, **kwargs)

    return wrapped_custom_getter


class VariableScope:
    """``tf.compat.v1.VariableScope``: the name prefix and defaults of ``get_variable``.

    ``name`` is the prefix of variables created in it, ``original_name_scope`` the name
    scope it opened first; ``reuse`` is ``False``, ``True`` or ``AUTO_REUSE``.
    """

    def __init__(
        self,
        reuse: bool | _ReuseMode | None,
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
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    dtype = property(lambda self: self._dtype)
    use_resource = property(lambda self: self._use_resource)
    regularizer = property(lambda self: self._regularizer)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self) -> None:
        """Sets ``reuse=True`` for the rest of this scope (and scopes opened in it)."""
        self._reuse = True

    def set_initializer(self, initializer: Any) -> None:
        self._initializer = initializer

    def set_dtype(self, dtype: Any) -> None:
        self._dtype = dtype

    def set_use_resource(self, use_resource: bool | None) -> None:
        self._use_resource = use_resource

    def set_regularizer(self, regularizer: Callable | None) -> None:
        self._regularizer = regularizer

    def set_caching_device(self, caching_device: Any) -> None:
        self._caching_device = caching_device

    def set_partitioner(self, partitioner: Callable | None) -> None:
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter: Callable | None) -> None:
        self._custom_getter = custom_getter

    def global_variables(self) -> list:
        """Global variables under this scope (``name + "/"``, as TF filters them)."""
        return self.get_collection(store.GraphKeys.GLOBAL_VARIABLES)

    def trainable_variables(self) -> list:
        """Trainable variables under this scope."""
        return self.get_collection(store.GraphKeys.TRAINABLE_VARIABLES)

    def local_variables(self) -> list:
        """Local variables under this scope."""
        return self.get_collection(store.GraphKeys.LOCAL_VARIABLES)

    def get_collection(self, name: str) -> list:
        from flaxscope.variables import get_collection

        scope = self._name + "/" if self._name else ""
        return get_collection(name, scope)

    def get_variable(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Creates or reuses ``self.name + '/' + name`` with this scope's defaults."""
        from flaxscope.variables import _scope_get_variable

        return _scope_get_variable(self, name, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<VariableScope name={self._name!r} reuse={self._reuse!r}>"


store.set_root_scope_factory(lambda: VariableScope(False))


def get_variable_scope() -> VariableScope:
    """``tf.compat.v1.get_variable_scope()``: the current variable scope."""
    return store.current().var_scope


def _open_variable_scope(counts: dict[str, int], scope_name: str) -> None:
    counts[scope_name] = counts.get(scope_name, 0) + 1


def _close_variable_subscopes(counts: dict[str, int], scope_name: str | None) -> None:
    if scope_name is None:
        for k in counts:
            counts[k] = 0
    else:
        prefix = scope_name + "/"
        n = len(prefix)
        for k in counts:
            if k[:n] == prefix:
                counts[k] = 0


def _get_unique_variable_scope(prefix: str) -> str:
    """A name with ``prefix`` that no variable scope in the current one has used yet."""
    state = store.current()
    counts = state.scope_counts
    current_name = state.var_scope.name
    name = current_name + "/" + prefix if current_name else prefix
    if counts.get(name, 0) == 0:
        return prefix
    idx = 1
    while counts.get(name + f"_{idx}", 0) > 0:
        idx += 1
    return prefix + f"_{idx}"


class _pure_variable_scope:  # noqa: N801  (TF's internal name)
    """Enters a variable scope without touching the name scope."""

    def __init__(
        self,
        name_or_scope: str | VariableScope,
        reuse: bool | _ReuseMode | None = None,
        initializer: Any = None,
        regularizer: Callable | None = None,
        caching_device: Any = None,
        partitioner: Callable | None = None,
        custom_getter: Callable | None = None,
        old_name_scope: str | None = None,
        dtype: Any = float32,
        use_resource: bool | None = None,
        constraint: Callable | None = None,
    ) -> None:
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._old_name_scope = old_name_scope
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint
        self._state = store.current()
        self._last_variable_scope_object: VariableScope | None = None
        if isinstance(name_or_scope, VariableScope):
            self._new_name = name_or_scope.name
            scope = VariableScope(
                name_or_scope.reuse if not reuse else reuse,
                name=self._new_name,
                initializer=name_or_scope.initializer,
                regularizer=name_or_scope.regularizer,
                caching_device=name_or_scope.caching_device,
                partitioner=name_or_scope.partitioner,
                dtype=name_or_scope.dtype,
                custom_getter=name_or_scope.custom_getter,
                name_scope=name_or_scope._name_scope,
                use_resource=name_or_scope.use_resource,
                constraint=constraint,
            )
            self._apply_overrides(scope, name_or_scope.custom_getter)
            self._cached_variable_scope_object = scope

    def _apply_overrides(self, scope: VariableScope, old_getter: Callable | None) -> None:
        if self._initializer is not None:
            scope.set_initializer(self._initializer)
        if self._regularizer is not None:
            scope.set_regularizer(self._regularizer)
        if self._caching_device is not None:
            scope.set_caching_device(self._caching_device)
        if self._partitioner is not None:
            scope.set_partitioner(self._partitioner)
        if self._custom_getter is not None:
            scope.set_custom_getter(_maybe_wrap_custom_getter(self._custom_getter, old_getter))
        if self._dtype is not None:
            scope.set_dtype(as_dtype(self._dtype))
        if self._use_resource is not None:
            scope.set_use_resource(self._use_resource)

    def __enter__(self) -> VariableScope:
        state = self._state
        self._old = state.var_scope
        if isinstance(self._name_or_scope, VariableScope):
            _open_variable_scope(state.scope_counts, self._new_name)
            self._old_subscopes = copy.copy(state.scope_counts)
            scope = self._cached_variable_scope_object
        else:
            old = self._old
            self._new_name = (
                old.name + "/" + self._name_or_scope if old.name else self._name_or_scope
            )
            self._reuse = self._reuse or old.reuse
            name_scope = (
                self._name_or_scope if self._old_name_scope is None else self._old_name_scope
            )
            scope = VariableScope(
                self._reuse,
                name=self._new_name,
                initializer=old.initializer,
                regularizer=old.regularizer,
                caching_device=old.caching_device,
                partitioner=old.partitioner,
                dtype=old.dtype,
                use_resource=old.use_resource,
                custom_getter=old.custom_getter,
                name_scope=name_scope,
                constraint=self._constraint,
            )
            self._apply_overrides(scope, old.custom_getter)
            _open_variable_scope(state.scope_counts, self._new_name)
        state.var_scope = scope
        self._last_variable_scope_object = scope
        return scope

    def __exit__(self, *exc: Any) -> None:
        state = self._state
        if state.var_scope is not self._last_variable_scope_object:
            raise RuntimeError("Improper nesting of variable_scope.")
        if isinstance(self._name_or_scope, VariableScope):
            state.scope_counts = self._old_subscopes
        else:
            _close_variable_subscopes(state.scope_counts, self._new_name)
        state.var_scope = self._old


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
        reuse: bool | _ReuseMode | None = None,
        dtype: Any = None,
        use_resource: bool | None = None,
        constraint: Callable | None = None,
        auxiliary_name_scope: bool = True,
    ) -> None:
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._values = values
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._reuse = reuse
        self._dtype = dtype
        self._use_resource = use_resource
        self._constraint = constraint
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if self._reuse is False:
            self._reuse = None  # False means "inherit", like None.
        if not (self._reuse is True or self._reuse is None or self._reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None.")
        # A custom_getter that is not callable fails in get_variable, as in TF, not here.
        self._cached_pure_variable_scope: _pure_variable_scope | None = None
        self._current_name_scope: _GraphNameScope | None = None
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError(
                "The auxiliary_name_scope must be `True` or `False`, while get "
                f"{auxiliary_name_scope}"
            )
        self._auxiliary_name_scope = auxiliary_name_scope

    def _pure(self, name_or_scope: str | VariableScope, old_name_scope: str | None, reuse):
        return _pure_variable_scope(
            name_or_scope,
            reuse=reuse,
            initializer=self._initializer,
            regularizer=self._regularizer,
            caching_device=self._caching_device,
            partitioner=self._partitioner,
            custom_getter=self._custom_getter,
            old_name_scope=old_name_scope,
            dtype=self._dtype,
            use_resource=self._use_resource,
            constraint=self._constraint,
        )

    def __enter__(self) -> VariableScope:
        if self._cached_pure_variable_scope is not None:
            if self._current_name_scope is not None:
                self._current_name_scope.__enter__()
            return self._cached_pure_variable_scope.__enter__()
        return self._enter_scope_uncached()

    def _enter_scope_uncached(self) -> VariableScope:
        current_name_scope: _GraphNameScope | None
        if self._auxiliary_name_scope:
            current_name_scope = None
        else:
            stack = store.current().name_stack
            current_name_scope = _GraphNameScope(stack + "/" if stack else stack)

        name_or_scope = self._name_or_scope
        if name_or_scope is not None:
            if not isinstance(name_or_scope, (VariableScope, str)):
                raise TypeError("VariableScope: name_or_scope must be a string or VariableScope.")
            if isinstance(name_or_scope, str):
                scope_name = name_or_scope
            else:
                scope_name = name_or_scope.name.split("/")[-1]
            if scope_name or current_name_scope:
                current_name_scope = current_name_scope or _GraphNameScope(scope_name)
                entered_name = current_name_scope.__enter__()
                self._current_name_scope = current_name_scope
                if isinstance(name_or_scope, str):
                    old_name_scope = entered_name
                else:
                    old_name_scope = name_or_scope.original_name_scope
                pure = self._pure(name_or_scope, old_name_scope, self._reuse)
            else:
                self._current_name_scope = None
                pure = self._pure(name_or_scope, None, self._reuse)
            try:
                entered = pure.__enter__()
            except BaseException:
                if self._current_name_scope is not None:
                    self._current_name_scope.__exit__(None, None, None)
                raise
            self._cached_pure_variable_scope = pure
            return entered

        if self._reuse:
            raise ValueError("reuse=True cannot be used without a name_or_scope")
        current_name_scope = current_name_scope or _GraphNameScope(self._default_name)
        entered_name = current_name_scope.__enter__()
        self._current_name_scope = current_name_scope
        unique_default_name = _get_unique_variable_scope(self._default_name)
        pure = self._pure(unique_default_name, entered_name, None)
        entered = pure.__enter__()
        self._cached_pure_variable_scope = pure
        return entered

    def __exit__(self, *exc: Any) -> None:
        try:
            assert self._cached_pure_variable_scope is not None
            self._cached_pure_variable_scope.__exit__(*exc)
        finally:
            if self._current_name_scope is not None:
                self._current_name_scope.__exit__(*exc)
