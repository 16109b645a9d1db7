"""TF1's logging ops (``tf.*`` family ``logging``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
