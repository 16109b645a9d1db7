"""Gradients where TF1's and JAX's derivative rules part: ties of max/min, |x| at 0, the
sigmoid cross-entropies at a logit of 0 (a zero-initialized output layer's first step),
clipping at a bound, SELU at 0, xlogy/xdivy where x is 0. The values agree either way; the
gradients must be TF1's (``tf.gradients`` in graph mode is the oracle)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope.compat.v1 as tf

X = np.array([0.0, 1.0, -0.5, 2.0], np.float32)  # a zero, a bound (-0.5), values on each side
Z = np.array([0.3, 1.0, 0.0, 0.7], np.float32)

# name -> loss(tf, x): a scalar of x, built from the op under test
CASES = {
    "abs": lambda tf, x: tf.reduce_sum(tf.abs(x)),
    "l1 penalty on zero biases": lambda tf, x: 0.01 * tf.reduce_sum(tf.abs(x * 0.0 + x)),
    "absolute_difference at a perfect fit": lambda tf, x: tf.losses.absolute_difference(
        x, x * 1.0 + tf.stop_gradient(x) * 0.0
    ),
    "norm ord=1": lambda tf, x: tf.norm(x, ord=1),
    "norm ord=inf": lambda tf, x: tf.norm(x, ord=np.inf),
    "huber at delta": lambda tf, x: tf.losses.huber_loss(tf.zeros_like(x), x, delta=2.0),
    "sigmoid_cross_entropy_with_logits": lambda tf, x: tf.reduce_sum(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=Z, logits=x)
    ),
    "losses.sigmoid_cross_entropy": lambda tf, x: (
        tf.losses.sigmoid_cross_entropy(tf.ones_like(x), x * 0.0)
        + tf.losses.sigmoid_cross_entropy(tf.ones_like(x), x)
    ),
    "weighted_cross_entropy_with_logits": lambda tf, x: tf.reduce_sum(
        tf.nn.weighted_cross_entropy_with_logits(Z, x, 2.0)
    ),
    "clip_by_value at its bounds": lambda tf, x: tf.reduce_sum(tf.clip_by_value(x, -0.5, 1.0)),
    "clip_by_value of relu6-like": lambda tf, x: tf.reduce_sum(
        tf.clip_by_value(tf.nn.relu(x), 0.0, 2.0)
    ),
    "clip_by_norm at the norm": lambda tf, x: tf.reduce_sum(
        tf.clip_by_norm(x, float(np.linalg.norm(X)))
    ),
    "clip_by_global_norm at the norm": lambda tf, x: tf.reduce_sum(
        tf.clip_by_global_norm([x], float(np.linalg.norm(X)))[0][0]
    ),
    "maximum tie": lambda tf, x: tf.reduce_sum(tf.maximum(x, 0.0) + tf.minimum(x, 1.0)),
    "selu": lambda tf, x: tf.reduce_sum(tf.nn.selu(x)),
    "elu": lambda tf, x: tf.reduce_sum(tf.nn.elu(x)),
    "xlogy at x = 0": lambda tf, x: tf.reduce_sum(tf.math.xlogy(x, tf.abs(x) + 0.5)),
    "xlogy at y = 0": lambda tf, x: tf.reduce_sum(tf.math.xlogy(x * 0.0, x)),
    "xlog1py at x = 0": lambda tf, x: tf.reduce_sum(tf.math.xlog1py(x, tf.abs(x))),
    "xdivy at x = 0": lambda tf, x: tf.reduce_sum(tf.math.xdivy(x, tf.abs(x) + 1.0)),
    "xdivy at y = 0": lambda tf, x: tf.reduce_sum(tf.math.xdivy(x * 0.0, x)),
    "softmax cross-entropy, multi-hot labels": lambda tf, x: tf.reduce_sum(
        tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=[[1.0, 1.0, 0.0, 0.0], [0.5, 0.0, 0.25, 0.0]], logits=tf.stack([x, 2 * x])
        )
    ),
    "softmax cross-entropy, gradient of the labels": lambda tf, x: tf.reduce_sum(
        tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=tf.stack([tf.nn.relu(x), tf.nn.relu(-x)]), logits=np.stack([X, -X])
        )
    ),
    "losses.softmax_cross_entropy, soft labels": lambda tf, x: tf.losses.softmax_cross_entropy(
        [[0.6, 0.6, 0.0, 0.3]], [x]
    ),
    "l2_normalize of zeros": lambda tf, x: tf.reduce_sum(tf.nn.l2_normalize(x * 0.0 + x[:1] * 0.0)),
}


@pytest.fixture(scope="module")
def tf1_gradients(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.constant(X)
        losses = {name: fn(tf1, x) for name, fn in CASES.items()}
        grads = {name: tf1.gradients(loss, x)[0] for name, loss in losses.items()}
        return sess.run({"loss": losses, "grad": grads})


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_is_tf1s(name, tf1_gradients):
    loss, grad = jax.value_and_grad(lambda x: CASES[name](tf, x))(jnp.asarray(X))
    np.testing.assert_allclose(loss, tf1_gradients["loss"][name], rtol=1e-6)
    np.testing.assert_allclose(grad, tf1_gradients["grad"][name], rtol=1e-6, atol=1e-7)


def test_the_rules_keep_forward_mode_vmap_and_second_derivatives():
    x = jnp.asarray(X)
    for name in ("abs", "maximum tie", "xlogy at x = 0", "selu", "clip_by_value at its bounds"):
        f = lambda v, name=name: CASES[name](tf, v)  # noqa: E731
        reverse = jax.grad(f)(x)
        forward = jax.jacfwd(f)(x)
        np.testing.assert_allclose(forward, reverse, rtol=1e-6, err_msg=name)
        batched = jax.vmap(jax.grad(f))(jnp.stack([x, 2 * x]))
        np.testing.assert_allclose(batched[0], reverse, rtol=1e-6, err_msg=name)
        assert jax.hessian(f)(x).shape == (4, 4)
