"""TF1's math ops beyond values: TF's errors for bad calls, gradients against TF's,
jit/vmap, use inside ``fs.transform`` and on ``tf.trainable_variables()``, op names taken
in the name scope as TF1 takes them, x64 dtypes, and HLO equal to the jnp version."""

from __future__ import annotations

import collections
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as fst

tf = pytest.importorskip(
    "tensorflow", reason="oracle tensorflow-cpu is not installed (pip install -e '.[oracle]')"
)
t1 = tf.compat.v1

R = np.random.RandomState(1)
F23 = R.randn(2, 3).astype(np.float32)
F2 = R.randn(2).astype(np.float32)
I23 = R.randint(-3, 4, size=(2, 3)).astype(np.int32)
B2 = np.array([True, False])


def _resolve(module, path):
    for part in path.split("."):
        module = getattr(module, part)
    return module


BAD_CALLS = [
    ("add", (F23, I23), {}),
    ("add", (I23, 2.5), {}),
    ("multiply", (F23, F2), {}),
    ("maximum", (F23, I23), {}),
    ("equal", (F23, I23), {}),
    ("sqrt", (I23,), {}),
    ("floor", (I23,), {}),
    ("logical_and", (F23, F23), {}),
    ("logical_not", (F23,), {}),
    ("reduce_any", (F23,), {}),
    ("reduce_mean", (B2,), {}),
    ("reduce_sum", (F23,), {"axis": 2}),
    ("reduce_max", (F23,), {"axis": [0, -3]}),
    ("reduce_sum", (F23,), {"axis": [0], "reduction_indices": [0]}),
    ("reduce_sum", (F23,), {"keepdims": True, "keep_dims": True}),
    ("argmax", (F23,), {"axis": 0, "dimension": 0}),
    ("argmin", (F23, 5), {}),
    ("add_n", ([],), {}),
    ("add_n", ([F23, I23],), {}),
    ("add_n", ([F23, F2],), {}),
    ("matmul", (F23, F23), {}),
    ("matmul", (F2, F23), {}),
    ("matmul", (F23, I23), {}),
    ("tensordot", (F23, F23, 1), {}),
    ("einsum", ("ij,jk->ik", F23, F23), {}),
    ("truediv", (F23, I23), {}),
    ("scalar_mul", (F2, F23), {}),
    ("norm", (F2,), {"ord": -1}),
    ("norm", (F23,), {"ord": 3, "axis": [0, 1]}),
    ("norm", (F23,), {"axis": [0, 1, 1]}),
    ("segment_sum", (F23, np.array([0.0, 1.0], np.float32)), {}),
    ("unsorted_segment_sum", (F23, np.array([0, 1, 2], np.int32), 3), {}),
    ("matrix_inverse", (F23,), {}),
    ("cholesky", (I23,), {}),
    ("cross", (F2, F2), {}),
    ("bitwise.bitwise_and", (F23, F23), {}),
    ("linalg.diag_part", (F2,), {}),
    ("matrix_transpose", (F2,), {}),
]


def _tf_args(args):
    return [
        tf.constant(a)
        if isinstance(a, np.ndarray)
        else [tf.constant(v) for v in a]
        if isinstance(a, list)
        else a
        for a in args
    ]


def _fs_args(args):
    return [
        jnp.asarray(a)
        if isinstance(a, np.ndarray)
        else [jnp.asarray(v) for v in a]
        if isinstance(a, list)
        else a
        for a in args
    ]


def test_bad_calls_raise_tfs_errors():
    """Same exception type and TF's message text, up to where TF names its graph node."""
    wrong = []
    for path, args, kwargs in BAD_CALLS:
        with tf.Graph().as_default():
            with pytest.raises((TypeError, ValueError)) as theirs:
                _resolve(t1, path)(*_tf_args(args), **kwargs)
        with pytest.raises((TypeError, ValueError)) as ours:
            _resolve(fst, path)(*_fs_args(args), **kwargs)
        expected = re.split(r" for '| Received|(?<=allowed values:) ", str(theirs.value))[0]
        if theirs.type is not ours.type or not str(ours.value).startswith(expected):
            wrong.append(
                f"tf.{path}: {ours.type.__name__}({ours.value!s})\n  TF: "
                f"{theirs.type.__name__}({theirs.value!s})"
            )
    assert not wrong, "\n".join(wrong)


GRAD_CASES = [
    ("sqrt", lambda x: x * x + 0.5),
    ("log", lambda x: x * x + 0.5),
    ("tanh", None),
    ("sigmoid", None),
    ("rsqrt", lambda x: x * x + 0.5),
    ("erf", None),
    ("lgamma", lambda x: x * x + 0.5),
    ("math.softplus", None),
    ("log_sigmoid", None),
    ("reduce_logsumexp", None),
    ("reduce_max", None),
    ("reduce_prod", None),
    ("math.reduce_std", None),
    ("norm", None),
    ("cumprod", None),
    ("math.cumulative_logsumexp", None),
]


def test_gradients_match_tf_under_jit():
    x = R.randn(3, 4).astype(np.float32)
    w = R.randn(3, 4).astype(np.float32)
    for path, prep in GRAD_CASES:
        prep = prep or (lambda v: v)

        def ours(v, path=path, prep=prep):
            out = _resolve(fst, path)(prep(v))
            return jnp.sum(out * (w if out.shape == w.shape else 1.0))

        got = jax.jit(jax.grad(ours))(jnp.asarray(x))
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = _resolve(t1, path)(prep(xt))
            loss = tf.reduce_sum(out * (w if tuple(out.shape) == w.shape else 1.0))
        want = tape.gradient(loss, xt).numpy()
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5, err_msg=path)

    # binary and matrix ops: gradients with respect to both arguments
    a = R.randn(3, 4).astype(np.float32)
    b = R.randn(4, 2).astype(np.float32)
    pairs = [
        ("matmul", a, b, {}),
        ("matmul", a, a, {"transpose_b": True}),
        ("tensordot", a, b, {"axes": 1}),
        ("squared_difference", a, a[::-1].copy(), {}),
        ("maximum", a, a[::-1].copy(), {}),
        ("div_no_nan", a, np.abs(a[::-1]) + 0.5, {}),
        ("pow", np.abs(a) + 0.5, a[::-1].copy(), {}),
        ("math.xlogy", a, np.abs(a[::-1]) + 0.5, {}),
    ]
    for path, u, v, kw in pairs:

        def ours2(p, q, path=path, kw=kw):
            return jnp.sum(jnp.sin(_resolve(fst, path)(p, q, **kw)))

        got = jax.jit(jax.grad(ours2, argnums=(0, 1)))(jnp.asarray(u), jnp.asarray(v))
        ut, vt = tf.constant(u), tf.constant(v)
        with tf.GradientTape() as tape:
            tape.watch([ut, vt])
            loss = tf.reduce_sum(tf.sin(_resolve(t1, path)(ut, vt, **kw)))
        want = tape.gradient(loss, [ut, vt])
        for g, e in zip(got, want, strict=True):
            np.testing.assert_allclose(g, e.numpy(), rtol=2e-4, atol=2e-5, err_msg=path)
    m = (a[:, :3].T @ a[:, :3] + 3 * np.eye(3)).astype(np.float32)

    def inv_loss(p):
        return jnp.sum(fst.matrix_inverse(p) * jnp.arange(9.0).reshape(3, 3))

    mt = tf.constant(m)
    with tf.GradientTape() as tape:
        tape.watch(mt)
        loss = tf.reduce_sum(t1.matrix_inverse(mt) * np.arange(9.0, dtype=np.float32).reshape(3, 3))
    np.testing.assert_allclose(
        jax.grad(inv_loss)(jnp.asarray(m)), tape.gradient(loss, mt).numpy(), rtol=1e-4, atol=1e-5
    )


def test_vmap_equals_the_batched_call():
    x = jnp.asarray(R.randn(5, 3, 4).astype(np.float32))
    w = jnp.asarray(R.randn(4, 2).astype(np.float32))
    checks = {
        "matmul": (lambda a: fst.matmul(a, w), lambda xs: fst.matmul(xs, w)),
        "reduce_sum": (
            lambda a: fst.reduce_sum(a, axis=-1, keep_dims=True),
            lambda xs: fst.reduce_sum(xs, axis=-1, keep_dims=True),
        ),
        "argmax": (lambda a: fst.argmax(a, 1), lambda xs: fst.argmax(xs, 2)),
        "cumsum": (
            lambda a: fst.cumsum(a, axis=1, exclusive=True, reverse=True),
            lambda xs: fst.cumsum(xs, axis=2, exclusive=True, reverse=True),
        ),
        "norm": (lambda a: fst.norm(a, axis=[0, 1]), lambda xs: fst.norm(xs, axis=[1, 2])),
        "cast": (lambda a: fst.to_int32(a * 3), lambda xs: fst.to_int32(xs * 3)),
        "unsorted_segment_max": (
            lambda a: fst.unsorted_segment_max(a, jnp.array([1, 0, 1]), 3),
            lambda xs: jnp.stack(
                [fst.unsorted_segment_max(v, jnp.array([1, 0, 1]), 3) for v in xs]
            ),
        ),
    }
    for name, (single, batched) in checks.items():
        np.testing.assert_allclose(jax.vmap(single)(x), batched(x), rtol=1e-6, err_msg=name)


def _weight_decay_model(x):
    w = fst.get_variable("w", [3, 2])
    b = fst.get_variable("b", [2], initializer=fst.zeros_initializer())
    logits = fst.add(fst.matmul(x, w), b, name="logits")
    decay = fst.add_n([fst.reduce_sum(fst.square(v)) / 2 for v in fst.trainable_variables()])
    return logits, decay


def test_ops_inside_transform_and_on_trainable_variables():
    x = jnp.asarray(R.randn(4, 3).astype(np.float32))
    f = fs.transform(_weight_decay_model)
    variables = f.init(jax.random.PRNGKey(0), x)
    params = variables["params"]
    logits, decay = jax.jit(f.apply)(variables, x)
    np.testing.assert_allclose(logits, x @ params["w"] + params["b"], rtol=1e-6)
    want = sum(float(jnp.sum(p**2)) / 2 for p in params.values())
    np.testing.assert_allclose(decay, want, rtol=1e-6)

    # gradient of the decay term through the variable records is the params themselves
    def loss(p):
        return f.apply({"params": p}, x)[1]

    grads = jax.grad(loss)(params)
    for k in params:
        np.testing.assert_allclose(grads[k], params[k], rtol=1e-6)

    # eagerly, in the default store, as a TF1 script runs top to bottom
    fs.reset_default_graph()
    _weight_decay_model(x)
    records = fst.trainable_variables()
    np.testing.assert_allclose(
        fst.add_n([fst.reduce_sum(fst.square(v)) for v in records]),
        sum(float(jnp.sum(r.value**2)) for r in records),
        rtol=1e-6,
    )
    assert fst.reduce_sum(records[0]).shape == ()
    assert fst.matmul(x, records[0]).shape == (4, 2)


def test_op_names_take_their_place_in_the_name_scope():
    """A variable named like an op created before it is uniquified, as in TF1."""
    ops = [
        "MatMul",
        "Mean",
        "Cast",
        "ArgMax",
        "Add",
        "Sum",
        "ToFloat",
        "logits",
        "norm",
        "ToInt32",
        "Cast_1",
    ]

    def build(lib, variable):
        x = lib.constant_like(np.ones((2, 2), np.float32))
        with lib.ns("block"):
            lib.m.matmul(x, x)
            lib.m.reduce_mean(x)
            lib.m.cast(x, lib.m.int32)
            lib.m.argmax(x, 1)
            lib.m.add(x, x)
            lib.m.reduce_sum(x)
            lib.m.to_float(x)
            lib.m.matmul(x, x, name="logits")
            lib.m.norm(x)
            lib.m.to_int32(lib.m.to_int32(x))  # the second cast is a no-op: no name
            lib.m.cast(x, lib.m.float32)  # likewise
            return [variable(name) for name in ops]

    class TF:
        m = t1
        ns = staticmethod(t1.name_scope)
        constant_like = staticmethod(tf.constant)

    with tf.Graph().as_default():
        theirs = [v.name for v in build(TF, lambda n: t1.Variable(1.0, name=n))]

    class FS:
        m = fst
        ns = staticmethod(fst.name_scope)
        constant_like = staticmethod(jnp.asarray)

    fs.reset_default_graph()
    build(FS, lambda n: fst.Variable(1.0, name=n))
    ours = [v.name for v in fst.global_variables()]
    assert ours == theirs
    assert theirs[0] == "block/MatMul_1:0"


def test_x64_dtypes_follow_tf_when_enabled():
    with jax.enable_x64(True):
        x = jnp.asarray([[1.0, 3.0], [4.0, 2.0]], jnp.float32)
        assert fst.argmax(x, 1).dtype == np.int64
        assert fst.argmax(x, 1, output_type=fst.int32).dtype == np.int32
        assert fst.count_nonzero(x).dtype == np.int64
        assert fst.truediv(jnp.asarray([1, 2], jnp.int32), 2).dtype == np.float64
        assert fst.truediv(jnp.asarray([1, 2], jnp.int16), 2).dtype == np.float32
        assert fst.to_int64(x).dtype == np.int64
        assert fst.to_double(x).dtype == np.float64
    # x64 off (JAX's default): 64-bit requests give the 32-bit type, as everywhere in JAX
    assert fst.argmax(jnp.ones((2, 2)), 1).dtype == np.int32
    assert fst.truediv(jnp.asarray([1, 2]), 2).dtype == np.float32


def _hlo_ops(fn, *args):
    text = jax.jit(fn).lower(*args).as_text()
    return collections.Counter(re.findall(r"\b(?:stablehlo|chlo|mhlo)\.[a-z_]+", text))


def test_hlo_equals_the_jnp_version():
    x = jnp.ones((8, 16), jnp.float32)
    w = jnp.ones((16, 4), jnp.float32)
    b = jnp.ones((4,), jnp.float32)
    y = jnp.ones((8,), jnp.int32)

    def with_tf(x, w, b, y):
        h = fst.tanh(fst.add(fst.matmul(x, w), b))
        h = h - fst.reduce_max(h, axis=1, keepdims=True)
        correct = fst.equal(fst.to_int32(fst.argmax(h, 1)), y)
        acc = fst.reduce_mean(fst.cast(correct, fst.float32))
        loss = fst.reduce_mean(fst.square(h)) + fst.reduce_sum(fst.exp(h), axis=[0, 1])
        return loss + acc + fst.norm(w) + fst.reduce_logsumexp(h)

    def with_jnp(x, w, b, y):
        h = jnp.tanh(x @ w + b)
        h = h - jnp.max(h, axis=1, keepdims=True)
        correct = jnp.argmax(h, 1).astype(jnp.int32) == y
        acc = jnp.mean(correct.astype(jnp.float32))
        loss = jnp.mean(jnp.square(h)) + jnp.sum(jnp.exp(h), axis=(0, 1))
        return loss + acc + jnp.sqrt(jnp.sum(w * w)) + jax.nn.logsumexp(h)

    ours, theirs = _hlo_ops(with_tf, x, w, b, y), _hlo_ops(with_jnp, x, w, b, y)
    assert ours == theirs
    np.testing.assert_allclose(with_tf(x, w, b, y), with_jnp(x, w, b, y), rtol=1e-6)


def test_linear_operator_lower_triangular_matches_tf():
    tril = (np.tril(R.randn(2, 3, 3)) + 3 * np.eye(3) + np.triu(R.randn(3, 3), 1)).astype(
        np.float32
    )
    rhs = R.randn(2, 3, 2).astype(np.float32)
    ours = fst.linalg.LinearOperatorLowerTriangular(jnp.asarray(tril))
    theirs = tf.linalg.LinearOperatorLowerTriangular(tf.constant(tril))
    pairs = [
        (ours.to_dense(), theirs.to_dense()),
        (ours.matmul(rhs), theirs.matmul(rhs)),
        (ours.matmul(rhs, adjoint=True), theirs.matmul(rhs, adjoint=True)),
        (ours.matvec(rhs[..., 0]), theirs.matvec(rhs[..., 0])),
        (ours.solve(rhs), theirs.solve(rhs)),
        (ours.solve(rhs, adjoint=True), theirs.solve(rhs, adjoint=True)),
        (ours.solvevec(rhs[..., 1]), theirs.solvevec(rhs[..., 1])),
        (ours.determinant(), theirs.determinant()),
        (ours.log_abs_determinant(), theirs.log_abs_determinant()),
        (ours.diag_part(), theirs.diag_part()),
        (ours.trace(), theirs.trace()),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-5)
    assert ours.shape == tuple(theirs.shape)


def test_tf_string_names_a_dtype_arrays_cannot_have():
    x = jnp.ones((2,))
    assert fst.string == fst.dtypes.string and x.dtype != fst.string
    with pytest.raises(TypeError, match="JAX arrays hold numbers"):
        fst.cast(x, fst.string)
    with pytest.raises(TypeError, match="tf.string"):
        fst.get_variable("s", [2], dtype=fst.string)


def test_lu_factors_round_trip_as_tfs():
    a = R.randn(2, 4, 4).astype(np.float32) + 4 * np.eye(4, dtype=np.float32)
    rhs = R.randn(2, 4, 3).astype(np.float32)
    packed, perm = fst.linalg.lu(jnp.asarray(a))
    tf_packed, tf_perm = t1.linalg.lu(tf.constant(a))
    np.testing.assert_array_equal(perm, tf_perm.numpy())
    np.testing.assert_allclose(packed, tf_packed.numpy(), rtol=1e-5, atol=1e-5)
    checks = [
        (fst.linalg.lu_reconstruct(packed, perm), t1.linalg.lu_reconstruct(tf_packed, tf_perm)),
        (fst.linalg.lu_solve(packed, perm, rhs), t1.linalg.lu_solve(tf_packed, tf_perm, rhs)),
        (
            fst.linalg.lu_matrix_inverse(packed, perm),
            t1.linalg.lu_matrix_inverse(tf_packed, tf_perm),
        ),
    ]
    for got, want in checks:
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)


def test_approx_top_k_matches_tf():
    """TF runs ApproxTopK through XLA (its plain CPU kernel has max_k only)."""
    x = R.randn(3, 8).astype(np.float32)
    for path, k in [("math.approx_max_k", 3), ("math.approx_min_k", 2)]:
        ours = _resolve(fst, path)(jnp.asarray(x), k)
        theirs = tf.function(lambda v, path=path, k=k: _resolve(t1, path)(v, k), jit_compile=True)(
            x
        )
        for got, want in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(got, want.numpy())


def test_sparse_tensor_dense_matmul_matches_tf():
    from jax.experimental import sparse as jsparse

    indices = np.array([[0, 1], [2, 0], [2, 3], [1, 1]], np.int64)
    values = R.randn(4).astype(np.float32)

    class Sparse:  # TF's SparseTensor fields
        def __init__(self, indices, values, dense_shape):
            self.indices, self.values, self.dense_shape = indices, values, dense_shape

    ours_sp = Sparse(jnp.asarray(indices, jnp.int32), jnp.asarray(values), [3, 4])
    theirs_sp = tf.SparseTensor(indices, values, [3, 4])
    dense = np.zeros((3, 4), np.float32)
    dense[indices[:, 0], indices[:, 1]] = values
    for b, kw in [
        (R.randn(4, 2), {}),
        (R.randn(3, 2), {"adjoint_a": True}),
        (R.randn(2, 4), {"adjoint_b": True}),
        (R.randn(2, 3), {"adjoint_a": True, "adjoint_b": True}),
    ]:
        b = b.astype(np.float32)
        want = t1.sparse_tensor_dense_matmul(theirs_sp, b, **kw).numpy()
        got = jax.jit(
            lambda v, b=b, kw=kw: fst.sparse_tensor_dense_matmul(
                Sparse(ours_sp.indices, v, [3, 4]), b, **kw
            )
        )(ours_sp.values)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        bcoo = jsparse.BCOO.fromdense(jnp.asarray(dense))
        np.testing.assert_allclose(
            fst.sparse_tensor_dense_matmul(bcoo, b, **kw), want, rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            fst.sparse_tensor_dense_matmul(jnp.asarray(dense), b, **kw),
            want,
            rtol=1e-5,
            atol=1e-6,
        )
    with tf.Graph().as_default(), pytest.raises(ValueError) as theirs:
        t1.sparse_tensor_dense_matmul(tf.SparseTensor(indices, values, [3, 4]), tf.ones((3, 2)))
    with pytest.raises(ValueError) as ours:
        fst.sparse_tensor_dense_matmul(ours_sp, jnp.ones((3, 2)))
    assert str(ours.value).startswith(str(theirs.value).split(" for '")[0])


@pytest.mark.parametrize("op", ["floordiv", "div", "floormod", "mod"])
def test_integer_division_by_a_concrete_zero_is_tfs_error(op):
    tf1 = tf.compat.v1
    x, y = np.array([3, 4], np.int32), np.array([0, 2], np.int32)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        with pytest.raises(tf1.errors.InvalidArgumentError) as theirs:
            sess.run(getattr(tf1, op)(x, y))
        expected = sess.run(getattr(tf1, op)(x, y + 1))
    assert "Integer division by zero" in theirs.value.message
    with pytest.raises(fs.errors.InvalidArgumentError, match="^Integer division by zero$"):
        getattr(fst, op)(x, y)
    np.testing.assert_array_equal(getattr(fst, op)(x, y + 1), expected)
