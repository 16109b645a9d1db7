"""TF1's sparse updates: an embedding's gradient is an ``IndexedSlices`` in TF1, and most
of TF1's optimizers then update only the rows the batch looked up (Momentum, RMSProp,
Adagrad, Adadelta, FTRL, the proximal ones, AdagradDA), while Adam decays its slots in every
row. flaxscope's optimizers take an ``IndexedSlices`` leaf (``embedding_gradient``) and do
the same; these tests train an embedding + dense model 3 steps in TF1 graph mode and in
flaxscope and compare every variable and slot after every step."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from flaxscope import train
from flaxscope.ops.clip import IndexedSlices, embedding_gradient

VOCAB, DIM = 6, 3
# per step; row 5 is never looked up, rows 1 and 3 not in the second step
STEP_IDS = [
    np.array([[1, 3, 1], [4, 1, 0]], np.int32),
    np.array([[0, 0, 2], [2, 4, 0]], np.int32),
    np.array([[3, 3, 3], [1, 2, 4]], np.int32),
]
SHAPE = STEP_IDS[0].shape
GS = object()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    init = {
        "embedding": rng.normal(size=(VOCAB, DIM)).astype(np.float32),
        "w": rng.normal(size=(DIM, 2)).astype(np.float32),
    }
    y = rng.normal(size=(2, 3, 2)).astype(np.float32)
    return init, y


CONFIGS = {
    "momentum": ("MomentumOptimizer", (0.1, 0.9), {}),
    "momentum_nesterov": ("MomentumOptimizer", (0.1, 0.9), {"use_nesterov": True}),
    "rmsprop": ("RMSPropOptimizer", (0.01,), {"momentum": 0.5}),
    "rmsprop_centered": ("RMSPropOptimizer", (0.01,), {"centered": True}),
    "adam": ("AdamOptimizer", (0.05,), {}),
    "adagrad": ("AdagradOptimizer", (0.1,), {}),
    "sgd": ("GradientDescentOptimizer", (0.1,), {}),
    "adadelta": ("AdadeltaOptimizer", (1.0,), {}),
    "ftrl": ("FtrlOptimizer", (0.1,), {"l1_regularization_strength": 0.01}),
    "proximal_adagrad": ("ProximalAdagradOptimizer", (0.1,), {"l2_regularization_strength": 0.1}),
    "proximal_sgd": (
        "ProximalGradientDescentOptimizer",
        (0.1,),
        {"l1_regularization_strength": 0.01},
    ),
    "adagrad_da": ("AdagradDAOptimizer", (0.1, GS), {"l2_regularization_strength": 0.01}),
}


def tf1_history(tf1, config, init, y):
    tf_name, args, kwargs = config
    with tf1.Graph().as_default() as graph:
        emb = tf1.get_variable("embedding", initializer=init["embedding"])
        w = tf1.get_variable("w", initializer=init["w"])
        ids = tf1.placeholder(tf1.int32, SHAPE)
        out = tf1.tensordot(tf1.nn.embedding_lookup(emb, ids), w, 1)
        loss = tf1.reduce_sum(tf1.square(out - y))
        gs = tf1.train.get_or_create_global_step()
        args = [gs if a is GS else a for a in args]
        opt = getattr(tf1.train, tf_name)(*args, **kwargs)
        train_op = opt.minimize(loss, global_step=gs)
        names = {v.op.name: v for v in tf1.global_variables() if v.op.name != "global_step"}
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            history = []
            for step_ids in STEP_IDS:
                sess.run(train_op, {ids: step_ids})
                history.append(sess.run(names))
    return history


def fs_history(config, init, y, sparse=True):
    tf_name, args, kwargs = config
    opt = getattr(train, tf_name)(*[None if a is GS else a for a in args], **kwargs)

    def loss(p, ids, probe):
        looked_up = jnp.take(p["embedding"], ids, axis=0) + probe
        return jnp.sum(jnp.square(jnp.tensordot(looked_up, p["w"], 1) - y))

    @jax.jit
    def step(params, state, ids):
        probe = jnp.zeros(SHAPE + (DIM,))
        grads, g_lookup = jax.grad(loss, argnums=(0, 2))(params, ids, probe)
        if sparse:
            grads = {**grads, "embedding": embedding_gradient(g_lookup, ids, (VOCAB, DIM))}
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    params = {k: jnp.asarray(v) for k, v in init.items()}
    state = opt.init(params)
    history = []
    for step_ids in STEP_IDS:
        params, state = step(params, state, step_ids)
        history.append({**params, **opt.variables(state)})
    return history


def max_rel_err(a, e):
    a, e = np.asarray(a, np.float64), np.asarray(e, np.float64)
    return np.max(np.abs(a - e)) / max(np.max(np.abs(e)), 1e-30)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_sparse_gradients_update_as_tf1(tf1, data, name):
    init, y = data
    expected = tf1_history(tf1, CONFIGS[name], init, y)
    actual = fs_history(CONFIGS[name], init, y)
    for step, (a, e) in enumerate(zip(actual, expected, strict=True)):
        assert set(e) <= set(a), sorted(set(e) - set(a))
        for var in e:
            err = max_rel_err(a[var], e[var])
            assert err < 2e-5, f"step {step + 1}, {var}: relative error {err:.2e}"


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "ftrl", "proximal_sgd"])
def test_a_dense_gradient_would_move_rows_tf1_leaves_alone(tf1, data, name):
    """Why the slices matter: with a dense gradient (zeros in the rows not looked up) these
    optimizers move rows that TF1 leaves alone (momentum carried on, l1 shrinkage)."""
    init, y = data
    expected = tf1_history(tf1, CONFIGS[name], init, y)[-1]["embedding"]
    sparse = np.asarray(fs_history(CONFIGS[name], init, y)[-1]["embedding"])
    dense = np.asarray(fs_history(CONFIGS[name], init, y, sparse=False)[-1]["embedding"])
    np.testing.assert_array_equal(sparse[5], init["embedding"][5])  # never looked up
    assert max_rel_err(sparse, expected) < 2e-5
    assert max_rel_err(dense, expected) > 1e-3


def test_a_slices_gradient_of_the_wrong_shape_names_the_variable():
    opt = train.MomentumOptimizer(0.1, 0.9)
    params = {"embedding": jnp.zeros((VOCAB, DIM))}
    state = opt.init(params)
    bad = {"embedding": IndexedSlices(jnp.ones((2, DIM)), jnp.array([0, 1]), np.array([5, DIM]))}
    with pytest.raises(ValueError, match="variable embedding has dense_shape \\[5, 3\\]"):
        opt.update(bad, state, params)
