"""benchmarks/ops_hlo.py: a model written with TF1's ops compiles to the HLO of its jnp twin.

Small sizes, no timing: the compiled train step of each model (CNNs, the LSTM LM with
``BasicLSTMCell``/``dynamic_rnn``, an LSTM cell's math written out) written with ``tf.*``
has exactly the instructions, by opcode, of the same step written with ``jnp``/``lax``,
and gives the same loss.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "ops_hlo.py"


@pytest.fixture(scope="module")
def ops_hlo():
    spec = importlib.util.spec_from_file_location("bench_ops_hlo", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_op_counts_parse_compiled_hlo(ops_hlo):
    text = """HloModule m
ENTRY %main (p: f32[2]) -> (f32[2], f32[]) {
  %p = f32[2]{0} parameter(0)
  %e = f32[2]{0} exponential(f32[2]{0} %p)
  %r = f32[] reduce(f32[2]{0} %e, f32[] %c), dimensions={0}, to_apply=%add
  ROOT %t = (f32[2]{0}, f32[]) tuple(f32[2]{0} %e, f32[] %r)
}"""
    assert ops_hlo.hlo_op_counts(text) == {
        "parameter": 1,
        "exponential": 1,
        "reduce": 1,
        "tuple": 1,
    }


def test_tf_ops_compile_to_the_jnp_models_hlo(ops_hlo):
    args = ops_hlo.argparse.Namespace(cnn_batch=4, lstm_batch=3, steps=4, hidden=8, vocab=20)
    for name, (tf_fn, jnp_fn, inputs, given) in ops_hlo.models(args).items():
        r = ops_hlo.compare(name, tf_fn, jnp_fn, inputs, given, iters=1, warmup=0)
        tf_counts, jnp_counts = r["tf_counts"], r["jnp_counts"]
        assert sum(tf_counts.values()) > 50, name  # a real model, parsed
        assert tf_counts == jnp_counts, (name, tf_counts - jnp_counts, jnp_counts - tf_counts)
        assert r["loss_rel_err"] < 1e-5, name
        assert "same op counts: True" in ops_hlo.report(r)


@pytest.mark.parametrize(
    "value,shape", [(0.01, [3]), ([1.0, 2.0], [2, 2]), (5.0, None), ([[1.5], [2.5]], [2, 1])]
)
def test_float_constant_under_jit_is_tf1s(value, shape):
    """``tf.constant(0.01, shape=[n])`` in a jitted model (siamese.py's bias initializer)."""
    import jax

    import flaxscope.compat.v1 as fstf

    tf1 = pytest.importorskip("tensorflow", reason="oracle tensorflow-cpu is not installed")
    ours = jax.jit(lambda x: fstf.constant(value, shape=shape, dtype=fstf.float32) + x)(0.0)
    with tf1.Graph().as_default():  # graph mode: TF1 pads a short list with its last value
        const = tf1.compat.v1.constant(value, shape=shape, dtype=tf1.float32)
        with tf1.compat.v1.Session() as sess:
            theirs = sess.run(const)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(np.asarray(ours), theirs)
