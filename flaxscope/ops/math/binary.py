"""TF1's two-argument elementwise math ops: arithmetic with TF's dtype and division
rules (``div``, ``truediv``, ``floordiv``, ``mod``), comparisons, logical and bitwise ops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
from jax import lax

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops import _tf_grads
from flaxscope.ops._convert import (
    ANY,
    BOOL,
    FLOATING,
    INTEGER,
    NUMBER,
    REAL_FLOATING,
    REAL_NUMBER,
    broadcast_shape,
    canonical,
    check_dtype,
    is_tensor,
    same_dtype,
    to_tensor,
)
from flaxscope.ops._registry import tf_op
from flaxscope.ops._tf_grads import tf_maximum, tf_minimum

Array = jax.Array


def _operands(op_type: str, x: Any, y: Any, allowed: Sequence[np.dtype], names=("x", "y")):
    a, b = same_dtype(op_type, ((names[0], x), (names[1], y)))
    check_dtype(a, allowed, names[0], op_type)
    broadcast_shape(op_type, op_type, a.shape, b.shape)
    return a, b


def _binary(
    paths: Sequence[str],
    op_type: str,
    fn: Callable[[Array, Array], Array],
    allowed: Sequence[np.dtype],
    summary: str,
    default_name: str | None = None,
) -> Callable[..., Array]:
    """Defines and registers ``tf.<paths[0]>(x, y, name=None)``: broadcasting, one dtype."""

    def op(x: Any, y: Any, name: str | None = None) -> Array:
        return fn(*_operands(op_type, x, y, allowed))

    op.__name__ = op.__qualname__ = paths[0].rsplit(".", 1)[-1]
    op.__doc__ = f"``tf.{paths[0]}(x, y, name=None)``: {summary}"
    return tf_op(*paths, family="math", default_name=default_name or op_type)(op)


def c_div(x: Array, y: Array) -> Array:
    """Integer division truncating toward zero (C's ``/``), with broadcasting."""
    return lax.div(*jnp.broadcast_arrays(x, y))


def _c_rem(x: Array, y: Array) -> Array:
    """Remainder with the sign of ``x`` (C's ``%``), with broadcasting."""
    return lax.rem(*jnp.broadcast_arrays(x, y))


def _check_integer_divisor(y: Array) -> None:
    """TF's integer floor division and modulo fail on a zero divisor; a concrete one is
    checked here (under ``jit`` XLA's value for it is returned, as for other traced
    errors)."""
    if not isinstance(y, jax.core.Tracer) and jnp.issubdtype(y.dtype, jnp.integer):
        if (np.asarray(y) == 0).any():
            raise InvalidArgumentError("Integer division by zero")


def _floordiv(x: Array, y: Array) -> Array:
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.floor(x / y)
    _check_integer_divisor(y)
    return jnp.floor_divide(x, y)


def _floormod(x: Array, y: Array) -> Array:
    _check_integer_divisor(y)
    return jnp.remainder(x, y)


def _div_python2(x: Array, y: Array) -> Array:
    return _floordiv(x, y) if jnp.issubdtype(x.dtype, jnp.integer) else x / y


def _realdiv(x: Array, y: Array) -> Array:
    return x / y if jnp.issubdtype(x.dtype, jnp.inexact) else c_div(x, y)


def _truncatediv(x: Array, y: Array) -> Array:
    return jnp.trunc(x / y) if jnp.issubdtype(x.dtype, jnp.inexact) else c_div(x, y)


def _squared_difference(x: Array, y: Array) -> Array:
    d = x - y
    return d * jnp.conj(d) if jnp.issubdtype(d.dtype, jnp.complexfloating) else jnp.square(d)


def _div_no_nan(x: Array, y: Array) -> Array:
    zero = y == 0
    return jnp.where(zero, jnp.zeros_like(x), x / jnp.where(zero, jnp.ones_like(y), y))


def _multiply_no_nan(x: Array, y: Array) -> Array:
    return jnp.where(y == 0, jnp.zeros_like(x * y), x * y)


add = _binary(("add", "math.add"), "AddV2", jnp.add, NUMBER, "``x + y`` with broadcasting.", "Add")
subtract = _binary(
    ("subtract", "math.subtract"), "Sub", jnp.subtract, NUMBER, "``x - y`` with broadcasting."
)
multiply = _binary(
    ("multiply", "math.multiply"), "Mul", jnp.multiply, NUMBER, "``x * y`` with broadcasting."
)
div = _binary(
    ("div",),
    "div",
    _div_python2,
    NUMBER,
    "Python 2 division: integers are floor-divided (``-7 / 2 = -4``), floats divided.",
)
realdiv = _binary(
    ("realdiv",),
    "RealDiv",
    _realdiv,
    NUMBER,
    "``x / y`` in ``x``'s dtype (integers truncate toward zero).",
)
floor_div = _binary(("floor_div",), "FloorDiv", _floordiv, REAL_NUMBER, "``floor(x / y)``.")
floordiv = _binary(
    ("floordiv", "math.floordiv"),
    "FloorDiv",
    _floordiv,
    REAL_NUMBER,
    "``floor(x / y)`` (Python's ``//``).",
    "floordiv",
)
floormod = _binary(
    ("floormod", "mod", "math.floormod", "math.mod"),
    "FloorMod",
    _floormod,
    REAL_NUMBER,
    "remainder of floor division: the result has the sign of ``y`` (Python's ``%``).",
)
truncatediv = _binary(
    ("truncatediv",), "TruncateDiv", _truncatediv, REAL_NUMBER, "``x / y`` rounded toward zero."
)
truncatemod = _binary(
    ("truncatemod",),
    "TruncateMod",
    _c_rem,
    REAL_NUMBER,
    "remainder of truncated division: the result has the sign of ``x`` (C's ``%``).",
)
pow = _binary(("pow", "math.pow"), "Pow", jnp.power, NUMBER, "``x ** y``.")
maximum = _binary(
    ("maximum", "math.maximum"), "Maximum", tf_maximum, REAL_NUMBER, "elementwise ``max(x, y)``."
)
minimum = _binary(
    ("minimum", "math.minimum"), "Minimum", tf_minimum, REAL_NUMBER, "elementwise ``min(x, y)``."
)
squared_difference = _binary(
    ("squared_difference", "math.squared_difference"),
    "SquaredDifference",
    _squared_difference,
    NUMBER,
    "``(x - y) * conj(x - y)``.",
)
equal = _binary(("equal", "math.equal"), "Equal", jnp.equal, ANY, "``x == y`` (bool).")
not_equal = _binary(
    ("not_equal", "math.not_equal"), "NotEqual", jnp.not_equal, ANY, "``x != y`` (bool)."
)
less = _binary(("less", "math.less"), "Less", jnp.less, REAL_NUMBER, "``x < y`` (bool).")
less_equal = _binary(
    ("less_equal", "math.less_equal"),
    "LessEqual",
    jnp.less_equal,
    REAL_NUMBER,
    "``x <= y`` (bool).",
)
greater = _binary(
    ("greater", "math.greater"), "Greater", jnp.greater, REAL_NUMBER, "``x > y`` (bool)."
)
greater_equal = _binary(
    ("greater_equal", "math.greater_equal"),
    "GreaterEqual",
    jnp.greater_equal,
    REAL_NUMBER,
    "``x >= y`` (bool).",
)
logical_and = _binary(
    ("logical_and", "math.logical_and"), "LogicalAnd", jnp.logical_and, BOOL, "boolean AND."
)
logical_or = _binary(
    ("logical_or", "math.logical_or"), "LogicalOr", jnp.logical_or, BOOL, "boolean OR."
)
logical_xor = _binary(
    ("logical_xor", "math.logical_xor"), "LogicalXor", jnp.logical_xor, BOOL, "boolean XOR."
)
div_no_nan = _binary(
    ("div_no_nan", "math.divide_no_nan"),
    "div_no_nan",
    _div_no_nan,
    FLOATING,
    "``x / y``, and 0 where ``y`` is 0.",
)
multiply_no_nan = _binary(
    ("math.multiply_no_nan",),
    "MulNoNan",
    _multiply_no_nan,
    FLOATING,
    "``x * y``, and 0 where ``y`` is 0 (even if ``x`` is NaN or infinite).",
    "multiply_no_nan",
)
xlogy = _binary(
    ("math.xlogy",), "Xlogy", _tf_grads.xlogy, FLOATING, "``x * log(y)``, 0 where ``x`` is 0."
)
xlog1py = _binary(
    ("math.xlog1py",),
    "Xlog1py",
    _tf_grads.xlog1py,
    FLOATING,
    "``x * log1p(y)``, 0 where ``x`` is 0.",
    "xlog1py",
)
xdivy = _binary(
    ("math.xdivy",), "Xdivy", _tf_grads.xdivy, FLOATING, "``x / y``, 0 where ``x`` is 0.", "xdivy"
)
nextafter = _binary(
    ("math.nextafter",),
    "NextAfter",
    jnp.nextafter,
    REAL_FLOATING,
    "the next representable value after ``x`` toward ``y``.",
)
bitwise_and = _binary(
    ("bitwise.bitwise_and",), "BitwiseAnd", jnp.bitwise_and, INTEGER, "bitwise AND."
)
bitwise_or = _binary(("bitwise.bitwise_or",), "BitwiseOr", jnp.bitwise_or, INTEGER, "bitwise OR.")
bitwise_xor = _binary(
    ("bitwise.bitwise_xor",), "BitwiseXor", jnp.bitwise_xor, INTEGER, "bitwise XOR."
)
left_shift = _binary(("bitwise.left_shift",), "LeftShift", jnp.left_shift, INTEGER, "``x << y``.")
right_shift = _binary(
    ("bitwise.right_shift",),
    "RightShift",
    jnp.right_shift,
    INTEGER,
    "``x >> y`` (arithmetic for signed types).",
)


def _truediv_dtype(dtype: np.dtype) -> np.dtype:
    if dtype.kind in "iu":
        wide = dtype.itemsize >= 4
        return canonical(np.float64 if wide else np.float32)
    return dtype


@tf_op("truediv", "math.truediv", family="math", default_name="truediv")
def truediv(x: Any, y: Any, name: str | None = None) -> Array:
    """``tf.truediv(x, y, name=None)``: Python 3 division. Integer arguments are cast
    first, as TF does: int8/int16/uint8/uint16 to float32, int32/int64 to float64 (float32
    when JAX's x64 is off)."""
    if is_tensor(x) and is_tensor(y) and x.dtype != y.dtype:
        raise TypeError(
            f"`x` and `y` must have the same dtype, got tf.{x.dtype.name} != tf.{y.dtype.name}."
        )
    a, b = _operands("RealDiv", x, y, NUMBER)
    target = _truediv_dtype(a.dtype)
    return a.astype(target) / b.astype(target)


@tf_op("divide", "math.divide", family="math", default_name="truediv")
def divide(x: Any, y: Any, name: str | None = None) -> Array:
    """``tf.divide(x, y, name=None)``: ``x / y`` as Python 3 divides (``tf.truediv``)."""
    return truediv.__wrapped__(x, y)


@tf_op("atan2", "math.atan2", family="math", default_name="Atan2")
def atan2(y: Any, x: Any, name: str | None = None) -> Array:
    """``tf.atan2(y, x, name=None)``: the angle of the point ``(x, y)``, in ``[-pi, pi]``."""
    b, a = _operands("Atan2", y, x, REAL_FLOATING, ("y", "x"))
    return jnp.arctan2(b, a)


@tf_op("igamma", "math.igamma", family="math", default_name="Igamma")
def igamma(a: Any, x: Any, name: str | None = None) -> Array:
    """``tf.igamma(a, x, name=None)``: the regularized lower incomplete gamma function."""
    return jsp.gammainc(*_operands("Igamma", a, x, REAL_FLOATING, ("a", "x")))


@tf_op("igammac", "math.igammac", family="math", default_name="Igammac")
def igammac(a: Any, x: Any, name: str | None = None) -> Array:
    """``tf.igammac(a, x, name=None)``: the regularized upper incomplete gamma function."""
    return jsp.gammaincc(*_operands("Igammac", a, x, REAL_FLOATING, ("a", "x")))


@tf_op("zeta", "math.zeta", family="math", default_name="Zeta")
def zeta(x: Any, q: Any, name: str | None = None) -> Array:
    """``tf.zeta(x, q, name=None)``: the Hurwitz zeta function."""
    return jsp.zeta(*_operands("Zeta", x, q, REAL_FLOATING, ("x", "q")))


@tf_op("polygamma", "math.polygamma", family="math", default_name="Polygamma")
def polygamma(a: Any, x: Any, name: str | None = None) -> Array:
    """``tf.polygamma(a, x, name=None)``: the ``a``-th derivative of ``digamma``."""
    a, x = _operands("Polygamma", a, x, REAL_FLOATING, ("a", "x"))
    a, x = jnp.broadcast_arrays(a, x)
    return jsp.polygamma(a.astype(jnp.int32), x)


@tf_op("betainc", "math.betainc", family="math", default_name="Betainc")
def betainc(a: Any, b: Any, x: Any, name: str | None = None) -> Array:
    """``tf.betainc(a, b, x, name=None)``: the regularized incomplete beta function."""
    a, b, x = same_dtype("Betainc", (("a", a), ("b", b), ("x", x)))
    check_dtype(a, REAL_FLOATING, "a")
    broadcast_shape("Betainc", "Betainc", a.shape, b.shape, x.shape)
    return jsp.betainc(a, b, x)


@tf_op("lbeta", "math.lbeta", family="math", default_name="lbeta")
def lbeta(x: Any, name: str | None = None) -> Array:
    """``tf.lbeta(x, name=None)``: ``log(|Beta(x)|)`` over the last dimension, i.e.
    ``sum(lgamma(x), -1) - lgamma(sum(x, -1))``; 0 for an empty last dimension."""
    x = to_tensor(x)
    check_dtype(x, REAL_FLOATING)
    return jnp.sum(jsp.gammaln(x), axis=-1) - jsp.gammaln(jnp.sum(x, axis=-1))


@tf_op("scalar_mul", "math.scalar_mul", family="math", default_name="Mul")
def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Array:
    """``tf.scalar_mul(scalar, x, name=None)``: ``scalar * x`` for a 0-d ``scalar``."""
    s = jnp.shape(scalar)
    if s != ():
        raise ValueError(f"The input scalar must be a 0-D value. Received shape {s}.")
    a, b = same_dtype("Mul", (("x", x), ("y", scalar)))
    return a * b
