"""``transform(fn, jit_init=True)``: init compiled in one trace gives eager init's variables.

Same names in the same (creation) order, the same values, the same collections; the
function is called once per ``init``; Python arguments stay Python values; a function
that reads an argument's value falls back to running eagerly; under an outer ``jax.jit``
or on a mesh ``init`` behaves as before.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import AxisType, NamedSharding
from jax.sharding import PartitionSpec as P

import flaxscope as fs
import flaxscope.compat.v1 as tf


def dense_net(x, training=True, name="net"):
    with tf.variable_scope(name):
        h = tf.layers.dense(x, 8, activation=tf.nn.relu, name="z_hidden")  # created first
        h = tf.layers.batch_normalization(h, training=training, name="a_bn")
        return tf.layers.dense(h, 2, name="b_out")


def lstm(tokens):
    embedding = tf.get_variable("embedding", [11, 6])
    cell = tf.nn.rnn_cell.BasicLSTMCell(5)
    outputs, _ = tf.nn.dynamic_rnn(
        cell, tf.nn.embedding_lookup(embedding, tokens), dtype=tf.float32
    )
    return tf.reduce_sum(outputs)


def scanned(xs):
    def body(carry, x):
        with fs.variable_scope("step", reuse=fs.AUTO_REUSE):
            w = fs.get_variable("w", [3, 3], initializer=tf.random_normal_initializer())
        return jnp.tanh(carry @ w + x), carry

    return fs.scan(body, jnp.zeros((2, 3)), xs)[0]


X = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
PROGRAMS = {
    "dense+batch norm, a flag and a name": (dense_net, (X,), {"training": True, "name": "m"}),
    "dynamic_rnn": (lstm, (np.arange(12, dtype=np.int32).reshape(3, 4) % 11,), {}),
    "flaxscope.scan": (scanned, (np.ones((5, 2, 3), np.float32),), {}),
}


@pytest.mark.parametrize("program", list(PROGRAMS))
def test_compiled_init_gives_eager_inits_variables_in_order(program):
    fn, args, kwargs = PROGRAMS[program]
    calls = []

    def counted(*a, **k):
        calls.append([type(v) for v in k.values()])
        return fn(*a, **k)

    eager = fs.transform(counted).init(jax.random.key(3), *args, **kwargs)
    calls.clear()
    compiled = fs.transform(counted, jit_init=True).init(jax.random.key(3), *args, **kwargs)
    assert len(calls) == 1  # one trace
    assert all(t in (bool, str) for t in calls[0])  # Python arguments stayed Python
    assert list(compiled) == list(eager)
    for collection in eager:
        assert list(compiled[collection]) == list(eager[collection])  # creation order
        for name, value in eager[collection].items():
            got = compiled[collection][name]
            assert got.dtype == value.dtype and got.shape == value.shape, name
            np.testing.assert_allclose(got, value, rtol=1e-6, atol=1e-7, err_msg=name)


def test_function_reading_an_argument_value_runs_eagerly():
    def needs_value(x):
        scale = float(np.asarray(x).max())  # Python needs the number
        return tf.layers.dense(x * scale, 2, name="d")

    eager = fs.transform(needs_value).init(jax.random.key(0), X)
    compiled = fs.transform(needs_value, jit_init=True).init(jax.random.key(0), X)
    assert list(compiled["params"]) == ["d/kernel", "d/bias"]
    for name in eager["params"]:
        np.testing.assert_array_equal(compiled["params"][name], eager["params"][name])


def test_under_jit_and_on_a_mesh_init_is_unchanged():
    model = fs.transform(dense_net, jit_init=True)
    outer = jax.jit(model.init, static_argnames=("training", "name"))
    jitted = outer(jax.random.key(1), X, training=False, name="m")
    eager = fs.transform(dense_net).init(jax.random.key(1), X, training=False, name="m")
    assert sorted(jitted["params"]) == sorted(eager["params"])
    mesh = jax.make_mesh((2,), ("model",), axis_types=(AxisType.Auto,), devices=jax.devices()[:2])
    on_mesh = fs.transform(lambda x: dense_net(x), mesh=mesh, jit_init=True)
    variables = on_mesh.init(jax.random.key(1), X)
    assert all(isinstance(v.sharding, NamedSharding) for v in variables["params"].values())
    assert variables["params"]["net/z_hidden/kernel"].sharding.mesh == mesh
    assert variables["params"]["net/z_hidden/bias"].sharding.spec in (P(), P(None))
