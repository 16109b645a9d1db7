"""``tf.losses``: the loss collection helpers and the registered loss functions."""

from flaxscope.compat.v1._namespace import populate
from flaxscope.losses import add_loss, get_losses, get_regularization_losses, get_total_loss
from flaxscope.ops.losses import Reduction
from flaxscope.variables import get_regularization_loss

__all__ = [
    "Reduction",
    "add_loss",
    "get_losses",
    "get_regularization_loss",
    "get_regularization_losses",
    "get_total_loss",
]

populate(globals(), "losses")
