"""Converting source text, files and trees; every output is written whole or not at all."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

import libcst as cst

from flaxscope.upgrade import findings as f
from flaxscope.upgrade.namespace import Namespace
from flaxscope.upgrade.report import FileReport, Finding
from flaxscope.upgrade.transformer import Upgrader
from flaxscope.xla_cpu import xla_started

_NAMESPACE: Namespace | None = None


def _namespace() -> Namespace:
    global _NAMESPACE
    if _NAMESPACE is None:
        _NAMESPACE = Namespace()
    return _NAMESPACE


def upgrade_source(source: str | bytes, path: str = "<string>") -> tuple[str | bytes, FileReport]:
    """Converts TF1 source code; returns the new code (same type as given) and the report.

    Code that does not parse is returned unchanged, with ``report.error`` saying why.
    """
    report = FileReport(infile=path)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as e:
        report.error = f"does not parse: {' '.join(str(e).split())}"
        report.findings.append(Finding(getattr(e, "raw_line", 0), getattr(e, "raw_column", 0),
                                       f.PARSE_ERROR.kind, report.error, f.PARSE_ERROR.section))
        return source, report
    new = Upgrader(_namespace(), report).run(module)
    if not report.changes:
        return source, report
    return (new.bytes if isinstance(source, bytes) else new.code), report


def _write_atomic(path: Path, data: bytes, mode_from: Path | None = None) -> None:
    """Writes ``data`` to ``path`` through a temporary file renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if mode_from is not None:
            shutil.copymode(mode_from, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def upgrade_file(infile: str | os.PathLike, outfile: str | os.PathLike) -> FileReport:
    """Converts ``infile`` into ``outfile`` (may be the same path: in place)."""
    src, dst = Path(infile), Path(outfile)
    data = src.read_bytes()
    new, report = upgrade_source(data, str(src))
    report.outfile = str(dst)
    if new is not data or src.resolve() != dst.resolve():
        _write_atomic(dst, new, mode_from=src)  # type: ignore[arg-type]
    return report


def _convert_pair(pair: tuple[str, str]) -> FileReport:
    return upgrade_file(*pair)


def _pool_context() -> multiprocessing.context.BaseContext:
    """fork (the workers inherit flaxscope, imported once) unless XLA has started its
    threads in this process (JAX warns that fork may deadlock them then): spawn."""
    if not xla_started() and "fork" in multiprocessing.get_all_start_methods():
        _namespace().missing("nn")  # import flaxscope.compat.v1 before forking
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def upgrade_tree(intree: str | os.PathLike, outtree: str | os.PathLike | None = None,
                 copy_other_files: bool = True, jobs: int = 1) -> list[FileReport]:
    """Converts every ``.py`` file under ``intree`` into the same place under ``outtree``
    (``None``: in place), copying the other files when ``copy_other_files``; ``jobs``
    processes share the files (a large tree on several cores)."""
    root = Path(intree)
    if not root.is_dir():
        raise NotADirectoryError(f"--intree {root} is not a directory")
    out_root = root if outtree is None else Path(outtree)
    if outtree is not None:
        if out_root.exists():
            raise FileExistsError(
                f"--outtree {out_root} already exists: give a new directory (it is created) "
                "or use --inplace")
        if out_root.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"--outtree {out_root} is inside --intree {root}: choose "
                             "another place")
    python: list[tuple[str, str]] = []
    others: list[FileReport] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            src = Path(dirpath) / name
            dst = out_root / src.relative_to(root)
            if name.endswith(".py"):
                python.append((str(src), str(dst)))
            elif outtree is not None and copy_other_files:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
                others.append(FileReport(infile=str(src), outfile=str(dst), copied=True))
    if jobs > 1 and len(python) >= 2 * jobs:
        with _pool_context().Pool(jobs) as pool:
            reports = pool.map(_convert_pair, python, chunksize=max(1, len(python) // (4 * jobs)))
    else:
        reports = [_convert_pair(pair) for pair in python]
    return reports + others
