"""``tf.image``: the ops registered under it (see :mod:`flaxscope.ops`)."""

from flaxscope.compat.v1._namespace import populate
from flaxscope.ops.image import ResizeMethod

populate(globals(), "image")

__all__ = ["ResizeMethod"]
