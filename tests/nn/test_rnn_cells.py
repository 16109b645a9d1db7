"""TF1's RNN cells on flaxscope, checked against ``tf.compat.v1.nn.rnn_cell`` (the oracle).

Each model is written once, against a namespace ``ns`` that is either TF1 or flaxscope, and
run on both: same variable names and shapes; with TF's initial values copied into
flaxscope's params, the same outputs, final states and gradients to float32 rounding.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import flaxscope as fs  # noqa: E402
from flaxscope.nn import rnn_cell  # noqa: E402

tf = pytest.importorskip("tensorflow", reason="oracle tensorflow-cpu not installed")
v1 = tf.compat.v1

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

RTOL = 1e-5  # max relative error allowed: max|a - b| / max|b|, per array

TF_NS = SimpleNamespace(
    rnn_cell=v1.nn.rnn_cell,
    nn=v1.nn,
    variable_scope=v1.variable_scope,
    float32=tf.float32,
)
FS_NS = SimpleNamespace(
    rnn_cell=fs.nn.rnn_cell,
    nn=fs.nn,
    variable_scope=fs.variable_scope,
    float32=jnp.float32,
)


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    scale = max(np.max(np.abs(b)), 1e-30) if b.size else 1.0
    return float(np.max(np.abs(a - b)) / scale) if b.size else 0.0


def loss_weights(shapes: list[tuple[int, ...]], seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def tf_flatten(structure):
    return tf.nest.flatten(structure)


def run_tf(model, inputs: list[np.ndarray], seed: int = 0):
    """Runs ``model(ns, *inputs)`` in a TF1 graph.

    Returns (params by name, flat outputs, grads by name) where the loss is a fixed random
    weighting of every output leaf.
    """
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        consts = [tf.constant(x) for x in inputs]
        out = model(TF_NS, *consts)
        flat = tf_flatten(out)
        shapes = [t.shape.as_list() for t in flat]
        weights = loss_weights(shapes)
        loss = tf.add_n([tf.reduce_sum(t * w) for t, w in zip(flat, weights, strict=True)])
        variables = v1.global_variables()
        grads = [
            g if g is not None else tf.zeros_like(v)
            for g, v in zip(tf.gradients(loss, variables), variables, strict=True)
        ]
        with v1.Session() as sess:
            sess.run(v1.global_variables_initializer())
            values, outs, grad_values = sess.run((variables, flat, grads))
    names = [v.name[:-2] for v in variables]
    return dict(zip(names, values, strict=True)), outs, dict(zip(names, grad_values, strict=True))


def run_fs(model, inputs: list[np.ndarray], tf_params: dict[str, np.ndarray]):
    """Runs the same model with flaxscope: init (names), then apply on TF's values."""
    f = fs.transform(lambda *xs: model(FS_NS, *xs))
    xs = [jnp.asarray(x) for x in inputs]
    variables = f.init(jax.random.key(0), *xs)
    shapes = {k: tuple(v.shape) for k, v in variables["params"].items()}
    tf_shapes = {k: tuple(v.shape) for k, v in tf_params.items()}
    assert list(shapes) == list(tf_params), "variable names (in creation order) differ from TF1"
    assert shapes == tf_shapes
    params = {k: jnp.asarray(v) for k, v in tf_params.items()}
    shapes = [t.shape for t in jax.tree.leaves(jax.eval_shape(f.apply, variables, *xs))]
    weights = loss_weights(shapes)

    def loss(p):
        leaves = jax.tree.leaves(f.apply({"params": p}, *xs))
        return sum(jnp.sum(t * w) for t, w in zip(leaves, weights, strict=True)), leaves

    (_, flat), grads = jax.jit(jax.value_and_grad(loss, has_aux=True))(params)
    return flat, grads


def assert_same(model, inputs, seed: int = 0):
    tf_params, tf_out, tf_grads = run_tf(model, inputs, seed)
    fs_out, fs_grads = run_fs(model, inputs, tf_params)
    assert len(fs_out) == len(tf_out)
    for i, (a, b) in enumerate(zip(fs_out, tf_out, strict=True)):
        assert rel_err(a, b) < RTOL, f"output leaf {i}: rel err {rel_err(a, b):.2e}"
    for name, g in tf_grads.items():
        err = rel_err(fs_grads[name], g)
        assert err < RTOL, f"grad of {name}: rel err {err:.2e}"
    return tf_params


def inputs_btd(batch=3, time=7, depth=4, scale=2.0, seed=1):
    return (
        np.random.default_rng(seed).uniform(-scale, scale, (batch, time, depth)).astype(np.float32)
    )


CELLS = {
    "basic_rnn": lambda ns: ns.rnn_cell.BasicRNNCell(5),
    "basic_rnn_relu": lambda ns: ns.rnn_cell.BasicRNNCell(5, activation="relu"),
    "basic_lstm": lambda ns: ns.rnn_cell.BasicLSTMCell(6),
    "basic_lstm_concat_state": lambda ns: ns.rnn_cell.BasicLSTMCell(
        6, forget_bias=0.5, state_is_tuple=False
    ),
    "lstm": lambda ns: ns.rnn_cell.LSTMCell(6),
    "lstm_peephole_clip_proj": lambda ns: ns.rnn_cell.LSTMCell(
        6, use_peepholes=True, cell_clip=0.5, num_proj=4, proj_clip=0.3, forget_bias=0.7
    ),
    "lstm_proj_concat_state": lambda ns: ns.rnn_cell.LSTMCell(6, num_proj=4, state_is_tuple=False),
    "gru": lambda ns: ns.rnn_cell.GRUCell(5),
    "multi": lambda ns: ns.rnn_cell.MultiRNNCell(
        [
            ns.rnn_cell.BasicLSTMCell(6),
            ns.rnn_cell.GRUCell(4),
            ns.rnn_cell.LSTMCell(5, use_peepholes=True, num_proj=3),
        ]
    ),
    "multi_concat_state": lambda ns: ns.rnn_cell.MultiRNNCell(
        [ns.rnn_cell.GRUCell(4), ns.rnn_cell.BasicRNNCell(3)], state_is_tuple=False
    ),
}


@pytest.mark.parametrize("kind", list(CELLS))
def test_dynamic_rnn_matches_tf1(kind):
    def model(ns, x):
        return ns.nn.dynamic_rnn(CELLS[kind](ns), x, dtype=ns.float32)

    params = assert_same(model, [inputs_btd()])
    assert all(name.startswith("rnn/") for name in params)


def test_tf1_variable_names():
    def model(ns, x):
        multi = ns.rnn_cell.MultiRNNCell([ns.rnn_cell.BasicLSTMCell(3), ns.rnn_cell.GRUCell(3)])
        ns.nn.dynamic_rnn(multi, x, dtype=ns.float32)
        lstm = ns.rnn_cell.LSTMCell(3, use_peepholes=True, num_proj=2)
        return ns.nn.dynamic_rnn(lstm, x, dtype=ns.float32, scope="proj")

    tf_params, _, _ = run_tf(model, [inputs_btd()])
    assert list(tf_params) == [
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel",
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias",
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel",
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias",
        "proj/lstm_cell/kernel",
        "proj/lstm_cell/bias",
        "proj/lstm_cell/w_f_diag",
        "proj/lstm_cell/w_i_diag",
        "proj/lstm_cell/w_o_diag",
        "proj/lstm_cell/projection/kernel",
    ]
    run_fs(model, [inputs_btd()], tf_params)  # asserts the same names, order and shapes


def test_one_step_calls_and_cell_scopes_match_tf1():
    """Cells called by hand: scope capture on the first call, reuse after, unique names."""

    def model(ns, x):
        a = ns.rnn_cell.BasicLSTMCell(4, name="enc")
        b = ns.rnn_cell.BasicLSTMCell(4, name="enc")  # same name: becomes enc_1
        g = ns.rnn_cell.GRUCell(4)
        outs = []
        with ns.variable_scope("step"):
            s_a = a.zero_state(3, ns.float32)
            s_b = b.zero_state(3, ns.float32)
            s_g = g.zero_state(3, ns.float32)
            for t in range(3):
                o_a, s_a = a(x[:, t], s_a)
                o_b, s_b = b(x[:, t], s_b)
                o_g, s_g = g(o_a, s_g, scope="explicit") if t == 0 else g(o_a, s_g)
                outs += [o_a, o_b, o_g]
        # A later call from another scope still uses the captured scope.
        with ns.variable_scope("elsewhere"):
            o_a, s_a = a(x[:, 3], s_a)
        return outs, o_a, s_a, s_b, s_g

    params = assert_same(model, [inputs_btd()])
    assert list(params) == [
        "step/enc/kernel",
        "step/enc/bias",
        "step/enc_1/kernel",
        "step/enc_1/bias",
        "step/explicit/gates/kernel",
        "step/explicit/gates/bias",
        "step/explicit/candidate/kernel",
        "step/explicit/candidate/bias",
    ]


def test_same_cell_twice_in_multi_rnn_cell_shares_weights():
    def model(ns, x):
        shared = ns.rnn_cell.BasicLSTMCell(4)
        multi = ns.rnn_cell.MultiRNNCell([shared, shared])
        return ns.nn.dynamic_rnn(multi, x, dtype=ns.float32)

    params = assert_same(model, [inputs_btd()])
    assert list(params) == [
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
    ]


def test_initializers_and_defaults():
    """Bias initial values are TF1's (zeros; GRU gates ones); kernels glorot by default."""

    def model(ns, x):
        with ns.variable_scope("a"):
            ns.nn.dynamic_rnn(ns.rnn_cell.GRUCell(3), x, dtype=ns.float32)
        with ns.variable_scope("b", initializer=fs.constant_initializer(0.25)):
            ns.nn.dynamic_rnn(ns.rnn_cell.BasicLSTMCell(3), x, dtype=ns.float32)
        return ns.nn.dynamic_rnn(
            ns.rnn_cell.LSTMCell(3, initializer=fs.ones_initializer(), use_peepholes=True),
            x,
            dtype=ns.float32,
            scope="c",
        )

    f = fs.transform(lambda x: model(FS_NS, x))
    p = f.init(jax.random.key(0), jnp.asarray(inputs_btd()))["params"]
    np.testing.assert_array_equal(p["a/rnn/gru_cell/gates/bias"], np.ones(6))
    np.testing.assert_array_equal(p["a/rnn/gru_cell/candidate/bias"], np.zeros(3))
    np.testing.assert_array_equal(p["b/rnn/basic_lstm_cell/kernel"], np.full((7, 12), 0.25))
    np.testing.assert_array_equal(p["b/rnn/basic_lstm_cell/bias"], np.zeros(12))
    np.testing.assert_array_equal(p["c/lstm_cell/kernel"], np.ones((7, 12)))
    np.testing.assert_array_equal(p["c/lstm_cell/w_f_diag"], np.ones(3))
    kernel = np.asarray(p["a/rnn/gru_cell/gates/kernel"])
    limit = np.sqrt(6.0 / (7 + 6))
    assert np.all(np.abs(kernel) <= limit) and kernel.std() > limit / 4


# A cell made once at module level, used in many init/apply calls and traces.
MODULE_CELL = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(5), rnn_cell.GRUCell(4)])


def _module_model(x):
    with fs.variable_scope("lm"):
        out, state = fs.nn.dynamic_rnn(MODULE_CELL, x, dtype=jnp.float32)
        # A second, hand-written step with the same cell: reuses its variables.
        out2, _ = MODULE_CELL(x[:, 0], state)
    return out, out2


def test_cell_at_module_level_works_in_every_call():
    f = fs.transform(_module_model)
    x = jnp.asarray(inputs_btd())
    v1_ = f.init(jax.random.key(0), x)
    v2_ = f.init(jax.random.key(0), x)
    assert list(v1_["params"]) == [
        "lm/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel",
        "lm/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias",
        "lm/rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel",
        "lm/rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias",
        "lm/rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel",
        "lm/rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias",
    ]
    jax.tree.map(np.testing.assert_array_equal, v1_, v2_)
    eager = f.apply(v1_, x)
    jitted = jax.jit(f.apply)(v1_, x)
    again = jax.jit(f.apply)(v1_, x[:2])  # a new trace (new batch size)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6), eager, jitted)
    np.testing.assert_allclose(again[0], eager[0][:2], rtol=1e-6, atol=1e-6)
    # Eagerly in the default graph too, like a TF1 script.
    fs.reset_default_graph()
    try:
        with fs.variable_scope("lm"):
            fs.nn.dynamic_rnn(MODULE_CELL, x, dtype=jnp.float32)
        assert sorted(fs.default_variables()["params"]) == sorted(v1_["params"])
    finally:
        fs.reset_default_graph()


def test_lstm_state_tuple():
    s = rnn_cell.LSTMStateTuple(jnp.zeros((2, 3)), jnp.ones((2, 3)))
    assert s.c.shape == (2, 3) and s.dtype == jnp.float32
    assert jax.tree.structure(s).num_leaves == 2
    with pytest.raises(TypeError, match="Inconsistent dtypes"):
        _ = rnn_cell.LSTMStateTuple(jnp.zeros(2), jnp.zeros(2, jnp.int32)).dtype
    cell = rnn_cell.BasicLSTMCell(3)
    assert cell.state_size == (3, 3) and cell.output_size == 3
    zero = cell.zero_state(4, jnp.float32)
    assert isinstance(zero, rnn_cell.LSTMStateTuple) and zero.h.shape == (4, 3)
    multi = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(2), rnn_cell.BasicRNNCell(5)], False)
    assert multi.state_size == 7 and multi.zero_state(4, jnp.float32).shape == (4, 7)


def test_errors():
    with pytest.raises(ValueError, match="Must specify at least one cell"):
        rnn_cell.MultiRNNCell([])
    with pytest.raises(ValueError, match="state_is_tuple is not set"):
        rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(2)], state_is_tuple=False)
    with pytest.raises(ValueError, match="only supports floating point"):
        rnn_cell.BasicLSTMCell(2, dtype=jnp.int32)

    def int_inputs(x):
        cell = rnn_cell.GRUCell(2)
        return cell(x, cell.zero_state(2, jnp.float32))

    with pytest.raises(ValueError, match="only supports floating point"):
        fs.transform(int_inputs).init(jax.random.key(0), jnp.zeros((2, 3), jnp.int32))

    def no_dtype(x):
        return fs.nn.dynamic_rnn(rnn_cell.GRUCell(2), x)

    with pytest.raises(ValueError, match="argument `dtype` must be specified"):
        fs.transform(no_dtype).init(jax.random.key(0), jnp.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match="Unknown activation"):
        rnn_cell.BasicRNNCell(2, activation="nope")
