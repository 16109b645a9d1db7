"""The dtype rules of saving and loading, shared by the writer, the reader and the sharded
save: the dtype a variable is saved as, and a loaded value's conversion to its variable's
dtype (exact, or JAX's 32-bit form of a 64-bit checkpoint dtype)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import numpy as np


def save_dtype(name: str, dtype: np.dtype, dtypes: Mapping[str, Any]) -> np.dtype:
    """The dtype variable ``name`` is saved as: ``dtypes[name]`` if given, int64 for an
    integer ``global_step`` (as TF1 keeps it), else its own."""
    if name in dtypes:
        return np.dtype(dtypes[name])
    if (name == "global_step" or name.endswith("/global_step")) and np.issubdtype(
        dtype, np.integer
    ):
        return np.dtype(np.int64)
    return dtype


def template_dtype(value: Any) -> np.dtype:
    """The dtype of a variable's current value (an array, or a Python/NumPy value)."""
    return np.dtype(value.dtype) if hasattr(value, "dtype") else np.asarray(value).dtype


def convert_loaded(name: str, value: np.ndarray, target: np.dtype, source: str) -> np.ndarray:
    """``value`` as ``target``: exact, or JAX's 32-bit form of a 64-bit checkpoint dtype."""
    if value.dtype == target:
        return value
    canonical = np.dtype(jax.dtypes.canonicalize_dtype(value.dtype))
    if canonical != target:
        raise ValueError(
            f"Variable {name}: {source} has dtype {value.dtype.name} but the variable is "
            f"{target.name}. TensorFlow refuses this too; create the variable with dtype "
            f"{value.dtype.name} or cast the loaded value yourself."
        )
    if np.issubdtype(target, np.integer) and value.size:
        info = np.iinfo(target)
        if value.min() < info.min or value.max() > info.max:
            raise ValueError(
                f"Variable {name}: {source} holds {value.dtype.name} values outside the "
                f"{target.name} range, and JAX without 64-bit mode stores it as "
                f"{target.name}. Enable it first: jax.config.update('jax_enable_x64', True)."
            )
    return value.astype(target)
