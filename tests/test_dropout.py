"""tf.nn.dropout and DropoutWrapper on the call's random keys (apply(..., rng=key))."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf


def test_dropout_zeroes_at_rate_and_scales_the_rest():
    f = fs.transform(lambda x: tf.nn.dropout(x, keep_prob=0.75))
    x = jnp.ones((200, 500))
    out = np.asarray(f.apply({"params": {}}, x, rng=jax.random.key(0)))
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.01
    assert abs(out.mean() - 1.0) < 0.02


def test_dropout_statistics_match_tf(tf1):
    x = np.ones((400, 500), np.float32)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        theirs = sess.run(tf1.nn.dropout(tf1.constant(x), keep_prob=0.6, seed=1))
    ours = np.asarray(
        fs.transform(lambda x: tf.nn.dropout(x, keep_prob=0.6)).apply(
            {"params": {}}, x, rng=jax.random.key(1)
        )
    )
    assert set(np.unique(theirs)) == set(np.unique(ours))  # {0, 1/0.6}
    assert abs((theirs == 0).mean() - (ours == 0).mean()) < 0.01


def test_keys_are_reproducible_and_fresh_per_op_and_per_rng():
    def two(x):
        return tf.nn.dropout(x, rate=0.5), tf.nn.dropout(x, rate=0.5)

    f = fs.transform(two)
    x = jnp.ones((64, 64))
    a1, b1 = f.apply({"params": {}}, x, rng=jax.random.key(0))
    a2, _ = jax.jit(lambda x, k: f.apply({"params": {}}, x, rng=k))(x, jax.random.key(0))
    a3, _ = f.apply({"params": {}}, x, rng=jax.random.key(1))
    np.testing.assert_array_equal(a1, a2)
    assert not np.array_equal(a1, b1)
    assert not np.array_equal(a1, a3)


def test_apply_without_a_key_says_how_to_pass_one():
    f = fs.transform(lambda x: tf.nn.dropout(x, keep_prob=0.5))
    with pytest.raises(ValueError, match=r"apply\(variables, \.\.\., rng="):
        f.apply({"params": {}}, jnp.ones(3))
    # keep_prob=1.0 is the identity and needs no key (evaluation)
    g = fs.transform(lambda x: tf.nn.dropout(x, keep_prob=1.0))
    np.testing.assert_array_equal(g.apply({"params": {}}, jnp.ones(3)), jnp.ones(3))


def test_dropout_argument_errors():
    with pytest.raises(ValueError, match="Cannot specify both"):
        tf.nn.dropout(jnp.ones(2), keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match=r"range \[0, 1\)"):
        tf.nn.dropout(jnp.ones(2), rate=1.0)


class Passthrough(tf.nn.rnn_cell.RNNCell):
    """Outputs its input: shows the masks DropoutWrapper draws at each step."""

    def __init__(self, depth):
        super().__init__()
        self._depth = depth

    @property
    def state_size(self):
        return self._depth

    @property
    def output_size(self):
        return self._depth

    def call(self, inputs, state):
        return inputs, state


def test_dropout_wrapper_draws_a_new_mask_at_every_step():
    def fn(x):
        cell = tf.nn.rnn_cell.DropoutWrapper(Passthrough(32), input_keep_prob=0.5)
        return tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)[0]

    f = fs.transform(fn)
    x = jnp.ones((4, 6, 32))
    variables = f.init(jax.random.key(0), x)
    out = np.asarray(f.apply(variables, x, rng=jax.random.key(3)))
    assert set(np.unique(out)) == {0.0, 2.0}
    masks = out[0]  # [time, depth] for the first row
    assert len({tuple(m) for m in masks}) == masks.shape[0]
    # init draws too (from its own key), and a jitted apply gives the same as eager
    jitted = jax.jit(lambda v, x, k: f.apply(v, x, rng=k))(variables, x, jax.random.key(3))
    np.testing.assert_array_equal(jitted, out)


def lstm_stack(x, keep):
    cells = [
        tf.nn.rnn_cell.DropoutWrapper(
            tf.nn.rnn_cell.BasicLSTMCell(8), output_keep_prob=keep, state_keep_prob=keep
        )
        for _ in range(2)
    ]
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float32)


def test_wrapped_cells_keep_tf1_names(tf1):
    x = np.zeros((2, 5, 3), np.float32)
    with tf1.Graph().as_default():
        cells = [
            tf1.nn.rnn_cell.DropoutWrapper(
                tf1.nn.rnn_cell.BasicLSTMCell(8), output_keep_prob=0.5, state_keep_prob=0.5
            )
            for _ in range(2)
        ]
        tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.MultiRNNCell(cells), tf1.constant(x), dtype=tf1.float32)
        theirs = [(v.name[:-2], v.shape.as_list()) for v in tf1.global_variables()]
    variables = fs.transform(lambda x: lstm_stack(x, 0.5)).init(jax.random.key(0), x)
    assert [(k, list(v.shape)) for k, v in variables["params"].items()] == theirs


def test_keep_prob_one_is_the_plain_cell_and_training_mode_differs():
    x = jax.random.normal(jax.random.key(0), (2, 5, 3))
    wrapped = fs.transform(lambda x, keep: lstm_stack(x, keep))
    plain = fs.transform(
        lambda x: tf.nn.dynamic_rnn(
            tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(8) for _ in range(2)]),
            x,
            dtype=tf.float32,
        )
    )
    variables = plain.init(jax.random.key(1), x)
    out_eval, _ = wrapped.apply(variables, x, 1.0)
    np.testing.assert_allclose(out_eval, plain.apply(variables, x)[0], rtol=1e-6)
    out_train, _ = wrapped.apply(variables, x, 0.5, rng=jax.random.key(2))
    assert not np.allclose(out_train, out_eval)
    grads = jax.grad(lambda v: wrapped.apply(v, x, 0.5, rng=jax.random.key(2))[0].sum())(variables)
    assert all(float(jnp.abs(g).sum()) > 0 for g in jax.tree.leaves(grads))


def test_state_dropout_spares_the_lstm_memory():
    def one_step(x, state):
        cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(16), state_keep_prob=0.5)
        return cell(x, state)

    def plain_step(x, state):
        return tf.nn.rnn_cell.BasicLSTMCell(16)(x, state)

    x = jax.random.normal(jax.random.key(0), (4, 3))
    state = tf.nn.rnn_cell.LSTMStateTuple(jnp.ones((4, 16)), jnp.ones((4, 16)))
    variables = fs.transform(plain_step).init(jax.random.key(1), x, state)
    _, (c, h) = fs.transform(one_step).apply(variables, x, state, rng=jax.random.key(5))
    _, (c0, h0) = fs.transform(plain_step).apply(variables, x, state)
    np.testing.assert_allclose(c, c0, rtol=1e-6)
    assert (np.asarray(h) == 0).any()
    kept = np.asarray(h) != 0
    np.testing.assert_allclose(np.asarray(h)[kept], np.asarray(h0)[kept] * 2, rtol=1e-5)


def test_variational_recurrent_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="variational_recurrent"):
        tf.nn.rnn_cell.DropoutWrapper(
            tf.nn.rnn_cell.BasicLSTMCell(4), input_keep_prob=0.5, variational_recurrent=True
        )
