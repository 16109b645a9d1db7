"""Array ops under jax.jit / grad / vmap and inside fs.transform, and their cost: a function
written with tf.* array ops lowers to the same HLO ops as the same function with jnp."""

from __future__ import annotations

import collections
import re

import jax
import jax.numpy as jnp
import numpy as np

import flaxscope as fs
import flaxscope.compat.v1 as tf

X = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)


def with_tf(x):
    y = tf.reshape(x, [4, 3, 2])
    y = tf.transpose(y, [0, 2, 1])
    parts = tf.split(y, 3, axis=2)
    z = tf.concat([parts[2], parts[0]], axis=-1)
    z = tf.expand_dims(tf.squeeze(tf.slice(z, [0, 0, 0], [-1, 1, -1]), [1]), 0)
    z = tf.pad(z, [[0, 0], [1, 1], [0, 0]])
    s = tf.stack(tf.unstack(x, axis=1)[:2], axis=0)
    w = tf.where(x > 0, x, tf.zeros_like(x))
    g = tf.gather(w, [3, 0, 1], axis=0)
    return tf.tile(z, [2, 1, 1]).sum() + s.sum() + g.sum() + tf.one_hot([1, 0], 6).sum()


def with_jnp(x):
    y = jnp.reshape(x, (4, 3, 2))
    y = jnp.transpose(y, (0, 2, 1))
    parts = jnp.split(y, 3, axis=2)
    z = jnp.concatenate([parts[2], parts[0]], axis=-1)
    z = jnp.expand_dims(jnp.squeeze(z[:, 0:1, :], 1), 0)
    z = jnp.pad(z, [(0, 0), (1, 1), (0, 0)])
    s = jnp.stack([x[:, 0], x[:, 1]], axis=0)
    w = jnp.where(x > 0, x, jnp.zeros_like(x))
    g = jnp.take(w, jnp.array([3, 0, 1], jnp.int32), axis=0)
    hot = jax.nn.one_hot(jnp.array([1, 0], jnp.int32), 6)
    return jnp.tile(z, (2, 1, 1)).sum() + s.sum() + g.sum() + hot.sum()


def _op_counts(fn):
    text = jax.jit(fn).lower(X).compile().as_text()
    ops = re.findall(r"=\s*\S+\s+([a-z][a-z0-9-]*)\(", text)
    return collections.Counter(ops)


def test_same_values_and_same_compiled_hlo_as_jnp():
    np.testing.assert_allclose(jax.jit(with_tf)(X), jax.jit(with_jnp)(X), rtol=1e-6)
    assert _op_counts(with_tf) == _op_counts(with_jnp)


def test_grad_and_vmap():
    g = jax.grad(with_tf)(X)
    np.testing.assert_allclose(g, jax.grad(with_jnp)(X), rtol=1e-6)

    def per_row(row):
        r = tf.reshape(row, [2, 3])
        return tf.concat([tf.reverse(r, [1]), tf.gather(r, [1, 0])], 0).sum(0)

    out = jax.vmap(per_row)(X)
    want = np.stack([per_row(r) for r in X])
    np.testing.assert_allclose(out, want, rtol=1e-6)
    assert tf.shape(jax.vmap(lambda r: tf.expand_dims(r, 0))(X)).tolist() == [4, 1, 6]


def test_inside_transform_with_variables_and_collections():
    def model(x):
        w = tf.get_variable("w", [6, 3], initializer=tf.ones_initializer())
        h = tf.concat([x @ w, tf.zeros([tf.shape(x)[0], 1])], 1)
        stacked = tf.stack(tf.trainable_variables())  # variable records read as values
        return h.sum() + stacked.sum()

    f = fs.transform(model)
    variables = f.init(jax.random.PRNGKey(0), X)
    assert list(variables["params"]) == ["w"]
    out = jax.jit(f.apply)(variables, X)
    np.testing.assert_allclose(out, (X @ np.ones((6, 3))).sum() + 18, rtol=1e-5)


def test_traced_begin_and_indices():
    @jax.jit
    def window(x, start, idx):
        return tf.slice(x, tf.stack([start, 0]), [2, 6]), tf.gather(x, idx), tf.one_hot(idx, 4)

    w, g, h = window(X, 1, np.array([3, 0]))
    np.testing.assert_array_equal(w, X[1:3])
    np.testing.assert_array_equal(g, X[[3, 0]])
    np.testing.assert_array_equal(h, np.eye(4, dtype=np.float32)[[3, 0]])


def test_64_bit_types_follow_jax():
    """TF's int64/float64 results are 64-bit where JAX's x64 is on, 32-bit otherwise."""
    cases = [
        lambda: tf.where([True, False, True]),  # TF: int64 coordinates
        lambda: tf.shape(X, out_type=tf.int64),
        lambda: tf.range(np.int64(3)),
        lambda: tf.constant(np.float64(1.5)),
        lambda: tf.zeros([2], tf.int64),
        lambda: tf.unique(np.int64([3, 1, 3]), out_idx=tf.int64).idx,
    ]
    with jax.enable_x64(True):
        wide = [np.asarray(f()).dtype for f in cases]
    narrow = [np.asarray(f()).dtype for f in cases]
    assert wide == ["int64", "int64", "int64", "float64", "int64", "int64"]
    assert narrow == ["int32", "int32", "int32", "float32", "int32", "int32"]
    with jax.enable_x64(True):
        assert int(tf.constant(2**40)) == 2**40  # TF: an int64 constant
