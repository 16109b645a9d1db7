"""``tf.app``: ``tf.app.run`` and ``tf.app.flags`` (:mod:`flaxscope.compat.v1.flags`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from absl import app as _absl_app

from flaxscope.compat.v1 import flags


def _known_flags_only(argv: Sequence[str]) -> list[str]:
    # unknown arguments stay in the argv given to main, as TF1's run left them
    return flags.FLAGS(list(argv), known_only=True)


def run(main: Callable[[list[str]], Any] | None = None, argv: list[str] | None = None) -> None:
    """``tf.app.run``: parses the known flags from ``argv`` (default ``sys.argv``), then
    exits with ``main(remaining_argv)``; ``main`` defaults to the ``main`` function of the
    script being run (``__main__.main``), as in TF1. absl's ``app.run`` does the work."""
    if main is None:
        main = sys.modules["__main__"].main
    _absl_app.run(main, argv=argv, flags_parser=_known_flags_only)


__all__ = ["flags", "run"]
