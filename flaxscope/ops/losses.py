"""TF1's losses ops (``tf.*`` family ``losses``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
