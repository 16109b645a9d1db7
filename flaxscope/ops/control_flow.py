"""TF1's control flow ops (``tf.*`` family ``control_flow``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
