"""What flaxscope-upgrade must show on the project's own TF1 programs: converted by the
tool, they run on flaxscope with TF1's names and outputs (from TF's weights), and every
line that still fails is one the report lists.

- the ``# TF1`` blocks of docs/migration.md, each converted and run on a fresh default
  graph: blocks with nothing in their report must pass their own asserts (TF's names and
  values); a block that fails must fail on a line its report lists;
- tests/data/upgrade_demo/model.py (TF 1.0 style: tf.contrib, shape methods, a
  placeholder in the builder): the converted builder, run with TF's weights, gives TF1's
  variable names and outputs to float32 rounding;
- tests/data/tf1_user_script.py: the converted ``classifier`` likewise; its
  ``build_graph`` fails only on a line the report lists.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import sys
import traceback
import types
from pathlib import Path

import numpy as np
import pytest

import flaxscope as fs
from flaxscope.upgrade import upgrade_source

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "migration.md"
HEADER = "import numpy as np\nimport tensorflow.compat.v1 as tf\n"


def tf1_blocks() -> list[tuple[int, str]]:
    blocks, block, start = [], None, 0
    for number, line in enumerate(GUIDE.read_text(encoding="utf-8").splitlines(), 1):
        if block is None and line.startswith("```python"):
            block, start = [], number + 1
        elif block is not None and line.startswith("```"):
            if block and block[0].startswith("# TF1"):
                blocks.append((start, "\n".join(block) + "\n"))
            block = None
        elif block is not None:
            block.append(line)
    return blocks


def original_line(before: str, after: str, line: int) -> int | None:
    """The line of ``before`` that line ``line`` of ``after`` came from."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if j1 < line <= j2:
            return i1 + 1 + min(line - 1 - j1, max(i2 - i1 - 1, 0))
    return None


def failing_line(exc: BaseException, filename: str) -> int:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    assert frames, f"{type(exc).__name__}: {exc} raised outside the converted code"
    return frames[-1].lineno


def run_converted(before: str, filename: str) -> tuple[BaseException | None, set[int], str, dict]:
    """Converts ``before``, runs it on a fresh default graph; returns the exception (or
    None), the report's lines for a person, the converted code and its namespace."""
    after, report = upgrade_source(before, filename)
    assert report.error is None
    flagged = {f.line for f in report.findings if f.kind != "placeholder-argument"}
    fs.reset_default_graph()
    namespace: dict = {"__name__": "converted"}
    try:
        exec(compile(after, filename, "exec"), namespace)  # noqa: S102
    except Exception as e:  # noqa: BLE001 - judged below
        return e, flagged, after, namespace
    return None, flagged, after, namespace


def test_guide_tf1_blocks_run_converted_or_fail_where_the_report_says():
    ran_clean, failed_where_flagged = [], []
    for start, block in tf1_blocks():
        source = HEADER + block
        name = f"{GUIDE.name}:{start}"
        exc, flagged, after, _ = run_converted(source, name)
        if exc is None:
            ran_clean.append(start)
            continue
        line = original_line(source, after, failing_line(exc, name))
        assert flagged, f"{name}: the converted block fails ({exc!r}) but its report is empty"
        assert line in flagged, (
            f"{name}: the converted block fails on line {line} ({type(exc).__name__}: {exc}),"
            f" which its report does not list (it lists {sorted(flagged)})\n{after}")
        failed_where_flagged.append(start)
    # the scope blocks of section 1 need no hand edit at all (their asserts are TF's names)
    assert len(ran_clean) >= 5, (ran_clean, failed_where_flagged)


def _fake_tf1_modules(tf1) -> dict[str, types.ModuleType]:
    """``tensorflow`` as TF 1.x had it (with ``tf.contrib``), for running TF 1.0-style
    originals on TF 2's ``tf.compat.v1``."""
    root = types.ModuleType("tensorflow")
    root.__dict__.update({k: getattr(tf1, k) for k in dir(tf1) if not k.startswith("__")})
    contrib = types.ModuleType("tensorflow.contrib")
    contrib.rnn = tf1.nn.rnn_cell
    contrib.layers = types.SimpleNamespace(
        xavier_initializer=lambda uniform=True, seed=None, dtype=tf1.float32:
            tf1.glorot_uniform_initializer(seed=seed, dtype=dtype))
    root.contrib = contrib
    return {"tensorflow": root, "tensorflow.contrib": contrib}


def _load(path: Path, name: str, monkeypatch, modules: dict | None = None):
    for key, module in (modules or {}).items():
        monkeypatch.setitem(sys.modules, key, module)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tf1_run(tf1, build, x):
    """TF1: build the graph on a placeholder, initialize, run; (names, weights, output).
    TF1's shapes (``shape[i]`` a Dimension with ``.value``) for the call only."""
    tf1.disable_v2_tensorshape()
    try:
        return _tf1_graph_run(tf1, build, x)
    finally:
        tf1.enable_v2_tensorshape()  # TF 2's default, which the rest of the suite expects


def _tf1_graph_run(tf1, build, x):
    with tf1.Graph().as_default():
        tf1.set_random_seed(0)
        inputs = tf1.placeholder(tf1.float32, [None, *x.shape[1:]])
        out = build(inputs)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            names = [v.name[:-2] for v in tf1.global_variables()]
            weights = dict(zip(names, sess.run(tf1.global_variables()), strict=True))
            value = sess.run(out, {inputs: x})
    return names, weights, value


def test_demo_project_model_converted_matches_tf1(tf1, tmp_path, monkeypatch):
    demo = ROOT / "tests" / "data" / "upgrade_demo" / "model.py"
    original = _load(demo, "demo_model_tf1", monkeypatch, _fake_tf1_modules(tf1))
    x = np.random.default_rng(0).normal(size=(6, 5, 4)).astype(np.float32)
    names, weights, expected = _tf1_run(tf1, lambda i: _build_with(original, tf1, i), x)
    converted, report = upgrade_source(demo.read_text(), str(demo))
    (tmp_path / "model.py").write_text(converted)
    ported = _load(tmp_path / "model.py", "demo_model_converted", monkeypatch)
    net = fs.transform(lambda inputs: ported.build_model(inputs=inputs)[1])
    params = net.init(fs_key(), x)["params"]
    assert list(params) == names  # TF1's names, in TF1's creation order
    got = net.apply({"params": {k: weights[k] for k in params}}, x)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=2e-5, atol=2e-6)


def _build_with(module, tf1, inputs):
    """Runs the TF1 builder with its placeholder replaced by ``inputs``."""
    real = tf1.placeholder
    module.tf.placeholder = lambda *a, **k: inputs
    try:
        return module.build_model()[1]
    finally:
        module.tf.placeholder = real


def fs_key():
    import jax

    return jax.random.key(0)


def test_user_script_converted_classifier_matches_tf1(tf1, tmp_path, monkeypatch):
    script = ROOT / "tests" / "data" / "tf1_user_script.py"
    original = _load(script, "user_script_tf1", monkeypatch)
    x = np.random.default_rng(1).normal(size=(5, 10, 4)).astype(np.float32)
    names, weights, expected = _tf1_run(tf1, original.classifier, x)
    converted, report = upgrade_source(script.read_text(), str(script))
    (tmp_path / "script.py").write_text(converted)
    ported = _load(tmp_path / "script.py", "user_script_converted", monkeypatch)
    missing = {f.line: f.message for f in report.findings if f.kind == "missing"}
    net = fs.transform(ported.classifier)
    try:
        params = net.init(fs_key(), x)["params"]
    except AttributeError as e:
        line = failing_line(e, str(tmp_path / "script.py"))
        origin = original_line(script.read_text(), converted, line)
        assert origin in missing, f"line {origin} fails ({e}) but is not reported"
        pytest.skip(f"flaxscope lacks an op the classifier uses (reported): {e}")
    assert list(params) == names
    got = net.apply({"params": {k: weights[k] for k in params}}, x)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=2e-5, atol=2e-6)


def test_user_script_build_graph_fails_only_where_reported(tmp_path, monkeypatch):
    script = ROOT / "tests" / "data" / "tf1_user_script.py"
    converted, report = upgrade_source(script.read_text(), str(script))
    (tmp_path / "script.py").write_text(converted)
    ported = _load(tmp_path / "script.py", "user_script_converted2", monkeypatch)
    flagged = {f.line for f in report.findings if f.kind != "placeholder-argument"}
    assert re.search(r"def build_graph\(inputs, labels\):", converted)
    x = np.zeros((2, 10, 4), np.float32)
    y = np.zeros((2,), np.int32)
    try:
        fs.transform(ported.build_graph).init(fs_key(), x, y)
    except Exception as e:  # noqa: BLE001 - judged below
        line = original_line(script.read_text(), converted, failing_line(e, str(tmp_path / "script.py")))
        assert line in flagged, f"build_graph fails on line {line} ({e!r}), not in {sorted(flagged)}"


def test_converted_sequence_losses_compute_contribs_formulas():
    """contrib's losses, converted to TF1 core ops, run on flaxscope: the weighted mean of
    the per-position cross entropy (seq2seq.sequence_loss), and per example, summed over
    the steps and averaged by the weights (legacy_seq2seq.sequence_loss_by_example)."""
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(4, 6, 5)).astype(np.float32)
    targets = rng.integers(0, 5, size=(4, 6)).astype(np.int32)
    weights = rng.uniform(0.1, 1.0, size=(4, 6)).astype(np.float32)
    z = logits - logits.max(-1, keepdims=True)
    xent = -(z - np.log(np.exp(z).sum(-1, keepdims=True)))[
        np.arange(4)[:, None], np.arange(6)[None, :], targets]
    src = (
        "import tensorflow as tf\n"
        "mean = tf.contrib.seq2seq.sequence_loss(logits, targets, weights)\n"
        "steps = [logits[:, i] for i in range(6)], [targets[:, i] for i in range(6)], "
        "[weights[:, i] for i in range(6)]\n"
        "per_example = tf.contrib.legacy_seq2seq.sequence_loss_by_example(*steps)\n"
    )
    converted, report = upgrade_source(src, "losses.py")
    assert "contrib" not in converted.split("steps")[0]  # sequence_loss converted
    # *steps: the arguments are not visible, so the call stays and is reported
    assert "tf.contrib.legacy_seq2seq.sequence_loss_by_example(*steps)" in converted
    assert [f.kind for f in report.findings] == ["not-converted"]
    src2 = src.replace("(*steps)", "(steps[0], steps[1], steps[2])")
    converted, report = upgrade_source(src2, "losses.py")
    assert "contrib" not in converted and not report.findings, report.findings
    namespace = {"logits": logits, "targets": targets, "weights": weights}
    exec(compile(converted, "losses.py", "exec"), namespace)  # noqa: S102
    np.testing.assert_allclose(namespace["mean"], (xent * weights).sum() / weights.sum(),
                               rtol=2e-6)
    np.testing.assert_allclose(namespace["per_example"],
                               (xent * weights).sum(1) / weights.sum(1), rtol=2e-6)
