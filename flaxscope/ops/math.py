"""TF1's math ops (``tf.*`` and ``tf.math.*``, family ``math``) on JAX arrays.

Elementwise functions, arithmetic with TF's dtype rules, comparisons, logical and bitwise
ops, reductions, cumulative ops, ``add_n`` and the segment ops. Each is registered with
:func:`~flaxscope.ops._registry.tf_op` under every path TF 2.21's ``tf.compat.v1`` gives it.

TF's rules kept here (they differ from numpy's):

- no implicit promotion: two tensors of different dtypes are a ``TypeError``; Python and
  numpy values take the dtype of the op's tensor argument;
- ``tf.div`` floors integer quotients (Python 2's ``/``) and divides floats;
  ``tf.truediv`` turns 8/16-bit integers into float32 and 32/64-bit ones into float64
  (float32 when JAX's x64 is off);
- ``tf.round`` rounds half to even; integer ``reduce_mean`` truncates toward zero;
- ``argmax``/``argmin``/``count_nonzero`` return int64 by default, which is int32 when
  JAX's x64 is off (as every int64 in JAX);
- legacy arguments ``keep_dims``, ``reduction_indices`` and ``dimension`` are accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
from jax import lax

from flaxscope.ops._convert import (
    ANY,
    BOOL,
    FLOATING,
    INTEGER,
    NUMBER,
    REAL_FLOATING,
    REAL_NUMBER,
    SIGNED_NUMBER,
    broadcast_shape,
    canonical,
    check_dtype,
    is_tensor,
    reduction_axes,
    renamed,
    same_dtype,
    shape_text,
    static_ints,
    to_tensor,
)
from flaxscope.ops._registry import tf_op

Array = jax.Array


# ----------------------------------------------------------------------------------------
# Elementwise functions of one argument
# ----------------------------------------------------------------------------------------


def _unary(
    paths: Sequence[str],
    op_type: str,
    fn: Callable[[Array], Array],
    allowed: Sequence[np.dtype],
    summary: str,
    default_name: str | None = None,
) -> Callable[..., Array]:
    """Defines and registers a one-argument elementwise op ``tf.<paths[0]>(x, name=None)``."""

    def op(x: Any, name: str | None = None) -> Array:
        x = to_tensor(x)
        check_dtype(x, allowed, "x", op_type)
        return fn(x)

    op.__name__ = op.__qualname__ = paths[0].rsplit(".", 1)[-1]
    op.__doc__ = f"``tf.{paths[0]}(x, name=None)``: {summary}"
    return tf_op(*paths, family="math", default_name=default_name or op_type)(op)


def _sign(x: Array) -> Array:
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        mag = jnp.abs(x)
        return jnp.where(mag == 0, jnp.zeros_like(x), x / mag.astype(x.dtype))
    return jnp.sign(x)


def _round_half_even(x: Array) -> Array:
    return x if jnp.issubdtype(x.dtype, jnp.integer) else jnp.round(x)


def _angle(x: Array) -> Array:
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        return jnp.angle(x)
    return jnp.where(x < 0, jnp.asarray(np.pi, x.dtype), jnp.zeros_like(x))


def _imag(x: Array) -> Array:
    return jnp.imag(x) if jnp.issubdtype(x.dtype, jnp.complexfloating) else jnp.zeros_like(x)


def _reciprocal_no_nan(x: Array) -> Array:
    zero = x == 0
    return jnp.where(zero, jnp.zeros_like(x), 1 / jnp.where(zero, jnp.ones_like(x), x))


def _softsign(x: Array) -> Array:
    return x / (1 + jnp.abs(x))


abs = _unary(
    ("abs", "math.abs"),
    "Abs",
    jnp.abs,
    SIGNED_NUMBER,
    "absolute value (the magnitude of a complex value, as a real).",
)
negative = _unary(("negative", "math.negative"), "Neg", jnp.negative, SIGNED_NUMBER, "``-x``.")
sign = _unary(
    ("sign", "math.sign"),
    "Sign",
    _sign,
    SIGNED_NUMBER,
    "-1, 0 or 1 (``x / |x|`` for complex values, 0 at 0).",
)
reciprocal = _unary(
    ("reciprocal", "math.reciprocal"), "Reciprocal", jnp.reciprocal, FLOATING, "``1 / x``."
)
reciprocal_no_nan = _unary(
    ("math.reciprocal_no_nan",),
    "reciprocal_no_nan",
    _reciprocal_no_nan,
    FLOATING,
    "``1 / x``, and 0 where ``x`` is 0.",
)
square = _unary(("square", "math.square"), "Square", jnp.square, NUMBER, "``x * x``.")
sqrt = _unary(("sqrt", "math.sqrt"), "Sqrt", jnp.sqrt, FLOATING, "square root.")
rsqrt = _unary(("rsqrt", "math.rsqrt"), "Rsqrt", lax.rsqrt, FLOATING, "``1 / sqrt(x)``.")
exp = _unary(("exp", "math.exp"), "Exp", jnp.exp, FLOATING, "``e ** x``.")
expm1 = _unary(
    ("expm1", "math.expm1"), "Expm1", jnp.expm1, FLOATING, "``exp(x) - 1``, accurate near 0."
)
log = _unary(("log", "math.log"), "Log", jnp.log, FLOATING, "natural logarithm.")
log1p = _unary(
    ("log1p", "math.log1p"), "Log1p", jnp.log1p, FLOATING, "``log(1 + x)``, accurate near 0."
)
sin = _unary(("sin", "math.sin"), "Sin", jnp.sin, FLOATING, "sine.")
cos = _unary(("cos", "math.cos"), "Cos", jnp.cos, FLOATING, "cosine.")
tan = _unary(("tan", "math.tan"), "Tan", jnp.tan, FLOATING, "tangent.")
asin = _unary(("asin", "math.asin"), "Asin", jnp.arcsin, FLOATING, "inverse sine.")
acos = _unary(("acos", "math.acos"), "Acos", jnp.arccos, FLOATING, "inverse cosine.")
atan = _unary(("atan", "math.atan"), "Atan", jnp.arctan, FLOATING, "inverse tangent.")
sinh = _unary(("sinh", "math.sinh"), "Sinh", jnp.sinh, FLOATING, "hyperbolic sine.")
cosh = _unary(("cosh", "math.cosh"), "Cosh", jnp.cosh, FLOATING, "hyperbolic cosine.")
asinh = _unary(("asinh", "math.asinh"), "Asinh", jnp.arcsinh, FLOATING, "inverse hyperbolic sine.")
acosh = _unary(
    ("acosh", "math.acosh"), "Acosh", jnp.arccosh, FLOATING, "inverse hyperbolic cosine."
)
atanh = _unary(
    ("atanh", "math.atanh"), "Atanh", jnp.arctanh, FLOATING, "inverse hyperbolic tangent."
)
floor = _unary(
    ("floor", "math.floor"), "Floor", jnp.floor, REAL_FLOATING, "largest integer not above ``x``."
)
ceil = _unary(
    ("ceil", "math.ceil"), "Ceil", jnp.ceil, REAL_FLOATING, "smallest integer not below ``x``."
)
round = _unary(
    ("round", "math.round"),
    "Round",
    _round_half_even,
    REAL_NUMBER,
    "rounds half to even (banker's rounding: 0.5 -> 0, 1.5 -> 2); integers are returned as they are.",
)
rint = _unary(
    ("rint", "math.rint"), "Rint", jnp.rint, REAL_FLOATING, "nearest integer, half to even."
)
erf = _unary(("erf", "math.erf"), "Erf", jsp.erf, REAL_FLOATING, "the error function.")
erfc = _unary(("erfc", "math.erfc"), "Erfc", jsp.erfc, REAL_FLOATING, "``1 - erf(x)``.")
erfinv = _unary(("math.erfinv",), "erfinv", jsp.erfinv, REAL_FLOATING, "inverse of ``erf``.")
ndtri = _unary(
    ("math.ndtri",), "ndtri", jsp.ndtri, REAL_FLOATING, "inverse of the standard normal CDF."
)
erfcinv = _unary(
    ("math.erfcinv",),
    "erfcinv",
    lambda x: -jsp.ndtri(x * 0.5) * jnp.asarray(np.sqrt(0.5), x.dtype),
    REAL_FLOATING,
    "inverse of ``erfc``.",
)
lgamma = _unary(
    ("lgamma", "math.lgamma"), "Lgamma", jsp.gammaln, REAL_FLOATING, "``log(|Gamma(x)|)``."
)
digamma = _unary(
    ("digamma", "math.digamma"), "Digamma", jsp.digamma, REAL_FLOATING, "derivative of ``lgamma``."
)
bessel_i0e = _unary(
    ("math.bessel_i0e",),
    "bessel_i0e",
    jsp.i0e,
    REAL_FLOATING,
    "exponentially scaled modified Bessel function of order 0.",
)
bessel_i1e = _unary(
    ("math.bessel_i1e",),
    "bessel_i1e",
    jsp.i1e,
    REAL_FLOATING,
    "exponentially scaled modified Bessel function of order 1.",
)
bessel_i0 = _unary(
    ("math.bessel_i0",), "bessel_i0", jsp.i0, REAL_FLOATING, "modified Bessel function of order 0."
)
bessel_i1 = _unary(
    ("math.bessel_i1",), "bessel_i1", jsp.i1, REAL_FLOATING, "modified Bessel function of order 1."
)
sigmoid = _unary(
    ("sigmoid", "math.sigmoid"),
    "Sigmoid",
    jax.nn.sigmoid,
    FLOATING,
    "``1 / (1 + exp(-x))`` (``tf.nn.sigmoid`` is the same function).",
)
tanh = _unary(
    ("tanh", "math.tanh"),
    "Tanh",
    jnp.tanh,
    FLOATING,
    "hyperbolic tangent (``tf.nn.tanh`` is the same function).",
)
log_sigmoid = _unary(
    ("log_sigmoid", "math.log_sigmoid"),
    "LogSigmoid",
    jax.nn.log_sigmoid,
    REAL_FLOATING,
    "``log(sigmoid(x))``, computed as ``-softplus(-x)``.",
)
softplus = _unary(
    ("math.softplus",),
    "Softplus",
    jax.nn.softplus,
    REAL_FLOATING,
    "``log(exp(x) + 1)`` (``tf.nn.softplus``).",
)
softsign = _unary(
    ("math.softsign",),
    "Softsign",
    _softsign,
    REAL_FLOATING,
    "``x / (|x| + 1)`` (``tf.nn.softsign``).",
)
is_nan = _unary(
    ("is_nan", "math.is_nan"), "IsNan", jnp.isnan, REAL_FLOATING, "whether ``x`` is NaN (bool)."
)
is_inf = _unary(
    ("is_inf", "math.is_inf"), "IsInf", jnp.isinf, REAL_FLOATING, "whether ``x`` is +-inf (bool)."
)
is_finite = _unary(
    ("is_finite", "math.is_finite"),
    "IsFinite",
    jnp.isfinite,
    REAL_FLOATING,
    "whether ``x`` is neither NaN nor infinite (bool).",
)
logical_not = _unary(
    ("logical_not", "math.logical_not"), "LogicalNot", jnp.logical_not, BOOL, "boolean NOT."
)
real = _unary(
    ("real", "math.real"), "Real", jnp.real, ANY, "real part (a real input is returned as it is)."
)
imag = _unary(("imag", "math.imag"), "Imag", _imag, ANY, "imaginary part (zeros for a real input).")
conj = _unary(
    ("conj", "math.conj"),
    "Conj",
    jnp.conj,
    ANY,
    "complex conjugate (a real input is returned as it is).",
)
angle = _unary(
    ("angle", "math.angle"),
    "Angle",
    _angle,
    ANY,
    "argument of a complex value (for a real one: pi where negative, else 0).",
)
invert = _unary(("bitwise.invert",), "Invert", jnp.invert, INTEGER, "bitwise NOT.")


# ----------------------------------------------------------------------------------------
# Elementwise functions of two arguments
# ----------------------------------------------------------------------------------------


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


def _c_div(x: Array, y: Array) -> Array:
    """Integer division truncating toward zero (C's ``/``), with broadcasting."""
    return lax.div(*jnp.broadcast_arrays(x, y))


def _c_rem(x: Array, y: Array) -> Array:
    """Remainder with the sign of ``x`` (C's ``%``), with broadcasting."""
    return lax.rem(*jnp.broadcast_arrays(x, y))


def _tf_chooser(pick_x: Callable[[Array, Array], Array]) -> Callable[[Array, Array], Array]:
    """``maximum``/``minimum`` whose gradient goes to ``x`` on ties, as TF's does (JAX
    splits it in half: ``tf.maximum(x, 0.0)`` at 0 would get 0.5 instead of 1)."""
    choose = jnp.maximum if pick_x is jnp.greater_equal else jnp.minimum

    @jax.custom_jvp
    def op(x: Array, y: Array) -> Array:
        return choose(x, y)

    @op.defjvp
    def _jvp(primals: Any, tangents: Any) -> Any:
        x, y = primals
        dx, dy = tangents
        out = choose(x, y)
        dx = jnp.broadcast_to(dx, out.shape)
        dy = jnp.broadcast_to(dy, out.shape)
        return out, jnp.where(pick_x(x, y), dx, dy)

    return op


_maximum = _tf_chooser(jnp.greater_equal)
_minimum = _tf_chooser(jnp.less_equal)


def _floordiv(x: Array, y: Array) -> Array:
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.floor(x / y)
    return jnp.floor_divide(x, y)


def _div_python2(x: Array, y: Array) -> Array:
    return _floordiv(x, y) if jnp.issubdtype(x.dtype, jnp.integer) else x / y


def _realdiv(x: Array, y: Array) -> Array:
    return x / y if jnp.issubdtype(x.dtype, jnp.inexact) else _c_div(x, y)


def _truncatediv(x: Array, y: Array) -> Array:
    return jnp.trunc(x / y) if jnp.issubdtype(x.dtype, jnp.inexact) else _c_div(x, y)


def _squared_difference(x: Array, y: Array) -> Array:
    d = x - y
    return d * jnp.conj(d) if jnp.issubdtype(d.dtype, jnp.complexfloating) else jnp.square(d)


def _div_no_nan(x: Array, y: Array) -> Array:
    zero = y == 0
    return jnp.where(zero, jnp.zeros_like(x), x / jnp.where(zero, jnp.ones_like(y), y))


def _multiply_no_nan(x: Array, y: Array) -> Array:
    return jnp.where(y == 0, jnp.zeros_like(x * y), x * y)


def _xdivy(x: Array, y: Array) -> Array:
    return jnp.where(x == 0, jnp.zeros_like(x), x / y)


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
    jnp.remainder,
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
    ("maximum", "math.maximum"), "Maximum", _maximum, REAL_NUMBER, "elementwise ``max(x, y)``."
)
minimum = _binary(
    ("minimum", "math.minimum"), "Minimum", _minimum, REAL_NUMBER, "elementwise ``min(x, y)``."
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
    ("math.xlogy",), "Xlogy", jsp.xlogy, FLOATING, "``x * log(y)``, 0 where ``x`` is 0."
)
xlog1py = _binary(
    ("math.xlog1py",),
    "Xlog1py",
    jsp.xlog1py,
    FLOATING,
    "``x * log1p(y)``, 0 where ``x`` is 0.",
    "xlog1py",
)
xdivy = _binary(
    ("math.xdivy",), "Xdivy", _xdivy, FLOATING, "``x / y``, 0 where ``x`` is 0.", "xdivy"
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


# ----------------------------------------------------------------------------------------
# Reductions
# ----------------------------------------------------------------------------------------


def _keepdims(keepdims: Any, keep_dims: Any) -> bool:
    return bool(renamed("keepdims", keepdims, "keep_dims", keep_dims))


def _reduction(
    paths: Sequence[str],
    op_type: str,
    fn: Callable[[Array, tuple[int, ...] | None, bool], Array],
    allowed: Sequence[np.dtype],
    summary: str,
    default_name: str | None = None,
    legacy: bool = True,
) -> Callable[..., Array]:
    """Defines and registers ``tf.<paths[0]>(input_tensor, axis=None, keepdims=None,
    name=None, reduction_indices=None, keep_dims=None)``."""

    def op(
        input_tensor: Any,
        axis: Any = None,
        keepdims: bool | None = None,
        name: str | None = None,
        reduction_indices: Any = None,
        keep_dims: bool | None = None,
    ) -> Array:
        x = to_tensor(input_tensor)
        check_dtype(x, allowed, "input", op_type)
        axis = renamed("axis", axis, "reduction_indices", reduction_indices)
        axes = reduction_axes(x, axis, op_type)
        return fn(x, axes, _keepdims(keepdims, keep_dims))

    op.__name__ = op.__qualname__ = paths[0].rsplit(".", 1)[-1]
    op.__doc__ = (
        f"``tf.{paths[0]}(input_tensor, axis=None, keepdims=None, name=None, "
        f"reduction_indices=None, keep_dims=None)``: {summary} over ``axis`` (an int, a "
        "list, or ``None`` for all dimensions); ``keepdims`` keeps reduced dimensions as "
        "size 1. ``reduction_indices`` and ``keep_dims`` are TF1's older spellings."
    )
    return tf_op(*paths, family="math", default_name=default_name or op_type)(op)


def _mean(x: Array, axes: Any, keepdims: bool) -> Array:
    total = jnp.sum(x, axis=axes, keepdims=keepdims)
    count = x.size // max(total.size, 1) if x.size else 0
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.mean(x, axis=axes, keepdims=keepdims)
    # Integer mean: C's division, truncating toward zero (TF's Mean kernel).
    return _c_div(total, jnp.asarray(max(count, 1), x.dtype))


def _euclidean_norm(x: Array, axes: Any, keepdims: bool) -> Array:
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        sq = jnp.real(x * jnp.conj(x))
        return jnp.sqrt(jnp.sum(sq, axis=axes, keepdims=keepdims)).astype(x.dtype)
    if jnp.issubdtype(x.dtype, jnp.integer):
        total = jnp.sum(x * x, axis=axes, keepdims=keepdims)
        return jnp.floor(jnp.sqrt(total.astype(jnp.float32))).astype(x.dtype)
    return jnp.sqrt(jnp.sum(x * x, axis=axes, keepdims=keepdims))


def _variance(x: Array, axes: Any, keepdims: bool) -> Array:
    mean = jnp.mean(x, axis=axes, keepdims=True)
    dev = x - mean
    sq = (
        jnp.real(dev * jnp.conj(dev)) if jnp.issubdtype(x.dtype, jnp.complexfloating) else dev * dev
    )
    return jnp.mean(sq, axis=axes, keepdims=keepdims)


def _logsumexp(x: Array, axes: Any, keepdims: bool) -> Array:
    return jax.nn.logsumexp(x, axis=axes, keepdims=keepdims)


reduce_sum = _reduction(
    ("reduce_sum", "math.reduce_sum"),
    "Sum",
    lambda x, a, k: jnp.sum(x, axis=a, keepdims=k),
    NUMBER,
    "the sum",
)
reduce_mean = _reduction(
    ("reduce_mean", "math.reduce_mean"),
    "Mean",
    _mean,
    NUMBER,
    "the mean (integer means truncate toward zero)",
)
reduce_max = _reduction(
    ("reduce_max", "math.reduce_max"),
    "Max",
    lambda x, a, k: jnp.max(x, axis=a, keepdims=k),
    REAL_NUMBER,
    "the maximum",
)
reduce_min = _reduction(
    ("reduce_min", "math.reduce_min"),
    "Min",
    lambda x, a, k: jnp.min(x, axis=a, keepdims=k),
    REAL_NUMBER,
    "the minimum",
)
reduce_prod = _reduction(
    ("reduce_prod", "math.reduce_prod"),
    "Prod",
    lambda x, a, k: jnp.prod(x, axis=a, keepdims=k),
    NUMBER,
    "the product",
)
reduce_all = _reduction(
    ("reduce_all", "math.reduce_all"),
    "All",
    lambda x, a, k: jnp.all(x, axis=a, keepdims=k),
    BOOL,
    "boolean AND",
)
reduce_any = _reduction(
    ("reduce_any", "math.reduce_any"),
    "Any",
    lambda x, a, k: jnp.any(x, axis=a, keepdims=k),
    BOOL,
    "boolean OR",
)
reduce_logsumexp = _reduction(
    ("reduce_logsumexp", "math.reduce_logsumexp"),
    "ReduceLogSumExp",
    _logsumexp,
    FLOATING,
    "``log(sum(exp(x)))``, computed stably",
)
reduce_euclidean_norm = _reduction(
    ("math.reduce_euclidean_norm",),
    "EuclideanNorm",
    _euclidean_norm,
    NUMBER,
    "``sqrt(sum(x * conj(x)))``",
)
reduce_variance = _reduction(
    ("math.reduce_variance",), "reduce_variance", _variance, FLOATING, "the (biased) variance"
)
reduce_std = _reduction(
    ("math.reduce_std",),
    "reduce_std",
    lambda x, a, k: jnp.sqrt(_variance(x, a, k)),
    FLOATING,
    "the (biased) standard deviation",
)


@tf_op("count_nonzero", "math.count_nonzero", family="math", default_name="count_nonzero")
def count_nonzero(
    input_tensor: Any = None,
    axis: Any = None,
    keepdims: bool | None = None,
    dtype: Any = np.int64,
    name: str | None = None,
    reduction_indices: Any = None,
    keep_dims: bool | None = None,
    input: Any = None,
) -> Array:
    """``tf.count_nonzero(input_tensor, axis=None, keepdims=None, dtype=tf.int64, ...)``:
    how many elements are not zero (not ``False``) over ``axis``. ``dtype`` int64 is
    int32 when JAX's x64 is off."""
    x = to_tensor(renamed("input", input, "input_tensor", input_tensor))
    axis = renamed("axis", axis, "reduction_indices", reduction_indices)
    axes = reduction_axes(x, axis, "count_nonzero")
    nonzero = x != jnp.zeros((), x.dtype)
    return jnp.sum(
        nonzero, axis=axes, keepdims=_keepdims(keepdims, keep_dims), dtype=canonical(dtype)
    )


def _arg_reduce(
    fn: Callable[..., Array], x: Any, axis: Any, output_type: Any, op_type: str
) -> Array:
    x = to_tensor(x)
    check_dtype(x, NUMBER, "input")
    axis = 0 if axis is None else static_ints(axis, "axis")
    if not isinstance(axis, int):
        if len(axis) != 1:
            raise ValueError(f"{op_type} takes one axis, got {axis}.")
        axis = axis[0]
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(
            f"Dimension ({axis}) must be in the range [{-x.ndim}, {x.ndim}), where "
            f"{x.ndim} is the number of dimensions in the input."
        )
    out = canonical(output_type)
    if out.kind not in "iu":
        raise TypeError(f"{op_type}'s output_type must be int32 or int64, got {out.name}.")
    return fn(x, axis=axis).astype(out)


@tf_op("argmax", "math.argmax", family="math", default_name="ArgMax")
def argmax(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dimension: Any = None,
    output_type: Any = np.int64,
) -> Array:
    """``tf.argmax(input, axis=None, name=None, dimension=None, output_type=tf.int64)``:
    the index of the largest value along ``axis`` (0 when ``None``; the first one on ties).
    int64 is int32 when JAX's x64 is off. A NaN counts as the largest value (numpy's and
    JAX's rule; TF's CPU kernel skips NaNs)."""
    axis = renamed("axis", axis, "dimension", dimension)
    return _arg_reduce(jnp.argmax, input, axis, output_type, "ArgMax")


@tf_op("argmin", "math.argmin", family="math", default_name="ArgMin")
def argmin(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dimension: Any = None,
    output_type: Any = np.int64,
) -> Array:
    """``tf.argmin(input, axis=None, name=None, dimension=None, output_type=tf.int64)``:
    the index of the smallest value along ``axis`` (see :func:`argmax`)."""
    axis = renamed("axis", axis, "dimension", dimension)
    return _arg_reduce(jnp.argmin, input, axis, output_type, "ArgMin")


@tf_op("arg_max", family="math", default_name="ArgMax")
def arg_max(
    input: Any,
    dimension: Any,
    output_type: Any = np.int64,
    name: str | None = None,
) -> Array:
    """``tf.arg_max(input, dimension, output_type=tf.int64, name=None)``: TF1's older
    :func:`argmax`."""
    return _arg_reduce(jnp.argmax, input, dimension, output_type, "ArgMax")


@tf_op("arg_min", family="math", default_name="ArgMin")
def arg_min(
    input: Any,
    dimension: Any,
    output_type: Any = np.int64,
    name: str | None = None,
) -> Array:
    """``tf.arg_min(input, dimension, output_type=tf.int64, name=None)``: TF1's older
    :func:`argmin`."""
    return _arg_reduce(jnp.argmin, input, dimension, output_type, "ArgMin")


# ----------------------------------------------------------------------------------------
# Cumulative ops and sums of lists
# ----------------------------------------------------------------------------------------


def _scan_axis(x: Array, axis: Any) -> int:
    axis = static_ints(axis, "axis")
    if not isinstance(axis, int):
        raise TypeError(f"axis must be one int, got {axis}.")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"Expected scan axis in the range [{-x.ndim}, {x.ndim}), but got {axis}")
    return axis % x.ndim


def _exclusive(scanned: Array, axis: int, reverse: bool, fill: Any) -> Array:
    """Shifts an inclusive scan by one along ``axis`` to make it exclusive."""
    n = scanned.shape[axis]
    pad_shape = list(scanned.shape)
    pad_shape[axis] = 1
    pad = jnp.full(pad_shape, fill, scanned.dtype)
    if reverse:
        body = lax.slice_in_dim(scanned, 1, n, axis=axis)
        return jnp.concatenate([body, pad], axis=axis)
    body = lax.slice_in_dim(scanned, 0, n - 1, axis=axis)
    return jnp.concatenate([pad, body], axis=axis)


def _cumulative(
    scan: Callable[..., Array], fill: Any, x: Array, axis: Any, exclusive: bool, reverse: bool
) -> Array:
    ax = _scan_axis(x, axis)
    out = scan(x, axis=ax, reverse=bool(reverse))
    if exclusive and x.shape[ax]:
        out = _exclusive(out, ax, bool(reverse), fill)
    return out


@tf_op("cumsum", "math.cumsum", family="math", default_name="Cumsum")
def cumsum(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Array:
    """``tf.cumsum(x, axis=0, exclusive=False, reverse=False, name=None)``: running sum
    along ``axis``; ``exclusive`` leaves each element out of its own sum, ``reverse`` runs
    from the end (``cumsum([a, b, c], exclusive=True, reverse=True) = [b + c, c, 0]``)."""
    x = to_tensor(x)
    check_dtype(x, NUMBER)
    return _cumulative(lax.cumsum, 0, x, axis, exclusive, reverse)


@tf_op("cumprod", "math.cumprod", family="math", default_name="Cumprod")
def cumprod(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Array:
    """``tf.cumprod(x, axis=0, exclusive=False, reverse=False, name=None)``: running
    product along ``axis`` (see :func:`cumsum` for ``exclusive`` and ``reverse``)."""
    x = to_tensor(x)
    check_dtype(x, NUMBER)
    return _cumulative(lax.cumprod, 1, x, axis, exclusive, reverse)


@tf_op("math.cumulative_logsumexp", family="math", default_name="CumulativeLogsumexp")
def cumulative_logsumexp(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Array:
    """``tf.math.cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False)``:
    running ``log(sum(exp(x)))`` along ``axis``."""
    x = to_tensor(x)
    check_dtype(x, REAL_FLOATING)
    return _cumulative(lax.cumlogsumexp, -jnp.inf, x, axis, exclusive, reverse)


def _same_inputs(inputs: Any, op_type: str) -> list[Array]:
    if isinstance(inputs, (list, tuple)) and inputs:
        arrays = same_dtype_list(inputs, op_type)
        first = arrays[0].shape
        for other in (a.shape for a in arrays[1:]):
            if len(other) != len(first):
                problem = f"Shapes must be equal rank, but are {len(first)} and {len(other)}"
            else:
                bad = [i for i, (p, q) in enumerate(zip(first, other, strict=False)) if p != q]
                if not bad:
                    continue
                problem = (
                    f"Dimension {bad[0]} in both shapes must be equal, but are "
                    f"{first[bad[0]]} and {other[bad[0]]}. Shapes are {shape_text(first)} "
                    f"and {shape_text(other)}."
                )
            texts = ", ".join(shape_text(a.shape) for a in arrays)
            raise ValueError(
                f"{problem}\n\tFrom merging shape 0 with other shapes. for '{op_type}' (op: "
                f"'{op_type}') with input shapes: {texts}. (tf.add_n does not broadcast: "
                "broadcast the inputs first, or add them with tf.add.)"
            )
        return arrays
    raise ValueError(
        "Inputs must be an iterable of at least one Tensor/IndexedSlices with the same "
        "dtype and shape."
    )


def same_dtype_list(inputs: Sequence[Any], op_type: str) -> list[Array]:
    """Converts a list input of an op (``AddN``'s ``inputs``) to one dtype, or raises
    TF's error listing the dtypes that differ."""
    tensors = [v for v in inputs if isinstance(v, jax.Array)]
    lead = to_tensor(tensors[0] if tensors else inputs[0])
    kinds = [v.dtype for v in tensors]
    if any(k != lead.dtype for k in kinds):
        names = ", ".join(np.dtype(to_tensor(v).dtype).name for v in inputs)
        raise TypeError(
            f"Tensors in list passed to 'inputs' of '{op_type}' Op have types [{names}] "
            "that don't all match."
        )
    return [to_tensor(v, lead.dtype, op_type=op_type, arg="inputs") for v in inputs]


@tf_op("add_n", "math.add_n", family="math", default_name="AddN")
def add_n(inputs: Sequence[Any], name: str | None = None) -> Array:
    """``tf.add_n(inputs, name=None)``: the elementwise sum of a list of arrays of one
    shape and dtype (no broadcasting), e.g. ``tf.add_n([tf.nn.l2_loss(v) for v in
    tf.trainable_variables()])``."""
    arrays = _same_inputs(inputs, "AddN")
    check_dtype(arrays[0], NUMBER, "inputs")
    return functools.reduce(jnp.add, arrays)


@tf_op("accumulate_n", "math.accumulate_n", family="math", default_name="AddN")
def accumulate_n(
    inputs: Sequence[Any],
    shape: Any = None,
    tensor_dtype: Any = None,
    name: str | None = None,
) -> Array:
    """``tf.accumulate_n(inputs, shape=None, tensor_dtype=None, name=None)``: the same sum
    as :func:`add_n` (TF1 only differed in memory use); ``shape`` and ``tensor_dtype``,
    when given, are checked."""
    arrays = _same_inputs(inputs, "AddN")
    if shape is not None and tuple(arrays[0].shape) != tuple(shape):
        raise ValueError(f"Shape of inputs {arrays[0].shape} does not match shape {shape}.")
    if tensor_dtype is not None and arrays[0].dtype != canonical(tensor_dtype):
        raise TypeError(
            f"tensor_dtype is {canonical(tensor_dtype).name}, but inputs are "
            f"{arrays[0].dtype.name}."
        )
    return functools.reduce(jnp.add, arrays)


# ----------------------------------------------------------------------------------------
# Segment ops
# ----------------------------------------------------------------------------------------


def _segment_args(data: Any, segment_ids: Any, op_type: str) -> tuple[Array, Array]:
    data = to_tensor(data)
    check_dtype(data, REAL_NUMBER if op_type.endswith(("Max", "Min")) else NUMBER, "data")
    ids = to_tensor(segment_ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(
            f"Value passed to parameter 'segment_ids' has DataType {ids.dtype.name} not in "
            "list of allowed values: int32, int64"
        )
    if ids.ndim > data.ndim:
        raise ValueError(
            f"Shape must be at least rank {ids.ndim} but is rank {data.ndim} for "
            f"'{op_type}' (op: '{op_type}') with input shapes: {shape_text(data.shape)}, "
            f"{shape_text(ids.shape)}."
        )
    for d, i in zip(data.shape, ids.shape, strict=False):
        if d != i:
            raise ValueError(
                f"Dimensions must be equal, but are {d} and {i} for '{op_type}' (op: "
                f"'{op_type}') with input shapes: {shape_text(data.shape)}, "
                f"{shape_text(ids.shape)}."
            )
    flat = data.reshape((-1,) + data.shape[ids.ndim :])
    return flat, ids.reshape(-1)


def _num_sorted_segments(ids: Array, op: str) -> int:
    if isinstance(ids, jax.core.Tracer):
        raise TypeError(
            f"tf.{op} sizes its output from the largest segment id, which is unknown under "
            f"jit; use tf.unsorted_{op}(data, segment_ids, num_segments) with a Python int."
        )
    return int(np.max(np.asarray(ids))) + 1 if ids.size else 0


def _segment_reduce(
    kind: str, data: Array, ids: Array, num: int, empty_fill: str, sorted_ids: bool
) -> Array:
    counts = jax.ops.segment_sum(
        jnp.ones(ids.shape, jnp.int32), ids, num_segments=num, indices_are_sorted=sorted_ids
    )
    counts = counts.reshape((num,) + (1,) * (data.ndim - 1))
    kw = {"num_segments": num, "indices_are_sorted": sorted_ids}
    if kind == "sum":
        return jax.ops.segment_sum(data, ids, **kw)
    if kind == "prod":
        return jax.ops.segment_prod(data, ids, **kw)
    if kind in ("mean", "sqrt_n"):
        total = jax.ops.segment_sum(data, ids, **kw)
        n = jnp.maximum(counts, 1).astype(data.dtype)
        if kind == "mean" and not jnp.issubdtype(data.dtype, jnp.inexact):
            return _c_div(total, n)
        return total / (n if kind == "mean" else jnp.sqrt(n))
    out = (jax.ops.segment_max if kind == "max" else jax.ops.segment_min)(data, ids, **kw)
    if empty_fill == "zero":
        fill = jnp.zeros((), data.dtype)
    else:  # unsorted: the lowest (max) or highest (min) finite value of the dtype
        info = (
            jnp.finfo(data.dtype)
            if jnp.issubdtype(data.dtype, jnp.inexact)
            else jnp.iinfo(data.dtype)
        )
        fill = jnp.asarray(info.min if kind == "max" else info.max, data.dtype)
    return jnp.where(counts > 0, out, fill)


def _sorted_segment(kind: str, op_type: str) -> Callable[..., Array]:
    def op(data: Any, segment_ids: Any, name: str | None = None) -> Array:
        flat, ids = _segment_args(data, segment_ids, op_type)
        num = _num_sorted_segments(ids, f"segment_{kind}")
        return _segment_reduce(kind, flat, ids, num, "zero", True)

    op.__name__ = op.__qualname__ = f"segment_{kind}"
    op.__doc__ = (
        f"``tf.segment_{kind}(data, segment_ids, name=None)``: the {kind} of the rows of "
        "``data`` sharing a (sorted) segment id; ids without rows give 0"
        + (" (1 for the product)." if kind == "prod" else ".")
        + " The output size is the largest id + 1, so the ids must be concrete (use "
        f"``tf.unsorted_segment_{kind}`` under jit)."
    )
    return tf_op(f"segment_{kind}", f"math.segment_{kind}", family="math", default_name=op_type)(op)


def _unsorted_segment(kind: str, op_type: str) -> Callable[..., Array]:
    def op(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Array:
        flat, ids = _segment_args(data, segment_ids, op_type)
        num = static_ints(num_segments, "num_segments")
        return _segment_reduce(kind, flat, ids, num, "lowest", False)

    empty = {
        "sum": "0",
        "mean": "0",
        "sqrt_n": "0",
        "prod": "1",
        "max": "the dtype's lowest value",
        "min": "the dtype's highest value",
    }[kind]
    op.__name__ = op.__qualname__ = f"unsorted_segment_{kind}"
    op.__doc__ = (
        f"``tf.unsorted_segment_{kind}(data, segment_ids, num_segments, name=None)``: the "
        f"{kind} of the rows of ``data`` per segment id in ``[0, num_segments)``; ids out "
        f"of range are dropped, empty segments give {empty}."
    )
    return tf_op(
        f"unsorted_segment_{kind}",
        f"math.unsorted_segment_{kind}",
        family="math",
        default_name=op_type,
    )(op)


segment_sum = _sorted_segment("sum", "SegmentSum")
segment_mean = _sorted_segment("mean", "SegmentMean")
segment_max = _sorted_segment("max", "SegmentMax")
segment_min = _sorted_segment("min", "SegmentMin")
segment_prod = _sorted_segment("prod", "SegmentProd")
unsorted_segment_sum = _unsorted_segment("sum", "UnsortedSegmentSum")
unsorted_segment_max = _unsorted_segment("max", "UnsortedSegmentMax")
unsorted_segment_min = _unsorted_segment("min", "UnsortedSegmentMin")
unsorted_segment_prod = _unsorted_segment("prod", "UnsortedSegmentProd")
unsorted_segment_mean = _unsorted_segment("mean", "UnsortedSegmentMean")
unsorted_segment_sqrt_n = _unsorted_segment("sqrt_n", "UnsortedSegmentSqrtN")


def _sparse_segment(kind: str, op_type: str) -> Callable[..., Array]:
    def op(
        data: Any,
        indices: Any,
        segment_ids: Any,
        name: str | None = None,
        num_segments: Any = None,
    ) -> Array:
        rows = jnp.take(to_tensor(data), to_tensor(indices), axis=0)
        flat, ids = _segment_args(rows, segment_ids, op_type)
        if num_segments is None:
            num = _num_sorted_segments(ids, f"sparse_segment_{kind}")
        else:
            num = static_ints(num_segments, "num_segments")
        return _segment_reduce(kind, flat, ids, num, "zero", num_segments is None)

    op.__name__ = op.__qualname__ = f"sparse_segment_{kind}"
    op.__doc__ = (
        f"``tf.sparse_segment_{kind}(data, indices, segment_ids, name=None, "
        f"num_segments=None)``: ``tf.segment_{kind}`` of ``data[indices]``; with "
        "``num_segments`` the output has that many rows (and works under jit)."
    )
    return tf_op(f"sparse_segment_{kind}", family="math", default_name=op_type)(op)


sparse_segment_sum = _sparse_segment("sum", "SparseSegmentSum")
sparse_segment_mean = _sparse_segment("mean", "SparseSegmentMean")
sparse_segment_sqrt_n = _sparse_segment("sqrt_n", "SparseSegmentSqrtN")


# ----------------------------------------------------------------------------------------
# Counting and sequence checks
# ----------------------------------------------------------------------------------------


def _concrete_int(value: Array, what: str, fix: str) -> int:
    if isinstance(value, jax.core.Tracer):
        raise TypeError(f"{what} is unknown under jit (it depends on array values); {fix}.")
    return int(value)


@tf_op("bincount", "math.bincount", family="math", default_name="bincount")
def bincount(
    arr: Any,
    weights: Any = None,
    minlength: int | None = None,
    maxlength: int | None = None,
    dtype: Any = np.int32,
) -> Array:
    """``tf.math.bincount(arr, weights=None, minlength=None, maxlength=None,
    dtype=tf.int32)``: how often each value ``0..n-1`` occurs in ``arr`` (or the sum of
    its ``weights``), ``n = max(arr) + 1`` raised to ``minlength`` and capped at
    ``maxlength``; values at or past ``n`` are dropped. Under jit the length must be
    static: pass ``minlength == maxlength``."""
    values = to_tensor(arr)
    if values.dtype.kind not in "iu":
        raise TypeError(
            f"Value passed to parameter 'arr' has DataType {values.dtype.name} not in list "
            "of allowed values: int32, int64"
        )
    if minlength is not None and minlength == maxlength:
        length = int(minlength)
    else:
        top = jnp.max(values) + 1 if values.size else jnp.asarray(0)
        length = _concrete_int(
            top,
            "tf.bincount's output length",
            "pass minlength and maxlength equal to the number of bins",
        )
        length = max(length, int(minlength or 0))
        if maxlength is not None:
            length = min(length, int(maxlength))
    if weights is None:
        w = jnp.ones(values.shape, canonical(dtype))
    else:
        w = to_tensor(weights)
        w = (
            jnp.broadcast_to(w, values.shape)
            if w.size
            else jnp.ones(values.shape, canonical(dtype))
        )
    flat = values.reshape(-1)
    return jax.ops.segment_sum(w.reshape(-1), flat, num_segments=length)


@tf_op("confusion_matrix", "math.confusion_matrix", family="math", default_name="confusion_matrix")
def confusion_matrix(
    labels: Any,
    predictions: Any,
    num_classes: int | None = None,
    dtype: Any = np.int32,
    name: str | None = None,
    weights: Any = None,
) -> Array:
    """``tf.confusion_matrix(labels, predictions, num_classes=None, dtype=tf.int32,
    weights=None)``: ``out[i, j]`` counts (or sums ``weights`` of) the examples with label
    ``i`` predicted as ``j``. Without ``num_classes`` (needed under jit) it is
    ``max(labels, predictions) + 1``."""
    lab = to_tensor(labels).reshape(-1)
    pred = to_tensor(predictions).reshape(-1)
    if lab.shape != pred.shape:
        raise ValueError(
            f"labels and predictions must have one shape, got {shape_text(lab.shape)} and "
            f"{shape_text(pred.shape)}."
        )
    if num_classes is None:
        top = jnp.maximum(jnp.max(lab), jnp.max(pred)) + 1 if lab.size else jnp.asarray(0)
        n = _concrete_int(top, "tf.confusion_matrix's size", "pass num_classes")
    else:
        n = static_ints(num_classes, "num_classes")
    out_dtype = canonical(dtype)
    w = (
        jnp.ones(lab.shape, out_dtype)
        if weights is None
        else to_tensor(weights).reshape(-1).astype(out_dtype)
    )
    flat = lab.astype(jnp.int32) * n + pred.astype(jnp.int32)
    valid = (lab >= 0) & (lab < n) & (pred >= 0) & (pred < n)
    flat = jnp.where(valid, flat, n * n)
    return jax.ops.segment_sum(w, flat, num_segments=n * n).reshape(n, n)


@tf_op("math.polyval", family="math", default_name="polyval")
def polyval(coeffs: Sequence[Any], x: Any, name: str | None = None) -> Array:
    """``tf.math.polyval(coeffs, x)``: ``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` by
    Horner's rule; zeros for an empty list."""
    x = to_tensor(x)
    if not coeffs:
        return jnp.zeros_like(x)
    cs = [to_tensor(c, x.dtype, op_type="polyval", arg="coeffs") for c in coeffs]
    out = cs[0]
    for c in cs[1:]:
        out = out * x + c
    return jnp.broadcast_to(out, jnp.broadcast_shapes(out.shape, x.shape))


@tf_op("math.zero_fraction", family="math", default_name="zero_fraction")
def zero_fraction(value: Any, name: str | None = None) -> Array:
    """``tf.math.zero_fraction(value)``: the share of elements equal to 0, as float32
    (e.g. the sparsity of ReLU outputs in a summary)."""
    v = to_tensor(value)
    return jnp.mean((v == jnp.zeros((), v.dtype)).astype(jnp.float32))


def _monotone(x: Any, strict: bool) -> Array:
    v = to_tensor(x)
    check_dtype(v, REAL_NUMBER)
    flat = v.reshape(-1)
    if flat.size < 2:
        return jnp.asarray(True)
    step = flat[1:] - flat[:-1] if v.dtype.kind != "u" else None
    if step is None:  # unsigned: compare instead of subtracting
        return jnp.all(flat[1:] > flat[:-1]) if strict else jnp.all(flat[1:] >= flat[:-1])
    return jnp.all(step > 0) if strict else jnp.all(step >= 0)


@tf_op(
    "is_non_decreasing",
    "math.is_non_decreasing",
    family="math",
    default_name="is_non_decreasing",
)
def is_non_decreasing(x: Any, name: str | None = None) -> Array:
    """``tf.is_non_decreasing(x)``: whether each element (in row-major order) is >= the
    one before it; True for fewer than two elements."""
    return _monotone(x, strict=False)


@tf_op(
    "is_strictly_increasing",
    "math.is_strictly_increasing",
    family="math",
    default_name="is_strictly_increasing",
)
def is_strictly_increasing(x: Any, name: str | None = None) -> Array:
    """``tf.is_strictly_increasing(x)``: whether each element (in row-major order) is >
    the one before it; True for fewer than two elements."""
    return _monotone(x, strict=True)


def _approx_k(is_max: bool):
    def op(
        operand: Any,
        k: int,
        reduction_dimension: int = -1,
        recall_target: float = 0.95,
        reduction_input_size_override: int = -1,
        aggregate_to_topk: bool = True,
        name: str | None = None,
    ) -> tuple[Array, Array]:
        x = to_tensor(operand)
        check_dtype(x, REAL_FLOATING, "operand")
        fn = lax.approx_max_k if is_max else lax.approx_min_k
        return fn(
            x,
            int(k),
            reduction_dimension=reduction_dimension,
            recall_target=recall_target,
            reduction_input_size_override=reduction_input_size_override,
            aggregate_to_topk=aggregate_to_topk,
        )

    kind = "max" if is_max else "min"
    op.__name__ = op.__qualname__ = f"approx_{kind}_k"
    op.__doc__ = (
        f"``tf.math.approx_{kind}_k(operand, k, reduction_dimension=-1, "
        "recall_target=0.95, ...)``: ``(values, indices)`` of the ``k`` "
        f"{'largest' if is_max else 'smallest'} entries along ``reduction_dimension`` "
        "(XLA's approximate top-k on TPU, exact elsewhere)."
    )
    return tf_op(f"math.approx_{kind}_k", family="math", default_name=f"Approx{kind.title()}K")(op)


approx_max_k = _approx_k(True)
approx_min_k = _approx_k(False)
