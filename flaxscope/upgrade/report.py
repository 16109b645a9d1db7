"""What a conversion did and what it left to a person, per file, and the report text.

The layout follows ``tf_upgrade_v2``'s report: one block per file, one line per change
(``path:line:col``, the rule, the code before and after) and one per line that needs a
person, each with the section of ``docs/migration.md`` that explains the port.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GUIDE = "docs/migration.md"

# The guide's section titles that findings cite (tests check each is a heading there).
SESSIONS = "2. Sessions and placeholders → `transform`, `init`, `apply` and `jax.jit`"
OPTIMIZERS = "3. `tf.train.*Optimizer` → `flaxscope.train` or optax"
SAVER = "4. `tf.train.Saver` → `flaxscope.checkpoint`"
CONFIG = "5. `tf.ConfigProto(gpu_options...)` → JAX's memory flags"
RANDOM = "9. Dropout and random numbers"
SHAPES = "10c. Shapes: `get_shape`, `as_list`, `set_shape`"
API_TABLE = "11. Every TF1 scope API and its flaxscope equivalent"
UPGRADE = "Converting a TF1 project with `flaxscope-upgrade`"
LEFT_TO_YOU = "What the report leaves to you"


@dataclass(frozen=True)
class Change:
    """One rewrite: where, which rule, the code before and after."""

    line: int
    col: int
    rule: str
    before: str
    after: str


@dataclass(frozen=True)
class Finding:
    """A line a person must look at: what and why, and the guide's section for it."""

    line: int
    col: int
    kind: str  # "session", "gradients", "missing", ... (see findings.py)
    message: str
    section: str


@dataclass
class FileReport:
    """Everything the converter did to one file."""

    infile: str
    outfile: str | None = None
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the file could not be parsed: copied unchanged
    copied: bool = False  # not Python: copied as is

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _one_line(code: str, limit: int = 160) -> str:
    text = " ".join(code.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_report(reports: list[FileReport], print_all: bool = False) -> str:
    """The report text. Without ``print_all``, files with nothing to say are left out."""
    n_changes = sum(len(r.changes) for r in reports)
    n_findings = sum(len(r.findings) for r in reports)
    n_errors = sum(r.error is not None for r in reports)
    n_python = sum(not r.copied for r in reports)
    lines = [
        "flaxscope-upgrade report",
        "========================",
        f"Processed {n_python} Python file(s): {n_changes} change(s), "
        f"{n_findings} line(s) for a person to look at, {n_errors} file(s) not parsed.",
        f"Sections cited are those of {GUIDE}.",
    ]
    kinds: dict[str, int] = {}
    for r in reports:
        for f in r.findings:
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
    if kinds:
        lines.append("Lines for a person, by kind: " + ", ".join(
            f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))))
    lines.append("")
    for r in reports:
        if r.copied or not (print_all or r.changes or r.findings or r.error):
            continue
        target = f" -> {r.outfile}" if r.outfile and r.outfile != r.infile else ""
        lines += ["-" * 80, f"File: {r.infile}{target}", "-" * 80]
        if r.error is not None:
            lines.append(f"{r.infile}: ERROR: {r.error} (copied unchanged)")
        entries: list[tuple[int, int, int, list[str]]] = []
        for f in r.findings:
            entries.append((f.line, f.col, 0, [
                f"{r.infile}:{f.line}:{f.col}: NEEDS A PERSON ({f.kind}): {f.message}"
                f' [see "{f.section}"]']))
        for c in r.changes:
            entries.append((c.line, c.col, 1, [
                f"{r.infile}:{c.line}:{c.col}: CHANGED ({c.rule})",
                f"    before: {_one_line(c.before)}",
                f"    after:  {_one_line(c.after)}"]))
        for *_, text in sorted(entries, key=lambda e: e[:3]):
            lines += text
        if not (r.changes or r.findings or r.error):
            lines.append(f"{r.infile}: nothing to change")
        lines.append("")
    return "\n".join(lines) + "\n"
