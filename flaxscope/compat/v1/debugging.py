"""``tf.debugging``: the registered ``debugging`` ops (``tf.debugging.check_numerics``)."""

from flaxscope.compat.v1._namespace import populate

populate(globals(), "debugging")
