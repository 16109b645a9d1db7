"""ResidualWrapper, DeviceWrapper and static_bidirectional_rnn against TF1 (names, outputs, states)."""

import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

B, T, D, H = 3, 4, 5, 5


def inputs_and_lengths():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D)).astype(np.float32)
    return x, np.array([4, 2, 0], np.int32)


def run_tf1(tf1, program, x, lengths):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        out = program(tf1, tf1.constant(x), tf1.constant(lengths))
        sess.run(tf1.global_variables_initializer())
        names = [v.name[:-2] for v in tf1.global_variables()]
        weights = dict(zip(names, sess.run(tf1.global_variables()), strict=True))
        return names, weights, sess.run(out)


def residual_program(t, x, lengths):
    cell = t.nn.rnn_cell.MultiRNNCell(
        [t.nn.rnn_cell.ResidualWrapper(t.nn.rnn_cell.GRUCell(H)) for _ in range(2)]
    )
    outputs, state = t.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=t.float32)
    return outputs, state


def device_program(t, x, lengths):
    cell = t.nn.rnn_cell.DeviceWrapper(t.nn.rnn_cell.BasicLSTMCell(H), "/cpu:0")
    return t.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=t.float32)


def bidirectional_program(t, x, lengths):
    steps = [x[:, i] for i in range(T)]
    outputs, fw, bw = t.nn.static_bidirectional_rnn(
        t.nn.rnn_cell.BasicLSTMCell(H),
        t.nn.rnn_cell.GRUCell(H),
        steps,
        sequence_length=lengths,
        dtype=t.float32,
    )
    return outputs, fw, bw


@pytest.mark.parametrize("program", [residual_program, device_program, bidirectional_program])
def test_wrapper_and_static_bidirectional_match_tf1(tf1, program):
    x, lengths = inputs_and_lengths()
    names, weights, expected = run_tf1(tf1, program, x, lengths)
    f = fs.transform(lambda x, n: program(tf, x, n))
    variables = f.init(0, jnp.asarray(x), jnp.asarray(lengths))
    assert list(variables["params"]) == names
    got = f.apply({"params": weights}, jnp.asarray(x), jnp.asarray(lengths))
    flat_expected = [np.asarray(a) for a in _leaves(expected)]
    flat_got = [np.asarray(a) for a in _leaves(got)]
    assert len(flat_got) == len(flat_expected)
    for g, e in zip(flat_got, flat_expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def _leaves(tree):
    import jax

    return jax.tree.leaves(tree)


def test_residual_wrapper_needs_matching_depths():
    def fn(x):
        cell = tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.GRUCell(H + 1))
        return tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)

    with pytest.raises(ValueError, match="same depth"):
        fs.transform(fn).init(0, jnp.zeros((B, T, D)))
