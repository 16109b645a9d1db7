"""The PTB language model on flaxscope (examples/ptb_word_lm.py) next to its TF1 program
(tests/data/tf1_ptb_word_lm.py).

The TF1 program runs in its own ``tf.Graph`` and ``tf.Session``; the port gets the TF1
graph's initial values copied in (JAX's random numbers differ from TF's), and from there on
the two must agree to float32 rounding (``RTOL``): the variables made, one batch's cost and
final state, the clipped gradients, an SGD step, two epochs of training with the learning
rate decayed, and the checkpoints each writes for the other. The last tests read the two
sources: what TF1 code must change to run here is the math, not the scopes.
"""

from __future__ import annotations

import contextlib
import dataclasses
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

ROOT = Path(__file__).resolve().parents[2]
PORT_FILE = ROOT / "examples" / "ptb_word_lm.py"
TF1_FILE = ROOT / "tests" / "data" / "tf1_ptb_word_lm.py"
RTOL = 1e-5
DRIVERS = ["loop", "static_rnn", "dynamic_rnn"]
# The names every driver gives, in the order TF1 creates them.
TF1_NAMES = [
    "Model/embedding",
    "Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
    "Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
    "Model/RNN/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
    "Model/RNN/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
    "Model/softmax_w",
    "Model/softmax_b",
    "Train/Model/learning_rate",  # a tf.Variable: the name scope "Train/" comes first
    "Model/global_step",  # the training ops' counter, made in variable scope "Model"
]

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")


def import_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


port = import_file(PORT_FILE, "example_ptb_word_lm")


@pytest.fixture(scope="module")
def lm1(tf1) -> ModuleType:
    """The TF1 program (the test skips, saying why, when TensorFlow is missing)."""
    return import_file(TF1_FILE, "tf1_ptb_word_lm")


def small(module: ModuleType, **changes: Any) -> Any:
    """A config small enough for a test, gradient clipping active."""
    sizes = dict(hidden_size=16, num_steps=5, batch_size=4, vocab_size=50, max_grad_norm=0.5)
    sizes.update(epochs=2, full_lr_epochs=1)
    return dataclasses.replace(module.CONFIGS["small"], **{**sizes, **changes})


def word_ids(seed: int = 0, vocab_size: int = 50) -> dict[str, list[int]]:
    """A random corpus: 15 training windows of 4 x 5, 5 validation windows, 23 test words."""
    rng = np.random.default_rng(seed)
    sizes = {"Train": 304, "Valid": 104, "Test": 24}
    return {name: rng.integers(0, vocab_size, n).tolist() for name, n in sizes.items()}


def epoch_data(module: ModuleType, config: Any, ids: dict[str, list[int]]) -> dict:
    test = module.eval_config(config)
    return {
        "Train": module.windows(ids["Train"], config.batch_size, config.num_steps),
        "Valid": module.windows(ids["Valid"], config.batch_size, config.num_steps),
        "Test": module.windows(ids["Test"], test.batch_size, test.num_steps),
    }


def max_rel_err(a: Any, b: Any) -> float:
    """The largest difference between two trees of arrays, relative to ``b``'s largest value."""
    worst = 0.0
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        assert x.shape == y.shape, (x.shape, y.shape)
        worst = max(worst, float(np.abs(x - y).max() / max(np.abs(y).max(), 1e-30)))
    return worst


class TF1Run:
    """The TF1 program's graph in a session, its variables initialized."""

    def __init__(self, lm1: ModuleType, config: Any, seed: int = 0):
        tf = self.tf = lm1.tf
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(seed)
            self.models = lm1.build_graph(config)
            weights = tf.trainable_variables()
            gradients = tf.gradients(self.models["Train"].cost, weights)
            clipped, self.norm = tf.clip_by_global_norm(gradients, config.max_grad_norm)
            # The embedding's gradient comes as IndexedSlices: made dense to compare it.
            self.gradients = {
                w.op.name: tf.convert_to_tensor(g) for w, g in zip(weights, clipped, strict=True)
            }
            self.session = tf.Session()
            self.session.run(tf.global_variables_initializer())
            self.saver = tf.train.Saver()
            self.variables = tf.global_variables()

    def names(self) -> list[tuple[str, list[int]]]:
        return [(v.op.name, v.shape.as_list()) for v in self.variables]

    def values(self) -> dict[str, np.ndarray]:
        values = self.session.run(self.variables)
        return {v.op.name: value for v, value in zip(self.variables, values, strict=True)}

    def run(self, fetches: Any, name: str, x: np.ndarray, y: np.ndarray, state: Any) -> Any:
        model = self.models[name]
        feed = {model.batch.input_ids: x, model.batch.targets: y}
        feed.update(
            zip(self.tf.nest.flatten(model.initial_state), jax.tree.leaves(state), strict=True)
        )
        return self.session.run(fetches, feed)

    def set_lr(self, value: float) -> None:
        model = self.models["Train"]
        self.session.run(model.set_lr, {model.new_lr: value})


def port_from(values: dict[str, np.ndarray], config: Any) -> Any:
    """The port's Session on ``config``, holding the TF1 graph's ``values``."""
    session = port.Session(config)
    params = session.variables["params"]
    assert sorted([*params, port.GLOBAL_STEP, port.LR_VARIABLE]) == sorted(values)
    session.variables = {
        "params": {name: values[name] for name in params},
        "state": {port.LR_VARIABLE: values[port.LR_VARIABLE]},
    }
    return session


def carried_state(config: Any, batch_size: int, seed: int = 1) -> tuple:
    """A nonzero state for every layer, such as a previous batch leaves."""
    rng = np.random.default_rng(seed)

    def half() -> np.ndarray:
        return rng.uniform(-1, 1, (batch_size, config.hidden_size)).astype(np.float32)

    return tuple(
        port.tf.nn.rnn_cell.LSTMStateTuple(half(), half()) for _ in range(config.num_layers)
    )


# --- the variables ----------------------------------------------------------------------
@pytest.mark.parametrize("driver", DRIVERS)
def test_variables_are_tf1s_made_once_by_train(lm1, driver):
    config = small(port, rnn_driver=driver)
    theirs = TF1Run(lm1, small(lm1, rnn_driver=driver)).names()
    graph = port.build_graph(config)
    variables = graph["Train"].init(jax.random.key(0), *port.dummy_batch(config))  # no jit:
    ours = [
        (n, list(np.shape(v))) for part in ("params", "state") for n, v in variables[part].items()
    ]
    ours.append((port.GLOBAL_STEP, []))  # in creation order; the port's optimizer makes this
    assert ours == theirs
    assert [n for n, _ in ours] == TF1_NAMES
    assert dict(ours)[TF1_NAMES[1]] == [2 * config.hidden_size, 4 * config.hidden_size]
    # TF1's initializers (JAX draws other numbers): the scope's uniform, the LSTM's zero bias.
    for name, value in variables["params"].items():
        value = np.asarray(value)
        if name.endswith("/bias"):
            assert not value.any(), name
        else:
            assert np.abs(value).max() <= config.init_scale and value.std() > 0.04, name


def test_an_evaluation_model_by_itself_fails_as_in_tf1(lm1):
    """``reuse=True`` with nothing made before: TF1's error, in both."""
    tf = lm1.tf
    config = small(lm1)

    def valid_only(module, batch):
        with module.tf.variable_scope("Model", reuse=True):
            module.WordLM(config, batch, training=False)

    with tf.Graph().as_default(), pytest.raises(ValueError) as tf_error:
        valid_only(lm1, lm1.Batch(config))
    alone = port.fs.transform(lambda x, y: valid_only(port, port.Batch(config, x, y)))
    with pytest.raises(ValueError) as fs_error:
        alone.init(jax.random.key(0), *port.dummy_batch(config))
    assert "Variable Model/embedding does not exist" in str(fs_error.value)
    assert str(fs_error.value).startswith(str(tf_error.value).split(" Originally")[0])


def test_evaluation_models_run_on_trains_variables_alone():
    """Valid and Test are ``variables_exist`` transforms: they run by themselves on Train's
    variables, need each of those weights and create none; only Train draws dropout."""
    config = small(port, keep_prob=0.5)
    graph = port.build_graph(config)
    variables = graph["Train"].init(jax.random.key(0), *port.dummy_batch(config))
    params = variables["params"]
    with pytest.raises(ValueError, match="has no random key"):
        graph["Train"].apply(variables, *port.dummy_batch(config))
    for name, model_config in (("Valid", config), ("Test", port.eval_config(config))):
        model, batch = graph[name], port.dummy_batch(model_config)
        with pytest.raises(ValueError, match="Variable Model/embedding does not exist"):
            model.init(jax.random.key(0), *batch)  # its own graph: nothing made before it
        out = model.apply(variables, *batch)
        assert out["cost"].shape == () and "lr" not in out
        assert out["final_state"][1].h.shape == (model_config.batch_size, config.hidden_size)
        jitted = jax.jit(model.apply)({"params": params}, *batch)  # the lr is Train's only
        np.testing.assert_allclose(jitted["cost"], out["cost"], rtol=RTOL)
        for gone in params:
            fewer = {"params": {n: v for n, v in params.items() if n != gone}}
            with pytest.raises(ValueError, match=f"Variable {re.escape(gone)} does not exist"):
                model.apply(fewer, *batch)


# --- one batch ----------------------------------------------------------------------------
@pytest.mark.parametrize("driver", DRIVERS)
def test_cost_and_final_state_match_tf1(lm1, driver):
    tf_run = TF1Run(lm1, small(lm1, rnn_driver=driver))
    config = small(port, rnn_driver=driver)
    session = port_from(tf_run.values(), config)
    data = epoch_data(port, config, word_ids())
    worst = 0.0
    for seed, name in enumerate(port.MODELS, start=1):
        x, y = data[name][0][1], data[name][1][1]
        batch_size = x.shape[0]
        for state in (carried_state(config, batch_size, seed), session.zero_state(name)):
            model = tf_run.models[name]
            theirs = tf_run.run([model.cost, model.final_state], name, x, y, state)
            ours = session.run(name, x, y, state)
            assert ours["cost"].shape == ()
            worst = max(worst, max_rel_err([ours["cost"], ours["final_state"]], theirs))
    assert worst < RTOL
    assert data["Test"][0].shape[1:] == (1, 1)  # the test model reads a word at a time


def test_dropout_in_train_only(lm1):
    """keep_prob < 1: the same variables; Valid and Test are TF1's exactly; Train draws a
    new mask at every step."""
    tf_run = TF1Run(lm1, small(lm1, keep_prob=0.5))
    config = small(port, keep_prob=0.5)
    session = port_from(tf_run.values(), config)
    data = epoch_data(port, config, word_ids())
    for name in ("Valid", "Test"):
        x, y = data[name][0][0], data[name][1][0]
        state = carried_state(config, x.shape[0])
        theirs = tf_run.run(tf_run.models[name].cost, name, x, y, state)
        assert max_rel_err(session.run(name, x, y, state)["cost"], theirs) < RTOL
    x, y = data["Train"][0][0], data["Train"][1][0]
    state = carried_state(config, config.batch_size)
    without = float(port_from(tf_run.values(), small(port)).run("Train", x, y, state)["cost"])
    session.set_lr(0.0)  # steps that change no weight: the costs differ by their masks only
    costs = [float(session.train_step(x, y, state)["cost"]) for _ in range(3)]
    assert len(set(costs)) == 3 and without not in costs
    assert all(abs(c - without) < 0.5 * without for c in costs)


@pytest.mark.parametrize("driver", DRIVERS)
def test_clipped_gradients_and_an_sgd_step_match_tf1(lm1, driver):
    tf_run = TF1Run(lm1, small(lm1, rnn_driver=driver))
    config = small(port, rnn_driver=driver)
    session = port_from(tf_run.values(), config)
    inputs, targets = epoch_data(port, config, word_ids())["Train"]
    x, y, state = inputs[2], targets[2], carried_state(config, config.batch_size)

    tf_gradients, tf_norm = tf_run.run([tf_run.gradients, tf_run.norm], "Train", x, y, state)
    assert tf_norm > config.max_grad_norm  # so the clipping is exercised
    gradients, norm, _ = port.clipped_gradients(
        session.graph["Train"], config, session.variables, (x, y, state)
    )
    assert max_rel_err(norm, tf_norm) < RTOL
    assert sorted(gradients) == sorted(tf_gradients)
    for name in gradients:
        assert max_rel_err(gradients[name], tf_gradients[name]) < RTOL, name
    assert abs(float(port.optax.global_norm(gradients)) - config.max_grad_norm) < 1e-5

    tf_run.set_lr(0.7)
    tf_run.run(tf_run.models["Train"].train_op, "Train", x, y, state)
    session.set_lr(0.7)
    session.train_step(x, y, state)
    after = tf_run.values()
    assert session.global_step == after[port.GLOBAL_STEP] == 1
    assert float(session.variables["state"][port.LR_VARIABLE]) == after[port.LR_VARIABLE]
    for name, value in session.variables["params"].items():
        assert max_rel_err(value, after[name]) < RTOL, name


# --- whole epochs -------------------------------------------------------------------------
def test_epochs_and_checkpoints_match_tf1(lm1, tmp_path):
    """Two training epochs (the second at a decayed learning rate), validation after each,
    then the test model: the same perplexities and weights. Then TF1's checkpoint restores
    into the port and gives the same cost."""
    config = small(port, max_grad_norm=5.0)
    tf_run = TF1Run(lm1, small(lm1, max_grad_norm=5.0))
    session = port_from(tf_run.values(), config)
    ids = word_ids()
    theirs_data, ours_data = epoch_data(lm1, config, ids), epoch_data(port, config, ids)
    for a, b in zip(jax.tree.leaves(theirs_data), jax.tree.leaves(ours_data), strict=True):
        np.testing.assert_array_equal(a, b)
    theirs, ours = [], []
    for epoch in (1, 2):
        lr = lm1.learning_rate(config, epoch)
        assert lr == port.learning_rate(config, epoch) == 0.5 ** (epoch - 1)
        tf_run.set_lr(lr)
        session.set_lr(lr)
        with tf_run.graph.as_default():
            theirs.append(
                lm1.run_epoch(
                    tf_run.session, tf_run.models["Train"], *theirs_data["Train"], train=True
                )
            )
            theirs.append(
                lm1.run_epoch(tf_run.session, tf_run.models["Valid"], *theirs_data["Valid"])
            )
        ours.append(port.run_epoch(session, "Train", *ours_data["Train"], train=True))
        ours.append(port.run_epoch(session, "Valid", *ours_data["Valid"]))
    with tf_run.graph.as_default():
        theirs.append(lm1.run_epoch(tf_run.session, tf_run.models["Test"], *theirs_data["Test"]))
    ours.append(port.run_epoch(session, "Test", *ours_data["Test"]))
    np.testing.assert_allclose(ours, theirs, rtol=RTOL)
    assert ours[2] < ours[0]  # training helps
    after = tf_run.values()
    assert after[port.GLOBAL_STEP] == session.global_step == 2 * len(ours_data["Train"][0])
    for name, value in session.variables["params"].items():
        assert max_rel_err(value, after[name]) < RTOL, name

    with tf_run.graph.as_default():
        prefix = tf_run.saver.save(tf_run.session, str(tmp_path / "tf1.ckpt"))
    fresh = port.Session(config, seed=1)
    fresh.variables = port.fs.checkpoint.restore(prefix, fresh.variables)
    x, y = ours_data["Valid"][0][0], ours_data["Valid"][1][0]
    state = carried_state(config, config.batch_size)
    theirs_cost = tf_run.run(tf_run.models["Valid"].cost, "Valid", x, y, state)
    assert max_rel_err(fresh.run("Valid", x, y, state)["cost"], theirs_cost) < RTOL


def test_windows_cut_one_stream_into_rows():
    stream = list(range(103))
    inputs, targets = port.windows(stream, 4, 3)
    assert inputs.shape == targets.shape == (8, 4, 3) and inputs.dtype == np.int32
    rows = np.concatenate(list(inputs), axis=1)  # the windows side by side: 4 rows of 24
    np.testing.assert_array_equal(rows, np.arange(100).reshape(4, 25)[:, :24])
    np.testing.assert_array_equal(targets, inputs + 1)  # each target is the next word
    with pytest.raises(ValueError, match="103 words make no window of batch_size=50"):
        port.windows(stream, 50, 3)


def test_reader_ranks_words_by_count_then_alphabet(tmp_path):
    for split, text in (("train", " b a c \n a c b a \n"), ("valid", " a z \n"), ("test", "c\n")):
        (tmp_path / f"ptb.{split}.txt").write_text(text)
    train, valid, test, vocab_size = port.load_corpus(str(tmp_path))
    # counts: a 3, <eos> 2, b 2, c 2 -> ids a 0, <eos> 1, b 2, c 3; "z" is not in training
    assert (train, valid, test, vocab_size) == ([2, 0, 3, 1, 0, 3, 2, 0, 1], [0, 1], [3, 1], 4)


# --- the example as a program -------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """main() on the tiny config for 2 epochs, writing a checkpoint: (result, printed)."""
    prefix = tmp_path_factory.mktemp("ptb") / "model.ckpt"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = port.main(["--model", "tiny", "--epochs", "2", "--save_path", str(prefix)])
    return result, printed.getvalue()


def test_main_trains_and_perplexity_falls(trained):
    result, printed = trained
    first, second = result["epochs"]
    vocab_size = port.CONFIGS["tiny"].vocab_size
    assert result["initial_valid"] > 0.75 * vocab_size  # untrained: about uniform guessing
    assert first["valid"] < result["initial_valid"] / 3
    assert second["train"] < first["train"] and second["valid"] < first["valid"] < 500
    assert np.isfinite(result["test"]) and result["test"] < 500
    assert TF1_NAMES[3] in printed and "epoch 2: learning rate 1.000" in printed
    assert "test perplexity" in printed
    step = result["session"].global_step
    assert step > 100 and result["checkpoint"].endswith(f"model.ckpt-{step}")


def test_tf1_restores_the_ports_checkpoint(lm1, trained, tmp_path):
    """Every variable of the TF1 graph is in the port's checkpoint, under its TF1 name."""
    result, _ = trained
    tf, session = lm1.tf, result["session"]
    config = port.CONFIGS["tiny"]
    ids = port.load_corpus(port.python_docs_corpus(str(tmp_path), config.vocab_size))
    inputs, targets = port.windows(ids[1], config.batch_size, config.num_steps)
    x, y, state = inputs[3], targets[3], session.zero_state("Valid")
    ours = session.run("Valid", x, y, state)["cost"]
    with tf.Graph().as_default():
        models = lm1.build_graph(config)
        with tf.Session() as tf_session:
            tf.train.Saver().restore(tf_session, result["checkpoint"])
            assert tf_session.run(tf.train.get_global_step()) == session.global_step
            valid = models["Valid"].batch
            theirs = tf_session.run(models["Valid"].cost, {valid.input_ids: x, valid.targets: y})
    assert max_rel_err(ours, theirs) < RTOL


# --- the sources ----------------------------------------------------------------------------
SECTIONS = ["imports", "data", "inputs", "loss", "model", "configs", "graph", "training"]


def sections(path: Path) -> dict[str, list[str]]:
    """The lines of each ``# --- name ---`` section of a file (the module docstring out)."""
    code = path.read_text(encoding="utf-8").split('"""', 2)[2]
    found: dict[str, list[str]] = {"imports": []}
    current = found["imports"]
    for line in code.splitlines():
        marker = re.fullmatch(r"# --- (\w+) ---", line)
        if marker:
            current = found.setdefault(marker.group(1), [])
        else:
            current.append(line)
    return found


def test_the_model_is_the_tf1_programs_text():
    """Porting changed the import, the inputs (arrays, not placeholders), the graph's
    driver and the training loop; the model, its loss, the reader and the configs are the
    TF1 program's lines."""
    tf1, ours = sections(TF1_FILE), sections(PORT_FILE)
    assert list(tf1) == list(ours) == SECTIONS
    assert "import tensorflow.compat.v1 as tf" in tf1["imports"]
    assert "import flaxscope.compat.v1 as tf" in ours["imports"]
    for name in ("data", "loss", "model", "configs"):
        assert ours[name] == tf1[name], name
    # What makes it a TF1 model: scopes, get_variable, reuse in the time loop, TF1's cells.
    keys = ("variable_scope", "get_variable", "reuse_variables", "rnn_cell", "_rnn(",
            "Variable(")  # fmt: skip
    assert len([line for line in ours["model"] if any(k in line for k in keys)]) == 11
    assert "tf.nn.sparse_softmax_cross_entropy_with_logits(" in "\n".join(ours["loss"])


def test_the_three_models_are_built_as_in_tf1():
    """build_graph: the initializer and each model's name scope, variable scope and model
    are the TF1 program's lines; the schedule, the test config and the reader are its code."""
    keys = ("initializer = ", "reuse = ", "name_scope(", "variable_scope(", "WordLM(")

    def scope_lines(source: str) -> list[str]:
        return [line.strip() for line in source.splitlines() if any(k in line for k in keys)]

    tf1 = TF1_FILE.read_text(encoding="utf-8")
    theirs = scope_lines(tf1.split("def build_graph(", 1)[1].split("\ndef ", 1)[0])
    assert len(theirs) == 5 and scope_lines(inspect.getsource(port.build_graph)) == theirs
    for fn in (port.learning_rate, port.eval_config, port.windows, port.load_corpus):
        assert inspect.getsource(fn) in tf1, fn.__name__
