"""Random keys for variable initializers.

TF1 initializers take ``(shape, dtype, partition_info)`` and draw from the graph's seed.
flaxscope gives every variable its own key, ``jax.random.fold_in(rng, stable_hash(name))``,
so initial values do not depend on creation order. While an initializer runs, that key is
available through :func:`current_key`; flaxscope's initializers read it when they are called
with TF1's signature (no ``key=``).
"""

from __future__ import annotations

import contextlib
import contextvars
import zlib
from collections.abc import Iterator

import jax

_INIT_KEY: contextvars.ContextVar[jax.Array | None] = contextvars.ContextVar(
    "flaxscope_init_key", default=None
)


def stable_hash(name: str) -> int:
    """A 32-bit hash of ``name`` that is the same in every process (never Python's ``hash``)."""
    return zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF


def variable_key(rng: jax.Array, name: str) -> jax.Array:
    """The key a variable called ``name`` is initialized with: ``fold_in(rng, stable_hash(name))``."""
    return jax.random.fold_in(rng, stable_hash(name))


def current_key() -> jax.Array:
    """The key of the variable whose initializer is running now.

    Raises:
      ValueError: outside a variable's initialization and with no ``key=`` given.
    """
    key = _INIT_KEY.get()
    if key is None:
        raise ValueError(
            "This initializer needs a random key, and none is set. Call it with key=... "
            "(initializer(shape, dtype, key=jax.random.key(0))) or let get_variable call it."
        )
    return key


@contextlib.contextmanager
def key_context(key: jax.Array | None) -> Iterator[None]:
    """Makes ``key`` the value of :func:`current_key` inside the ``with`` block."""
    token = _INIT_KEY.set(key)
    try:
        yield
    finally:
        _INIT_KEY.reset(token)
