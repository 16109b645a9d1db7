"""``tf.contrib.losses``: slim's losses (logits first, contrib's weighting)."""

from flaxscope.slim.losses import *  # noqa: F403
from flaxscope.slim.losses import __all__  # noqa: F401
