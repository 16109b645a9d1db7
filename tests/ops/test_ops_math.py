"""TF1's math ops, casts and tf.linalg against tf.compat.v1, over argument grids.

Every case runs in one TF graph (each in its own name scope, so the op name TF gives it
is visible) and in flaxscope; values (to float32 rounding), shapes, dtypes and default
op names must agree.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope.compat.v1 as fst
from flaxscope.ops import registry

tf = pytest.importorskip(
    "tensorflow", reason="oracle tensorflow-cpu is not installed (pip install -e '.[oracle]')"
)
t1 = tf.compat.v1

R = np.random.RandomState(0)


def f32(*shape):
    return np.asarray(R.randn(*shape), np.float32)


def pos(*shape):
    return np.asarray(R.rand(*shape) * 3 + 0.2, np.float32)


def unit(*shape):
    return np.asarray(R.rand(*shape) * 1.8 - 0.9, np.float32)


def i32(*shape):
    return np.asarray(R.randint(-6, 7, size=shape), np.int32)


def nz_i32(*shape):  # nonzero divisors
    return np.asarray(R.randint(1, 5, size=shape) * R.choice([-1, 1], size=shape), np.int32)


def b(*shape):
    return np.asarray(R.rand(*shape) > 0.5)


def spd(n, batch=()):
    a = R.randn(*batch, n, n).astype(np.float32)
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n, dtype=np.float32)).astype(np.float32)


def _cases():
    cases = []  # (path, args, kwargs)
    add = cases.append
    unary_domains = {
        "abs": f32,
        "negative": f32,
        "sign": f32,
        "reciprocal": pos,
        "square": f32,
        "sqrt": pos,
        "rsqrt": pos,
        "exp": f32,
        "expm1": f32,
        "log": pos,
        "log1p": pos,
        "sin": f32,
        "cos": f32,
        "tan": unit,
        "asin": unit,
        "acos": unit,
        "atan": f32,
        "sinh": f32,
        "cosh": f32,
        "asinh": f32,
        "acosh": lambda *s: pos(*s) + 1,
        "atanh": unit,
        "floor": f32,
        "ceil": f32,
        "round": lambda *s: f32(*s) * 3,
        "rint": lambda *s: f32(*s) * 3,
        "erf": f32,
        "erfc": f32,
        "lgamma": pos,
        "digamma": pos,
        "sigmoid": f32,
        "tanh": f32,
        "log_sigmoid": f32,
        "is_nan": f32,
        "is_inf": f32,
        "is_finite": f32,
        "logical_not": b,
        "real": f32,
        "imag": f32,
        "conj": f32,
        "angle": f32,
        "math.erfinv": unit,
        "math.ndtri": lambda *s: (unit(*s) + 1) / 2,
        "math.softplus": f32,
        "math.softsign": f32,
        "math.bessel_i0e": f32,
        "math.bessel_i1e": f32,
        "math.reciprocal_no_nan": lambda *s: f32(*s) * (b(*s)),
        "math.cos": f32,
        "math.sigmoid": f32,
        "math.tanh": f32,
        "math.log": pos,
    }
    for path, gen in unary_domains.items():
        for shape in [(), (3,), (2, 3)]:
            add((path, (gen(*shape),), {}))
    for path in ["abs", "negative", "sign", "square", "round"]:
        add((path, (i32(2, 3),), {}))
    add(("round", (np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5], np.float32),), {}))
    add(("bitwise.invert", (i32(4),), {}))

    shape_pairs = [((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,)), ((4,), (4,)), ((3,), ())]
    arith = [
        "add",
        "subtract",
        "multiply",
        "maximum",
        "minimum",
        "squared_difference",
        "pow",
        "math.add",
        "math.multiply",
    ]
    for path, (sa, sb) in itertools.product(arith, shape_pairs):
        x = pos(*sa) if path == "pow" else f32(*sa)
        add((path, (x, f32(*sb)), {}))
        if path != "pow":
            add((path, (i32(*sa), i32(*sb)), {}))
    for path in ["add", "multiply", "subtract", "maximum", "pow"]:
        add((path, (f32(2, 3), 2), {}))
        add((path, (f32(2, 3), 2.5), {}))
        add((path, (i32(2, 3), 3), {}))
        add((path, (f32(2, 3), np.float64(1.5)), {}))
    divisions = [
        "div",
        "truediv",
        "divide",
        "realdiv",
        "floordiv",
        "floor_div",
        "floormod",
        "mod",
        "truncatediv",
        "truncatemod",
        "math.floordiv",
        "math.truediv",
        "math.divide",
        "div_no_nan",
        "math.divide_no_nan",
    ]
    for path, (sa, sb) in itertools.product(divisions, shape_pairs[:3]):
        add((path, (f32(*sa) * 4, pos(*sb) * np.where(b(*sb), 1, -1).astype(np.float32)), {}))
        if "no_nan" not in path and path != "realdiv":  # TF has no int RealDiv kernel
            add((path, (i32(*sa) * 3, nz_i32(*sb)), {}))
    add(("div", (np.array([7, -7, 7, -7], np.int32), np.array([2, 2, -2, -2], np.int32)), {}))
    add(("truediv", (np.array([1, 2], np.int16), np.array([3, 3], np.int16)), {}))
    add(("truediv", (np.array([1, 2], np.uint8), np.array([3, 3], np.uint8)), {}))
    add(("div_no_nan", (f32(4), np.array([0, 1, 0, 2], np.float32)), {}))
    add(
        (
            "math.multiply_no_nan",
            (np.array([np.inf, 1, 2], np.float32), np.array([0, 1, 2], np.float32)),
            {},
        )
    )
    for path in ["math.xlogy", "math.xdivy", "math.xlog1py"]:
        add((path, (np.array([0, 1, 2], np.float32), pos(3)), {}))
    add(("atan2", (f32(2, 3), f32(3)), {}))
    add(("igamma", (pos(4), pos(4)), {}))
    add(("igammac", (pos(4), pos(4)), {}))
    add(("zeta", (pos(4) + 1.5, pos(4)), {}))
    add(("polygamma", (np.array([0, 1, 2], np.float32), pos(3)), {}))
    add(("betainc", (pos(3), pos(3), np.array([0.1, 0.5, 0.9], np.float32)), {}))
    add(("lbeta", (pos(2, 3),), {}))
    add(("scalar_mul", (2.0, f32(2, 3)), {}))
    add(("scalar_mul", (np.float32(-1.5), f32(3)), {}))
    for path in ["bitwise.bitwise_and", "bitwise.bitwise_or", "bitwise.bitwise_xor"]:
        add((path, (i32(2, 3), i32(3)), {}))
    add(("bitwise.left_shift", (i32(4), np.array([0, 1, 2, 3], np.int32)), {}))
    add(("bitwise.right_shift", (i32(4), np.array([0, 1, 2, 3], np.int32)), {}))

    comparisons = [
        "equal",
        "not_equal",
        "less",
        "less_equal",
        "greater",
        "greater_equal",
        "math.equal",
    ]
    for path, (sa, sb) in itertools.product(comparisons, shape_pairs):
        add((path, (i32(*sa), i32(*sb)), {}))
        add((path, (f32(*sa), f32(*sb)), {}))
    add(("equal", (b(4), b(4)), {}))
    add(("not_equal", (b(4), b(4)), {}))
    add(("equal", (i32(3), 2), {}))
    for path, (sa, sb) in itertools.product(
        ["logical_and", "logical_or", "logical_xor"], shape_pairs
    ):
        add((path, (b(*sa), b(*sb)), {}))

    reductions = [
        "reduce_sum",
        "reduce_mean",
        "reduce_max",
        "reduce_min",
        "reduce_prod",
        "reduce_logsumexp",
        "math.reduce_euclidean_norm",
        "math.reduce_std",
        "math.reduce_variance",
        "count_nonzero",
        "math.reduce_sum",
    ]
    axes = [None, 0, -1, 1, [0, 2], [-1, 0], [], (1,)]
    for path, axis, keep in itertools.product(reductions, axes, [False, True]):
        kw = {"axis": axis, "keepdims": keep}
        add((path, (f32(2, 3, 4),), kw))
        if path in (
            "reduce_sum",
            "reduce_mean",
            "reduce_max",
            "reduce_min",
            "reduce_prod",
            "count_nonzero",
        ):
            add((path, (i32(2, 3, 4),), kw))
    for path, axis, keep in itertools.product(["reduce_all", "reduce_any"], axes, [False, True]):
        add((path, (b(2, 3, 4),), {"axis": axis, "keepdims": keep}))
    add(("reduce_mean", (np.array([-1, -2, 5, -7], np.int32),), {}))
    add(("reduce_sum", (f32(2, 3),), {"reduction_indices": [1], "keep_dims": True}))
    add(("reduce_mean", (f32(2, 3),), {"reduction_indices": 0}))
    add(("reduce_max", (f32(2, 3), 1, True), {}))
    add(("count_nonzero", (b(3, 4),), {"axis": 1}))
    add(("count_nonzero", (i32(3, 4),), {"dtype": t1.int32}))
    add(("reduce_sum", ([1.0, 2.0, 3.0],), {}))
    for path, axis in itertools.product(["argmax", "argmin", "math.argmax"], [None, 0, 1, -1]):
        add((path, (f32(3, 4),), {"axis": axis}))
        add((path, (i32(3, 4),), {"axis": axis, "output_type": t1.int32}))
    add(("argmax", (f32(3, 4),), {"dimension": 1}))
    add(("argmax", (np.array([1, 3, 3, 0], np.int32),), {}))
    add(("arg_max", (f32(3, 4), 1), {}))
    add(("arg_min", (f32(3, 4), 0), {}))
    for path, axis, excl, rev in itertools.product(
        ["cumsum", "cumprod", "math.cumsum"], [0, 1, -1], [False, True], [False, True]
    ):
        add((path, (f32(3, 4),), {"axis": axis, "exclusive": excl, "reverse": rev}))
    add(("cumsum", (i32(5),), {"exclusive": True}))
    for excl, rev in itertools.product([False, True], [False, True]):
        add(
            (
                "math.cumulative_logsumexp",
                (f32(3, 4),),
                {"axis": 1, "exclusive": excl, "reverse": rev},
            )
        )
    for path in ["add_n", "accumulate_n", "math.add_n"]:
        add((path, ([f32(2, 3), f32(2, 3), f32(2, 3)],), {}))
        add((path, ([i32(4)],), {}))
    add(("add_n", ([1, 2, 3],), {}))

    ids = np.array([0, 0, 1, 3, 3], np.int32)
    for kind in ["sum", "mean", "max", "min", "prod"]:
        add((f"segment_{kind}", (f32(5, 2), ids), {}))
        add((f"math.segment_{kind}", (i32(5), ids), {}))
    for kind in ["sum", "mean", "max", "min", "prod", "sqrt_n"]:
        uids = np.array([2, 0, 2, -1, 4], np.int32)
        add((f"unsorted_segment_{kind}", (f32(5, 2), uids, 6), {}))
        add(
            (
                f"unsorted_segment_{kind}",
                (f32(2, 3), np.array([[0, 1, 1], [2, 0, 3]], np.int32), 4),
                {},
            )
        )
        if kind not in ("mean", "sqrt_n"):
            add((f"math.unsorted_segment_{kind}", (i32(5), uids, 5), {}))
    for kind in ["sum", "mean", "sqrt_n"]:
        add(
            (
                f"sparse_segment_{kind}",
                (f32(4, 2), np.array([0, 2, 3, 3]), np.array([0, 0, 1, 2], np.int32)),
                {},
            )
        )

    add(("bincount", (np.array([1, 1, 3, 0, 1], np.int32),), {}))
    add(("math.bincount", (np.array([[1, 4], [3, 0]], np.int32),), {"minlength": 6}))
    add(("bincount", (np.array([1, 1, 3, 5], np.int32),), {"maxlength": 3}))
    add(
        (
            "bincount",
            (np.array([1, 1, 3], np.int32),),
            {"weights": np.array([0.5, 1, 2], np.float32)},
        )
    )
    add(("bincount", (np.array([1, 2, 2], np.int32),), {"minlength": 4, "maxlength": 4}))
    add(("confusion_matrix", (np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1])), {}))
    add(
        (
            "math.confusion_matrix",
            (np.array([0, 1, 2, 1]), np.array([0, 2, 2, 1])),
            {"num_classes": 4, "weights": np.array([1, 2, 3, 4])},
        )
    )
    add(("math.polyval", ([np.float32(2), np.float32(-1), np.float32(3)], f32(3)), {}))
    add(("math.polyval", ([f32(3), 1.0], f32(3)), {}))
    add(("math.zero_fraction", (np.array([0, 1, 0, 2], np.float32),), {}))
    for path in ["is_non_decreasing", "is_strictly_increasing", "math.is_non_decreasing"]:
        for v in ([1, 2, 2, 3], [1, 2, 3], [3, 1], [5]):
            add((path, (np.array(v, np.int32),), {}))
    add(("is_strictly_increasing", (np.array([[1.0, 2.0], [3.0, 4.0]], np.float32),), {}))
    add(("math.bessel_i0", (f32(4),), {}))
    add(("math.bessel_i1", (f32(4),), {}))

    # half precision: the same ops in float16 and bfloat16
    for half in (np.float16, "bfloat16"):
        dt = tf.dtypes.as_dtype(half).as_numpy_dtype

        def h(*shape, dt=dt):
            return f32(*shape).astype(dt)

        for path in ["exp", "tanh", "sigmoid", "sqrt", "square", "abs", "floor"]:
            x = h(2, 3)
            add((path, (np.abs(x) if path == "sqrt" else x,), {}))
        for path in ["add", "multiply", "subtract", "maximum", "truediv", "squared_difference"]:
            add((path, (h(2, 3), h(3)), {}))
        for path in ["reduce_sum", "reduce_mean", "reduce_max"]:
            add((path, (h(3, 4),), {"axis": 1}))
        add(("matmul", (h(2, 3), h(3, 4)), {}))
        add(("argmax", (h(3, 4),), {"axis": 1}))
        add(("cast", (h(2, 3),), {"dtype": t1.float32}))
        add(("cast", (f32(2, 3),), {"dtype": tf.dtypes.as_dtype(half)}))

    # casts (family dtypes)
    for dtype in [t1.int32, t1.float32, t1.bool, t1.uint8, t1.float16, t1.int64]:
        add(("cast", (f32(2, 3) * 4,), {"dtype": dtype}))
        add(("cast", (i32(2, 3),), {"dtype": dtype}))
        add(("cast", (b(2, 3),), {"dtype": dtype}))
    add(("cast", (np.array([1.7, -1.7, 2.5, -2.5], np.float32), t1.int32), {}))
    add(("cast", (1.5, t1.int32), {}))
    add(("dtypes.cast", (f32(3), "int32"), {}))
    for path in ["to_float", "to_int32", "to_int64", "to_double", "to_bfloat16"]:
        add((path, (f32(2, 3) * 4,), {}))
        add((path, (i32(3),), {}))
    add(("saturate_cast", (np.array([300.0, -5.0, 12.7], np.float32), t1.uint8), {}))
    add(("saturate_cast", (np.array([300, -5, 12], np.int32), t1.int8), {}))
    add(("dtypes.saturate_cast", (f32(3), t1.int32), {}))
    add(("bitcast", (np.array([1.0, -2.0], np.float32), t1.int32), {}))
    add(("bitcast", (np.array([1.0, -2.0], np.float32), t1.uint8), {}))
    add(("complex", (f32(3), f32(3)), {}))

    # matrices
    mm_shapes = [
        ((2, 3), (3, 4)),
        ((5, 2, 3), (5, 3, 4)),
        ((2, 1, 2, 3), (5, 3, 4)),
        ((5, 2, 3), (3, 4)),
    ]
    for (sa, sb), ta, tb in itertools.product(mm_shapes, [False, True], [False, True]):
        a = f32(*sa)
        bb = f32(*sb)
        if ta:
            a = np.swapaxes(a, -1, -2).copy()
        if tb:
            bb = np.swapaxes(bb, -1, -2).copy()
        add(("matmul", (a, bb), {"transpose_a": ta, "transpose_b": tb}))
    add(("matmul", (f32(2, 3), f32(4, 3)), {"adjoint_b": True}))
    add(("linalg.matmul", (i32(2, 3), i32(3, 2)), {}))
    add(("linalg.matvec", (f32(4, 2, 3), f32(4, 3)), {}))
    add(("linalg.matvec", (f32(3, 2), f32(3)), {"transpose_a": True}))
    for axes_, sa, sb in [
        (1, (3, 4, 5), (5, 2)),
        (2, (3, 4, 5), (4, 5, 2)),
        (0, (3, 4), (2,)),
        ([[1], [0]], (3, 4, 5), (4, 2)),
        ([[0, 2], [1, 0]], (3, 4, 5), (5, 3, 2)),
        (([2], [1]), (3, 4, 5), (2, 5)),
    ]:
        add(("tensordot", (f32(*sa), f32(*sb)), {"axes": axes_}))
    for eq, shapes in [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
        ("ij->ji", [(2, 3)]),
        ("ii->", [(3, 3)]),
        ("i,j->ij", [(2,), (3,)]),
        ("...ij,...jk->...ik", [(5, 2, 3), (5, 3, 1)]),
        ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ]:
        add(("einsum", (eq, *[f32(*s) for s in shapes]), {}))
        add(("linalg.einsum", (eq, *[f32(*s) for s in shapes]), {}))
    for ordv, axis, keep in itertools.product(
        ["euclidean", "fro", 1, 2, np.inf, 3], [None, 0, -1, [0, 1], (-1, -2)], [False, True]
    ):
        if ordv == 3 and axis is not None and not isinstance(axis, int):
            continue
        if ordv == "fro" and (axis is None or isinstance(axis, int)):
            continue
        if axis is None and ordv not in ("euclidean",):
            # TF's axis=None flattens only for euclidean-like norms on vectors
            add(("norm", (f32(5),), {"ord": ordv, "keepdims": keep}))
            continue
        add(("norm", (f32(3, 4),), {"ord": ordv, "axis": axis, "keepdims": keep}))
    add(("norm", (f32(2, 3, 4),), {}))
    add(("norm", (f32(2, 3),), {"axis": 1, "keep_dims": True}))
    add(("linalg.norm", (f32(2, 3),), {"ord": 1, "axis": 0}))
    add(("eye", (3,), {}))
    add(("eye", (2, 4), {"dtype": t1.int32}))
    add(("eye", (2,), {"batch_shape": [3], "num_columns": 3}))
    add(("linalg.eye", (3,), {"dtype": t1.bool}))
    add(("diag", (f32(3),), {}))
    add(("diag", (i32(2, 3),), {}))
    add(("diag_part", (np.arange(36, dtype=np.float32).reshape(2, 3, 2, 3),), {}))
    add(("linalg.tensor_diag", (f32(3),), {}))
    add(("linalg.tensor_diag_part", (f32(3, 3),), {}))
    for k in [0, 1, -1, 2]:
        add(("linalg.diag", (f32(2, 3),), {"k": k}))
        add(("linalg.diag_part", (f32(2, 3, 4),), {"k": k}))
        add(
            (
                "linalg.set_diag",
                (f32(2, 3, 4), f32(2, 3 - max(0, k - 1) if k >= 0 else 2)),
                {"k": k},
            )
        )
    add(("matrix_diag", (f32(4),), {}))
    add(("linalg.diag", (f32(3),), {"num_rows": 3, "num_cols": 5, "padding_value": 9}))
    add(("matrix_diag_part", (f32(3, 3),), {}))
    add(("matrix_set_diag", (f32(3, 3), f32(3)), {}))
    for lo, up in [(-1, 0), (0, -1), (1, 1), (0, 0), (-1, -1), (2, 0)]:
        add(("matrix_band_part", (f32(2, 4, 5), lo, up), {}))
        add(("linalg.band_part", (i32(3, 3), lo, up), {}))
    add(("trace", (f32(3, 3),), {}))
    add(("linalg.trace", (i32(2, 3, 3),), {}))
    add(("matrix_transpose", (f32(2, 3, 4),), {}))
    add(("linalg.transpose", (f32(3, 4),), {}))
    add(("linalg.adjoint", (f32(2, 3),), {}))
    add(("cholesky", (spd(3),), {}))
    add(("linalg.cholesky", (spd(3, (2,)),), {}))
    add(("matrix_inverse", (spd(3),), {}))
    add(("matrix_inverse", (spd(3, (2,)),), {"adjoint": True}))
    add(("linalg.inv", (spd(4),), {}))
    add(("matrix_determinant", (spd(3, (2,)),), {}))
    add(("linalg.det", (f32(3, 3),), {}))
    add(("linalg.slogdet", (f32(2, 3, 3),), {}))
    add(("linalg.logdet", (spd(3),), {}))
    add(("matrix_solve", (spd(3), f32(3, 2)), {}))
    add(("linalg.solve", (spd(3, (2,)), f32(2, 3, 1)), {"adjoint": True}))
    tri = np.tril(spd(3))
    add(("matrix_triangular_solve", (tri, f32(3, 2)), {}))
    add(("linalg.triangular_solve", (tri.T.copy(), f32(3, 2)), {"lower": False}))
    add(("matrix_triangular_solve", (tri, f32(3, 2)), {"adjoint": True}))
    add(("cholesky_solve", (np.linalg.cholesky(spd(3)).astype(np.float32), f32(3, 2)), {}))
    add(("self_adjoint_eigvals", (spd(3),), {}))
    add(("linalg.eigvalsh", (spd(4, (2,)),), {}))
    add(("cross", (f32(2, 3), f32(2, 3)), {}))
    add(("matrix_solve_ls", (f32(5, 3), f32(5, 2)), {}))
    add(("linalg.lstsq", (f32(5, 3), f32(5, 2)), {"l2_regularizer": 0.5}))
    add(("linalg.expm", (f32(3, 3) * 0.3,), {}))
    add(("svd", (f32(4, 3),), {"compute_uv": False}))
    add(("linalg.svd", (f32(2, 3, 5),), {"compute_uv": False}))
    add(("linalg.normalize", (f32(3, 4),), {"axis": 1}))
    add(("linalg.pinv", (f32(4, 3),), {}))
    add(("linalg.pinv", (f32(2, 3, 3),), {"rcond": 0.1}))
    add(("linalg.matrix_rank", (np.array([[1, 2], [2, 4]], np.float32),), {}))
    add(("linalg.matrix_rank", (f32(2, 3, 4),), {}))
    add(("linalg.matrix_rank", (f32(3, 3),), {"tol": 0.5}))
    add(("linalg.lu", (f32(2, 4, 4),), {}))
    add(("math.erfcinv", ((unit(5) + 1),), {}))
    diag3 = np.stack([f32(5), pos(5) + 4, f32(5)])
    add(("linalg.tridiagonal_solve", (diag3, f32(5)), {}))
    add(("linalg.tridiagonal_solve", (diag3, f32(5, 2)), {}))
    add(
        (
            "linalg.tridiagonal_solve",
            (np.diag(pos(4) + 4) + np.diag(f32(3), 1) + np.diag(f32(3), -1), f32(4, 2)),
            {"diagonals_format": "matrix"},
        )
    )

    return cases


CASES = _cases()


def _resolve(module, path):
    for part in path.split("."):
        module = getattr(module, part)
    return module


def _tf_arg(a):
    if isinstance(a, np.ndarray):
        return tf.constant(a)
    if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
        return [tf.constant(v) for v in a]
    return a


def _fs_arg(a):
    if isinstance(a, np.ndarray):
        return jnp.asarray(a)
    if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
        return [jnp.asarray(v) for v in a]
    return a


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


@pytest.fixture(scope="module")
def oracle():
    """Every case in one TF1 graph: the outputs' values and the op name TF gave each."""
    graph = tf.Graph()
    outs, names = [], []
    with graph.as_default():
        for i, (path, args, kwargs) in enumerate(CASES):
            with t1.name_scope(f"c{i}"):
                out = _resolve(t1, path)(*[_tf_arg(a) for a in args], **kwargs)
            flat = _flat(out)
            outs.append(flat)
            names.append(flat[0].op.name.split("/")[1])
        with t1.Session(graph=graph) as sess:
            try:
                values = sess.run(outs)
            except tf.errors.OpError:
                bad = []
                for case, out in zip(CASES, outs, strict=True):
                    try:
                        sess.run(out)
                    except tf.errors.OpError as e:
                        bad.append(f"{case[0]}: {e.message.splitlines()[0]}")
                        if len(bad) == 5:
                            break
                raise AssertionError("TF cannot run these cases:\n" + "\n".join(bad)) from None
    return values, names


def _canonical(dtype):
    return np.dtype(jax.dtypes.canonicalize_dtype(np.dtype(dtype)))


# Sorted segment ops size their output from the ids' values: eager only (documented).
EAGER_ONLY = {
    f"{ns}segment_{k}"
    for ns in ("", "math.", "sparse_")
    for k in ("sum", "mean", "max", "min", "prod", "sqrt_n")
} | {"bincount", "math.bincount", "confusion_matrix"}


def _call(path, args, kwargs):
    return _flat(_resolve(fst, path)(*[_fs_arg(a) for a in args], **kwargs))


@pytest.fixture(scope="module")
def ours():
    """Every case traced into one jax.jit program (one compile instead of a thousand),
    which also shows each op works under jit; eager-only ops run eagerly."""
    errors = {}

    def run_all():
        outs = []
        for i, case in enumerate(CASES):
            try:
                outs.append(_call(*case))
            except Exception as e:
                errors[i] = e
                outs.append(None)
        return outs

    outs = jax.jit(run_all)()
    for i in list(errors):
        if CASES[i][0] in EAGER_ONLY:
            outs[i] = _call(*CASES[i])
            del errors[i]
    return outs, errors


def test_values_shapes_dtypes_against_tf1(oracle, ours):
    values, _ = oracle
    outs, errors = ours
    failures = [
        f"tf.{CASES[i][0]} {CASES[i][2]}: raised {type(e).__name__}: {e}" for i, e in errors.items()
    ]
    for i, ((path, args, kwargs), expected) in enumerate(zip(CASES, values, strict=True)):
        if i in errors:
            continue
        got = outs[i]
        for e, g in zip(expected, got, strict=True):
            e = np.asarray(e)
            g_np = np.asarray(g)
            where = f"tf.{path}{tuple(getattr(a, 'shape', a) for a in args)} {kwargs}"
            if g_np.shape != e.shape or g_np.dtype != _canonical(e.dtype):
                failures.append(f"{where}: {g_np.shape} {g_np.dtype} vs TF {e.shape} {e.dtype}")
                continue
            if e.dtype.kind in "fc" or e.dtype.name == "bfloat16":
                tol = {"float16": 2e-3, "bfloat16": 1e-2}.get(e.dtype.name, 2e-5)
                wide = np.complex128 if e.dtype.kind == "c" else np.float64
                if not np.allclose(
                    g_np.astype(wide), e.astype(wide), rtol=tol, atol=tol, equal_nan=True
                ):
                    failures.append(f"{where}: {g_np} vs TF {e}")
            elif not np.array_equal(g_np, e):
                failures.append(f"{where}: {g_np} vs TF {e}")
    assert not failures, f"{len(failures)} of {len(CASES)} cases differ:\n" + "\n".join(
        failures[:40]
    )


def test_default_names_are_tf1s(oracle):
    _, names = oracle
    reg = registry()
    wrong = {}
    for (path, _args, _), tf_name in zip(CASES, names, strict=True):
        if tf_name.startswith("Const") and path not in ("eye",):
            continue  # TF returned its input (a cast to the same dtype): no op of its own
        if tf_name.startswith(("Squeeze", "ExpandDims")):
            continue  # TF reshaped a vector argument around the op, outside its name
        if reg[path].default_name is None:
            continue  # names itself (casts: only when the dtype changes); see behaviour tests
        if reg[path].default_name != tf_name:
            wrong[path] = (reg[path].default_name, tf_name)
    assert not wrong, "\n".join(
        f"tf.{p}: {ours} vs TF {theirs}" for p, (ours, theirs) in wrong.items()
    )
