"""No file of the project may copy TensorFlow's code or prose (CONTRIBUTING.md, "Own every line").

The check is the shared provenance tool, ``../shared/tools/provenance.py`` beside the
checkout (where CI puts it), or the file named by ``FLAXSCOPE_PROVENANCE_TOOL``. It cuts
every ``.py`` under flaxscope/, examples/, tests/, benchmarks/ (and the Markdown docs) into
statements and comment/docstring lines, and marks each run of three or more that is also in
the installed ``tensorflow``/``tf_keras`` sources or in TF's PTB tutorial; a file with more
than 3% of its non-blank lines in such runs fails. Imports, literal constants and the error
texts TF1 compatibility requires are not counted.

Without the tool, or without TensorFlow's sources to compare with, the test is skipped and
says so.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT_PCT = 3.0
ROW = re.compile(r"^(?P<file>\S+)\s+(?P<nonblank>\d+)\s+(?P<covered>\d+)\s+(?P<pct>[\d.]+)%")


def provenance_tool() -> Path | None:
    given = os.environ.get("FLAXSCOPE_PROVENANCE_TOOL")
    candidates = [Path(given)] if given else []
    candidates.append(ROOT.parent / "shared" / "tools" / "provenance.py")
    return next((p for p in candidates if p.is_file()), None)


def test_no_file_copies_more_than_3_percent_from_tensorflow():
    tool = provenance_tool()
    if tool is None:
        pytest.skip(
            "the provenance tool is not beside this checkout (../shared/tools/provenance.py); "
            "set FLAXSCOPE_PROVENANCE_TOOL=/path/to/provenance.py to run this check"
        )
    done = subprocess.run(
        [sys.executable, str(tool), "--root", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    verdict = lines[-1] if lines else done.stderr.strip()[-500:]
    if "fell short" in verdict:  # e.g. tensorflow not installed: nothing to compare with
        pytest.skip(verdict)
    assert verdict.startswith("provenance:"), (done.stdout[-2000:], done.stderr[-2000:])
    over = {}
    for line in lines:
        row = ROW.match(line)
        if row and float(row["pct"]) > LIMIT_PCT:
            over[row["file"]] = float(row["pct"])
    assert not over, (
        f"files with more than {LIMIT_PCT}% of their lines in runs copied from TensorFlow: "
        f"{over}. Rewrite those runs in the project's own words (the table gives the lines):\n"
        + "\n".join(lines)
    )
    assert done.returncode == 0, verdict
