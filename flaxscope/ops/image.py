"""TF1's image ops (``tf.*`` family ``image``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
