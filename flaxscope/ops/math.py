"""TF1's math ops (``tf.*`` family ``math``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
