"""Scope-based selection on variables trees, optax labels/masks, and TF1's var_list=."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import flaxscope as fs
from flaxscope import selection

SCOPES = [None, "encoder", "encoder/", "enc", "decoder/w", ".*/b", "encoder/w:0$", "encoder/w$"]


def _model(x):
    with fs.variable_scope("encoder"):
        w = fs.get_variable("w", [4, 8])
        b = fs.get_variable("b", [8], initializer=fs.constant_initializer(0.1))
    h = jnp.tanh(x @ w + b)
    with fs.variable_scope("decoder"):
        w2 = fs.get_variable("w", [8, 3])
        b2 = fs.get_variable("b", [3], initializer=fs.zeros_initializer())
    with fs.variable_scope("encoder_extra"):
        fs.get_variable("counter", [], dtype="int32", trainable=False)
    return h @ w2 + b2


def _tf1_model(tf, x):
    with tf.variable_scope("encoder"):
        w = tf.get_variable("w", [4, 8])
        b = tf.get_variable("b", [8], initializer=tf.constant_initializer(0.1))
    h = tf.tanh(tf.matmul(x, w) + b)
    with tf.variable_scope("decoder"):
        w2 = tf.get_variable("w", [8, 3])
        b2 = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    with tf.variable_scope("encoder_extra"):
        tf.get_variable("counter", [], dtype=tf.int32, trainable=False)
    return tf.matmul(h, w2) + b2


X = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)
Y = np.random.default_rng(1).normal(size=(16, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def variables():
    return fs.transform(_model).init(jax.random.key(0), X)


def test_selection_matches_tf1_get_collection(tf1, variables):
    graph = tf1.Graph()
    with graph.as_default():
        _tf1_model(tf1, tf1.constant(X))
        expected = {
            scope: (
                sorted(v.op.name for v in tf1.trainable_variables(scope)),
                sorted(v.op.name for v in tf1.global_variables(scope)),
            )
            for scope in SCOPES
        }
    for scope, (trainable, everything) in expected.items():
        assert sorted(selection.trainable_variables(variables, scope)) == trainable, scope
        assert sorted(selection.global_variables(variables, scope)) == everything, scope
        assert sorted(selection.select(variables["params"], scope)) == trainable, scope


def test_select_works_on_nested_linen_trees_and_compiled_regexes():
    tree = {"params": {"Dense_0": {"kernel": 1, "bias": 2}, "head": {"kernel": 3}}}
    assert selection.trainable_variables(tree, "Dense_0/") == {
        "Dense_0/kernel": 1,
        "Dense_0/bias": 2,
    }
    assert selection.select(tree["params"], re.compile(".*kernel")) == {
        "Dense_0/kernel": 1,
        "head/kernel": 3,
    }
    with pytest.raises(TypeError, match="regex string"):
        selection.select(tree, 3)


def test_scope_labels_first_rule_wins_and_unmatched_is_an_error(variables):
    params = variables["params"]
    labels = selection.scope_labels(
        params, [("encoder/b", "slow"), ("encoder/", "frozen")], "train"
    )
    assert labels == {
        "encoder/w": "frozen",
        "encoder/b": "slow",
        "decoder/w": "train",
        "decoder/b": "train",
    }
    with pytest.raises(ValueError, match=r"2 variable\(s\) match no rule.*decoder/"):
        selection.scope_labels(params, {"encoder/": "frozen"})


def test_scope_mask_include_exclude(variables):
    params = variables["params"]
    mask = selection.scope_mask(params, include=["decoder/", "encoder/b"], exclude=".*/w")
    assert mask == {"encoder/w": False, "encoder/b": True, "decoder/w": False, "decoder/b": True}
    assert all(jax.tree.leaves(selection.scope_mask(params)))
    with pytest.raises(ValueError, match="no variable matches"):
        selection.train_only(optax.sgd(0.1), params, "nothing/")


def _train_flaxscope(tx, params, steps):
    model = fs.transform(_model)

    def loss_fn(p):
        state = {"encoder_extra/counter": jnp.zeros((), jnp.int32)}
        return jnp.mean(jnp.square(model.apply({"params": p, "state": state}, X) - Y))

    @jax.jit
    def step(params, opt_state):
        grads = jax.grad(loss_fn)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    opt_state = tx.init(params)
    for _ in range(steps):
        params, opt_state = step(params, opt_state)
    return params, opt_state


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_var_list_freezing_matches_tf1(tf1, optimizer):
    """TF1's minimize(var_list=decoder vars) vs train_only(tx, params, "decoder/")."""
    steps, lr = 20, 0.05
    graph = tf1.Graph()
    with graph.as_default():
        out = _tf1_model(tf1, tf1.constant(X))
        loss = tf1.reduce_mean(tf1.square(out - Y))
        decoder_vars = tf1.trainable_variables("decoder/")
        if optimizer == "sgd":
            opt = tf1.train.GradientDescentOptimizer(lr)
        else:
            opt = tf1.train.AdamOptimizer(lr)
        train_op = opt.minimize(loss, var_list=decoder_vars)
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            trainable = {v.op.name: v for v in tf1.trainable_variables()}
            initial = sess.run(trainable)
            for _ in range(steps):
                sess.run(train_op)
            final = sess.run(trainable)

    params = {name: jnp.asarray(value) for name, value in initial.items()}
    if optimizer == "sgd":
        tx = optax.sgd(lr)
    else:
        train = pytest.importorskip("flaxscope.train")
        tx = train.AdamOptimizer(lr)
    params, opt_state = _train_flaxscope(
        selection.train_only(tx, params, "decoder/"), params, steps
    )

    assert sorted(params) == sorted(final)
    for name in ("decoder/w", "decoder/b"):
        assert not np.allclose(final[name], initial[name])  # it did train
        np.testing.assert_allclose(params[name], final[name], rtol=1e-5, atol=1e-6, err_msg=name)
    for name in ("encoder/w", "encoder/b"):
        # Unchanged bit for bit, in TF1 and here.
        np.testing.assert_array_equal(final[name].view(np.uint32), initial[name].view(np.uint32))
        np.testing.assert_array_equal(
            np.asarray(params[name]).view(np.uint32), initial[name].view(np.uint32)
        )
    # The frozen variables carry no optimizer state, as they had no slots in TF1.
    state_leaves = jax.tree.leaves(opt_state)
    assert not any(leaf.shape == (4, 8) for leaf in state_leaves)
