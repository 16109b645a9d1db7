"""tf.train.ExponentialMovingAverage: TF1's shadow names, updates and restore mapping."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

VALUES = [[3.0, 5.0], [1.0, -2.0], [0.5, 0.25], [4.0, 4.0], [-1.0, 2.0]]


def tf1_run(tf1, zero_debias=False):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        with tf1.variable_scope("net"):
            w = tf1.get_variable("w", [2], initializer=tf1.ones_initializer())
            b = tf1.Variable([2.0], name="b")
        step = tf1.Variable(0, trainable=False, name="step")
        new_w = tf1.placeholder(tf1.float32, [2])
        assign_w = tf1.assign(w, new_w)
        with tf1.variable_scope("train"):
            ema = tf1.train.ExponentialMovingAverage(
                0.9, num_updates=step, zero_debias=zero_debias
            )
            with tf1.control_dependencies([assign_w]):
                update = ema.apply([w, b])
        with tf1.control_dependencies([update]):
            advance = tf1.assign_add(step, 1)
        names = [v.name for v in tf1.global_variables()]
        restore_keys = sorted(ema.variables_to_restore())
        sess.run(tf1.global_variables_initializer())
        averages = []
        for value in VALUES:
            sess.run(advance, {new_w: value})
            averages.append(sess.run(ema.average(w)))
        return names, restore_keys, np.array(averages), ema.average_name(w)


def model(new_w, zero_debias=False):
    with tf.variable_scope("net"):
        w = tf.get_variable("w", [2], initializer=tf.ones_initializer())
        b = tf.Variable([2.0], name="b")
    step = tf.Variable(0, trainable=False, name="step")
    w = fs.assign(w, new_w)
    with tf.variable_scope("train"):
        ema = tf.train.ExponentialMovingAverage(0.9, num_updates=step, zero_debias=zero_debias)
        ema.apply([w, b])
    fs.assign_add(step, 1)
    return (
        [v.name for v in tf.global_variables()],
        sorted(ema.variables_to_restore()),
        ema.average(w),
        ema.average_name(w),
    )


@pytest.mark.parametrize("zero_debias", [False, True])
def test_ema_matches_tf1(tf1, zero_debias):
    """zero_debias=True too: TF1 debiases only averages of tensors, never of variables."""
    names, restore_keys, averages, average_name = tf1_run(tf1, zero_debias)
    f = fs.transform(lambda x: model(x, zero_debias))
    (our_names, our_keys, _, our_avg_name), variables = f.init_with_output(0, jnp.ones(2))
    assert our_names == names
    assert our_keys == restore_keys
    assert our_avg_name == average_name == "train/net/w/ExponentialMovingAverage"

    @jax.jit
    def step(variables, x):
        out, updates = f.apply(variables, x, mutable=["params", "state"])
        return out[2], updates  # the average of w after this step

    ours = []
    for value in VALUES:
        avg, variables = step(variables, jnp.asarray(value))
        ours.append(np.asarray(avg))
    np.testing.assert_allclose(np.array(ours), averages, rtol=1e-6, atol=1e-6)  # float32


def test_ema_needs_mutable_state_and_float_variables():
    f = fs.transform(model)
    variables = f.init(0, jnp.ones(2))
    with pytest.raises(ValueError, match="mutable"):
        f.apply(variables, jnp.ones(2))

    def ints():
        v = tf.get_variable("n", [], dtype=tf.int32)
        tf.train.ExponentialMovingAverage(0.5).apply([v])

    with pytest.raises(TypeError, match="half, float, or double: n"):
        fs.transform(ints).init(0)


def test_averaging_a_tensor_says_how_to_port_it():
    def program(x):
        mean, _ = tf.nn.moments(x, [0])
        tf.train.ExponentialMovingAverage(0.5).apply([mean])

    model = fs.transform(program)
    with pytest.raises(ValueError, match=r"ExponentialMovingAverage\.apply averages variables") as e:
        model.init(jax.random.key(0), jnp.ones((4, 3)))
    assert "moments/Squeeze/ExponentialMovingAverage" in str(e.value)
    assert "tf.layers.batch_normalization" in str(e.value)
