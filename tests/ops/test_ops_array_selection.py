"""tf.where, boolean_mask, unique, sort/argsort, shape/size/rank, dynamic_partition against
tf.compat.v1 in graph mode over grids."""

from __future__ import annotations

import numpy as np
from _array_oracle import ARRAYS, B23, I23, X5, X234
from _array_oracle import compare as _compare


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
    assert _compare(tf1, cases) > 40
