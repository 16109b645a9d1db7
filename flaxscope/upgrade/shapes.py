"""Shape-method rules: TF1 tensors had shape methods, JAX arrays have a tuple ``.shape``.

| TF1 | converted |
| --- | --- |
| ``x.get_shape().as_list()``, ``x.shape.as_list()`` | ``list(x.shape)`` |
| ``x.get_shape()[i]``, ``x.get_shape()[i].value``, ``x.shape[i].value`` | ``x.shape[i]`` |
| ``len(x.get_shape())`` | ``len(x.shape)`` |
| ``x.get_shape().ndims``, ``x.shape.ndims`` | ``x.ndim`` |
| ``x.get_shape()`` (anything else: ``.is_fully_defined()``, ...) | ``tf.TensorShape(x.shape)`` |
| ``x.dtype.base_dtype``, ``x.dtype.as_numpy_dtype`` | ``x.dtype`` |
| ``x.set_shape(s)`` (a statement) | ``x = tf.ensure_shape(x, s)`` |

Each function takes the node after its children were converted and returns the
replacement, or ``None`` when its pattern does not match.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from flaxscope.upgrade import _cst as c

SET_SHAPE_TARGET = "ensure_shape"
TENSOR_SHAPE = "TensorShape"


def is_get_shape(node: cst.CSTNode) -> bool:
    """``x.get_shape()``."""
    return (
        isinstance(node, cst.Call)
        and not node.args
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "get_shape"
    )


def _shape_of(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """``x`` when ``node`` is ``x.shape``."""
    if isinstance(node, cst.Attribute) and node.attr.value == "shape":
        return node.value
    return None


def consumes_shape(node: cst.CSTNode) -> cst.CSTNode | None:
    """The ``x.get_shape()`` inside a pattern that reads the shape itself (``.as_list()``,
    ``[i]``, ``.ndims``, ``len(...)``): converted to bare ``x.shape``."""
    if isinstance(node, cst.Attribute) and node.attr.value in ("as_list", "ndims"):
        inner = node.value
    elif (isinstance(node, cst.Subscript) and len(node.slice) == 1
          and isinstance(node.slice[0].slice, cst.Index)):
        inner = node.value  # x.get_shape()[i]; a slice [1:] stays a TensorShape
    elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)
          and node.func.value == "len" and len(node.args) == 1):
        inner = node.args[0].value
    else:
        return None
    return inner if is_get_shape(inner) else None


def get_shape(node: cst.Call, bare: bool,
              tensor_shape: Callable[[], cst.BaseExpression]) -> cst.BaseExpression:
    """``x.get_shape()`` -> ``x.shape`` (inside a pattern) or ``tf.TensorShape(x.shape)``."""
    x = node.func.value  # type: ignore[attr-defined]
    shape = cst.Attribute(value=x, attr=cst.Name("shape"), lpar=node.lpar, rpar=node.rpar)
    if bare:
        return shape
    return cst.Call(func=tensor_shape(), args=[cst.Arg(shape.with_changes(lpar=[], rpar=[]))],
                    lpar=node.lpar, rpar=node.rpar)


def call(node: cst.Call) -> cst.BaseExpression | None:
    """``x.shape.as_list()`` -> ``list(x.shape)``."""
    if (not node.args and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "as_list" and _shape_of(node.func.value) is not None):
        return cst.Call(func=cst.Name("list"), args=[cst.Arg(node.func.value)],
                        lpar=node.lpar, rpar=node.rpar)
    return None


def attribute(node: cst.Attribute) -> cst.BaseExpression | None:
    """``x.shape[i].value`` -> ``x.shape[i]``; ``x.shape.ndims`` -> ``x.ndim``;
    ``x.dtype.base_dtype`` -> ``x.dtype``."""
    name = node.attr.value
    value = node.value
    if (name == "value" and isinstance(value, cst.Subscript)
            and _shape_of(value.value) is not None):
        return value.with_changes(lpar=node.lpar, rpar=node.rpar)
    if name == "ndims" and _shape_of(value) is not None:
        return cst.Attribute(value=_shape_of(value), attr=cst.Name("ndim"),  # type: ignore[arg-type]
                             lpar=node.lpar, rpar=node.rpar)
    if (name in ("base_dtype", "as_numpy_dtype") and isinstance(value, cst.Attribute)
            and value.attr.value == "dtype"):
        return value.with_changes(lpar=node.lpar, rpar=node.rpar)
    return None


def set_shape(stmt: cst.Expr, ensure_shape: Callable[[], cst.BaseExpression]) -> cst.Assign | None | bool:
    """``x.set_shape(s)`` -> ``x = tf.ensure_shape(x, s)``; ``False`` when the receiver
    cannot be assigned to; ``None`` when ``stmt`` is not a ``set_shape`` call."""
    node = stmt.value
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "set_shape" and len(node.args) == 1):
        return None
    x = node.func.value
    if c.dotted(x) is None:
        return False
    return cst.Assign(
        targets=[cst.AssignTarget(target=x)],
        value=cst.Call(func=ensure_shape(),
                       args=[cst.Arg(x, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                             node.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)]),
        semicolon=stmt.semicolon,
    )
