"""The examples of examples/ run end to end at small sizes (no TensorFlow needed).

Each test calls the example's ``main(argv)`` in-process with small flags and checks what
it returns: TF1's variable names, finite losses that go down. The comparisons against the
TF1 originals are in test_examples_vs_tf1.py; the seed tutorial and the char LSTM have
their own test files.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TF1_SCRIPT = ROOT / "tests" / "data" / "tf1_user_script.py"


def load_example(name: str) -> ModuleType:
    """Imports examples/<name>.py (with examples/ on sys.path, as when run as a script)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decreased(losses: list[float], k: int = 3) -> bool:
    assert all(np.isfinite(losses)), losses
    return float(np.mean(losses[-k:])) < float(np.mean(losses[:k]))


def test_siamese(capsys):
    siamese = load_example("siamese")
    out = siamese.main(
        ["--steps", "40", "--batch", "32", "--input-dim", "16", "--hidden", "32", "--lr", "0.2",
         "--log-every", "20"]
    )  # fmt: skip
    assert sorted(out["params"]) == [
        f"siamese/fc{i}{v}" for i in (1, 2, 3) for v in ("W", "b")
    ]  # one tower's variables: the second tower reused them
    assert out["params"]["siamese/fc1W"].shape == (16, 32)
    assert decreased(out["losses"])
    assert out["same"] < out["other"]
    assert "siamese/fc3b: [2]" in capsys.readouterr().out


def test_seq2seq_shared_embedding():
    seq2seq = load_example("seq2seq_shared_embedding")
    out = seq2seq.main(
        ["--steps", "20", "--batch", "16", "--length", "3", "--embedding-size", "8",
         "--hidden", "16", "--lr", "0.03", "--log-every", "10"]
    )  # fmt: skip
    assert sorted(out["params"]) == [
        "seq2seq/decoder/basic_lstm_cell/bias",
        "seq2seq/decoder/basic_lstm_cell/kernel",
        "seq2seq/embedding/embedding_share",  # one embedding for encoder and decoder
        "seq2seq/encoder/basic_lstm_cell/bias",
        "seq2seq/encoder/basic_lstm_cell/kernel",
        "seq2seq/output_projection/b",  # one projection for training and greedy decoding
        "seq2seq/output_projection/w",
    ]
    assert out["params"]["seq2seq/encoder/basic_lstm_cell/kernel"].shape == (8 + 16, 4 * 16)
    assert decreased(out["losses"])
    assert 0.0 <= out["accuracy"] <= 1.0


def test_gan_make_template():
    gan = load_example("gan_make_template")
    out = gan.main(["--steps", "20", "--batch", "16", "--log-every", "10"])
    assert sorted(out["params"]) == sorted(
        [f"generator/g{i}/{v}" for i in (0, 1) for v in ("w", "b")]
        + [f"discriminator/d{i}/{v}" for i in range(4) for v in ("w", "b")]
    )  # each template called twice, one set of weights each
    assert np.isfinite(out["history"]).all()
    assert out["samples"].shape == (1000, 1) and np.isfinite(out["samples"]).all()


def test_gan_players_train_only_their_own_variables():
    gan = load_example("gan_make_template")
    mine, rest = gan.split(
        {"generator/g0/w": 1, "discriminator/d0/w": 2, "generatorx/w": 3}, "generator"
    )
    assert mine == {"generator/g0/w": 1} and rest == {"discriminator/d0/w": 2, "generatorx/w": 3}


def test_auto_reuse_loop():
    auto_reuse = load_example("auto_reuse_loop")
    out = auto_reuse.main(
        ["--towers", "3", "--steps", "30", "--batch", "48", "--dim", "8", "--hidden", "16",
         "--log-every", "10"]
    )  # fmt: skip
    assert sorted(out["params"]) == [
        "model/hidden/biases",
        "model/hidden/weights",
        "model/softmax_linear/biases",
        "model/softmax_linear/weights",
    ]  # three towers, one set of variables
    assert decreased(out["losses"])


def test_auto_reuse_regularization_counted_once():
    """AUTO_REUSE: a weight's regularization loss is added when it is created, not per tower."""
    import jax
    import jax.numpy as jnp

    import flaxscope as fs

    auto_reuse = load_example("auto_reuse_loop")
    x = jnp.ones((6, 5))
    y = jnp.zeros((6,), jnp.int32)

    def reg_losses(num_towers: int) -> int:
        def fn(images, labels):
            auto_reuse.towers(images, labels, num_towers, hidden_units=4)
            return len(fs.get_collection(fs.GraphKeys.REGULARIZATION_LOSSES))

        return fs.transform(fn).init_with_output(jax.random.key(0), x, y)[0]

    assert reg_losses(1) == reg_losses(3) == 2


def test_ported_user_script_trains_and_round_trips(tmp_path):
    import jax

    from flaxscope import checkpoint

    port = load_example("ported_user_script")
    losses, path = port.train(25, save_dir=str(tmp_path))
    assert decreased(losses, k=5)
    assert path == str(tmp_path / "model.ckpt-25")
    saved = checkpoint.load_variables(path)
    assert int(saved["global_step"]) == 25 and saved["global_step"].dtype == np.int64
    assert "classifier/rnn/basic_lstm_cell/kernel/Adam_1" in saved  # TF1's slot names
    x, _ = port.make_batch(np.random.default_rng(1), 4)
    model, _ = port.build_model()
    names = jax.eval_shape(model.init, jax.random.key(0), x)["params"]
    params = {name: saved[name] for name in names}
    np.testing.assert_array_equal(
        np.asarray(port.evaluate(path, x)), np.asarray(model.apply({"params": params}, x))
    )


def test_load_tf1_checkpoint_without_tensorflow(tmp_path, capsys):
    """The loader reads the checkpoint format alone; here flaxscope wrote it, for lack of TF."""
    port = load_example("ported_user_script")
    _, path = port.train(4, save_dir=str(tmp_path))
    loader = load_example("load_tf1_checkpoint")
    out = loader.main([str(tmp_path), "--resume-steps", "2"])
    assert out["checkpoint"] == path
    x, _ = port.make_batch(np.random.default_rng(12345), 256)
    np.testing.assert_allclose(out["logits"], np.asarray(port.evaluate(path, x)), rtol=1e-6)
    assert int(out["opt_state"].global_step) == 6
    # Resuming replays the same batches and Adam state: as if it had trained 6 steps at once.
    straight, _ = port.train(6)
    np.testing.assert_allclose(out["resumed_losses"], straight[4:], rtol=1e-5)
    assert "classifier/rnn/basic_lstm_cell/kernel/Adam: [64, 128]" in capsys.readouterr().out


# --- the user script's port: the diff ---------------------------------------------------
# The data and model sections are TF1's lines, the math included (flaxscope has TF1's ops);
# only the imports and the driver (placeholders, Session, minimize, Saver) differ.


def sections(path: Path) -> dict[str, list[str]]:
    """The file's code split at its ``# --- name ---`` markers (the docstring dropped)."""
    text = path.read_text(encoding="utf-8")
    code = text.split('"""', 2)[2]
    out: dict[str, list[str]] = {}
    name = "imports"
    for line in code.splitlines():
        m = re.fullmatch(r"# --- (\w+) ---", line)
        if m:
            name = m.group(1)
            continue
        out.setdefault(name, []).append(line)
    return out


def test_port_changes_only_imports_and_driver():
    tf1, port = sections(TF1_SCRIPT), sections(EXAMPLES / "ported_user_script.py")
    assert list(tf1) == list(port) == ["imports", "data", "model", "training"]
    assert "import tensorflow.compat.v1 as tf" in tf1["imports"]
    assert "import flaxscope.compat.v1 as tf" in port["imports"]
    assert port["data"] == tf1["data"]
    assert port["model"] == tf1["model"]
    # The driver (placeholders, Session, minimize, Saver) is rewritten, as the guide shows.
    assert "tf.Session" not in "\n".join(port["training"])
