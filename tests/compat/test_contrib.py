"""tf.contrib's smaller modules: rnn.LSTMBlockCell, framework helpers, util, learn, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf
import flaxscope.slim


def test_contrib_slim_is_flaxscope_slim():
    assert tf.contrib.slim.conv2d is flaxscope.slim.conv2d
    assert tf.contrib.layers.batch_norm is flaxscope.slim.batch_norm
    assert tf.contrib.framework.arg_scope is flaxscope.slim.arg_scope
    assert tf.contrib.rnn.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell
    assert tf.contrib.framework.nest.flatten({"b": 1, "a": 2}) == [2, 1]
    assert tf.contrib.learn.ModeKeys.INFER == "infer"


def test_missing_contrib_names_say_what_exists():
    with pytest.raises(AttributeError, match=r"tf\.contrib\.tpu: of tf\.contrib, flaxscope has"):
        tf.contrib.tpu  # noqa: B018
    with pytest.raises(AttributeError, match=r"slim\.learning: slim\.learning runs a TF1"):
        tf.contrib.slim.learning  # noqa: B018


def test_lstm_block_cell_matches_tf_kernel(tf1):
    """One step of ``LSTMBlockCell`` against TF's own ``LSTMBlockCell`` kernel
    (``tf.raw_ops``), on the cell's variables."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4)).astype(np.float32)
    c0, h0 = (rng.normal(size=(3, 5)).astype(np.float32) for _ in range(2))

    def step(x, c, h):
        cell = tf.contrib.rnn.LSTMBlockCell(5, forget_bias=0.5)
        out, state = cell(x, tf.nn.rnn_cell.LSTMStateTuple(c, h))
        return out, state.c

    f = fs.transform(step)
    variables = f.init(0, x, c0, h0)
    assert sorted(variables["params"]) == ["lstm_cell/bias", "lstm_cell/kernel"]
    w = np.asarray(variables["params"]["lstm_cell/kernel"])
    b = rng.normal(size=(20,)).astype(np.float32)
    variables["params"]["lstm_cell/bias"] = b
    h, c = f.apply(variables, x, c0, h0)
    zeros = np.zeros(5, np.float32)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        outs = tf1.raw_ops.LSTMBlockCell(
            x=x,
            cs_prev=c0,
            h_prev=h0,
            w=w,
            wci=zeros,
            wcf=zeros,
            wco=zeros,
            b=b,
            forget_bias=0.5,
            cell_clip=-1.0,
            use_peephole=False,
        )
        want = sess.run({"h": outs.h, "cs": outs.cs})
    np.testing.assert_allclose(h, want["h"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, want["cs"], rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="use_peephole and cell_clip"):
        tf.contrib.rnn.LSTMBlockCell(5, use_peephole=True)


def test_framework_helpers(tf1):
    with tf1.Graph().as_default() as g:
        with tf1.name_scope("a"), tf1.name_scope("b"):
            want = g.get_name_scope()
    with tf.name_scope("a"), tf.name_scope("b"):
        assert tf.contrib.framework.get_name_scope() == want == "a/b"
    assert tf.contrib.framework.get_name_scope() == ""
    np.testing.assert_array_equal(tf.contrib.framework.sort([3, 1, 2]), [1, 2, 3])
    assert tf.contrib.util.constant_value(jnp.arange(3)).tolist() == [0, 1, 2]
    seen = []
    jax.jit(lambda x: seen.append(tf.contrib.util.constant_value(x)) or x)(jnp.ones(2))
    assert seen == [None]
    assert tf.contrib.slim.utils.last_dimension(jnp.zeros((2, 7))) == 7
    with pytest.raises(ValueError, match="rank of shape must be at least 3 not: 2"):
        tf.contrib.slim.utils.last_dimension((2, 7), min_rank=3)
