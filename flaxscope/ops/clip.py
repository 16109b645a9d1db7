"""TF1's clip ops (``tf.*`` family ``clip``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
