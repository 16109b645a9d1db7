"""TF1's array ops (``tf.*`` family ``array``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
