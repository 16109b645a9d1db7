"""The 2-D convolution on CPU (ops/_conv_grad.py), its forward pass split into batch parts
and its kernel gradient summed over batch chunks: equal to the single convolution of lax
and of TF1 over a grid of strides, paddings, dilations and formats; forward mode, vmap and
second derivatives still work; the parts and chunks are really there on CPU and absent
below the batch threshold."""

import itertools
import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope.compat.v1 as tf
from flaxscope.ops import _conv_grad

BATCH = _conv_grad.MIN_BATCH + 3  # not a multiple of the chunk: a short last chunk


def _rand(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _lax_conv(x, w, strides, padding, dilations, fmt):
    spec = (fmt, "HWIO", fmt)
    return jax.lax.conv_general_dilated(
        x, w, strides, padding, rhs_dilation=dilations, dimension_numbers=spec
    )


def _pads(padding, fmt):
    """(TF's padding argument, lax's) for "SAME"/"VALID" or explicit spatial pairs."""
    if isinstance(padding, str):
        return padding, padding
    full = [[0, 0], *padding, [0, 0]] if fmt == "NHWC" else [[0, 0], [0, 0], *padding]
    return full, [tuple(p) for p in padding]


def _grid():
    """Stride, dilation and padding combinations, each in NHWC; NCHW and a 1x1 kernel once."""
    for (strides, dil), padding in itertools.product(
        (((1, 1), 1), ((2, 1), 1), ((1, 1), 2)), ("SAME", "VALID", [[1, 2], [0, 1]])
    ):
        yield 3, strides, padding, dil, "NHWC"
        if padding == "SAME":
            yield 3, strides, padding, dil, "NCHW"
    yield 1, (1, 2), "VALID", 1, "NHWC"


def _both_gradients(x, w, strides, padding, dil, fmt):
    """Gradients of the same loss through tf.nn.conv2d (jitted) and through lax."""
    tf_pad, lax_pad = _pads(padding, fmt)
    full = [1, *strides, 1] if fmt == "NHWC" else [1, 1, *strides]

    def ours(x, w):
        y = tf.nn.conv2d(x, w, full, tf_pad, data_format=fmt, dilations=dil)
        return jnp.sum(jnp.sin(y) * y)

    def ref(x, w):
        y = _lax_conv(x, w, strides, lax_pad, (dil, dil), fmt)
        return jnp.sum(jnp.sin(y) * y)

    return jax.jit(jax.grad(ours, (0, 1)))(x, w), jax.grad(ref, (0, 1))(x, w)


@pytest.mark.parametrize("grow", [False, True], ids=["plain-input-grad", "grown-input-grad"])
def test_gradients_equal_the_single_convolution_over_a_grid(grow, monkeypatch):
    monkeypatch.setattr(_conv_grad, "MIN_GROWN_WORK", 0 if grow else 2**62)
    n = 0
    for case in _grid():
        k, strides, padding, dil, fmt = case
        # wide enough for the dilated 3x4 kernel's VALID extent (7), which TF requires
        shape = (BATCH, 7, 8, 3) if fmt == "NHWC" else (BATCH, 3, 7, 8)
        x, w = _rand(shape), _rand((k, k + 1, 3, 5), seed=1)
        got, want = _both_gradients(x, w, strides, padding, dil, fmt)
        for g, r, what in zip(got, want, ("input", "kernel"), strict=True):
            scale = float(jnp.max(jnp.abs(r)))
            np.testing.assert_allclose(
                g, r, rtol=1e-5, atol=2e-6 * scale, err_msg=f"{what} gradient, {case}"
            )
        n += 1
    assert n == 13


def test_forward_mode_vmap_and_second_derivatives(monkeypatch):
    # a kernel deep enough for the split forward pass as well as the chunked kernel gradient,
    # and every convolution's input tangent grown
    monkeypatch.setattr(_conv_grad, "MIN_GROWN_WORK", 0)
    x, w = _rand((BATCH, 5, 5, 8)), _rand((3, 3, 8, 3), seed=1)
    tx, tw = _rand(x.shape, seed=2), _rand(w.shape, seed=3)

    def ours(x, w):
        return tf.nn.conv2d(x, w, 1, "SAME")

    def ref(x, w):
        return _lax_conv(x, w, (1, 1), "SAME", (1, 1), "NHWC")

    out, tangent = jax.jvp(ours, (x, w), (tx, tw))
    out_ref, tangent_ref = jax.jvp(ref, (x, w), (tx, tw))
    np.testing.assert_allclose(out, out_ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(tangent, tangent_ref, rtol=1e-5, atol=1e-5)
    # only the kernel perturbed, only the input perturbed
    for args in ((jnp.zeros_like(tx), tw), (tx, jnp.zeros_like(tw))):
        np.testing.assert_allclose(
            jax.jvp(ours, (x, w), args)[1], jax.jvp(ref, (x, w), args)[1], rtol=1e-5, atol=1e-5
        )

    def loss(f):
        return lambda w, x: jnp.sum(jnp.tanh(f(x, w)))

    hess = jax.hessian(loss(ours))(w, x)
    hess_ref = jax.hessian(loss(ref))(w, x)
    np.testing.assert_allclose(hess, hess_ref, rtol=1e-4, atol=1e-4)
    xs = np.stack([x, 2 * x])
    np.testing.assert_allclose(
        jax.jit(jax.vmap(ours, (0, None)))(xs, w),
        jax.vmap(ref, (0, None))(xs, w),
        rtol=1e-5,
        atol=1e-5,
    )
    per = jax.vmap(jax.grad(loss(ours)), (None, 0))(w, xs)
    per_ref = jax.vmap(jax.grad(loss(ref)), (None, 0))(w, xs)
    np.testing.assert_allclose(per, per_ref, rtol=1e-5, atol=1e-4)


def test_gradients_match_tf1(tf1):
    tf2 = pytest.importorskip("tensorflow", reason="the oracle is TensorFlow's own gradient")
    x, w = _rand((BATCH, 9, 8, 4)), _rand((3, 3, 4, 6), seed=1)
    for strides, padding in (([1, 1, 1, 1], "SAME"), ([1, 2, 2, 1], "VALID")):

        def ours(x, w, strides=strides, padding=padding):
            return jnp.sum(jnp.square(tf.nn.conv2d(x, w, strides, padding)))

        gx, gw = jax.jit(jax.grad(ours, (0, 1)))(x, w)
        xs, ws = tf2.constant(x), tf2.constant(w)
        with tf2.GradientTape() as tape:
            tape.watch([xs, ws])
            loss = tf2.reduce_sum(tf2.square(tf1.nn.conv2d(xs, ws, strides, padding)))
        ex, ew = tape.gradient(loss, [xs, ws])
        for g, e in ((gx, ex), (gw, ew)):
            scale = float(np.abs(e).max())
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=2e-6 * scale)


def _convolutions(fn, *args):
    """Convolution instructions in the compiled program (one per line that has one)."""
    text = jax.jit(fn).lower(*args).compile().as_text()
    return sum(1 for line in text.splitlines() if re.search(r"=\s*\S+\s+convolution\(", line))


def test_chunks_on_cpu_and_none_below_the_threshold():
    w = _rand((3, 3, 2, 4), seed=1)

    def kernel_grad(x, w):
        return jax.grad(lambda w: jnp.sum(tf.nn.conv2d(x, w, 1, "SAME") ** 2))(w)

    big = _rand((4 * _conv_grad.CHUNK, 6, 6, 2))
    small = _rand((_conv_grad.MIN_BATCH - 1, 6, 6, 2))
    huge = _rand((4 * _conv_grad.MAX_CHUNKS * _conv_grad.CHUNK, 2, 2, 2))
    if jax.default_backend() == "cpu":
        assert _convolutions(kernel_grad, big, w) >= 4
        # larger batches get larger chunks: at most MAX_CHUNKS convolutions (+ the forward)
        most = _conv_grad.MAX_CHUNKS + _conv_grad.FORWARD_PARTS
        assert _convolutions(kernel_grad, huge, w[:1, :1]) <= most
    assert _convolutions(kernel_grad, small, w) <= 2


def test_forward_pass_in_batch_parts_on_cpu():
    """On CPU the forward convolution of a deep enough kernel is FORWARD_PARTS convolutions
    over parts of the batch (an odd batch included), with the single convolution's values;
    a cheap kernel, a 1x1 kernel and a batch below the threshold keep one convolution."""
    deep = _rand((3, 3, 8, 4), seed=1)  # 72 products per output
    cheap = _rand((3, 3, 2, 4), seed=1)  # 18
    pointwise = _rand((1, 1, 80, 4), seed=1)  # 80, but a 1x1 kernel
    assert 9 * 8 >= _conv_grad.MIN_FORWARD_DEPTH > 9 * 2

    def forward(x, w):
        return tf.nn.conv2d(x, w, [1, 2, 1, 1], "SAME")

    cases = ((BATCH, deep), (_conv_grad.MIN_BATCH - 1, deep), (BATCH, cheap), (BATCH, pointwise))
    for batch, w in cases:
        x = _rand((batch, 7, 6, w.shape[2]))
        want = _lax_conv(x, w, (2, 1), "SAME", (1, 1), "NHWC")
        np.testing.assert_allclose(jax.jit(forward)(x, w), want, rtol=1e-5, atol=1e-5)
        split = jax.default_backend() == "cpu" and batch >= _conv_grad.MIN_BATCH and w is deep
        assert _convolutions(forward, x, w) == (_conv_grad.FORWARD_PARTS if split else 1)


def test_no_chunks_when_xla_cpu_runs_convolutions_on_eigen(monkeypatch):
    from flaxscope import xla_cpu

    w, x = _rand((3, 3, 2, 4), seed=1), _rand((4 * _conv_grad.CHUNK, 6, 6, 2))

    def kernel_grad(x, w):
        return jax.grad(lambda w: jnp.sum(tf.nn.conv2d(x, w, 1, "SAME") ** 2))(w)

    want = jax.grad(lambda w: jnp.sum(_lax_conv(x, w, (1, 1), "SAME", (1, 1), "NHWC") ** 2))(w)
    flag = f"{xla_cpu.FLAG}=+eltwise,-individual_convolution"
    monkeypatch.setenv("XLA_FLAGS", f"--xla_force_host_platform_device_count=8 {flag}")
    assert xla_cpu.eigen_convolutions()
    assert _convolutions(kernel_grad, x, w) <= 2  # the forward, unsplit, and one gradient
    np.testing.assert_allclose(jax.jit(kernel_grad)(x, w), want, rtol=1e-5, atol=1e-4)
    monkeypatch.setenv("XLA_FLAGS", f"{xla_cpu.FLAG}=-reduce")
    assert not xla_cpu.eigen_convolutions()


def _shapes_of_convolutions(fn, *args):
    text = jax.jit(fn).lower(*args).compile().as_text()
    return re.findall(r"=\s*f32\[([\d,]+)\]\S*\s+convolution\(", text)


def test_input_gradient_of_a_stride_one_convolution_grows_one_row_on_cpu(monkeypatch):
    """On CPU the input tangent of a large stride-1 convolution that keeps some padding at the
    end of its first spatial dimension is the convolution of the input padded by one row, so
    its transpose (the input gradient) is a convolution one row taller than the image:
    XLA:CPU runs that shape on Eigen's thread pool instead of YNNPACK's single core. The
    gradient's values are the plain convolution's; strided and VALID convolutions, small
    ones, and the switch turned off keep the plain input gradient, at any batch size."""
    w = _rand((3, 3, 8, 4), seed=1)

    def input_grad(stride, padding):
        def grad(x, w):
            return jax.grad(lambda x: jnp.sum(tf.nn.conv2d(x, w, stride, padding) ** 2))(x)

        return grad

    def grown(x, stride=1, padding="SAME"):
        fn = input_grad(stride, padding)
        want = jax.grad(
            lambda x: jnp.sum(_lax_conv(x, w, (stride,) * 2, padding, (1, 1), "NHWC") ** 2)
        )(x)
        np.testing.assert_allclose(jax.jit(fn)(x, w), want, rtol=1e-5, atol=1e-4)
        taller = ",".join(map(str, (x.shape[0], x.shape[1] + 1, *x.shape[2:])))
        return taller in _shapes_of_convolutions(fn, x, w)

    on_cpu = jax.default_backend() == "cpu"
    big, small_batch = _rand((BATCH, 7, 6, 8)), _rand((2, 7, 6, 8))
    work = big.size * 9 * 4
    monkeypatch.setattr(_conv_grad, "MIN_GROWN_WORK", work)
    assert grown(big) == on_cpu
    assert not grown(big, stride=2)
    assert not grown(big, padding="VALID")
    assert not grown(small_batch)  # below the work threshold
    monkeypatch.setattr(_conv_grad, "MIN_GROWN_WORK", small_batch.size * 9 * 4)
    assert grown(small_batch) == on_cpu  # a batch below MIN_BATCH, above the threshold
    monkeypatch.setattr(_conv_grad, "GROW_FOR_EIGEN", False)
    assert not grown(big)


def test_forward_pass_alone_is_one_row_taller_on_cpu(monkeypatch):
    """Outside differentiation, a large stride-1 "SAME" convolution on CPU is computed one
    output row taller and cropped (XLA:CPU then runs it on Eigen's thread pool): the values
    are lax's in NHWC and NCHW, dilated, at a batch below MIN_BATCH; VALID and strided
    convolutions, small ones and the switch turned off are not; under jax.grad the forward
    pass stays the (split) convolution of the training step."""
    on_cpu = jax.default_backend() == "cpu"

    def taller(x, w, stride=1, padding="SAME", fmt="NHWC", dil=1):
        strides = (stride, stride)

        def forward(x, w):
            return tf.nn.conv2d(x, w, stride, padding, data_format=fmt, dilations=dil)

        want = _lax_conv(x, w, strides, padding, (dil, dil), fmt)
        np.testing.assert_allclose(jax.jit(forward)(x, w), want, rtol=1e-5, atol=1e-5)
        rows = want.shape[fmt.index("H")]
        # XLA:CPU may transpose an NCHW convolution to NHWC: compare sizes, not shapes
        size = want.size // rows * (rows + 1)
        return size in [
            math.prod(map(int, s.split(","))) for s in _shapes_of_convolutions(forward, x, w)
        ]

    w = _rand((3, 3, 8, 5), seed=1)
    x, x_nchw = _rand((BATCH, 7, 6, 8)), _rand((2, 8, 7, 6))
    monkeypatch.setattr(_conv_grad, "MIN_GROWN_WORK", x_nchw.size * 3 * 3 * 5)
    assert taller(x, w) == on_cpu
    assert taller(x_nchw, w, fmt="NCHW") == on_cpu
    assert taller(x, w, dil=2) == on_cpu
    assert not taller(x, w, padding="VALID")
    assert not taller(x, w, stride=2)
    assert not taller(x[:2, :, :, :1], w[:, :, :1])  # below the threshold
    monkeypatch.setattr(_conv_grad, "GROW_FOR_EIGEN", False)
    assert not taller(x, w)
    monkeypatch.setattr(_conv_grad, "GROW_FOR_EIGEN", True)

    def loss(w, x):
        return jnp.sum(tf.nn.conv2d(x, w, 1, "SAME") ** 2)

    forward_taller = f"{BATCH},8,6,5"  # the output's shape, one row taller
    assert forward_taller not in _shapes_of_convolutions(jax.grad(loss), w, x)
