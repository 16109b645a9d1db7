"""tf.layers.batch_normalization against TF1: names, training outputs, moving statistics."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

SHAPES = [(6, 3), (2, 4, 4, 3), (2, 3, 3, 3, 2)]


def batches(shape):
    rng = np.random.default_rng(sum(shape))
    return [(rng.normal(size=shape) * 2 + 1).astype(np.float32) for _ in range(3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_matches_tf1(tf1, shape):
    xs = batches(shape)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.placeholder(tf1.float32, shape)
        training = tf1.placeholder(tf1.bool, [])
        y = tf1.layers.batch_normalization(x, momentum=0.9, training=training)
        updates = tf1.get_collection(tf1.GraphKeys.UPDATE_OPS)
        names = [v.name[:-2] for v in tf1.global_variables()]
        trainable = [v.name[:-2] for v in tf1.trainable_variables()]
        sess.run(tf1.global_variables_initializer())
        expected_train = [sess.run([y, updates], {x: b, training: True})[0] for b in xs]
        stats = dict(zip(names, sess.run(tf1.global_variables()), strict=True))
        expected_eval = sess.run(y, {x: xs[0], training: False})

    f = fs.transform(lambda x, t: tf.layers.batch_normalization(x, momentum=0.9, training=t))
    variables = f.init(0, xs[0], False)
    assert sorted(variables["params"]) == sorted(trainable)
    assert sorted([*variables["params"], *variables["state"]]) == sorted(names)
    step = jax.jit(lambda v, x: f.apply(v, x, True, mutable=True))
    for b, want in zip(xs, expected_train, strict=True):
        out, updates = step(variables, b)
        variables = {**variables, **updates}
        np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    for k in variables["state"]:
        np.testing.assert_allclose(variables["state"][k], stats[k], rtol=1e-5, err_msg=k)
    np.testing.assert_allclose(f.apply(variables, xs[0], False), expected_eval, atol=1e-5)
    # a traced training flag selects the same two behaviours
    flagged = jax.jit(lambda v, x, t: f.apply(v, x, t, mutable=True)[0])
    np.testing.assert_allclose(flagged(variables, xs[0], False), expected_eval, atol=1e-5)


def test_training_needs_mutable_state():
    f = fs.transform(lambda x: tf.layers.batch_normalization(x, training=True))
    variables = f.init(0, jnp.ones((4, 2)))
    with pytest.raises(ValueError, match="mutable=True"):
        f.apply(variables, jnp.ones((4, 2)))
