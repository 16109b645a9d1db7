"""Small LibCST helpers shared by the rules: dotted names, literals, arguments."""

from __future__ import annotations

import libcst as cst

NO_SPACE = cst.SimpleWhitespace("")


def dotted(node: cst.CSTNode) -> str | None:
    """``"tf.nn.relu"`` for the expression ``tf.nn.relu``; ``None`` for anything else."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def chain(path: str) -> cst.BaseExpression:
    """The expression ``a.b.c`` for ``"a.b.c"``."""
    parts = path.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def module_path(node: cst.BaseExpression | cst.ImportAlias) -> str:
    """The dotted module of an import (``import a.b`` / ``from a.b import``)."""
    if isinstance(node, cst.ImportAlias):
        node = node.name
    name = dotted(node)
    assert name is not None
    return name


def int_literal(node: cst.BaseExpression) -> bool:
    """``0``, ``1``, ``-1``: an integer written in the source."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer)


def bool_literal(node: cst.BaseExpression | None) -> bool | None:
    """``True``/``False`` written in the source, else ``None``."""
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def string_literal(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal, else ``None``."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def number_literal(node: cst.BaseExpression | None) -> float | None:
    """The value of ``2``, ``2.0``, ``-1.5`` written in the source, else ``None``."""
    sign = 1.0
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        sign, node = -1.0, node.expression
    if isinstance(node, cst.Integer | cst.Float):
        return sign * float(node.evaluated_value)
    return None


def positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == name:
            return a
    return None


def has_star(call: cst.Call) -> bool:
    return any(a.star for a in call.args)


def kwarg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value`` written as TF writes keywords (no spaces around ``=``)."""
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=NO_SPACE, whitespace_after=NO_SPACE),
    )


def as_keyword(arg: cst.Arg, name: str) -> cst.Arg:
    """``arg`` (positional or keyword) as ``name=...``, keeping its comma and spacing."""
    if arg.keyword is not None:
        return arg.with_changes(keyword=cst.Name(name))
    return arg.with_changes(
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=NO_SPACE, whitespace_after=NO_SPACE),
    )


def with_args(call: cst.Call, args: list[cst.Arg]) -> cst.Call:
    """``call`` with ``args``, each taking the comma (and line break) of the argument
    that stood in its place, the last the original last one's."""
    old, n = call.args, len(args)
    out = []
    for i, a in enumerate(args):
        if i == n - 1:
            comma = old[-1].comma if old else cst.MaybeSentinel.DEFAULT
        elif i < len(old) - 1:
            comma = old[i].comma
        else:
            comma = cst.MaybeSentinel.DEFAULT
        out.append(a.with_changes(comma=comma))
    return call.with_changes(args=out)
