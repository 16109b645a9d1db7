"""``tf.manip``: the ops registered under it (see :mod:`flaxscope.ops`)."""

from flaxscope.compat.v1._namespace import populate

populate(globals(), "manip")
