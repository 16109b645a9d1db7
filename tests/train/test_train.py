"""flaxscope.train against TF1's optimizers: same model, same data, same weights, 100 steps."""

from __future__ import annotations

import dataclasses
import functools
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import pytest  # noqa: E402

from flaxscope import checkpoint, train  # noqa: E402

B, T, N_IN, H, N_OUT = 4, 5, 3, 6, 2  # batch, time, input, LSTM units, outputs
STEPS, HALF = 100, 50
KERNEL, BIAS = "rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip(
        "tensorflow", reason="oracle tensorflow-cpu is not installed (pip install -e '.[oracle]')"
    )


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(STEPS, B, T, N_IN)).astype(np.float32)
    ys = rng.normal(size=(STEPS, B, N_OUT)).astype(np.float32)
    init = {
        KERNEL: rng.uniform(-0.5, 0.5, size=(N_IN + H, 4 * H)).astype(np.float32),
        BIAS: rng.uniform(-0.1, 0.1, size=(4 * H,)).astype(np.float32),
        "dense/kernel": rng.uniform(-0.5, 0.5, size=(H, N_OUT)).astype(np.float32),
        "dense/bias": np.zeros((N_OUT,), np.float32),
    }
    return xs, ys, init


# ---------------------------------------------------------------------------------------
# the model: BasicLSTMCell + dynamic_rnn, then dense on the last output; MSE loss


def loss_fn(params, x, y):
    kernel, bias = params[KERNEL], params[BIAS]

    def cell(carry, xt):
        c, h = carry
        gates = jnp.concatenate([xt, h], axis=1) @ kernel + bias
        i, j, f, o = jnp.split(gates, 4, axis=1)
        new_c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
        new_h = jnp.tanh(new_c) * jax.nn.sigmoid(o)
        return (new_c, new_h), None

    zeros = jnp.zeros((x.shape[0], H), x.dtype)
    (_, h), _ = jax.lax.scan(cell, (zeros, zeros), jnp.swapaxes(x, 0, 1))
    logits = h @ params["dense/kernel"] + params["dense/bias"]
    return jnp.mean(jnp.square(logits - y))


@functools.partial(jax.jit, static_argnums=0)
def train_step(opt, params, opt_state, x, y):
    grads = jax.grad(loss_fn)(params, x, y)
    updates, opt_state = opt.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state


def jax_train(opt, params, opt_state, xs, ys):
    for x, y in zip(xs, ys, strict=True):
        params, opt_state = train_step(opt, params, opt_state, x, y)
    return params, opt_state


class TFModel:
    """The same model in TF1 graph mode, with ``opt`` minimizing its loss."""

    def __init__(self, tf, make_opt, init):
        tf1 = tf.compat.v1
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.x = tf1.placeholder(tf.float32, [B, T, N_IN])
            self.y = tf1.placeholder(tf.float32, [B, N_OUT])
            cell = tf1.nn.rnn_cell.BasicLSTMCell(H)
            outputs, _ = tf1.nn.dynamic_rnn(cell, self.x, dtype=tf.float32)
            with tf1.variable_scope("dense"):
                w = tf1.get_variable("kernel", [H, N_OUT])
                b = tf1.get_variable("bias", [N_OUT])
            loss = tf.reduce_mean(tf.square(tf.matmul(outputs[:, -1], w) + b - self.y))
            global_step = tf1.train.get_or_create_global_step()
            self.train_op = make_opt(tf1).minimize(loss, global_step=global_step)
            self.vars = {v.op.name: v for v in tf1.global_variables()}
            self.saver = tf1.train.Saver()
            self.sess = tf1.Session(graph=self.graph)
            self.sess.run(tf1.global_variables_initializer())
            for name, value in init.items():
                self.vars[name].load(value, self.sess)

    def save(self, path, global_step):
        with self.graph.as_default():
            return self.saver.save(self.sess, path, global_step=global_step)

    def restore(self, path):
        with self.graph.as_default():
            self.saver.restore(self.sess, path)

    def run(self, xs, ys):
        for x, y in zip(xs, ys, strict=True):
            self.sess.run(self.train_op, {self.x: x, self.y: y})

    def values(self):
        return self.sess.run(self.vars)


def assert_close(actual, expected, names, rtol=1e-5):
    """Every variable equal to float32 rounding: relative error under ``rtol``."""
    for name in names:
        a, e = np.asarray(actual[name], np.float64), np.asarray(expected[name], np.float64)
        assert a.shape == e.shape, name
        scale = max(np.max(np.abs(e)), 1e-30)
        err = np.max(np.abs(a - e)) / scale if e.size else 0.0
        assert err < rtol, f"{name}: relative error {err:.2e} >= {rtol:.0e}"


CONFIGS = {
    "gd": (
        lambda tf1: tf1.train.GradientDescentOptimizer(0.1),
        lambda: train.GradientDescentOptimizer(0.1),
    ),
    "gd_exponential_decay": (
        lambda tf1: tf1.train.GradientDescentOptimizer(
            tf1.train.exponential_decay(0.2, tf1.train.get_global_step(), 30, 0.5, staircase=True)
        ),
        lambda: train.GradientDescentOptimizer(
            train.exponential_decay(0.2, None, 30, 0.5, staircase=True)
        ),
    ),
    "momentum": (
        lambda tf1: tf1.train.MomentumOptimizer(0.05, 0.9),
        lambda: train.MomentumOptimizer(0.05, 0.9),
    ),
    "momentum_nesterov": (
        lambda tf1: tf1.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
        lambda: train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    ),
    "adam": (lambda tf1: tf1.train.AdamOptimizer(0.01), lambda: train.AdamOptimizer(0.01)),
    "adam_piecewise": (
        lambda tf1: tf1.train.AdamOptimizer(
            tf1.train.piecewise_constant(tf1.train.get_global_step(), [20, 60], [0.02, 0.01, 0.005])
        ),
        lambda: train.AdamOptimizer(train.piecewise_constant(None, [20, 60], [0.02, 0.01, 0.005])),
    ),
    "rmsprop": (
        lambda tf1: tf1.train.RMSPropOptimizer(0.01),
        lambda: train.RMSPropOptimizer(0.01),
    ),
    "rmsprop_momentum_centered": (
        lambda tf1: tf1.train.RMSPropOptimizer(0.005, momentum=0.9, centered=True),
        lambda: train.RMSPropOptimizer(0.005, momentum=0.9, centered=True),
    ),
    "adagrad": (lambda tf1: tf1.train.AdagradOptimizer(0.1), lambda: train.AdagradOptimizer(0.1)),
}


@pytest.mark.parametrize("config", list(CONFIGS))
def test_matches_tf1_and_resumes_across_frameworks(tf, data, config, tmp_path):
    """100 steps agree; TF1 50 + flaxscope 50 = TF1 100; flaxscope 50 + TF1 50 = flaxscope 100."""
    xs, ys, init = data
    make_tf_opt, make_opt = CONFIGS[config]
    opt = make_opt()
    params = {k: jnp.asarray(v) for k, v in init.items()}

    tf_model = TFModel(tf, make_tf_opt, init)
    tf_model.run(xs[:HALF], ys[:HALF])
    tf_ckpt = tf_model.save(str(tmp_path / "tf" / "model.ckpt"), HALF)
    tf_model.run(xs[HALF:], ys[HALF:])
    tf_final = tf_model.values()

    # 1. 100 steps from the same weights and data; slots and global_step too.
    jax_half, state_half = jax_train(opt, params, opt.init(params), xs[:HALF], ys[:HALF])
    jax_final, state_final = jax_train(opt, jax_half, state_half, xs[HALF:], ys[HALF:])
    ours = {**jax_final, **opt.variables(state_final)}
    assert sorted(ours) == sorted(tf_final), "slot names differ from TF1's"
    assert_close(ours, tf_final, sorted(tf_final))
    assert int(state_final.global_step) == int(tf_final["global_step"]) == STEPS

    # 2. TF1 trains 50 steps and saves; flaxscope resumes from the checkpoint.
    loaded = checkpoint.load_variables(tf_ckpt)
    resumed_params = {k: jnp.asarray(loaded[k]) for k in init}
    resumed_state = opt.restore_state(loaded, resumed_params)
    assert int(resumed_state.global_step) == HALF
    resumed, resumed_state = jax_train(opt, resumed_params, resumed_state, xs[HALF:], ys[HALF:])
    assert_close({**resumed, **opt.variables(resumed_state)}, tf_final, sorted(tf_final))

    # 3. flaxscope trains 50 steps and saves; TF1 restores and trains on.
    ours_ckpt = checkpoint.save(
        tmp_path / "fs" / "model.ckpt",
        {"params": jax_half, "state": opt.variables(state_half)},
        global_step=state_half.global_step,
    )
    tf_model.restore(ours_ckpt)
    restored = tf_model.values()
    for name, value in {**jax_half, **opt.variables(state_half)}.items():
        np.testing.assert_array_equal(restored[name], value, err_msg=name)  # bit for bit
    assert restored["global_step"].dtype == np.int64
    tf_model.run(xs[HALF:], ys[HALF:])
    assert_close(tf_model.values(), ours, sorted(tf_final))
    tf_model.sess.close()


def test_optax_adam_is_not_tf1_adam(tf, data):
    """With a large epsilon (TF1's docs suggest 0.1 or 1.0) optax.adam drifts; ours does not."""
    xs, ys, init = data
    params = {k: jnp.asarray(v) for k, v in init.items()}
    tf_model = TFModel(tf, lambda tf1: tf1.train.AdamOptimizer(0.01, epsilon=0.1), init)
    tf_model.run(xs, ys)
    expected = tf_model.values()
    tf_model.sess.close()

    opt = train.AdamOptimizer(0.01, epsilon=0.1)
    ours, _ = jax_train(opt, params, opt.init(params), xs, ys)
    assert_close(ours, expected, init)

    theirs, _ = jax_train(optax.adam(0.01, eps=0.1), params, optax.adam(0.01).init(params), xs, ys)
    with pytest.raises(AssertionError, match="relative error"):
        assert_close(theirs, expected, init, rtol=1e-2)


# ---------------------------------------------------------------------------------------
# without the oracle


def test_defaults_and_initial_slots():
    params = {"W": jnp.ones((2, 3)), "b": jnp.ones((3,))}
    adam = train.AdamOptimizer()
    assert (adam.learning_rate, adam.beta1, adam.beta2, adam.epsilon) == (0.001, 0.9, 0.999, 1e-8)
    rms = train.RMSPropOptimizer(0.1)
    assert (rms.decay, rms.momentum, rms.epsilon, rms.centered) == (0.9, 0.0, 1e-10, False)
    state = rms.init(params)
    np.testing.assert_array_equal(rms.get_slot(state, "W", "rms"), np.ones((2, 3)))
    adagrad = train.AdagradOptimizer(0.1)
    np.testing.assert_allclose(adagrad.get_slot(adagrad.init(params), "b", "accumulator"), 0.1)
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    state = adam.init(params)
    assert isinstance(state, train.AdamState)
    assert float(state.beta1_power) == np.float32(0.9)
    assert state.m["W"].shape == (2, 3)
    assert train.RMSPropOptimizer(0.1).init(params).mg is None
    assert int(state.global_step) == 0


def test_initial_slots_follow_the_variables_placement():
    """Slots take each variable's dtype and sharding (each device's shard filled where it
    is), stay uncommitted for uncommitted variables, and are the same under jax.jit."""
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(jax.devices()[:4]).reshape(2, 2), ("data", "model"))
    rows = NamedSharding(mesh, PartitionSpec("model", None))
    params = {
        "emb": jax.device_put(jnp.ones((6, 4)), rows),
        "b": jnp.ones((5,), jnp.bfloat16),
        "w": jax.device_put(jnp.ones((2, 3)), jax.devices()[1]),
    }
    opt = train.AdagradOptimizer(0.1, initial_accumulator_value=0.25)
    acc = opt.init(params).accumulator
    assert acc["emb"].sharding == rows
    assert [s.data.shape for s in acc["emb"].addressable_shards] == [(3, 4)] * 4
    assert acc["b"].dtype == jnp.bfloat16 and not acc["b"].committed
    assert acc["w"].committed and acc["w"].devices() == {jax.devices()[1]}
    traced = jax.jit(opt.init)(params).accumulator
    for name, value in acc.items():
        np.testing.assert_array_equal(np.asarray(value, np.float32), 0.25)
        np.testing.assert_array_equal(np.asarray(traced[name]), np.asarray(value))


def test_slot_names_are_tf1s():
    params = {"s/W": jnp.ones((2,)), "b": jnp.ones((1,))}
    names = {
        train.AdamOptimizer(): ["W/Adam", "W/Adam_1", "beta1_power", "beta2_power"],
        train.MomentumOptimizer(0.1, 0.9): ["W/Momentum"],
        train.RMSPropOptimizer(0.1): ["W/RMSProp", "W/RMSProp_1"],
        train.RMSPropOptimizer(0.1, centered=True): ["W/RMSProp", "W/RMSProp_1", "W/RMSProp_2"],
        train.AdagradOptimizer(0.1): ["W/Adagrad"],
        train.GradientDescentOptimizer(0.1): [],
    }
    for opt, expected in names.items():
        got = opt.variables(opt.init(params), include_global_step=False)
        assert sorted(n for n in got if not n.startswith("b/")) == sorted(
            n.replace("W/", "s/W/") for n in expected
        ), opt
    adam = train.AdamOptimizer(name="Adam2")
    got = adam.variables(adam.init(params), name_scope="train")
    assert {"s/W/Adam2", "s/W/Adam2_1", "train/beta1_power", "global_step"} <= set(got)
    assert adam.slot_variable_name("s/W", "v") == "s/W/Adam2_1"


def test_restore_state_round_trip_and_errors():
    params = {"W": jnp.ones((2, 3))}
    opt = train.RMSPropOptimizer(0.1, momentum=0.9, centered=True)
    state = opt.init(params)
    grads = {"W": jnp.full((2, 3), 0.3)}
    for _ in range(3):
        _, state = opt.update(grads, state, params)
    named = opt.variables(state)
    back = opt.restore_state({"params": params, "state": named}, params)
    assert isinstance(back, train.RMSPropState)
    for slot in ("rms", "mg", "momentum"):
        np.testing.assert_array_equal(getattr(back, slot)["W"], getattr(state, slot)["W"])
    assert int(back.global_step) == 3
    named.pop("W/RMSProp_1")
    with pytest.raises(KeyError, match="W/RMSProp_1"):
        opt.restore_state(named, params)
    big = dict(opt.variables(state), global_step=np.int64(2**40))
    with pytest.raises(ValueError, match="does not fit"):
        opt.restore_state(big, params)


def test_composes_with_optax_and_nested_params():
    params = {"dense": {"kernel": jnp.ones((2, 2))}}
    opt = train.AdamOptimizer(0.1)
    chained = optax.chain(optax.clip_by_global_norm(1.0), opt)
    state = chained.init(params)
    updates, _ = jax.jit(chained.update)({"dense": {"kernel": jnp.ones((2, 2))}}, state, params)
    assert updates["dense"]["kernel"].shape == (2, 2)
    assert "dense/kernel/Adam" in opt.variables(opt.init(params))
    assert isinstance(opt, optax.GradientTransformation)
    init, update = opt  # optax's (init, update) pair, methods of a frozen rule
    assert init.__self__ is update.__self__ is opt.rule
    assert repr(opt) == (
        "AdamOptimizer(learning_rate=0.1, name='Adam', beta1=0.9, beta2=0.999, epsilon=1e-08)"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        opt.rule.beta1 = 0.5
    _, state = jax.jit(opt.update)(params, opt.init(params), params)
    assert type(state) is train.AdamState and int(state.global_step) == 1


def test_schedules_match_tf1(tf):
    tf1 = tf.compat.v1
    steps = [0, 1, 29, 30, 31, 59, 60, 61, 99, 1000]
    with tf.Graph().as_default(), tf1.Session() as sess:
        step = tf1.placeholder(tf.int64, [])
        ops = {
            "exp": tf1.train.exponential_decay(0.1, step, 30, 0.96),
            "exp_stair": tf1.train.exponential_decay(0.1, step, 30, 0.5, staircase=True),
            "piecewise": tf1.train.piecewise_constant(step, [30, 60], [1.0, 0.5, 0.1]),
            "piecewise_int": tf1.train.piecewise_constant(step, [30, 60], [3, 2, 1]),
            "poly": tf1.train.polynomial_decay(0.1, step, 60, 0.01, power=2.0),
            "poly_cycle": tf1.train.polynomial_decay(0.1, step, 30, 0.01, cycle=True),
            "cosine": tf1.train.cosine_decay(0.1, step, 60, alpha=0.1),
            "inverse": tf1.train.inverse_time_decay(0.1, step, 30, 0.5),
            "inverse_stair": tf1.train.inverse_time_decay(0.1, step, 30, 0.5, staircase=True),
        }
        expected = {k: [sess.run(op, {step: s}) for s in steps] for k, op in ops.items()}
    ours = {
        "exp": train.exponential_decay(0.1, None, 30, 0.96),
        "exp_stair": train.exponential_decay(0.1, None, 30, 0.5, staircase=True),
        "piecewise": train.piecewise_constant(None, [30, 60], [1.0, 0.5, 0.1]),
        "piecewise_int": train.piecewise_constant(None, [30, 60], [3, 2, 1]),
        "poly": train.polynomial_decay(0.1, None, 60, 0.01, power=2.0),
        "poly_cycle": train.polynomial_decay(0.1, None, 30, 0.01, cycle=True),
        "cosine": train.cosine_decay(0.1, None, 60, alpha=0.1),
        "inverse": train.inverse_time_decay(0.1, None, 30, 0.5),
        "inverse_stair": train.inverse_time_decay(0.1, None, 30, 0.5, staircase=True),
    }
    for k, fn in ours.items():
        got = [np.asarray(fn(jnp.int32(s))) for s in steps]
        np.testing.assert_allclose(got, expected[k], rtol=1e-6, err_msg=k)
    assert float(train.exponential_decay(0.1, 30, 30, 0.5)) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="1 less than"):
        train.piecewise_constant(None, [1, 2], [1.0])
