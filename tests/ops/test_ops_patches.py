"""tf.extract_image_patches / tf.image.extract_patches, tf.nn.max_pool_with_argmax and the
tf.nn spellings of space_to_depth/depth_to_space against tf.compat.v1: values, TF's channel
order and flattened argmax indices over a grid of windows, strides, rates and paddings;
gradients; TF's error messages."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope.compat.v1 as tf

RNG = np.random.default_rng(11)
IMG = RNG.normal(size=(2, 7, 8, 3)).astype(np.float32)
U8 = RNG.integers(0, 256, size=(2, 7, 8, 3)).astype(np.uint8)
# few distinct values, so pooling windows hold ties
TIED = RNG.integers(-2, 3, size=(2, 6, 7, 2)).astype(np.int32)

WINDOWS = ((1, 1), (2, 3), (3, 3))
STRIDES = ((1, 1), (2, 3))
RATES = ((1, 1), (2, 1))
POOLS = ((2, 2), (3, 3), (2, 3))
POOL_STRIDES = ((1, 1), (2, 2), (2, 1))


def _q(pair):
    return [1, pair[0], pair[1], 1]


def _patch_cases(t):
    cases = []
    for (k, s, r, pad), img in itertools.product(
        itertools.product(WINDOWS, STRIDES, RATES, ("SAME", "VALID")), (IMG, U8)
    ):
        cases.append(
            (
                f"patches {k} {s} {r} {pad} {img.dtype}",
                lambda k=k, s=s, r=r, p=pad, x=img: t.extract_image_patches(
                    x, _q(k), _q(s), _q(r), p
                ),
            )
        )
    cases += [
        (
            "extract_patches",
            lambda: t.image.extract_patches(IMG, [1, 3, 2, 1], [1, 2, 2, 1], [1, 1, 2, 1], "SAME"),
        ),
        (
            "sizes=",
            lambda: t.extract_image_patches(
                IMG, sizes=[1, 2, 2, 1], strides=[1, 1, 1, 1], rates=[1, 1, 1, 1], padding="VALID"
            ),
        ),
        (
            "empty",
            lambda: t.extract_image_patches(IMG, _q((2, 2)), _q((1, 2)), _q((7, 1)), "VALID"),
        ),
        ("nn.space_to_depth", lambda: t.nn.space_to_depth(IMG[:, :6], 2)),
        ("nn.depth_to_space", lambda: t.nn.depth_to_space(np.tile(IMG, (1, 1, 1, 4)), 2)),
    ]
    for (k, s, pad), img in itertools.product(
        itertools.product(POOLS, POOL_STRIDES, ("SAME", "VALID")), (IMG, TIED)
    ):
        batch = s == (2, 1)  # the batch in the index on some of them
        cases.append(
            (
                f"argmax {k} {s} {pad} {batch} {img.dtype}",
                lambda k=k, s=s, p=pad, b=batch, x=img: tuple(
                    t.nn.max_pool_with_argmax(x, _q(k), _q(s), p, include_batch_in_index=b)
                ),
            )
        )
    cases.append(
        (
            "argmax Targmax int32",
            lambda: t.nn.max_pool_with_argmax(U8, _q((2, 2)), _q((2, 2)), "SAME", Targmax=t.int32)[
                1
            ],
        )
    )
    return cases


def test_values_match_tf1(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        theirs = _patch_cases(tf1)
        expected = sess.run([thunk() for _, thunk in theirs])
    ours = _patch_cases(tf)
    got_jit = jax.jit(lambda: [thunk() for _, thunk in ours])()
    # op by op, each window offset's slice compiles on its own: a sample of the cases
    got_eager = [thunk() if i % 6 == 0 else None for i, (_, thunk) in enumerate(ours)]
    for (label, _), want, got, jitted in zip(ours, expected, got_eager, got_jit, strict=True):
        if not isinstance(want, tuple):
            want, got, jitted = (want,), (got,), (jitted,)
        if got is None:
            got = (None,) * len(want)
        for w, g, j in zip(want, got, jitted, strict=True):
            if w.dtype == np.int64:  # TF's int64 argmax is int32 here (JAX's x64 is off)
                w = w.astype(np.int32)
            for a in (j,) if g is None else (g, j):
                a = np.asarray(a)
                assert a.shape == w.shape, label
                assert a.dtype == w.dtype, label
                np.testing.assert_array_equal(a, w, err_msg=label)


def test_argmax_result_fields():
    out = tf.nn.max_pool_with_argmax(IMG, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    assert out.output is out[0] and out.argmax is out[1]
    flat = IMG.reshape(-1)
    np.testing.assert_array_equal(
        flat[np.asarray(out.argmax) + np.arange(2)[:, None, None, None] * IMG[0].size], out.output
    )


GRAD_CASES = [
    (
        "patches same",
        lambda t, x: t.extract_image_patches(x, _q((3, 2)), _q((2, 1)), _q((1, 2)), "SAME"),
    ),
    (
        "patches valid",
        lambda t, x: t.extract_image_patches(x, _q((2, 2)), _q((1, 1)), _q((2, 2)), "VALID"),
    ),
    ("argmax", lambda t, x: t.nn.max_pool_with_argmax(x, _q((3, 3)), _q((2, 2)), "SAME")[0]),
    (
        "argmax overlap",
        lambda t, x: t.nn.max_pool_with_argmax(x, _q((2, 3)), _q((1, 1)), "VALID")[0],
    ),
]


def test_gradients_match_tf1(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        grads = []
        for _, fn in GRAD_CASES:
            xt = tf1.constant(IMG)
            y = fn(tf1, xt)
            w = tf1.reshape(tf1.cos(tf1.range(tf1.size(y), dtype=tf1.float32) * 0.37), tf1.shape(y))
            grads.append(tf1.gradients(tf1.reduce_sum(y * w), xt)[0])
        expected = sess.run(grads)
    for (label, fn), want in zip(GRAD_CASES, expected, strict=True):

        def loss(v, f=fn):
            y = f(tf, v)
            w = np.cos(np.arange(y.size, dtype=np.float32) * np.float32(0.37))
            return jnp.sum(y * w.reshape(y.shape))

        got = jax.grad(loss)(jnp.asarray(IMG))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=label)


def test_errors_match_tf1(tf1):
    exact = [
        (
            lambda t: t.extract_image_patches(IMG, [1, 2, 2], _q((1, 1)), _q((1, 1)), "SAME"),
            ValueError,
        ),
        (
            lambda t: t.extract_image_patches(IMG, _q((2, 2)), _q((1, 1)), _q((1, 1)), "FOO"),
            ValueError,
        ),
        (
            lambda t: t.extract_image_patches(
                IMG, strides=_q((1, 1)), rates=_q((1, 1)), padding="VALID"
            ),
            TypeError,
        ),
        (
            lambda t: t.extract_image_patches(
                IMG, _q((2, 2)), _q((1, 1)), _q((1, 1)), "SAME", sizes=_q((2, 2))
            ),
            ValueError,
        ),
        (
            lambda t: t.nn.max_pool_with_argmax(
                IMG, _q((2, 2)), _q((2, 2)), "SAME", data_format="NCHW"
            ),
            ValueError,
        ),
        (lambda t: t.nn.max_pool_with_argmax(IMG, [2, 2, 1], _q((2, 2)), "SAME"), ValueError),
        (lambda t: t.nn.max_pool_with_argmax(IMG, 2, 2, "SAME"), TypeError),
        (lambda t: t.nn.max_pool_with_argmax(IMG, _q((2, 2)), _q((2, 2)), "FOO"), ValueError),
        (
            lambda t: t.nn.max_pool_with_argmax(
                IMG, _q((2, 2)), _q((2, 2)), "SAME", Targmax=t.int32, output_dtype=t.int32
            ),
            ValueError,
        ),
    ]
    shape_fn = [
        (
            lambda t: t.extract_image_patches(IMG[0], _q((2, 2)), _q((1, 1)), _q((1, 1)), "SAME"),
            ValueError,
        ),
        (
            lambda t: t.extract_image_patches(IMG, _q((9, 2)), _q((1, 1)), _q((1, 1)), "VALID"),
            ValueError,
        ),
        (
            lambda t: t.extract_image_patches(IMG, [1, 2, 2, 1, 1], _q((1, 1)), _q((1, 1)), "SAME"),
            ValueError,
        ),
        (lambda t: t.nn.max_pool_with_argmax(IMG[0], _q((2, 2)), _q((2, 2)), "SAME"), ValueError),
    ]
    with tf1.Graph().as_default():
        for call, kind in exact + shape_fn:
            with pytest.raises(kind) as theirs:
                call(tf1)
            with pytest.raises(kind) as ours:
                call(tf)
            if (call, kind) in exact:
                assert str(ours.value) == str(theirs.value)
            else:
                assert str(ours.value).split(" for '")[0] == str(theirs.value).split(" for '")[0]
    # TF raises these when the graph runs; here at the call
    for call, text in (
        (
            lambda: tf.extract_image_patches(IMG, [2, 2, 2, 1], _q((1, 1)), _q((1, 1)), "SAME"),
            "Only support ksizes across space.",
        ),
        (
            lambda: tf.nn.max_pool_with_argmax(IMG, [2, 2, 2, 1], _q((2, 2)), "SAME"),
            "Pooling is not yet supported on the batch dimension.",
        ),
    ):
        with pytest.raises(tf.errors.UnimplementedError, match=text):
            call()
