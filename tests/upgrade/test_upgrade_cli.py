"""flaxscope-upgrade's files, trees, command line and report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flaxscope.upgrade import files, report, upgrade_file, upgrade_source, upgrade_tree
from flaxscope.upgrade.cli import main

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "migration.md"

TF1 = """import tensorflow as tf


def model(n):
    x = tf.placeholder(tf.float32, [None, 4])
    w = tf.get_variable("w", [x.get_shape()[-1].value, n])
    return tf.matmul(x, w)


loss = model(3)
grads = tf.gradients(loss, tf.trainable_variables())
opt = tf.train.AdamOptimizer(0.1).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print(sess.run(loss, feed_dict={"x": 1}))
data = tf.data.Dataset.from_tensor_slices([1, 2])
q = tf.FIFOQueue(10, tf.float32)
y = tf.py_func(len, [loss], tf.int64)
s = tf.contrib.seq2seq.dynamic_decode(loss)
z = tf.placeholder(tf.float32)
"""


def kinds(rep: report.FileReport) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for f in rep.findings:
        out.setdefault(f.line, set()).add(f.kind)
    return out


def test_findings_name_every_line_a_person_must_port():
    _, rep = upgrade_source(TF1, "m.py")
    k = kinds(rep)
    assert "placeholder-argument" in k[5]
    assert "gradients" in k[11] and "gradients" in k[12]
    assert "session" in k[13]
    assert "initializer" in k[14] and "fetch" not in k[14]  # reported once, as what it is
    assert {"feed_dict", "fetch"} <= k[15]
    assert "input-pipeline" in k[16] and "input-pipeline" in k[17]
    assert "py_func" in k[18]
    assert "no-equivalent" in k[19]
    assert "placeholder" in k[20]  # module level: stays, reported


def test_every_cited_section_is_a_heading_of_the_guide():
    headings = {
        line.lstrip("#").strip() for line in GUIDE.read_text(encoding="utf-8").splitlines()
        if line.startswith("#") and not line.startswith("# ")
    }
    cited = {v for k, v in vars(report).items() if k.isupper() and isinstance(v, str)} - {
        report.GUIDE}
    assert cited <= headings, f"not headings of {GUIDE.name}: {cited - headings}"
    _, rep = upgrade_source(TF1, "m.py")
    assert {f.section for f in rep.findings} <= headings


def test_report_text_lists_changes_and_findings(tmp_path):
    (tmp_path / "m.py").write_text(TF1)
    rep = upgrade_file(tmp_path / "m.py", tmp_path / "out.py")
    text = report.format_report([rep])
    assert "m.py:1:0: CHANGED (import)" in text
    assert re.search(r"Lines for a person, by kind: .*session 1", text)
    assert "    before: import tensorflow as tf" in text
    assert "    after:  import flaxscope.compat.v1 as tf" in text
    assert re.search(r"m\.py:13:5: NEEDS A PERSON \(session\): .* \[see \"2\. Sessions", text)


def test_file_that_does_not_parse_is_copied_unchanged_and_reported(tmp_path):
    bad = "import tensorflow as tf\ndef f(:\n    pass\n"
    (tmp_path / "bad.py").write_text(bad)
    rep = upgrade_file(tmp_path / "bad.py", tmp_path / "out" / "bad.py")
    assert rep.error and "does not parse" in rep.error
    assert (tmp_path / "out" / "bad.py").read_text() == bad
    assert [f.kind for f in rep.findings] == ["parse-error"]


def test_failed_write_leaves_no_half_written_file(tmp_path, monkeypatch):
    (tmp_path / "m.py").write_text(TF1)
    target = tmp_path / "out.py"
    target.write_text("previous\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        upgrade_file(tmp_path / "m.py", target)
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py", "out.py"]  # no temp left


def test_tree_converts_python_copies_the_rest(tmp_path):
    src = tmp_path / "proj"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "model.py").write_text("import tensorflow as tf\ny = tf.mul(1, 2)\n")
    (src / "train.py").write_text("from pkg.model import y\nprint(y)\n")
    (src / "data.csv").write_text("1,2\n")
    (src / "broken.py").write_text("def (\n")
    reports = upgrade_tree(src, tmp_path / "out")
    out = tmp_path / "out"
    assert (out / "pkg" / "model.py").read_text() == (
        "import flaxscope.compat.v1 as tf\ny = tf.multiply(1, 2)\n")
    assert (out / "train.py").read_text() == "from pkg.model import y\nprint(y)\n"
    assert (out / "data.csv").read_text() == "1,2\n"
    assert (out / "broken.py").read_text() == "def (\n"
    assert sorted(Path(r.infile).name for r in reports if r.copied) == ["data.csv"]
    with pytest.raises(FileExistsError, match="already exists"):
        upgrade_tree(src, out)


def test_cli_file_tree_inplace_and_report(tmp_path, capsys):
    (tmp_path / "m.py").write_text(TF1)
    rc = main(["--infile", str(tmp_path / "m.py"), "--outfile", str(tmp_path / "o.py"),
               "--reportfile", str(tmp_path / "r.txt")])
    assert rc == 0
    assert (tmp_path / "o.py").read_text().startswith("import flaxscope.compat.v1 as tf\n")
    assert "NEEDS A PERSON (session)" in (tmp_path / "r.txt").read_text()
    assert "Converted 1 file(s)" in capsys.readouterr().out
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.py").write_text("import tensorflow as tf\n")
    (tree / "b.py").write_text("x = 1\n")
    rc = main(["--intree", str(tree), "--inplace", "--print_all",
               "--reportfile", str(tmp_path / "r2.txt")])
    assert rc == 0
    assert (tree / "a.py").read_text() == "import flaxscope.compat.v1 as tf\n"
    text = (tmp_path / "r2.txt").read_text()
    assert "b.py: nothing to change" in text  # --print_all lists untouched files too
    assert text in capsys.readouterr().out  # ... and prints the report
    (tree / "c.py").write_text("def (\n")
    assert main(["--intree", str(tree), "--inplace", "--reportfile",
                 str(tmp_path / "r3.txt")]) == 1
    with pytest.raises(SystemExit):
        main(["--infile", str(tmp_path / "m.py")])  # no --outfile
    assert "--infile needs --outfile" in capsys.readouterr().err


def test_python_dash_m_and_console_script(tmp_path):
    (tmp_path / "m.py").write_text("import tensorflow as tf\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "flaxscope.upgrade", "--infile", "m.py", "--outfile", "o.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o.py").read_text() == "import flaxscope.compat.v1 as tf\n"
    assert (tmp_path / "report.txt").exists()  # tf_upgrade_v2's default report name
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'flaxscope-upgrade = "flaxscope.upgrade.cli:main"' in pyproject


def test_idempotent_on_the_project_programs_and_ported_code_untouched():
    tf1 = sorted((ROOT / "tests" / "data").rglob("*.py"))
    ported = sorted((ROOT / "examples").glob("*.py"))
    assert len(tf1) >= 3 and len(ported) >= 5
    for path in tf1 + ported:
        source = path.read_text(encoding="utf-8")
        once, rep = upgrade_source(source, str(path))
        twice, rep2 = upgrade_source(once, str(path))
        assert twice == once and not rep2.changes, f"{path}: not idempotent: {rep2.changes}"
        if path in ported:  # flaxscope code already: nothing to change or flag
            assert once == source and not rep.changes and not rep.findings, (
                path, rep.changes, rep.findings)
        else:
            assert rep.changes, path


def test_report_positions_are_libcst_positions():
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from flaxscope.upgrade.positions import locate

    module = cst.parse_module((ROOT / "tests" / "data" / "tf1_user_script.py").read_text())
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = [n for n in expected if isinstance(n, cst.Call | cst.Attribute | cst.Name |
                                               cst.SimpleStatementLine | cst.ImportAlias)]
    got = locate(module, nodes)
    assert len(nodes) > 300
    assert all(got[id(n)] == (expected[n].start.line, expected[n].start.column) for n in nodes)


def test_missing_libcst_is_a_clear_error(tmp_path, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_libcst(name, *args, **kwargs):
        if name == "flaxscope.upgrade.files":
            raise ModuleNotFoundError("No module named 'libcst'", name="libcst")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_libcst)
    with pytest.raises(SystemExit) as e:
        main(["--infile", "a.py", "--outfile", "b.py"])
    assert e.value.code == 2
    assert "pip install 'flaxscope[upgrade]'" in capsys.readouterr().err


def test_encoding_and_line_endings_kept(tmp_path):
    src = b'# -*- coding: latin-1 -*-\r\nimport tensorflow as tf\r\ns = "caf\xe9"\r\ny = tf.mul(x, 2)\r\n'
    (tmp_path / "m.py").write_bytes(src)
    upgrade_file(tmp_path / "m.py", tmp_path / "o.py")
    assert (tmp_path / "o.py").read_bytes() == (
        b'# -*- coding: latin-1 -*-\r\nimport flaxscope.compat.v1 as tf\r\ns = "caf\xe9"\r\n'
        b"y = tf.multiply(x, 2)\r\n")


def test_contrib_module_import_dropped_with_its_finding_and_star_import_reported():
    src = ("import tensorflow as tf\nfrom tensorflow.contrib import layers as L\n"
           "from tensorflow.contrib.rnn import *\ni = L.xavier_initializer()\n")
    out, rep = upgrade_source(src, "m.py")
    assert out == ("import flaxscope.compat.v1 as tf\nfrom flaxscope.compat.v1.contrib import "
                   "layers as L\nfrom tensorflow.contrib.rnn import *\n"
                   "i = tf.glorot_uniform_initializer()\n")
    assert [(f.line, f.kind) for f in rep.findings] == [(3, "not-converted")]
    assert "import *" in rep.findings[0].message


def test_tensor_only_attributes_of_op_outputs_are_reported():
    src = ("import tensorflow as tf\n\n\ndef f(x):\n    h = tf.nn.relu(x)\n"
           "    print(h.name, h.shape)\n    y = h.eval()\n    s = tf.get_variable_scope()\n"
           "    return s.name, y\n")
    out, rep = upgrade_source(src, "m.py")
    assert [(f.line, f.kind) for f in rep.findings] == [
        (6, "tensor-attribute"), (7, "tensor-attribute")]
    assert "tf.nn.relu is a JAX array, which has no .name" in rep.findings[0].message
