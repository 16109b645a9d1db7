"""Per-variable cost of this checkout against an older commit, both in one process.

The older package is exported with ``git archive <rev> flaxscope`` into a temporary
folder and renamed ``flaxscope_old`` (its own imports rewritten to match), so both
versions run side by side on the same interpreter, the same JAX and the same machine
state. For each case of ``benchmarks/overhead.py`` (``create``, ``lookup``, ``reuse``,
``bare``) it alternates old and new repetitions (old first on even rounds, new first on
odd ones) and reports each side's median time per variable and the median of the paired
ratios new/old, which cancels most of the drift of a shared machine.

Usage (from the repository root)::

    python benchmarks/overhead_compare.py --rev 1e8368e --n 1000 --reps 61
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("create", "lookup", "reuse", "bare")
OLD = "flaxscope_old"

# Every whole word `flaxscope` (imports, module paths given by name, the protobuf package
# of the checkpoint messages, which must not collide with the new one's) becomes
# flaxscope_old; `flaxscope_frame` and the like are other words and stay.
_WORD = re.compile(r"\bflaxscope\b")


def export_old(rev: str, dest: Path) -> Path:
    """``flaxscope`` at ``rev``, as the package ``flaxscope_old`` under ``dest``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "flaxscope"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    package = dest / OLD
    if package.exists():
        shutil.rmtree(package)
    (dest / "flaxscope").rename(package)
    for path in package.rglob("*.py"):
        text = path.read_text()
        new = _WORD.sub(OLD, text)
        if new != text:
            path.write_text(new)
    return package


def _paired(old_fn, new_fn, reps: int) -> tuple[float, float, float]:
    old_fn()  # warm-up: caches and first-call compilation, both sides
    new_fn()
    t_old, t_new, ratios = [], [], []
    for r in range(reps):
        order = ((old_fn, t_old), (new_fn, t_new))
        for fn, times in order if r % 2 == 0 else order[::-1]:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        ratios.append(t_new[-1] / t_old[-1])
    return statistics.median(t_old), statistics.median(t_new), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="1e8368e", help="the older commit (default 1e8368e)")
    parser.add_argument("--n", type=int, default=1000, help="variables per call")
    parser.add_argument("--reps", type=int, default=61, help="paired repetitions per case")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated subset")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="flaxscope_old_") as tmp:
        export_old(args.rev, Path(tmp))
        sys.path.insert(0, tmp)
        sys.path.insert(1, str(ROOT))
        sys.path.insert(2, str(ROOT / "benchmarks"))
        import flaxscope_old
        import flaxscope_old.compat.v1 as tf_old

        leaked = sorted(m for m in sys.modules if m == "flaxscope" or m.startswith("flaxscope."))
        if leaked:
            raise SystemExit(f"the old package imported the new one: {leaked[:5]}")
        import jax
        import overhead

        import flaxscope
        import flaxscope.compat.v1 as tf_new

        old = overhead.flaxscope_cases(args.n, flaxscope_old, tf_old)
        new = overhead.flaxscope_cases(args.n, flaxscope, tf_new)
        print(
            f"jax {jax.__version__}, {jax.default_backend()}; old {args.rev} "
            f"({Path(flaxscope_old.__file__).parent}) vs new ({Path(flaxscope.__file__).parent})"
        )
        print(f"N={args.n} variables, {args.reps} interleaved repetitions per case")
        print(f"{'case':8} {'old us/var':>11} {'new us/var':>11} {'median new/old':>15}")
        for case in args.cases.split(","):
            t_old, t_new, ratio = _paired(old[case], new[case], args.reps)
            print(
                f"{case:8} {t_old / args.n * 1e6:11.2f} {t_new / args.n * 1e6:11.2f} "
                f"{ratio:15.3f}"
            )
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    main()
