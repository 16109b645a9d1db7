"""The seed tutorial's example prints TF1's names and errors, in TF1's order."""

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "seed_tutorial.py"

EXPECTED_IN_ORDER = [
    "conv1/weights:0",
    "conv2/weights:0",
    "conv1_1/weights:0",
    "conv2_1/weights:0",
    "v_scope/Weights:0",
    "v_scope/Weights:0",
    "v_scope_1/bias:0",
    "ValueError: Variable v_scope/bias does not exist, or was not created with "
    "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?",
    "ValueError: Variable rnn/basic_lstm_cell/weights already exists, disallowed. Did you "
    "mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?",
    "rnn/basic_lstm_cell/weights: shape (8, 16)",
]


def test_example_prints_tutorial_names_in_order():
    out = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, check=True
    ).stdout
    pos = 0
    for expected in EXPECTED_IN_ORDER:
        found = out.find(expected, pos)
        assert found >= 0, f"{expected!r} not found (in order) in:\n{out}"
        pos = found + len(expected)
    # The notebook error also says how to fix it.
    assert "reset_default_graph()" in out


def _run_sections(tf, name_of, fresh_graph):
    """Runs the example's sections against a `tf` namespace, returning printed names."""
    mod = runpy.run_path(str(EXAMPLE), run_name="not_main")
    lines = []

    def capture(fn):
        import contextlib
        import io

        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            try:
                fn()
            except ValueError as e:
                print(f"ValueError: {str(e).splitlines()[0]}")
        return buf.getvalue().splitlines()

    for section in [
        "name_scope_section",
        "variable_scope_section",
        "variable_with_get_variable",
        "reuse_missing_variable",
    ]:
        fn = mod[section]
        fn.__globals__["tf"] = tf
        fn.__globals__["fs"] = type("fs", (), {"name_of": staticmethod(name_of)})
        with fresh_graph():
            lines += capture(fn)
    return lines


def test_example_matches_tf1(tf1):
    import contextlib

    import flaxscope as fs
    import flaxscope.compat.v1 as fstf

    @contextlib.contextmanager
    def fs_graph():
        fs.reset_default_graph()
        yield

    tf_lines = _run_sections(tf1, lambda v: v.name, lambda: tf1.Graph().as_default())
    fs_lines = _run_sections(fstf, fs.name_of, fs_graph)
    assert len(tf_lines) == len(fs_lines)
    for t, f in zip(tf_lines, fs_lines, strict=True):
        if t.startswith("ValueError"):
            assert t in f
        else:
            assert t == f


@pytest.mark.parametrize("runs", [2, 3])
def test_notebook_rerun_inside_transform_never_fails(runs):
    import jax

    import flaxscope as fs

    mod = runpy.run_path(str(EXAMPLE), run_name="not_main")
    model = fs.transform(mod["lstm_cell_once"])
    trees = [model.init(jax.random.key(0)) for _ in range(runs)]
    for tree in trees[1:]:
        for name, value in tree["params"].items():
            assert (value == trees[0]["params"][name]).all()
