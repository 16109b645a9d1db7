"""``tf.contrib.metrics``: the ``streaming_*`` metrics (:mod:`flaxscope.slim.metrics`)."""

from flaxscope.slim.metrics import *  # noqa: F403
from flaxscope.slim.metrics import __all__  # noqa: F401
