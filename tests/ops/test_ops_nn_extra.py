"""tf.nn.conv2d_backprop_input/_filter, tf.nn.depthwise_conv2d_native and its gradients, and
tf.losses.mean_pairwise_squared_error against tf.compat.v1: values, shapes, dtypes,
gradients, errors, the LOSSES collection."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf
from flaxscope.errors import InvalidArgumentError

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


def _to_format(full, fmt):
    """A 4-list (strides, dilations, padding pairs) given in NHWC order, in ``fmt``'s."""
    return full if fmt == "NHWC" else [full[0], full[3], full[1], full[2]]


PADDINGS = ["SAME", "VALID", [[0, 0], [1, 2], [0, 1], [0, 0]]]


def _conv_cases():
    for stride, padding, dil, groups in itertools.product((1, 2), PADDINGS, (1, 2), (1, 2)):
        if dil == 2 and stride == 2:
            continue
        yield [1, stride, stride, 1], padding, [1, dil, dil, 1], groups


def test_conv2d_backprops_match_tf1(tf1):
    """TF's CPU gradient kernels reject dilations and groups: those cases are compared with
    the gradients of conv2d (whose values are TF's) instead."""
    x = _rand((2, 7, 8, 4))
    cases, theirs = [], []
    with tf1.Graph().as_default():
        for strides, padding, dil, groups in _conv_cases():
            w = _rand((3, 2, 4 // groups, 6), seed=groups)
            kw = dict(strides=strides, padding=padding, dilations=dil)
            dy = _rand(tf1.nn.conv2d(x, w, **kw).shape, seed=3)
            cases.append((w, dy, kw, (strides, padding, dil, groups)))
            if dil[1] == 1 and groups == 1:  # else TF's CPU kernels refuse: see below
                theirs.append(
                    (
                        tf1.nn.conv2d_backprop_input(x.shape, w, dy, **kw),
                        tf1.nn.conv2d_backprop_filter(x, w.shape, dy, **kw),
                    )
                )
            else:
                theirs.append((tf1.constant(0.0), tf1.constant(0.0)))
        with tf1.Session() as sess:
            theirs = sess.run(theirs)
    assert len(cases) == 18
    for (w, dy, kw, what), (dx, dw) in zip(cases, theirs, strict=True):
        if kw["dilations"][1] != 1 or what[3] != 1:  # conv2d's gradients (its values are TF's)
            _, pullback = jax.vjp(lambda x, w, kw=kw: tf.nn.conv2d(x, w, **kw), x, w)
            dx, dw = (np.asarray(g) for g in pullback(dy))
        # NCHW: TF's CPU kernels take NHWC only; the same numbers, laid out channels first
        padding = kw["padding"]
        kwc = dict(
            strides=_to_format(kw["strides"], "NCHW"),
            padding=padding if isinstance(padding, str) else _to_format(padding, "NCHW"),
            dilations=_to_format(kw["dilations"], "NCHW"),
            data_format="NCHW",
        )

        @jax.jit  # the four ops in one compilation per case
        def ours(x, w, dy, xc, dyc, kw=kw, kwc=kwc):
            return (
                tf.nn.conv2d_backprop_input(x.shape, w, dy, **kw),
                tf.nn.conv2d_backprop_filter(x, w.shape, dy, **kw),
                tf.nn.conv2d_backprop_input(xc.shape, w, dyc, **kwc),
                tf.nn.conv2d_backprop_filter(xc, w.shape, dyc, **kwc),
            )

        got = ours(x, w, dy, _nchw(x), _nchw(np.asarray(dy)))
        _close(got[0], dx, ("input",) + what)
        _close(got[1], dw, ("filter",) + what, rtol=1e-4)
        _close(got[2], _nchw(dx), ("input NCHW",) + what)
        _close(got[3], dw, ("filter NCHW",) + what, rtol=1e-4)
    # the 2-element input_sizes (batch from out_backprop, channels from filter), filters=
    w, dy = _rand((3, 3, 4, 5)), _rand((2, 4, 4, 5), seed=1)
    _close(
        tf.nn.conv2d_backprop_input([7, 8], filters=w, out_backprop=dy, strides=[1, 2, 2, 1],
                                    padding="SAME"),
        tf1.nn.conv2d_backprop_input([7, 8], filters=w, out_backprop=dy, strides=[1, 2, 2, 1],
                                     padding="SAME"),
        "sizes2",
    )  # fmt: skip


def test_conv2d_backprops_are_the_gradients_of_conv2d():
    x, w = _rand((2, 6, 5, 3)), _rand((3, 3, 3, 4), seed=1)
    kw = dict(strides=[1, 2, 1, 1], padding="SAME")
    y, pullback = jax.vjp(lambda x, w: tf.nn.conv2d(x, w, **kw), x, w)
    dy = _rand(y.shape, seed=2)
    dx, dw = pullback(dy)
    _close(tf.nn.conv2d_backprop_input(x.shape, w, dy, **kw), dx, "dx", atol=1e-6)
    _close(tf.nn.conv2d_backprop_filter(x, w.shape, dy, **kw), dw, "dw", atol=1e-5)
    ints = tf.nn.conv2d_backprop_input(
        x.shape, w.round().astype(np.int32), dy.round().astype(np.int32), **kw
    )
    assert ints.dtype == jnp.int32
    expected = tf.nn.conv2d_backprop_input(x.shape, w.round(), dy.round(), **kw)
    np.testing.assert_array_equal(ints, np.asarray(expected).astype(np.int32))
    jitted = jax.jit(lambda w, dy: tf.nn.conv2d_backprop_input(x.shape, w, dy, **kw))(w, dy)
    _close(jitted, dx, "jit", atol=1e-6)


def test_depthwise_native_and_backprops_match_tf1(tf1):
    x = _rand((2, 9, 8, 3))
    n = 0
    # (TF's CPU gradient kernels take equal row and column strides only)
    for stride, padding, mult in itertools.product(([1, 1, 1, 1], [1, 2, 2, 1]), PADDINGS, (1, 2)):
        fmt = "NCHW" if mult == 2 else "NHWC"
        w = _rand((3, 2, 3, mult), seed=mult)
        kw = dict(strides=stride, padding=padding)
        y = tf1.nn.depthwise_conv2d_native(x, w, **kw)
        dy = _rand(y.shape, seed=5)
        dx = tf1.nn.depthwise_conv2d_native_backprop_input(x.shape, w, dy, **kw)
        dw = tf1.nn.depthwise_conv2d_native_backprop_filter(x, w.shape, dy, **kw)
        if fmt == "NCHW":  # TF's CPU kernels take NHWC only: compare the transposed layout
            xx, dyy, sizes = _nchw(x), _nchw(np.asarray(dy)), _nchw(x).shape
            kw = dict(
                strides=_to_format(stride, fmt),
                padding=padding if isinstance(padding, str) else _to_format(padding, fmt),
                data_format=fmt,
            )
            y, dx = _nchw(np.asarray(y)), _nchw(np.asarray(dx))
        else:
            xx, dyy, sizes = x, dy, x.shape
        what = (stride, padding, mult, fmt)

        @jax.jit  # the three ops in one compilation per case
        def ours(xx, w, dyy, kw=kw, sizes=sizes):
            return (
                tf.nn.depthwise_conv2d_native(xx, w, **kw),
                tf.nn.depthwise_conv2d_native_backprop_input(sizes, w, dyy, **kw),
                tf.nn.depthwise_conv2d_native_backprop_filter(xx, w.shape, dyy, **kw),
            )

        got_y, got_dx, got_dw = ours(xx, w, dyy)
        _close(got_y, y, ("forward",) + what)
        _close(got_dx, dx, ("dx",) + what)
        _close(got_dw, dw, ("dw",) + what, rtol=1e-4)
        n += 1
    assert n == 12


def test_dilated_depthwise_backprops_are_the_true_gradients(tf1):
    """TF's CPU kernels for the dilated native depthwise gradients ignore the dilations
    (its tape gradient of the dilated native op is wrong the same way); TF's
    ``depthwise_conv2d`` with ``rate`` (computed through space_to_batch) has the true
    gradient, which ours equal."""
    tf2 = pytest.importorskip("tensorflow")
    x, w = _rand((2, 8, 8, 2)), _rand((3, 3, 2, 2), seed=1)
    kw = dict(strides=[1, 1, 1, 1], padding="SAME", dilations=[1, 2, 2, 1])
    y = tf1.nn.depthwise_conv2d_native(x, w, **kw)
    _close(tf.nn.depthwise_conv2d_native(x, w, **kw), y, "forward")
    dy = _rand(y.shape, seed=2)
    xs, ws = tf2.constant(x), tf2.constant(w)
    with tf2.GradientTape() as tape:
        tape.watch([xs, ws])
        out = tf1.nn.depthwise_conv2d(xs, ws, [1, 1, 1, 1], "SAME", rate=[2, 2])
        loss = tf2.reduce_sum(out * dy)
    gx, gw = tape.gradient(loss, [xs, ws])
    _close(tf.nn.depthwise_conv2d_native_backprop_input(x.shape, w, dy, **kw), gx, "dx")
    _close(tf.nn.depthwise_conv2d_native_backprop_filter(x, w.shape, dy, **kw), gw, "dw")


def test_gradients_of_the_ops_match_tf(tf1):
    tf2 = pytest.importorskip("tensorflow")
    x, w = _rand((2, 7, 6, 4)), _rand((3, 3, 4, 5), seed=1)
    dw_ = _rand((2, 3, 4, 2), seed=2)
    dy = _rand((2, 4, 3, 5), seed=3)
    dyd = _rand((2, 4, 3, 8), seed=4)
    up_x, up_w = _rand(x.shape, seed=5), _rand(w.shape, seed=6)
    s = [1, 2, 2, 1]

    def run(t, x, w, dw_, dy, dyd):
        total = jnp.sum if t is tf else tf2.reduce_sum
        a = t.nn.conv2d_backprop_input(x.shape, w, dy, s, "SAME")
        b = t.nn.conv2d_backprop_filter(x, w.shape, dy, s, "SAME")
        c = t.nn.depthwise_conv2d_native(x, dw_, s, "SAME")
        d = t.nn.depthwise_conv2d_native_backprop_input(x.shape, dw_, dyd, s, "SAME")
        e = t.nn.depthwise_conv2d_native_backprop_filter(x, dw_.shape, dyd, s, "SAME")
        return total(a * up_x) + total(b * up_w) + total(c * c) + total(d * d) + total(e * e)

    args = (x, w, dw_, dy, dyd)
    ours = jax.grad(lambda *a: run(tf, *a), argnums=tuple(range(5)))(*args)
    consts = [tf2.constant(v) for v in args]
    with tf2.GradientTape() as tape:
        tape.watch(consts)
        loss = run(tf1, *consts)
    theirs = tape.gradient(loss, consts)
    for o, t, what in zip(ours, theirs, "x w dw dy dyd".split(), strict=True):
        t = t.numpy()
        _close(o, t, what, rtol=1e-4, atol=1e-5 * np.abs(t).max())


def _error(fn, kinds=(ValueError, TypeError)):
    with pytest.raises(kinds) as info:
        fn()
    return str(info.value)


def test_errors_are_tfs(tf1):
    w, dy, x = _rand((3, 3, 2, 4)), _rand((2, 4, 4, 4)), _rand((2, 8, 8, 2))
    cases = [
        (lambda t: t.nn.conv2d_backprop_input([2, 8, 8, 2], w, dy, [1, 2, 2, 1], "FULL"), None),
        (lambda t: t.nn.conv2d_backprop_input([2, 8, 8, 2], w, dy, 2, "SAME"), None),
        (lambda t: t.nn.depthwise_conv2d_native(x, _rand((3, 3, 2, 2)), 1, "SAME"), None),
        (lambda t: t.nn.conv2d_backprop_filter(x, [3, 3, 2, 4], dy, [1, 2, 2, 1], "FULL"), None),
        (
            lambda t: t.nn.conv2d_backprop_input(
                [2, 8, 8, 2], w, dy, [1, 2, 2, 1], "SAME", data_format="NWHC"
            ),
            None,
        ),
    ]
    for fn, cut in cases:
        with tf1.Graph().as_default():
            theirs = _error(lambda fn=fn: fn(tf1))
        ours = _error(lambda fn=fn: fn(tf))
        if cut is not None:
            theirs = theirs.split(cut)[0]
        assert ours.startswith(theirs), (ours, theirs)
    # an out_backprop of the wrong size: TF's CPU kernel's text, when the op runs
    msg = _error(
        lambda: tf.nn.conv2d_backprop_input([2, 8, 8, 2], w, _rand((2, 5, 4, 4)), [1, 2, 2, 1],
                                            "SAME"),
        InvalidArgumentError,
    )  # fmt: skip
    assert msg.startswith(
        "Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed: actual = 5, "
        "computed = 4 spatial_dim: 1 input: 8 filter: 3 output: 5 stride: 2 dilation: 1"
    ), msg
    with pytest.raises(TypeError, match="'out_backprop' of 'Conv2DBackpropInput' Op has type"):
        tf.nn.conv2d_backprop_input(
            [2, 8, 8, 2], jnp.asarray(w), jnp.asarray(dy, jnp.bfloat16), [1] * 4, "SAME"
        )


def test_default_names_take_their_place_in_the_scope():
    x, w, dy = _rand((1, 4, 4, 2)), _rand((3, 3, 2, 2)), _rand((1, 4, 4, 2))

    def program():
        tf.nn.conv2d_backprop_input(x.shape, w, dy, [1] * 4, "SAME")
        tf.nn.depthwise_conv2d_native(x, w, [1] * 4, "SAME", name="dw")
        a = tf.get_variable("Conv2DBackpropInput", [1])
        b = tf.get_variable("dw", [1])
        return fs.name_of(a), fs.name_of(b)

    names = fs.transform(program).init(jax.random.key(0))
    assert sorted(names["params"]) == ["Conv2DBackpropInput_1", "dw_1"]


# --- mean_pairwise_squared_error ---------------------------------------------------------------
def _pairwise_cases():
    labels, preds = _rand((4, 5), 1), _rand((4, 5), 2)
    labels3, preds3 = _rand((3, 2, 4), 3), _rand((3, 2, 4), 4)
    per_row = np.array([[1.0], [0.0], [2.0], [0.5]], np.float32)
    full = np.abs(_rand((4, 5), 9))
    full.flat[::3] = 0
    one_left = np.ones((4, 5), np.float32)
    one_left[0, 1:] = 0  # a row with a single present element: its loss is 0
    return [
        (labels, preds, 1.0),
        (labels, preds, 0.0),
        (labels, preds, np.float32(2.5)),
        (labels, preds, per_row),
        (labels, preds, full),
        (labels, preds, one_left),
        (labels3, preds3, 1.0),
        (labels3, preds3, np.array([1.0, 0.0, 3.0], np.float32).reshape(3, 1, 1)),
        (labels[:, 0], preds[:, 0], 1.0),  # rank 1: one element per example, loss 0
    ]


def test_mean_pairwise_squared_error_matches_tf1_graph_mode(tf1):
    """TF1's graph mode is the reference: TF2's eager compat.v1 counts a scalar weight's
    present elements over the whole batch."""
    cases = _pairwise_cases()
    with tf1.Graph().as_default():
        outs = [tf1.losses.mean_pairwise_squared_error(lab, p, weights=w) for lab, p, w in cases]
        with tf1.Session() as sess:
            expected = sess.run(outs)
    for (lab, p, w), e in zip(cases, expected, strict=True):
        got = tf.losses.mean_pairwise_squared_error(lab, p, weights=w)
        assert got.shape == () and got.dtype == jnp.float32
        np.testing.assert_allclose(got, e, rtol=2e-5, atol=1e-6, err_msg=str(np.shape(w)))
    # ints and float64 inputs are cast to float32, as in TF
    got = tf.losses.mean_pairwise_squared_error(np.arange(6).reshape(2, 3), np.ones((2, 3)))
    assert got.dtype == jnp.float32


def test_mean_pairwise_squared_error_gradient_and_collection(tf1):
    tf2 = pytest.importorskip("tensorflow")
    labels, preds = _rand((3, 4), 1), _rand((3, 4), 2)
    w = np.array([[1.0], [2.0], [0.5]], np.float32)
    ours = jax.grad(lambda p: tf.losses.mean_pairwise_squared_error(labels, p, weights=w))(preds)
    ps = tf2.constant(preds)
    with tf2.GradientTape() as tape:
        tape.watch(ps)
        loss = tf1.losses.mean_pairwise_squared_error(labels, ps, weights=w)
    _close(ours, tape.gradient(loss, ps).numpy(), "grad", rtol=1e-5, atol=1e-6)

    def program():
        a = tf.losses.mean_pairwise_squared_error(labels, preds)
        tf.losses.mean_pairwise_squared_error(labels, preds, loss_collection=None)
        b = tf.losses.mean_pairwise_squared_error(labels, preds, scope="pw", loss_collection="x")
        return a, b, tf.losses.get_losses(), tf.get_collection("x"), tf.losses.get_total_loss()

    f = fs.transform(program)
    a, b, collected, mine, total = f.apply(f.init(jax.random.key(0)))
    assert len(collected) == 1 and collected[0] is a and mine == [b]
    np.testing.assert_allclose(total, a)


def test_mean_pairwise_squared_error_errors(tf1):
    labels, preds = _rand((4, 5)), _rand((4, 5), 1)
    cases = [
        lambda t: t.losses.mean_pairwise_squared_error(None, preds),
        lambda t: t.losses.mean_pairwise_squared_error(labels, None),
        lambda t: t.losses.mean_pairwise_squared_error(labels, preds[:, :3]),
        lambda t: t.losses.mean_pairwise_squared_error(labels, preds, weights=np.ones(4)),
        lambda t: t.losses.mean_pairwise_squared_error(labels, preds, weights=np.ones((2, 5))),
    ]
    for fn in cases:
        with tf1.Graph().as_default():
            theirs = _error(lambda fn=fn: fn(tf1))
        ours = _error(lambda fn=fn: fn(tf))
        assert theirs.startswith(ours), (ours, theirs)  # TF's goes on with the tensors
