"""``summary(variables)``: a table of a model's variables, TF1's ``slim.model_analyzer``.

One row per variable (TF name, shape, dtype, size, bytes, and sharding when the arrays
carry a ``NamedSharding``), then totals per scope and overall, with trainable and
non-trainable counted apart. ``str()`` gives aligned text; in a notebook the object renders
as an HTML table (``_repr_html_``). Works on concrete arrays and on abstract ones
(``jax.eval_shape(model.init, ...)``), so a model too large for the host can be inspected
before it is built.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from flaxscope.trees import is_variables_tree, path_name

__all__ = ["Row", "Summary", "Totals", "summary"]


@dataclass(frozen=True)
class Row:
    """One variable: its TF name, collection (``params``/``state``/None), shape and sizes."""

    name: str
    collection: str | None
    shape: tuple[int, ...]
    dtype: str
    size: int
    nbytes: int
    sharding: str = ""


@dataclass
class Totals:
    """The number of variables, their elements and bytes."""

    count: int = 0
    size: int = 0
    nbytes: int = 0

    def add(self, row: Row) -> None:
        self.count += 1
        self.size += row.size
        self.nbytes += row.nbytes


def _format_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


@dataclass
class Summary:
    """The rows and totals of :func:`summary`; ``str()`` is the text table."""

    rows: list[Row]
    depth: int = 1
    by_scope: dict[str, Totals] = field(default_factory=dict)
    by_collection: dict[str, Totals] = field(default_factory=dict)
    total: Totals = field(default_factory=Totals)

    def __post_init__(self) -> None:
        for row in self.rows:
            self.total.add(row)
            self.by_scope.setdefault(_scope_of(row.name, self.depth), Totals()).add(row)
            if row.collection is not None:
                self.by_collection.setdefault(row.collection, Totals()).add(row)

    @property
    def _show_sharding(self) -> bool:
        return any(r.sharding for r in self.rows)

    @property
    def _show_collection(self) -> bool:
        return any(r.collection is not None for r in self.rows)

    def _variable_table(self) -> tuple[list[str], list[list[str]]]:
        header = ["Name", "Shape", "Dtype", "Size", "Bytes"]
        if self._show_collection:
            header.insert(1, "Collection")
        if self._show_sharding:
            header.append("Sharding")
        body = []
        for r in self.rows:
            cells = [r.name, str(r.shape), r.dtype, f"{r.size:,}", _format_bytes(r.nbytes)]
            if self._show_collection:
                cells.insert(1, r.collection or "")
            if self._show_sharding:
                cells.append(r.sharding)
            body.append(cells)
        return header, body

    def _totals_table(self) -> tuple[list[str], list[list[str]]]:
        header = ["Scope", "Variables", "Size", "Bytes"]
        body = []

        def line(label: str, t: Totals) -> list[str]:
            return [label, str(t.count), f"{t.size:,}", _format_bytes(t.nbytes)]

        for scope, totals in self.by_scope.items():
            body.append(line(scope or "(root)", totals))
        if len(self.by_collection) > 1 or (
            self.by_collection and set(self.by_collection) != {"params"}
        ):
            for collection, totals in self.by_collection.items():
                label = {"params": "trainable (params)", "state": "non-trainable (state)"}
                body.append(line(label.get(collection, collection), totals))
        body.append(line("Total", self.total))
        return header, body

    def __str__(self) -> str:
        if not self.rows:
            return "No variables."
        parts = [_text_table(*self._variable_table()), "", _text_table(*self._totals_table())]
        return "\n".join(parts)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        if not self.rows:
            return "<p>No variables.</p>"
        return _html_table(*self._variable_table()) + _html_table(*self._totals_table())


def _scope_of(name: str, depth: int) -> str:
    parts = name.split("/")[:-1]
    return "/".join(parts[:depth])


def _is_numeric(cell: str) -> bool:
    return bool(cell) and (cell[0].isdigit() or cell.endswith(" B") or cell.endswith("iB"))


def _text_table(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    numeric = [i for i in range(len(header)) if body and all(_is_numeric(r[i]) for r in body)]

    def fmt(row: list[str]) -> str:
        cells = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(r) for r in body)])


def _html_table(header: list[str], body: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _sharding_str(leaf: Any) -> str:
    try:
        sharding = leaf.sharding
    except Exception:  # tracers and other leaves without a concrete sharding
        return ""
    if not isinstance(sharding, jax.sharding.NamedSharding):
        return ""
    spec = ", ".join(repr(p) if p is not None else "None" for p in sharding.spec)
    shard = sharding.shard_shape(tuple(leaf.shape))
    return f"P({spec}) shard {tuple(shard)}"


def _row(name: str, collection: str | None, leaf: Any) -> Row:
    shape = tuple(int(d) for d in np.shape(leaf))
    dtype = np.dtype(leaf.dtype) if hasattr(leaf, "dtype") else np.asarray(leaf).dtype
    size = int(np.prod(shape, dtype=np.int64))
    return Row(
        name, collection, shape, dtype.name, size, size * dtype.itemsize, _sharding_str(leaf)
    )


def _rows(variables: Any) -> list[Row]:
    if isinstance(variables, Iterable) and not isinstance(variables, Mapping):
        items = list(variables)
        if all(hasattr(v, "op_name") and hasattr(v, "trainable") for v in items):
            # Records from flaxscope.global_variables() (TF1's analyze_vars(variables)).
            return [
                _row(r.op_name, "params" if r.trainable else "state", _record_leaf(r))
                for r in items
            ]
    if is_variables_tree(variables):
        parts = [(str(c), tree) for c, tree in variables.items()]
    else:
        parts = [(None, variables)]
    rows = []
    for collection, tree in parts:
        for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
            rows.append(_row(path_name(path), collection, leaf))
    return rows


def _record_leaf(record: Any) -> Any:
    try:
        return record.value
    except ValueError:  # a leaked tracer: the declared shape and dtype still describe it
        return jax.ShapeDtypeStruct(tuple(record.shape), record.dtype)


def summary(variables: Any, *, depth: int = 1) -> Summary:
    """A table of the variables: TF name, shape, dtype, size, bytes, sharding; totals.

    ``variables`` is a variables tree (``{"params": ..., "state": ...}``, flaxscope's or
    linen's), a params tree, or a list of records (``flaxscope.global_variables()``).
    Leaves may be arrays or ``jax.ShapeDtypeStruct``\\ s. Totals are given per scope, the
    first ``depth`` components of the names, then per collection and overall. ``print`` it,
    or let a notebook render it as HTML.

    TF1 equivalent: ``tf.contrib.slim.model_analyzer.analyze_vars(variables,
    print_info=True)``.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}.")
    return Summary(_rows(variables), depth=depth)
