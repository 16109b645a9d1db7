"""tf.* array ops against tf.compat.v1 in graph mode: values, shapes and dtypes over grids.

Each case is a function of the ``tf`` module; it runs once on TensorFlow (all cases of a
test in one graph and one ``Session.run``) and once on ``flaxscope.compat.v1``.
"""

from __future__ import annotations

import itertools

import jax
import numpy as np
import pytest
from _array_oracle import ARRAYS, B23, I23, X5, X131, X234  # noqa: F401
from _array_oracle import compare as _compare

import flaxscope.compat.v1 as fst


def test_reshape_concat_split_stack_grid(tf1):
    cases = []
    for key, x in ARRAYS.items():
        r, n = x.ndim, x.size
        for target in ([-1], [n], [1, -1], [-1, 1], list(reversed(x.shape)), [n, 1, 1]):
            cases.append((f"reshape {key} {target}", lambda tf, x=x, t=target: tf.reshape(x, t)))
        for axis in range(-r, r):
            cases.append(
                (f"concat {key} {axis}", lambda tf, x=x, a=axis: tf.concat([x, x * 2, x], a))
            )
            cases.append((f"stack {key} {axis}", lambda tf, x=x, a=axis: tf.stack([x, x + 1], a)))
            cases.append((f"unstack {key} {axis}", lambda tf, x=x, a=axis: tf.unstack(x, axis=a)))
            d = x.shape[axis]
            for pieces in (p for p in (1, 2, 3, 4, 5) if d % p == 0):
                cases.append(
                    (
                        f"split {key} {pieces} {axis}",
                        lambda tf, x=x, p=pieces, a=axis: tf.split(x, p, a),
                    )
                )
            sizes = [1, -1] if d > 1 else [-1]
            cases.append(
                (
                    f"splitv {key} {sizes} {axis}",
                    lambda tf, x=x, s=sizes, a=axis: tf.split(x, s, axis=a),
                )
            )
        cases.append((f"stack last {key}", lambda tf, x=x: tf.stack([x, x], axis=-1)))
        cases.append((f"concat one {key}", lambda tf, x=x: tf.concat([x], 0)))
        cases.append((f"unstack num {key}", lambda tf, x=x: tf.unstack(x, num=x.shape[0])))
    cases.append(("concat py list", lambda tf: tf.concat([I23, [[1, 2, 3]]], 0)))
    cases.append(("split sizes tensor", lambda tf: tf.split(X234, np.array([2, 2]), 2)))
    assert _compare(tf1, cases) > 80


def test_axes_and_layout_grid(tf1):
    cases = []
    for key, x in ARRAYS.items():
        r = x.ndim
        for perm in [None, *itertools.permutations(range(r))]:
            cases.append((f"transpose {key} {perm}", lambda tf, x=x, p=perm: tf.transpose(x, p)))
        for axis in range(-r - 1, r + 1):
            cases.append(
                (f"expand_dims {key} {axis}", lambda tf, x=x, a=axis: tf.expand_dims(x, a))
            )
        cases.append((f"expand_dims dim= {key}", lambda tf, x=x: tf.expand_dims(x, dim=-1)))
        cases.append((f"squeeze {key}", lambda tf, x=x: tf.squeeze(x)))
        for axis in range(-r, r):
            cases.append((f"reverse {key} {axis}", lambda tf, x=x, a=axis: tf.reverse(x, [a])))
            cases.append((f"roll {key} {axis}", lambda tf, x=x, a=axis: tf.roll(x, 2, a)))
        reps = [2] * r
        cases.append((f"tile {key}", lambda tf, x=x, m=reps: tf.tile(x, m)))
        cases.append((f"reverse all {key}", lambda tf, x=x, r=r: tf.reverse_v2(x, list(range(r)))))
    c = (X234 + 1j * X234).astype(np.complex64)
    cases.append(("transpose conjugate", lambda tf: tf.transpose(c, [1, 0, 2], conjugate=True)))
    for axis in ([0], [-1], [0, 2], 2):
        cases.append((f"squeeze {axis}", lambda tf, a=axis: tf.squeeze(X131, a)))
    cases.append(("squeeze_dims", lambda tf: tf.squeeze(X131, squeeze_dims=[2])))
    cases.append(("broadcast_to", lambda tf: tf.broadcast_to(I23, [4, 2, 3])))
    cases.append(("broadcast_to 1", lambda tf: tf.broadcast_to(X131, [2, 3, 5])))
    for mode in ("CONSTANT", "REFLECT", "SYMMETRIC", "reflect"):
        for pads in ([[0, 0], [1, 2], [2, 1]], [[1, 1], [0, 0], [3, 0]]):
            cases.append((f"pad {mode} {pads}", lambda tf, m=mode, p=pads: tf.pad(X234, p, m)))
    cases.append(("pad cv", lambda tf: tf.pad(I23, [[1, 0], [0, 2]], constant_values=7)))
    cases.append(("pad cv f", lambda tf: tf.pad(X5, [[2, 1]], constant_values=-1.5)))
    for sa, ba in ((1, 0), (0, 1), (2, 0), (1, 2)):
        lengths = [1, 3] if ba == 0 else ([2, 0, 1] if ba == 1 else [3, 1, 2, 3])
        cases.append(
            (
                f"reverse_sequence {sa} {ba}",
                lambda tf, s=sa, b=ba, n=lengths: tf.reverse_sequence(
                    X234, n, seq_axis=s, batch_axis=b
                ),
            )
        )
    cases.append(
        ("reverse_sequence legacy", lambda tf: tf.reverse_sequence(X234, [2, 1], seq_dim=1))
    )
    x = np.random.default_rng(1).standard_normal((1, 2, 3, 8)).astype(np.float32)
    y = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    for block, pads in (([2, 3], [[0, 0], [0, 0]]), ([2, 2], [[1, 1], [0, 2]]), ([2], [[1, 1]])):
        cases.append(
            (
                f"space_to_batch_nd {block} {pads}",
                lambda tf, b=block, p=pads: tf.space_to_batch_nd(y, b, p),
            )
        )
        cases.append(
            (
                f"batch_to_space_nd {block} {pads}",
                lambda tf, b=block, p=pads: tf.batch_to_space_nd(
                    tf.space_to_batch_nd(y, b, p), b, p
                ),
            )
        )
    cases.append(("space_to_batch", lambda tf: tf.space_to_batch(y, [[0, 0], [0, 2]], 2)))
    cases.append(
        (
            "batch_to_space",
            lambda tf: tf.batch_to_space(
                tf.space_to_batch(y, [[0, 0], [0, 2]], 2), [[0, 1], [1, 0]], 2
            ),
        )
    )
    cases.append(("manip.roll", lambda tf: tf.manip.roll(y, [1, -2], [1, 2])))
    cases.append(("manip.reshape", lambda tf: tf.manip.reshape(y, [4, -1])))
    cases.append(("depth_to_space", lambda tf: tf.depth_to_space(x, 2)))
    cases.append(("space_to_depth", lambda tf: tf.space_to_depth(X234.reshape(1, 2, 4, 3), 2)))
    assert _compare(tf1, cases) > 60


def test_shape_arithmetic_stays_static_under_jit():
    x = np.zeros((2, 3, 4), np.float32)

    @jax.jit
    def f(x):
        batch = fst.shape(x)[0]
        y = fst.reshape(x, fst.concat([fst.shape(x)[:-1], [2, -1]], 0))
        z = fst.reshape(y, fst.stack([batch, -1]))
        n = fst.size(x) // fst.gather(fst.shape(x), 0)
        w = fst.zeros(fst.shape(z)) + fst.reshape(z, [-1, n])
        return w, fst.range(fst.rank(x))

    w, r = f(x)
    assert w.shape == (2, 12)
    np.testing.assert_array_equal(r, [0, 1, 2])


def test_traced_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="must be known when the function is traced"):
        jax.jit(lambda x, n: fst.reshape(x, [n, -1]))(np.zeros(4), 2)
    with pytest.raises(ValueError, match=r"tf\.where returns an array whose size depends"):
        jax.jit(lambda c: fst.where(c))(np.array([True]))
    with pytest.raises(ValueError, match=r"tf\.boolean_mask .*jnp\.where"):
        jax.jit(lambda x, m: fst.boolean_mask(x, m))(np.zeros(2), np.array([True, False]))
