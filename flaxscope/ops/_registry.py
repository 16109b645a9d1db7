"""The one place where TF1 ops are declared.

Every ``tf.*`` function of :mod:`flaxscope.ops` is defined with :func:`tf_op`, which
records its TF1 paths (``"nn.relu"``, ``"add"``/``"math.add"``) and its family. From that
record:

- ``flaxscope.compat.v1`` builds the ``tf`` namespace and its sub-namespaces (``tf.nn``,
  ``tf.math``, ...);
- the coverage report counts which of TF1's symbols resolve;
- a later graph mode can wrap every op at once.

The wrapper it returns does what every TF1 op does besides its math: it takes ``name=``
(TF1: the op's name in the current name scope, uniquified, so a later
``tf.Variable(name=...)`` of the same name becomes ``name_1`` as in TF1), and it reads the
values of what ``tf.global_variables()``/``tf.get_collection`` return, as TF's ops accept
its variables.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flaxscope import scopes, store

F = TypeVar("F", bound=Callable[..., Any])

FAMILIES = (
    "math",
    "array",
    "dtypes",
    "nn",
    "losses",
    "random",
    "control_flow",
    "clip",
    "image",
    "summary",
    "logging",
    "train",
    "initializers",
    "other",
)


@dataclass(frozen=True)
class OpSpec:
    """One registered op: its TF1 paths (relative to ``tf.``), family and functions."""

    tf_names: tuple[str, ...]
    family: str
    fn: Callable[..., Any]  # what users call (the wrapper)
    impl: Callable[..., Any]  # the undecorated function
    default_name: str | None


_OPS: dict[str, OpSpec] = {}


def registry() -> dict[str, OpSpec]:
    """Every registered op by TF1 path (``"nn.relu"``), several paths per op possible."""
    return dict(_OPS)


def reserve_op_name(name: str) -> str:
    """Takes ``name`` in the current name scope as a TF1 op would; returns the full name.

    TF1's ops and name scopes share one namespace per graph, so an op ``"logits"`` makes a
    later ``tf.Variable(name="logits")`` come out as ``logits_1``.
    """
    state = scopes.current()
    full = f"{state.name_stack}/{name}" if state.name_stack else name
    return state.frame.unique_name(full)


def _read(value: Any) -> Any:
    """The array behind a variable record (``tf.trainable_variables()``'s items)."""
    if type(value) is store.VariableRecord:
        return value.value
    if type(value) in (list, tuple) and any(type(v) is store.VariableRecord for v in value):
        return type(value)(_read(v) for v in value)
    return value


def tf_op(
    *tf_names: str,
    family: str,
    default_name: str | None = None,
    reads_variables: bool = True,
) -> Callable[[F], F]:
    """Registers ``fn`` under TF1 paths (relative to ``tf.``), e.g. ``tf_op("nn.relu",
    family="nn", default_name="Relu")``.

    ``default_name`` is the name TF1 gives the op when ``name`` is not passed (its op type,
    or the name scope a composite op opens); the wrapper takes ``name or default_name`` in
    the current name scope. An op whose implementation opens a name scope itself (it calls
    ``flaxscope.name_scope``) passes ``default_name=None`` and handles ``name`` on its own.
    ``reads_variables=False`` keeps arguments as given (ops whose arguments are callables
    or structures the op walks itself).
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown op family {family!r}; one of {FAMILIES}")
    if not tf_names:
        raise ValueError("tf_op needs at least one TF1 path")

    def decorate(fn: F) -> F:
        takes_name = "name" in inspect.signature(fn).parameters

        @functools.wraps(fn)
        def op(*args: Any, **kwargs: Any) -> Any:
            if reads_variables:
                args = tuple(_read(a) for a in args)
                if kwargs:
                    kwargs = {k: _read(v) for k, v in kwargs.items()}
            if default_name is not None:
                name = kwargs.get("name") if takes_name else kwargs.pop("name", None)
                reserve_op_name(name or default_name)
            elif not takes_name:
                kwargs.pop("name", None)
            return fn(*args, **kwargs)

        spec = OpSpec(tuple(tf_names), family, op, fn, default_name)
        for path in tf_names:
            if path in _OPS:
                raise ValueError(f"tf.{path} is registered twice")
            _OPS[path] = spec
        op.tf_names = tuple(tf_names)  # type: ignore[attr-defined]
        return op  # type: ignore[return-value]

    return decorate
