"""tf.custom_gradient against tf.compat.v1 (graph mode, tf.gradients), and under JAX's
transforms and flaxscope.transform."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as fst

X = np.float32([-3.0, 0.0, 2.5, 100.0])


def _log1pexp(tf, x):
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))

        return tf.log(1 + e), grad

    y = log1pexp(x)
    return [y], tf.reduce_sum(y * 2.0)


def _clip_identity(tf, x):
    @tf.custom_gradient
    def clip_gradient(x):
        def grad(dy):
            return tf.clip_by_value(dy, -0.5, 0.5)

        return tf.identity(x), grad

    y = clip_gradient(x)
    return [y], tf.reduce_sum(y * tf.constant([3.0, -0.25, 1.0, -2.0]))


def _two_inputs(tf, x, w):
    @tf.custom_gradient
    def scaled_product(a, b):
        def grad(dy):
            return dy * b * 2.0, [dy * a * 3.0]  # a list inside the tuple: flattened as TF

        return a * b, grad

    y = scaled_product(x, w)
    return [y], tf.reduce_sum(y)


def _two_outputs(tf, x, w):
    @tf.custom_gradient
    def sum_and_product(a, b):
        def grad(d_sum, d_product):
            return d_sum + d_product * b, d_sum - d_product * a

        return (a + b, a * b), grad

    total, product = sum_and_product(x, w)
    return [total, product], tf.reduce_sum(total * 2.0 + product)


def _nested_outputs(tf, x, w):
    @tf.custom_gradient
    def parts(a, b):
        def grad(d1, d2, d3):
            return d1 + d3, d2 * 10.0

        return ((a * 2.0, b * 2.0), a - b), grad

    (p, q), r = parts(x, w)
    return [p, q, r], tf.reduce_sum(p + 2.0 * q + 3.0 * r)


def _single_gradient_in_a_list(tf, x):
    @tf.custom_gradient
    def f(a):
        return a * a, lambda dy: [dy * 7.0]

    y = f(x)
    return [y], tf.reduce_sum(y)


CASES = {
    "log1pexp": (_log1pexp, [X]),
    "clip gradient": (_clip_identity, [X]),
    "two inputs": (_two_inputs, [X, X[::-1] * 0.5]),
    "two outputs": (_two_outputs, [X, X[::-1] * 0.5]),
    "nested outputs": (_nested_outputs, [X, X[::-1] * 0.5]),
    "one gradient in a list": (_single_gradient_in_a_list, [X]),
}


def _tf1(tf1, build, inputs):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        xs = [tf1.constant(v) for v in inputs]
        ys, loss = build(tf1, *xs)
        return sess.run([ys, tf1.gradients(loss, xs)])


def _ours(build, inputs, wrap=lambda f: f):
    def loss_fn(*xs):
        ys, loss = build(fst, *xs)
        return loss, ys

    argnums = tuple(range(len(inputs)))
    (_, ys), grads = wrap(jax.value_and_grad(loss_fn, argnums=argnums, has_aux=True))(*inputs)
    return ys, list(grads)


def _assert_close(got, want):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("label", list(CASES))
def test_values_and_gradients_match_tf1(tf1, label):
    build, inputs = CASES[label]
    want_ys, want_grads = _tf1(tf1, build, inputs)
    got_ys, got_grads = _ours(build, inputs)
    _assert_close(got_ys, want_ys)
    _assert_close(got_grads, want_grads)
    # the same under jit, and with jit inside grad
    _assert_close(_ours(build, inputs, jax.jit)[1], want_grads)
    jitted = jax.grad(jax.jit(lambda *xs: build(fst, *xs)[1]), argnums=tuple(range(len(inputs))))
    _assert_close(jitted(*inputs), want_grads)


def test_second_derivative_through_grad_fn_matches_tf1(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.constant(X[:3])
        _, loss = _log1pexp(tf1, x)
        (g,) = tf1.gradients(loss, [x])
        want = sess.run(tf1.gradients(tf1.reduce_sum(g), [x])[0])
    got = jax.grad(lambda x: jax.grad(lambda x: _log1pexp(fst, x)[1])(x).sum())(X[:3])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_integer_inputs_get_no_gradient(tf1):
    def build(tf, x, n):
        @tf.custom_gradient
        def times(a, k):
            def grad(dy):
                return dy * tf.cast(k, tf.float32) * 2.0, None

            return a * tf.cast(k, tf.float32), grad

        return times(x, n)

    n = np.int32(3)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x, k = tf1.constant(X), tf1.constant(n)
        y = build(tf1, x, k)
        grad_x, grad_n = tf1.gradients(tf1.reduce_sum(y), [x, k])
        assert grad_n is None
        want = sess.run(grad_x)
    got_x, got_n = jax.grad(lambda x, k: build(fst, x, k).sum(), argnums=(0, 1), allow_int=True)(
        X, n
    )
    np.testing.assert_allclose(got_x, want)
    assert got_n.dtype == jax.dtypes.float0
    # a gradient returned for an integer input is ignored, not an error
    sloppy = fst.custom_gradient(lambda a, k: (a * k, lambda dy: (dy, dy)))
    np.testing.assert_allclose(jax.grad(lambda x: sloppy(x, n).sum())(X), np.ones(4))


def test_vmap_and_jit():
    build, _ = CASES["log1pexp"]
    per_row = jax.vmap(jax.grad(lambda x: build(fst, x)[1]))(np.stack([X, -X]))
    want = 2.0 / (1.0 + np.exp(-np.stack([X, -X]).astype(np.float64)))
    np.testing.assert_allclose(per_row, want, rtol=1e-6, atol=1e-7)
    outside = jax.grad(lambda xs: jax.vmap(lambda x: build(fst, x)[1])(xs).sum())(np.stack([X, -X]))
    np.testing.assert_allclose(outside, want, rtol=1e-6, atol=1e-7)
    values = jax.jit(lambda x: build(fst, x)[0][0])(X)
    np.testing.assert_allclose(values[:3], np.log1p(np.exp(X[:3])), rtol=1e-6)
    assert np.isinf(values[3])  # float32's exp overflows in the forward pass, as in TF


def test_inside_transform_apply():
    def model(x):
        w = fst.get_variable("w", [4], initializer=fst.constant_initializer(0.5))
        return _log1pexp(fst, x * w)[1]

    f = fs.transform(model)
    variables = f.init(jax.random.PRNGKey(0), X)
    grads = jax.jit(jax.grad(lambda p: f.apply({"params": p}, X)))(variables["params"])
    np.testing.assert_allclose(grads["w"], X * 2.0 / (1.0 + np.exp(-0.5 * X)), rtol=1e-6)


def test_methods_and_the_called_form():
    class Layer:
        scale = 4.0

        @fst.custom_gradient
        def __call__(self, x):
            return x * 1.0, lambda dy: dy * self.scale

        @fst.custom_gradient()
        def double(self, x):
            return x * 2.0, lambda dy: dy * 2.0

    layer = Layer()
    np.testing.assert_allclose(jax.grad(lambda x: layer(x).sum())(X), np.full(4, 4.0))
    np.testing.assert_allclose(jax.grad(lambda x: layer.double(x).sum())(X), np.full(4, 2.0))
    assert Layer.double.__name__ == "double"


def test_tracing_grad_fn_takes_no_names():
    """TF1 builds grad_fn's ops only when tf.gradients runs: a name used in grad_fn is still
    free for the model afterwards."""

    @fst.custom_gradient
    def f(x):
        return x * 2.0, lambda dy: fst.identity(dy * 2.0, name="g")

    f(X)
    assert fs.name_of(fst.Variable(0.0, name="g")) == "g:0"


def test_wrong_number_of_gradients_is_an_error():
    @fst.custom_gradient
    def f(a, b):
        return a * b, lambda dy: dy

    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 1"):
        f(X, X)

    @fst.custom_gradient
    def g(a):
        return a * 2.0, lambda dy: dy[:2]

    with pytest.raises(ValueError, match=r"gradient of shape \(2,\) for input 0"):
        g(X)


def test_variables_in_grad_fn_are_refused_with_how_to_port(tf1):
    def build(tf):
        w = tf.get_variable("w", initializer=2.0)

        @tf.custom_gradient
        def f(x):
            def grad(dy, variables=None):
                return dy, [dy * 10.0 for _ in variables]

            return x * w, grad

        return f(tf.constant(3.0))

    with tf1.Graph().as_default():
        build(tf1)  # TF1 accepts it
    with pytest.raises(NotImplementedError, match="pass its value as an argument"):
        build(fst)


def test_variable_created_inside_f_without_variables_argument(tf1):
    def build(tf):
        w = tf.get_variable("w", initializer=2.0)

        @tf.custom_gradient
        def f(x):
            return x * w, lambda dy: dy

        return f(tf.constant(3.0))

    with tf1.Graph().as_default(), pytest.raises(TypeError) as expected:
        build(tf1)

    def inside(tf, x):
        @tf.custom_gradient
        def f(x):
            v = tf.get_variable("v", initializer=2.0)
            return x * v, lambda dy: dy

        return f(x)

    with pytest.raises(TypeError) as got:
        inside(fst, jnp.float32(3.0))
    head = "@tf.custom_gradient grad_fn must accept keyword argument 'variables'"
    assert str(expected.value).startswith(head)
    assert str(got.value).startswith(head)
    assert "['v']" in str(got.value)
