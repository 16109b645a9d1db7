"""Each ported example against its TF1 original, run by the oracle (``tf.compat.v1``).

For every port in examples/, the TF1 program it ports is written here as TF1 graph code.
Both build the model; the test checks that the variables have the same names, shapes and
creation order, copies TF1's initial values into the flaxscope params tree (keys are TF
names without ``:0``), and compares the outputs: max relative error below 1e-5 (float32
rounding). The user script (tests/data/tf1_user_script.py) and the checkpoint loader are
checked the same way, through training steps and a checkpoint TF1 writes.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jax
import numpy as np
import pytest

import flaxscope as fs

tensorflow = pytest.importorskip(
    "tensorflow", reason="oracle tensorflow-cpu is not installed (pip install -e '.[oracle]')"
)
tf = tensorflow.compat.v1

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
RTOL = 1e-5


def load(path: Path, name: str) -> ModuleType:
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example(name: str) -> ModuleType:
    return load(ROOT / "examples" / f"{name}.py", f"example_{name}")


def rel_err(a: Any, b: Any) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def assert_close(ours: Any, theirs: Any) -> None:
    for a, b in zip(jax.tree.leaves(ours), jax.tree.leaves(theirs), strict=True):
        assert rel_err(a, b) < RTOL


def run_tf1(
    build: Callable[..., Any], inputs: dict[str, np.ndarray], seed: int = 0
) -> tuple[list[tuple[str, list[int]]], dict[str, np.ndarray], Any]:
    """Builds ``build(**placeholders)`` in a fresh graph and runs it once.

    Returns the variables' ``(name, shape)`` in creation order, their initial values keyed
    by name without ``:0``, and the outputs.
    """
    with tf.Graph().as_default():
        tf.set_random_seed(seed)
        placeholders = {
            k: tf.placeholder(tf.as_dtype(v.dtype), v.shape, name=k) for k, v in inputs.items()
        }
        outputs = build(**placeholders)
        variables = tf.global_variables()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values, out = sess.run(
                [variables, outputs], {placeholders[k]: v for k, v in inputs.items()}
            )
    names = [(v.name, v.shape.as_list()) for v in variables]
    return names, {v.name[:-2]: x for v, x in zip(variables, values, strict=True)}, out


def fs_names(model: fs.Transformed, *args: Any, **kwargs: Any) -> list[tuple[str, list[int]]]:
    """The variables ``init`` creates, as ``(TF name, shape)`` in creation order."""
    params = model.init(jax.random.key(0), *args, **kwargs)["params"]
    return [(name + ":0", list(value.shape)) for name, value in params.items()]


# --- siamese ----------------------------------------------------------------------------
def tf1_siamese(x1, x2, y_, hidden):
    """siamese_tf_mnist's ``inference.py``, as TF1 graph code (its class as functions)."""

    def fc_layer(bottom, n_weight, name):
        assert len(bottom.get_shape()) == 2
        n_prev_weight = bottom.get_shape()[1]
        initer = tf.truncated_normal_initializer(stddev=0.01)
        W = tf.get_variable(  # noqa: N806
            name + "W", dtype=tf.float32, shape=[n_prev_weight, n_weight], initializer=initer
        )
        b = tf.get_variable(
            name + "b",
            dtype=tf.float32,
            initializer=tf.constant(0.01, shape=[n_weight], dtype=tf.float32),
        )
        return tf.nn.bias_add(tf.matmul(bottom, W), b)

    def network(x, hidden):
        fc1 = fc_layer(x, hidden, "fc1")
        ac1 = tf.nn.relu(fc1)
        fc2 = fc_layer(ac1, hidden, "fc2")
        ac2 = tf.nn.relu(fc2)
        fc3 = fc_layer(ac2, 2, "fc3")
        return fc3

    def loss_with_spring(o1, o2, y_):
        margin = 5.0
        labels_t = y_
        labels_f = tf.subtract(1.0, y_, name="1-yi")
        eucd2 = tf.reduce_sum(tf.pow(tf.subtract(o1, o2), 2), 1)
        eucd = tf.sqrt(eucd2 + 1e-6, name="eucd")
        C = tf.constant(margin, name="C")  # noqa: N806
        pos = tf.multiply(labels_t, eucd2, name="yi_x_eucd2")
        neg = tf.multiply(labels_f, tf.pow(tf.maximum(tf.subtract(C, eucd), 0), 2))
        loss = tf.reduce_mean(tf.add(pos, neg), name="loss")
        return loss

    def siamese(x1, x2, y_, hidden=1024):
        with tf.variable_scope("siamese") as scope:
            o1 = network(x1, hidden)
            scope.reuse_variables()
            o2 = network(x2, hidden)
        return o1, o2, loss_with_spring(o1, o2, y_)

    return siamese(x1, x2, y_, hidden)


def test_siamese_matches_tf1():
    siamese = example("siamese")
    x1, x2, y_ = siamese.PairData(12, seed=3).next_pairs(8)
    names, weights, tf_out = run_tf1(
        lambda x1, x2, y_: tf1_siamese(x1, x2, y_, hidden=16), {"x1": x1, "x2": x2, "y_": y_}
    )
    model = fs.transform(lambda x1, x2, y_: siamese.siamese(x1, x2, y_, hidden=16))
    assert fs_names(model, x1, x2, y_) == names
    assert names[0] == ("siamese/fc1W:0", [12, 16])
    assert_close(model.apply({"params": weights}, x1, x2, y_), tf_out)


# --- seq2seq with a shared embedding ----------------------------------------------------
def tf1_seq2seq(encoder_inputs, decoder_inputs, vocab_size, embedding_size, hidden, steps):
    EOS = 1  # noqa: N806

    def embed(ids, vocab_size, embedding_size, reuse=None):
        with tf.variable_scope("embedding", reuse=reuse):
            embeddings = tf.get_variable(
                "embedding_share",
                [vocab_size, embedding_size],
                initializer=tf.random_uniform_initializer(-1.0, 1.0),
            )
        return tf.nn.embedding_lookup(embeddings, ids)

    def output_projection(outputs, vocab_size, reuse=None):
        with tf.variable_scope("output_projection", reuse=reuse):
            w = tf.get_variable("w", [outputs.shape[-1], vocab_size])
            b = tf.get_variable("b", [vocab_size], initializer=tf.zeros_initializer())
        return tf.tensordot(outputs, w, 1) + b

    def seq2seq(
        encoder_inputs,
        decoder_inputs,
        *,
        vocab_size,
        embedding_size,
        hidden_units,
        decode_steps=0,
    ):
        with tf.variable_scope("seq2seq"):
            encoder_cell = tf.nn.rnn_cell.BasicLSTMCell(hidden_units)
            encoder_inputs_embedded = embed(encoder_inputs, vocab_size, embedding_size)
            _, encoder_final_state = tf.nn.dynamic_rnn(
                encoder_cell, encoder_inputs_embedded, dtype=tf.float32, scope="encoder"
            )

            decoder_cell = tf.nn.rnn_cell.BasicLSTMCell(hidden_units)
            decoder_inputs_embedded = embed(decoder_inputs, vocab_size, embedding_size, reuse=True)
            decoder_outputs, _ = tf.nn.dynamic_rnn(
                decoder_cell,
                decoder_inputs_embedded,
                initial_state=encoder_final_state,
                dtype=tf.float32,
                scope="decoder",
            )
            decoder_logits = output_projection(decoder_outputs, vocab_size)

            if not decode_steps:
                return decoder_logits, None
            state = encoder_final_state
            token = tf.fill([tf.shape(encoder_inputs)[0]], EOS)
            predictions = []
            for _ in range(decode_steps):
                inputs = embed(token, vocab_size, embedding_size, reuse=True)
                output, state = decoder_cell(inputs, state)
                logits = output_projection(output, vocab_size, reuse=True)
                token = tf.argmax(logits, axis=-1, output_type=tf.int32)
                predictions.append(token)
            return decoder_logits, tf.stack(predictions, axis=1)

    return seq2seq(
        encoder_inputs,
        decoder_inputs,
        vocab_size=vocab_size,
        embedding_size=embedding_size,
        hidden_units=hidden,
        decode_steps=steps,
    )


def test_seq2seq_shared_embedding_matches_tf1():
    seq2seq = example("seq2seq_shared_embedding")
    enc, dec, _ = seq2seq.copy_batch(np.random.default_rng(0), 5, 4, 10)
    names, weights, (tf_logits, tf_predictions) = run_tf1(
        lambda enc, dec: tf1_seq2seq(enc, dec, 10, 6, 8, steps=5), {"enc": enc, "dec": dec}
    )
    model = seq2seq.make_model(10, 6, 8)
    assert fs_names(model, enc, dec, decode_steps=5) == names
    assert [n for n, _ in names] == [
        "seq2seq/embedding/embedding_share:0",
        "seq2seq/encoder/basic_lstm_cell/kernel:0",
        "seq2seq/encoder/basic_lstm_cell/bias:0",
        "seq2seq/decoder/basic_lstm_cell/kernel:0",
        "seq2seq/decoder/basic_lstm_cell/bias:0",
        "seq2seq/output_projection/w:0",
        "seq2seq/output_projection/b:0",
    ]
    logits, predictions = model.apply({"params": weights}, enc, dec, decode_steps=5)
    assert rel_err(logits, tf_logits) < RTOL
    np.testing.assert_array_equal(predictions, tf_predictions)


# --- GAN with make_template -------------------------------------------------------------
def tf1_gan(x, z, z_sample, h_dim):
    def linear(input_, output_dim, scope, stddev=1.0):
        with tf.variable_scope(scope):
            w = tf.get_variable(
                "w",
                [input_.get_shape()[1], output_dim],
                initializer=tf.random_normal_initializer(stddev=stddev),
            )
            b = tf.get_variable("b", [output_dim], initializer=tf.constant_initializer(0.0))
        return tf.matmul(input_, w) + b

    def generator_fn(z, h_dim):
        h0 = tf.nn.softplus(linear(z, h_dim, "g0"))
        return linear(h0, 1, "g1")

    def discriminator_fn(x, h_dim):
        h0 = tf.tanh(linear(x, h_dim * 2, "d0"))
        h1 = tf.tanh(linear(h0, h_dim * 2, "d1"))
        h2 = tf.tanh(linear(h1, h_dim * 2, "d2"))
        return linear(h2, 1, "d3")

    class GAN:
        def __init__(self, h_dim):
            self.generator = tf.make_template("generator", generator_fn, h_dim=h_dim)
            self.discriminator = tf.make_template("discriminator", discriminator_fn, h_dim=h_dim)

        def __call__(self, x, z, z_sample):
            G = self.generator(z)  # noqa: N806
            D_real = self.discriminator(x)  # noqa: N806
            D_fake = self.discriminator(G)  # noqa: N806
            samples = self.generator(z_sample)
            sce = tf.nn.sigmoid_cross_entropy_with_logits
            loss_d = tf.reduce_mean(
                sce(logits=D_real, labels=tf.ones_like(D_real))
                + sce(logits=D_fake, labels=tf.zeros_like(D_fake))
            )
            loss_g = tf.reduce_mean(sce(logits=D_fake, labels=tf.ones_like(D_fake)))
            return {"loss_d": loss_d, "loss_g": loss_g, "samples": samples}

    gan = GAN(h_dim)
    out = gan(x, z, z_sample)
    assert [v.name for v in gan.discriminator.trainable_variables][0] == "discriminator/d0/w:0"
    return out


def test_gan_make_template_matches_tf1():
    gan = example("gan_make_template")
    rng = np.random.default_rng(0)
    x, z, z_sample = gan.real_batch(rng, 6), gan.noise_batch(rng, 6), gan.noise_batch(rng, 3)
    names, weights, tf_out = run_tf1(
        lambda x, z, z_sample: tf1_gan(x, z, z_sample, h_dim=3),
        {"x": x, "z": z, "z_sample": z_sample},
    )
    model = fs.transform(gan.GAN(3))
    assert fs_names(model, x, z, z_sample) == names
    assert len(names) == 12  # two templates, each called twice: one set of weights each
    assert_close(model.apply({"params": weights}, x, z, z_sample), tf_out)


# --- AUTO_REUSE towers ------------------------------------------------------------------
def tf1_towers(images, labels, num_towers, hidden_units, num_classes, weight_decay):
    def inference(images, hidden_units, num_classes, weight_decay):
        def l2(w):
            return weight_decay * tf.nn.l2_loss(w)

        with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
            with tf.variable_scope("hidden"):
                weights = tf.get_variable(
                    "weights",
                    [images.get_shape()[1], hidden_units],
                    initializer=tf.truncated_normal_initializer(stddev=0.1),
                    regularizer=l2,
                )
                biases = tf.get_variable(
                    "biases", [hidden_units], initializer=tf.constant_initializer(0.1)
                )
                hidden = tf.nn.relu(tf.matmul(images, weights) + biases)
            with tf.variable_scope("softmax_linear"):
                weights = tf.get_variable(
                    "weights",
                    [hidden_units, num_classes],
                    initializer=tf.truncated_normal_initializer(stddev=0.1),
                    regularizer=l2,
                )
                biases = tf.get_variable(
                    "biases", [num_classes], initializer=tf.constant_initializer(0.0)
                )
                logits = tf.matmul(hidden, weights) + biases
        return logits

    def tower_loss(images, labels, **config):
        logits = inference(images, **config)
        return tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        )

    def towers(images, labels, num_towers, hidden_units=64, num_classes=4, weight_decay=1e-3):
        config = {"hidden_units": hidden_units, "num_classes": num_classes}
        images_split = tf.split(images, num_towers)
        labels_split = tf.split(labels, num_towers)
        tower_losses = []
        for i in range(num_towers):
            with tf.device("/cpu:0"), tf.name_scope(f"tower_{i}"):
                tower_losses.append(
                    tower_loss(
                        images_split[i], labels_split[i], weight_decay=weight_decay, **config
                    )
                )
        total_loss = tf.add_n(tower_losses) / num_towers + tf.losses.get_regularization_loss()
        return total_loss, tower_losses

    out = towers(images, labels, num_towers, hidden_units, num_classes, weight_decay)
    reg = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(reg) == 2  # once per weight, not once per tower
    grads = tf.gradients(out[0], tf.trainable_variables())
    return out, grads


def test_auto_reuse_loop_matches_tf1():
    auto_reuse = example("auto_reuse_loop")
    images, labels = auto_reuse.Blobs(5, 3, seed=1).batch(12)
    config = {"num_towers": 3, "hidden_units": 7, "num_classes": 3, "weight_decay": 0.01}
    names, weights, (tf_out, tf_grads) = run_tf1(
        lambda images, labels: tf1_towers(images, labels, **config),
        {"images": images, "labels": labels},
    )
    model = fs.transform(lambda images, labels: auto_reuse.towers(images, labels, **config))
    assert fs_names(model, images, labels) == names
    assert len(names) == 4
    assert_close(model.apply({"params": weights}, images, labels), tf_out)
    grads = jax.grad(lambda p: model.apply({"params": p}, images, labels)[0])(weights)
    assert_close([grads[n[:-2]] for n, _ in names], tf_grads)


# --- the user script --------------------------------------------------------------------
def test_user_script_port_matches_tf1_training():
    """Same names; from TF1's initial weights, the same first loss and the same Adam steps."""
    tf1_script = load(ROOT / "tests" / "data" / "tf1_user_script.py", "tf1_user_script")
    port = example("ported_user_script")
    steps = 4
    rng = np.random.default_rng(0)
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        g = tf1_script.build_graph()
        trainable = [(v.name, v.shape.as_list()) for v in tf.trainable_variables()]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            initial = {v.name[:-2]: sess.run(v) for v in tf.trainable_variables()}
            tf_losses = []
            for _ in range(steps):
                x, y = tf1_script.make_batch(rng)
                feed = {g["inputs"]: x, g["labels"]: y}
                tf_losses.append(sess.run([g["loss"], g["train_op"]], feed)[0])

    model, _ = port.build_model()
    x0 = np.zeros((1, port.NUM_STEPS, port.INPUT_DIM), np.float32)
    assert fs_names(model, x0) == trainable
    assert "classifier/rnn/basic_lstm_cell/kernel:0" in dict(trainable)
    losses, _ = port.train(steps, seed=0, params=initial)
    assert rel_err(losses[0], tf_losses[0]) < RTOL
    np.testing.assert_allclose(losses, tf_losses, rtol=RTOL)


def tf1_resume(tf1_script: ModuleType, checkpoint: str, steps: int, seed: int = 0):
    """TF1 resuming a run: ``saver.restore``, then ``steps`` more steps on the next batches."""
    rng = np.random.default_rng(seed)
    with tf.Graph().as_default():
        g = tf1_script.build_graph()
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, checkpoint)
            for _ in range(sess.run(g["global_step"])):
                tf1_script.make_batch(rng)
            losses = []
            for _ in range(steps):
                x, y = tf1_script.make_batch(rng)
                feed = {g["inputs"]: x, g["labels"]: y}
                losses.append(sess.run([g["loss"], g["train_op"]], feed)[0])
            params = {v.name[:-2]: sess.run(v) for v in tf.trainable_variables()}
    return losses, params


def test_load_tf1_checkpoint_matches_tf1(tmp_path):
    """A checkpoint TF1's Saver wrote: same outputs, and training resumes as TF1's does."""
    tf1_script = load(ROOT / "tests" / "data" / "tf1_user_script.py", "tf1_user_script")
    _, path = tf1_script.train(3, str(tmp_path), seed=0)
    assert path.endswith("model.ckpt-3")
    loader = example("load_tf1_checkpoint")
    out = loader.main([str(tmp_path), "--compare", "--resume-steps", "3"])
    assert out["checkpoint"] == path
    assert out["max_rel_err"] < RTOL  # the restored model's outputs are TF1's
    assert int(out["opt_state"].global_step) == 6
    tf_losses, tf_params = tf1_resume(tf1_script, path, 3)
    np.testing.assert_allclose(out["resumed_losses"], tf_losses, rtol=RTOL)
    assert out["resumed_params"].keys() == tf_params.keys()
    for name, value in out["resumed_params"].items():
        assert rel_err(value, tf_params[name]) < RTOL, name
