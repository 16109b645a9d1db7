"""tf.SparseTensor and its densifying ops against tf.compat.v1 (graph mode)."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from _array_oracle import compare

import flaxscope.compat.v1 as fst

INDICES = [[0, 1], [1, 0], [2, 3]]
VALUES = np.float32([1.5, -2.0, 3.0])


def _parts(sp):
    return [sp.indices, sp.values, sp.dense_shape]


def test_sparse_ops_grid(tf1):
    cases = []
    for default in (None, 0.0, -1.0):
        cases.append(
            (
                f"sparse.to_dense {default}",
                lambda tf, d=default: tf.sparse.to_dense(
                    tf.SparseTensor(INDICES, VALUES, [3, 4]), default_value=d
                ),
            )
        )
    cases.append(
        (
            "sparse_tensor_to_dense int",
            lambda tf: tf.sparse_tensor_to_dense(tf.SparseTensor([[1], [4]], [7, 8], [6])),
        )
    )
    cases.append(
        (
            "sparse_tensor_to_dense empty",
            lambda tf: tf.sparse_tensor_to_dense(
                tf.SparseTensor(np.zeros((0, 2), np.int64), np.float32([]), [2, 2])
            ),
        )
    )
    for indices, shape, values, default in (
        (3, [5], 1.0, 0.0),
        ([0, 2, 4], [6], np.float32([1, 2, 3]), -1.0),
        ([[0, 1], [2, 0]], [3, 2], 5, 1),
        ([[0, 0, 1]], [1, 2, 2], np.float32([4.0]), 0.0),
    ):
        cases.append(
            (
                f"sparse_to_dense {indices} {shape}",
                lambda tf, i=indices, s=shape, v=values, d=default: tf.sparse_to_dense(
                    i, s, v, default_value=d
                ),
            )
        )
    dense = np.float32([[0, 1.5, 0], [0, 0, -2], [3, 0, 0]])
    cases.append(("sparse.from_dense", lambda tf: _parts(tf.sparse.from_dense(dense))))
    cases.append(
        ("SparseTensor parts", lambda tf: _parts(tf.SparseTensor(INDICES, VALUES, [3, 4])))
    )
    assert compare(tf1, cases) == len(cases)


def test_properties_and_jit(tf1):
    ours = fst.SparseTensor(INDICES, VALUES, [3, 4])
    graph = tf1.Graph()
    with graph.as_default():
        theirs = tf1.SparseTensor(INDICES, VALUES, [3, 4])
    assert ours.dtype == theirs.dtype.as_numpy_dtype
    assert ours.shape.as_list() == theirs.shape.as_list() == [3, 4]
    assert ours.get_shape().as_list() == [3, 4]
    dense = jax.jit(lambda sp: fst.sparse.to_dense(sp) * 2)(ours)
    np.testing.assert_array_equal(dense[2, 3], 6.0)
    doubled = jax.jit(lambda sp: fst.SparseTensor(sp.indices, sp.values * 2, sp.dense_shape))(ours)
    np.testing.assert_array_equal(doubled.values, VALUES * 2)
    with pytest.raises(ValueError, match="JAX cannot trace"):
        jax.jit(fst.sparse.from_dense)(np.ones(2))
    with pytest.raises(TypeError, match="Input must be a SparseTensor"):
        fst.sparse.to_dense(np.ones(2))


@pytest.mark.parametrize(
    ("indices", "values", "shape"),
    [([[0, 1]], [1.0, 2.0], [2, 3]), ([0, 1], [1.0], [2, 3]), ([[0, 1]], [1.0], [2, 3, 4])],
)
def test_bad_sparse_tensors_raise_tf1s_error(tf1, indices, values, shape):
    with tf1.Graph().as_default(), pytest.raises(ValueError) as expected:
        tf1.SparseTensor(indices, values, shape)
    with pytest.raises(ValueError) as got:
        fst.SparseTensor(indices, values, shape)
    assert str(got.value) == str(expected.value)
