"""TF1's assertions (``tf.Assert``, ``tf.assert_equal`` and the other comparisons,
``assert_rank``...): checked at once on concrete values, and TF's error text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import errors
from flaxscope.ops._registry import tf_op


def _show(value: Any, summarize: int | None) -> str:
    if isinstance(value, (str, bytes)):
        return value.decode() if isinstance(value, bytes) else value
    flat = np.asarray(value).ravel()
    n = 3 if summarize is None else (flat.size if summarize < 0 else summarize)
    shown = " ".join(str(v) for v in flat[:n])
    return shown + ("..." if flat.size > n else "")


def _check(ok: Any, data: Sequence[Any], summarize: int | None, prefix: str) -> None:
    """Raises ``InvalidArgumentError`` now when ``ok`` is known, else when the computation
    runs (a host callback: under ``jax.jit`` the error surfaces from the call)."""
    texts = [d if isinstance(d, (str, bytes)) else None for d in data]
    arrays = [jnp.asarray(d) for d in data if not isinstance(d, (str, bytes))]

    def fail(ok: Any, *values: Any) -> None:
        if bool(np.all(np.asarray(ok))):
            return
        it = iter(values)
        shown = [_show(t if t is not None else next(it), summarize) for t in texts]
        raise errors.InvalidArgumentError(prefix + " ".join(f"[{s}]" for s in shown))

    if isinstance(ok, jax.core.Tracer) or any(isinstance(a, jax.core.Tracer) for a in arrays):
        jax.debug.callback(fail, ok, *arrays)
    else:
        fail(ok, *arrays)


@tf_op(
    "Assert", "debugging.Assert", family="control_flow", default_name="Assert", reads_variables=True
)
def Assert(  # noqa: N802  (TF1's name)
    condition: Any, data: Sequence[Any], summarize: int | None = None, name: str | None = None
) -> None:
    """``tf.Assert``: raises ``tf.errors.InvalidArgumentError`` ("assertion failed: [...]")
    when ``condition`` is false: at once when it is known, else when the function runs
    (through a host callback, so it also fires under ``jax.jit``). Returns ``None``: JAX
    keeps the check without a control dependency."""
    del name
    _check(jnp.asarray(condition), list(data), summarize, "assertion failed: ")


def _binary_assert(symbol: str, test: Callable[[Any, Any], Any]):
    def assertion(
        x: Any,
        y: Any,
        data: Sequence[Any] | None = None,
        summarize: int | None = None,
        message: str | None = None,
        name: str | None = None,
    ) -> None:
        del name
        x, y = jnp.asarray(x), jnp.asarray(y)
        shown = (
            list(data)
            if data is not None
            else [f"Condition x {symbol} y did not hold element-wise:", "x = ", x, "y = ", y]
        )
        _check(test(x, y), shown, summarize, f"{message or ''}\n" if message else "")

    assertion.__doc__ = (
        f"``tf.assert_*``: raises ``InvalidArgumentError`` unless ``x {symbol} y`` holds "
        "element-wise (broadcasting), at once when known, else when run; returns ``None``."
    )
    return assertion


def _unary_assert(symbol: str, test: Callable[[Any], Any]):
    def assertion(
        x: Any,
        data: Sequence[Any] | None = None,
        summarize: int | None = None,
        message: str | None = None,
        name: str | None = None,
    ) -> None:
        del name
        x = jnp.asarray(x)
        shown = (
            list(data) if data is not None else [f"Condition x {symbol} did not hold:", "x = ", x]
        )
        _check(test(x), shown, summarize, f"{message or ''}\n" if message else "")

    assertion.__doc__ = (
        f"``tf.assert_*``: raises ``InvalidArgumentError`` unless ``x {symbol}`` holds "
        "element-wise, at once when known, else when run; returns ``None``."
    )
    return assertion


for _name, _symbol, _test in (
    ("assert_equal", "==", jnp.equal),
    ("assert_none_equal", "!=", jnp.not_equal),
    ("assert_less", "<", jnp.less),
    ("assert_less_equal", "<=", jnp.less_equal),
    ("assert_greater", ">", jnp.greater),
    ("assert_greater_equal", ">=", jnp.greater_equal),
):
    globals()[_name] = tf_op(
        _name, f"debugging.{_name}", family="control_flow", default_name=_name
    )(_binary_assert(_symbol, _test))
for _name, _symbol, _utest in (
    ("assert_positive", "> 0", lambda x: x > 0),
    ("assert_negative", "< 0", lambda x: x < 0),
    ("assert_non_negative", ">= 0", lambda x: x >= 0),
    ("assert_non_positive", "<= 0", lambda x: x <= 0),
):
    globals()[_name] = tf_op(
        _name, f"debugging.{_name}", family="control_flow", default_name=_name
    )(_unary_assert(_symbol, _utest))


@tf_op("assert_rank", "debugging.assert_rank", family="control_flow", default_name="assert_rank")
def assert_rank(
    x: Any,
    rank: int,
    data: Any = None,
    summarize: Any = None,
    message: str | None = None,
    name: str | None = None,
) -> None:
    """``tf.assert_rank``: ``ValueError`` unless ``x`` has rank ``rank`` (JAX ranks are
    static, so the check is immediate)."""
    ndim = jnp.ndim(x)
    if ndim != int(rank):
        raise ValueError(
            f"{message or ''}Tensor must have rank {int(rank)}.  Received rank {ndim}, shape "
            f"{tuple(jnp.shape(x))}"
        )


@tf_op(
    "assert_rank_at_least",
    "debugging.assert_rank_at_least",
    family="control_flow",
    default_name="assert_rank_at_least",
)
def assert_rank_at_least(
    x: Any,
    rank: int,
    data: Any = None,
    summarize: Any = None,
    message: str | None = None,
    name: str | None = None,
) -> None:
    """``tf.assert_rank_at_least``: ``ValueError`` unless ``x``'s rank is at least ``rank``."""
    ndim = jnp.ndim(x)
    if ndim < int(rank):
        raise ValueError(
            f"{message or ''}Tensor must have rank at least {int(rank)}.  Received rank {ndim}, "
            f"shape {tuple(jnp.shape(x))}"
        )
