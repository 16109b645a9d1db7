"""More tf.image ops against tf.compat.v1: quality measures (total_variation, psnr, ssim,
ssim_multiscale), derivative filters (sobel_edges, image_gradients), rot90/transpose,
resize_image_with_pad, the color adjustments and HSV conversions, the random adjustments'
deterministic parts; gradients and TF's error messages."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

RNG = np.random.default_rng(3)
IMG = RNG.uniform(0, 1, size=(2, 12, 13, 3)).astype(np.float32)
IMG2 = np.clip(IMG + RNG.normal(0, 0.1, IMG.shape), 0, 1).astype(np.float32)
U8 = RNG.integers(0, 256, size=(2, 12, 13, 3)).astype(np.uint8)
U8B = RNG.integers(0, 256, size=(2, 12, 13, 3)).astype(np.uint8)
# pixels with equal channels, so the HSV case splits meet their ties
TIES = (RNG.integers(0, 4, size=(1, 6, 7, 3)) / 3).astype(np.float32)
SQUARE = RNG.uniform(0, 1, size=(2, 5, 5, 2)).astype(np.float32)
HSV = np.stack(
    [RNG.uniform(0, 1, (3, 4)), RNG.uniform(0, 1, (3, 4)), RNG.uniform(0, 1, (3, 4))], -1
).astype(np.float32)


def _cases(t):
    """(label, thunk) pairs, the same calls for TF1 and flaxscope."""
    im = t.image
    cases = [
        ("tv 4d", lambda: im.total_variation(t.constant(IMG))),
        ("tv 3d", lambda: im.total_variation(t.constant(IMG[0]))),
        ("tv int32", lambda: im.total_variation(t.constant(U8.astype(np.int32)))),
        ("psnr", lambda: im.psnr(IMG, IMG2, 1.0)),
        ("psnr u8", lambda: im.psnr(U8, U8B, 255)),
        ("psnr bcast", lambda: im.psnr(IMG, IMG2[:1], 1.0)),
        ("psnr mixed", lambda: im.psnr(U8, IMG, 255)),
        ("psnr 3d", lambda: im.psnr(IMG[0], IMG2[0], 2.0)),
        ("ssim", lambda: im.ssim(IMG, IMG2, 1.0)),
        ("ssim 3x3", lambda: im.ssim(IMG, IMG2, 1.0, filter_size=3, filter_sigma=0.8)),
        ("ssim u8", lambda: im.ssim(U8, U8B, 255, filter_size=5)),
        ("ssim k", lambda: im.ssim(IMG, IMG2, 1.0, filter_size=7, k1=0.05, k2=0.1)),
        ("ssim map", lambda: im.ssim(IMG, IMG2, 1.0, filter_size=5, return_index_map=True)),
        ("ssim same", lambda: im.ssim(IMG[0], IMG[0], 1.0)),
        (
            "ms-ssim",
            lambda: im.ssim_multiscale(IMG, IMG2, 1.0, (0.3, 0.4, 0.3), filter_size=3),
        ),
        (
            "ms-ssim u8",
            lambda: im.ssim_multiscale(U8, U8B, 255, (0.5, 0.5), filter_size=5),
        ),
        ("sobel", lambda: im.sobel_edges(t.constant(IMG))),
        ("sobel f16", lambda: im.sobel_edges(t.constant(SQUARE.astype(np.float16)))),
        ("grad dy", lambda: im.image_gradients(t.constant(IMG))[0]),
        ("grad dx", lambda: im.image_gradients(t.constant(IMG))[1]),
        ("grad u8", lambda: im.image_gradients(t.constant(U8))[1]),
        ("transpose", lambda: im.transpose(IMG)),
        ("transpose_image 3d", lambda: im.transpose_image(U8[0])),
        ("rgb_to_hsv", lambda: im.rgb_to_hsv(IMG)),
        ("rgb_to_hsv ties", lambda: im.rgb_to_hsv(TIES)),
        ("hsv_to_rgb", lambda: im.hsv_to_rgb(HSV)),
        ("hsv round trip", lambda: im.hsv_to_rgb(im.rgb_to_hsv(TIES))),
        ("gray", lambda: im.rgb_to_grayscale(IMG)),
        ("gray to rgb", lambda: im.grayscale_to_rgb(t.constant(IMG[..., :1]))),
        ("random_brightness 0", lambda: im.random_brightness(U8, 0.0)),
        ("random_hue 0", lambda: im.random_hue(IMG, 0.0)),
    ]
    for k, img in itertools.product((-1, 0, 1, 2, 3, 6), (IMG, U8[0], SQUARE)):
        cases.append((f"rot90 {k} {img.shape}", lambda k=k, x=img: im.rot90(x, k)))
    for (h, w), method in itertools.product(
        ((7, 20), (20, 7), (12, 13), (5, 5), (30, 31), (1, 40)), (0, 1, 2, 3)
    ):
        cases.append(
            (
                f"pad {h}x{w} m={method}",
                lambda h=h, w=w, m=method: im.resize_image_with_pad(IMG, h, w, method=m),
            )
        )
    cases += [
        ("pad align", lambda: im.resize_image_with_pad(IMG[0], 9, 25, align_corners=True)),
        ("pad u8 same", lambda: im.resize_image_with_pad(U8, 12, 13)),
        ("pad u8 nearest", lambda: im.resize_image_with_pad(U8[0], 17, 8, method=1)),
    ]
    for img in (IMG, U8, SQUARE.astype(np.float16)[..., :1]):
        tag = img.dtype.name
        for delta in (-0.3, 0.0, 0.25):
            cases.append(
                (f"brightness {tag} {delta}", lambda x=img, d=delta: im.adjust_brightness(x, d))
            )
        for factor in (-1.0, 0.5, 2.0) if tag != "float16" else ():  # no f16 CPU kernel in TF
            cases.append(
                (f"contrast {tag} {factor}", lambda x=img, f=factor: im.adjust_contrast(x, f))
            )
        for gamma, gain in ((0.5, 1.0), (2, 1), (1.7, 0.6)):
            cases.append(
                (
                    f"gamma {tag} {gamma} {gain}",
                    lambda x=img, g=gamma, n=gain: im.adjust_gamma(x, g, n),
                )
            )
    for img in (IMG, U8, TIES):
        tag = f"{img.dtype.name} {img.shape}"
        for factor in (0.0, 0.5, 2.0, 10.0):
            cases.append(
                (f"saturation {tag} {factor}", lambda x=img, f=factor: im.adjust_saturation(x, f))
            )
        for delta in (-0.9, -0.25, 0.0, 0.1, 0.5, 1.0):
            cases.append((f"hue {tag} {delta}", lambda x=img, d=delta: im.adjust_hue(x, d)))
    return cases


def test_values_match_tf1(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        theirs = _cases(tf1)
        expected = sess.run([thunk() for _, thunk in theirs])
    ours = _cases(tf)
    run = fs.transform(lambda: [thunk() for _, thunk in ours])
    got_jit = jax.jit(lambda: run.apply({"params": {}}, rng=jax.random.key(0)))()
    # op by op every small op compiles on its own: a sample of the cases runs eagerly
    sample = fs.transform(
        lambda: [thunk() if i % 5 == 0 else None for i, (_, thunk) in enumerate(ours)]
    )
    got_eager = sample.apply({"params": {}}, rng=jax.random.key(0))
    for (label, _), want, got, jitted in zip(ours, expected, got_eager, got_jit, strict=True):
        for g in (jitted,) if got is None else (got, jitted):
            g = np.asarray(g)
            assert g.shape == want.shape, label
            assert g.dtype == want.dtype, label
            if np.issubdtype(want.dtype, np.integer):
                np.testing.assert_array_equal(g, want, err_msg=label)
            else:
                # TF's float16 filters round their partial sums to float16
                rtol, atol = (1e-3, 1e-3) if want.dtype == np.float16 else (2e-5, 2e-6)
                scale = max(1.0, float(np.abs(want).max()))
                np.testing.assert_allclose(
                    g.astype(np.float32),
                    want.astype(np.float32),
                    rtol=rtol,
                    atol=atol * scale,
                    err_msg=label,
                )


GRAD_CASES = [
    ("tv", IMG, lambda t, x: t.image.total_variation(x)),
    ("psnr", IMG, lambda t, x: t.image.psnr(x, IMG2, 1.0)),
    ("ssim", IMG, lambda t, x: t.image.ssim(x, IMG2, 1.0, filter_size=5)),
    (
        "ms-ssim",
        IMG,
        lambda t, x: t.image.ssim_multiscale(x, IMG2, 1.0, (0.3, 0.4, 0.3), filter_size=3),
    ),
    ("sobel", IMG, lambda t, x: t.image.sobel_edges(x)),
    ("image_gradients", IMG, lambda t, x: t.image.image_gradients(x)[0]),
    ("rot90", IMG, lambda t, x: t.image.rot90(x, 3)),
    ("transpose", IMG, lambda t, x: t.image.transpose(x)),
    ("pad", IMG, lambda t, x: t.image.resize_image_with_pad(x, 7, 20)),
    ("brightness", IMG, lambda t, x: t.image.adjust_brightness(x, 0.3)),
    ("gamma", IMG, lambda t, x: t.image.adjust_gamma(x, 1.7, 0.5)),
    ("rgb_to_hsv", IMG, lambda t, x: t.image.rgb_to_hsv(x)),
]


def _weights(n):
    """Fixed upstream weights, the same in both frameworks."""
    return np.cos(np.arange(n, dtype=np.float32) * np.float32(0.37))


def test_gradients_match_tf1(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        grads = []
        for _, x, fn in GRAD_CASES:
            xt = tf1.constant(x)
            y = fn(tf1, xt)
            w = tf1.reshape(tf1.cos(tf1.range(tf1.size(y), dtype=tf1.float32) * 0.37), tf1.shape(y))
            grads.append(tf1.gradients(tf1.reduce_sum(y * w), xt)[0])
        expected = sess.run(grads)
    for (label, x, fn), want in zip(GRAD_CASES, expected, strict=True):

        def loss(v, f=fn):
            y = f(tf, v)
            return jnp.sum(y * _weights(y.size).reshape(y.shape))

        got = jax.grad(loss)(jnp.asarray(x))
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * scale, err_msg=label)


def test_random_adjustments():
    img = jnp.asarray(IMG)

    def draws():
        return {
            "brightness": [tf.image.random_brightness(img, 0.2, seed=s) for s in range(6)],
            "contrast": [tf.image.random_contrast(img, 0.3, 0.9, seed=s) for s in range(6)],
            "saturation": [tf.image.random_saturation(img, 0.5, 1.5, seed=s) for s in range(6)],
            "hue": [tf.image.random_hue(img, 0.4, seed=s) for s in range(6)],
            "u8": tf.image.random_brightness(U8, 0.5),
            "u8 hue": tf.image.random_hue(U8, 0.5),
        }

    out = fs.transform(draws).apply({"params": {}}, rng=jax.random.key(5))
    deltas = [float(jnp.mean(b - img)) for b in out["brightness"]]
    for b, d in zip(out["brightness"], deltas, strict=True):
        np.testing.assert_allclose(b - img, d, atol=1e-6)  # one delta for the whole batch
        assert -0.2 <= d <= 0.2
    assert len({round(d, 6) for d in deltas}) == 6
    mean = IMG.mean(axis=(1, 2), keepdims=True)
    for c in out["contrast"]:
        factor = (np.asarray(c) - mean) / (IMG - mean)
        assert 0.3 <= float(np.median(factor)) < 0.9
        np.testing.assert_allclose(
            np.asarray(c),
            np.asarray(tf.image.adjust_contrast(IMG, float(np.median(factor)))),
            atol=1e-5,
        )
    for key in ("saturation", "hue"):
        assert len({float(x.sum()) for x in out[key]}) == 6, key
        for x in out[key]:
            assert x.shape == IMG.shape and x.dtype == jnp.float32
            assert float(x.min()) >= 0 and float(x.max()) <= 1 + 1e-6
    assert out["u8"].dtype == jnp.uint8 and out["u8 hue"].dtype == jnp.uint8
    for fn in (
        lambda: tf.image.random_brightness(IMG, 0.0),
        lambda: tf.image.random_hue(IMG, 0.0),
    ):
        np.testing.assert_allclose(
            fs.transform(fn).apply({"params": {}}, rng=jax.random.key(1)), IMG, atol=1e-6
        )


def test_traced_rot90_k_on_square_images():
    got = jax.jit(lambda x, k: tf.image.rot90(x, k))(SQUARE, jnp.int32(3))
    np.testing.assert_array_equal(got, np.rot90(SQUARE, 3, axes=(1, 2)))
    with pytest.raises(TypeError, match="Python int k"):
        jax.jit(lambda x, k: tf.image.rot90(x, k))(IMG, jnp.int32(1))


def _tensor(t, value):
    """A tensor of ``value`` (flaxscope's tf.constant gives numpy, which TF would convert)."""
    return jnp.asarray(value) if t is tf else t.constant(value)


def _first_sentence(text: str) -> str:
    """A shape-function message without its node description, which differs by graph."""
    return text.split(" for '")[0]


def test_errors_match_tf1(tf1):
    exact = [
        (lambda t: t.image.total_variation(t.constant(IMG[0, 0])), ValueError),
        (lambda t: t.image.total_variation(t.constant(U8)), TypeError),
        (lambda t: t.image.image_gradients(t.constant(IMG[0])), ValueError),
        (lambda t: t.image.sobel_edges(t.constant(U8)), TypeError),
        (lambda t: t.image.rot90(IMG[0, 0]), ValueError),
        (lambda t: t.image.rot90(IMG[None]), ValueError),
        (lambda t: t.image.rot90(IMG, 1.0), TypeError),
        (lambda t: t.image.rot90(IMG, [1]), ValueError),
        (lambda t: t.image.rot90(np.zeros((0, 3, 3), np.float32)), ValueError),
        (lambda t: t.image.transpose(IMG[None]), ValueError),
        (lambda t: t.image.resize_image_with_pad(IMG[0, 0], 3, 3), ValueError),
        (lambda t: t.image.resize_image_with_pad(IMG, 0, 3), ValueError),
        (lambda t: t.image.resize_image_with_pad(IMG, 3, 0), ValueError),
        (lambda t: t.image.adjust_brightness(IMG > 0.5, 0.1), AttributeError),
        (lambda t: t.image.adjust_gamma(IMG, -1), ValueError),
        (lambda t: t.image.rgb_to_hsv(_tensor(t, U8)), TypeError),
        (lambda t: t.image.random_brightness(IMG, -1.0), ValueError),
        (lambda t: t.image.random_contrast(IMG, 0.5, 0.5), ValueError),
        (lambda t: t.image.random_contrast(IMG, -0.5, 0.5), ValueError),
        (lambda t: t.image.random_saturation(IMG, 0.5, 0.2), ValueError),
        (lambda t: t.image.random_saturation(IMG, -0.5, 0.7), ValueError),
        (lambda t: t.image.random_hue(IMG, 0.6), ValueError),
        (lambda t: t.image.random_hue(IMG, -0.1), ValueError),
    ]
    shape_fn = [
        (lambda t: t.image.psnr(IMG[0, 0], IMG[0, 0], 1.0), ValueError),
        (lambda t: t.image.psnr(IMG, IMG[:, :, :5], 1.0), ValueError),
        (lambda t: t.image.ssim(IMG[:, :5], IMG[:, :5], 1.0), ValueError),
        (lambda t: t.image.sobel_edges(t.constant(IMG[0])), ValueError),
        (lambda t: t.image.adjust_contrast(IMG[0, 0], 0.1), ValueError),
        (lambda t: t.image.adjust_hue(IMG[0, 0, 0], 0.2), ValueError),
        (lambda t: t.image.rgb_to_hsv(IMG[..., :2]), ValueError),
        (lambda t: t.image.hsv_to_rgb(IMG[..., :2]), ValueError),
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
                assert _first_sentence(str(ours.value)) == _first_sentence(str(theirs.value))
    # TF raises these when the graph runs; here they are raised at the call
    for call in (
        lambda: tf.image.adjust_saturation(IMG[..., :2], 2.0),
        lambda: tf.image.adjust_hue(IMG[..., :2], 0.2),
    ):
        with pytest.raises(tf.errors.InvalidArgumentError, match="input must have 3 channels"):
            call()
