"""``tf.metrics`` (``tf.compat.v1.metrics``): TF1's streaming metrics, from
:mod:`flaxscope.metrics` (see there how ``(value, update_op)`` maps onto ``apply``)."""

from flaxscope import metrics as _metrics
from flaxscope.compat.v1._namespace import populate

# every metric of flaxscope.metrics; mean_iou_of is flaxscope's own helper, not TF1's
__all__ = [name for name in _metrics.__all__ if name != "mean_iou_of"]
globals().update({name: getattr(_metrics, name) for name in __all__})

populate(globals(), "metrics")
