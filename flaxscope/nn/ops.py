"""``tf.nn.dropout`` on the call's random keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from flaxscope.transform import next_rng_key


def dropout(
    x: Any,
    keep_prob: Any = None,
    noise_shape: Sequence[int] | None = None,
    seed: int | None = None,
    name: str | None = None,
    rate: Any = None,
) -> jax.Array:
    """``tf.compat.v1.nn.dropout``: zeroes elements with probability ``rate`` (or
    ``1 - keep_prob``) and scales the rest by ``1 / (1 - rate)``.

    The key comes from :func:`flaxscope.next_rng_key` (``apply(..., rng=key)``); ``seed``
    is folded into it. A Python ``rate`` of 0 (``keep_prob=1.0``) returns ``x`` unchanged
    and needs no key, so evaluation runs without one.
    """
    del name
    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'rate' and 'keep_prob'.")
    if keep_prob is not None:
        if isinstance(keep_prob, (int, float)) and not 0 < keep_prob <= 1:
            raise ValueError(
                f"keep_prob must be a scalar tensor or a float in the range (0, 1], got {keep_prob}"
            )
        rate = 1 - keep_prob
    if rate is None:
        raise ValueError("Either 'rate' or 'keep_prob' must be specified.")
    x = jnp.asarray(x)
    if isinstance(rate, (int, float)):
        if not 0 <= rate < 1:
            raise ValueError(
                f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}"
            )
        if rate == 0:
            return x
    try:
        key = next_rng_key()
    except ValueError as e:
        if isinstance(rate, (int, float)):
            raise
        raise ValueError(
            f"{e} Here keep_prob/rate is a traced value (an argument of jax.jit, as a TF1 "
            "keep_prob placeholder becomes), so whether it is 1.0 is not known when the "
            "function is traced: pass rng= when evaluating too, or make it a Python float "
            "(a closure, or jax.jit(..., static_argnums=...))."
        ) from None
    if seed is not None:
        key = jax.random.fold_in(key, seed & 0xFFFFFFFF)
    shape = x.shape if noise_shape is None else tuple(noise_shape)
    keep = jax.random.uniform(key, shape, dtype=x.dtype) >= rate
    return jnp.where(keep, x / (1 - jnp.asarray(rate, x.dtype)), jnp.zeros((), x.dtype))
