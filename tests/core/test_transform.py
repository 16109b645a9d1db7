"""transform/init/apply: purity, determinism, JAX transformations, lifted scan, templates."""

import subprocess
import sys
import threading

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf


def mlp(x):
    with tf.variable_scope("mlp"):
        for i, width in enumerate([8, 4]):
            with tf.variable_scope(f"layer{i}"):
                w = tf.get_variable("weights", [x.shape[-1], width])
                b = tf.get_variable("biases", [width], initializer=tf.zeros_initializer())
                x = jnp.tanh(x @ w + b)
    return x


def test_init_keys_are_tf_checkpoint_names():
    variables = fs.transform(mlp).init(jax.random.key(0), jnp.ones((2, 3)))
    assert set(variables) == {"params"}
    assert sorted(variables["params"]) == [
        "mlp/layer0/biases",
        "mlp/layer0/weights",
        "mlp/layer1/biases",
        "mlp/layer1/weights",
    ]
    assert variables["params"]["mlp/layer0/weights"].shape == (3, 8)


def test_apply_is_pure_and_matches_jit_grad_vmap():
    f = fs.transform(mlp)
    x = jnp.arange(6.0).reshape(2, 3)
    variables = f.init(jax.random.key(1), x)
    out = f.apply(variables, x)
    np.testing.assert_allclose(jax.jit(f.apply)(variables, x), out, rtol=1e-6)
    # vmap over the batch, params broadcast
    per_example = jax.vmap(lambda xi: f.apply(variables, xi[None])[0])(x)
    np.testing.assert_allclose(per_example, out, rtol=1e-6)
    grads = jax.grad(lambda v: f.apply(v, x).sum())(variables)
    assert jax.tree.structure(grads) == jax.tree.structure(variables)
    assert all(float(jnp.abs(g).sum()) > 0 for g in jax.tree.leaves(grads))
    # The input tree is never written to.
    before = jax.tree.map(np.asarray, variables)
    f.apply(variables, x)
    jax.tree.map(np.testing.assert_array_equal, before, jax.tree.map(np.asarray, variables))


def test_jit_init_equals_eager_init():
    f = fs.transform(mlp)
    x = jnp.ones((2, 3))
    eager = f.init(jax.random.key(3), x)
    jitted = jax.jit(f.init)(jax.random.key(3), x)
    jax.tree.map(np.testing.assert_array_equal, eager, jitted)


def test_initial_values_do_not_depend_on_creation_order():
    def ab():
        tf.get_variable("a", [3, 3])
        tf.get_variable("b", [3, 3])

    def ba():
        tf.get_variable("b", [3, 3])
        tf.get_variable("a", [3, 3])

    v1 = fs.transform(ab).init(jax.random.key(0))
    v2 = fs.transform(ba).init(jax.random.key(0))
    jax.tree.map(np.testing.assert_array_equal, v1, v2)
    assert not np.array_equal(v1["params"]["a"], v1["params"]["b"])
    v3 = fs.transform(ab).init(jax.random.key(1))
    assert not np.array_equal(v1["params"]["a"], v3["params"]["a"])


def test_initial_values_are_the_same_in_another_process():
    code = (
        "import jax, numpy as np, flaxscope as fs, flaxscope.compat.v1 as tf;"
        "v = fs.transform(lambda: tf.get_variable('scope/w', [4])).init(jax.random.key(7));"
        "print(repr(np.asarray(v['params']['scope/w']).tolist()), fs.stable_hash('scope/w'))"
    )
    here = fs.transform(lambda: tf.get_variable("scope/w", [4])).init(jax.random.key(7))
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123", "JAX_PLATFORMS": "cpu", "PATH": ""},
    ).stdout.split()
    assert out[-1] == str(fs.stable_hash("scope/w"))
    assert eval(" ".join(out[:-1])) == np.asarray(here["params"]["scope/w"]).tolist()


def test_every_call_starts_a_fresh_graph():
    names = []

    def fn():
        with tf.name_scope("block"):
            v = tf.Variable(1.0, name="v")
        names.append(fs.name_of(v))

    f = fs.transform(fn)
    variables = f.init(jax.random.key(0))
    f.init(jax.random.key(0))
    f.apply(variables)
    jax.jit(f.apply)(variables)
    assert names == ["block/v:0"] * 4


def test_optax_training_step_under_jit():
    f = fs.transform(lambda x: mlp(x).sum())
    x = jnp.ones((4, 3))
    params = f.init(jax.random.key(0), x)["params"]
    opt = optax.sgd(0.1)
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state):
        loss, grads = jax.value_and_grad(lambda p: f.apply({"params": p}, x))(params)
        updates, opt_state = opt.update(grads, opt_state)
        return optax.apply_updates(params, updates), opt_state, loss

    losses = []
    for _ in range(5):
        params, opt_state, loss = step(params, opt_state)
        losses.append(float(loss))
    assert losses[-1] < losses[0]


def test_state_is_separate_and_updates_only_when_mutable():
    def counter():
        step = tf.get_variable(
            "global_step", [], dtype=tf.int32, trainable=False, initializer=tf.zeros_initializer()
        )
        new = fs.assign_add(step, 1)
        return new

    f = fs.transform(counter)
    variables = f.init(jax.random.key(0))
    assert variables["params"] == {}
    assert int(variables["state"]["global_step"]) == 0  # init returns initial values
    out, updates = f.apply(variables, mutable=True)
    assert int(out) == 1 and int(updates["state"]["global_step"]) == 1
    out, updates = jax.jit(lambda v: f.apply(v, mutable=True))({**variables, **updates})
    assert int(updates["state"]["global_step"]) == 2
    with pytest.raises(ValueError, match="mutable=True"):
        f.apply(variables)


def test_trainable_false_goes_to_state_and_collections():
    def fn():
        tf.get_variable("w", [2])
        tf.get_variable("moving_mean", [2], trainable=False)
        tf.Variable(0, name="counter", trainable=False, collections=[tf.GraphKeys.LOCAL_VARIABLES])
        return (
            [v.name for v in tf.global_variables()],
            [v.name for v in tf.trainable_variables()],
            [v.name for v in tf.local_variables()],
        )

    f = fs.transform(fn)
    variables = f.init(jax.random.key(0))
    assert sorted(variables["params"]) == ["w"]
    assert sorted(variables["state"]) == ["counter", "moving_mean"]
    assert f.apply(variables) == (["w:0", "moving_mean:0"], ["w:0"], ["counter:0"])


def test_regularization_losses_follow_the_applied_values():
    def fn():
        with tf.variable_scope("s", regularizer=lambda w: 0.5 * jnp.sum(w**2)):
            w = tf.get_variable("w", [3], initializer=tf.ones_initializer())
        return tf.losses.get_regularization_loss(), w

    f = fs.transform(fn)
    variables = f.init(jax.random.key(0))
    loss, _ = f.apply(variables)
    assert float(loss) == pytest.approx(1.5)
    loss, _ = f.apply({"params": {"s/w": jnp.full((3,), 2.0)}})
    assert float(loss) == pytest.approx(6.0)
    grad = jax.grad(lambda p: f.apply({"params": p})[0])(variables["params"])
    np.testing.assert_allclose(grad["s/w"], np.ones(3))


def test_name_of_and_identity_of_reused_variables():
    def fn():
        with tf.variable_scope("v_scope"):
            w1 = tf.get_variable("Weights", [2, 3])
        with tf.variable_scope("v_scope", reuse=True):
            w2 = tf.get_variable("Weights")
        assert w1 is w2
        return fs.name_of(w1), fs.name_of(w2)

    f = fs.transform(fn)
    variables = f.init(jax.random.key(0))
    assert f.apply(variables) == ("v_scope/Weights:0", "v_scope/Weights:0")


# --- lifted scan ----------------------------------------------------------------------
def rnn(xs):
    def body(h, x):
        with tf.variable_scope("cell"):
            w = tf.get_variable("w", [x.shape[-1] + h.shape[-1], h.shape[-1]])
            b = tf.get_variable("b", [h.shape[-1]], initializer=tf.zeros_initializer())
        h = jnp.tanh(jnp.concatenate([x, h], -1) @ w + b)
        return h, h

    with tf.variable_scope("rnn"):
        return fs.scan(body, jnp.zeros((xs.shape[1], 4)), xs)


@pytest.mark.parametrize("steps", [1, 3, 7])
def test_scan_creates_one_set_of_variables_whatever_the_length(steps):
    f = fs.transform(rnn)
    xs = jnp.ones((steps, 2, 3))
    variables = f.init(jax.random.key(0), xs)
    assert sorted(variables["params"]) == ["rnn/cell/b", "rnn/cell/w"]
    h, hs = f.apply(variables, xs)
    assert hs.shape == (steps, 2, 4)
    h2, _ = jax.jit(f.apply)(variables, xs)
    np.testing.assert_allclose(h, h2, rtol=1e-6)


def test_scan_gradient_is_the_sum_over_steps():
    f = fs.transform(rnn)
    xs = jax.random.normal(jax.random.key(1), (5, 2, 3))
    variables = f.init(jax.random.key(0), xs)
    p = variables["params"]

    def unrolled(p):
        h = jnp.zeros((2, 4))
        for t in range(xs.shape[0]):
            h = jnp.tanh(jnp.concatenate([xs[t], h], -1) @ p["rnn/cell/w"] + p["rnn/cell/b"])
        return h.sum()

    g_scan = jax.grad(lambda p: f.apply({"params": p}, xs)[0].sum())(p)
    g_unrolled = jax.grad(unrolled)(p)
    for k in p:
        np.testing.assert_allclose(g_scan[k], g_unrolled[k], rtol=1e-5, atol=1e-6)


def test_scan_inside_jitted_init_and_names_after_scan():
    def fn(xs):
        h, _ = rnn(xs)
        with tf.variable_scope("out"):
            w = tf.get_variable("w", [4, 1])
        with tf.variable_scope("rnn", reuse=True):
            same = tf.get_variable("cell/w")
        return h @ w, fs.name_of(same)

    f = fs.transform(fn)
    xs = jnp.ones((3, 2, 3))
    eager = f.init(jax.random.key(0), xs)
    jitted = jax.jit(f.init)(jax.random.key(0), xs)
    jax.tree.map(np.testing.assert_array_equal, eager, jitted)
    assert f.apply(eager, xs)[1] == "rnn/cell/w:0"


# --- templates --------------------------------------------------------------------------
tower = tf.make_template("tower", lambda x: x @ tf.get_variable("w", [x.shape[-1], 2]))


def test_module_level_template_works_in_every_call():
    def siamese(a, b):
        return tower(a), tower(b)

    f = fs.transform(siamese)
    a, b = jnp.ones((1, 3)), jnp.full((1, 3), 2.0)
    variables = f.init(jax.random.key(0), a, b)
    assert list(variables["params"]) == ["tower/w"]
    oa, ob = f.apply(variables, a, b)
    np.testing.assert_allclose(ob, 2 * oa, rtol=1e-6)
    jax.jit(f.apply)(variables, a, b)
    assert list(f.init(jax.random.key(1), a, b)["params"]) == ["tower/w"]


# --- default store ----------------------------------------------------------------------
def test_default_store_runs_eagerly_and_resets():
    w = tf.get_variable("w", [2], initializer=tf.ones_initializer())
    assert fs.name_of(w) == "w:0"
    fs.assign(w, jnp.array([3.0, 4.0]))
    np.testing.assert_array_equal(fs.default_variables()["params"]["w"], [3.0, 4.0])
    with pytest.raises(ValueError, match="already exists, disallowed"):
        tf.get_variable("w", [2])
    fs.reset_default_graph()
    assert fs.default_variables() == {"params": {}, "state": {}}
    tf.get_variable("w", [2])


# --- threads ---------------------------------------------------------------------------
def test_scopes_in_two_threads_do_not_mix():
    barrier = threading.Barrier(2)
    results = {}

    def build(tag):
        def fn():
            names = []
            for i in range(20):
                with tf.variable_scope(f"{tag}{i}"):
                    barrier.wait() if i == 10 else None
                    with tf.name_scope("inner"):
                        v = tf.Variable(0.0, name="v")
                    names.append((fs.name_of(tf.get_variable("w", [1])), fs.name_of(v)))
            return names

        results[tag] = fs.transform(fn).apply(fs.transform(fn).init(jax.random.key(0)))

    threads = [threading.Thread(target=build, args=(tag,)) for tag in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for tag in "ab":
        assert results[tag] == [(f"{tag}{i}/w:0", f"{tag}{i}/inner/v:0") for i in range(20)]


def test_default_graph_scopes_are_per_thread():
    barrier = threading.Barrier(2)
    seen = {}

    def build(tag):
        with tf.variable_scope(tag):
            barrier.wait()
            seen[tag] = tf.get_variable_scope().name
            barrier.wait()

    threads = [threading.Thread(target=build, args=(tag,)) for tag in ("left", "right")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"left": "left", "right": "right"}


def test_jit_static_argnames_see_the_real_signature():
    def f(x, n=1):
        return x * n * tf.get_variable("w", [], initializer=tf.ones_initializer())

    m = fs.transform(f)
    v = jax.jit(m.init, static_argnames="n")(jax.random.key(0), jnp.ones(2), n=3)
    out = jax.jit(m.apply, static_argnames="n")(v, jnp.ones(2), n=3)
    np.testing.assert_allclose(out, [3.0, 3.0])
    assert m.apply.__name__ == "f"


# --- variables_exist: an evaluation model built with reuse=True, run by itself ---------
def _ptb_like(x, is_training):
    """The TF1 pattern of ptb_word_lm: Train builds "Model", Valid/Test reuse it."""
    with fs.variable_scope("Model", reuse=None if is_training else True):
        w = fs.get_variable("w", [3, 4])
        steps = fs.get_variable("steps", [], dtype=jnp.int32, trainable=False)
        return x @ w + steps


def test_reuse_true_model_runs_alone_with_variables_exist():
    train = fs.transform(lambda x: _ptb_like(x, True))
    variables = train.init(jax.random.key(0), jnp.ones((2, 3)))
    x = jnp.arange(6.0).reshape(2, 3)

    valid = fs.transform(lambda x: _ptb_like(x, False))
    with pytest.raises(ValueError) as info:
        valid.apply(variables, x)
    message = str(info.value)
    assert message.startswith("Variable Model/w does not exist, or was not created with")
    assert "variables_exist=True" in message  # the hint names the fix

    shared = fs.transform(lambda x: _ptb_like(x, False), variables_exist=True)
    expected = train.apply(variables, x)
    np.testing.assert_array_equal(shared.apply(variables, x), expected)
    np.testing.assert_array_equal(jax.jit(shared.apply)(variables, x), expected)
    grads = jax.grad(lambda p: shared.apply({**variables, "params": p}, x).sum())(
        variables["params"]
    )
    np.testing.assert_allclose(grads["Model/w"], np.broadcast_to(x.sum(0)[:, None], (3, 4)))


def test_variables_exist_keeps_tf1_rules():
    train = fs.transform(lambda x: _ptb_like(x, True))
    variables = train.init(jax.random.key(0), jnp.ones((2, 3)))
    x = jnp.ones((2, 3))

    # The training model itself (reuse=None) now finds its variables already there.
    with pytest.raises(ValueError, match="Variable Model/w already exists, disallowed"):
        fs.transform(lambda x: _ptb_like(x, True), variables_exist=True).apply(variables, x)

    def collections(x):
        with fs.variable_scope("Model", reuse=True):
            fs.get_variable("w")  # no shape needed: the variable exists
            fs.get_variable("steps", dtype=jnp.int32)
        return (
            [v.name for v in fs.trainable_variables()],
            [v.name for v in fs.global_variables()],
        )

    trainable, everything = fs.transform(collections, variables_exist=True).apply(variables, x)
    assert trainable == ["Model/w:0"]  # trainability comes from the tree, as TF1 keeps it
    assert everything == ["Model/w:0", "Model/steps:0"]

    def wrong_shape(x):
        with fs.variable_scope("Model", reuse=tf.AUTO_REUSE):
            return fs.get_variable("w", [4, 4])

    with pytest.raises(ValueError, match="Trying to share variable Model/w, but specified shape"):
        fs.transform(wrong_shape, variables_exist=True).apply(variables, x)

    def new_variable(x):
        with fs.variable_scope("Model", reuse=tf.AUTO_REUSE):
            return fs.get_variable("extra", [2])

    # A variable missing from the tree is still created by lookup, and so is missing.
    with pytest.raises(ValueError, match="Variable Model/extra is missing from variables"):
        fs.transform(new_variable, variables_exist=True).apply(variables, x)


def test_variables_exist_is_tf1s_shared_graph(tf1):
    """What the evaluation model sees is what TF1's sees when it is built after the
    training model in one graph: every variable, the global step, taken scope names."""
    import warnings

    import tensorflow as tf_real

    def train_model(t, x):
        with t.variable_scope("Model"):
            w = t.get_variable("w", [3, 2])
            t.get_variable("b", [2], initializer=t.zeros_initializer())
        t.train.get_or_create_global_step()
        return x @ w

    def eval_model(t, x, name_of):
        with t.variable_scope("Model", reuse=True):
            w = t.get_variable("w")
            with t.name_scope("head") as head:
                pass
        return (
            [name_of(v) for v in t.global_variables()],
            [name_of(v) for v in t.trainable_variables()],
            name_of(t.train.get_or_create_global_step()),
            head,
            t.get_variable_scope().name,
            x @ w,
        )

    with tf_real.Graph().as_default():
        x = tf1.zeros([1, 3])
        train_model(tf1, x)
        theirs = eval_model(tf1, x, lambda v: v.name)[:5]

    variables = fs.transform(lambda x: train_model(tf, x)).init(0, jnp.ones((1, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every given variable exists: none is "unused"
        ours = fs.transform(
            lambda x: eval_model(tf, x, fs.name_of), variables_exist=True
        ).apply(variables, jnp.ones((1, 3)))
    assert ours[:5] == theirs
    assert ours[3] == "Model_1/head/"  # the scope name "Model" is the training model's
