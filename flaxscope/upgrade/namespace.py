"""What the installed flaxscope offers under ``import flaxscope.compat.v1 as tf``.

The converter rewrites TF1 names to TF1 names (``tf.mul`` -> ``tf.multiply``); whether
flaxscope has the result is a question for the installed package, asked here, so the
report stays true as ops are added. Paths are relative to ``tf.`` (``"nn.rnn_cell"``).
"""

from __future__ import annotations

import functools
import importlib
import types
from typing import Any

ROOT_MODULE = "flaxscope.compat.v1"

_MISSING = object()


@functools.cache
def _root() -> Any:
    return importlib.import_module(ROOT_MODULE)


def _walk(path: str) -> tuple[Any, str | None]:
    """The object at ``tf.<path>``, or ``(_MISSING, message)`` at the first missing part."""
    obj = _root()
    if not path:
        return obj, None
    for part in path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as e:
            return _MISSING, str(e) or f"no attribute {part!r}"
        except Exception as e:  # a property that cannot run on a class: it exists
            return type(e), None
    return obj, None


class Namespace:
    """Answers "does ``tf.<path>`` exist in flaxscope, and where does it live?" (cached)."""

    def __init__(self) -> None:
        self._cache: dict[str, str | None] = {}
        self._ops: frozenset[str] | None = None

    def missing(self, path: str) -> str | None:
        """``None`` if ``tf.<path>`` exists, else the reason (flaxscope's own message)."""
        if path in self._cache:
            return self._cache[path]
        obj, reason = _walk(path)
        if obj is not _MISSING:
            reason = None
        self._cache[path] = reason
        return reason

    def is_op(self, path: str) -> bool:
        """Whether ``tf.<path>`` is one of flaxscope's registered ops (returns arrays)."""
        if self._ops is None:
            ops = importlib.import_module("flaxscope.ops")
            self._ops = frozenset(ops.registry())
        return path in self._ops

    def module_name(self, path: str) -> str | None:
        """The importable module behind ``tf.<path>`` (``"nn.rnn_cell"`` ->
        ``"flaxscope.nn.rnn_cell"``), or ``None`` when it is not a module."""
        obj, _ = _walk(path)
        if isinstance(obj, types.ModuleType):
            return obj.__name__
        return None
