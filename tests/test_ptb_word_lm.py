"""examples/ptb_word_lm.py, the PTB tutorial's port, against its TF1 original.

The TF1 original is tests/data/tf1_ptb_word_lm.py (the tutorial in ``tf.compat.v1`` graph
mode). Both build the tutorial's graph, three ``PTBModel``\\ s on one set of variables; the
tests check the variable names and shapes, copy TF's initial values into the port and
compare costs, final states, clipped gradients, SGD steps and whole epochs (state carried,
learning rate decayed) within 1e-5 relative; a checkpoint the port writes restores into
the TF1 graph. The last tests diff the two sources: the model is the same code but for
imports, math calls and the lines listed below.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import inspect
import io
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import jax
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PORT_PATH = ROOT / "examples" / "ptb_word_lm.py"
TF1_PATH = ROOT / "tests" / "data" / "tf1_ptb_word_lm.py"
RTOL = 1e-5
DRIVERS = ["loop", "static_rnn", "dynamic_rnn"]

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


port = load(PORT_PATH, "example_ptb_word_lm")


@pytest.fixture(scope="module")
def tf1_ptb(tf1) -> ModuleType:
    """The TF1 original, imported (skipped, saying why, without TensorFlow)."""
    return load(TF1_PATH, "tf1_ptb_word_lm")


def rel_err(a: Any, b: Any) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def configs(module: ModuleType, **overrides: Any) -> tuple[Any, Any]:
    """A small config of ``module`` and its eval config (batch 1, step 1), as main() makes."""
    small = {
        "hidden_size": 16,
        "num_layers": 2,
        "num_steps": 5,
        "batch_size": 4,
        "vocab_size": 50,
        "max_grad_norm": 0.5,  # small enough that clipping is on
        "max_epoch": 1,
        "max_max_epoch": 2,
        **overrides,
    }
    config = type("Config", (module.TinyConfig,), small)()
    eval_config = type("Config", (module.TinyConfig,), small)()
    eval_config.batch_size = 1
    eval_config.num_steps = 1
    return config, eval_config


def corpus(vocab_size: int = 50, sizes: tuple[int, ...] = (304, 104, 24), seed: int = 0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, vocab_size, n).tolist() for n in sizes]


class TF1Graph:
    """The TF1 original's graph (its ``build_graph``) in a session, initialized."""

    def __init__(self, tf1_ptb: ModuleType, config: Any, eval_config: Any, data: list, seed=0):
        tf = tf1_ptb.tf
        self.tf = tf
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(seed)
            self.models = tf1_ptb.build_graph(config, eval_config, *data)
            self.m = self.models[0]
            tvars = tf.trainable_variables()
            grads, self.global_norm = tf.clip_by_global_norm(
                tf.gradients(self.m.cost, tvars), config.max_grad_norm
            )
            # The embedding's gradient is IndexedSlices: densified for the comparison.
            self.grads = {
                v.op.name: tf.convert_to_tensor(g) for v, g in zip(tvars, grads, strict=True)
            }
            self.session = tf.Session()
            self.session.run(tf.global_variables_initializer())
            self.variables = tf.global_variables()

    def names(self) -> list[tuple[str, list[int]]]:
        return [(v.op.name, v.shape.as_list()) for v in self.variables]

    def values(self) -> dict[str, np.ndarray]:
        """Every variable's current value, by TF name without ``:0``."""
        values = self.session.run(self.variables)
        return dict(zip([v.op.name for v in self.variables], values, strict=True))

    def feed(self, model: Any, x: np.ndarray, y: np.ndarray, state: Any) -> dict:
        """Feeds a batch (over the queue's tensors, as feeding allows) and the state."""
        feed = {model.input.input_data: x, model.input.targets: y}
        for (c, h), s in zip(model.initial_state, state, strict=True):
            feed[c], feed[h] = s.c, s.h
        return feed

    def run(self, fetches: Any, model: Any, x, y, state) -> Any:
        return self.session.run(fetches, self.feed(model, x, y, state))


def port_session(config: Any, eval_config: Any, data: list, tf_values: dict[str, np.ndarray]):
    """The port's graph, with TF's initial values in place of its own."""
    session, models = port.build_session(config, eval_config, *data)
    params = session.variables["params"]
    assert sorted(params) == sorted(
        n for n in tf_values if n.startswith("Model/") and "/global_step" not in n
    )
    session.variables = {
        "params": {n: tf_values[n] for n in params},
        "state": {port.LR_VARIABLE: tf_values[port.LR_VARIABLE]},
    }
    return session, models


def random_state(config: Any, batch_size: int, seed: int = 1):
    """A non-zero LSTM state (as carried from a previous batch), for both frameworks."""
    rng = np.random.default_rng(seed)
    shape = (batch_size, config.hidden_size)
    return tuple(
        port.tf.nn.rnn_cell.LSTMStateTuple(
            rng.uniform(-1, 1, shape).astype(np.float32),
            rng.uniform(-0.5, 0.5, shape).astype(np.float32),
        )
        for _ in range(config.num_layers)
    )


def batch(model_input: Any, step: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return model_input.input_data[step], model_input.targets[step]


# --- (1) one set of variables, TF1's names ------------------------------------------------
@pytest.mark.parametrize("driver", DRIVERS)
def test_three_models_create_tf1s_variables_once(tf1_ptb, driver):
    data = corpus()
    tf_graph = TF1Graph(tf1_ptb, *configs(tf1_ptb, rnn_driver=driver), data)
    config, eval_config = configs(port, rnn_driver=driver)
    inputs = {
        "Train": port.PTBInput(config, data[0]),
        "Valid": port.PTBInput(config, data[1]),
        "Test": port.PTBInput(eval_config, data[2]),
    }
    graph = port.build_graph(config, eval_config, inputs)
    # The training model creates them all (not jitted: creation order); the valid and test
    # models create none (test_eval_models_run_alone_on_the_training_models_variables).
    variables = graph["Train"].init(jax.random.key(0), port.unfed(inputs["Train"]))
    ours = [(n, list(v.shape)) for n, v in variables["params"].items()]
    ours += [(n, list(np.shape(v))) for n, v in variables["state"].items()]
    ours.append((port.GLOBAL_STEP, []))  # made by the optimizer, in the port
    assert ours == tf_graph.names()
    assert [n for n, _ in ours] == [
        "Model/embedding",
        "Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
        "Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
        "Model/RNN/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
        "Model/RNN/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
        "Model/softmax_w",
        "Model/softmax_b",
        "Train/Model/Variable",  # lr: a tf.Variable, named by the name scope
        "Model/global_step",
    ]
    assert dict(ours)["Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"] == [32, 64]
    # Initial values: TF1's distributions (JAX's PRNG gives other numbers).
    for name, value in variables["params"].items():
        value = np.asarray(value)
        if name.endswith("/bias"):
            assert not value.any(), name  # BasicLSTMCell's bias: zeros
        else:  # the scope's random_uniform_initializer(-init_scale, init_scale)
            assert np.abs(value).max() <= config.init_scale and value.std() > 0.04, name


def test_valid_model_alone_fails_as_in_tf1(tf1_ptb):
    """``reuse=True`` needs the training model built first in the same graph, in both."""
    tf = tf1_ptb.tf
    config, _ = configs(tf1_ptb)
    input_ = port.PTBInput(config, corpus()[1])

    def valid_alone(tf_module, model_module, input_):
        with tf_module.variable_scope("Model", reuse=True):
            model_module.PTBModel(is_training=False, config=config, input_=input_)

    with tf.Graph().as_default(), pytest.raises(ValueError) as tf_error:
        valid_alone(tf, tf1_ptb, tf1_ptb.PTBInput(config, corpus()[1]))
    graph = port.fs.transform(lambda feed: valid_alone(port.tf, port, input_.fed(*feed)))
    with pytest.raises(ValueError) as fs_error:
        graph.init(jax.random.key(0), port.unfed(input_))
    assert str(fs_error.value).startswith(str(tf_error.value).split(" Originally")[0])
    assert "Variable Model/embedding does not exist" in str(fs_error.value)


def test_eval_models_run_alone_on_the_training_models_variables():
    """build_graph's valid and test models are ``variables_exist`` transforms: on the
    variables the training model made, each runs by itself (as TF1 ran it beside the
    training model), needs every weight and nothing else, and no random key, dropout on."""
    config, eval_config = configs(port, keep_prob=0.5)
    data = corpus()
    inputs = {
        "Train": port.PTBInput(config, data[0]),
        "Valid": port.PTBInput(config, data[1]),
        "Test": port.PTBInput(eval_config, data[2]),
    }
    graph = port.build_graph(config, eval_config, inputs)
    variables = graph["Train"].init(jax.random.key(0), port.unfed(inputs["Train"]))
    params = variables["params"]
    with pytest.raises(ValueError, match="has no random key"):  # the training model's dropout
        graph["Train"].apply(variables, port.unfed(inputs["Train"]))
    for name in ("Valid", "Test"):
        model, feed = graph[name], port.unfed(inputs[name])
        with pytest.raises(ValueError, match="Variable Model/embedding does not exist"):
            model.init(jax.random.key(0), feed)  # a graph of its own: nothing to reuse
        batch_size = inputs[name].batch_size
        fetches = model.apply(variables, feed)
        assert fetches["cost"].shape == ()
        assert fetches["final_state"][0].c.shape == (batch_size, config.hidden_size)
        assert "lr" not in fetches
        jitted = jax.jit(model.apply)({"params": params}, feed)  # the training model's lr: unused
        np.testing.assert_allclose(jitted["cost"], fetches["cost"], rtol=RTOL)
        for missing in params:  # reuse=True: every weight must be there, none is created
            tree = {"params": {n: v for n, v in params.items() if n != missing}}
            with pytest.raises(ValueError, match=f"Variable {re.escape(missing)} does not exist"):
                model.apply(tree, feed)


# --- (2) costs and final states -----------------------------------------------------------
@pytest.mark.parametrize("driver", DRIVERS)
def test_costs_and_final_states_match_tf1(tf1_ptb, driver):
    data = corpus()
    tf_graph = TF1Graph(tf1_ptb, *configs(tf1_ptb, rnn_driver=driver), data)
    config, eval_config = configs(port, rnn_driver=driver)
    session, models = port_session(config, eval_config, data, tf_graph.values())
    worst = 0.0
    for tf_model, model, state_seed in zip(tf_graph.models, models, (1, 2, 3), strict=True):
        x, y = batch(model.input, 1)
        for state in (random_state(config, model.input.batch_size, state_seed), None):
            if state is None:  # the zero state: what run_epoch starts each epoch with
                state = jax.tree.map(np.asarray, session.initial_state(model.name))
            fetches = {"cost": tf_model.cost, "final_state": tf_model.final_state}
            theirs = tf_graph.run(fetches, tf_model, x, y, state)
            ours = session.run(model.name, x, y, state)
            assert ours["cost"].shape == ()
            worst = max(worst, rel_err(ours["cost"], theirs["cost"]))
            for a, b in zip(
                jax.tree.leaves(ours["final_state"]),
                jax.tree.leaves(tuple(tuple(s) for s in theirs["final_state"])),
                strict=True,
            ):
                worst = max(worst, rel_err(a, b))
    assert worst < RTOL
    assert models[2].input.batch_size == models[2].input.num_steps == 1  # the test model


def test_dropout_only_in_the_training_model(tf1_ptb):
    """keep_prob < 1 (the medium and large configs): DropoutWrapper and tf.nn.dropout in the
    training model only; same names, and the valid and test models are TF1's exactly."""
    data = corpus()
    tf_graph = TF1Graph(tf1_ptb, *configs(tf1_ptb, keep_prob=0.5), data)
    config, eval_config = configs(port, keep_prob=0.5)
    session, models = port_session(config, eval_config, data, tf_graph.values())
    assert sorted(n for n, _ in tf_graph.names()[:7]) == list(session.variables["params"])
    for tf_model, model in zip(tf_graph.models[1:], models[1:], strict=True):
        x, y = batch(model.input)
        state = random_state(config, model.input.batch_size)
        theirs = tf_graph.run(tf_model.cost, tf_model, x, y, state)
        assert rel_err(session.run(model.name, x, y, state)["cost"], theirs) < RTOL
    m = models[0]
    x, y = batch(m.input)
    state = random_state(config, config.batch_size)
    no_dropout = port_session(configs(port)[0], eval_config, data, tf_graph.values())[0]
    plain = float(no_dropout.run("Train", x, y, state)["cost"])
    port.assign_lr(session, 0.0)  # SGD steps that change nothing: only the masks differ
    costs = [float(session.train_op(x, y, state)["cost"]) for _ in range(3)]
    assert len(set(costs)) == 3 and plain not in costs  # a new mask at every step
    assert all(abs(c - plain) < 0.5 * plain for c in costs)


# --- (3) clipped gradients and one SGD step -----------------------------------------------
@pytest.mark.parametrize("driver", DRIVERS)
def test_clipped_gradients_and_sgd_step_match_tf1(tf1_ptb, driver):
    data = corpus()
    tf_graph = TF1Graph(tf1_ptb, *configs(tf1_ptb, rnn_driver=driver), data)
    config, eval_config = configs(port, rnn_driver=driver)
    session, (m, _, _) = port_session(config, eval_config, data, tf_graph.values())
    x, y = batch(m.input, 2)
    state = random_state(config, config.batch_size)

    tf_m = tf_graph.m
    tf_grads, tf_norm = tf_graph.run([tf_graph.grads, tf_graph.global_norm], tf_m, x, y, state)
    assert tf_norm > config.max_grad_norm  # the clipping is on
    grads, norm, _ = port.clipped_gradients(
        session.graph["Train"], config, session.variables, (x, y, state)
    )
    assert rel_err(norm, tf_norm) < RTOL
    assert sorted(grads) == sorted(tf_grads)
    for name in grads:
        assert rel_err(grads[name], tf_grads[name]) < RTOL, name
    assert abs(float(port.optax.global_norm(grads)) - config.max_grad_norm) < 1e-5

    lr = 0.7
    tf_m.assign_lr(tf_graph.session, lr)
    tf_graph.run(tf_m.train_op, tf_m, x, y, state)
    port.assign_lr(session, lr)
    session.train_op(x, y, state)
    after = tf_graph.values()
    assert int(session.optimizer_state.global_step) == after["Model/global_step"] == 1
    assert float(session.variables["state"][port.LR_VARIABLE]) == after[port.LR_VARIABLE] == lr
    for name, value in session.variables["params"].items():
        assert rel_err(value, after[name]) < RTOL, name


# --- whole epochs: the state carried, the learning rate decayed, perplexities ---------------
def tf1_epochs(tf1_ptb: ModuleType, tf_graph: TF1Graph, config: Any) -> list[float]:
    """main()'s loop in TF1 (queue-fed batches), from the graph's current weights."""
    tf, session = tf_graph.tf, tf_graph.session
    m, mvalid, mtest = tf_graph.models
    perplexities = []
    with tf_graph.graph.as_default():
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(session, coord)
        for i in range(config.max_max_epoch):
            lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
            m.assign_lr(session, config.learning_rate * lr_decay)
            perplexities.append(tf1_ptb.run_epoch(session, m, eval_op=m.train_op))
            perplexities.append(tf1_ptb.run_epoch(session, mvalid))
        perplexities.append(tf1_ptb.run_epoch(session, mtest))
        coord.request_stop()
        coord.join(threads)
    return perplexities


def port_epochs(session: Any, models: list, config: Any) -> list[float]:
    m, mvalid, mtest = models
    perplexities = []
    for i in range(config.max_max_epoch):
        lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
        port.assign_lr(session, config.learning_rate * lr_decay)
        perplexities.append(port.run_epoch(session, m, eval_op=session.train_op))
        perplexities.append(port.run_epoch(session, mvalid))
    perplexities.append(port.run_epoch(session, mtest))
    return perplexities


def test_epochs_match_tf1(tf1_ptb):
    """Two epochs (the second at half the learning rate), validation and test perplexities."""
    data = corpus()
    tf_graph = TF1Graph(tf1_ptb, *configs(tf1_ptb, max_grad_norm=5), data)
    config, eval_config = configs(port, max_grad_norm=5)
    session, models = port_session(config, eval_config, data, tf_graph.values())
    theirs = tf1_epochs(tf1_ptb, tf_graph, config)
    ours = port_epochs(session, models, config)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)
    assert ours[2] < ours[0]  # training perplexity went down
    after = tf_graph.values()
    assert after["Model/global_step"] == int(session.optimizer_state.global_step) == 2 * 15
    for name, value in session.variables["params"].items():
        assert rel_err(value, after[name]) < RTOL, name


def test_ptb_producer_batches_as_the_tf1_queue(tf1_ptb):
    tf = tf1_ptb.tf
    raw = list(range(103))
    x, y = port.ptb_producer(raw, 4, 3)
    assert x.shape == y.shape == (((103 // 4) - 1) // 3, 4, 3)
    with tf.Graph().as_default():
        tx, ty = tf1_ptb.ptb_producer(raw, 4, 3)
        with tf.Session() as sess:
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess, coord)
            for i in range(len(x) + 2):  # the queue cycles: epoch after epoch, in order
                xi, yi = sess.run([tx, ty])
                np.testing.assert_array_equal(xi, x[i % len(x)])
                np.testing.assert_array_equal(yi, y[i % len(y)])
            coord.request_stop()
            coord.join(threads)
    with pytest.raises(ValueError, match="epoch_size == 0"):
        port.ptb_producer(raw, 50, 3)


# --- (4) the example's main() ---------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """main() on the tiny config, 2 epochs, saving a checkpoint; (result, stdout, path)."""
    save = tmp_path_factory.mktemp("ptb") / "model.ckpt"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = port.main(["--model", "tiny", "--max_max_epoch", "2", "--save_path", str(save)])
    port.FLAGS = port.parse_args([])
    return result, buf.getvalue()


def test_main_trains_and_perplexity_goes_down(trained):
    result, printed = trained
    epochs = result["epochs"]
    assert len(epochs) == 2
    assert result["initial_valid"] > 1500  # about the vocabulary size: uniform guessing
    assert epochs[0]["valid"] < result["initial_valid"] / 3
    assert epochs[1]["train"] < epochs[0]["train"]
    assert epochs[1]["valid"] < epochs[0]["valid"] < 500
    assert np.isfinite(result["test"]) and result["test"] < 500
    assert "Model/RNN/multi_rnn_cell/cell_1/basic_lstm_cell/kernel" in printed
    assert "Epoch: 2 Learning rate: 1.000" in printed and "Test Perplexity:" in printed
    step = int(result["session"].optimizer_state.global_step)
    assert result["checkpoint"].endswith(f"model.ckpt-{step}") and step > 100


def test_tf1_restores_the_ports_checkpoint(tf1_ptb, trained, tmp_path):
    """The port's checkpoint has every variable of the TF1 graph, under the same names."""
    result, _ = trained
    tf = tf1_ptb.tf
    config, eval_config = port.CONFIGS["tiny"](), port.CONFIGS["tiny"]()
    eval_config.batch_size = eval_config.num_steps = 1
    data_path = port.python_docs_data(str(tmp_path), config.vocab_size)
    train, valid, test, _ = port.ptb_raw_data(data_path)
    session = result["session"]
    m = port.Model("Train", session.inputs["Train"])
    x, y = batch(m.input, 3)
    state = session.initial_state("Train")
    ours = session.run("Train", x, y, state)["cost"]
    with tf.Graph().as_default():
        tf_m, _, _ = tf1_ptb.build_graph(config, eval_config, train, valid, test)
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, result["checkpoint"])
            assert sess.run(tf.train.get_global_step()) == session.optimizer_state.global_step
            feed = {tf_m.input.input_data: x, tf_m.input.targets: y}
            theirs = sess.run(tf_m.cost, feed)
    assert rel_err(ours, theirs) < RTOL


# --- (5) the diff: the model is TF1's code ------------------------------------------------
# A changed line of the model must become its counterpart by these call renames alone...
MATH_CALLS = {
    "tf.matmul(": "jnp.matmul(",
    "tf.reshape(": "jnp.reshape(",
    "tf.reduce_sum(": "jnp.sum(",
    "tf.ones(": "jnp.ones(",
}
# ...or be one of these (TF1 line -> port line, stripped), each for the reason given.
LINE_CHANGES = {
    # tf.nn.embedding_lookup is a gather
    "inputs = tf.nn.embedding_lookup(embedding, input_.input_data)": (
        "inputs = jnp.take(embedding, input_.input_data, axis=0)"
    ),
    # jnp.unstack and jnp.stack take other arguments
    "inputs = tf.unstack(inputs, num=num_steps, axis=1)": "inputs = jnp.unstack(inputs, axis=1)",
    "outputs = tf.unstack(outputs, num=num_steps, axis=1)": (
        "outputs = jnp.unstack(outputs, axis=1)"
    ),
    "output = tf.reshape(tf.stack(axis=1, values=outputs), [-1, size])": (
        "output = jnp.reshape(jnp.stack(outputs, axis=1), [-1, size])"
    ),
    # feed_dict[c], feed_dict[h] = state: the carried state is fed through the input
    "state = self._initial_state": (
        "state = self._initial_state if input_.initial_state is None else input_.initial_state"
    ),
}
# TF1 lines the port drops: the training ops and assign_lr run outside the graph
# (train_op(), assign_lr()). (``with tf.device("/cpu:0"):`` stays: compat's does nothing.)
DROPPED = [
    "tvars = tf.trainable_variables()",
    "grads, _ = tf.clip_by_global_norm(tf.gradients(cost, tvars), config.max_grad_norm)",
    "optimizer = tf.train.GradientDescentOptimizer(self._lr)",
    "self._train_op = optimizer.apply_gradients(",
    "zip(grads, tvars), global_step=tf.train.get_or_create_global_step()",
    ")",
    "",
    'self._new_lr = tf.placeholder(tf.float32, shape=[], name="new_learning_rate")',
    "self._lr_update = tf.assign(self._lr, self._new_lr)",
    "def assign_lr(self, session, lr_value):",
    "session.run(self._lr_update, feed_dict={self._new_lr: lr_value})",
    "@property",
    "def train_op(self):",
    "return self._train_op",
]


def sections(path: Path) -> dict[str, list[str]]:
    """The file's code split at its ``# --- name ---`` markers (the docstring dropped)."""
    code = path.read_text(encoding="utf-8").split('"""', 2)[2]
    out: dict[str, list[str]] = {}
    name = "imports"
    for line in code.splitlines():
        m = re.fullmatch(r"# --- (\w+) ---", line)
        if m:
            name = m.group(1)
            continue
        out.setdefault(name, []).append(line)
    return out


def test_model_changes_only_imports_and_math_calls():
    tf1, ours = sections(TF1_PATH), sections(PORT_PATH)
    assert list(tf1) == list(ours) == ["imports", "data", "contrib", "model", "configs", "training"]
    assert "import tensorflow.compat.v1 as tf  # noqa: E402" in tf1["imports"]
    assert "import flaxscope.compat.v1 as tf" in ours["imports"]
    assert ours["configs"] == tf1["configs"]
    # Line by line (indentation aside; tf.device's block is indented as in TF1):
    a = [line.strip() for line in tf1["model"]]
    b = [line.strip() for line in ours["model"]]
    renamed, changed, dropped = 0, 0, []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        before, after = a[a0:a1], [line for line in b[b0:b1] if not line.startswith("#")]
        if op in ("replace", "insert") and len(after) == len(before):
            for x, y in zip(before, after, strict=True):
                translated = x
                for call, replacement in MATH_CALLS.items():
                    translated = translated.replace(call, replacement)
                if translated == y:
                    renamed += 1
                else:
                    assert LINE_CHANGES.get(x) == y, f"not a math-call change:\n  {x}\n  {y}"
                    changed += 1
        else:
            assert not after, f"port-only lines: {after}"
            dropped += before
    assert (renamed, changed) == (4, len(LINE_CHANGES))
    assert sorted(set(dropped)) == sorted(set(DROPPED))
    # Every scope, variable and cell line of the TF1 model is in the port, unchanged.
    keys = (
        "variable_scope",
        "get_variable",
        "reuse_variables",
        "rnn_cell",
        "zero_state",
        "_rnn(",
        "Variable(",
    )
    scope_lines = [x for x in a if any(k in x for k in keys) and not x.startswith("#")]
    assert len(scope_lines) == 13
    assert all(line in b for line in scope_lines)


def test_data_and_graph_building_are_tf1s():
    tf1 = TF1_PATH.read_text(encoding="utf-8")
    for fn in ("_build_vocab", "_file_to_word_ids", "ptb_raw_data", "python_docs_data"):
        assert inspect.getsource(getattr(port, fn)) in tf1, fn
    assert inspect.getsource(port.PTBInput.__init__).rsplit("\n", 2)[0] in tf1  # + state
    # build_graph: the initializer, the scopes and the three PTBModel calls of main(), in
    # order (the port's models are three functions, the TF1 lines their bodies).
    keys = ("initializer = ", "name_scope(", "variable_scope(", "PTBModel(")
    ours = [line.strip() for line in inspect.getsource(port.build_graph).splitlines()]
    theirs = [line.strip() for line in tf1.split("def build_graph(", 1)[1].splitlines()]
    theirs = theirs[: theirs.index("return m, mvalid, mtest")]
    graph_lines = [x for x in theirs if any(k in x for k in keys)]
    assert len(graph_lines) == 10  # initializer, then 3 x (name_scope, variable_scope, model)
    assert [x for x in ours if any(k in x for k in keys)] == graph_lines
    # main()'s per-epoch learning rate, as in the tutorial.
    decay = "lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)"
    assert decay in inspect.getsource(port.main) and decay in tf1
