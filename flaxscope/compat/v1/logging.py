"""``tf.logging``: the ops registered under it (see :mod:`flaxscope.ops`)."""

from flaxscope.compat.v1._namespace import populate
from flaxscope.ops.logging import DEBUG, ERROR, FATAL, INFO, WARN

populate(globals(), "logging")

__all__ = ["DEBUG", "ERROR", "FATAL", "INFO", "WARN"]
