"""TF1's global step: the non-trainable ``global_step`` variable of the current call."""

from __future__ import annotations

import jax

from flaxscope.initializers import zeros_initializer
from flaxscope.scopes import name_scope
from flaxscope.store import GraphKeys
from flaxscope.variables import get_collection, get_variable

__all__ = ["create_global_step", "get_global_step", "get_or_create_global_step"]


def get_global_step() -> jax.Array | None:
    """``tf.compat.v1.train.get_global_step``: the ``global_step`` variable of this call."""
    steps = get_collection(GraphKeys.GLOBAL_STEP)
    return steps[0].value if steps else None


def get_or_create_global_step() -> jax.Array:
    """``tf.compat.v1.train.get_or_create_global_step``: a non-trainable ``global_step``.

    As in TF1 it is an int64 scalar (int32 without ``jax_enable_x64``) in the
    ``GLOBAL_VARIABLES`` and ``GLOBAL_STEP`` collections, under the current variable scope,
    so it lives in ``variables["state"]``; advance it with ``flaxscope.assign_add``.
    """
    step = get_global_step()
    if step is not None:
        return step
    with name_scope(None):
        return get_variable(
            GraphKeys.GLOBAL_STEP,
            shape=[],
            # int64 as in TF1 where JAX has it; a TF1 checkpoint's int64 step loads either way.
            dtype="int64" if jax.config.jax_enable_x64 else "int32",
            initializer=zeros_initializer(),
            trainable=False,
            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
        )


def create_global_step() -> jax.Array:
    """``tf.compat.v1.train.create_global_step``: like :func:`get_or_create_global_step`,
    but an error if this call already has one."""
    if get_global_step() is not None:
        raise ValueError('"global_step" already exists.')
    return get_or_create_global_step()
