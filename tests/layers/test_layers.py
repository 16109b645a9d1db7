"""tf.layers.dense / conv2d / flatten: TF1's names, uniquification, reuse and outputs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf


def program(t, x, img):
    h = t.layers.dense(x, 3, activation=jax.nn.relu if t is tf else t.nn.relu)
    h = t.layers.dense(h, 3, name="fc")
    h = t.layers.dense(h, 3)
    with t.variable_scope("net"):
        y = t.layers.conv2d(img, 4, 3, padding="same")
        y = t.layers.conv2d(y, 5, (3, 2), strides=2)
        flat = t.layers.flatten(y)
    shared = t.layers.Dense(2, name="shared")
    a, b = shared(x), shared(2 * x)
    again = t.layers.dense(h, 3, name="fc", reuse=True)
    return h, y, flat, a, b, again


def test_layers_match_tf1(tf1):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4)).astype(np.float32)
    img = rng.normal(size=(1, 8, 8, 3)).astype(np.float32)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        outs = program(tf1, tf1.constant(x), tf1.constant(img))
        sess.run(tf1.global_variables_initializer())
        names = [v.name[:-2] for v in tf1.global_variables()]
        weights = dict(zip(names, sess.run(tf1.global_variables()), strict=True))
        expected = sess.run(outs)
    f = fs.transform(lambda x, img: program(tf, x, img))
    variables = f.init(0, x, img)
    assert [(k, v.shape) for k, v in variables["params"].items()] == [
        (k, weights[k].shape) for k in names
    ]
    got = jax.jit(f.apply)({"params": weights}, x, img)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(np.asarray(g), e, rtol=1e-5, atol=1e-5)


def test_a_module_level_layer_works_in_every_call():
    layer = tf.layers.Dense(3, name="proj")
    g = fs.transform(lambda x: (layer(x), layer(x), [v.name for v in layer.variables]))
    x = jnp.ones((1, 2))
    (_, _, names), variables = g.init_with_output(0, x)
    assert names == ["proj/kernel:0", "proj/bias:0"]
    assert list(variables["params"]) == ["proj/kernel", "proj/bias"]
    a, b, _ = g.apply(variables, x)
    np.testing.assert_array_equal(a, b)
    assert list(g.init(1, x)["params"]) == ["proj/kernel", "proj/bias"]


def test_conv2d_argument_errors_are_tf1s(tf1):
    for kwargs in (
        dict(filters=4, kernel_size=3, padding="full"),
        dict(filters=4, kernel_size=3, padding="causal"),
        dict(filters=0, kernel_size=3),
        dict(filters=4, kernel_size=(3, 3, 3)),
        dict(filters=4, kernel_size=3, strides=2, dilation_rate=2),
    ):
        with pytest.raises(ValueError) as theirs:
            tf1.layers.Conv2D(**kwargs)
        with pytest.raises(ValueError) as ours:
            tf.layers.Conv2D(**kwargs)
        assert str(ours.value).startswith(str(theirs.value)), kwargs
