"""The coverage report (``python -m flaxscope.compat.v1 --coverage``) on a small usage table,
and the AttributeError a missing ``tf.`` symbol raises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import flaxscope.compat.v1 as tf
from flaxscope.compat.v1 import __main__ as cov

HEADER = "symbol\tcall_sites\trepos\tin_tf_2.21_compat_v1\tcategory\n"
ROWS = [
    ("tf.reshape", 50, "yes", "array"),
    ("tf.concat", 30, "yes", "array"),
    ("tf.no_such_array_op", 20, "yes", "array"),
    ("tf.get_shape", 7, "no", "array"),  # TF 2.21 lacks it: left out
    ("tf.variable_scope", 40, "yes", "variables_scopes"),
    ("tf.GraphKeys.UPDATE_OPS", 5, "yes", "session_graph"),
    ("tf.placeholder", 15, "yes", "session_graph"),
    ("tf.contrib.layers.fully_connected", 99, "no", "contrib"),
    ("tf.contrib.rnn.LSTMCell", 9, "yes", "contrib"),  # contrib: left out
]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "usage.tsv"
    lines = [f"{s}\t{n}\t1\t{yes}\t{c}\n" for s, n, yes, c in ROWS]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_coverage_by_category(table):
    result = cov.coverage(cov.read_usage(table), tf)
    assert set(result) == {"array", "variables_scopes", "session_graph"}
    array = result["array"]
    assert (array.resolved_sites, array.sites) == (80, 100)
    assert (array.resolved_symbols, array.symbols) == (2, 3)
    assert array.share == pytest.approx(0.8)
    assert array.missing == [("tf.no_such_array_op", 20)]
    session = result["session_graph"]
    assert (session.resolved_sites, session.sites) == (5, 20)
    assert session.missing == [("tf.placeholder", 15)]
    assert result["variables_scopes"].share == 1.0


def test_report_text_and_registry_counts(table):
    text = cov.report(cov.read_usage(table), tf, top=3)
    lines = text.splitlines()
    array_line = next(line for line in lines if line.startswith("array "))
    assert "80.0%" in array_line and "80/100" in array_line
    assert "tf.no_such_array_op (20)" in array_line
    op_total = next(line for line in lines if line.startswith("op categories (#17)"))
    assert "80/100" in op_total  # only "array" of the op categories is in this table
    all_line = next(line for line in lines if line.startswith("all "))
    assert "125/160" in all_line
    assert not any(line.startswith("contrib") for line in lines)
    # contrib is counted apart: LSTMCell resolves (flaxscope's tf.contrib.rnn), the layer too
    contrib_line = next(line for line in lines if line.startswith("tf.contrib, apart"))
    assert "108/108" in contrib_line
    registry_line = lines[-1]
    assert registry_line.startswith("op registry: ")
    assert "array " in registry_line


def test_command_line(table):
    run = subprocess.run(
        [sys.executable, "-m", "flaxscope.compat.v1", "--coverage", "--tsv", str(table)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "80.0%" in run.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "flaxscope.compat.v1", "--coverage", "--tsv", "/nonexistent.tsv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_a_bad_table_is_named(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("name\tcount\nx\t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv: a usage table needs"):
        cov.read_usage(bad)


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        (lambda: tf.placeholder, r"tf\.placeholder: there are no placeholders"),
        (lambda: tf.Session, r"tf\.Session: there is no session: fs\.transform"),
        (lambda: tf.get_default_graph, r"tf\.get_default_graph: there is no graph object"),
        (lambda: tf.FIFOQueue, r"tf\.FIFOQueue: TF1's queues"),
        (lambda: tf.train.start_queue_runners, r"tf\.train\.start_queue_runners: TF1's queues"),
        (lambda: tf.data, r"tf\.data: input pipelines stay outside the model"),
        (lambda: tf.py_function, r"tf\.py_function: use tf\.py_func"),
        (lambda: tf.gradients, r"tf\.gradients: take gradients .* jax\.grad"),
        (lambda: tf.global_variables_initializer, r"init does this"),
        (lambda: tf.saved_model, r"tf\.saved_model: export with jax\.export"),
        (lambda: tf.contrib.tpu, r"tf\.contrib\.tpu: of tf\.contrib, flaxscope has slim"),
        (lambda: tf.ConfigProto, r"XLA_PYTHON_CLIENT_MEM_FRACTION"),
        (lambda: tf.get_shape, r"tf\.TensorShape\(x\.shape\)"),
        (lambda: tf.no_such_op_at_all, r"tf\.no_such_op_at_all\. Write it with jax\.numpy"),
    ],
)
def test_missing_symbols_name_their_path_and_the_fix(attribute, expected):
    with pytest.raises(AttributeError, match=expected):
        attribute()
