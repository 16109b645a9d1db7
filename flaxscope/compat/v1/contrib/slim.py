"""``tf.contrib.slim``: :mod:`flaxscope.slim` (``import tensorflow.contrib.slim as slim``)."""

from flaxscope.slim import *  # noqa: F403  (the namespace is flaxscope.slim's own)
from flaxscope.slim import (  # noqa: F401
    __all__,
    __getattr__,
    initializers,
    losses,
    metrics,
    regularizers,
    utils,
)
