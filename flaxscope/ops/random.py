"""TF1's random ops (``tf.*`` family ``random``), registered with :func:`~flaxscope.ops._registry.tf_op`."""

from __future__ import annotations
