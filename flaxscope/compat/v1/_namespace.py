"""Builds the modules of the ``tf`` namespace from the op registry.

Each module of :mod:`flaxscope.compat.v1` (``tf``, ``tf.nn``, ``tf.math``, ...) calls
:func:`populate` with its TF1 path: the registered ops under that path become its
attributes, and a name it does not have raises an ``AttributeError`` that gives the full
``tf.`` path and what to use instead.
"""

from __future__ import annotations

from typing import Any

from flaxscope.compat.v1._missing import missing_message
from flaxscope.ops import registry


def populate(namespace: dict[str, Any], prefix: str) -> None:
    """Adds the ops registered under ``prefix`` (``""`` for ``tf.`` itself) to a module's
    globals, and the module-level ``__getattr__`` for names it lacks."""
    dotted = f"{prefix}." if prefix else ""
    for path, spec in registry().items():
        if not path.startswith(dotted):
            continue
        rest = path[len(dotted) :]
        if "." in rest or rest in namespace:
            continue  # deeper namespaces fill their own module; explicit imports win
        namespace[rest] = spec.fn

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(missing_message(f"{dotted}{name}"))

    namespace["__getattr__"] = __getattr__
