"""tf.sparse_add / sparse_reshape / sparse_retain / sparse_softmax against tf.compat.v1
(graph mode): indices, values, dense shapes, and the errors of bad calls."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from _array_oracle import compare

import flaxscope.compat.v1 as fst

A = ([[0, 1], [1, 0], [2, 3]], np.float32([1.0, -2.0, 3.0]), [3, 4])
B = ([[0, 1], [1, 1], [2, 3]], np.float32([-1.05, 0.1, 5.0]), [3, 4])
UNSORTED = ([[2, 3], [0, 1], [2, 0], [0, 3]], np.float32([1.0, 2.0, -2.0, 3.0]), [3, 4])
EMPTY = (np.zeros((0, 2), np.int64), np.float32([]), [3, 4])
RANK3 = ([[0, 0, 1], [0, 0, 3], [1, 1, 0], [1, 0, 2]], np.float32([1, 2, -2, 4]), [2, 2, 4])
DENSE = np.arange(12, dtype=np.float32).reshape(3, 4)


def _sp(tf, parts):
    return tf.SparseTensor(*parts)


def _parts(sp):
    return [sp.indices, sp.values, sp.dense_shape]


def test_sparse_add(tf1):
    cases = [
        ("sum", lambda tf: _parts(tf.sparse_add(_sp(tf, A), _sp(tf, B)))),
        ("thresh", lambda tf: _parts(tf.sparse_add(_sp(tf, A), _sp(tf, B), thresh=0.5))),
        ("threshold", lambda tf: _parts(tf.sparse_add(_sp(tf, A), _sp(tf, B), threshold=2.5))),
        (
            "sum to zero kept",
            lambda tf: _parts(tf.sparse_add(_sp(tf, A), _sp(tf, A[:2] + ([3, 4],)))),
        ),
        ("unsorted", lambda tf: _parts(tf.sparse_add(_sp(tf, UNSORTED), _sp(tf, B)))),
        ("empty", lambda tf: _parts(tf.sparse_add(_sp(tf, EMPTY), _sp(tf, A)))),
        ("both empty", lambda tf: _parts(tf.sparse.add(_sp(tf, EMPTY), _sp(tf, EMPTY)))),
        (
            "int thresh",
            lambda tf: _parts(
                tf.sparse.add(
                    tf.SparseTensor([[0, 1], [2, 2]], np.int32([5, 7]), [3, 4]),
                    tf.SparseTensor([[0, 1], [1, 1]], np.int32([-4, 1]), [3, 4]),
                    threshold=2,
                )
            ),
        ),
        ("sparse + dense", lambda tf: tf.sparse_add(_sp(tf, A), DENSE)),
        ("dense + sparse", lambda tf: tf.sparse.add(DENSE, _sp(tf, UNSORTED))),
        ("dense int + sparse", lambda tf: tf.sparse_add(np.ones((3, 4), np.int32), _sp(tf, A))),
    ]
    for sp in (A, B):
        negated = (sp[0], -sp[1], sp[2])
        cases.append(
            (
                "cancel",
                lambda tf, s=sp, n=negated: _parts(
                    tf.sparse_add(_sp(tf, s), _sp(tf, n), thresh=1e-3)
                ),
            )
        )
    assert compare(tf1, cases) == len(cases)


def test_sparse_reshape_retain_softmax(tf1):
    cases = [
        ("reshape -1", lambda tf: _parts(tf.sparse_reshape(_sp(tf, A), [2, -1]))),
        ("reshape rank 3", lambda tf: _parts(tf.sparse.reshape(_sp(tf, A), [-1, 2, 3]))),
        ("reshape flat", lambda tf: _parts(tf.sparse_reshape(_sp(tf, UNSORTED), [12]))),
        ("reshape back", lambda tf: _parts(tf.sparse_reshape(_sp(tf, RANK3), np.int64([4, 4])))),
        ("reshape empty", lambda tf: _parts(tf.sparse_reshape(_sp(tf, EMPTY), [6, 2]))),
        ("retain", lambda tf: _parts(tf.sparse_retain(_sp(tf, A), [True, False, True]))),
        (
            "retain ints",
            lambda tf: _parts(tf.sparse.retain(_sp(tf, UNSORTED), np.int32([0, 1, 1, 0]))),
        ),
        ("retain none", lambda tf: _parts(tf.sparse_retain(_sp(tf, A), [False] * 3))),
        ("softmax", lambda tf: _parts(tf.sparse_softmax(_sp(tf, A)))),
        ("softmax rows", lambda tf: _parts(tf.sparse.softmax(_sp(tf, B)))),
        ("softmax unsorted", lambda tf: _parts(tf.sparse_softmax(_sp(tf, UNSORTED)))),
        ("softmax rank 3", lambda tf: _parts(tf.sparse_softmax(_sp(tf, RANK3)))),
        ("softmax empty", lambda tf: _parts(tf.sparse_softmax(_sp(tf, EMPTY)))),
    ]
    assert compare(tf1, cases) == len(cases)


BAD = {
    "add shapes": lambda tf: tf.sparse_add(_sp(tf, A), tf.SparseTensor([[0, 1]], [1.0], [3, 5])),
    "add ranks": lambda tf: tf.sparse_add(
        _sp(tf, A), tf.SparseTensor([[0, 1, 0]], [1.0], [3, 4, 1])
    ),
    "add dtypes": lambda tf: tf.sparse_add(_sp(tf, A), tf.SparseTensor([[0, 1]], [1], [3, 4])),
    "add dense only": lambda tf: tf.sparse_add(DENSE, DENSE),
    "add both thresholds": lambda tf: tf.sparse_add(_sp(tf, A), _sp(tf, B), 0.5, 0.5),
    "reshape size": lambda tf: tf.sparse_reshape(_sp(tf, A), [5, 3]),
    "reshape -1 size": lambda tf: tf.sparse_reshape(_sp(tf, A), [5, -1]),
    "reshape two -1": lambda tf: tf.sparse_reshape(_sp(tf, A), [-1, -1]),
    "retain rank": lambda tf: tf.sparse_retain(_sp(tf, A), [[True, False, True]]),
    "retain length": lambda tf: tf.sparse_retain(_sp(tf, A), [True, False]),
    "softmax ints": lambda tf: tf.sparse_softmax(tf.SparseTensor([[1, 1]], np.int32([1]), [4, 4])),
}


@pytest.mark.parametrize("label", list(BAD))
def test_bad_calls_raise_tf1s_error(tf1, label):
    with tf1.Graph().as_default(), pytest.raises((ValueError, TypeError)) as expected:
        BAD[label](tf1)
    with pytest.raises(expected.type) as got:
        BAD[label](fst)
    assert str(got.value) == str(expected.value).split("\n")[0]


RUNTIME = {
    "dense rank": lambda tf: tf.sparse_add(_sp(tf, A), np.ones(4, np.float32)),
    "dense dim": lambda tf: tf.sparse_add(np.ones((3, 5), np.float32), _sp(tf, A)),
    "softmax rank 1": lambda tf: tf.sparse_softmax(tf.SparseTensor([[1], [3]], [1.0, 2.0], [4])),
}


@pytest.mark.parametrize("label", list(RUNTIME))
def test_errors_tf1_raises_when_the_graph_runs(tf1, label):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        with pytest.raises(tf1.errors.InvalidArgumentError) as expected:
            sess.run(RUNTIME[label](tf1))
    with pytest.raises(fst.errors.InvalidArgumentError) as got:
        RUNTIME[label](fst)
    assert str(got.value) in expected.value.message


def test_under_jit():
    sp = fst.SparseTensor(*UNSORTED)
    eager = [
        fst.sparse_reshape(sp, [6, 2]),
        fst.sparse_softmax(sp),
    ]
    traced = jax.jit(lambda s: [fst.sparse_reshape(s, [6, 2]), fst.sparse_softmax(s)])(sp)
    for e, t in zip(eager, traced, strict=True):
        np.testing.assert_array_equal(e.indices, t.indices)
        np.testing.assert_allclose(e.values, t.values, rtol=1e-6)
    dense = jax.jit(lambda s, d: fst.sparse_add(s, d))(sp, DENSE)
    np.testing.assert_allclose(dense, fst.sparse.to_dense(sp) + DENSE)
    # sparse operands closed over (concrete) merge inside a traced function
    other = fst.SparseTensor(*A)
    summed = jax.jit(lambda x: fst.sparse_add(other, sp).values * x)(2.0)
    np.testing.assert_allclose(summed, fst.sparse_add(other, sp).values * 2.0)
    with pytest.raises(ValueError, match="needs concrete indices"):
        jax.jit(lambda s: fst.sparse_add(s, s))(sp)
    with pytest.raises(ValueError, match="needs concrete to_retain"):
        jax.jit(lambda m: fst.sparse_retain(sp, m))(np.ones(4, bool))
    with pytest.raises(TypeError, match="Input must be a SparseTensor"):
        fst.sparse_softmax(DENSE)
