"""What the differential programs share: ``Case``, the registries, the helpers.

Every program is ``prog(tf, rec)``: ``tf`` is ``tf.compat.v1`` or ``flaxscope.compat.v1``,
``rec`` a :class:`~tests.differential.harness.Recorder`. Programs only use scope and variable
APIs (no math), so they run unchanged on both. They are grouped by topic; the docstring of
each says what it pins down. ``PROGRAMS`` lists them in definition order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    topic: str
    name: str
    fn: Callable[[Any, Any], Any]

    @property
    def id(self) -> str:
        return f"{self.topic}-{self.name}"


PROGRAMS: list[Case] = []
_topic = "misc"


def topic(name: str) -> None:
    global _topic
    _topic = name


def program(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    PROGRAMS.append(Case(_topic, fn.__name__, fn))
    return fn


def entering(rec: Any, make_cm: Callable[[], Any], body: Callable[[Any], Any] | None = None):
    """Enters ``make_cm()`` (and runs ``body(s)`` inside) under ``rec.error``."""

    def run() -> None:
        with make_cm() as s:
            if body is not None:
                body(s)

    return rec.error(run)


def gv(tf: Any, rec: Any, name: str, shape: Any = None, **kwargs: Any) -> Any:
    """``get_variable`` under ``rec.error``; records the variable when it succeeds."""
    v = rec.error(lambda: tf.get_variable(name, shape, **kwargs))
    if v is not None:
        rec.var(v)
    return v


def var(tf: Any, rec: Any, value: Any, **kwargs: Any) -> Any:
    """``Variable`` under ``rec.error``; records the variable when it succeeds."""
    v = rec.error(lambda: tf.Variable(value, **kwargs))
    if v is not None:
        rec.var(v)
    return v


def linear_layer(tf, rec, n=2):
    w = tf.get_variable("w", [n], initializer=tf.ones_initializer())
    b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
    rec.var(w)
    rec.var(b)
    rec.cur()
    with tf.name_scope("inner") as s:
        rec.ns(s)
    return w


def renaming_getter(rec, suffix):
    def getter(getter, name, *args, **kwargs):
        rec.log("getter", suffix, name)
        return getter(name + suffix, *args, **kwargs)

    return getter


# =====================================================================================
# Programs that need 64-bit types: JAX has them only with jax_enable_x64 (they are run
# only then; under the default 32-bit mode JAX truncates float64 to float32).
# =====================================================================================

X64_PROGRAMS: list[Case] = []


def x64_program(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    X64_PROGRAMS.append(Case("x64", fn.__name__, fn))
    return fn
