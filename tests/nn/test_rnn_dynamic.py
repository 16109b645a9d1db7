"""``dynamic_rnn``, ``static_rnn`` and ``bidirectional_dynamic_rnn`` against TF1, weight
sharing across time steps, and the compiled program against hand-written JAX.
"""

from __future__ import annotations

import collections
import functools
import os
import re
from types import SimpleNamespace

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import pytest  # noqa: E402
from _jaxprs import equations  # noqa: E402

import flaxscope as fs  # noqa: E402
from flaxscope.nn import rnn_cell  # noqa: E402
from flaxscope.nn.rnn_cell import _lstm_gates  # noqa: E402

tf = pytest.importorskip("tensorflow", reason="oracle tensorflow-cpu not installed")
v1 = tf.compat.v1

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

RTOL = 1e-5  # max relative error allowed: max|a - b| / max|b|, per array

TF_NS = SimpleNamespace(
    rnn_cell=v1.nn.rnn_cell,
    nn=v1.nn,
    variable_scope=v1.variable_scope,
    get_variable=v1.get_variable,
    matmul=tf.matmul,
    tanh=tf.tanh,
    concat=tf.concat,
    zeros_initializer=v1.zeros_initializer,
    unstack=lambda x, axis: tf.unstack(x, axis=axis),
    float32=tf.float32,
)
FS_NS = SimpleNamespace(
    rnn_cell=fs.nn.rnn_cell,
    nn=fs.nn,
    variable_scope=fs.variable_scope,
    get_variable=fs.get_variable,
    matmul=jnp.matmul,
    tanh=jnp.tanh,
    concat=jnp.concatenate,
    zeros_initializer=fs.zeros_initializer,
    unstack=lambda x, axis: [jnp.take(x, i, axis=axis) for i in range(x.shape[axis])],
    float32=jnp.float32,
)


# --- the oracle ------------------------------------------------------------------------
def rel_err(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    if not b.size:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def loss_weights(shapes, seed: int = 7):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def run_tf(model, inputs, seed: int = 0):
    with tf.Graph().as_default():
        v1.set_random_seed(seed)
        out = model(TF_NS, *[tf.constant(x) for x in inputs])
        flat = tf.nest.flatten(out)
        weights = loss_weights([t.shape.as_list() for t in flat])
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


def assert_same(model, inputs, seed: int = 0):
    """Same names/shapes as TF1; on TF's values, the same outputs and gradients."""
    tf_params, tf_out, tf_grads = run_tf(model, inputs, seed)
    f = fs.transform(lambda *xs: model(FS_NS, *xs))
    xs = [jnp.asarray(x) for x in inputs]
    variables = f.init(jax.random.key(0), *xs)
    assert list(variables["params"]) == list(tf_params)
    assert {k: v.shape for k, v in variables["params"].items()} == {
        k: v.shape for k, v in tf_params.items()
    }
    params = {k: jnp.asarray(v) for k, v in tf_params.items()}
    shapes = [t.shape for t in jax.tree.leaves(jax.eval_shape(f.apply, variables, *xs))]
    weights = loss_weights(shapes)

    def loss(p):
        leaves = jax.tree.leaves(f.apply({"params": p}, *xs))
        return sum(jnp.sum(t * w) for t, w in zip(leaves, weights, strict=True)), leaves

    (_, out), grads = jax.jit(jax.value_and_grad(loss, has_aux=True))(params)
    assert len(out) == len(tf_out)
    for i, (a, b) in enumerate(zip(out, tf_out, strict=True)):
        assert rel_err(a, b) < RTOL, f"output leaf {i}: rel err {rel_err(a, b):.2e}"
    for name, g in tf_grads.items():
        assert rel_err(grads[name], g) < RTOL, f"grad {name}: {rel_err(grads[name], g):.2e}"
    return tf_params, out


def inputs_btd(batch=4, time=6, depth=3, scale=2.0, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(-scale, scale, (batch, time, depth)).astype(np.float32)


LENGTHS = np.array([6, 2, 0, 4], np.int32)  # full, short, empty, middle


# --- dynamic_rnn -------------------------------------------------------------------------
@pytest.fixture(params=[False, True], ids=["projection-in-loop", "projection-hoisted"])
def formulation(request, monkeypatch):
    """Runs a test with the input projection inside the loop and hoisted out of it, whatever
    this backend's default: both formulations must give TF1's numbers."""
    from flaxscope.nn import rnn

    monkeypatch.setitem(rnn.HOIST_INPUT_PROJECTION, jax.default_backend(), request.param)
    return request.param


@pytest.mark.usefixtures("formulation")
def test_ragged_sequence_length_multi_rnn_cell():
    def model(ns, x, lengths):
        cell = ns.rnn_cell.MultiRNNCell(
            [ns.rnn_cell.BasicLSTMCell(5), ns.rnn_cell.GRUCell(4), ns.rnn_cell.LSTMCell(3)]
        )
        return ns.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=ns.float32)

    _, out = assert_same(model, [inputs_btd(), LENGTHS])
    outputs = np.asarray(out[0])
    for b, n in enumerate(LENGTHS):
        assert np.all(outputs[b, n:] == 0) and (n == 0 or np.any(outputs[b, n - 1] != 0))


@pytest.mark.usefixtures("formulation")
def test_time_major_with_lengths_and_peepholes():
    def model(ns, x, lengths):
        cell = ns.rnn_cell.LSTMCell(5, use_peepholes=True, cell_clip=1.0, num_proj=3)
        return ns.nn.dynamic_rnn(
            cell, x, sequence_length=lengths, dtype=ns.float32, time_major=True
        )

    x = np.swapaxes(inputs_btd(), 0, 1).copy()
    assert_same(model, [x, LENGTHS])


@pytest.mark.usefixtures("formulation")
def test_initial_state_and_scope():
    rng = np.random.default_rng(3)
    c0, h0, g0 = (rng.standard_normal((4, n)).astype(np.float32) for n in (5, 5, 2))

    def model(ns, x, c, h, g):
        cell = ns.rnn_cell.MultiRNNCell([ns.rnn_cell.BasicLSTMCell(5), ns.rnn_cell.GRUCell(2)])
        state = (ns.rnn_cell.LSTMStateTuple(c, h), g)
        with ns.variable_scope("outer"):
            return ns.nn.dynamic_rnn(cell, x, initial_state=state, scope="encoder")

    params, _ = assert_same(model, [inputs_btd(), c0, h0, g0])
    assert next(iter(params)) == "outer/encoder/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"


def test_scope_object_and_nested_input_depths():
    def model(ns, x):
        with ns.variable_scope("enc") as scope:
            pass
        out, _ = ns.nn.dynamic_rnn(ns.rnn_cell.GRUCell(4), x, dtype=ns.float32, scope=scope)
        return ns.nn.dynamic_rnn(ns.rnn_cell.BasicRNNCell(2), out, dtype=ns.float32)

    params, _ = assert_same(model, [inputs_btd()])
    assert list(params)[0] == "enc/gru_cell/gates/kernel"
    assert list(params)[-1] == "rnn/basic_rnn_cell/bias"


@pytest.mark.parametrize("time_major", [False, True])
def test_bidirectional_dynamic_rnn(time_major):
    def model(ns, x, lengths):
        return ns.nn.bidirectional_dynamic_rnn(
            ns.rnn_cell.BasicLSTMCell(4),
            ns.rnn_cell.GRUCell(3),
            x,
            sequence_length=lengths if not time_major else None,
            dtype=ns.float32,
            time_major=time_major,
        )

    x = inputs_btd()
    if time_major:
        x = np.swapaxes(x, 0, 1).copy()
    params, _ = assert_same(model, [x, LENGTHS])
    assert list(params) == [
        "bidirectional_rnn/fw/basic_lstm_cell/kernel",
        "bidirectional_rnn/fw/basic_lstm_cell/bias",
        "bidirectional_rnn/bw/gru_cell/gates/kernel",
        "bidirectional_rnn/bw/gru_cell/gates/bias",
        "bidirectional_rnn/bw/gru_cell/candidate/kernel",
        "bidirectional_rnn/bw/gru_cell/candidate/bias",
    ]


@pytest.mark.parametrize("with_lengths", [False, True])
def test_static_rnn(with_lengths):
    def model(ns, x, lengths):
        cell = ns.rnn_cell.MultiRNNCell([ns.rnn_cell.BasicLSTMCell(4), ns.rnn_cell.GRUCell(3)])
        return ns.nn.static_rnn(
            cell,
            ns.unstack(x, 1),
            dtype=ns.float32,
            sequence_length=lengths if with_lengths else None,
        )

    params, _ = assert_same(model, [inputs_btd(), LENGTHS])
    assert list(params)[0] == "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"


def make_minimal_cell(ns, num_units):
    """A user's TF1 cell: ``call`` creates its variables with ``get_variable``."""

    class MinimalRNNCell(ns.rnn_cell.RNNCell):
        @property
        def state_size(self):
            return num_units

        @property
        def output_size(self):
            return num_units

        def call(self, inputs, state):
            w = ns.get_variable("w", [inputs.shape[-1], num_units])
            u = ns.get_variable("u", [num_units, num_units])
            h = ns.tanh(ns.matmul(inputs, w) + ns.matmul(state, u))
            return h, h

    return MinimalRNNCell()


def test_user_cell_with_get_variable_in_call():
    """A cell without the split form runs step by step through flaxscope.scan."""

    def model(ns, x, lengths):
        cell = ns.rnn_cell.MultiRNNCell([make_minimal_cell(ns, 4), ns.rnn_cell.GRUCell(3)])
        return ns.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=ns.float32)

    params, _ = assert_same(model, [inputs_btd(), LENGTHS])
    assert list(params)[:2] == [
        "rnn/multi_rnn_cell/cell_0/minimal_rnn_cell/w",
        "rnn/multi_rnn_cell/cell_0/minimal_rnn_cell/u",
    ]


def make_built_cell(ns, num_units):
    """A user's TF1 cell that makes its variables in ``build`` with ``add_weight``."""

    class ResidualTanhCell(ns.rnn_cell.RNNCell):
        @property
        def state_size(self):
            return num_units

        @property
        def output_size(self):
            return num_units

        def build(self, inputs_shape):
            self._w = self.add_weight("kernel", [int(inputs_shape[-1]) + num_units, num_units])
            self._b = self.add_weight("bias", [num_units], initializer=ns.zeros_initializer())

        def call(self, inputs, state):
            h = ns.tanh(ns.matmul(ns.concat([inputs, state], 1), self._w) + self._b)
            return h, state + h

    return ResidualTanhCell()


def test_user_cell_with_build_and_add_weight():
    def model(ns, x, lengths):
        cell = make_built_cell(ns, 4)
        with ns.variable_scope("rnn"):  # built by a first call by hand ...
            out0, state0 = cell(x[:, 0], cell.zero_state(4, ns.float32))
        # ... and reused by dynamic_rnn: build() runs once.
        out, state = ns.nn.dynamic_rnn(
            cell, x, sequence_length=lengths, initial_state=state0, dtype=ns.float32
        )
        return out0, out, state

    params, _ = assert_same(model, [inputs_btd(), LENGTHS])
    assert list(params) == ["rnn/residual_tanh_cell/kernel", "rnn/residual_tanh_cell/bias"]


def test_tutorial_error_new_cell_in_used_scope():
    """The seed tutorial's error: a second dynamic_rnn with a new cell in the same scope."""

    def model(ns, x):
        ns.nn.dynamic_rnn(ns.rnn_cell.BasicLSTMCell(3), x, dtype=ns.float32)
        return ns.nn.dynamic_rnn(ns.rnn_cell.BasicLSTMCell(3), x, dtype=ns.float32)

    with pytest.raises(ValueError, match="rnn/basic_lstm_cell/kernel already exists") as tf_err:
        run_tf(model, [inputs_btd()])
    f = fs.transform(lambda x: model(FS_NS, x))
    with pytest.raises(ValueError, match="rnn/basic_lstm_cell/kernel already exists") as fs_err:
        f.init(jax.random.key(0), jnp.asarray(inputs_btd()))
    assert str(tf_err.value).split(".")[0] == str(fs_err.value).split(".")[0]


def test_errors():
    cell = rnn_cell.GRUCell(2)
    f = fs.transform(lambda x, n: fs.nn.dynamic_rnn(cell, x, sequence_length=n, dtype=jnp.float32))
    x = jnp.zeros((2, 3, 1))
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        f.init(jax.random.key(0), x, jnp.zeros((2, 1), jnp.int32))
    with pytest.raises(ValueError, match="rank >= 3"):
        f.init(jax.random.key(0), jnp.zeros((2, 3)), None)
    with pytest.raises(TypeError, match="is not an RNNCell"):
        fs.nn.dynamic_rnn(object(), x, dtype=jnp.float32)
    with pytest.raises(ValueError, match="must not be empty"):
        fs.nn.static_rnn(cell, [], dtype=jnp.float32)


@pytest.mark.parametrize(
    "make_cell, state, message",
    [
        (lambda ns: ns.rnn_cell.BasicLSTMCell(5), "size", "Dimensions must be equal"),
        (lambda ns: ns.rnn_cell.GRUCell(5), "size", "Dimensions must be equal"),
        (lambda ns: ns.rnn_cell.GRUCell(5), "batch", "Dimension 0 in both shapes"),
        (
            lambda ns: ns.rnn_cell.MultiRNNCell([ns.rnn_cell.GRUCell(5), ns.rnn_cell.GRUCell(3)]),
            "size",
            "Dimensions must be equal",
        ),
    ],
)
def test_an_initial_state_of_the_wrong_shape_is_tfs_value_error(make_cell, state, message):
    """TF1 refuses it when it builds the graph (ValueError); so must flaxscope, not fail with
    a TypeError from inside a matrix product."""
    x = np.zeros((2, 3, 4), np.float32)

    def program(ns, x):
        cell = make_cell(ns)
        zero = cell.zero_state(3 if state == "batch" else 2, ns_float(ns))
        if state == "size":  # one unit fewer in the last part of the state
            parts = jax.tree.leaves(zero)
            zero = jax.tree.unflatten(jax.tree.structure(zero), [*parts[:-1], parts[-1][:, :-1]])
        return ns.nn.dynamic_rnn(cell, x, initial_state=zero)

    def ns_float(ns):
        return ns.float32 if hasattr(ns, "float32") else jnp.float32

    with v1.Graph().as_default(), pytest.raises(ValueError):
        program(SimpleNamespace(rnn_cell=v1.nn.rnn_cell, nn=v1.nn, float32=v1.float32), x)
    fs_ns = SimpleNamespace(rnn_cell=rnn_cell, nn=fs.nn)
    with pytest.raises(ValueError, match=message):
        fs.transform(lambda x: program(fs_ns, x)).init(jax.random.key(0), x)


# --- weight sharing ----------------------------------------------------------------------
def _shared_model(x):
    out, state = fs.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(4), x, dtype=jnp.float32)
    return out, state


def _unrolled_model(x):
    """The same RNN with a separate copy of the cell's variables at every step."""
    state = rnn_cell.BasicLSTMCell(4).zero_state(x.shape[0], jnp.float32)
    outs = []
    for t in range(x.shape[1]):
        with fs.variable_scope(f"step_{t}"):
            out, state = rnn_cell.BasicLSTMCell(4)(x[:, t], state)
        outs.append(out)
    return jnp.stack(outs, axis=1), state


def test_one_set_of_variables_whatever_the_length():
    f = fs.transform(_shared_model)
    shapes = []
    for time in (1, 3, 40):
        params = f.init(jax.random.key(0), jnp.zeros((2, time, 3)))["params"]
        shapes.append({k: v.shape for k, v in params.items()})
    assert (
        shapes[0]
        == shapes[1]
        == shapes[2]
        == {
            "rnn/basic_lstm_cell/kernel": (7, 16),
            "rnn/basic_lstm_cell/bias": (16,),
        }
    )
    # One loop, compiled once: the program does not grow with the length.
    params = f.init(jax.random.key(0), jnp.zeros((2, 5, 3)))
    sizes = [
        len(jax.jit(f.apply).lower(params, jnp.zeros((2, time, 3))).as_text().splitlines())
        for time in (5, 50)
    ]
    assert sizes[0] == sizes[1]
    jaxpr = jax.make_jaxpr(f.apply)(params, jnp.zeros((2, 50, 3)))
    scans = [e for e in all_eqns(jaxpr.jaxpr) if e.primitive.name == "scan"]
    assert len(scans) == 1 and scans[0].params["length"] == 50


def all_eqns(jaxpr):
    """The equations of a jaxpr and of the jaxprs nested in it (not inside a scan's body)."""
    for eqn in jaxpr.eqns:
        yield eqn
        if eqn.primitive.name == "scan":
            continue
        for param in eqn.params.values():
            inner = getattr(param, "jaxpr", param)
            if hasattr(inner, "eqns"):
                yield from all_eqns(inner)


def test_shared_kernel_gradient_is_the_sum_of_per_step_contributions():
    time = 5
    x = jnp.asarray(inputs_btd(time=time))
    w = jnp.asarray(loss_weights([(4, time, 4)])[0])
    shared = fs.transform(_shared_model)
    unrolled = fs.transform(_unrolled_model)
    params = shared.init(jax.random.key(0), x)["params"]
    # The unrolled model's T copies all start from the shared values.
    copies = {
        f"step_{t}/basic_lstm_cell/{v}": params[f"rnn/basic_lstm_cell/{v}"]
        for t in range(time)
        for v in ("kernel", "bias")
    }
    assert set(copies) == set(unrolled.init(jax.random.key(0), x)["params"])

    def loss_shared(p):
        out, state = shared.apply({"params": p}, x)
        return jnp.sum(out * w) + jnp.sum(state.c)

    def loss_unrolled(p):
        out, state = unrolled.apply({"params": p}, x)
        return jnp.sum(out * w) + jnp.sum(state.c)

    np.testing.assert_allclose(loss_shared(params), loss_unrolled(copies), rtol=1e-6)
    g_shared = jax.grad(loss_shared)(params)
    g_steps = jax.grad(loss_unrolled)(copies)
    for v in ("kernel", "bias"):
        per_step = [g_steps[f"step_{t}/basic_lstm_cell/{v}"] for t in range(time)]
        # Every step contributes (none of the per-step gradients is zero) ...
        assert all(float(jnp.abs(g).max()) > 0 for g in per_step)
        # ... and the shared variable's gradient is their sum.
        total = sum(per_step)
        assert rel_err(g_shared[f"rnn/basic_lstm_cell/{v}"], total) < 1e-5


# --- the compiled program equals hand-written JAX ---------------------------------------
V, E, H, B, T = 11, 8, 16, 4, 9


def fs_lm(tokens, hoist_weight_grads=None, hoist_input_projection=None):
    """A TF1-style LSTM language model: embedding, BasicLSTMCell, softmax."""
    embedding = fs.get_variable("embedding", [V, E])
    inputs = jnp.take(embedding, tokens[:, :-1], axis=0)
    outputs, _ = fs.nn.dynamic_rnn(
        rnn_cell.BasicLSTMCell(H),
        inputs,
        dtype=jnp.float32,
        hoist_weight_grads=hoist_weight_grads,
        hoist_input_projection=hoist_input_projection,
    )
    with fs.variable_scope("softmax"):
        w = fs.get_variable("w", [H, V])
        b = fs.get_variable("b", [V], initializer=fs.zeros_initializer())
    logits = jnp.matmul(outputs, w) + b
    return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean()


def jax_lm(params, tokens, in_loop=False):
    """The same model written by hand in JAX with lax.scan: the input projection hoisted
    out of the loop, or (``in_loop``) the textbook ``concat([x_t, h]) @ kernel`` step."""
    kernel, bias = params["rnn/basic_lstm_cell/kernel"], params["rnn/basic_lstm_cell/bias"]
    inputs = jnp.take(params["embedding"], tokens[:, :-1], axis=0)
    x = jnp.swapaxes(inputs, 0, 1)
    c0 = jnp.zeros((x.shape[1], H), jnp.float32)
    h0 = jnp.zeros((x.shape[1], H), jnp.float32)
    w_h = kernel[E:]

    def gates(x_t, h):
        if in_loop:
            return jnp.matmul(jnp.concatenate([x_t, h], axis=-1), kernel) + bias
        return x_t + jnp.matmul(h, w_h)

    def step(carry, x_t):
        c, h = carry
        # The cell's gate activations, in the form flaxscope's loop uses for each step form.
        whole = not in_loop and jax.default_backend() == "cpu"
        i, j, f, o = _lstm_gates(gates(x_t, h), 1.0, jnp.tanh, whole=whole)
        c = c * f + i * j
        h = jnp.tanh(c) * o
        return (c, h), h

    _, hs = jax.lax.scan(step, (c0, h0), x if in_loop else jnp.matmul(x, kernel[:E]) + bias)
    outputs = jnp.swapaxes(hs, 0, 1)
    logits = jnp.matmul(outputs, params["softmax/w"]) + params["softmax/b"]
    return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean()


def make_train_step(loss_fn, opt):
    def train_step(params, opt_state, tokens):
        loss, grads = jax.value_and_grad(loss_fn)(params, tokens)
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return jax.jit(train_step)


def op_counts(hlo_text: str) -> collections.Counter:
    return collections.Counter(re.findall(r"\b(?:stablehlo|chlo|mhlo)\.[a-z_]+", hlo_text))


def hlo_op_counts(hlo_text: str) -> collections.Counter:
    """Opcodes of an optimized HLO module's instructions (``%x = f32[2]{0} add(...)``)."""
    return collections.Counter(
        m.group(1) for m in re.finditer(r"= [^=]*? ([a-z][a-z0-9-]*)\(", hlo_text)
    )


@pytest.mark.parametrize("hoist_input", [True, False], ids=["hoisted", "in-loop"])
def test_jitted_train_step_equals_hand_written_jax(hoist_input):
    """With JAX's own backward pass for the loop, flaxscope's train step is op for op the
    hand-written one: scopes, names and the variable store leave nothing in the program."""
    f = fs.transform(
        functools.partial(fs_lm, hoist_weight_grads=False, hoist_input_projection=hoist_input)
    )
    tokens = jax.random.randint(jax.random.key(1), (B, T + 1), 0, V)
    params = f.init(jax.random.key(0), tokens)["params"]
    opt = optax.adam(1e-2)
    fs_step = make_train_step(lambda p, t: f.apply({"params": p}, t), opt)
    jax_step = make_train_step(functools.partial(jax_lm, in_loop=not hoist_input), opt)
    state_fs = state_jax = opt.init(params)
    p_fs = p_jax = params
    for _ in range(3):
        p_fs, state_fs, loss_fs = fs_step(p_fs, state_fs, tokens)
        p_jax, state_jax, loss_jax = jax_step(p_jax, state_jax, tokens)
        np.testing.assert_allclose(loss_fs, loss_jax, rtol=1e-6)
    for k in params:
        np.testing.assert_allclose(p_fs[k], p_jax[k], rtol=1e-5, atol=1e-6)
    lowered_fs = fs_step.lower(params, opt.init(params), tokens)
    lowered_jax = jax_step.lower(params, opt.init(params), tokens)
    assert op_counts(lowered_fs.as_text()) == op_counts(lowered_jax.as_text())
    # After XLA's optimizations too: the same instructions, fusions included.
    assert hlo_op_counts(lowered_fs.compile().as_text()) == hlo_op_counts(
        lowered_jax.compile().as_text()
    )


@pytest.mark.parametrize("hoist_input", [True, False], ids=["hoisted", "in-loop"])
def test_hoisted_weight_grads_train_like_hand_written_jax(hoist_input):
    """The default backward pass (the kernel's gradient in one matmul after the loop) gives
    the hand-written model's numbers, step after step; only the forward pass is shared op
    for op."""
    f = fs.transform(
        functools.partial(fs_lm, hoist_weight_grads=True, hoist_input_projection=hoist_input)
    )
    jax_lm_ = functools.partial(jax_lm, in_loop=not hoist_input)
    tokens = jax.random.randint(jax.random.key(1), (B, T + 1), 0, V)
    params = f.init(jax.random.key(0), tokens)["params"]
    opt = optax.adam(1e-2)
    fs_step = make_train_step(lambda p, t: f.apply({"params": p}, t), opt)
    jax_step = make_train_step(jax_lm_, opt)
    state_fs = state_jax = opt.init(params)
    p_fs = p_jax = params
    for _ in range(5):
        p_fs, state_fs, loss_fs = fs_step(p_fs, state_fs, tokens)
        p_jax, state_jax, loss_jax = jax_step(p_jax, state_jax, tokens)
        np.testing.assert_allclose(loss_fs, loss_jax, rtol=1e-6)
    # The weight gradient sums over steps in another order than JAX's loop: rounding-level
    # differences, which Adam turns into up to ~1e-4 of a step (lr 1e-2) where a gradient is
    # near zero; the gradients themselves are compared to 1e-5 below.
    for k in params:
        np.testing.assert_allclose(p_fs[k], p_jax[k], rtol=1e-5, atol=3e-6)
    grads_fs = jax.grad(lambda p: f.apply({"params": p}, tokens))(params)
    grads_jax = jax.grad(jax_lm_)(params, tokens)
    for k in params:
        assert rel_err(grads_fs[k], grads_jax[k]) < 1e-5, k
    forward_fs = jax.jit(lambda p: f.apply({"params": p}, tokens)).lower(params)
    forward_jax = jax.jit(lambda p: jax_lm_(p, tokens)).lower(params)
    assert hlo_op_counts(forward_fs.compile().as_text()) == hlo_op_counts(
        forward_jax.compile().as_text()
    )


def test_default_formulation_follows_the_backend_table():
    """dynamic_rnn's defaults are the per-backend table's: the default program is the one
    compiled with the table's choice written out."""
    from flaxscope.nn import rnn

    hoist = rnn.HOIST_INPUT_PROJECTION.get(jax.default_backend(), True)
    tokens = jax.random.randint(jax.random.key(1), (B, T + 1), 0, V)
    default = fs.transform(fs_lm)
    explicit = fs.transform(functools.partial(fs_lm, hoist_input_projection=hoist))
    params = default.init(jax.random.key(0), tokens)["params"]

    def hlo(model):
        step = jax.jit(jax.grad(lambda p: model.apply({"params": p}, tokens)))
        return step.lower(params).as_text()

    assert hlo(default) == hlo(explicit)
    assert rnn.HOIST_INPUT_PROJECTION["cpu"] is False and rnn.HOIST_INPUT_PROJECTION["gpu"]


@pytest.mark.parametrize("hoist_input", [False, True])
def test_backward_loop_writes_gate_gradients_over_saved_gates(hoist_input):
    """The hand-written backward loop stores each step's gate gradient in the slot of the
    saved pre-activations it has just read: the loop carries one [time, batch, 4 * units]
    buffer and stacks no gate-sized output, so the step allocates (and zero-fills) one
    such array less. The values are TF1's (the gradient tests above and in
    test_rnn_embedding_fold.py)."""
    tokens = jax.random.randint(jax.random.key(1), (B, T + 1), 0, V)
    f = fs.transform(
        functools.partial(fs_lm, hoist_weight_grads=True, hoist_input_projection=hoist_input)
    )
    params = f.init(jax.random.key(0), tokens)["params"]
    jaxpr = jax.make_jaxpr(jax.grad(lambda p: f.apply({"params": p}, tokens)))(params)
    (loop,) = [e for e in equations(jaxpr) if e.primitive.name == "scan" and e.params["reverse"]]
    gates = (T, B, 4 * H)
    carries = loop.outvars[: loop.params["num_carry"]]
    stacked = loop.outvars[loop.params["num_carry"] :]
    assert [v.aval.shape for v in carries].count(gates) == 1
    assert gates not in [v.aval.shape for v in stacked]


@pytest.mark.parametrize("cell_name", ["lstm", "gru"])
def test_hand_written_backward_equals_autodiff_at_every_unroll(cell_name):
    """The hand-written backward loop (in-place gate gradients) gives JAX's own gradients
    of the loop for every unroll factor, one that does not divide the length included,
    with ragged sequence lengths, for both places of the input projection."""
    x = jax.random.normal(jax.random.key(2), (3, T, E))
    lengths = jnp.array([T, 4, 0])

    def loss(hoist_grads, unroll, hoist_input):
        def fn(x):
            cell = rnn_cell.BasicLSTMCell(H) if cell_name == "lstm" else rnn_cell.GRUCell(H)
            out, state = fs.nn.dynamic_rnn(
                cell, x, sequence_length=lengths, dtype=jnp.float32, unroll=unroll,
                hoist_weight_grads=hoist_grads, hoist_input_projection=hoist_input,
            )  # fmt: skip
            return jnp.sum(jnp.sin(out)) + sum(jnp.sum(s**2) for s in jax.tree.leaves(state))

        return fs.transform(fn)

    reference = loss(False, 1, True)
    params = reference.init(jax.random.key(0), x)["params"]

    def grads(model):
        return jax.jit(jax.grad(lambda p, x: model.apply({"params": p}, x), (0, 1)))(params, x)

    want = grads(reference)
    for unroll in (3, True):
        for hoist_input in (False, True):
            got = grads(loss(True, unroll, hoist_input))
            for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
                np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
