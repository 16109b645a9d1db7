"""Variable rule: ``tf.get_variable``/``tf.Variable`` return the variable's value (a JAX
array) in flaxscope, not a ``tf.Variable`` object, so its attributes and methods change.

| TF1 (``v`` assigned from ``tf.get_variable``/``tf.Variable``) | converted |
| --- | --- |
| ``v.name`` | ``fs.name_of(v)`` |
| ``v.assign(x)``, ``v.assign_add(x)``, ``v.assign_sub(x)`` | ``tf.assign(v, x)``, ... |
| ``v.value()``, ``v.read_value()``, ``v.initialized_value()`` | ``v`` |

Only names bound directly to such a call (or to a call of a function of the same file
that returns such a name) are known to hold a variable; other variables (a function's
argument, a list item) are left alone.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

CREATORS = frozenset({"get_variable", "Variable"})
ASSIGNS = {"assign": "assign", "assign_add": "assign_add", "assign_sub": "assign_sub"}
READS = frozenset({"value", "read_value", "initialized_value"})


def bound_variable(node: cst.Assign, path_of: Callable[[cst.CSTNode], str | None]) -> tuple[
        list[str], bool]:
    """``(names assigned, whether the value is a new variable)``."""
    names = [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
    is_var = isinstance(node.value, cst.Call) and path_of(node.value.func) in CREATORS
    return names, is_var and len(node.targets) == 1 and len(names) == 1


def name_attribute(node: cst.Attribute, known: set[str],
                   name_of: Callable[[], cst.BaseExpression]) -> cst.BaseExpression | None:
    """``v.name`` -> ``fs.name_of(v)``."""
    if node.attr.value == "name" and isinstance(node.value, cst.Name) and node.value.value in known:
        return cst.Call(func=name_of(), args=[cst.Arg(node.value)], lpar=node.lpar,
                        rpar=node.rpar)
    return None


def method_call(node: cst.Call, known: set[str],
                render: Callable[[str], cst.BaseExpression]) -> cst.BaseExpression | None:
    """``v.assign(x)`` -> ``tf.assign(v, x)``; ``v.read_value()`` -> ``v``."""
    func = node.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
            and func.value.value in known):
        return None
    method = func.attr.value
    if method in READS and not node.args:
        return func.value.with_changes(lpar=node.lpar, rpar=node.rpar)
    if method in ASSIGNS and node.args:
        first = cst.Arg(func.value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return node.with_changes(func=render(ASSIGNS[method]), args=[first, *node.args])
    return None
