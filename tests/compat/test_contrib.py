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


SEQ_FLAGS = [
    {},
    {"average_across_timesteps": False},
    {"average_across_batch": False},
    {"average_across_timesteps": False, "average_across_batch": False},
    {
        "average_across_timesteps": False,
        "average_across_batch": False,
        "sum_over_timesteps": True,
        "sum_over_batch": True,
    },
    {"average_across_timesteps": False, "sum_over_timesteps": True},
    {"average_across_batch": False, "sum_over_batch": True},
]


@pytest.mark.parametrize("flags", SEQ_FLAGS, ids=lambda f: ",".join(f) or "defaults")
def test_seq2seq_sequence_loss_reductions(tf1, flags):
    """Each reduction written out with TF's own ops (a sum over the axes the flags name,
    divided by the summed weights or the count of non-zero weights, 0 for none)."""
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3, 4, 5)).astype(np.float32)
    targets = rng.integers(0, 5, (3, 4))
    weights = (rng.uniform(size=(3, 4)) * (rng.uniform(size=(3, 4)) > 0.3)).astype(np.float32)
    weights[:, 2] = 0.0  # a step with no weight at all
    got = tf.contrib.seq2seq.sequence_loss(logits, targets, weights, **flags)
    avg_t = flags.get("average_across_timesteps", True)
    avg_b = flags.get("average_across_batch", True)
    sum_t = flags.get("sum_over_timesteps", False)
    sum_b = flags.get("sum_over_batch", False)
    # TF's order: both averaged, both summed, else one axis (averaging wins over summing)
    if (avg_t and avg_b) or (sum_t and sum_b):
        axes, averaged = [0, 1], avg_t
    elif avg_t or avg_b:
        axes, averaged = [0 if avg_b else 1], True
    elif sum_t or sum_b:
        axes, averaged = [0 if sum_b else 1], False
    else:
        axes, averaged = [], False
    with tf1.Graph().as_default(), tf1.Session() as sess:
        ce = tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
        ce = ce * weights
        if not axes:
            want = sess.run(ce)
        else:
            count = weights if averaged else tf1.cast(tf1.not_equal(weights, 0), tf1.float32)
            want = sess.run(
                tf1.math.divide_no_nan(tf1.reduce_sum(ce, axes), tf1.reduce_sum(count, axes))
            )
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_seq2seq_flag_errors_and_tile_batch(tf1):
    x = np.ones((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="cannot be set to True at same time"):
        tf.contrib.seq2seq.sequence_loss(
            x, np.zeros((2, 3), int), x[..., 0], sum_over_timesteps=True
        )
    with pytest.raises(ValueError, match=r"Logits must be a \[batch_size x sequence_length"):
        tf.contrib.seq2seq.sequence_loss(x[0], np.zeros((2, 3), int), x[..., 0])
    state = {"h": np.arange(6.0).reshape(2, 3), "c": (np.arange(2), np.arange(4).reshape(2, 2))}
    got = tf.contrib.seq2seq.tile_batch(state, 3)
    with tf1.Graph().as_default(), tf1.Session() as sess:

        def repeated(a):  # TF's tile_batch, in TF ops
            tiled = tf1.tile(tf1.expand_dims(a, 1), [1, 3] + [1] * (a.ndim - 1))
            return tf1.reshape(tiled, [a.shape[0] * 3, *a.shape[1:]])

        want = sess.run(
            {"h": repeated(state["h"]), "c": (repeated(state["c"][0]), repeated(state["c"][1]))}
        )
    np.testing.assert_array_equal(got["h"], want["h"])
    np.testing.assert_array_equal(got["c"][0], want["c"][0])
    np.testing.assert_array_equal(got["c"][1], want["c"][1])


def test_legacy_sequence_losses_match_the_converter_rewrite():
    """The runtime functions and flaxscope-upgrade's rewrite (TF1 core ops) agree."""
    from flaxscope.upgrade import upgrade_source

    rng = np.random.default_rng(2)
    logits = [rng.normal(size=(3, 5)).astype(np.float32) for _ in range(4)]
    targets = [rng.integers(0, 5, 3) for _ in range(4)]
    weights = [rng.uniform(size=3).astype(np.float32) for _ in range(4)]
    calls = [
        "sequence_loss_by_example(lg, tg, wt)",
        "sequence_loss_by_example(lg, tg, wt, average_across_timesteps=False)",
        "sequence_loss(lg, tg, wt)",
        "sequence_loss(lg, tg, wt, average_across_batch=False)",
    ]
    for call in calls:
        source = f"import tensorflow as tf\ny = tf.contrib.legacy_seq2seq.{call}\n"
        converted, _ = upgrade_source(source, "m.py")
        assert "legacy_seq2seq" not in converted, converted
        scope = {"lg": logits, "tg": targets, "wt": weights}
        exec(converted, scope)
        direct = eval(
            f"tf.contrib.legacy_seq2seq.{call}",
            {"tf": tf, "lg": logits, "tg": targets, "wt": weights},
        )
        np.testing.assert_allclose(direct, scope["y"], rtol=1e-6, err_msg=call)
