"""Two real processes on JAX's multi-process runtime (``jax.distributed``, gloo on CPU).

``examples/sharded_lstm.py`` runs as 2 processes x 4 CPU devices, one (2 data x 4 model)
mesh over the 8 global devices, and saves a TF1 checkpoint in which each process writes
only the shards it holds. The loss curve must be the one of a single process with 8
devices; the checkpoint must restore in TF1 (partitioned and whole variables) and in
flaxscope onto a 1 x 8 mesh and onto one device.
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
from jax.sharding import AxisType, NamedSharding
from jax.sharding import PartitionSpec as P

import flaxscope as fs
from flaxscope.checkpoint import bundle as tb
from flaxscope.checkpoint.sharded import slice_key

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sharded_lstm.py"
TINY = ["--steps", "3", "--batch", "8", "--seq-len", "8", "--hidden", "16", "--layers", "1"]
TIMEOUT_S = 240  # a loaded 2-core machine takes ~50 s; a hang must not stall the suite

pytestmark = pytest.mark.skipif(jax.device_count() < 8, reason="needs 8 (simulated) devices")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def example():
    sys.path.insert(0, str(EXAMPLE.parent))
    spec = importlib.util.spec_from_file_location("sharded_lstm_mh", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """Runs the example as 2 processes; returns (losses per process, checkpoint prefix)."""
    out = tmp_path_factory.mktemp("multihost")
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)  # the example sets 4 devices per process
    coordinator = f"localhost:{_free_port()}"
    procs = []
    try:
        for i in range(2):
            argv = [*TINY, "--cpu-devices", "4", "--coordinator", coordinator]
            argv += ["--num-processes", "2", "--process-id", str(i)]
            argv += ["--save", str(out / "ckpt" / "model"), "--json", str(out / f"{i}.json")]
            log = open(out / f"{i}.log", "wb")  # noqa: SIM115 (closed with the process)
            procs.append(
                (
                    subprocess.Popen(
                        [sys.executable, str(EXAMPLE), *argv],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    ),
                    log,
                )
            )
        for proc, _ in procs:
            proc.wait(timeout=TIMEOUT_S)
    finally:
        for proc, log in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()
    for i, (proc, _) in enumerate(procs):
        tail = (out / f"{i}.log").read_text(errors="replace")[-3000:]
        assert proc.returncode == 0, f"process {i} failed:\n{tail}"
    runs = [json.loads((out / f"{i}.json").read_text()) for i in range(2)]
    return runs, str(out / "ckpt" / "model")


@pytest.fixture(scope="module")
def one_process(example, tmp_path_factory):
    out = tmp_path_factory.mktemp("oneprocess")
    result = example.main([*TINY, "--save", str(out / "model")])
    assert result["reloaded_equal"]
    return result["sharded"], str(out / "model")


def test_two_processes_span_one_mesh_and_match_one_process(two_processes, one_process):
    runs, _ = two_processes
    assert [r["process"] for r in runs] == [0, 1]
    assert all(r["devices"] == 8 for r in runs)
    assert all(r["reloaded_equal"] for r in runs)  # restore_sharded on 2 processes
    assert runs[0]["losses"] == runs[1]["losses"]  # one SPMD program, one loss
    np.testing.assert_allclose(runs[0]["losses"], one_process[0], rtol=2e-6)


def test_each_process_wrote_only_slices_of_the_partitioned_variables(two_processes):
    _, prefix = two_processes
    with open(prefix + ".index", "rb") as f:
        header, entries, slice_entries = tb.parse_index(f.read(), prefix + ".index")
    assert header.num_shards == 2
    by_name = {e.name: e for e in entries}
    written: dict[int, int] = {0: 0, 1: 0}
    for name in ("embedding/embedding", "softmax/w"):
        entry = by_name[name]
        assert len(entry.slices) == 4  # the model axis
        keys = {slice_key(name, extents): extents for extents in entry.slices}
        stored = [e for e in slice_entries if e.key in keys]
        assert len(stored) == 4
        for e in stored:  # every piece is a strict part of the variable
            assert tuple(n for _, n in keys[e.key]) == e.shape != entry.shape
    for e in [*slice_entries, *(e for e in entries if not e.slices)]:
        written[e.shard_id] += e.size
    # Both processes wrote; the plan balances bytes to within one piece.
    assert min(written.values()) > 0
    assert abs(written[0] - written[1]) <= max(e.size for e in entries + slice_entries)


def test_trained_values_match_one_process(two_processes, one_process):
    two = fs.checkpoint.load_variables(two_processes[1])
    one = fs.checkpoint.load_variables(one_process[1])
    assert sorted(two) == sorted(one)
    for name in one:
        np.testing.assert_allclose(two[name], one[name], rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.fixture(scope="module")
def tf1_restored(tf1, two_processes):
    """What ``tf.train.Saver.restore`` reads: partitioned (2 and 4 parts) and whole."""
    import tensorflow as tf

    prefix = two_processes[1]
    shapes = dict(fs.checkpoint.list_variables(prefix))
    out = {}
    for label, parts in (("whole", None), ("4 parts", 4), ("2 parts", 2)):
        graph = tf.Graph()
        with graph.as_default():
            variables = {}
            for name, shape in shapes.items():
                partitioner = None
                if parts and name == "embedding/embedding":
                    partitioner = tf1.fixed_size_partitioner(parts)
                elif parts and name == "softmax/w":
                    partitioner = tf1.fixed_size_partitioner(parts, axis=1)
                variables[name] = tf1.get_variable(name, shape, partitioner=partitioner)
            saver = tf1.train.Saver()
            with tf1.Session(graph=graph) as sess:
                saver.restore(sess, prefix)
                out[label] = {
                    n: sess.run(v.as_tensor() if hasattr(v, "as_tensor") else v)
                    for n, v in variables.items()
                }
    return out


def test_tf1_saver_restores_it_whole_and_partitioned(tf1_restored, two_processes):
    ours = fs.checkpoint.load_variables(two_processes[1])
    for label, values in tf1_restored.items():
        assert sorted(values) == sorted(ours), label
        for name in ours:
            np.testing.assert_array_equal(values[name], ours[name], err_msg=f"{label}: {name}")


def test_slice_keys_are_tf1s_and_uneven_slices_restore_onto_a_mesh(tf1, tmp_path):
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        with tf1.variable_scope("emb", partitioner=tf1.fixed_size_partitioner(3)):
            e = tf1.get_variable("e", [70000, 2])  # parts of 23334, 23333, 23333 rows
        with tf1.variable_scope("sm", partitioner=tf1.fixed_size_partitioner(2, axis=1)):
            w = tf1.get_variable("w", [3, 200])
        saver = tf1.train.Saver()
        with tf1.Session(graph=graph) as sess:
            sess.run(tf1.global_variables_initializer())
            prefix = saver.save(sess, str(tmp_path / "m"))
            values = sess.run({"emb/e": e.as_tensor(), "sm/w": w.as_tensor()})
    with open(prefix + ".index", "rb") as f:
        _, entries, slice_entries = tb.parse_index(f.read(), "index")
    ours = {slice_key(e.name, s) for e in entries for s in e.slices}
    assert ours == {e.key for e in slice_entries}
    assert len(ours) == 5
    # Onto 8 devices: every device's region straddles TF1's part boundaries differently.
    mesh = jax.make_mesh((8,), ("model",), axis_types=(AxisType.Auto,))
    template = {
        "emb/e": jax.ShapeDtypeStruct(
            (70000, 2), np.float32, sharding=NamedSharding(mesh, P("model"))
        ),
        "sm/w": jax.ShapeDtypeStruct(
            (3, 200), np.float32, sharding=NamedSharding(mesh, P(None, "model"))
        ),
    }
    restored = fs.checkpoint.restore_sharded(prefix, template)
    for name, value in restored.items():
        assert value.sharding == template[name].sharding
        np.testing.assert_array_equal(np.asarray(value), values[name], err_msg=name)


def _model_template(example, mesh):
    vocab = -(-example.CharData(example.python_reference_text()[:200_000]).vocab_size // 8) * 8

    def loss_fn(tokens):
        return example.sharded_char_rnn(tokens, vocab_size=vocab, hidden=16, layers=1, shards=4)

    model = fs.transform(loss_fn, mesh=mesh)
    tokens = jax.device_put(np.zeros((8, 8), np.int32), NamedSharding(mesh, P()))
    return model.init(jax.random.key(1), tokens)  # laid out on the mesh, other values


@pytest.mark.parametrize("shape", [(1, 8), (1, 1)])
def test_flaxscope_restores_it_onto_another_mesh(example, two_processes, shape):
    devices = jax.devices()[: shape[0] * shape[1]]
    mesh = jax.make_mesh(shape, ("data", "model"), axis_types=(AxisType.Auto,) * 2, devices=devices)
    template = _model_template(example, mesh)
    restored = fs.checkpoint.restore_sharded(two_processes[1], template)
    expected = fs.checkpoint.load_variables(two_processes[1])
    assert sorted(restored["params"]) == sorted(expected)
    for name, value in restored["params"].items():
        assert value.sharding == template["params"][name].sharding, name
        np.testing.assert_array_equal(np.asarray(value), expected[name], err_msg=name)
    if shape == (1, 8):
        emb = restored["params"]["embedding/embedding"]
        assert emb.sharding.spec == P("model")
        assert {s.data.shape for s in emb.addressable_shards} == {(emb.shape[0] // 8, 16)}
