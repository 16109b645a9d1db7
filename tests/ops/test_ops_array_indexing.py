"""tf.* indexing, selection and sorting ops against tf.compat.v1 (graph mode) over grids."""

from __future__ import annotations

import itertools

import numpy as np
from _array_oracle import X234
from _array_oracle import compare as _compare

SCATTERS = (
    "tensor_scatter_nd_update",
    "tensor_scatter_update",
    "tensor_scatter_nd_add",
    "tensor_scatter_add",
    "tensor_scatter_nd_sub",
    "tensor_scatter_sub",
)
MANIP = {  # tf.manip.X is tf.X
    "manip.tile": lambda tf: tf.manip.tile(X234, [1, 2, 1]),
    "manip.reverse": lambda tf: tf.manip.reverse(X234, [-1]),
    "manip.gather_nd": lambda tf: tf.manip.gather_nd(X234, [[1, 2]]),
    "manip.scatter_nd": lambda tf: tf.manip.scatter_nd([[1]], np.float32([2]), [3]),
    "manip.space_to_batch_nd": lambda tf: tf.manip.space_to_batch_nd(X234, [3], [[0, 0]]),
    "manip.batch_to_space_nd": lambda tf: tf.manip.batch_to_space_nd(X234, [2], [[0, 1]]),
    "broadcast_dynamic_shape": lambda tf: tf.broadcast_dynamic_shape([2, 1, 4], [3, 1]),
}


def test_indexing_grid(tf1):
    cases = []
    for axis, idx in itertools.product((0, 2, -1, -3), ([0], [[1, 0], [0, 1]], 1)):
        cases.append((f"gather {axis} {idx}", lambda tf, a=axis, i=idx: tf.gather(X234, i, axis=a)))
    cases.append(("gather default", lambda tf: tf.gather(X234, [1, 0])))
    cases.append(
        ("gather batch_dims", lambda tf: tf.gather(X234, [[0, 2], [1, 1]], axis=1, batch_dims=1))
    )
    cases.append(
        (
            "gather batch_dims ax2",
            lambda tf: tf.gather(X234, [[0, 3], [1, 1]], axis=2, batch_dims=1),
        )
    )
    cases.append(
        (
            "gather batch_dims -1",
            lambda tf: tf.gather(X234, [[0, 2], [1, 1]], axis=1, batch_dims=-1),
        )
    )
    cases.append(
        ("batch_gather", lambda tf: tf.batch_gather(X234, [[[0], [3], [1]], [[2], [2], [0]]]))
    )
    for idx in ([[0]], [[1, 2]], [[0, 1, 2], [1, 2, 3]], [[[0, 0], [1, 1]]]):
        cases.append((f"gather_nd {idx}", lambda tf, i=idx: tf.gather_nd(X234, i)))
    cases.append(("gather_nd batch", lambda tf: tf.gather_nd(X234, [[1], [2]], batch_dims=1)))
    cases.append(
        ("scatter_nd dup", lambda tf: tf.scatter_nd([[0], [2], [0]], np.float32([1, 2, 3]), [4]))
    )
    cases.append(
        (
            "scatter_nd rows",
            lambda tf: tf.scatter_nd([[1], [3]], np.ones((2, 3), np.float32), [5, 3]),
        )
    )
    for op in SCATTERS:
        cases.append(
            (
                op,
                lambda tf, op=op: getattr(tf, op)(
                    X234, [[0, 1], [1, 2]], np.ones((2, 4), np.float32)
                ),
            )
        )
    for begin, size in (([0, 0, 0], [1, -1, 2]), ([1, 1, 1], [-1, 2, -1]), ([0, 2, 3], [2, 1, 1])):
        cases.append((f"slice {begin} {size}", lambda tf, b=begin, s=size: tf.slice(X234, b, s)))
    masks = list(itertools.product((0, 3), (0, 4), (0, 2), (0, 1)))
    for bm, em, nm, sm in masks:
        cases.append(
            (
                f"strided_slice bm={bm} em={em} new={nm} shrink={sm}",
                lambda tf, bm=bm, em=em, nm=nm, sm=sm: tf.strided_slice(
                    X234,
                    [1, 0, 1],
                    [2, 3, 4],
                    [1, 1, 2],
                    begin_mask=bm,
                    end_mask=em,
                    new_axis_mask=nm,
                    shrink_axis_mask=sm,
                ),
            )
        )
    cases.append(
        ("strided_slice neg", lambda tf: tf.strided_slice(X234, [-1, -1], [-3, 0], [-1, -2]))
    )
    cases.append(
        (
            "strided_slice ellipsis",
            lambda tf: tf.strided_slice(X234, [0, 1], [0, 3], ellipsis_mask=1),
        )
    )
    cases.append(("python slicing", lambda tf: tf.identity(X234)[1:, ::-1, None, ..., 0]))
    cases.append(("invert_permutation", lambda tf: tf.invert_permutation([2, 0, 3, 1])))
    cases.append(("unravel_index", lambda tf: tf.unravel_index([1, 5, 7], [2, 4])))
    cases.append(("searchsorted", lambda tf: tf.searchsorted(np.sort(X234, -1), X234[..., :2])))
    cases.append(
        ("searchsorted right", lambda tf: tf.searchsorted([[1.0, 2.0, 2.0]], [[2.0]], side="right"))
    )
    cases.append(
        (
            "dynamic_stitch",
            lambda tf: tf.dynamic_stitch(
                [[0, 4], [1, 3, 4]], [np.float32([1, 2]), np.float32([3, 4, 5])]
            ),
        )
    )
    cases.append(("dynamic_stitch 2d", lambda tf: tf.dynamic_stitch([[[1], [0]]], [X234[:, :1]])))
    cases += list(MANIP.items())
    assert _compare(tf1, cases) > 50
