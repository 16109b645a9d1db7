"""flaxscope.train's Adadelta, FTRL, proximal and AdagradDA optimizers, and the natural-exp,
cosine-restarts and linear-cosine schedules, against TF1's (``tf.compat.v1``).

Each optimizer trains a small linear model (a matrix and a bias) 3 steps in TF1 graph mode
and in flaxscope from the same initial values; every variable, slot and slot name must
agree after every step.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from flaxscope import errors, train

STEPS = 3
RTOL = 1e-5


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    init = {
        "dense/w": rng.normal(size=(3, 2)).astype(np.float32),
        "dense/b": rng.normal(size=(2,)).astype(np.float32),
    }
    x = rng.normal(size=(4, 3)).astype(np.float32)
    y = rng.normal(size=(4, 2)).astype(np.float32)
    return init, x, y


def tf1_train(tf1, make_opt, init, x, y):
    """The TF1 values of every global variable after each of the steps."""
    graph = tf1.Graph()
    with graph.as_default():
        with tf1.variable_scope("dense"):
            w = tf1.get_variable("w", initializer=init["dense/w"])
            b = tf1.get_variable("b", initializer=init["dense/b"])
        loss = tf1.reduce_mean(tf1.square(tf1.matmul(x, w) + b - y))
        global_step = tf1.train.get_or_create_global_step()
        train_op = make_opt(tf1, global_step).minimize(loss, global_step=global_step)
        variables = {v.op.name: v for v in tf1.global_variables()}
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            history = []
            for _ in range(STEPS):
                sess.run(train_op)
                history.append(sess.run(variables))
    return history


def fs_train(opt, init, x, y):
    def loss(p):
        return jnp.mean(jnp.square(x @ p["dense/w"] + p["dense/b"] - y))

    @jax.jit
    def step(params, state):
        updates, state = opt.update(jax.grad(loss)(params), state, params)
        return optax.apply_updates(params, updates), state

    params = {k: jnp.asarray(v) for k, v in init.items()}
    state = opt.init(params)
    history = []
    for _ in range(STEPS):
        params, state = step(params, state)
        history.append({**params, **opt.variables(state)})
    return history, state


def assert_close(actual, expected):
    for name, e in expected.items():
        a, e = np.asarray(actual[name], np.float64), np.asarray(e, np.float64)
        assert a.shape == e.shape, name
        scale = max(np.max(np.abs(e)), 1e-30)
        err = np.max(np.abs(a - e)) / scale
        assert err < RTOL, f"{name}: relative error {err:.2e}"


def _both(tf_name, fs_factory, *args, **kwargs):
    """(TF1 maker, flaxscope maker) building the same optimizer from the same arguments;
    an argument ``GS`` stands for the global step."""

    def resolve(values, gs):
        return [gs if v is GS else v for v in values]

    def make_tf(tf1, gs):
        return getattr(tf1.train, tf_name)(*resolve(args, gs), **kwargs)

    def make_fs():
        return fs_factory(*resolve(args, None), **kwargs)

    return make_tf, make_fs


GS = object()

CONFIGS = {
    "adadelta": _both("AdadeltaOptimizer", train.AdadeltaOptimizer),
    "adadelta_lr_rho_eps": _both(
        "AdadeltaOptimizer", train.AdadeltaOptimizer, 1.0, rho=0.9, epsilon=1e-6, name="Ada"
    ),
    "ftrl": _both("FtrlOptimizer", train.FtrlOptimizer, 0.1),
    "ftrl_l1_l2": _both(
        "FtrlOptimizer",
        train.FtrlOptimizer,
        0.5,
        l1_regularization_strength=0.05,
        l2_regularization_strength=0.1,
    ),
    "ftrl_l1_zeroes": _both(  # l1 large enough to zero some weights
        "FtrlOptimizer", train.FtrlOptimizer, 0.5, l1_regularization_strength=0.5
    ),
    "ftrl_power_shrinkage_beta": _both(
        "FtrlOptimizer",
        train.FtrlOptimizer,
        0.2,
        learning_rate_power=-0.7,
        initial_accumulator_value=0.0,
        l2_shrinkage_regularization_strength=0.1,
        beta=0.3,
        use_locking=True,
    ),
    "ftrl_fixed_rate_names": _both(
        "FtrlOptimizer",
        train.FtrlOptimizer,
        0.1,
        learning_rate_power=0.0,
        initial_accumulator_value=0.5,
        accum_name="acc",
        linear_name="lin",
    ),
    "proximal_adagrad": _both("ProximalAdagradOptimizer", train.ProximalAdagradOptimizer, 0.3),
    "proximal_adagrad_l1_l2": _both(
        "ProximalAdagradOptimizer",
        train.ProximalAdagradOptimizer,
        0.3,
        initial_accumulator_value=0.5,
        l1_regularization_strength=0.05,
        l2_regularization_strength=0.2,
    ),
    "proximal_gd": _both(
        "ProximalGradientDescentOptimizer", train.ProximalGradientDescentOptimizer, 0.1
    ),
    "proximal_gd_l1_l2": _both(
        "ProximalGradientDescentOptimizer",
        train.ProximalGradientDescentOptimizer,
        0.1,
        l1_regularization_strength=0.3,
        l2_regularization_strength=0.5,
        name="PGD",
    ),
    "adagrad_da": _both("AdagradDAOptimizer", train.AdagradDAOptimizer, 0.1, GS),
    "adagrad_da_l1_l2": _both(
        "AdagradDAOptimizer",
        train.AdagradDAOptimizer,
        0.5,
        GS,
        initial_gradient_squared_accumulator_value=0.3,
        l1_regularization_strength=0.02,
        l2_regularization_strength=0.1,
    ),
}


@pytest.mark.parametrize("config", list(CONFIGS))
def test_matches_tf1_step_by_step(tf1, data, config):
    make_tf, make_fs = CONFIGS[config]
    expected = tf1_train(tf1, make_tf, *data)
    ours, _ = fs_train(make_fs(), *data)
    assert sorted(ours[0]) == sorted(expected[0]), "variable and slot names differ from TF1's"
    for step, (a, e) in enumerate(zip(ours, expected, strict=True)):
        assert int(a["global_step"]) == int(e["global_step"]) == step + 1
        assert_close(a, e)


def test_ftrl_l1_zeroes_weights(tf1, data):
    """The configuration above does shrink weights to exactly 0, as TF1's does."""
    ours, _ = fs_train(train.FtrlOptimizer(0.5, l1_regularization_strength=0.5), *data)
    assert np.any(np.asarray(ours[-1]["dense/w"]) == 0.0)


@pytest.mark.parametrize("name", ["ftrl", "adadelta", "proximal_adagrad", "adagrad_da"])
def test_schedule_as_learning_rate(tf1, data, name):
    """A learning rate that decays with the global step: a schedule here, a tensor in TF1."""

    def tf_lr(tf1, gs):
        return tf1.train.exponential_decay(0.3, gs, 1, 0.5)

    fs_lr = train.exponential_decay(0.3, None, 1, 0.5)
    makers = {
        "ftrl": (
            lambda tf1, gs: tf1.train.FtrlOptimizer(tf_lr(tf1, gs), beta=0.2),
            lambda: train.FtrlOptimizer(fs_lr, beta=0.2),
        ),
        "adadelta": (
            lambda tf1, gs: tf1.train.AdadeltaOptimizer(tf_lr(tf1, gs)),
            lambda: train.AdadeltaOptimizer(fs_lr),
        ),
        "proximal_adagrad": (
            lambda tf1, gs: tf1.train.ProximalAdagradOptimizer(tf_lr(tf1, gs)),
            lambda: train.ProximalAdagradOptimizer(fs_lr),
        ),
        "adagrad_da": (
            lambda tf1, gs: tf1.train.AdagradDAOptimizer(tf_lr(tf1, gs), gs),
            lambda: train.AdagradDAOptimizer(fs_lr, None),
        ),
    }
    make_tf, make_fs = makers[name]
    expected = tf1_train(tf1, make_tf, *data)
    ours, _ = fs_train(make_fs(), *data)
    for a, e in zip(ours, expected, strict=True):
        assert_close(a, e)


def test_defaults_are_tf1s(tf1):
    pairs = {
        "AdadeltaOptimizer": train.AdadeltaOptimizer,
        "FtrlOptimizer": train.FtrlOptimizer,
        "ProximalAdagradOptimizer": train.ProximalAdagradOptimizer,
        "ProximalGradientDescentOptimizer": train.ProximalGradientDescentOptimizer,
        "AdagradDAOptimizer": train.AdagradDAOptimizer,
    }
    for tf_name, ours in pairs.items():
        theirs = inspect.signature(getattr(tf1.train, tf_name).__init__).parameters
        mine = inspect.signature(ours).parameters
        assert list(mine) == [p for p in theirs if p != "self"], tf_name
        for p in mine.values():
            assert p.default == theirs[p.name].default, (tf_name, p.name)


def test_constructor_errors_are_tf1s(tf1):
    cases = [
        ("FtrlOptimizer", (0.1,), {"initial_accumulator_value": -0.1}),
        ("FtrlOptimizer", (0.1,), {"learning_rate_power": 0.5}),
        ("FtrlOptimizer", (0.1,), {"l1_regularization_strength": -1.0}),
        ("FtrlOptimizer", (0.1,), {"l2_regularization_strength": -1.0}),
        ("FtrlOptimizer", (0.1,), {"l2_shrinkage_regularization_strength": -1.0}),
        ("ProximalAdagradOptimizer", (0.1,), {"initial_accumulator_value": 0.0}),
        ("AdagradDAOptimizer", (0.1, None), {"initial_gradient_squared_accumulator_value": 0}),
    ]
    for name, args, kwargs in cases:
        with pytest.raises(ValueError) as theirs:
            getattr(tf1.train, name)(*args, **kwargs)
        with pytest.raises(ValueError) as ours:
            getattr(train, name)(*args, **kwargs)
        assert str(ours.value) == str(theirs.value), (name, kwargs)


def test_kernel_errors_come_at_construction():
    """TF1's ProximalAdagrad kernel refuses these when training; here when built."""
    for kwargs in (
        {"learning_rate": 0.0},
        {"learning_rate": 0.1, "l1_regularization_strength": -0.1},
        {"learning_rate": 0.1, "l2_regularization_strength": -0.1},
    ):
        with pytest.raises(errors.InvalidArgumentError, match="is not a"):
            train.ProximalAdagradOptimizer(**kwargs)
    # TF1's ProximalGradientDescent kernel accepts a negative l1 (and then ignores it)
    train.ProximalGradientDescentOptimizer(0.1, l1_regularization_strength=-0.1)
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        train.FtrlOptimizer("0.1")


def test_update_needs_params_and_state_round_trips():
    params = {"W": jnp.ones((2, 3)), "b": jnp.ones((3,))}
    grads = jax.tree_util.tree_map(lambda p: jnp.full_like(p, 0.3), params)
    opt = train.FtrlOptimizer(0.1, accum_name="acc")
    state = opt.init(params)
    with pytest.raises(ValueError, match="needs params"):
        opt.update(grads, state)
    _, state = opt.update(grads, state, params)
    assert isinstance(state, train.FtrlState)
    assert opt.slot_variable_name("W", "accum") == "W/acc"
    assert opt.slot_variable_name("W", "linear") == "W/Ftrl"
    named = opt.variables(state)
    assert sorted(named) == ["W/Ftrl", "W/acc", "b/Ftrl", "b/acc", "global_step"]
    back = opt.restore_state(named, params)
    np.testing.assert_array_equal(back.linear["W"], state.linear["W"])
    assert int(back.global_step) == 1
    np.testing.assert_allclose(
        train.AdagradDAOptimizer(0.1, None).init(params).gradient_squared_accumulator["b"], 0.1
    )
    assert train.ProximalGradientDescentOptimizer(0.1).get_slot_names() == []
    assert train.AdadeltaOptimizer().get_slot_names() == ["accum", "accum_update"]


# ---------------------------------------------------------------------------------------
# schedules


def test_schedules_match_tf1(tf1):
    steps = [0, 1, 5, 9, 10, 11, 29, 30, 31, 69, 70, 100, 1000]
    shared = {
        "natural_exp": ("natural_exp_decay", (0.1,), (10, 0.5), {}),
        "natural_exp_stair": ("natural_exp_decay", (0.1,), (10, 0.5), {"staircase": True}),
        "restarts": ("cosine_decay_restarts", (0.1,), (10,), {}),
        "restarts_equal": ("cosine_decay_restarts", (0.1,), (10,), {"t_mul": 1.0}),
        "restarts_m_alpha": (
            "cosine_decay_restarts",
            (0.1,),
            (10,),
            {"t_mul": 1.5, "m_mul": 0.5, "alpha": 0.1},
        ),
        "linear_cosine": ("linear_cosine_decay", (0.1,), (70,), {}),
        "linear_cosine_args": (
            "linear_cosine_decay",
            (0.1,),
            (70,),
            {"num_periods": 2.0, "alpha": 0.1, "beta": 0.01},
        ),
        "noisy_no_noise": (
            "noisy_linear_cosine_decay",
            (0.1,),
            (70,),
            {"initial_variance": 0.0, "num_periods": 1.5, "alpha": 0.05},
        ),
    }
    with tf1.Graph().as_default(), tf1.Session() as sess:
        step = tf1.placeholder(tf1.int64, [])
        ops = {
            k: getattr(tf1.train, fn)(*lead, step, *rest, **kw)
            for k, (fn, lead, rest, kw) in shared.items()
        }
        expected = {k: [sess.run(op, {step: s}) for s in steps] for k, op in ops.items()}
    for k, (fn, lead, rest, kw) in shared.items():
        schedule = getattr(train, fn)(*lead, None, *rest, **kw)
        got = [np.asarray(schedule(jnp.int32(s))) for s in steps]
        assert all(g.dtype == np.float32 for g in got), k
        np.testing.assert_allclose(got, expected[k], rtol=1e-5, atol=1e-9, err_msg=k)
    value = train.natural_exp_decay(0.1, 10, 10, 0.5)
    assert float(value) == pytest.approx(0.1 * np.exp(-0.5), rel=1e-6)


def test_noisy_linear_cosine_decay_is_reproducible_noise():
    steps = jnp.arange(0, 80, 7)
    clean = jax.vmap(train.linear_cosine_decay(0.1, None, 70))(steps)
    noisy = train.noisy_linear_cosine_decay(0.1, None, 70)
    a, b = jax.vmap(noisy)(steps), jax.vmap(noisy)(steps)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, clean)
    other = jax.vmap(train.noisy_linear_cosine_decay(0.1, None, 70, key=jax.random.key(1)))(steps)
    assert not np.allclose(a, other)
    # the noise enters through the linear part, scaled by the cosine: none where it is 0
    half_period = train.noisy_linear_cosine_decay(0.1, 35, 70, num_periods=1.0)
    assert float(half_period) == pytest.approx(0.1 * 0.001, rel=1e-4)
