"""flaxscope-upgrade on the project's TF1 word-level LSTM language model
(tests/data/tf1_ptb_word_lm.py).

The converter changes the import only; its report lists the graph-and-session lines
(placeholders, gradients and the optimizer's update, session fetches, ``tf.nest``). The
converted model code (``WordLM``, ``unroll``, ``batch_cost`` and the configs), run as
``build_graph`` runs it with the placeholders made arguments (the hand edit the report
asks for), gives TF1's variable names and, with TF's weights, TF1's costs and final states
to float32 rounding. The TF1 side is tests/ports/test_ptb_word_lm.py's.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType

import jax
import pytest

import flaxscope as fs
from flaxscope.upgrade import upgrade_source

ROOT = Path(__file__).resolve().parents[2]
TF1_FILE = ROOT / "tests" / "data" / "tf1_ptb_word_lm.py"

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

# (kind, the original line) of every line the report must give a person, and no other.
EXPECTED_FINDINGS = {
    ("placeholder", 'self.input_ids = tf.placeholder(tf.int32, shape, name="input_ids")'),
    ("placeholder", 'self.targets = tf.placeholder(tf.int32, shape, name="targets")'),
    ("gradients", "gradients = tf.gradients(model.cost, weights)"),
    ("gradients", "model.train_op = sgd.apply_gradients(list(zip(clipped, weights, "
                  "strict=True)), global_step=step)"),
    ("placeholder", 'model.new_lr = tf.placeholder(tf.float32, [], name="new_lr")'),
    ("fetch", "state = session.run(model.initial_state)"),
    ("fetch", "result = session.run(fetches, feed)"),
    ("graph", "with tf.Graph().as_default():"),
    ("session", "with tf.Session() as session:"),
    ("initializer", "session.run(tf.global_variables_initializer())"),
    ("fetch", "session.run(m.set_lr, {m.new_lr: learning_rate(config, epoch)})"),
}


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """(converted module, its path, the report, the converted text)."""
    source = TF1_FILE.read_text(encoding="utf-8")
    after, report = upgrade_source(source, str(TF1_FILE))
    assert report.error is None
    path = tmp_path_factory.mktemp("ptb_upgrade") / "ptb_word_lm_converted.py"
    path.write_text(after, encoding="utf-8")
    return _import(path, "ptb_word_lm_converted"), path, report, after


@pytest.fixture(scope="module")
def ptb(tf1) -> ModuleType:
    """tests/ports/test_ptb_word_lm.py: its TF1 runner, configs, data and comparison."""
    return _import(ROOT / "tests" / "ports" / "test_ptb_word_lm.py", "ptb_lm_tests_for_upgrade")


def test_report_lists_exactly_the_session_lines(converted):
    _, _, report, after = converted
    before = TF1_FILE.read_text(encoding="utf-8").splitlines()
    # The only change is the import: the model is TF1's text line for line.
    assert [(c.line, c.before, c.after) for c in report.changes] == [
        (before.index("import tensorflow.compat.v1 as tf") + 1,
         "import tensorflow.compat.v1 as tf", "import flaxscope.compat.v1 as tf")]
    assert after.splitlines() == [
        "import flaxscope.compat.v1 as tf" if line == "import tensorflow.compat.v1 as tf"
        else line for line in before]
    found = [(f.kind, before[f.line - 1].strip()) for f in report.findings]
    assert len(found) == len(set(found)) == len(EXPECTED_FINDINGS)
    assert set(found) == EXPECTED_FINDINGS
    assert all(f.section for f in report.findings)
    # Nothing in the model's own sections needs a person.
    model_start = before.index("# --- loss ---") + 1
    model_end = before.index("# --- graph ---") + 1
    assert not [f for f in report.findings if model_start <= f.line <= model_end]


def _build(module: ModuleType, config, inputs: dict) -> dict:
    """``build_graph``'s loop on the converted module, each model's placeholders (and the
    state ``run_epoch`` feeds) made the arguments ``inputs[name] = (x, y, state)``; no
    training ops (their gradients are the report's lines)."""
    tf = module.tf

    class Batch(module.Batch):
        def __init__(self, config, input_ids, targets, state):  # the report's hand edit
            self.batch_size, self.num_steps = config.batch_size, config.num_steps
            self.input_ids, self.targets, self.state = input_ids, targets, state

        def start_state(self, cell):
            return self.state

    initializer = tf.random_uniform_initializer(-config.init_scale, config.init_scale)
    out = {}
    for name, model_config in (("Train", config), ("Valid", config),
                               ("Test", module.eval_config(config))):
        training = name == "Train"
        reuse = None if training else True
        with tf.name_scope(name):
            batch = Batch(model_config, *inputs[name])
            with tf.variable_scope("Model", reuse=reuse, initializer=initializer):
                model = module.WordLM(model_config, batch, training)
        out[name] = (model.cost, model.final_state)
    return out


def test_converted_model_gives_tf1s_names_and_costs(converted, ptb, lm1_module):
    module = converted[0]
    worst = 0.0
    for driver in ptb.DRIVERS:
        tf_run = ptb.TF1Run(lm1_module, ptb.small(lm1_module, rnn_driver=driver))
        config = ptb.small(module, rnn_driver=driver)
        data = ptb.epoch_data(module, config, ptb.word_ids())
        inputs = {}
        for seed, name in enumerate(("Train", "Valid", "Test"), start=1):
            x, y = data[name][0][1], data[name][1][1]
            inputs[name] = (x, y, ptb.carried_state(config, x.shape[0], seed))
        net = fs.transform(lambda i, config=config: _build(module, config, i))
        variables = net.init(jax.random.key(0), inputs)
        names = [n for part in ("params", "state") for n in variables[part]]
        assert names == [n for n, _ in tf_run.names()][:-1], driver  # all but global_step
        assert names == ptb.TF1_NAMES[:-1]
        values = tf_run.values()
        weights = {part: {n: values[n] for n in variables[part]} for part in variables}
        ours = net.apply(weights, inputs)
        for name, (x, y, state) in inputs.items():
            model = tf_run.models[name]
            theirs = tf_run.run([model.cost, model.final_state], name, x, y, state)
            worst = max(worst, ptb.max_rel_err(list(ours[name]), theirs))
    assert worst < ptb.RTOL


@pytest.fixture(scope="module")
def lm1_module(ptb) -> ModuleType:
    return _import(TF1_FILE, "tf1_ptb_word_lm_for_upgrade")


def test_converted_build_graph_fails_only_where_reported(converted, ptb):
    """Run as it stands, the converted build_graph stops at a line the report lists."""
    module, path, report, _ = converted
    config = ptb.small(module)
    with pytest.raises(Exception) as caught:  # noqa: B017, PT011 - judged below
        fs.transform(lambda: module.build_graph(config)).init(jax.random.key(0))
    frames = [f for f in traceback.extract_tb(caught.value.__traceback__)
              if f.filename == str(path)]
    assert frames, f"{caught.value!r} raised outside the converted code"
    assert frames[-1].lineno in {f.line for f in report.findings}, caught.value
