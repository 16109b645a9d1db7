"""``tf.contrib.util``: ``constant_value``."""

from typing import Any

import jax
import numpy as np

from flaxscope.compat.v1._missing import missing_message

__all__ = ["constant_value"]


def constant_value(tensor: Any, partial: bool = False) -> np.ndarray | None:
    """``tf.contrib.util.constant_value``: the value as a NumPy array when it is known while
    the program is built (anything but a traced value), else ``None``."""
    del partial
    if isinstance(tensor, jax.core.Tracer):
        return None
    return np.asarray(tensor)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(missing_message(f"contrib.util.{name}"))
