"""TF1's ops cost nothing under jit: a model written with ``tf.*`` ops vs the same model
written with ``jax.numpy``/``lax``.

Two models, each as a jitted loss-and-gradient step:
  cnn   conv2d + bias_add + relu + max_pool, twice, avg_pool, xw_plus_b, sparse softmax
        cross-entropy (``tf.nn``), against ``lax.conv_general_dilated``/``reduce_window``
  lstm  an LSTM language model unrolled over time (``tf.nn.embedding_lookup``,
        ``tf.matmul``, ``tf.split``, ``tf.sigmoid``/``tf.tanh``, ``tf.concat``, the sparse
        cross-entropy), against the same written with ``jnp``
It prints, per model, the optimized HLO's instruction count of each version and their
ratio (1.00: the same program), whether the counts per opcode are identical, and the
median step time of each (``--reps`` runs after a warm-up).

Usage: python benchmarks/ops_hlo.py [--reps 50]
"""

from __future__ import annotations

import argparse
import collections
import re
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import flaxscope.compat.v1 as tf

BATCH, VOCAB, HIDDEN, STEPS = 8, 50, 32, 10


def _rand(shape, seed):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape).astype(np.float32) * 0.1)


# --- the CNN --------------------------------------------------------------------------------
def cnn_tf(p, x, labels):
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, p["k1"], [1, 1, 1, 1], "SAME"), p["b1"]))
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, p["k2"], [1, 1, 1, 1], "SAME"), p["b2"]))
    h = tf.nn.avg_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    logits = tf.nn.xw_plus_b(tf.reshape(h, [BATCH, -1]), p["w"], p["b"])
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def cnn_jnp(p, x, labels):
    dn = ("NHWC", "HWIO", "NHWC")
    h = jax.lax.conv_general_dilated(x, p["k1"], (1, 1), "SAME", dimension_numbers=dn)
    h = jax.nn.relu(h + p["b1"])
    h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME")
    h = jax.lax.conv_general_dilated(h, p["k2"], (1, 1), "SAME", dimension_numbers=dn)
    h = jax.nn.relu(h + p["b2"])
    h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4.0
    logits = h.reshape(BATCH, -1) @ p["w"] + p["b"]
    picked = jnp.take_along_axis(logits, labels[:, None], axis=-1)[:, 0]
    return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - picked)


def cnn_inputs():
    params = {
        "k1": _rand((3, 3, 3, 16), 0), "b1": _rand((16,), 1), "k2": _rand((3, 3, 16, 16), 2),
        "b2": _rand((16,), 3), "w": _rand((4 * 4 * 16, 10), 4), "b": _rand((10,), 5),
    }  # fmt: skip
    return params, _rand((BATCH, 16, 16, 3), 6), jnp.arange(BATCH) % 10


# --- the LSTM language model ----------------------------------------------------------------
def lstm_tf(p, tokens, targets):
    inputs = tf.nn.embedding_lookup(p["embedding"], tokens)
    h = c = tf.zeros([BATCH, HIDDEN])
    losses = []
    for t in range(STEPS):
        gates = tf.matmul(tf.concat([inputs[:, t], h], 1), p["kernel"]) + p["bias"]
        i, j, f, o = tf.split(gates, 4, axis=1)
        c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
        h = tf.tanh(c) * tf.sigmoid(o)
        logits = tf.nn.xw_plus_b(h, p["softmax_w"], p["softmax_b"])
        losses.append(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets[:, t], logits=logits)
        )
    return tf.reduce_mean(tf.stack(losses))


def lstm_jnp(p, tokens, targets):
    inputs = jnp.take(p["embedding"], tokens, axis=0)
    h = c = jnp.zeros([BATCH, HIDDEN])
    losses = []
    for t in range(STEPS):
        gates = jnp.concatenate([inputs[:, t], h], 1) @ p["kernel"] + p["bias"]
        i, j, f, o = jnp.split(gates, 4, axis=1)
        c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
        h = jnp.tanh(c) * jax.nn.sigmoid(o)
        logits = h @ p["softmax_w"] + p["softmax_b"]
        picked = jnp.take_along_axis(logits, targets[:, t, None], axis=-1)[:, 0]
        losses.append(jax.nn.logsumexp(logits, axis=-1) - picked)
    return jnp.mean(jnp.stack(losses))


def lstm_inputs():
    params = {
        "embedding": _rand((VOCAB, HIDDEN), 0), "kernel": _rand((2 * HIDDEN, 4 * HIDDEN), 1),
        "bias": _rand((4 * HIDDEN,), 2), "softmax_w": _rand((HIDDEN, VOCAB), 3),
        "softmax_b": _rand((VOCAB,), 4),
    }  # fmt: skip
    rng = np.random.default_rng(5)
    tokens = jnp.asarray(rng.integers(0, VOCAB, (BATCH, STEPS)))
    return params, tokens, jnp.asarray(rng.integers(0, VOCAB, (BATCH, STEPS)))


# --- measuring ------------------------------------------------------------------------------
_OPCODE = re.compile(r"=\s*\S+\s+([a-z][\w-]*)\(")


def hlo_opcodes(step, *args) -> collections.Counter:
    """Instruction counts per opcode of the optimized HLO of ``jit(step)``."""
    return collections.Counter(_OPCODE.findall(jax.jit(step).lower(*args).compile().as_text()))


def median_time(step, args, reps: int) -> float:
    jitted = jax.jit(step)
    jax.block_until_ready(jitted(*args))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        jax.block_until_ready(jitted(*args))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def compare(name: str, with_tf, with_jnp, args, reps: int) -> dict:
    np.testing.assert_allclose(with_tf(*args), with_jnp(*args), rtol=1e-5)
    step_tf = jax.value_and_grad(with_tf)
    step_jnp = jax.value_and_grad(with_jnp)
    ops_tf, ops_jnp = hlo_opcodes(step_tf, *args), hlo_opcodes(step_jnp, *args)
    t_tf, t_jnp = median_time(step_tf, args, reps), median_time(step_jnp, args, reps)
    return {
        "model": name,
        "hlo_tf": sum(ops_tf.values()),
        "hlo_jnp": sum(ops_jnp.values()),
        "same_opcodes": ops_tf == ops_jnp,
        "ms_tf": t_tf * 1e3,
        "ms_jnp": t_jnp * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=50, help="timed runs per step (default 50)")
    args = parser.parse_args()
    print(f"backend: {jax.default_backend()}")
    print(f"{'model':6} {'HLO tf.*':>9} {'HLO jnp':>8} {'ratio':>6} {'same ops':>9} "
          f"{'ms tf.*':>8} {'ms jnp':>7} {'time ratio':>10}")  # fmt: skip
    for name, with_tf, with_jnp, inputs in (
        ("cnn", cnn_tf, cnn_jnp, cnn_inputs()),
        ("lstm", lstm_tf, lstm_jnp, lstm_inputs()),
    ):
        r = compare(name, with_tf, with_jnp, inputs, args.reps)
        print(
            f"{r['model']:6} {r['hlo_tf']:9d} {r['hlo_jnp']:8d} {r['hlo_tf'] / r['hlo_jnp']:6.2f} "
            f"{str(r['same_opcodes']):>9} {r['ms_tf']:8.3f} {r['ms_jnp']:7.3f} "
            f"{r['ms_tf'] / r['ms_jnp']:10.2f}"
        )


if __name__ == "__main__":
    main()
