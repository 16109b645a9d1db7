"""TF1's image ops (``tf.image.*``), registered with :func:`~flaxscope.ops._registry.tf_op`.

By kind: ``resize`` (TF1's resize kernels and ``ResizeMethod``), ``adjust`` (flips, crops,
pads, standardization, dtype and color conversions) and ``boxes`` (``crop_and_resize``,
non-max suppression). Importing the package registers every op.
"""

from flaxscope.ops.image import adjust, boxes, colors, geometry, quality, resize
from flaxscope.ops.image.resize import ResizeMethod

__all__ = ["ResizeMethod", "adjust", "boxes", "colors", "geometry", "quality", "resize"]
