"""tf.TensorShape / tf.Dimension against TF's own classes with TF1's shape behaviour
(``disable_v2_tensorshape``): results, reprs, strings and error messages; and the
spellings the migration guide gives for ``get_shape``/``as_list``/``set_shape``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope.compat.v1 as fst

EXPRESSIONS = [
    lambda S, D: S([2, None]),
    lambda S, D: S([3]),
    lambda S, D: S(None),
    lambda S, D: S([]),
    lambda S, D: S(3),
    lambda S, D: S([2, None])[1],
    lambda S, D: S([2, None])[0].value,
    lambda S, D: S([2, 3])[-1],
    lambda S, D: S([2, 3, 4])[1:],
    lambda S, D: S(None)[0],
    lambda S, D: S(None)[1:],
    lambda S, D: S([2, 3])[5],
    lambda S, D: S([2, 3]).merge_with([2, 4]),
    lambda S, D: S([2, 3]).merge_with([2, 3, 4]),
    lambda S, D: S([2, None]).merge_with([None, 4]),
    lambda S, D: S([2, 3]).merge_with(None),
    lambda S, D: S(None).merge_with([1]),
    lambda S, D: S([2, 3]).assert_is_compatible_with([2, 4]),
    lambda S, D: S([2, 3]).is_compatible_with([None, 3]),
    lambda S, D: S([2, 3]).is_compatible_with([2]),
    lambda S, D: S(None).is_compatible_with([2]),
    lambda S, D: S(None).as_list(),
    lambda S, D: S([2, None]).as_list(),
    lambda S, D: len(S(None)),
    lambda S, D: len(S([1, 2])),
    lambda S, D: list(S(None)),
    lambda S, D: list(S([1, None])),
    lambda S, D: S([2, None]).with_rank(3),
    lambda S, D: S([2, None]).with_rank(2),
    lambda S, D: S([2, None]).with_rank_at_least(3),
    lambda S, D: S([2, None]).with_rank_at_most(1),
    lambda S, D: S([2, None]).assert_is_fully_defined(),
    lambda S, D: S([2, None]).assert_has_rank(3),
    lambda S, D: S([2, None]).num_elements(),
    lambda S, D: S([2, 3]).num_elements(),
    lambda S, D: S([]).num_elements(),
    lambda S, D: S([2, None]).is_fully_defined(),
    lambda S, D: S([2, None]) == S([2, None]),
    lambda S, D: S([2, 3]) == [2, 3],
    lambda S, D: S([2, 3]) != S([2, 4]),
    lambda S, D: S([2, 3]).concatenate([4]),
    lambda S, D: S([2, 3]) + [4],
    lambda S, D: S(None).concatenate([4]),
    lambda S, D: S([2, None]).most_specific_compatible_shape([3, None]),
    lambda S, D: S([2, 3]).most_specific_compatible_shape([2, 3]),
    lambda S, D: bool(S([])),
    lambda S, D: bool(S(None)),
    lambda S, D: S([2, 3]).dims,
    lambda S, D: S(None).dims,
    lambda S, D: S([2, 3]).ndims,
    lambda S, D: S([2, 3]).rank,
    lambda S, D: S(None).ndims,
    lambda S, D: S([D(2), None]),
    lambda S, D: S((np.int64(2), 5)),
    lambda S, D: S([-1]),
    lambda S, D: D(2).merge_with(3),
    lambda S, D: D(None).merge_with(4),
    lambda S, D: D(2).merge_with(None),
    lambda S, D: D(-1),
    lambda S, D: D(1.5),
    lambda S, D: D("a"),
    lambda S, D: D(True),
    lambda S, D: D(2) / 2,
    lambda S, D: D(None) + 2,
    lambda S, D: 2 + D(3),
    lambda S, D: D(3) - 5,
    lambda S, D: 5 - D(3),
    lambda S, D: D(3) * D(None),
    lambda S, D: D(7) // 2,
    lambda S, D: 7 // D(2),
    lambda S, D: D(7) % 3,
    lambda S, D: D(3) == 3,
    lambda S, D: D(None) == 3,
    lambda S, D: D(3) != 4,
    lambda S, D: D(3) < 4,
    lambda S, D: D(None) >= 4,
    lambda S, D: bool(D(0)),
    lambda S, D: int(D(4)),
    lambda S, D: int(D(None)),
    lambda S, D: [1, 2, 3][D(1)],
    lambda S, D: D(3).is_compatible_with(None),
    lambda S, D: D(3).is_compatible_with(4),
    lambda S, D: D(3).assert_is_compatible_with(4),
    lambda S, D: D(3).value,
    lambda S, D: D(D(5)),
    lambda S, D: hash(D(3)) == hash(3),
    lambda S, D: hash(S([2, 3])) == hash(S([2, 3])),
]
BROADCASTS = [([2, 1, 4], [3, 1]), ([5], [1]), ([2, 3], [4]), ([], [2, 2])]


def _outcome(fn, S, D):
    try:
        value = fn(S, D)
    except Exception as e:  # noqa: BLE001 (the exception is the outcome compared)
        return ("raises", type(e).__name__, str(e))
    return ("value", repr(value), str(value))


def test_tensor_shape_and_dimension_behave_as_tf1s(tf1):
    tf1.disable_v2_tensorshape()
    try:
        expected = [_outcome(fn, tf1.TensorShape, tf1.Dimension) for fn in EXPRESSIONS]
    finally:
        tf1.enable_v2_tensorshape()
    mismatches = []
    for number, (fn, want) in enumerate(zip(EXPRESSIONS, expected, strict=True)):
        got = _outcome(fn, fst.TensorShape, fst.Dimension)
        if got != want:
            mismatches.append(f"expression {number}: {got} != TF1 {want}")
    assert not mismatches, "\n".join(mismatches)


def test_broadcast_static_shape(tf1):
    tf1.disable_v2_tensorshape()
    try:
        for a, b in BROADCASTS:
            want = _outcome(
                lambda S, D, a=a, b=b: tf1.broadcast_static_shape(S(a), S(b)),
                tf1.TensorShape,
                tf1.Dimension,
            )
            got = _outcome(
                lambda S, D, a=a, b=b: fst.broadcast_static_shape(S(a), S(b)),
                fst.TensorShape,
                fst.Dimension,
            )
            assert got == want, (a, b)
    finally:
        tf1.enable_v2_tensorshape()


def test_dimension_helpers(tf1):
    tf1.disable_v2_tensorshape()
    try:
        for S, D, f in (
            (fst.TensorShape, fst.Dimension, fst),
            (tf1.TensorShape, tf1.Dimension, tf1),
        ):
            assert f.dimension_value(D(3)) == 3
            assert f.dimension_value(4) == 4
            assert f.dimension_value(D(None)) is None
            assert repr(f.dimension_at_index(S([2, 3]), 1)) == "Dimension(3)"
            assert repr(f.dimension_at_index(S(None), 1)) == "Dimension(None)"
    finally:
        tf1.enable_v2_tensorshape()


def test_the_guides_spellings_for_tensor_methods():
    x = jnp.zeros((2, 3, 4))
    # x.get_shape()                  -> tf.TensorShape(x.shape)
    shape = fst.TensorShape(x.shape)
    # x.get_shape().as_list()        -> list(x.shape)
    assert shape.as_list() == list(x.shape) == [2, 3, 4]
    # len(x.get_shape())             -> len(x.shape)
    assert len(shape) == len(x.shape) == 3
    # x.get_shape()[i].value / x.shape[i].value -> x.shape[i]
    assert shape[1].value == x.shape[1] == 3
    # x.get_shape().ndims            -> x.ndim
    assert shape.ndims == x.ndim == 3
    # x.set_shape([None, 3, 4])      -> x = tf.ensure_shape(x, [None, 3, 4])
    assert fst.ensure_shape(x, [None, 3, 4]) is x
    with pytest.raises(ValueError, match="Dimension 1 in both shapes must be equal"):
        fst.ensure_shape(x, [2, 5, 4])

    @jax.jit
    def under_jit(x):
        n = fst.TensorShape(x.shape)[0].value  # static: a Python int
        return fst.reshape(fst.ensure_shape(x, [None, 3, 4]), [n, -1])

    assert under_jit(x).shape == (2, 12)
    assert fst.reshape(x, fst.TensorShape([6, 4])).shape == (6, 4)
    with pytest.raises(ValueError, match="not fully defined"):
        fst.zeros(fst.TensorShape([None, 4]))


def test_tensor_and_newaxis():
    x = fst.zeros([2, 3])
    assert isinstance(x, fst.Tensor)  # tf.Tensor is jax.Array
    assert x[:, fst.newaxis].shape == (2, 1, 3)


def test_ops_take_dimensions_and_tensor_shapes_as_sizes():
    x = jnp.zeros((2, 3))
    shape = fst.TensorShape(x.shape)
    assert fst.zeros([shape[0], shape[1] * 2]).shape == (2, 6)
    assert fst.reshape(x, [shape[1], -1]).shape == (3, 2)
    assert fst.tile(x, [shape[0], 1]).shape == (4, 3)
    assert fst.ones(shape).shape == (2, 3)
    assert fst.get_variable("w", [shape[1], 4]).shape == (3, 4)
    with pytest.raises(ValueError, match="unknown Dimension"):
        fst.zeros([fst.Dimension(None), 2])
