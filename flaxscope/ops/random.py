"""TF1's random ops (``tf.random_*``, ``tf.random.*``), registered with
:func:`~flaxscope.ops._registry.tf_op`.

Every op draws its key from :func:`flaxscope.transform.next_rng_key` (``init``'s key, the
``rng=`` of ``apply``, the default graph's seed), so a call is reproducible and each op in
it gets its own stream; an op-level ``seed=`` is folded into that key. The distributions
are TF1's (``truncated_normal`` redraws beyond two standard deviations, ``random_gamma``
never returns 0); the individual numbers are JAX's, not TF's Philox streams.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes as _dtypes
from flaxscope.ops._registry import tf_op
from flaxscope.transform import (
    draw_key,
    next_rng_key,
    note_draw,
    set_random_seed,
    unkeyed_key_count,
)

_FLOATS = ("float16", "bfloat16", "float32", "float64")
_UNIFORM_OK = (*_FLOATS, "int32", "int64")


def _key(seed: int | None, initial_value: bool = False) -> jax.Array:
    """The op's key; ``initial_value``: the op may be a variable's initial value (see
    :func:`flaxscope.transform.draw_key`)."""
    key = draw_key() if initial_value else next_rng_key()
    if seed is not None:
        key = jax.random.fold_in(key, int(seed) & 0xFFFFFFFF)
    return key


def _may_initialize(fn: Callable[..., jax.Array]) -> Callable[..., jax.Array]:
    """A draw TF1 code also uses as a ``tf.Variable``'s initial value: in an ``apply`` call
    without a key that use needs none (apply reads the variable from the tree)."""

    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> jax.Array:
        before = unkeyed_key_count()
        return note_draw(fn(*args, **kwargs), before)

    return op


def _shape(shape: Any) -> tuple[int, ...]:
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    if isinstance(shape, jax.core.Tracer):
        raise TypeError(
            "A random op's shape must be known when the function is traced (JAX arrays "
            "have static shapes): pass a Python list, or x.shape instead of tf.shape(x)."
        )
    dims = np.asarray(shape).reshape(-1)
    if dims.size and not np.issubdtype(dims.dtype, np.integer):
        raise TypeError(f"shape must be a list of integers, got {shape!r}.")
    return tuple(int(d) for d in dims)


def _check_dtype(dtype: Any, accepted: tuple[str, ...]) -> np.dtype:
    dtype = _dtypes.as_dtype(dtype)
    if dtype.name not in accepted:
        listed = ", ".join(f"tf.{name}" for name in accepted)
        raise ValueError(
            f"Argument `dtype` got invalid value <dtype: '{dtype.name}'>. Accepted dtypes "
            f"are ({listed})."
        )
    return dtype


@tf_op("random_uniform", "random.uniform", family="random", default_name="random_uniform")
@_may_initialize
def random_uniform(
    shape: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.random_uniform``: uniform in ``[minval, maxval)``; ``maxval`` defaults to 1 for
    floats and is required for integer dtypes (``int32``/``int64``)."""
    del name
    dtype = _check_dtype(dtype, _UNIFORM_OK)
    integer = jnp.issubdtype(dtype, jnp.integer)
    if maxval is None:
        if integer:
            raise ValueError(f"Must specify maxval for integer dtype tf.{dtype.name}")
        maxval = 1
    shape = _shape(shape)
    key = _key(seed, initial_value=True)
    if integer:
        low, high = jnp.asarray(minval, dtype), jnp.asarray(maxval, dtype)
        if not isinstance(low, jax.core.Tracer) and not isinstance(high, jax.core.Tracer):
            if np.any(np.asarray(low) >= np.asarray(high)):
                raise ValueError(f"Need minval < maxval, got {low} >= {high}")
        return jax.random.randint(key, shape, low, high, dtype=dtype)
    unit = jax.random.uniform(key, shape, dtype)
    if isinstance(minval, int) and minval == 0:
        return (
            unit if isinstance(maxval, int) and maxval == 1 else unit * jnp.asarray(maxval, dtype)
        )
    low, high = jnp.asarray(minval, dtype), jnp.asarray(maxval, dtype)
    return unit * (high - low) + low


@tf_op("random_normal", "random.normal", family="random", default_name="random_normal")
@_may_initialize
def random_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.random_normal``: normal values ``mean + stddev * N(0, 1)``."""
    del name
    dtype = _check_dtype(dtype, _FLOATS)
    draw = jax.random.normal(_key(seed, True), _shape(shape), dtype)
    return draw * jnp.asarray(stddev, dtype) + jnp.asarray(mean, dtype)


@tf_op(
    "truncated_normal", "random.truncated_normal", family="random", default_name="truncated_normal"
)
@_may_initialize
def truncated_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.truncated_normal``: normal values, those more than two standard deviations
    from the mean drawn again (a normal truncated to ``mean ± 2 stddev``)."""
    del name
    dtype = _check_dtype(dtype, _FLOATS)
    draw = jax.random.truncated_normal(_key(seed, True), -2.0, 2.0, _shape(shape), dtype)
    return draw * jnp.asarray(stddev, dtype) + jnp.asarray(mean, dtype)


def _categorical(logits: Any, num_samples: Any, dtype: Any, seed: int | None) -> jax.Array:
    dtype = _check_dtype(dtype if dtype is not None else _dtypes.int64, ("int32", "int64"))
    logits = jnp.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(f"logits should be a matrix, got shape {list(logits.shape)}")
    n = int(num_samples)
    if n < 0:
        raise ValueError(f"num_samples should be nonnegative, got {n}")
    batch = logits.shape[0]
    draws = jax.random.categorical(
        _key(seed), logits.astype(jnp.float32), axis=-1, shape=(n, batch)
    )
    return draws.T.astype(jax.dtypes.canonicalize_dtype(dtype))


@tf_op("multinomial", "random.multinomial", family="random", default_name="multinomial")
def multinomial(
    logits: Any,
    num_samples: Any,
    seed: int | None = None,
    name: str | None = None,
    output_dtype: Any = None,
) -> jax.Array:
    """``tf.multinomial``: ``num_samples`` class indices per row of ``logits``
    ``[batch, classes]`` (unnormalized log-probabilities), shape ``[batch, num_samples]``,
    ``int64`` (``int32`` without JAX's x64)."""
    del name
    return _categorical(logits, num_samples, output_dtype, seed)


@tf_op("random.categorical", family="random", default_name="categorical")
def categorical(
    logits: Any,
    num_samples: Any,
    dtype: Any = None,
    seed: int | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.random.categorical``: :func:`multinomial` with ``dtype`` for the indices."""
    del name
    return _categorical(logits, num_samples, dtype, seed)


@tf_op("random_shuffle", "random.shuffle", family="random", default_name="RandomShuffle")
def random_shuffle(value: Any, seed: int | None = None, name: str | None = None) -> jax.Array:
    """``tf.random_shuffle``: ``value`` with its first dimension randomly permuted."""
    del name
    value = jnp.asarray(value)
    if value.ndim == 0:
        return value
    return jax.random.permutation(_key(seed), value, axis=0, independent=False)


@tf_op("random_gamma", "random.gamma", family="random", default_name="random_gamma")
@_may_initialize
def random_gamma(
    shape: Any,
    alpha: Any,
    beta: Any = None,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.random_gamma``: Gamma(``alpha``, rate ``beta``) draws of shape ``shape +
    broadcast(alpha, beta).shape``, never below the dtype's smallest normal number."""
    del name
    dtype = _check_dtype(dtype, ("float16", "float32", "float64"))
    alpha = jnp.asarray(alpha, dtype)
    beta = jnp.ones((), dtype) if beta is None else jnp.asarray(beta, dtype)
    param_shape = jnp.broadcast_shapes(alpha.shape, beta.shape)
    out_shape = _shape(shape) + tuple(param_shape)
    key = _key(seed, True)
    draw = jax.random.gamma(key, jnp.broadcast_to(alpha, out_shape), out_shape, dtype)
    return jnp.maximum(jnp.asarray(np.finfo(dtype).tiny, dtype), draw / beta)


@tf_op("random_poisson", "random.poisson", family="random", default_name="random_poisson")
@_may_initialize
def random_poisson(
    lam: Any,
    shape: Any,
    dtype: Any = _dtypes.float32,
    seed: int | None = None,
    name: str | None = None,
) -> jax.Array:
    """``tf.random_poisson`` (TF1's argument order: ``lam`` first): Poisson(``lam``) counts
    of shape ``shape + lam.shape``, as ``dtype``."""
    del name
    dtype = _check_dtype(dtype, ("float16", "float32", "float64", "int32", "int64"))
    lam = jnp.asarray(lam, jnp.float32)
    out_shape = _shape(shape) + tuple(lam.shape)
    draw = jax.random.poisson(_key(seed, True), lam, out_shape)
    return draw.astype(jax.dtypes.canonicalize_dtype(dtype))


@tf_op("random_crop", "image.random_crop", family="random", default_name="random_crop")
def random_crop(
    value: Any, size: Any, seed: int | None = None, name: str | None = None
) -> jax.Array:
    """``tf.random_crop``: a slice of ``value`` of shape ``size`` at a uniformly random
    offset (``size`` must be known at trace time)."""
    del name
    value = jnp.asarray(value)
    size = _shape(size)
    if len(size) != value.ndim:
        raise ValueError(
            f"size must have one entry per dimension of value ({value.ndim}), got {list(size)}"
        )
    if any(s > d for s, d in zip(size, value.shape, strict=True)):
        raise ValueError(f"Need value.shape >= size, got {list(value.shape)} {list(size)}")
    limit = jnp.asarray(value.shape, jnp.int32) - jnp.asarray(size, jnp.int32) + 1
    unit = jax.random.uniform(_key(seed), (value.ndim,))
    offset = jnp.minimum((unit * limit).astype(jnp.int32), limit - 1)
    return jax.lax.dynamic_slice(value, tuple(offset), size)


@tf_op("random.set_random_seed", family="random", default_name=None)
def random_set_random_seed(seed: int) -> None:
    """``tf.random.set_random_seed``: :func:`flaxscope.set_random_seed`."""
    set_random_seed(seed)
