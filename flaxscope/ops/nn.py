"""TF1's nn ops (``tf.*`` family ``nn``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
