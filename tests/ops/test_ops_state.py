"""The variable scatter ops (``tf.scatter_update`` ... ``tf.scatter_nd_sub``) and
``tf.check_numerics`` against TF1 graph mode: values after repeated indices, the variable
written back through ``apply(..., mutable=True)`` and under ``jax.jit``, TF's errors."""

import jax
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf
from flaxscope.errors import InvalidArgumentError

START = np.arange(1.0, 13.0, dtype=np.float32).reshape(4, 3)
ROWS = np.array([2, 0, 2], np.int32)  # row 2 twice: the combining ops accumulate
ROW_UPDATES = np.array([[2.0, -1.0, 0.5], [3.0, 4.0, -2.0], [0.25, 2.0, 5.0]], np.float32)
POINTS = np.array([[1, 2], [3, 0], [1, 2]], np.int64)
POINT_UPDATES = np.array([4.0, -3.0, 0.5], np.float32)

ROW_OPS = ["scatter_add", "scatter_sub", "scatter_mul", "scatter_div", "scatter_max", "scatter_min"]
ND_OPS = ["scatter_nd_add", "scatter_nd_sub"]


def _tf1_result(tf1, op, indices, updates):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        v = tf1.Variable(START, use_resource=False)
        new = getattr(tf1, op)(v, indices, updates)
        sess.run(v.initializer)
        return sess.run(new)


@pytest.mark.parametrize("op", ROW_OPS + ND_OPS)
def test_scatter_ops_match_tf1_in_apply_and_under_jit(op, tf1):
    indices, updates = (POINTS, POINT_UPDATES) if op in ND_OPS else (ROWS, ROW_UPDATES)
    want = _tf1_result(tf1, op, indices, updates)

    def model(i, u):
        v = tf.get_variable("table", initializer=START, trainable=False)
        return getattr(tf, op)(v, i, u)

    f = fs.transform(model)
    variables = f.init(jax.random.PRNGKey(0), indices, updates)
    np.testing.assert_array_equal(variables["state"]["table"], START)
    out, new = f.apply(variables, indices, updates, mutable=True)
    np.testing.assert_allclose(out, want, rtol=1e-6)
    np.testing.assert_allclose(new["state"]["table"], want, rtol=1e-6)
    jitted = jax.jit(lambda var, i, u: f.apply(var, i, u, mutable=True))
    out, new = jitted(variables, indices, updates)
    np.testing.assert_allclose(new["state"]["table"], want, rtol=1e-6)


@pytest.mark.parametrize("op", ["scatter_update", "scatter_nd_update"])
def test_updates_without_repeats_match_tf1_on_the_default_graph(op, tf1):
    nd = op == "scatter_nd_update"
    indices = POINTS[:2] if nd else ROWS[:2]
    updates = POINT_UPDATES[:2] if nd else ROW_UPDATES[:2]
    want = _tf1_result(tf1, op, indices, updates)
    fs.reset_default_graph()
    v = tf.Variable(START, name="w")
    got = getattr(tf, op)(v, indices, updates)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(fs.default_variables()["params"]["w"], want)
    fs.reset_default_graph()


def test_a_scalar_update_is_broadcast_over_the_rows(tf1):
    want = _tf1_result(tf1, "scatter_add", ROWS, np.float32(10.0))
    fs.reset_default_graph()
    v = tf.Variable(START, name="w")
    np.testing.assert_array_equal(tf.scatter_add(v, ROWS, np.float32(10.0)), want)
    fs.reset_default_graph()


def _tf1_error(tf1, make):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        v = tf1.Variable(START, use_resource=False)
        sess.run(v.initializer)
        with pytest.raises(Exception) as caught:
            sess.run(make(tf1, v))
    return caught.value


@pytest.mark.parametrize(
    "make",
    [
        lambda t, v: t.scatter_add(v, [0, 4], np.ones((2, 3), np.float32)),
        lambda t, v: t.scatter_sub(v, [-1], np.ones((1, 3), np.float32)),
        lambda t, v: t.scatter_nd_add(v, [[0, 5]], [1.0]),
    ],
    ids=["row past the end", "negative row", "nd point outside"],
)
def test_out_of_range_indices_raise_tfs_error(make, tf1):
    theirs = _tf1_error(tf1, make)
    assert isinstance(theirs, tf1.errors.InvalidArgumentError)
    text = [line for line in theirs.message.splitlines() if "ndices[" in line][0].strip()
    fs.reset_default_graph()
    v = tf.Variable(START, name="w")
    with pytest.raises(InvalidArgumentError) as ours:
        make(tf, v)
    assert str(ours.value) == text
    np.testing.assert_array_equal(fs.default_variables()["params"]["w"], START)  # untouched
    fs.reset_default_graph()


def test_bad_index_dtype_and_update_shape_are_refused_at_once(tf1):
    fs.reset_default_graph()
    v = tf.Variable(START, name="w")
    with tf1.Graph().as_default():
        tv = tf1.Variable(START, use_resource=False)
        with pytest.raises(TypeError) as theirs:
            tf1.scatter_add(tv, [0.5], np.ones((1, 3), np.float32))
    with pytest.raises(TypeError) as ours:
        tf.scatter_add(v, [0.5], np.ones((1, 3), np.float32))
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match=r"updates\.shape \[3,3\], indices\.shape \[2\]"):
        tf.scatter_add(v, [0, 1], np.ones((3, 3), np.float32))
    fs.reset_default_graph()


@pytest.mark.parametrize(
    "values", [[1.0, np.nan], [np.inf, 2.0], [-np.inf, np.nan]], ids=["nan", "inf", "both"]
)
def test_check_numerics_raises_tfs_message(values, tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        with pytest.raises(tf1.errors.InvalidArgumentError) as theirs:
            sess.run(tf1.check_numerics(tf1.constant(values, tf1.float32), "logits"))
    text = [line for line in theirs.value.message.splitlines() if "Tensor had" in line][0]
    x = np.array(values, np.float32)
    with pytest.raises(InvalidArgumentError) as ours:
        tf.check_numerics(x, "logits")
    assert str(ours.value) == text.strip()
    assert tf.debugging.check_numerics is tf.check_numerics
    with pytest.raises(Exception, match="logits : Tensor had"):
        jax.block_until_ready(jax.jit(lambda a: tf.check_numerics(a, "logits"))(x))


def test_check_numerics_passes_finite_values_and_their_gradient():
    x = np.array([1.0, -2.0, 3.0], np.float32)
    np.testing.assert_array_equal(tf.check_numerics(x, "fine"), x)
    g = jax.jit(jax.grad(lambda a: (tf.check_numerics(a, "fine") ** 2).sum()))(x)
    np.testing.assert_allclose(g, 2 * x)


def test_tf_debugging_holds_tf1s_assertions_and_predicates():
    for name in ("assert_equal", "assert_less", "assert_positive", "assert_rank", "Assert"):
        assert getattr(tf.debugging, name) is getattr(tf, name)
    assert tf.debugging.is_nan is tf.is_nan and tf.debugging.is_finite is tf.math.is_finite
    with pytest.raises(AttributeError, match="tf.debugging.check_numerics is here"):
        tf.debugging.enable_check_numerics  # noqa: B018
