"""Shared by the ``tf.nn`` op modules: the alias filter for paths another family may have
claimed, the array conversion, and the softmax-axis argument and its check.

Importing it registers the ``tf.math`` family first (some nn ops' ``tf.math.*``/top-level
aliases belong to it) and the conv/pool ops (TF1's ``tf.nn`` namespace holds both).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops import math as _math  # noqa: F401 (its tf.math names register first)
from flaxscope.ops import nn_conv as _nn_conv  # noqa: F401 (registers the conv/pool ops)
from flaxscope.ops._convert import renamed
from flaxscope.ops._registry import registry

Array = jax.Array


def tf_paths(*paths: str) -> tuple[str, ...]:
    """``paths`` less those another family already registered: the top-level and
    ``tf.math`` aliases of some nn ops (``tf.sigmoid``, ``tf.math.tanh``) may be claimed
    by the math family, and one implementation per path is enough."""
    taken = registry()
    return tuple(p for p in paths if p.startswith("nn.") or p not in taken)


def as_float(x: Any) -> Array:
    """``x`` as an array (the nn ops' inputs keep their dtype, as TF's do)."""
    return jnp.asarray(x)


def softmax_axis(axis: int | None, dim: int | None) -> int:
    axis = renamed("axis", axis, "dim", dim)
    return -1 if axis is None else int(axis)


def check_axis(x: Array, axis: int, what: str = "dim") -> None:
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(
            f"`{what}` must be in the range [{-x.ndim}, {x.ndim}) where {x.ndim} is the "
            f"number of dimensions in the input. Received: {what}={axis}"
        )
