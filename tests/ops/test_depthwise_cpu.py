"""The depthwise convolution on CPU (ops/_depthwise.py): shifted, weighted slices of the
input instead of XLA's grouped convolution. Values, gradients, forward mode and vmap equal
the grouped ``lax`` convolution's over strides, dilations, paddings, formats and channel
multipliers (TF1 itself is the oracle in test_ops_nn_conv.py); the compiled program has no
convolution on CPU, and keeps the grouped one for other dtypes."""

import itertools
import re

import jax
import jax.numpy as jnp
import numpy as np

import flaxscope.compat.v1 as tf


def _rand(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _grouped(x, w, strides, padding, rate, fmt):
    kh, kw, c, m = w.shape
    spec = (fmt, "HWIO", fmt)
    return jax.lax.conv_general_dilated(
        x,
        w.reshape(kh, kw, 1, c * m),
        strides,
        padding,
        rhs_dilation=(rate, rate),
        dimension_numbers=spec,
        feature_group_count=c,
    )


def _cases():
    for stride, padding, fmt, rate, mult in itertools.product(
        (1, 2), ("SAME", "VALID", [(1, 0), (2, 1)]), ("NHWC", "NCHW"), (1, 2), (1, 3)
    ):
        if stride == 2 and rate == 2:
            continue  # TF refuses strides and dilations together
        yield stride, padding, fmt, rate, mult


def _tf_args(stride, padding, fmt):
    strides = [1, stride, stride, 1] if fmt == "NHWC" else [1, 1, stride, stride]
    if isinstance(padding, str):
        return strides, padding
    outer = [[0, 0], [0, 0]]
    pairs = [list(p) for p in padding]
    return strides, (outer[:1] + pairs + outer[1:] if fmt == "NHWC" else outer + pairs)


def _loss(f):
    return lambda x, w: jnp.sum(jnp.sin(f(x, w)))


def test_values_and_gradients_equal_the_grouped_convolution():
    n = 0
    for stride, padding, fmt, rate, mult in _cases():
        shape = (2, 9, 7, 3) if fmt == "NHWC" else (2, 3, 9, 7)
        x, w = _rand(shape), _rand((3, 2, 3, mult), seed=1)
        strides, tf_padding = _tf_args(stride, padding, fmt)

        def ours(x, w, strides=strides, tf_padding=tf_padding, fmt=fmt, rate=rate):
            return tf.nn.depthwise_conv2d(
                x, w, strides, tf_padding, rate=[rate, rate], data_format=fmt
            )

        def ref(x, w, stride=stride, padding=padding, fmt=fmt, rate=rate):
            return _grouped(x, w, (stride, stride), padding, rate, fmt)

        case = (stride, padding, fmt, rate, mult)

        def both(x, w, ours=ours, ref=ref):  # one compilation per case
            grads = [jax.grad(_loss(f), (0, 1))(x, w) for f in (ours, ref)]
            return ours(x, w), ref(x, w), *grads

        y, y_ref, got, want = jax.jit(both)(x, w)
        np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5)
        for g, r, what in zip(got, want, ("input", "filter"), strict=True):
            np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-5, err_msg=f"{what} {case}")
        n += 1
    assert n == 36


def test_forward_mode_vmap_and_second_derivatives():
    x, w = _rand((2, 6, 5, 4)), _rand((3, 3, 4, 2), seed=1)
    tx, tw = _rand(x.shape, seed=2), _rand(w.shape, seed=3)

    def ours(x, w):
        return tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")

    def ref(x, w):
        return _grouped(x, w, (1, 1), "SAME", 1, "NHWC")

    out, tangent = jax.jvp(ours, (x, w), (tx, tw))
    np.testing.assert_allclose(out, ref(x, w), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tangent, jax.jvp(ref, (x, w), (tx, tw))[1], rtol=1e-5, atol=1e-5)
    hess = jax.hessian(lambda w: jnp.sum(jnp.tanh(ours(x, w))))(w)
    hess_ref = jax.hessian(lambda w: jnp.sum(jnp.tanh(ref(x, w))))(w)
    np.testing.assert_allclose(hess, hess_ref, rtol=1e-4, atol=1e-4)
    xs = np.stack([x, 2 * x])
    np.testing.assert_allclose(
        jax.vmap(ours, (0, None))(xs, w), jax.vmap(ref, (0, None))(xs, w), rtol=1e-5, atol=1e-5
    )


def _grouped_convolutions(fn, *args):
    """Grouped convolutions (``feature_group_count`` > 1) in the compiled program."""
    text = jax.jit(fn).lower(*args).compile().as_text()
    return len(re.findall(r"convolution\(.*feature_group_count=\d+", text))


def test_no_grouped_convolution_on_cpu_for_float32_only():
    x, w = _rand((2, 6, 5, 4)), _rand((3, 3, 4, 1), seed=1)

    def forward(x, w):
        return tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")

    grouped = 0 if jax.default_backend() == "cpu" else 1
    assert _grouped_convolutions(forward, x, w) == grouped
    backward = jax.grad(lambda x, w: jnp.sum(forward(x, w)), (0, 1))
    assert (_grouped_convolutions(backward, x, w) > 0) == bool(grouped)
    half = jnp.asarray(x, jnp.float16), jnp.asarray(w, jnp.float16)
    assert _grouped_convolutions(forward, *half) == 1
    # the separable convolution's depthwise half takes the same path
    pointwise = _rand((1, 1, 4, 6), seed=2)
    separable = tf.nn.separable_conv2d
    calls = _grouped_convolutions(lambda x: separable(x, w, pointwise, [1, 1, 1, 1], "SAME"), x)
    assert calls == grouped
