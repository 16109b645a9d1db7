"""TF-Slim's ``arg_scope``: default keyword arguments for decorated layer functions.

``with arg_scope([conv2d, fully_connected], weights_regularizer=reg): ...`` makes every call
of those functions inside the block receive ``weights_regularizer=reg`` unless the call
gives it itself. Only functions wrapped by :func:`add_arg_scope` consult the scopes (all of
:mod:`flaxscope.slim`'s layers are). Scopes nest: an inner scope starts from a copy of the
outer one, and a function listed in both gets the outer arguments updated by the inner.
A scope can be captured (``with arg_scope(...) as sc``) and re-entered later
(``with arg_scope(sc): ...``), as model definitions such as ``vgg_arg_scope()`` do.

TF1 equivalent: ``tf.contrib.framework.arg_scope`` / ``tf_slim.arg_scope``. The stack is
per thread; it is plain Python state, so it behaves the same under ``jax.jit`` tracing.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = [
    "add_arg_scope",
    "arg_scope",
    "arg_scope_func_key",
    "arg_scoped_arguments",
    "current_arg_scope",
    "has_arg_scope",
]

_local = threading.local()
_decorated: set[str] = set()


def _stack() -> list[dict[str, dict[str, Any]]]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = [{}]
    return stack


def arg_scope_func_key(op: Any) -> str:
    """The key under which a scope stores ``op``'s arguments."""
    return getattr(op, "arg_scope_key", str(op))


def current_arg_scope() -> dict[str, dict[str, Any]]:
    """The innermost scope: ``{function key: {argument: value}}``."""
    return _stack()[-1]


def has_arg_scope(func: Callable) -> bool:
    """Whether ``func`` was decorated with :func:`add_arg_scope`."""
    return arg_scope_func_key(func) in _decorated


def arg_scoped_arguments(func: Callable) -> list[str]:
    """The argument names a scope can set for ``func``."""
    if not has_arg_scope(func):
        raise ValueError(f"{func} is not decorated with @add_arg_scope")
    return list(func.arg_scope_args)  # type: ignore[attr-defined]


def _qualified_name(op: Any) -> tuple[str, str]:
    return (getattr(op, "__module__", "?"), getattr(op, "__name__", repr(op)))


@contextlib.contextmanager
def arg_scope(
    list_ops_or_scope: Sequence[Callable] | dict[str, dict[str, Any]], **kwargs: Any
) -> Iterator[dict[str, dict[str, Any]]]:
    """Sets default ``kwargs`` for the functions in ``list_ops_or_scope`` (a list or tuple),
    or re-enters a scope captured earlier (a dict, with no ``kwargs``); yields the scope."""
    if isinstance(list_ops_or_scope, dict):
        if kwargs:
            # TF's text (its missing space included), so a search finds the same cause.
            raise ValueError(
                "When attempting to re-use a scope by suppling adictionary, kwargs must be empty."
            )
        scope = dict(list_ops_or_scope)
    else:
        if not isinstance(list_ops_or_scope, (list, tuple)):
            raise TypeError(
                "list_ops_or_scope must either be a list/tuple or reused scope (i.e. dict)"
            )
        scope = dict(current_arg_scope())
        for op in list_ops_or_scope:
            if not has_arg_scope(op):
                module, name = _qualified_name(op)
                raise ValueError(
                    f"{module}.{name} is not decorated with @add_arg_scope: arg_scope can set "
                    "arguments of slim's layer functions (or of your own function after "
                    "@add_arg_scope); pass the arguments to this one directly"
                )
            key = arg_scope_func_key(op)
            scope[key] = {**scope.get(key, {}), **kwargs}
    stack = _stack()
    stack.append(scope)
    try:
        yield scope
    finally:
        stack.pop()


def add_arg_scope(func: Callable) -> Callable:
    """Decorates ``func`` so that the enclosing :func:`arg_scope` supplies keyword arguments
    the call does not give."""
    module, name = _qualified_name(func)
    key = f"{module}.{name}"

    @functools.wraps(func)
    def with_scope(*args: Any, **kwargs: Any) -> Any:
        defaults = current_arg_scope().get(key)
        if defaults:
            kwargs = {**defaults, **kwargs}
        return func(*args, **kwargs)

    # (TF named these _key_op and _args)
    with_scope.arg_scope_key = key  # type: ignore[attr-defined]
    with_scope.arg_scope_args = [  # type: ignore[attr-defined]
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    _decorated.add(key)
    return with_scope
