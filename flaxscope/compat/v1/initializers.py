"""``tf.initializers``: TF1's initializers (:mod:`flaxscope.initializers`)."""

from flaxscope.compat.v1._namespace import populate
from flaxscope.initializers import *  # noqa: F403
from flaxscope.initializers import __all__  # noqa: F401

populate(globals(), "initializers")
