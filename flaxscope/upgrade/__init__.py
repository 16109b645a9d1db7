"""``flaxscope-upgrade``: converts TF1 source to flaxscope, with a report of what is left.

The counterpart of TensorFlow's ``tf_upgrade_v2`` for the move from TF1 to JAX. It
rewrites, on a concrete syntax tree (LibCST, so comments and formatting stay):

- the imports (``import tensorflow as tf`` -> ``import flaxscope.compat.v1 as tf``, and
  ``tf.contrib`` modules that have an equivalent);
- ``tf.contrib`` and pre-1.0 names (one table: :mod:`flaxscope.upgrade.renames`);
- shape methods JAX arrays lack (:mod:`flaxscope.upgrade.shapes`);
- ``tf.placeholder`` lines into arguments of the function that builds the model;

and reports every change and every line a person must still port
(:mod:`flaxscope.upgrade.findings`), each with its section of ``docs/migration.md``.
"""

from typing import Any

from flaxscope.upgrade.report import Change, FileReport, Finding, format_report

__all__ = [
    "Change",
    "FileReport",
    "Finding",
    "format_report",
    "upgrade_file",
    "upgrade_source",
    "upgrade_tree",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: the converter needs LibCST (the `upgrade` extra), the
    # library does not, and `flaxscope-upgrade` says so when it is missing.
    if name in ("upgrade_file", "upgrade_source", "upgrade_tree"):
        from flaxscope.upgrade import files  # noqa: PLC0415 - needs LibCST: on first use

        return getattr(files, name)
    raise AttributeError(f"module 'flaxscope.upgrade' has no attribute {name!r}")
