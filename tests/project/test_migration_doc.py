"""Every code block of docs/migration.md runs.

The conventions, as the guide states them at its top:

- Every fenced code block is a ```python block (so "every code block runs" is checkable).
- A block whose first line is ``# TF1`` is TensorFlow 1.x code. All of them run in one
  subprocess with ``import tensorflow.compat.v1 as tf`` in graph mode
  (``tf.disable_v2_behavior()``, process-wide, hence the subprocess), each in a fresh
  namespace (``tf`` and ``np`` predefined) on a fresh default graph. Skipped, with the
  reason, when TensorFlow is not installed.
- Every other block is flaxscope code: they run in order, in one shared namespace, like
  the cells of a notebook, on a fresh default store, in a temporary working directory.

Failures name the block by its line in the guide (tracebacks point into the guide).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import flaxscope as fs

DOC = Path(__file__).resolve().parents[2] / "docs" / "migration.md"
FENCE = re.compile(r"^```(\S*)[ \t]*$")


def code_blocks() -> list[tuple[str, int, str]]:
    """``(language, first code line number, source)`` of every fenced block, in order."""
    blocks = []
    lang, start, lines = None, 0, []
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), 1):
        m = FENCE.match(line)
        if lang is None and m:
            lang, start, lines = m.group(1), number + 1, []
        elif lang is not None and line.startswith("```"):
            blocks.append((lang, start, "\n".join(lines) + "\n"))
            lang = None
        elif lang is not None:
            lines.append(line)
    assert lang is None, f"unclosed code block at {DOC}:{start - 1}"
    return blocks


def is_tf1(source: str) -> bool:
    return source.lstrip().startswith("# TF1")


def compiled(source: str, line: int):
    """``source`` compiled so that tracebacks show the guide's own line numbers."""
    return compile("\n" * (line - 1) + source, str(DOC), "exec")


def test_every_code_block_is_python():
    blocks = code_blocks()
    assert len(blocks) > 20
    others = [f"line {line}: ```{lang}" for lang, line, _ in blocks if lang != "python"]
    assert not others, f"blocks the test suite cannot run: {others}"


def test_flaxscope_blocks_run_in_order(tmp_path, monkeypatch, capsys):
    blocks = [(line, src) for lang, line, src in code_blocks() if not is_tf1(src)]
    assert blocks[0][1].count("import flaxscope.compat.v1 as tf") == 1
    monkeypatch.chdir(tmp_path)
    environ = dict(os.environ)
    fs.reset_default_graph()
    namespace: dict = {"__name__": "migration_guide"}
    try:
        for line, source in blocks:
            try:
                exec(compiled(source, line), namespace)  # noqa: S102
            except Exception as e:
                raise AssertionError(
                    f"the flaxscope block at {DOC.name}:{line} failed: {type(e).__name__}: {e}"
                ) from e
    finally:
        # The guide sets XLA_PYTHON_CLIENT_* (harmless once JAX has started): undo it.
        os.environ.clear()
        os.environ.update(environ)
    out = capsys.readouterr().out
    assert "Variable rnn/basic_lstm_cell/weights already exists, disallowed." in out


RUNNER = textwrap.dedent(
    """
    import json, sys, traceback
    import numpy as np
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    failures = []
    for line, source in json.load(open(sys.argv[1], encoding="utf-8")):
        tf.reset_default_graph()
        code = compile("\\n" * (line - 1) + source, sys.argv[2], "exec")
        try:
            exec(code, {"__name__": "tf1_block", "tf": tf, "np": np})
        except Exception:
            failures.append((line, traceback.format_exc()))
    print(json.dumps(failures))
    """
)


def test_tf1_blocks_run_on_tensorflow(tmp_path):
    pytest.importorskip(
        "tensorflow", reason="oracle tensorflow-cpu is not installed (pip install -e '.[oracle]')"
    )
    blocks = [(line, src) for lang, line, src in code_blocks() if is_tf1(src)]
    assert len(blocks) >= 10
    (tmp_path / "blocks.json").write_text(json.dumps(blocks), encoding="utf-8")
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, str(tmp_path / "runner.py"), str(tmp_path / "blocks.json"), str(DOC)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    report = "\n".join(f"TF1 block at {DOC.name}:{line}:\n{tb}" for line, tb in failures)
    assert not failures, report
