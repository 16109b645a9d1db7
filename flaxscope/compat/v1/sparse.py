"""``tf.sparse``: ``SparseTensor`` and the ops registered under it (see :mod:`flaxscope.ops`)."""

from flaxscope.compat.v1._namespace import populate
from flaxscope.ops.sparse import SparseTensor

__all__ = ["SparseTensor"]

populate(globals(), "sparse")
