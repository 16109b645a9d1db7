"""``dynamic_rnn`` on ``embedding_lookup`` rows: the vocabulary-sized projection (the fold)
gives TF1's outputs and gradients, and is used exactly when it should be."""

from __future__ import annotations

import functools
import os
from types import SimpleNamespace

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _jaxprs import equations  # noqa: E402

import flaxscope as fs  # noqa: E402
import flaxscope.compat.v1 as fstf  # noqa: E402
from flaxscope.nn import rnn  # noqa: E402

tf = pytest.importorskip("tensorflow", reason="oracle tensorflow-cpu not installed")
v1 = tf.compat.v1

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

RTOL = 2e-5
VOCAB, BATCH, TIME, DEPTH = 7, 4, 6, 5
LENGTHS = np.array([6, 2, 0, 4], np.int32)


def rel_err(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def ns_tf() -> SimpleNamespace:
    return SimpleNamespace(
        nn=v1.nn, rnn_cell=v1.nn.rnn_cell, get_variable=v1.get_variable, float32=tf.float32
    )


def ns_fs(fold: bool | None) -> SimpleNamespace:
    nn = SimpleNamespace(
        embedding_lookup=fstf.nn.embedding_lookup,
        dynamic_rnn=functools.partial(fstf.nn.dynamic_rnn, fold_embedding=fold),
    )
    return SimpleNamespace(
        nn=nn, rnn_cell=fstf.nn.rnn_cell, get_variable=fstf.get_variable, float32=jnp.float32
    )


def lm(ns, ids, lengths, *, cell: str, time_major: bool):
    table = ns.get_variable("embedding", [VOCAB, DEPTH])
    x = ns.nn.embedding_lookup(table, ids)
    cells = {
        "basic_lstm": lambda: ns.rnn_cell.BasicLSTMCell(6),
        "lstm_peephole_proj": lambda: ns.rnn_cell.LSTMCell(
            6, use_peepholes=True, cell_clip=1.5, num_proj=4
        ),
        "gru": lambda: ns.rnn_cell.GRUCell(5),
        "basic_rnn": lambda: ns.rnn_cell.BasicRNNCell(3),
        "multi": lambda: ns.rnn_cell.MultiRNNCell(
            [ns.rnn_cell.BasicLSTMCell(6), ns.rnn_cell.GRUCell(3)]
        ),
    }
    outputs, state = ns.nn.dynamic_rnn(
        cells[cell](), x, sequence_length=lengths, dtype=ns.float32, time_major=time_major
    )
    return outputs, state


CASES = [
    ("basic_lstm", False),
    ("basic_lstm", True),
    ("lstm_peephole_proj", False),
    ("gru", True),
    ("basic_rnn", False),
    ("multi", False),
]


@pytest.fixture
def taken(monkeypatch) -> list:
    """Grows by one each time dynamic_rnn looks projected rows up (the fold is in use)."""
    calls: list = []
    monkeypatch.setattr(rnn, "_take_rows", lambda p, ids: calls.append(1) or jnp.take(p, ids, 0))
    return calls


@pytest.fixture(scope="module")
def tf_runs():
    """TF1's variables, outputs and gradients for each case (one graph per case)."""
    rng = np.random.default_rng(0)
    ids_bt = rng.integers(0, VOCAB, (BATCH, TIME)).astype(np.int32)
    results = {}
    for cell, time_major in CASES:
        ids = ids_bt.T.copy() if time_major else ids_bt
        with tf.Graph().as_default():
            v1.set_random_seed(1)
            out = lm(ns_tf(), tf.constant(ids), tf.constant(LENGTHS), cell=cell,
                     time_major=time_major)  # fmt: skip
            flat = tf.nest.flatten(out)
            weights = [
                np.random.default_rng(i).standard_normal(t.shape.as_list()).astype(np.float32)
                for i, t in enumerate(flat)
            ]
            loss = tf.add_n([tf.reduce_sum(t * w) for t, w in zip(flat, weights, strict=True)])
            variables = v1.global_variables()
            grads = [tf.convert_to_tensor(g) for g in tf.gradients(loss, variables)]
            with v1.Session() as sess:
                sess.run(v1.global_variables_initializer())
                values, outs, gvals = sess.run((variables, flat, grads))
        names = [v.name[:-2] for v in variables]
        results[cell, time_major] = (
            ids,
            dict(zip(names, values, strict=True)),
            outs,
            weights,
            dict(zip(names, gvals, strict=True)),
        )
    return results


@pytest.mark.parametrize("fold", [True, False], ids=["folded", "per-row"])
@pytest.mark.parametrize(("cell", "time_major"), CASES)
def test_outputs_and_gradients_match_tf1(tf_runs, cell, time_major, fold, taken):
    ids, tf_params, tf_out, weights, tf_grads = tf_runs[cell, time_major]
    model = fs.transform(lambda i, n: lm(ns_fs(fold), i, n, cell=cell, time_major=time_major))
    params = {k: jnp.asarray(v) for k, v in tf_params.items()}
    assert list(model.init(jax.random.key(0), ids, LENGTHS)["params"]) == list(tf_params)

    def loss(p):
        leaves = jax.tree.leaves(model.apply({"params": p}, ids, LENGTHS))
        return sum(jnp.sum(t * w) for t, w in zip(leaves, weights, strict=True)), leaves

    (_, out), grads = jax.jit(jax.value_and_grad(loss, has_aux=True))(params)
    assert bool(taken) == fold
    for i, (a, b) in enumerate(zip(out, tf_out, strict=True)):
        assert rel_err(a, b) < RTOL, f"output {i}: {rel_err(a, b):.2e}"
    for name, g in tf_grads.items():
        assert rel_err(grads[name], g) < RTOL, f"grad {name}: {rel_err(grads[name], g):.2e}"


def _lm_program(vocab: int, batch: int, time: int, depth: int, **lookup_kwargs):
    def model(ids):
        table = fs.get_variable("embedding", [vocab, depth])
        x = fstf.nn.embedding_lookup(table, ids, **lookup_kwargs)
        out, _ = fstf.nn.dynamic_rnn(fstf.nn.rnn_cell.BasicLSTMCell(depth), x, dtype=jnp.float32)
        return jnp.sum(out)

    ids = np.zeros((batch, time), np.int32)
    return fs.transform(model), ids


def _dot_shapes(model, ids) -> set[tuple]:
    params = model.init(jax.random.key(0), ids)["params"]
    jaxpr = jax.make_jaxpr(jax.grad(lambda p: model.apply({"params": p}, ids)))(params)
    return {
        tuple(tuple(v.aval.shape) for v in eqn.invars)
        for eqn in equations(jaxpr)
        if eqn.primitive.name == "dot_general"
    }


def test_the_fold_replaces_token_sized_matmuls(monkeypatch):
    """Folded, the input half is a [vocab, depth] @ [depth, 4 * units] matmul; no matmul of
    the looked-up rows with the input half of the kernel is left."""
    monkeypatch.setitem(rnn.FOLD_EMBEDDING_PROJECTION, jax.default_backend(), True)
    monkeypatch.setattr(rnn, "FOLD_MIN_FLOPS", 0)
    model, ids = _lm_program(vocab=8, batch=4, time=10, depth=6)
    shapes = _dot_shapes(model, ids)
    assert ((8, 6), (6, 24)) in shapes
    assert not any(s[0][:2] in ((10, 4), (40,)) and s[0][-1] == 6 and s[1] == (6, 24)
                   for s in shapes)  # fmt: skip


@pytest.mark.parametrize(
    ("why", "vocab", "min_flops", "kwargs"),
    [
        ("vocabulary not small against the tokens", 64, 0, {}),
        ("max_norm changes the rows", 8, 0, {"max_norm": 1.0}),
        ("too small to pay", 8, rnn.FOLD_MIN_FLOPS, {}),
    ],
)
def test_the_fold_is_not_used_when_it_should_not_be(
    monkeypatch, taken, why, vocab, min_flops, kwargs
):
    monkeypatch.setitem(rnn.FOLD_EMBEDDING_PROJECTION, jax.default_backend(), True)
    monkeypatch.setattr(rnn, "FOLD_MIN_FLOPS", min_flops)
    model, ids = _lm_program(vocab, 4, 10, 6, **kwargs)
    model.init(jax.random.key(0), ids)
    assert not taken, why


def test_rows_that_are_changed_or_partitioned_are_not_folded(monkeypatch, taken):
    monkeypatch.setitem(rnn.FOLD_EMBEDDING_PROJECTION, jax.default_backend(), True)
    monkeypatch.setattr(rnn, "FOLD_MIN_FLOPS", 0)
    ids = np.zeros((4, 10), np.int32)

    def scaled(ids):
        table = fs.get_variable("embedding", [8, 6])
        x = fstf.nn.embedding_lookup(table, ids) * 2.0
        return fstf.nn.dynamic_rnn(fstf.nn.rnn_cell.BasicLSTMCell(6), x, dtype=jnp.float32)

    def partitioned(ids):
        table = fs.get_variable("embedding", [8, 6], partitioner=fstf.fixed_size_partitioner(2))
        x = fstf.nn.embedding_lookup(table, ids)
        return fstf.nn.dynamic_rnn(fstf.nn.rnn_cell.BasicLSTMCell(6), x, dtype=jnp.float32)

    def forced_off(ids):
        table = fs.get_variable("embedding", [8, 6])
        x = fstf.nn.embedding_lookup(table, ids)
        cell = fstf.nn.rnn_cell.BasicLSTMCell(6)
        return fstf.nn.dynamic_rnn(cell, x, dtype=jnp.float32, hoist_input_projection=False)

    for fn in (scaled, partitioned, forced_off):
        fs.transform(fn).init(jax.random.key(0), ids)
        assert not taken, fn.__name__


def test_default_follows_the_backend_table_and_size(taken):
    # 64 x 100 tokens, vocabulary 128, depth 256: 10 GFLOP of token-sized matmuls saved.
    model, ids = _lm_program(vocab=128, batch=64, time=100, depth=256)
    jax.eval_shape(lambda: model.init(jax.random.key(0), ids))
    assert bool(taken) == rnn.FOLD_EMBEDDING_PROJECTION.get(jax.default_backend(), False)
    assert rnn.FOLD_EMBEDDING_PROJECTION["cpu"] is True


def test_eager_lookup_record_goes_with_its_rows():
    """Outside transform (TF1's default graph) a lookup's record lives as long as its rows."""
    import gc

    from flaxscope import store

    fs.reset_default_graph()
    table = fs.get_variable("embedding", [8, 6])
    rows = fstf.nn.embedding_lookup(table, np.array([[1, 2]]))
    frame = store.current_frame()
    source = frame.gather_source(rows)
    assert source is not None and np.array_equal(source[1], [[1, 2]])
    assert frame.gather_source(rows + 0) is None
    del rows, source
    gc.collect()
    assert frame.gather_source(object()) is None
    assert not frame._gathers  # noqa: SLF001 - the entry went with the rows
    fs.reset_default_graph()
