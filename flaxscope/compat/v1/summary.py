"""``tf.summary``: the ops registered under it (see :mod:`flaxscope.ops`)."""

from flaxscope.compat.v1._namespace import populate
from flaxscope.ops.summary import FileWriter, Summary

populate(globals(), "summary")

__all__ = ["FileWriter", "Summary"]
