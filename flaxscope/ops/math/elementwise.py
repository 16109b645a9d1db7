"""TF1's one-argument elementwise math ops (``tf.abs``, ``exp``, ``sigmoid``, ``round``,
...), each checked against TF's allowed dtypes.
"""

from __future__ import annotations

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
    check_dtype,
    to_tensor,
)
from flaxscope.ops._registry import tf_op
from flaxscope.ops._tf_grads import tf_abs

Array = jax.Array


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
    tf_abs,
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
    ("is_nan", "math.is_nan", "debugging.is_nan"),
    "IsNan",
    jnp.isnan,
    REAL_FLOATING,
    "whether ``x`` is NaN (bool).",
)
is_inf = _unary(
    ("is_inf", "math.is_inf", "debugging.is_inf"),
    "IsInf",
    jnp.isinf,
    REAL_FLOATING,
    "whether ``x`` is +-inf (bool).",
)
is_finite = _unary(
    ("is_finite", "math.is_finite", "debugging.is_finite"),
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
