"""Smoke test of ``benchmarks/depthwise.py`` at a tiny config, in this process: both JAX
sides agree (the script checks it before timing), every side is timed, and the report has
a finite row for the forward pass and for the gradients. The timings mean nothing here."""

import importlib.util
import math
from pathlib import Path

import pytest

pytest.importorskip("tensorflow", reason="the tf1 column needs tensorflow-cpu")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "depthwise.py"


def test_tiny_run_reports_every_side(capsys):
    spec = importlib.util.spec_from_file_location("depthwise_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--rounds", "1", "--iters", "1", "--configs", "2x8x8x4x1x2", "2x9x9x3x2"])
    assert [(r["config"], r["what"]) for r in rows] == [
        ("2x8x8x4 s1 m2", "fwd"),
        ("2x8x8x4 s1 m2", "fwd+grad"),
        ("2x9x9x3 s2 m1", "fwd"),
        ("2x9x9x3 s2 m1", "fwd+grad"),
    ]
    for row in rows:
        for side in ("flaxscope", "grouped", "tf1"):
            assert math.isfinite(row[side]) and row[side] > 0, (row, side)
    assert "fs/tf1" in capsys.readouterr().out
