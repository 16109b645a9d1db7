"""``tf.flags`` and ``tf.app.flags``: absl's command-line flags, as TF1 re-exported them.

Everything in :mod:`absl.flags` is here, with TF1's two additions:

- the ``DEFINE_*`` functions also take TF1's older keyword names (``flag_name``,
  ``default_value``, ``docstring`` for ``name``, ``default``, ``help``);
- ``FLAGS`` reads ``sys.argv`` itself the first time a flag's value is asked for, ignoring
  arguments it does not know, so a script that reads ``FLAGS.batch_size`` without
  ``tf.app.run`` (a notebook, a test, module-level code) works as it did under TF1, where
  absl alone raises ``UnparsedFlagAccessError``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from absl import flags as _absl_flags

_TF1_KEYWORDS = {"flag_name": "name", "default_value": "default", "docstring": "help"}


def _with_tf1_keywords(define: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(define)
    def define_flag(*args: Any, **kwargs: Any) -> Any:
        for old, new in _TF1_KEYWORDS.items():
            if old in kwargs:
                kwargs[new] = kwargs.pop(old)
        return define(*args, **kwargs)

    return define_flag


class _FlagsParsedOnFirstRead:
    """``tf.flags.FLAGS``: absl's ``FLAGS``, parsed from ``sys.argv`` (known flags only)
    when a flag is first read before anything parsed it."""

    def __init__(self, flag_values: _absl_flags.FlagValues) -> None:
        object.__setattr__(self, "_flag_values", flag_values)

    def _values(self) -> _absl_flags.FlagValues:
        values = object.__getattribute__(self, "_flag_values")
        if not values.is_parsed():
            values(sys.argv, known_only=True)
        return values

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_flag_values")
        if name in values:  # a flag: its value, parsing first if need be
            return getattr(self._values(), name)
        return getattr(values, name)  # FlagValues' own methods

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._values(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(object.__getattribute__(self, "_flag_values"), name)

    def __getitem__(self, name: str) -> Any:
        return object.__getattribute__(self, "_flag_values")[name]

    def __contains__(self, name: str) -> bool:
        return name in object.__getattribute__(self, "_flag_values")

    def __iter__(self) -> Any:
        return iter(object.__getattribute__(self, "_flag_values"))

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "_flag_values"))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return object.__getattribute__(self, "_flag_values")(*args, **kwargs)

    def __dir__(self) -> list[str]:
        return dir(object.__getattribute__(self, "_flag_values"))


def _export() -> list[str]:
    names = []
    for name in _absl_flags.__all__:
        value = getattr(_absl_flags, name)
        globals()[name] = _with_tf1_keywords(value) if name.startswith("DEFINE") else value
        names.append(name)
    return names


__all__ = _export()
FLAGS = _FlagsParsedOnFirstRead(_absl_flags.FLAGS)
