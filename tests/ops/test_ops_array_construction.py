"""tf.* constructors (zeros, ones, fill, constant, one_hot, range, linspace, ...) against
tf.compat.v1 in graph mode: values, shapes and dtypes over grids."""

from __future__ import annotations

import itertools

import numpy as np
from _array_oracle import B23, I23, X5, X234
from _array_oracle import compare as _compare


def test_construction_grid(tf1):
    cases = []
    for dtype in ("float32", "int32", "bool", "float16", "int64"):
        cases.append(
            (
                f"zeros {dtype}",
                lambda tf, d=dtype: tf.zeros([2, 3], getattr(tf, d if d != "bool" else "bool")),
            )
        )
        cases.append((f"ones {dtype}", lambda tf, d=dtype: tf.ones((3,), getattr(tf, d))))
        cases.append(
            (f"zeros_like {dtype}", lambda tf, d=dtype: tf.zeros_like(X234, dtype=getattr(tf, d)))
        )
        cases.append((f"ones_like {dtype}", lambda tf, d=dtype: tf.ones_like(I23, getattr(tf, d))))
        cases.append(
            (
                f"one_hot {dtype}",
                lambda tf, d=dtype: tf.one_hot(
                    [0, 2, -1, 5], 3, dtype=getattr(tf, d if d != "bool" else "int32")
                ),
            )
        )
        cases.append(
            (
                f"sequence_mask {dtype}",
                lambda tf, d=dtype: tf.sequence_mask([[1, 3], [0, 2]], 4, dtype=getattr(tf, d)),
            )
        )
    cases.append(("zeros int shape", lambda tf: tf.zeros(3)))
    cases.append(("zeros_like int", lambda tf: tf.zeros_like(I23)))
    cases.append(("ones_like bool", lambda tf: tf.ones_like(B23)))
    for value in (2.5, 7, True, [1, 2], [[1.0], [2.0]]):
        cases.append(
            (
                f"fill {value!r}",
                lambda tf, v=value: tf.fill(
                    [2, 2], v if np.ndim(v) == 0 else v[0] if np.ndim(v) == 1 else v[0][0]
                ),
            )
        )
        cases.append((f"constant {value!r}", lambda tf, v=value: tf.constant(v)))
        cases.append((f"convert_to_tensor {value!r}", lambda tf, v=value: tf.convert_to_tensor(v)))
    cases.append(("constant dtype", lambda tf: tf.constant([1, 2], tf.float32)))
    cases.append(("constant fill", lambda tf: tf.constant(3.0, shape=[2, 3])))
    cases.append(("constant reshape", lambda tf: tf.constant([1, 2, 3, 4, 5, 6], shape=[2, 3])))
    cases.append(("constant pad", lambda tf: tf.constant([1, 2], shape=[2, 2])))
    cases.append(("constant np", lambda tf: tf.constant(I23)))
    cases.append(
        ("convert_to_tensor dtype", lambda tf: tf.convert_to_tensor([1, 2], dtype=tf.float32))
    )
    cases.append(
        ("convert_to_tensor hint", lambda tf: tf.convert_to_tensor(3, dtype_hint=tf.float32))
    )
    for depth, axis in itertools.product((3, 4), (None, -1, 0, 1)):
        cases.append(
            (
                f"one_hot {depth} {axis}",
                lambda tf, d=depth, a=axis: tf.one_hot(
                    [[0, 1], [3, 2]], d, on_value=5.0, off_value=-1.0, axis=a
                ),
            )
        )
    cases.append(("one_hot int on", lambda tf: tf.one_hot([1, 0], 2, on_value=3, off_value=1)))
    cases.append(("one_hot off only", lambda tf: tf.one_hot([1, 0], 2, off_value=-2)))
    for args, kwargs in (
        ((5,), {}),
        ((2, 9, 3), {}),
        ((1.0, 3.0), {}),
        ((0, 2.5, 0.5), {}),
        ((5, 1, -2), {}),
        ((4,), {"dtype": "float32"}),
        ((np.int64(3),), {}),
        ((np.float64(1.5), 4), {}),
    ):
        cases.append(
            (
                f"range {args} {kwargs}",
                lambda tf, a=args, k=kwargs: tf.range(
                    *a, **{kk: getattr(tf, v) for kk, v in k.items()}
                ),
            )
        )
    for num in (1, 2, 5):
        cases.append((f"linspace {num}", lambda tf, n=num: tf.linspace(-1.0, 2.0, n)))
        cases.append((f"lin_space {num}", lambda tf, n=num: tf.lin_space(0.5, 0.25, n)))
    cases.append(("sequence_mask no maxlen", lambda tf: tf.sequence_mask([1, 3, 2])))
    for maxlen in (None, 5):  # float lengths: truncated with maxlen, ceil(max) columns without
        cases.append(
            (
                f"sequence_mask float lengths, maxlen {maxlen}",
                lambda tf, m=maxlen: tf.sequence_mask([3.7, 1.2, -0.5, 2.0], m),
            )
        )
    for indexing in ("xy", "ij"):
        cases.append(
            (
                f"meshgrid {indexing}",
                lambda tf, i=indexing: tf.meshgrid([1, 2, 3], [4, 5], [0, 1], indexing=i),
            )
        )
    cases.append(("identity", lambda tf: tf.identity(X234)))
    cases.append(("identity_n", lambda tf: tf.identity_n([X234, I23])))
    cases.append(("stop_gradient", lambda tf: tf.stop_gradient(X5)))
    cases.append(("parallel_stack", lambda tf: tf.parallel_stack([X5, X5 * 2])))
    cases.append(("ensure_shape", lambda tf: tf.ensure_shape(X234, [2, None, 4])))
    assert _compare(tf1, cases) > 60
