"""Placeholder rule: ``x = tf.placeholder(...)`` directly in the body of the function that
builds the model (or in its ``with`` blocks) becomes a parameter ``x`` of that function,
and the line becomes a comment that says so. Elsewhere (module level, a loop, an ``if``,
inside an expression, a function that runs a ``Session`` and so feeds the placeholder
itself) it cannot be decided statically and is reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

MARK = "flaxscope-upgrade:"


@dataclass
class Moved:
    """A placeholder line turned into an argument (until its function says otherwise)."""

    name: str
    call: cst.Call
    statement: cst.SimpleStatementLine  # the line as it was
    marker: cst.SimpleStatementLine  # what stands in its place until the function ends
    comment: str
    entries: set[int]  # ids of its report entries (dropped if the line stays)


@dataclass
class Frame:
    """One function being converted."""

    node: cst.FunctionDef
    depth: int = 0  # loops/ifs/trys entered inside it (placeholders there stay)
    driver: bool = False  # it runs a Session: its placeholders are fed there, they stay
    moved: list[Moved] = field(default_factory=list)


def params_of(fn: cst.FunctionDef) -> set[str]:
    p = fn.params
    names = {a.name.value for a in [*p.posonly_params, *p.params, *p.kwonly_params]}
    for star in (p.star_arg, p.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


def assigned_placeholder(stmt: cst.SimpleStatementLine) -> tuple[str, cst.Call] | None:
    """``(name, call)`` for a line ``name = <call>``."""
    if len(stmt.body) != 1 or not isinstance(stmt.body[0], cst.Assign):
        return None
    assign = stmt.body[0]
    if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
        return None
    if not isinstance(assign.value, cst.Call):
        return None
    return assign.targets[0].target.value, assign.value


def comment_text(name: str, function: str, code: str) -> str:
    return f"# {MARK} `{name}` is an argument of {function}() (was: {' '.join(code.split())})"


def add_params(fn: cst.FunctionDef, names: list[str]) -> cst.FunctionDef:
    """``fn`` with ``names`` as new parameters: positional when that keeps the signature
    valid, else keyword-only."""
    p = fn.params
    new = [cst.Param(name=cst.Name(n)) for n in names]
    positional_ok = (
        not any(a.default is not None for a in [*p.posonly_params, *p.params])
        and isinstance(p.star_arg, cst.MaybeSentinel)
        and not p.kwonly_params
        and p.star_kwarg is None
    )
    if positional_ok:
        params = list(p.params)
        if params and params[-1].comma is not cst.MaybeSentinel.DEFAULT:
            params[-1] = params[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return fn.with_changes(params=p.with_changes(params=[*params, *new]))
    star = p.star_arg if not isinstance(p.star_arg, cst.MaybeSentinel) else cst.ParamStar()
    kwonly = list(p.kwonly_params)
    if kwonly and kwonly[-1].comma is not cst.MaybeSentinel.DEFAULT:
        kwonly[-1] = kwonly[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    params = list(p.params)
    if params and params[-1].comma is not cst.MaybeSentinel.DEFAULT:
        params[-1] = params[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return fn.with_changes(
        params=p.with_changes(params=params, star_arg=star, kwonly_params=[*kwonly, *new]))


class _Markers(cst.CSTTransformer):
    """Puts the placeholder lines back (``keep``) or drops them for their comments."""

    def __init__(self, moved: list[Moved], keep: bool) -> None:
        super().__init__()
        self.by_marker = {id(m.marker): m for m in moved}
        self.keep = keep

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False  # statements only: expressions hold no markers

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # an inner function resolved its own

    def leave_IndentedBlock(self, original: cst.IndentedBlock,
                            updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not any(id(s) in self.by_marker for s in updated.body):
            return updated
        body: list[cst.BaseStatement] = []
        pending: list[cst.EmptyLine] = []
        for stmt in updated.body:
            moved = self.by_marker.get(id(stmt))
            if moved is not None and self.keep:
                stmt = moved.statement
            elif moved is not None:
                pending += [*stmt.leading_lines, cst.EmptyLine(comment=cst.Comment(moved.comment))]
                continue
            if pending:
                stmt = stmt.with_changes(leading_lines=[*pending, *stmt.leading_lines])
                pending = []
            body.append(stmt)
        if pending:
            body.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=pending))
        return updated.with_changes(body=body)


def resolve_markers(body: cst.BaseSuite, frame: Frame, keep: bool) -> cst.BaseSuite:
    """``body`` with the frame's placeholder lines put back (``keep``) or turned into
    comments on the next line."""
    return body.visit(_Markers(frame.moved, keep))  # type: ignore[return-value]
