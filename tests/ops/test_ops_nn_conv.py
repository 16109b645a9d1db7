"""tf.nn convolutions and poolings against tf.compat.v1 over argument grids: values, shapes,
errors, gradients, names; under jit/vmap/transform; HLO of a tf.nn CNN equals the lax one."""

import collections
import itertools
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

RTOL, ATOL = 1e-5, 1e-5


def _rand(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _close(ours, theirs, what, rtol=RTOL, atol=ATOL):
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape, (what, ours.shape, theirs.shape)
    assert ours.dtype == theirs.dtype, (what, ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=str(what))


def _nchw(x):
    return np.moveaxis(x, -1, 1)


def test_conv1d_2d_3d_grid(tf1):
    x2 = _rand((2, 7, 8, 4))
    cases = []
    paddings = ["SAME", "VALID", [[0, 0], [1, 2], [0, 1], [0, 0]]]
    for k, strides, padding, fmt, dil, groups in itertools.product(
        (1, 3), (1, [1, 2]), paddings, ("NHWC", "NCHW"), (1, 2), (1, 2)
    ):
        if (dil == 2 and strides != 1) or (groups == 2 and k == 1):
            continue
        w = _rand((k, k + 1, 4 // groups, 6), seed=k)
        x = x2 if fmt == "NHWC" else _nchw(x2)
        pad = padding
        if fmt == "NCHW" and isinstance(padding, list):
            pad = [padding[0], padding[3], padding[1], padding[2]]
        kw = dict(strides=strides, padding=pad, data_format=fmt, dilations=dil)
        cases.append(
            (
                "conv2d",
                kw,
                tf.nn.conv2d(x, w, **kw),
                lambda x=x, w=w, kw=kw: tf1.nn.conv2d(x, w, **kw),
            )
        )
    x1 = _rand((3, 9, 4))
    for k, stride, padding, fmt, dil in itertools.product(
        (1, 3), (1, 2), ("SAME", "VALID"), ("NWC", "NCW"), (1, 2)
    ):
        if dil == 2 and stride != 1:
            continue
        w = _rand((k, 4, 5), seed=k)
        x = x1 if fmt == "NWC" else _nchw(x1)
        kw = dict(stride=stride, padding=padding, data_format=fmt, dilations=dil)
        cases.append(
            (
                "conv1d",
                kw,
                tf.nn.conv1d(x, w, **kw),
                lambda x=x, w=w, kw=kw: tf1.nn.conv1d(x, w, **kw),
            )
        )
    x3 = _rand((2, 5, 6, 4, 3))
    for k, strides, padding, fmt in itertools.product(
        (1, 2), ([1, 1, 1, 1, 1], [1, 2, 1, 2, 1]), ("SAME", "VALID"), ("NDHWC", "NCDHW")
    ):
        w = _rand((k, 2, k, 3, 4), seed=k)
        x = x3 if fmt == "NDHWC" else _nchw(x3)
        s = strides if fmt == "NDHWC" else [1, 1, *strides[1:4]]
        kw = dict(strides=s, padding=padding, data_format=fmt)
        cases.append(
            (
                "conv3d",
                kw,
                tf.nn.conv3d(x, w, **kw),
                lambda x=x, w=w, kw=kw: tf1.nn.conv3d(x, w, **kw),
            )
        )
    # tf.nn.convolution and atrous_conv2d
    for padding, rate in itertools.product(("SAME", "VALID"), (1, 2, 3)):
        w = _rand((3, 3, 4, 5))
        cases.append(("atrous", (padding, rate), tf.nn.atrous_conv2d(x2, w, rate, padding),
                      lambda w=w, p=padding, r=rate: tf1.nn.atrous_conv2d(x2, w, r, p)))  # fmt: skip
        kw = dict(padding=padding, dilation_rate=[rate, 1])
        cases.append(("convolution", kw, tf.nn.convolution(x2, w, **kw),
                      lambda w=w, kw=kw: tf1.nn.convolution(x2, w, **kw)))  # fmt: skip
    assert len(cases) > 60
    for what, kw, ours, theirs in cases:
        _close(ours, theirs(), (what, kw))


def test_depthwise_and_separable_grid(tf1):
    x2 = _rand((2, 9, 8, 3))
    for strides, padding, fmt, rate, mult in itertools.product(
        (1, 2), ("SAME", "VALID"), ("NHWC", "NCHW"), (1, 2), (1, 2)
    ):
        if rate == 2 and strides == 2:
            continue
        s = [1, strides, strides, 1] if fmt == "NHWC" else [1, 1, strides, strides]
        x = x2 if fmt == "NHWC" else _nchw(x2)
        dw = _rand((3, 2, 3, mult), seed=mult)
        pw = _rand((1, 1, 3 * mult, 4), seed=7)
        kw = dict(strides=s, padding=padding, data_format=fmt, rate=[rate, rate])
        _close(
            tf.nn.depthwise_conv2d(x, dw, **kw), tf1.nn.depthwise_conv2d(x, dw, **kw), ("dw", kw)
        )
        _close(
            tf.nn.separable_conv2d(x, dw, pw, **kw),
            tf1.nn.separable_conv2d(x, dw, pw, **kw),
            ("sep", kw),
        )


def test_conv_transpose_grid(tf1):
    x2 = _rand((2, 5, 4, 3))
    n = 0
    for k, s, padding, fmt, dil in itertools.product(
        (1, 4), (1, 3), ("SAME", "VALID", "explicit"), ("NHWC", "NCHW"), (1, 2)
    ):
        if dil == 2 and (s != 1 or fmt == "NCHW"):
            continue
        w = _rand((k, k - (k > 1), 6, 3), seed=k)
        kh, kw_ = (w.shape[0] - 1) * dil + 1, (w.shape[1] - 1) * dil + 1
        if padding == "SAME":
            out_hw = [5 * s, 4 * s]
            pad = padding
        elif padding == "VALID":
            out_hw = [(5 - 1) * s + kh, (4 - 1) * s + kw_]
            pad = padding
        else:
            pads = [(1, 0), (0, 2)]
            out_hw = [(5 - 1) * s + kh - 1, (4 - 1) * s + kw_ - 2]
            pad = [[0, 0], list(pads[0]), list(pads[1]), [0, 0]]
            if fmt == "NCHW":
                pad = [[0, 0], [0, 0], list(pads[0]), list(pads[1])]
        if min(out_hw) <= 0:
            continue
        x = x2 if fmt == "NHWC" else _nchw(x2)
        out_shape = [2, *out_hw, 6] if fmt == "NHWC" else [2, 6, *out_hw]
        kw = dict(strides=s, padding=pad, data_format=fmt, dilations=dil)
        ours = tf.nn.conv2d_transpose(x, w, out_shape, **kw)
        if dil == 1 and fmt == "NHWC":
            expected = tf1.nn.conv2d_transpose(x, w, out_shape, **kw)
        elif dil == 1:  # TF's CPU kernel for explicit padding is NHWC-only: TF's NHWC result
            nhwc = dict(
                kw,
                data_format="NHWC",
                padding=pad if isinstance(pad, str) else [pad[0], pad[2], pad[3], pad[1]],
            )
            expected = _nchw(tf1.nn.conv2d_transpose(x2, w, [2, *out_hw, 6], **nhwc).numpy())
        else:  # TF's CPU kernels have no dilated transpose: the vjp of (TF-checked) conv2d
            fwd = lambda y, w=w, kw=kw: tf.nn.conv2d(y, w, **kw)  # noqa: E731
            expected = jax.vjp(fwd, np.zeros(out_shape, np.float32))[1](x)[0]
        _close(ours, expected, ("ct2", k, s, padding, fmt, dil))
        n += 1
    # one extra row from a stride that does not divide (TF accepts both output sizes)
    w = _rand((3, 3, 6, 3))
    for out in ([2, 9, 8, 6], [2, 10, 8, 6], [2, 10, 7, 6]):
        _close(
            tf.nn.conv2d_transpose(x2, w, out, [1, 2, 2, 1]),
            tf1.nn.conv2d_transpose(x2, w, out, [1, 2, 2, 1]),
            ("ct2", out),
        )
    x1 = _rand((2, 6, 3))
    for s, padding, fmt in itertools.product((1, 2), ("SAME", "VALID"), ("NWC", "NCW")):
        w = _rand((3, 5, 3))
        length = 6 * s if padding == "SAME" else 5 * s + 3
        x = x1 if fmt == "NWC" else _nchw(x1)
        out_shape = [2, length, 5] if fmt == "NWC" else [2, 5, length]
        kw = dict(padding=padding, data_format=fmt)
        _close(
            tf.nn.conv1d_transpose(x, w, out_shape, s, **kw),
            tf1.nn.conv1d_transpose(x, w, out_shape, s, **kw),
            ("ct1", s, padding, fmt),
        )
    x3 = _rand((1, 3, 4, 2, 2))
    for s, padding in itertools.product((1, 2), ("SAME", "VALID")):
        w = _rand((2, 3, 2, 4, 2))
        dims = [3 * s, 4 * s, 2 * s] if padding == "SAME" else [2 * s + 2, 3 * s + 3, s + 2]
        out_shape = [1, *dims, 4]
        _close(
            tf.nn.conv3d_transpose(x3, w, out_shape, [1, s, s, s, 1], padding),
            tf1.nn.conv3d_transpose(x3, w, out_shape, [1, s, s, s, 1], padding),
            ("ct3", s, padding),
        )
    assert n > 15


def test_pool_grid(tf1):
    x2 = _rand((2, 7, 6, 3))
    n = 0
    for op, ksize, strides, padding, fmt in itertools.product(
        ("max_pool", "avg_pool"),
        ([3, 2], [1, 3, 3, 1]),
        (2, [2, 1]),
        ("SAME", "VALID", [[0, 0], [1, 1], [0, 1], [0, 0]]),
        ("NHWC", "NCHW"),
    ):
        if isinstance(padding, list) and (op == "avg_pool" or fmt == "NCHW"):
            continue  # TF: no explicit avg padding; its CPU kernel for it is NHWC-only
        if fmt == "NCHW" and isinstance(ksize, list) and len(ksize) == 4:
            ksize = [1, 1, 3, 3]
        pad = padding
        if fmt == "NCHW" and isinstance(padding, list):
            pad = [padding[0], padding[3], padding[1], padding[2]]
        x = x2 if fmt == "NHWC" else _nchw(x2)
        kw = dict(ksize=ksize, strides=strides, padding=pad, data_format=fmt)
        _close(getattr(tf.nn, op)(x, **kw), getattr(tf1.nn, op)(x, **kw), (op, kw))
        n += 1
    x1, x3 = _rand((2, 9, 3)), _rand((2, 5, 4, 6, 2))
    for mode, k, s, padding, rank in itertools.product(
        ("max", "avg"), (3,), (1, 2), ("SAME", "VALID"), (1, 2, 3)
    ):
        x = {1: x1, 2: x2, 3: x3}[rank]
        for name in (f"{mode}_pool{rank}d", f"{mode}_pool_v2"):
            _close(
                getattr(tf.nn, name)(x, k, s, padding),
                getattr(tf1.nn, name)(x, k, s, padding),
                (name, k, s, padding),
            )
            n += 1
    for ptype, padding in itertools.product(("MAX", "AVG"), ("SAME", "VALID")):
        _close(
            tf.nn.pool(x2, [2, 3], ptype, padding, strides=[2, 1]),
            tf1.nn.pool(x2, [2, 3], ptype, padding, strides=[2, 1]),
            ("pool", ptype, padding),
        )
    # channels-first 3-D and integer max pooling
    _close(
        tf.nn.max_pool3d(_nchw(x3), 2, 2, "SAME", data_format="NCDHW"),
        tf1.nn.max_pool3d(_nchw(x3), 2, 2, "SAME", data_format="NCDHW"),
        "max_pool3d NCDHW",
    )
    assert n > 50


def test_conv_gradients_match_tf(tf1):
    tf2 = pytest.importorskip("tensorflow")
    x, w = _rand((2, 6, 5, 3)), _rand((3, 3, 3, 4), seed=1)
    wt = _rand((3, 3, 4, 4), seed=2)
    wd = _rand((2, 2, 4, 2), seed=3)

    def ours(x, w, wt):
        y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
        y = tf.nn.avg_pool(jax.nn.relu(y), 2, 1, "SAME") + tf.nn.max_pool(y, 2, 1, "SAME")
        y = tf.nn.conv2d_transpose(y, wt, [2, 6, 6, 4], [1, 2, 2, 1], "SAME")
        return jnp.sum(tf.nn.depthwise_conv2d(y, wd, [1] * 4, "VALID") ** 2)

    gx, gw, gwt = jax.grad(ours, argnums=(0, 1, 2))(x, w, wt)
    xs, ws, wts = (tf2.constant(v) for v in (x, w, wt))
    with tf2.GradientTape() as tape:
        tape.watch([xs, ws, wts])
        y = tf1.nn.conv2d(xs, ws, [1, 2, 2, 1], "SAME")
        y = tf1.nn.avg_pool(tf1.nn.relu(y), 2, 1, "SAME") + tf1.nn.max_pool(y, 2, 1, "SAME")
        y = tf1.nn.conv2d_transpose(y, wts, [2, 6, 6, 4], [1, 2, 2, 1], "SAME")
        loss = tf2.reduce_sum(tf1.nn.depthwise_conv2d(y, wd, [1] * 4, "VALID") ** 2)
    ex = tape.gradient(loss, [xs, ws, wts])
    for ours_g, theirs_g, what in zip((gx, gw, gwt), ex, "x w wt".split(), strict=True):
        _close(ours_g, theirs_g, what, rtol=1e-4, atol=1e-6 * np.abs(theirs_g).max())


def test_tiled_max_pool_values_and_first_maximum_gradient_match_tf(tf1):
    """Non-overlapping windows (stride = window) take the strided-slice path: values and
    gradients equal TF's, ties included (TF sends the gradient to the first maximum)."""
    tf2 = pytest.importorskip("tensorflow")
    cases = [
        ("max_pool", (2, 8, 6, 3), [1, 2, 2, 1], "SAME"),
        ("max_pool", (2, 9, 6, 2), [1, 3, 3, 1], "VALID"),
        ("max_pool", (1, 8, 8, 2), [1, 1, 2, 1], "SAME"),
        ("max_pool", (1, 4, 6, 4), [1, 2, 3, 1], "VALID"),
        ("max_pool3d", (1, 4, 4, 6, 2), [1, 2, 2, 2, 1], "SAME"),
    ]
    for op, shape, window, padding in cases:
        # (TF's MaxPool3DGrad gives a tied gradient to every maximum: not compared here)
        for tied in (False, True) if op == "max_pool" else (False,):
            x = _rand(shape, seed=len(shape) + window[1])
            if tied:  # few distinct values: many windows hold their maximum twice or more
                x = np.round(x).astype(np.float32)
            up = _rand(tuple(d // k for d, k in zip(shape, window, strict=True)), seed=9)

            def ours(x, op=op, window=window, padding=padding, up=up):
                return jnp.sum(getattr(tf.nn, op)(x, window, window, padding) * up)

            xs = tf2.constant(x)
            with tf2.GradientTape() as tape:
                tape.watch(xs)
                y = getattr(tf1.nn, op)(xs, window, window, padding)
                loss = tf2.reduce_sum(y * up)
            what = (op, shape, window, padding, tied)
            _close(getattr(tf.nn, op)(x, window, window, padding), y.numpy(), what)
            _close(jax.grad(ours)(x), tape.gradient(loss, xs).numpy(), what)
    x = _rand((1, 4, 4, 1))
    x[0, 1, 1, 0] = np.nan
    got = np.asarray(tf.nn.max_pool(x, 2, 2, "VALID"))
    assert np.isnan(got[0, 0, 0, 0]) and not np.isnan(got).sum() > 1


def _error(fn):
    with pytest.raises((ValueError, TypeError)) as info:
        fn()
    return str(info.value)


def test_errors_are_tfs(tf1):
    x, w = _rand((2, 8, 8, 3)), _rand((3, 3, 3, 4))
    cases = [
        (lambda t: t.nn.conv2d(x, w, 1, "FULL"), None),
        (lambda t: t.nn.conv2d(x, w, [1, 2, 3], "SAME"), None),
        (lambda t: t.nn.conv2d(x, w, 1, [[0, 0], [1, 1], [1, 1]]), None),
        (lambda t: t.nn.conv2d(x, _rand((3, 3, 2, 4)), 1, "SAME"), "for '"),
        (lambda t: t.nn.max_pool(x, 2, 2, "FULL"), None),
        (lambda t: t.nn.avg_pool(x, 9, 1, "VALID"), "for '"),
        (
            lambda t: t.nn.conv3d(
                _rand((1, 4, 4, 4, 2)), _rand((2, 2, 2, 2, 3)), [1, 1, 1], "SAME"
            ),
            None,
        ),
        (lambda t: t.nn.atrous_conv2d(x, w, 0, "SAME"), None),
        (lambda t: t.nn.conv2d(x, w, 1, "SAME", data_format="NWHC"), None),
        (lambda t: t.nn.conv2d(x, w, 1, "EXPLICIT"), None),
        (lambda t: t.nn.conv2d(x, w, 0, "SAME"), "for '"),
        (lambda t: t.nn.conv2d(x, w, 1, [[1, 0], [1, 1], [1, 1], [0, 0]]), "for '"),
        (lambda t: t.nn.max_pool(x, 0, 1, "SAME"), None),
        (lambda t: t.nn.conv2d(x[:, :2, :2], w, 1, "VALID"), "for '"),
        (lambda t: t.nn.conv2d(x[:, :5], w, 1, "VALID", dilations=3), "for '"),
        (lambda t: t.nn.conv2d(x, w[0], 1, "VALID"), "for '"),
        (
            lambda t: t.nn.conv2d_transpose(x, _rand((3, 3, 5, 4)), [2, 16, 16, 5], [1, 2, 2, 1]),
            "for '",
        ),
    ]
    for fn, cut in cases:
        with tf1.Graph().as_default():
            theirs = _error(lambda fn=fn: fn(tf1))
        ours = _error(lambda fn=fn: fn(tf))
        if cut is not None:  # TF's message goes on with its graph node's name
            theirs = theirs.split(cut)[0]
        assert ours.startswith(theirs), (ours, theirs)
    # conv2d_transpose: TF only checks the spatial sizes when it runs (the CPU kernel's text)
    msg = _error(lambda: tf.nn.conv2d_transpose(x, _rand((3, 3, 5, 3)), [2, 9, 9, 5], [1, 2, 2, 1]))
    assert msg.startswith(
        "Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed: actual = 8, "
        "computed = 5 spatial_dim: 1 input: 9 filter: 3 output: 8 stride: 2 dilation: 1"
    ), msg


def test_default_names_take_their_place_in_the_scope(tf1):
    x, w = _rand((1, 4, 4, 2)), _rand((3, 3, 2, 2))

    def program(t):
        names = []
        with t.variable_scope("net"):
            for _op, default, call in [
                ("conv2d", "Conv2D", lambda: t.nn.conv2d(x, w, 1, "SAME")),
                ("max_pool", "MaxPool", lambda: t.nn.max_pool(x, 2, 2, "SAME")),
                ("avg_pool", "AvgPool", lambda: t.nn.avg_pool(x, 2, 2, "SAME")),
                ("conv2d_transpose", "conv2d_transpose",
                 lambda: t.nn.conv2d_transpose(x, w, [1, 4, 4, 2], 1)),
                ("named", "block", lambda: t.nn.conv2d(x, w, 1, "SAME", name="block")),
            ]:  # fmt: skip
                call()
                v = t.Variable(1.0, name=default)
                names.append(v.name if t is not tf else fs.name_of(v))
        return names

    with tf1.Graph().as_default():
        expected = program(tf1)
    assert program(tf) == expected
    assert expected[0] == "net/Conv2D_1:0"


def test_under_jit_vmap_and_transform():
    x, w = _rand((3, 2, 6, 6, 3)), _rand((3, 3, 3, 4))

    def f(x):
        return tf.nn.max_pool(tf.nn.conv2d(x, w, 1, "SAME"), 2, 2, "VALID")

    eager = jnp.stack([f(xi) for xi in x])
    np.testing.assert_allclose(jax.jit(jax.vmap(f))(x), eager, rtol=1e-6, atol=1e-6)

    def model(img):
        k = tf.get_variable("k", [3, 3, 3, 4])
        b = tf.get_variable("b", [4], initializer=tf.zeros_initializer())
        return tf.nn.max_pool(
            tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(img, k, 1, "SAME"), b)), 2, 2, "SAME"
        )

    t = fs.transform(model)
    variables = t.init(0, x[0])
    out = jax.jit(t.apply)(variables, x[0])
    assert out.shape == (2, 3, 3, 4)
    assert set(variables["params"]) == {"k", "b"}


def _hlo_ops(fn, *args):
    text = jax.jit(fn).lower(*args).compile().as_text()
    return collections.Counter(
        m.group(1) for m in re.finditer(r"=\s*\S+\s+([a-z][\w-]*)\(", text) if m.group(1)
    )


def test_cnn_written_with_tf_nn_has_the_hlo_of_lax():
    x = _rand((4, 12, 12, 3))
    labels = np.arange(4) % 5
    params = {
        "k1": _rand((3, 3, 3, 8)), "b1": _rand((8,)), "k2": _rand((3, 3, 8, 8)),
        "b2": _rand((8,)), "w": _rand((3 * 3 * 8, 5)), "b": _rand((5,)),
    }  # fmt: skip

    def with_tf(p, x):
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, p["k1"], [1, 1, 1, 1], "SAME"), p["b1"]))
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, p["k2"], [1, 1, 1, 1], "SAME"), p["b2"]))
        h = tf.nn.avg_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        logits = tf.nn.xw_plus_b(h.reshape(4, -1), p["w"], p["b"])
        return jnp.mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        )

    def with_lax(p, x):
        dn = ("NHWC", "HWIO", "NHWC")
        h = jax.lax.conv_general_dilated(x, p["k1"], (1, 1), "SAME", dimension_numbers=dn)
        h = jax.nn.relu(h + p["b1"])
        # a 2x2/2 max pool as hand-written JAX does it on CPU: a running max of slices
        m = h[:, ::2, ::2]
        for cell in (h[:, ::2, 1::2], h[:, 1::2, ::2], h[:, 1::2, 1::2]):
            m = jnp.where((cell > m) | (jnp.isnan(cell) & ~jnp.isnan(m)), cell, m)
        h = m
        h = jax.lax.conv_general_dilated(h, p["k2"], (1, 1), "SAME", dimension_numbers=dn)
        h = jax.nn.relu(h + p["b2"])
        h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4.0
        logits = h.reshape(4, -1) @ p["w"] + p["b"]
        picked = jnp.take_along_axis(logits, labels[:, None], axis=-1)[:, 0]
        return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - picked)

    np.testing.assert_allclose(with_tf(params, x), with_lax(params, x), rtol=1e-5)
    assert _hlo_ops(with_tf, params, x) == _hlo_ops(with_lax, params, x)
    grad_tf = _hlo_ops(jax.grad(with_tf), params, x)
    assert grad_tf == _hlo_ops(jax.grad(with_lax), params, x)


def test_legacy_argument_names_and_batch_dims(tf1):
    x, w, wt = _rand((2, 6, 6, 3)), _rand((3, 3, 3, 4)), _rand((3, 3, 5, 3))
    calls = [
        lambda t: t.nn.conv2d(x, filters=w, strides=1, padding="SAME"),
        lambda t: t.nn.conv1d(value=x[:, 0], filters=w[0], stride=1, padding="VALID"),
        lambda t: t.nn.conv1d(input=x[:, 0], filters=w[0], stride=[1], padding="SAME"),
        lambda t: t.nn.max_pool(None, 2, 2, "SAME", input=x),
        lambda t: t.nn.avg_pool(None, [2, 2], [1, 1], "VALID", input=x),
        lambda t: t.nn.conv2d_transpose(
            input=x, filters=wt, output_shape=[2, 12, 12, 5], strides=2
        ),
        lambda t: t.nn.depthwise_conv2d(x, w[..., :2], [1, 1, 1, 1], "SAME", dilations=[2, 2]),
        lambda t: t.nn.convolution(x, w, "VALID", dilations=[1, 2]),
        # leading batch dimensions beyond N, as TF's conv2d accepts them
        lambda t: t.nn.conv2d(np.stack([x, 2 * x]), w, [1, 2, 2, 1], "SAME"),
    ]
    for i, call in enumerate(calls):
        _close(call(tf), call(tf1), ("legacy", i))
