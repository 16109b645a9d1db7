"""tf.clip_by_value / clip_by_norm / clip_by_global_norm / clip_by_average_norm /
global_norm against tf.compat.v1, and TF1's global norm of embedding (IndexedSlices)
gradients."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf
from flaxscope.ops.clip import embedding_gradient

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype(np.float32) * 3
B = RNG.normal(size=(5,)).astype(np.float32)
Z = np.zeros((2, 2), np.float32)


def _cases():
    """(op name, args, kwargs) over grids of arguments."""
    out = []
    for t, (lo, hi) in itertools.product([A, B], [(-1.0, 1.0), (0.0, 0.5), (-2.5, 10.0)]):
        out.append(("clip_by_value", (t, lo, hi), {}))
    out.append(("clip_by_value", (A, np.full((4,), -0.5, np.float32), 0.7), {}))
    out.append(("clip_by_value", (np.arange(-5, 5, dtype=np.int32), -2, 3), {}))
    for t, c, axes in itertools.product([A, B, Z], [0.5, 2.0, 100.0, -1.0], [None, 0, [1], [0, 1]]):
        if axes is not None and np.ndim(t) <= max(np.atleast_1d(axes)):
            continue
        out.append(("clip_by_norm", (t, c), {"axes": axes}))
    for c in (0.1, 1.0, 50.0):
        out.append(("clip_by_average_norm", (A, c), {}))
        out.append(("clip_by_global_norm", ([A, None, B], c), {}))
        out.append(("clip_by_global_norm", ([A, B], c), {"use_norm": np.float32(2.0)}))
    out.append(("clip_by_global_norm", ([A, np.array([np.inf, 1.0], np.float32)], 1.0), {}))
    out.append(("clip_by_global_norm", ((A, B), 1.0), {}))
    out.append(("global_norm", ([A, None, B, Z],), {}))
    out.append(("global_norm", ((B,),), {}))
    return out


def test_values_match_tf1(tf1):
    cases = _cases()
    with tf1.Graph().as_default(), tf1.Session() as sess:
        none = tf1.constant("None")  # Session.run cannot fetch None
        results = [getattr(tf1, op)(*a, **k) for op, a, k in cases]
        fetches = jax.tree.map(
            lambda x: none if x is None else tf1.convert_to_tensor(x),
            results,
            is_leaf=lambda x: x is None,
        )
        expected = sess.run(fetches)
    jitted = jax.jit(lambda: [getattr(tf, op)(*a, **k) for op, a, k in cases])()
    for (op, args, kwargs), want, via_jit in zip(cases, expected, jitted, strict=True):
        got = getattr(tf, op)(*args, **kwargs)
        for result in (got, via_jit):
            flat_got = jax.tree.leaves(result, is_leaf=lambda x: x is None)
            flat_want = jax.tree.leaves(want)
            assert len(flat_got) == len(flat_want), op
            for g, w in zip(flat_got, flat_want, strict=True):
                if isinstance(w, bytes):
                    assert g is None
                    continue
                assert np.asarray(g).dtype == np.asarray(w).dtype, (op, args)
                np.testing.assert_allclose(g, w, rtol=2e-6, atol=1e-6, err_msg=f"{op} {kwargs}")


def test_errors_match_tf1(tf1):
    with tf1.Graph().as_default():
        for call in (
            lambda t: t.clip_by_global_norm(A, 1.0),
            lambda t: t.global_norm("ab"),
        ):
            with pytest.raises(TypeError) as theirs:
                call(tf1)
            with pytest.raises(TypeError) as ours:
                call(tf)
            assert str(ours.value) == str(theirs.value)
        with pytest.raises(ValueError) as theirs:
            tf1.clip_by_value(B, np.zeros((2, 5), np.float32), 1.0)
    with pytest.raises(ValueError) as ours:
        tf.clip_by_value(B, np.zeros((2, 5), np.float32), 1.0)
    assert str(ours.value) == str(theirs.value)


def test_gradients_and_op_names(tf1):
    g = jax.grad(lambda x: tf.clip_by_value(x, -1.0, 1.0).sum())(jnp.asarray([-2.0, 0.5, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])
    g = jax.grad(lambda x: tf.clip_by_norm(x, 1.0).sum())(jnp.zeros(3))
    assert np.isfinite(np.asarray(g)).all()

    def names(t, name_of):
        t.clip_by_value(B, 0.0, 1.0)
        t.clip_by_global_norm([B], 1.0)
        t.clip_by_global_norm([B], 1.0, name="gn")
        return [
            name_of(t.Variable(1.0, name=n))
            for n in ("clip_by_value", "global_norm", "clip_by_global_norm", "gn")
        ]

    with tf1.Graph().as_default():
        want = names(tf1, lambda v: v.name)
    got = fs.transform(lambda: names(tf, fs.name_of)).init_with_output(jax.random.key(0))[0]
    assert got == want


V, D = 6, 3
IDS = np.array([[1, 4, 1], [1, 0, 4]], np.int32)  # ids 1 and 4 repeat
EMB = RNG.normal(size=(V, D)).astype(np.float32)
W = RNG.normal(size=(D, 2)).astype(np.float32)


def _tf1_embedding_norm(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        emb = tf1.get_variable("embedding", initializer=EMB)
        w = tf1.get_variable("w", initializer=W)
        logits = tf1.tensordot(tf1.nn.embedding_lookup(emb, IDS), w, 1)
        loss = tf1.reduce_sum(tf1.sin(logits))
        grads = tf1.gradients(loss, [emb, w])
        assert isinstance(grads[0], tf1.IndexedSlices)
        clipped, norm = tf1.clip_by_global_norm(grads, 0.5)
        dense = tf1.convert_to_tensor(clipped[0])
        sess.run(tf1.global_variables_initializer())
        return sess.run([norm, dense, clipped[1]])


def test_embedding_gradient_gives_tf1s_global_norm(tf1):
    want_norm, want_emb, want_w = _tf1_embedding_norm(tf1)

    def loss(ids, probe):
        emb = tf.get_variable("embedding", initializer=EMB)
        w = tf.get_variable("w", initializer=W)
        looked_up = jnp.take(emb, ids, axis=0) + probe
        return jnp.sum(jnp.sin(jnp.tensordot(looked_up, w, 1)))

    f = fs.transform(loss)
    probe = jnp.zeros(IDS.shape + (D,))
    variables = f.init(jax.random.key(0), IDS, probe)
    grads, g_lookup = jax.grad(f.apply, argnums=(0, 2))(variables, IDS, probe)
    sparse = embedding_gradient(g_lookup, IDS, (V, D))
    np.testing.assert_allclose(sparse.to_dense(), grads["params"]["embedding"], rtol=1e-5)
    clipped, norm = tf.clip_by_global_norm([sparse, grads["params"]["w"]], 0.5)
    np.testing.assert_allclose(norm, want_norm, rtol=1e-5)
    np.testing.assert_allclose(clipped[0].to_dense(), want_emb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(clipped[1], want_w, rtol=1e-5, atol=1e-6)
    # The dense gradient sums repeated ids first: a different (smaller here) norm.
    dense_norm = tf.global_norm([grads["params"]["embedding"], grads["params"]["w"]])
    assert abs(float(dense_norm) - float(want_norm)) > 1e-3
    with pytest.raises(ValueError, match="does not start with the ids' shape"):
        embedding_gradient(g_lookup[0], IDS, (V, D))
