"""TF1's random ops: distributions (KS / moments against theory and TF's samples), shapes
and dtypes against tf.compat.v1 over a grid, keys from init/apply's rng, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import flaxscope as fs
import flaxscope.compat.v1 as tf

N = 20000


def _draw(fn, seed=0):
    """Runs ``fn`` (random ops) inside a transform's apply with a given key."""
    return fs.transform(fn).apply({"params": {}}, rng=jax.random.key(seed))


def _grid():
    """(op, args, kwargs): shapes and dtypes checked against TF1."""
    cases = []
    for shape in ([], [3], [2, 4], (1, 2, 3), np.array([5, 1])):
        cases.append(("random_uniform", (shape,), {}))
        cases.append(("random_normal", (shape,), {"mean": 1.0, "stddev": 2.0}))
        cases.append(("truncated_normal", (shape,), {"dtype": tf.float16}))
        cases.append(("random_gamma", (shape, [1.0, 2.5]), {}))
        cases.append(("random_poisson", ([0.5, 3.0, 7.0], shape), {}))
    for dtype in (tf.float16, tf.bfloat16, tf.float32, tf.int32):
        cases.append(("random_uniform", ([4, 2],), {"minval": -3, "maxval": 5, "dtype": dtype}))
    cases.append(("random_normal", ([2],), {"dtype": tf.float16}))
    cases.append(("random_gamma", ([2, 3], [[1.0], [2.0]]), {"beta": [1.0, 2.0, 3.0]}))
    cases.append(("random_poisson", (2.0, [4]), {"dtype": tf.int32}))
    cases.append(("multinomial", (np.zeros((3, 5), np.float32), 7), {"output_dtype": tf.int32}))
    cases.append(("random_shuffle", (np.arange(12).reshape(4, 3),), {}))
    cases.append(("random_crop", (np.arange(24.0).reshape(4, 6), [2, 3]), {}))
    cases.append(("random.categorical", (np.zeros((2, 4), np.float32), 3), {"dtype": tf.int32}))
    return cases


def _op(t, path):
    for part in path.split("."):
        t = getattr(t, part)
    return t


def test_shapes_and_dtypes_match_tf1(tf1):
    cases = _grid()
    with tf1.Graph().as_default():
        want = [_op(tf1, op)(*a, **k) for op, a, k in cases]
        want = [(tuple(w.shape.as_list()), w.dtype.as_numpy_dtype) for w in want]
    # Shapes only: traced abstractly (eval_shape), no compilation per op.
    got = jax.eval_shape(lambda: _draw(lambda: [_op(tf, op)(*a, **k) for op, a, k in cases]))
    for (op, args, kwargs), (shape, dtype), g in zip(cases, want, got, strict=True):
        assert g.shape == shape, (op, args, kwargs)
        assert g.dtype == jax.dtypes.canonicalize_dtype(dtype), (op, args, kwargs)


def _ks(sample, cdf):
    return stats.kstest(np.asarray(sample, np.float64).ravel(), cdf).pvalue


def test_distributions():
    d = _draw(
        lambda: {
            "u": tf.random_uniform([N], -2.0, 3.0),
            "u01": tf.random.uniform([N]),
            "i": tf.random_uniform([N], 3, 9, dtype=tf.int32),
            "n": tf.random_normal([N], 1.5, 0.5),
            "t": tf.truncated_normal([N], -1.0, 2.0),
            "g": tf.random_gamma([N], 2.5, beta=2.0),
            "gs": tf.random_gamma([N], 0.01),
            "p": tf.random_poisson(4.0, [N]),
            "m": tf.multinomial(jnp.log(jnp.asarray([[0.1, 0.6, 0.3]])), N),
        }
    )
    assert _ks(d["u"], stats.uniform(-2, 5).cdf) > 1e-3
    assert float(d["u"].min()) >= -2 and float(d["u"].max()) < 3
    assert _ks(d["u01"], stats.uniform(0, 1).cdf) > 1e-3
    counts = np.bincount(np.asarray(d["i"]), minlength=9)
    assert counts[:3].sum() == 0 and stats.chisquare(counts[3:]).pvalue > 1e-3
    assert _ks(d["n"], stats.norm(1.5, 0.5).cdf) > 1e-3
    assert _ks(d["t"], stats.truncnorm(-2, 2, loc=-1.0, scale=2.0).cdf) > 1e-3
    assert float(jnp.abs(d["t"] + 1.0).max()) <= 4.0
    assert _ks(d["g"], stats.gamma(2.5, scale=0.5).cdf) > 1e-3
    assert float(d["gs"].min()) > 0  # TF1 clamps to the smallest normal number
    p = np.asarray(d["p"])
    assert abs(p.mean() - 4.0) < 0.1 and abs(p.var() - 4.0) < 0.3
    freq = np.bincount(np.asarray(d["m"]).ravel(), minlength=3) / N
    np.testing.assert_allclose(freq, [0.1, 0.6, 0.3], atol=0.015)


def test_truncated_normal_matches_tf1_samples(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        theirs = sess.run(tf1.truncated_normal([N], 0.5, 3.0, seed=1))
    ours = _draw(lambda: tf.truncated_normal([N], 0.5, 3.0))
    assert stats.ks_2samp(np.asarray(ours), theirs).pvalue > 1e-3


def test_shuffle_and_crop():
    value = jnp.arange(40).reshape(10, 4)
    out = _draw(lambda: [tf.random_shuffle(value, seed=s) for s in range(5)])
    for shuffled in out:
        assert sorted(np.asarray(shuffled[:, 0]).tolist()) == list(range(0, 40, 4))
        np.testing.assert_array_equal(
            shuffled[:, 1:] - shuffled[:, :1], np.tile([1, 2, 3], (10, 1))
        )
    assert len({tuple(np.asarray(s[:, 0])) for s in out}) > 1
    image = jnp.arange(8 * 8).reshape(8, 8)
    crops = _draw(lambda: [tf.image.random_crop(image, [3, 5]) for _ in range(40)])
    corners = {(int(c[0, 0]) // 8, int(c[0, 0]) % 8) for c in crops}
    for c in crops:
        r, col = int(c[0, 0]) // 8, int(c[0, 0]) % 8
        np.testing.assert_array_equal(c, image[r : r + 3, col : col + 5])
    assert {r for r, _ in corners} == set(range(6)) and {c for _, c in corners} == set(range(4))


def test_keys_come_from_apply_rng_and_seed_is_folded_in():
    def model():
        return tf.random_normal([4]), tf.random_normal([4]), tf.random_normal([4], seed=3)

    f = fs.transform(model)
    a1, b1, s1 = f.apply({"params": {}}, rng=jax.random.key(0))
    a2, _, _ = f.apply({"params": {}}, rng=jax.random.key(0))
    a3, _, _ = jax.jit(f.apply)({"params": {}}, rng=jax.random.key(1))
    np.testing.assert_array_equal(a1, a2)
    assert not np.allclose(a1, b1) and not np.allclose(a1, a3)
    assert not np.allclose(s1, b1)
    with pytest.raises(ValueError, match="rng=jax.random.key"):
        f.apply({"params": {}})
    # init draws from its own key; a variable's initial value can use a random op.
    init = fs.transform(
        lambda: tf.Variable(tf.random_uniform([3], 0, 10, dtype=tf.int32), name="v")
    )
    v = init.init(jax.random.key(5))["params"]["v"]
    assert v.dtype == jnp.int32 and ((v >= 0) & (v < 10)).all()
    # The default graph draws from its seed.
    tf.set_random_seed(7)
    first = tf.random_uniform([3])
    tf.reset_default_graph()
    tf.random.set_random_seed(7)
    np.testing.assert_array_equal(first, tf.random_uniform([3]))


def test_errors_and_names_match_tf1(tf1):
    calls = [
        (lambda t: t.random_uniform([2], dtype=t.int32), ValueError),
        (lambda t: t.random_uniform([2], dtype=t.bool), ValueError),
        (lambda t: t.random_uniform([2], dtype=t.int64), ValueError),
        (lambda t: t.random.categorical([[0.0, 1.0]], 2, dtype=t.float32), ValueError),
    ]
    with tf1.Graph().as_default():
        for call, kind in calls:
            with pytest.raises(kind) as theirs:
                call(tf1)
            with pytest.raises(kind) as ours:
                call(tf)
            assert str(ours.value) == str(theirs.value)

    def names(t, name_of):
        t.random_uniform([2])
        t.random_normal([2], name="noise")
        t.truncated_normal([2])
        return [
            name_of(t.Variable(1.0, name=n))
            for n in ("random_uniform", "noise", "truncated_normal")
        ]

    with tf1.Graph().as_default():
        want = names(tf1, lambda v: v.name)
    got = fs.transform(lambda: names(tf, fs.name_of)).init_with_output(jax.random.key(0))[0]
    assert got == want
