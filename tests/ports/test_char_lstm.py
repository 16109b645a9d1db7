"""The flagship example, examples/char_lstm.py, run end to end at a tiny size."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import pathlib

import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "char_lstm.py"


def load_example():
    spec = importlib.util.spec_from_file_location("char_lstm_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HIDDEN = 16


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The example trained for a few steps on a tiny text; (module, result, stdout, out)."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("tqdm")
    example = load_example()
    tmp_path = tmp_path_factory.mktemp("char_lstm")
    text = tmp_path / "text.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 40, encoding="utf-8")
    out = tmp_path / "out"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = example.main(
            [
                "--steps", "6", "--batch", "4", "--seq-len", "12", "--hidden", str(HIDDEN),
                "--layers", "2", "--log-every", "3", "--sample-len", "10", "--lr", "0.02",
                "--text", str(text), "--out", str(out), "--no-progress",
            ]
        )  # fmt: skip
    return example, result, buf.getvalue(), out


def test_char_lstm_runs_and_writes_outputs(trained):
    example, result, printed, out = trained
    assert "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel" in printed
    assert "sample: The " in printed and "valid loss" in printed
    losses = result["train_losses"]
    assert len(losses) == 6 and all(np.isfinite(losses))
    assert losses[-1] < losses[0]  # it learns something even in 6 steps
    assert (out / "loss.png").stat().st_size > 0
    assert (out / "vocab.json").exists()
    names = set(result["params"])
    assert names == {
        "embedding",
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
        "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
        "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
        "softmax/w",
        "softmax/b",
    }
    ckpt = result["checkpoint"]
    # A tf.train.Saver(max_to_keep=3) checkpoint at each report (steps 3 and 6), the last
    # one named by the state file, as a TF1 training loop leaves them.
    assert ckpt == str(out / "model.ckpt-6")
    assert fs.checkpoint.latest_checkpoint(str(out)) == ckpt
    assert os.path.exists(str(out / "model.ckpt-3.index"))
    saved = fs.checkpoint.load_variables(ckpt)
    assert set(saved) == names
    for name in names:
        np.testing.assert_array_equal(saved[name], np.asarray(result["params"][name]))


def test_default_text_ships_with_python():
    example = load_example()
    text = example.python_reference_text()
    assert len(text) > 100_000
    data = example.CharData(text)
    batch = data.batch(np.random.default_rng(0), 3, 20)
    assert batch.shape == (3, 21) and batch.max() < data.vocab_size
    assert data.decode(data.encode("The ")) == "The "


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")
def test_checkpoint_restores_in_tf1_with_the_same_logits(trained):
    """The flagship's checkpoint, read by TF1's Saver into the same model written in TF1,
    gives the same logits: names, layout, gate order and forget_bias all agree."""
    example, result, _, _ = trained
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    tf = pytest.importorskip("tensorflow", reason="oracle tensorflow-cpu not installed")
    v1 = tf.compat.v1

    params = result["params"]
    vocab = params["embedding"].shape[0]
    tokens = np.random.default_rng(0).integers(0, vocab, (3, 9)).astype(np.int32)
    ours = fs.transform(
        lambda t: example.char_rnn(t, vocab_size=vocab, hidden=HIDDEN, layers=2)[0]
    ).apply({"params": params}, jnp.asarray(tokens))
    with tf.Graph().as_default():
        embedding = v1.get_variable("embedding", [vocab, HIDDEN])
        inputs = tf.nn.embedding_lookup(embedding, tokens)
        cell = v1.nn.rnn_cell.MultiRNNCell([v1.nn.rnn_cell.BasicLSTMCell(HIDDEN) for _ in range(2)])
        outputs, _ = v1.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
        with v1.variable_scope("softmax"):
            w = v1.get_variable("w", [HIDDEN, vocab])
            b = v1.get_variable("b", [vocab])
        logits = tf.matmul(tf.reshape(outputs, [-1, HIDDEN]), w) + b
        with v1.Session() as sess:
            v1.train.Saver().restore(sess, result["checkpoint"])
            theirs = sess.run(logits).reshape(3, 9, vocab)
    err = np.max(np.abs(np.asarray(ours) - theirs)) / np.max(np.abs(theirs))
    assert err < 1e-5
