"""``tf.py_func`` / ``tf.numpy_function`` against TF1 graph mode: values, single and list
``Tout``, TF1's checks on what the function returns, and the jitted ``apply`` that runs it
through ``jax.pure_callback`` with the shapes seen in ``init``."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf
from flaxscope.errors import InvalidArgumentError

X = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)


def clip_and_count(a):
    return np.clip(a, -1.0, 1.0), np.int64((a > 0).sum())


def _tf1_run(tf1, make):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        return sess.run(make(tf1))


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.py_func(lambda a: np.sort(a, axis=1), [X], t.float32),
        lambda t: t.py_func(clip_and_count, [X], [t.float32, t.int64]),
        lambda t: t.numpy_function(lambda a, b: (a * b).astype(np.float32), [X, 2.0], t.float32),
        lambda t: t.py_func(lambda a: (a.T,), [X], [t.float32]),
    ],
    ids=["single", "list", "numpy_function", "one-tuple"],
)
def test_values_match_tf1(tf1, make):
    expected = _tf1_run(tf1, make)
    got = make(tf)
    assert isinstance(got, list) == isinstance(expected, list)
    for g, e in zip(
        got if isinstance(got, list) else [got],
        expected if isinstance(expected, list) else [expected],
        strict=True,
    ):
        assert np.asarray(g).dtype == jax.dtypes.canonicalize_dtype(np.asarray(e).dtype)
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize(
    "func, tout",
    [
        (lambda a: 3.0, "float32"),  # a Python float is a double
        (lambda a: [a, a], "float32"),
        (lambda a: a, ["float32", "int32"]),
        (lambda a: 3, "int32"),  # a Python int is an int64
    ],
    ids=["double-for-float", "too-many", "too-few", "int64-for-int32"],
)
def test_returned_values_are_checked_as_tf1_does(tf1, func, tout):
    to_tf1 = (lambda t: [getattr(t, d) for d in tout]) if isinstance(tout, list) else None
    with tf1.Graph().as_default(), tf1.Session() as sess:
        want = to_tf1(tf1) if to_tf1 else getattr(tf1, tout)
        with pytest.raises(tf1.errors.InvalidArgumentError) as theirs:
            sess.run(tf1.py_func(func, [X], want))
    lines = theirs.value.message.splitlines()
    text = next(line for line in lines if re.search(r"\bpyfunc_\d+ ", line))
    ours_tout = [getattr(tf, d) for d in tout] if isinstance(tout, list) else getattr(tf, tout)
    with pytest.raises(InvalidArgumentError) as ours:
        tf.py_func(func, [X], ours_tout)
    # TF numbers its functions process-wide (pyfunc_<n>); the rest of the text is TF's
    assert re.sub(r"pyfunc_\d+", "", str(ours.value)) == re.sub(r"pyfunc_\d+", "", text.strip())


def test_jitted_apply_uses_the_shapes_seen_in_init():
    calls = []

    def host_stats(a):
        calls.append(a.shape)
        return np.stack([a.mean(axis=1), a.std(axis=1)], axis=1).astype(np.float32)

    def model(x):
        w = tf.get_variable("w", [3, 3], initializer=tf.ones_initializer())
        h = tf.matmul(x, w)
        stats = tf.py_func(lambda a: host_stats(a), [h], tf.float32)
        return tf.reduce_sum(stats) + tf.reduce_sum(h)

    f = fs.transform(model)
    variables = f.init(jax.random.PRNGKey(0), X)  # op by op: runs host_stats, learns [2, 2]
    eager = f.apply(variables, X)
    jitted = jax.jit(f.apply)(variables, X)
    np.testing.assert_allclose(jitted, eager, rtol=1e-6)
    assert calls == [(2, 3)] * 3
    batched = jax.vmap(lambda x: jax.jit(f.apply)(variables, x[None]), in_axes=0)
    with pytest.raises(ValueError, match="JAX needs the shapes of its outputs"):
        batched(X)  # [1, 3] inputs were never seen on concrete values


def test_no_gradient_flows_through_it():
    def loss(x):
        return jnp.sum(tf.py_func(lambda a: a * 2, [x], tf.float32))

    np.testing.assert_allclose(loss(X), 2 * X.sum(), rtol=1e-6)
    with pytest.raises(Exception):  # noqa: B017  (TF1: "No gradient defined for operation")
        jax.jit(jax.grad(loss))(X)
