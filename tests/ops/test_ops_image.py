"""tf.image ops against tf.compat.v1: TF1's resize kernels (not jax.image's) over a grid of
methods, sizes, align_corners and half_pixel_centers; crops, pads, flips, dtype
conversion, grayscale, standardization; names and errors."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

RNG = np.random.default_rng(1)
IMG = RNG.uniform(0, 255, size=(2, 5, 7, 3)).astype(np.float32)
U8 = RNG.integers(0, 256, size=(4, 6, 3)).astype(np.uint8)
GRAY = RNG.integers(0, 256, size=(2, 3, 4, 1)).astype(np.uint8)
BOXES = np.array(
    [
        [0.1, 0.2, 0.8, 0.9],
        [0.0, 0.0, 1.0, 1.0],
        [0.9, 0.73, 0.2, 0.1],
        [-0.3, 0.5, 0.6, 1.4],
        [0.5, 0.5, 0.5, 0.5],
    ],
    np.float32,
)
SIZES = ([3, 4], [5, 7], [10, 9], [1, 1], [8, 3], [13, 21])


def _cases(t):
    """(label, thunk) pairs, the same calls for TF1 and flaxscope."""
    cases = []
    ops = {
        "bilinear": t.image.resize_bilinear,
        "nearest": t.image.resize_nearest_neighbor,
        "bicubic": t.image.resize_bicubic,
        "area": t.image.resize_area,
    }
    for (kind, op), size, align, half in itertools.product(
        ops.items(), SIZES, (False, True), (False, True)
    ):
        if align and half or (half and kind == "area"):
            continue
        cases.append(
            (
                f"{kind} {size} a={align} h={half}",
                lambda op=op, s=size, a=align, h=half: op(
                    IMG, s, align_corners=a, **({"half_pixel_centers": True} if h else {})
                ),
            )
        )
    for method, size, align in itertools.product(
        range(4), ([3, 4], [9, 11], [5, 7]), (False, True)
    ):
        cases.append(
            (
                f"resize_images {method} {size} {align}",
                lambda m=method, s=size, a=align: t.image.resize_images(
                    IMG[0], s, method=m, align_corners=a
                ),
            )
        )
    cases += [
        ("resize_images u8 nearest", lambda: t.image.resize_images(U8, [7, 5], method=1)),
        ("resize_images u8 bilinear", lambda: t.image.resize_images(U8, [7, 5])),
        ("resize_images same", lambda: t.image.resize_images(U8, [4, 6])),
        ("resize aspect", lambda: t.image.resize_images(IMG, [10, 10], preserve_aspect_ratio=True)),
        ("resize v2 string", lambda: t.image.resize(IMG, [4, 4], method="area")),
        ("flip_lr", lambda: t.image.flip_left_right(IMG)),
        ("flip_ud", lambda: t.image.flip_up_down(U8)),
        ("std", lambda: t.image.per_image_standardization(IMG)),
        ("std u8", lambda: t.image.per_image_standardization(U8)),
        ("std const", lambda: t.image.per_image_standardization(np.ones((3, 3, 1), np.float32))),
    ]
    for fraction in (0.3, 0.5, 0.77, 1.0):
        cases.append((f"central {fraction}", lambda f=fraction: t.image.central_crop(IMG, f)))
    for box in ((0, 0, 5, 7), (1, 2, 3, 4), (4, 6, 1, 1)):
        cases.append((f"crop {box}", lambda b=box: t.image.crop_to_bounding_box(IMG, *b)))
    for box in ((0, 0, 5, 7), (1, 2, 8, 10), (3, 0, 9, 7)):
        cases.append((f"pad {box}", lambda b=box: t.image.pad_to_bounding_box(U8, *b)))
    for target in ((4, 6), (2, 3), (7, 9), (3, 10), (9, 1)):
        cases.append(
            (
                f"crop_or_pad {target}",
                lambda g=target: t.image.resize_image_with_crop_or_pad(IMG, *g),
            )
        )
    floats = np.array([[[0.0, 0.25, 0.5], [0.999, 1.0, 1.3]]], np.float32)
    for src, dst, sat in (
        (U8, t.float32, False),
        (U8, t.int32, False),
        (U8, t.int16, False),
        (np.array([[[1000, -3000, 32767]]], np.int16), t.uint8, False),
        (np.array([[[1000, -3000, 32767]]], np.int16), t.int8, True),
        (floats, t.uint8, False),
        (floats, t.uint8, True),
        (floats, t.int32, False),
        (floats, t.float16, False),
        (U8, t.uint8, False),
    ):
        cases.append(
            (
                f"convert {src.dtype}->{dst} {sat}",
                lambda s=src, d=dst, a=sat: t.image.convert_image_dtype(s, d, saturate=a),
            )
        )
    cases += [
        ("gray f", lambda: t.image.rgb_to_grayscale(IMG)),
        ("gray u8", lambda: t.image.rgb_to_grayscale(U8)),
        *[
            (
                f"crop_and_resize {method} {size}",
                lambda m=method, s=size: t.image.crop_and_resize(
                    IMG, BOXES, [0, 1, 1, 0, 1], s, method=m, extrapolation_value=-7.0
                ),
            )
            for method in ("bilinear", "nearest")
            for size in ([3, 4], [1, 1], [1, 5], [6, 2])
        ],
        ("gray to rgb", lambda: t.image.grayscale_to_rgb(t.constant(GRAY))),
    ]
    return cases


def test_values_match_tf1(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        theirs = _cases(tf1)
        expected = sess.run([thunk() for _, thunk in theirs])
    ours = _cases(tf)
    got_jit = jax.jit(lambda: [thunk() for _, thunk in ours])()
    # op by op every small op compiles on its own: a sample of the cases runs eagerly
    got_eager = [thunk() if i % 4 == 0 else None for i, (_, thunk) in enumerate(ours)]
    for (label, _), want, got, jitted in zip(ours, expected, got_eager, got_jit, strict=True):
        for g in (jitted,) if got is None else (got, jitted):
            g = np.asarray(g)
            assert g.shape == want.shape, label
            assert g.dtype == want.dtype, label
            if np.issubdtype(want.dtype, np.integer):
                np.testing.assert_array_equal(g, want, err_msg=label)
            else:
                scale = max(1.0, float(np.abs(want).max()))
                np.testing.assert_allclose(g, want, rtol=1e-5, atol=2e-6 * scale, err_msg=label)


def test_differs_from_jax_image_where_tf1_does():
    # TF1's legacy bilinear samples i * in / out; jax.image.resize uses half-pixel centers.
    ours = tf.image.resize_bilinear(IMG, [10, 14])
    theirs = jax.image.resize(IMG, (2, 10, 14, 3), "bilinear")
    assert float(jnp.abs(ours - theirs).max()) > 1.0


def test_random_flips_and_grad():
    batch = jnp.asarray(IMG)
    out = fs.transform(
        lambda: [tf.image.random_flip_left_right(batch), tf.image.random_flip_up_down(batch[0])]
    ).apply({"params": {}}, rng=jax.random.key(2))
    for i in range(2):
        assert np.array_equal(out[0][i], IMG[i]) or np.array_equal(out[0][i], IMG[i, :, ::-1])
    assert np.array_equal(out[1], IMG[0]) or np.array_equal(out[1], IMG[0, ::-1])
    flips = fs.transform(
        lambda: [tf.image.random_flip_left_right(batch[0], seed=s) for s in range(40)]
    ).apply({"params": {}}, rng=jax.random.key(0))
    flipped = sum(not np.array_equal(f, IMG[0]) for f in flips)
    assert 8 < flipped < 32
    g = jax.grad(lambda x: tf.image.resize_bicubic(x, [9, 4]).sum())(batch)
    assert g.shape == batch.shape and float(jnp.abs(g).sum()) > 0


def test_errors_and_names_match_tf1(tf1):
    calls = [
        (lambda t: t.image.flip_left_right(np.zeros((3, 3), np.float32)), ValueError),
        (lambda t: t.image.central_crop(IMG, 1.5), ValueError),
        (lambda t: t.image.resize_images(IMG, [3, 4, 5]), ValueError),
        (lambda t: t.image.resize_images(IMG[0, 0], [3, 4]), ValueError),
        (lambda t: t.image.resize_images(IMG, [3, 4], method=7), ValueError),
        (lambda t: t.image.crop_to_bounding_box(IMG, 3, 0, 4, 2), ValueError),
        (lambda t: t.image.pad_to_bounding_box(IMG, 0, 2, 5, 8), ValueError),
        (lambda t: t.image.convert_image_dtype(IMG, t.bool), AttributeError),
    ]
    with tf1.Graph().as_default():
        for call, kind in calls:
            with pytest.raises(kind) as theirs:
                call(tf1)
            with pytest.raises(kind) as ours:
                call(tf)
            assert str(ours.value) == str(theirs.value)

    def names(t, name_of):
        t.image.flip_left_right(IMG)
        t.image.resize_bilinear(IMG, [2, 2])
        return [name_of(t.Variable(1.0, name=n)) for n in ("flip_left_right", "ResizeBilinear")]

    with tf1.Graph().as_default():
        want = names(tf1, lambda v: v.name)
    got = fs.transform(lambda: names(tf, fs.name_of)).init_with_output(jax.random.key(0))[0]
    assert got == want


def test_non_max_suppression_matches_tf1(tf1):
    rng = np.random.default_rng(7)
    corners = rng.uniform(0, 1, size=(40, 2, 2)).astype(np.float32)
    boxes = np.concatenate([corners[:, 0], corners[:, 0] + rng.uniform(0.05, 0.4, (40, 2))], 1)
    boxes[::7] = boxes[::7][:, [2, 3, 0, 1]]  # some flipped corners
    scores = rng.permutation(40).astype(np.float32) / 40
    grid = [(10, 0.5, -np.inf), (40, 0.3, 0.2), (5, 0.7, 0.5), (40, 0.0, -np.inf), (3, 1.0, 0.9)]
    with tf1.Graph().as_default(), tf1.Session() as sess:
        want = sess.run([tf1.image.non_max_suppression(boxes, scores, m, i, s) for m, i, s in grid])
    padded = jax.jit(
        lambda b, s: [
            tf.image.non_max_suppression_padded(b, s, m, i, t, pad_to_max_output_size=True)
            for m, i, t in grid
        ]
    )(boxes, scores)
    for (m, i, s), w, (idx, count) in zip(grid, want, padded, strict=True):
        got = tf.image.non_max_suppression(boxes, scores, m, i, s)
        assert got.dtype == w.dtype
        np.testing.assert_array_equal(got, w)
        assert int(count) == len(w)
        np.testing.assert_array_equal(idx[: len(w)], w)
        assert (np.asarray(idx[len(w) :]) == 0).all()
    with pytest.raises(TypeError, match="non_max_suppression_padded"):
        jax.jit(lambda b, s: tf.image.non_max_suppression(b, s, 3))(boxes, scores)
