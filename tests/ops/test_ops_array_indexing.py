"""tf.* indexing, selection and sorting ops against tf.compat.v1 (graph mode) over grids."""

from __future__ import annotations

import itertools

import numpy as np
from _array_oracle import ARRAYS, B23, I23, X5, X234
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
    assert _compare(tf1, cases) > 50


def test_selection_sorting_shapes_grid(tf1):
    cases = []
    for key, x in ARRAYS.items():
        for out_type in ("int32", "int64"):
            cases.append(
                (
                    f"shape {key} {out_type}",
                    lambda tf, x=x, o=out_type: tf.shape(x, out_type=getattr(tf, o)),
                )
            )
            cases.append(
                (
                    f"size {key} {out_type}",
                    lambda tf, x=x, o=out_type: tf.size(x, out_type=getattr(tf, o)),
                )
            )
        cases.append((f"rank {key}", lambda tf, x=x: tf.rank(x)))
        for axis in sorted({0, -1}) if key in ("f234", "i23") else ():
            for direction in ("ASCENDING", "DESCENDING"):
                cases.append(
                    (
                        f"sort {key} {axis} {direction}",
                        lambda tf, x=x, a=axis, d=direction: tf.sort(x, a, d),
                    )
                )
                if x.dtype.kind == "f":  # no ties: TF's argsort need not be stable
                    cases.append(
                        (
                            f"argsort {key} {axis} {direction}",
                            lambda tf, x=x, a=axis, d=direction: tf.argsort(x, a, d),
                        )
                    )
    cases.append(("shape_n", lambda tf: tf.shape_n([X234, X5])))
    cases.append(("where 1-arg", lambda tf: tf.where(B23)))
    cases.append(("where 1-arg numeric", lambda tf: tf.where(I23)))
    cases.append(("where 3-arg", lambda tf: tf.where(B23, I23, -I23)))
    cases.append(("where vector cond", lambda tf: tf.where([True, False], X234, -X234)))
    cases.append(
        ("where_v2 broadcast", lambda tf: tf.where_v2(B23[:, :, None], X234, np.float32(0)))
    )
    cases.append(("where_v2 1-arg", lambda tf: tf.where_v2(I23 > 0)))
    for axis in (None, 0, 1):
        mask = B23[0] if axis == 1 else B23
        t = X234 if axis != 1 else X234
        cases.append(
            (f"boolean_mask {axis}", lambda tf, m=mask, t=t, a=axis: tf.boolean_mask(t, m, axis=a))
        )
    cases.append(("boolean_mask 1d", lambda tf: tf.boolean_mask(X5, X5 > 0)))
    values = np.int32([4, 1, 4, 2, 1, 7])
    cases.append(("unique", lambda tf: tf.unique(values)))
    cases.append(("unique int64", lambda tf: tf.unique(values, out_idx=tf.int64)))
    cases.append(("unique_with_counts", lambda tf: tf.unique_with_counts(values)))
    cases.append(("setdiff1d", lambda tf: tf.setdiff1d(values, [1, 7])))
    cases.append(("dynamic_partition", lambda tf: tf.dynamic_partition(X234, I23 % 3, 3)))
    cases.append(("dynamic_partition 1d", lambda tf: tf.dynamic_partition(X5, [1, 0, 1, 1, 0], 2)))
    cases += list(MANIP.items())
    assert _compare(tf1, cases) > 40
