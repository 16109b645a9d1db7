"""Smoke test of ``benchmarks/tf1_graph.py`` at its ``--tiny`` sizes, in this process.

The three TF1 programs run in flaxscope and in TF1 graph mode from the same initial values
(``--check``): the losses must agree (step 1 to float32 rounding), be finite, and the driver
(round robin, medians, report) must print every program with finite times. The timings
themselves mean nothing at these sizes.
"""

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="TF1 graph mode is the baseline: needs tensorflow-cpu")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "tf1_graph.py"
STEPS = 2


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("tf1_graph_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def checked(bench):
    return bench.main(["--check", "--tiny", "--steps", str(STEPS)])


def test_same_program_text_gives_the_same_losses(bench, checked):
    keys = [f"{p} {'x'.join(map(str, c))}" for p, c in bench.programs("tiny")]
    assert sorted(checked) == sorted(keys) and {k.split()[0] for k in keys} == {
        "lstm",
        "cnn",
        "gan",
    }
    for key, result in checked.items():
        ours, theirs = (np.array(result[side]["losses"]) for side in ("flaxscope", "tf1"))
        assert ours.shape == theirs.shape == (STEPS + 1,), key
        assert np.isfinite(ours).all() and np.isfinite(theirs).all(), key
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, err_msg=key)  # same values
        # Later steps too: the updates (TF1's Adam and momentum rules) are the same.
        assert result["max_rel_diff"] < 1e-4, (key, result)


def test_driver_reports_every_program_with_finite_times(bench, checked, monkeypatch, capsys):
    # The workers' subprocesses replaced by the runs the check already made.
    def spawn(side, args):
        assert args.tiny and args.steps == STEPS
        who = "flaxscope" if side == "flaxscope" else "tf1"
        return {k: {m: v[who][m] for m in ("first", "step")} for k, v in checked.items()}

    monkeypatch.setattr(bench, "_spawn", spawn)
    med = bench.main(["--tiny", "--rounds", "2", "--steps", str(STEPS)])
    report = capsys.readouterr().out
    assert set(med) == set(bench.SIDES)
    for key in checked:
        row = next(line for line in report.splitlines() if line.startswith(key))
        numbers = [float(x) for x in re.findall(r"\d+\.\d+", row[len(key) :])]
        assert len(numbers) == 8, row  # 3 step times, 2 ratios, 3 times to first step
        assert all(math.isfinite(x) and x > 0 for x in numbers), row
