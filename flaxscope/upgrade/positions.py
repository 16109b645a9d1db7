"""Line and column of the nodes a report mentions, from one code generation pass.

LibCST's ``PositionProvider`` computes a range for every node of a file (a context
manager and a range object per node); the report needs the start of a few dozen. This
pass writes the original file once, counting lines as tokens go out, and notes where each
wanted node starts. A statement line starts at its first statement (after its comments
and indentation), as in ``PositionProvider``.

LibCST has no public hook into code generation: this module (and only it) subclasses its
``libcst._nodes.internal.CodegenState`` and calls ``Module._codegen``.
tests/project/test_third_party_internals.py fails loudly if they change, and
tests/upgrade/test_upgrade_cli.py checks the positions against ``PositionProvider``.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst
from libcst._nodes.internal import CodegenState


class _Locator(CodegenState):
    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(default_indent=module.default_indent,
                         default_newline=module.default_newline)
        self.line, self.column = 1, 0
        self.wanted = wanted
        self.found: dict[int, tuple[int, int]] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        newlines = value.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - value.rfind("\n") - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted and key not in self.found:
            self.found[key] = (self.line, self.column)


def _anchor(node: cst.CSTNode) -> cst.CSTNode:
    """The node whose first token is ``node``'s syntactic start."""
    while isinstance(node, cst.SimpleStatementLine) and node.body:
        node = node.body[0]
    if isinstance(node, cst.BaseCompoundStatement | cst.FunctionDef | cst.ClassDef):
        name = getattr(node, "name", None)
        if isinstance(name, cst.Name):
            return name
    return node


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """``{id(node): (line, column)}`` for ``nodes`` of ``module`` (1-based lines,
    0-based columns); a node not in ``module`` is absent."""
    anchors = {id(n): _anchor(n) for n in nodes}
    state = _Locator(module, {id(a) for a in anchors.values()})
    module._codegen(state)
    return {key: state.found[id(a)] for key, a in anchors.items() if id(a) in state.found}
