"""flaxscope-upgrade's speed: converting a 10,000-line TF1 tree with the command line.

    python benchmarks/upgrade.py                  # 10,000 lines, median of 3 runs
    python benchmarks/upgrade.py --lines 50000 --runs 5

The tree is made of the project's own TF1 programs (``tests/data/tf1_user_script.py``,
the demo project ``tests/data/upgrade_demo/`` and the ``# TF1`` blocks of
``docs/migration.md``, each block a file), copied into packages until it holds
``--lines`` lines. Each run is ``python -m flaxscope.upgrade --intree ... --outtree ...``
in a fresh process, timed from the start of the process to its end (the interpreter,
flaxscope's import and the report included: what a user waits for), with the command's
default ``--jobs`` (2 processes on a machine with 2 or more cores). Printed: wall seconds,
CPU seconds of the process and its workers, and the machine's load average (wall time on
a shared machine grows with the load; CPU seconds do not). The target in the issue: under
10 s for 10,000 lines on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sources() -> list[tuple[str, str]]:
    """``(file name, TF1 code)`` of the project's TF1 programs."""
    out = [("user_script.py", (ROOT / "tests/data/tf1_user_script.py").read_text())]
    for p in sorted((ROOT / "tests/data/upgrade_demo").glob("*.py")):
        out.append((f"demo_{p.name}", p.read_text()))
    guide = (ROOT / "docs/migration.md").read_text(encoding="utf-8").splitlines()
    block: list[str] | None = None
    n = 0
    for line in guide:
        if block is None and line.startswith("```python"):
            block = []
        elif block is not None and line.startswith("```"):
            if block and block[0].startswith("# TF1"):
                n += 1
                code = "import numpy as np\nimport tensorflow as tf\n" + "\n".join(block) + "\n"
                out.append((f"guide_block_{n:02d}.py", code))
            block = None
        elif block is not None:
            block.append(line)
    return out


def make_tree(root: Path, lines: int) -> tuple[int, int]:
    """Writes packages of the sources under ``root`` until ``lines`` lines; returns
    ``(files, lines)`` written."""
    files = sources()
    total = count = pkg = 0
    while total < lines:
        d = root / f"pkg{pkg:03d}"
        d.mkdir(parents=True)
        (d / "notes.txt").write_text("not Python: copied\n")
        for name, code in files:
            (d / name).write_text(code)
            total += code.count("\n")
            count += 1
            if total >= lines:
                break
        pkg += 1
    return count, total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="the command's --jobs")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JAX_PLATFORMS": "cpu"}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tf1_tree"
        n_files, n_lines = make_tree(tree, args.lines)
        times, cpu, loads = [], [], []
        jobs = [] if args.jobs is None else ["--jobs", str(args.jobs)]
        for run in range(args.runs):
            out = Path(tmp) / f"out{run}"
            loads.append(os.getloadavg()[0])
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "flaxscope.upgrade", "--intree", str(tree),
                 "--outtree", str(out), "--reportfile", str(Path(tmp) / f"report{run}.txt"),
                 *jobs],
                env=env, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
            summary = result.stdout.strip().splitlines()[-1]
            shutil.rmtree(out)
        print(f"tree: {n_files} Python files, {n_lines} lines (+ 1 other file per package)")
        print(f"last run: {summary}")
        print(f"cores: {os.cpu_count()}, 1-minute load average before each run: "
              + ", ".join(f"{x:.1f}" for x in loads))
        print("wall seconds per run: " + ", ".join(f"{t:.2f}" for t in times))
        print("CPU seconds per run:  " + ", ".join(f"{t:.2f}" for t in cpu))
        print(f"median of {args.runs}: {statistics.median(times):.2f} s wall "
              f"({n_lines / statistics.median(times):.0f} lines/s), "
              f"{statistics.median(cpu):.2f} s CPU")


if __name__ == "__main__":
    main()
