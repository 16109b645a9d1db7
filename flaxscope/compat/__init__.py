"""TF-compatible namespaces: ``import flaxscope.compat.v1 as tf``."""
