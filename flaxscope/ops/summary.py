"""TF1's summary ops (``tf.*`` family ``summary``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
