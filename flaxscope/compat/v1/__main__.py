"""``python -m flaxscope.compat.v1 --coverage [--tsv PATH]``: how much of TF1's API resolves.

Reads a ranked usage table of ``tf.*`` symbols (tab-separated, with a header: ``symbol``,
``call_sites``, ``repos``, ``in_tf_2.21_compat_v1``, ``category``; the project's corpus is
``../shared/tf1-api-usage.tsv``), resolves every symbol by attribute access on
``flaxscope.compat.v1`` (``tf.nn.relu`` -> ``tf.nn`` then ``.relu``), and prints, by
category, the share of call sites that resolve and the most-called symbols that do not,
then the op registry's counts by family. ``tf.contrib`` (which TensorFlow itself no longer
has) gets a line of its own, outside the totals; symbols TF 2.21's ``tf.compat.v1`` lacks
are left out.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flaxscope.ops import registry

# The categories issue #17 asks to cover ("train (non-session)" is train_optimizers).
OP_CATEGORIES = (
    "math",
    "array",
    "nn",
    "random",
    "control_flow",
    "losses",
    "initializers",
    "dtypes",
    "summaries_logging",
    "train_optimizers",
)


@dataclass(frozen=True)
class UsageRow:
    """One line of the usage table."""

    symbol: str  # "tf.nn.relu"
    call_sites: int
    category: str
    in_tf: bool  # whether TF 2.21's tf.compat.v1 has it


@dataclass
class CategoryCoverage:
    """Resolved and total call sites (and symbols) of one category."""

    category: str
    sites: int = 0
    resolved_sites: int = 0
    symbols: int = 0
    resolved_symbols: int = 0
    missing: list[tuple[str, int]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.resolved_sites / self.sites if self.sites else 1.0

    def add(self, row: UsageRow, ok: bool) -> None:
        self.sites += row.call_sites
        self.symbols += 1
        if ok:
            self.resolved_sites += row.call_sites
            self.resolved_symbols += 1
        else:
            self.missing.append((row.symbol, row.call_sites))


def default_tsv() -> Path | None:
    """``../shared/tf1-api-usage.tsv`` next to the repository, when it is there."""
    repo = Path(__file__).resolve().parents[3]
    for candidate in (
        repo.parent / "shared" / "tf1-api-usage.tsv",
        repo / "shared" / "tf1-api-usage.tsv",
    ):
        if candidate.is_file():
            return candidate
    return None


def read_usage(path: Path) -> list[UsageRow]:
    """The rows of a usage table (see the module docstring for its columns)."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        needed = {"symbol", "call_sites", "category", "in_tf_2.21_compat_v1"}
        if reader.fieldnames is None or not needed <= set(reader.fieldnames):
            raise ValueError(
                f"{path}: a usage table needs the tab-separated columns {sorted(needed)} "
                f"in its header; it has {reader.fieldnames}"
            )
        return [
            UsageRow(
                symbol=r["symbol"].strip(),
                call_sites=int(r["call_sites"]),
                category=r["category"].strip(),
                in_tf=r["in_tf_2.21_compat_v1"].strip().lower() == "yes",
            )
            for r in reader
        ]


def resolves(symbol: str, namespace: object) -> bool:
    """Whether ``tf.a.b.c`` is reachable by attribute access from ``namespace`` (``tf``)."""
    parts = symbol.split(".")
    if parts[0] == "tf":
        parts = parts[1:]
    target = namespace
    for part in parts:
        try:
            target = getattr(target, part)
        except AttributeError:
            return False
    return True


def coverage(rows: Iterable[UsageRow], namespace: object) -> dict[str, CategoryCoverage]:
    """Per category, the call sites and symbols of ``rows`` that resolve in ``namespace``.

    Rows of category ``contrib`` and symbols TF 2.21's ``tf.compat.v1`` lacks are skipped.
    """
    table: dict[str, CategoryCoverage] = {}
    for row in rows:
        if row.category == "contrib" or not row.in_tf:
            continue
        entry = table.setdefault(row.category, CategoryCoverage(row.category))
        entry.add(row, resolves(row.symbol, namespace))
    for entry in table.values():
        entry.missing.sort(key=lambda item: -item[1])
    return table


def _total(name: str, entries: Sequence[CategoryCoverage]) -> CategoryCoverage:
    total = CategoryCoverage(name)
    for e in entries:
        total.sites += e.sites
        total.resolved_sites += e.resolved_sites
        total.symbols += e.symbols
        total.resolved_symbols += e.resolved_symbols
        total.missing.extend(e.missing)
    total.missing.sort(key=lambda item: -item[1])
    return total


def _line(entry: CategoryCoverage, top: int) -> str:
    missing = ", ".join(f"{s} ({n})" for s, n in entry.missing[:top])
    return (
        f"{entry.category:<22}{entry.share:>7.1%}  {entry.resolved_sites:>5}/{entry.sites:<5} "
        f"{entry.resolved_symbols:>4}/{entry.symbols:<4} {missing}"
    )


def report(rows: Sequence[UsageRow], namespace: object, top: int = 5) -> str:
    """The coverage report as text (what ``--coverage`` prints)."""
    table = coverage(rows, namespace)
    ops = [table[c] for c in OP_CATEGORIES if c in table]
    others = [e for c, e in sorted(table.items()) if c not in OP_CATEGORIES]
    lines = [
        "TF1 API coverage of flaxscope.compat.v1: share of call sites that resolve "
        "(symbols TF 2.21's tf.compat.v1 has; tf.contrib left out)",
        f"{'category':<22}{'share':>7}  {'sites':>11} {'symbols':>9} most-called missing",
    ]
    lines += [_line(e, top) for e in ops]
    lines.append(_line(_total("op categories (#17)", ops), top))
    lines += [_line(e, top) for e in others]
    lines.append(_line(_total("all", ops + others), top))
    contrib = CategoryCoverage("tf.contrib, apart")
    for row in rows:
        if row.category == "contrib":
            contrib.add(row, resolves(row.symbol, namespace))
    if contrib.sites:
        contrib.missing.sort(key=lambda item: -item[1])
        lines.append(_line(contrib, top) + " (TF 2 dropped contrib; not in 'all')")
    lines.append(registry_summary())
    return "\n".join(lines)


def registry_summary() -> str:
    """The op registry's counts: ops, TF paths and ops per family."""
    specs = {id(spec): spec for spec in registry().values()}
    by_family = Counter(spec.family for spec in specs.values())
    families = ", ".join(f"{f} {n}" for f, n in by_family.most_common())
    return f"op registry: {len(specs)} ops under {len(registry())} tf. paths ({families})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flaxscope.compat.v1",
        description="Reports which of TF1's tf.* symbols flaxscope.compat.v1 provides.",
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="print, by category, the share of a usage table's call sites that resolve",
    )
    parser.add_argument(
        "--tsv",
        type=Path,
        help="the ranked usage table (default: ../shared/tf1-api-usage.tsv beside the repo)",
    )
    parser.add_argument(
        "--top", type=int, default=5, help="missing symbols listed per category (default 5)"
    )
    args = parser.parse_args(argv)
    if not args.coverage:
        parser.print_help()
        return 2
    path = args.tsv or default_tsv()
    if path is None:
        parser.error(
            "no usage table found at ../shared/tf1-api-usage.tsv beside the repository: "
            "pass one with --tsv PATH"
        )
    if not Path(path).is_file():
        parser.error(f"--tsv {path}: no such file")
    namespace = importlib.import_module("flaxscope.compat.v1")
    print(report(read_usage(Path(path)), namespace, top=args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
