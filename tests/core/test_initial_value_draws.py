"""``tf.Variable(tf.truncated_normal(shape, stddev=0.1))``, the tutorials' idiom: in ``apply``
the initial value is drawn but never read, so a call without a random key must still run;
a draw that is used (a model's noise, a scaled initial value) still needs the key."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

X = jnp.ones((2, 3))


def tutorial_layer(x):
    w = tf.Variable(tf.truncated_normal([3, 4], stddev=0.1), name="W")
    b = tf.Variable(tf.constant(0.1, shape=[4]), name="b")
    e = tf.Variable(tf.random_uniform([5, 4], -1.0, 1.0), name="embedding")
    with tf.variable_scope("scope"):
        g = tf.get_variable("g", initializer=tf.random_normal([4]))
    return x @ w + b + e[0] + g


@pytest.mark.parametrize("jit", [False, True])
def test_a_draw_that_only_initializes_needs_no_key(jit):
    model = fs.transform(tutorial_layer)
    variables = model.init(jax.random.key(0), X)
    assert set(variables["params"]) == {"W", "b", "embedding", "scope/g"}
    apply = jax.jit(model.apply) if jit else model.apply
    p = variables["params"]
    want = X @ p["W"] + p["b"] + p["embedding"][0] + p["scope/g"]
    np.testing.assert_allclose(apply(variables, X), want, rtol=1e-6)
    np.testing.assert_allclose(apply(variables, X, rng=jax.random.key(3)), want, rtol=1e-6)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x @ tf.Variable(tf.random_normal([3, 4]) * 0.1),  # computed on first: used
        lambda x: x + tf.random_normal([3]),  # noise in the model
        lambda x: tf.nn.dropout(x, keep_prob=0.5),
    ],
    ids=["scaled initial value", "noise", "dropout"],
)
def test_a_used_draw_still_needs_the_key(fn):
    model = fs.transform(fn)
    variables = model.init(jax.random.key(0), X)
    with pytest.raises(ValueError, match="has no random key"):
        model.apply(variables, X)
    assert model.apply(variables, X, rng=jax.random.key(1)).shape[0] == 2


def test_the_message_shows_the_callable_spelling():
    model = fs.transform(lambda x: x @ tf.Variable(tf.random_normal([3, 4]) * 0.1))
    variables = model.init(jax.random.key(0), X)
    with pytest.raises(ValueError, match=r"tf\.Variable\(lambda: tf\.random_normal"):
        model.apply(variables, X)
    fixed = fs.transform(lambda x: x @ tf.Variable(lambda: tf.random_normal([3, 4]) * 0.1))
    variables = fixed.init(jax.random.key(0), X)
    np.testing.assert_allclose(fixed.apply(variables, X), X @ variables["params"]["Variable"])
