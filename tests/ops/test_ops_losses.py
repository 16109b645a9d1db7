"""tf.losses.* against tf.compat.v1 over weights x reductions x label smoothing: values,
dtypes, the LOSSES collection and get_total_loss, errors and scope names."""

import itertools

import jax
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

R = tf.losses.Reduction
REDUCTIONS = [R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE, R.SUM_BY_NONZERO_WEIGHTS]


def _rand(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _weights(shape):
    """Scalar (Python float, zero, array), per-example and per-element weights, with zeros."""
    per_row = np.array([1.0, 0.0, 2.0, 0.5], np.float32).reshape((4,) + (1,) * (len(shape) - 1))
    full = np.abs(_rand(shape, 9))
    full.flat[::3] = 0
    return [1.0, 0.0, 2.5, np.float32(3.0), per_row, full]


def _cases(tf_):
    logits, probs = _rand((4, 5), 1), jax.nn.sigmoid(_rand((4, 5), 2)).__array__()
    labels01 = (np.random.default_rng(3).random((4, 5)) > 0.5).astype(np.float32)
    onehot = np.eye(5, dtype=np.float32)[[0, 3, 1, 4]]
    sparse = np.array([0, 3, 1, 4], np.int32)
    unit = probs / np.linalg.norm(probs, axis=1, keepdims=True)
    unit2 = logits / np.linalg.norm(logits, axis=1, keepdims=True)
    L = tf_.losses
    return [
        ("absolute_difference", (4, 5), lambda **k: L.absolute_difference(probs, logits, **k)),
        ("mean_squared_error", (4, 5), lambda **k: L.mean_squared_error(probs, logits, **k)),
        ("huber_loss", (4, 5), lambda **k: L.huber_loss(probs, logits, **k)),
        ("huber_loss d", (4, 5), lambda **k: L.huber_loss(probs, logits, delta=0.3, **k)),
        ("log_loss", (4, 5), lambda **k: L.log_loss(labels01, probs, **k)),
        ("hinge_loss", (4, 5), lambda **k: L.hinge_loss(labels01, logits, **k)),
        ("cosine_distance", (4, 1), lambda **k: L.cosine_distance(unit, unit2, axis=1, **k)),
        ("sigmoid_ce", (4, 5), lambda **k: L.sigmoid_cross_entropy(labels01, logits, **k)),
        ("sigmoid_ce ls", (4, 5),
         lambda **k: L.sigmoid_cross_entropy(labels01, logits, label_smoothing=0.2, **k)),
        ("softmax_ce", (4,), lambda **k: L.softmax_cross_entropy(onehot, logits, **k)),
        ("softmax_ce ls", (4,),
         lambda **k: L.softmax_cross_entropy(onehot, logits, label_smoothing=0.1, **k)),
        ("sparse_ce", (4,), lambda **k: L.sparse_softmax_cross_entropy(sparse, logits, **k)),
        ("sparse_ce [b,1]", (4,),
         lambda **k: L.sparse_softmax_cross_entropy(sparse[:, None], logits, **k)),
        ("compute_weighted_loss", (4, 5), lambda **k: L.compute_weighted_loss(logits, **k)),
    ]  # fmt: skip


def test_losses_match_tf1_over_weights_and_reductions(tf1):
    n = 0
    for (what, shape, ours), (_, _, theirs) in zip(_cases(tf), _cases(tf1), strict=True):
        for weights, reduction in itertools.product(_weights(shape), REDUCTIONS):
            if what.startswith(("softmax_ce", "sparse_ce")) and np.ndim(weights) == 2:
                continue
            kw = dict(weights=weights, reduction=reduction)
            got = ours(**kw)
            expected = np.asarray(theirs(**kw))
            assert got.shape == expected.shape and got.dtype == expected.dtype, (what, kw)
            np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6, err_msg=f"{what} {kw}")
            n += 1
    assert n > 300


def test_losses_add_to_the_collection_and_total_loss(tf1):
    x, y = _rand((4, 3)), _rand((4, 3), 1)

    def program(t):
        a = t.losses.mean_squared_error(x, y)
        b = t.losses.absolute_difference(x, y, weights=0.5, scope="l1")
        t.losses.huber_loss(x, y, loss_collection=None)  # not collected
        c = t.losses.sparse_softmax_cross_entropy(np.array([0, 1, 2, 0]), y, loss_collection="mine")
        return a, b, c, t.losses.get_losses(), t.losses.get_total_loss(), t.get_collection("mine")

    with tf1.Graph().as_default(), tf1.Session() as sess:
        expected = sess.run(program(tf1))

    def run():
        a, b, c, losses, total, mine = program(tf)
        assert len(losses) == 2 and losses[0] is a and losses[1] is b
        assert len(mine) == 1 and mine[0] is c
        return a, b, c, total

    for got, want in zip(
        fs.transform(run).apply({"params": {}}), [*expected[:3], expected[4]], strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert len(expected[3]) == 2


def _error(fn):
    with pytest.raises((ValueError, TypeError)) as info:
        fn()
    return str(info.value)


def test_errors_are_tfs(tf1):
    x2 = _rand((4, 5))
    cases = [
        (lambda t: t.losses.mean_squared_error(x2, _rand((4, 3))), None),
        (lambda t: t.losses.mean_squared_error(x2, x2, weights=np.ones([4], np.float32)), " Received"),
        (lambda t: t.losses.mean_squared_error(x2, x2, weights=np.ones([4, 2], np.float32)), " Received"),
        (lambda t: t.losses.mean_squared_error(x2, x2, reduction="bogus"), None),
        (lambda t: t.losses.cosine_distance(x2, x2), None),
        (lambda t: t.losses.mean_squared_error(None, x2), None),
        (lambda t: t.losses.softmax_cross_entropy(_rand((4, 3)), x2), None),
    ]  # fmt: skip
    for fn, cut in cases:
        with tf1.Graph().as_default():
            theirs = _error(lambda fn=fn: fn(tf1))
        ours = _error(lambda fn=fn: fn(tf))
        if cut is not None:  # TF's message goes on with its tensors' graph names
            theirs = theirs.split(cut)[0]
        assert ours.startswith(theirs), (ours, theirs)


def test_scope_names_take_their_place(tf1):
    x = _rand((4, 5))

    def program(t):
        names = []
        for default, call in [
            ("mean_squared_error", lambda: t.losses.mean_squared_error(x, x)),
            ("softmax_cross_entropy_loss", lambda: t.losses.softmax_cross_entropy(x, x)),
            ("weighted_loss", lambda: t.losses.compute_weighted_loss(x)),
            ("mine", lambda: t.losses.log_loss(x, x, scope="mine")),
        ]:
            call()
            v = t.Variable(1.0, name=default)
            names.append(v.name if t is not tf else fs.name_of(v))
        return names

    with tf1.Graph().as_default():
        expected = program(tf1)
    assert program(tf) == expected
    assert expected[0] == "mean_squared_error_1:0"


def test_losses_under_jit_and_grad():
    x, y = _rand((4, 5)), _rand((4, 5), 1)

    def loss(p):
        return tf.losses.softmax_cross_entropy(jax.nn.softmax(y), p, label_smoothing=0.1)

    g = jax.jit(jax.grad(loss))(x)
    expected = jax.grad(
        lambda p: (
            np.float32(1)
            * jax.numpy.mean(
                -jax.numpy.sum((jax.nn.softmax(y) * 0.9 + 0.1 / 5) * jax.nn.log_softmax(p), axis=-1)
            )
        )
    )(x)
    np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-7)


def _sparse_rows(t, rows):
    idx = [[b, j] for b, row in enumerate(rows) for j in range(len(row))]
    vals = np.array([v for row in rows for v in row], np.int32)
    width = max(len(r) for r in rows)
    return t.SparseTensor(np.array(idx, np.int64).reshape(-1, 2), vals, [len(rows), width])


def test_ctc_loss_matches_tf1(tf1):
    tf2 = pytest.importorskip("tensorflow")
    rows_grid = [[[1, 2, 2], [3], [0, 1]], [[0], [1, 1, 1], [3, 2]]]
    for rows, time_major, seq in itertools.product(
        rows_grid, (True, False), ([8, 6, 7], [8, 8, 8])
    ):
        x = _rand((8, 3, 5), len(rows[1]))
        inputs = x if time_major else np.swapaxes(x, 0, 1)
        seq = np.array(seq, np.int32)
        ours = tf.nn.ctc_loss(_sparse_rows(tf, rows), inputs, seq, time_major=time_major)
        theirs = tf1.nn.ctc_loss(_sparse_rows(tf1, rows), inputs, seq, time_major=time_major)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, err_msg=str((rows, time_major, seq)))
    # gradient with respect to the logits
    x, seq, rows = _rand((8, 3, 5), 9), np.array([8, 5, 7], np.int32), rows_grid[0]
    g = jax.grad(lambda v: jax.numpy.sum(tf.nn.ctc_loss(_sparse_rows(tf, rows), v, seq)))(x)
    xs = tf2.constant(x)
    with tf2.GradientTape() as tape:
        tape.watch(xs)
        loss = tf2.reduce_sum(tf1.nn.ctc_loss(_sparse_rows(tf1, rows), xs, seq))
    np.testing.assert_allclose(g, tape.gradient(loss, xs), rtol=1e-4, atol=1e-6)
    # a label longer than its frames: 0 when ignored, as TF
    short = np.array([8, 2, 7], np.int32)
    kw = dict(ignore_longer_outputs_than_inputs=True)
    ours = tf.nn.ctc_loss(_sparse_rows(tf, rows_grid[1]), x, short, **kw)
    theirs = tf1.nn.ctc_loss(_sparse_rows(tf1, rows_grid[1]), x, short, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
