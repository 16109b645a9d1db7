"""TF1's ops cost nothing under jit: the same models written with ``tf.*`` and with ``jnp``.

Two models, each written twice on the same variables (``tf.get_variable`` under
``flaxscope.transform``, so both versions read the same params tree):

- ``cnn``: a small convolutional classifier, ``tf.nn.conv2d`` + ``tf.nn.bias_add`` +
  ``tf.nn.relu`` + ``tf.nn.max_pool`` twice, a dense layer through ``tf.matmul``, and
  ``tf.nn.softmax_cross_entropy_with_logits_v2`` averaged by ``tf.reduce_mean``; against
  ``lax.conv_general_dilated``, a hand-written 2x2 max pool, ``jnp.matmul``,
  ``jax.nn.log_softmax`` in a ``jax.custom_jvp`` that gives TF's gradient (``softmax -
  labels``, as flaxscope's op does; plain autodiff differs for labels that do not sum to 1)...
- ``lstm``: the LSTM language model step, ``tf.nn.embedding_lookup``, ``BasicLSTMCell`` +
  ``dynamic_rnn``, ``tf.matmul``, ``tf.nn.sparse_softmax_cross_entropy_with_logits``,
  ``tf.reduce_mean``; against ``jnp.take``, ``jnp.matmul`` and optax's integer-label
  cross-entropy. The cell and the RNN driver are flaxscope's in both: they are layers,
  not ops (benchmarks/lstm.py compares them with a hand-written ``lax.scan``).
- ``cnn-avgpool`` and ``lstm-cell-ops``: the same kinds of model on a plain params dict
  (no variables), covering ``tf.nn.avg_pool``, ``tf.nn.xw_plus_b`` and an LSTM cell's math
  written out over 10 unrolled steps (``tf.concat``, ``tf.split``, ``tf.sigmoid``,
  ``tf.tanh``, ``tf.stack``).

For each, one SGD training step (``jax.value_and_grad`` + update) under ``jax.jit``: the
compiled HLO's instructions counted by opcode (``jit(f).lower(...).compile().as_text()``),
and the step time, median over round-robin runs, as the ratio tf / jnp.

One deliberate difference: on CPU, ``tf.nn.conv2d``'s kernel gradient is summed over
batch chunks for batches of 16 or more (``flaxscope/ops/_conv_grad.py``, faster on
XLA:CPU), so ``cnn`` at ``--cnn-batch 64`` has more convolutions than its ``lax`` twin;
below 16 the two compile alike.

Run: python benchmarks/ops_hlo.py [--iters 200] [--cnn-batch 64] [--lstm-batch 32]
"""

from __future__ import annotations

import argparse
import collections
import re
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

import flaxscope as fs
import flaxscope.compat.v1 as tf

IMAGE, CLASSES = 28, 10


# --- the CNN --------------------------------------------------------------------------


def hand_max_pool_2x2(x: jax.Array) -> jax.Array:
    """A 2x2/2 max pool as fast hand-written JAX does it on CPU: a running max of the four
    strided slices (its gradient is elementwise; ``lax.reduce_window``'s is
    ``select_and_scatter``, several times slower on XLA:CPU). The whole gradient goes to
    each window's first maximum (a later cell wins only when strictly greater); NaN wins."""
    out = x[:, ::2, ::2]
    for cell in (x[:, ::2, 1::2], x[:, 1::2, ::2], x[:, 1::2, 1::2]):
        out = jnp.where((cell > out) | (jnp.isnan(cell) & ~jnp.isnan(out)), cell, out)
    return out


def cnn_variables(channels: list[int], dense_in: int) -> dict[str, jax.Array]:
    """The CNN's variables, TF1 style; both versions call this."""
    out = {}
    for i, (cin, cout) in enumerate(zip(channels[:-1], channels[1:], strict=True)):
        with tf.variable_scope(f"conv{i + 1}"):
            out[f"w{i}"] = tf.get_variable("weights", [5, 5, cin, cout])
            out[f"b{i}"] = tf.get_variable("biases", [cout], initializer=tf.zeros_initializer())
    with tf.variable_scope("logits"):
        out["wd"] = tf.get_variable("weights", [dense_in, CLASSES])
        out["bd"] = tf.get_variable("biases", [CLASSES], initializer=tf.zeros_initializer())
    return out


def cnn_tf(images: jax.Array, labels: jax.Array) -> jax.Array:
    """The TF1 model code: ``tf.*`` ops only."""
    channels = [1, 16, 32]
    v = cnn_variables(channels, (IMAGE // 4) ** 2 * channels[-1])
    x = images
    for i in range(len(channels) - 1):
        x = tf.nn.conv2d(x, v[f"w{i}"], strides=[1, 1, 1, 1], padding="SAME")
        x = tf.nn.relu(tf.nn.bias_add(x, v[f"b{i}"]))
        x = tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    x = tf.reshape(x, [-1, (IMAGE // 4) ** 2 * channels[-1]])
    logits = tf.matmul(x, v["wd"]) + v["bd"]
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits))


def cnn_jnp(images: jax.Array, labels: jax.Array) -> jax.Array:
    """The same model in ``jnp``/``lax``, as a JAX user writes it."""
    channels = [1, 16, 32]
    v = cnn_variables(channels, (IMAGE // 4) ** 2 * channels[-1])
    x = images
    for i in range(len(channels) - 1):
        x = lax.conv_general_dilated(
            x, v[f"w{i}"], (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        x = jax.nn.relu(x + v[f"b{i}"])
        x = hand_max_pool_2x2(x)
    x = jnp.reshape(x, (-1, (IMAGE // 4) ** 2 * channels[-1]))
    logits = jnp.matmul(x, v["wd"]) + v["bd"]
    return jnp.mean(softmax_xent_with_tf_gradient(labels, logits))


@jax.custom_jvp
def softmax_xent_with_tf_gradient(labels: jax.Array, logits: jax.Array) -> jax.Array:
    """``-sum(labels * log_softmax(logits))`` with TF's gradient, ``softmax - labels``
    (what a JAX user porting a TF1 model writes to keep TF's numbers for labels that do not
    sum to 1)."""
    return -jnp.sum(labels * jax.nn.log_softmax(logits), axis=-1)


@softmax_xent_with_tf_gradient.defjvp
def _softmax_xent_jvp(primals, tangents):
    labels, logits = primals
    t_labels, t_logits = tangents
    shifted = logits - lax.stop_gradient(jnp.max(logits, axis=-1, keepdims=True))
    exp = jnp.exp(shifted)
    total = jnp.sum(exp, axis=-1, keepdims=True)
    log_p = shifted - jnp.log(total)
    grad = exp / total - labels
    return -jnp.sum(labels * log_p, axis=-1), jnp.sum(grad * t_logits - log_p * t_labels, axis=-1)


def cnn_inputs(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.normal(size=(batch, IMAGE, IMAGE, 1)).astype(np.float32)
    labels = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, batch)]
    return images, labels


# --- the LSTM language model -------------------------------------------------------------
def lstm_tf(tokens: jax.Array, *, vocab: int, hidden: int) -> jax.Array:
    """The TF1 model code (PTB-style LM step): ``tf.*`` ops only."""
    embedding = tf.get_variable("embedding", [vocab, hidden])
    inputs = tf.nn.embedding_lookup(embedding, tokens[:, :-1])
    cell = tf.nn.rnn_cell.BasicLSTMCell(hidden)
    outputs, _ = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
    with tf.variable_scope("softmax"):
        w = tf.get_variable("w", [hidden, vocab])
        b = tf.get_variable("b", [vocab], initializer=tf.zeros_initializer())
    logits = tf.matmul(tf.reshape(outputs, [-1, hidden]), w) + b
    labels = tf.reshape(tokens[:, 1:], [-1])
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def lstm_jnp(tokens: jax.Array, *, vocab: int, hidden: int) -> jax.Array:
    """The same step with ``jnp`` ops (flaxscope's cell and RNN driver, as in tf's)."""
    embedding = tf.get_variable("embedding", [vocab, hidden])
    inputs = jnp.take(embedding, tokens[:, :-1], axis=0)
    cell = fs.nn.rnn_cell.BasicLSTMCell(hidden)
    outputs, _ = fs.nn.dynamic_rnn(cell, inputs, dtype=jnp.float32)
    with tf.variable_scope("softmax"):
        w = tf.get_variable("w", [hidden, vocab])
        b = tf.get_variable("b", [vocab], initializer=tf.zeros_initializer())
    logits = jnp.matmul(jnp.reshape(outputs, (-1, hidden)), w) + b
    labels = jnp.reshape(tokens[:, 1:], (-1,))
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))


def lstm_inputs(batch: int, steps: int, vocab: int, seed: int = 0) -> tuple[np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.integers(0, vocab, (batch, steps + 1)).astype(np.int32),)


# --- the same two models on a plain params dict, the LSTM cell's math written out ---------
# (no transform, no variables: only ops; avg_pool, xw_plus_b, tf.split/sigmoid/tanh/concat)
BATCH, VOCAB, HIDDEN, STEPS = 8, 50, 32, 10


def _rand(shape, seed):
    return jnp.asarray(np.random.default_rng(seed).normal(size=shape).astype(np.float32) * 0.1)


def cnn2_tf(p, x, labels):
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, p["k1"], [1, 1, 1, 1], "SAME"), p["b1"]))
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, p["k2"], [1, 1, 1, 1], "SAME"), p["b2"]))
    h = tf.nn.avg_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    logits = tf.nn.xw_plus_b(tf.reshape(h, [BATCH, -1]), p["w"], p["b"])
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def cnn2_jnp(p, x, labels):
    dn = ("NHWC", "HWIO", "NHWC")
    h = jax.lax.conv_general_dilated(x, p["k1"], (1, 1), "SAME", dimension_numbers=dn)
    h = jax.nn.relu(h + p["b1"])
    h = hand_max_pool_2x2(h)
    h = jax.lax.conv_general_dilated(h, p["k2"], (1, 1), "SAME", dimension_numbers=dn)
    h = jax.nn.relu(h + p["b2"])
    h = jax.lax.reduce_window(h, 0.0, jax.lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4.0
    logits = h.reshape(BATCH, -1) @ p["w"] + p["b"]
    picked = jnp.take_along_axis(logits, labels[:, None], axis=-1)[:, 0]
    return jnp.mean(jax.nn.logsumexp(logits, axis=-1) - picked)


def cnn2_inputs():
    params = {
        "k1": _rand((3, 3, 3, 16), 0), "b1": _rand((16,), 1), "k2": _rand((3, 3, 16, 16), 2),
        "b2": _rand((16,), 3), "w": _rand((4 * 4 * 16, 10), 4), "b": _rand((10,), 5),
    }  # fmt: skip
    return params, _rand((BATCH, 16, 16, 3), 6), jnp.arange(BATCH) % 10


def lstm_cell_tf(p, tokens, targets):
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


def lstm_cell_jnp(p, tokens, targets):
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


def lstm_cell_inputs():
    params = {
        "embedding": _rand((VOCAB, HIDDEN), 0), "kernel": _rand((2 * HIDDEN, 4 * HIDDEN), 1),
        "bias": _rand((4 * HIDDEN,), 2), "softmax_w": _rand((HIDDEN, VOCAB), 3),
        "softmax_b": _rand((VOCAB,), 4),
    }  # fmt: skip
    rng = np.random.default_rng(5)
    tokens = jnp.asarray(rng.integers(0, VOCAB, (BATCH, STEPS)))
    return params, tokens, jnp.asarray(rng.integers(0, VOCAB, (BATCH, STEPS)))


# --- measuring ---------------------------------------------------------------------------
def train_step(model: Callable[..., jax.Array], lr: float = 0.1) -> tuple[Any, Callable]:
    """``(transformed, step)``: one SGD step ``(params, *inputs) -> (params, loss)``."""
    f = fs.transform(model)

    def step(params, *inputs):
        loss, grads = jax.value_and_grad(lambda p: f.apply({"params": p}, *inputs))(params)
        return jax.tree.map(lambda p, g: p - lr * g, params, grads), loss

    return f, step


_INSTRUCTION = re.compile(r"^\s*(?:ROOT\s+)?%?[\w.\-]+\s*=\s*(?:\([^=]*?\)|\S+)\s+([a-z][\w\-]*)\(")


def hlo_op_counts(hlo_text: str) -> collections.Counter[str]:
    """Instructions of a compiled HLO module by opcode (``parameter``/``constant`` too)."""
    counts: collections.Counter[str] = collections.Counter()
    for line in hlo_text.splitlines():
        m = _INSTRUCTION.match(line)
        if m:
            counts[m.group(1)] += 1
    return counts


def plain_step(loss: Callable[..., jax.Array], lr: float = 0.1) -> Callable:
    """One SGD step of ``loss(params, *inputs)`` on a plain params dict."""

    def step(params, *inputs):
        value, grads = jax.value_and_grad(loss)(params, *inputs)
        return jax.tree.map(lambda p, g: p - lr * g, params, grads), value

    return step


def compiled(model: Callable[..., jax.Array], inputs: Sequence[Any], params: Any = None):
    """``(params, jitted step, op counts of its compiled HLO)`` for ``model``.

    Without ``params``, ``model`` is TF1 code run by ``flaxscope.transform``; with them, a
    plain loss ``model(params, *inputs)``.
    """
    if params is None:
        f, step = train_step(model)
        params = f.init(jax.random.key(0), *inputs)["params"]
    else:
        step = plain_step(model)
    jitted = jax.jit(step)
    text = jitted.lower(params, *inputs).compile().as_text()
    return params, jitted, hlo_op_counts(text)


def models(args: argparse.Namespace) -> dict[str, tuple[Callable, Callable, tuple, Any]]:
    """name -> (tf version, jnp version, inputs, params: None under ``transform``)."""

    def lstm(fn):
        return lambda tokens: fn(tokens, vocab=args.vocab, hidden=args.hidden)

    cnn2_params, *cnn2_in = cnn2_inputs()
    cell_params, *cell_in = lstm_cell_inputs()
    return {
        "cnn": (cnn_tf, cnn_jnp, cnn_inputs(args.cnn_batch), None),
        "lstm": (
            lstm(lstm_tf),
            lstm(lstm_jnp),
            lstm_inputs(args.lstm_batch, args.steps, args.vocab),
            None,
        ),
        "cnn-avgpool": (cnn2_tf, cnn2_jnp, tuple(cnn2_in), cnn2_params),
        "lstm-cell-ops": (lstm_cell_tf, lstm_cell_jnp, tuple(cell_in), cell_params),
    }


def compare(name: str, tf_fn, jnp_fn, inputs, given, iters: int, warmup: int) -> dict[str, Any]:
    params, tf_step, tf_counts = compiled(tf_fn, inputs, given)
    params_j, jnp_step, jnp_counts = compiled(jnp_fn, inputs, given)
    assert params.keys() == params_j.keys()
    _, loss_tf = tf_step(params, *inputs)
    _, loss_jnp = jnp_step(params, *inputs)
    runners = {"tf": (tf_step, params), "jnp": (jnp_step, params)}
    for run, p in runners.values():
        for _ in range(warmup):
            jax.block_until_ready(run(p, *inputs))
    times: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(iters):  # round robin: load from other processes hits both alike
        for k, (run, p) in runners.items():
            t0 = time.perf_counter()
            jax.block_until_ready(run(p, *inputs))
            times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "name": name,
        "tf_counts": tf_counts,
        "jnp_counts": jnp_counts,
        "loss_rel_err": float(abs(loss_tf - loss_jnp) / abs(loss_jnp)),
        "median_ms": {k: v * 1e3 for k, v in med.items()},
        "ratio": med["tf"] / med["jnp"],
    }


def report(r: dict[str, Any]) -> str:
    tf_c, jnp_c = r["tf_counts"], r["jnp_counts"]
    kinds = sorted(set(tf_c) | set(jnp_c), key=lambda k: (-max(tf_c[k], jnp_c[k]), k))
    lines = [f"{r['name']}: compiled HLO instructions by opcode (train step)"]
    lines.append(f"  {'opcode':<22}{'tf.*':>8}{'jnp':>8}")
    for k in kinds:
        mark = "" if tf_c[k] == jnp_c[k] else "  <- differs"
        lines.append(f"  {k:<22}{tf_c[k]:>8}{jnp_c[k]:>8}{mark}")
    total_tf, total_jnp = sum(tf_c.values()), sum(jnp_c.values())
    lines.append(f"  {'total':<22}{total_tf:>8}{total_jnp:>8}")
    lines.append(f"  same op counts: {tf_c == jnp_c}; loss rel. difference {r['loss_rel_err']:.1e}")
    ms = r["median_ms"]
    lines.append(
        f"  step time (median): tf.* {ms['tf']:.3f} ms, jnp {ms['jnp']:.3f} ms, "
        f"ratio tf/jnp {r['ratio']:.2f}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--iters", type=int, default=200, help="timed steps per version")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps per version")
    parser.add_argument("--cnn-batch", type=int, default=64, help="CNN images per batch")
    parser.add_argument("--lstm-batch", type=int, default=32, help="LSTM sequences per batch")
    parser.add_argument("--steps", type=int, default=20, help="LSTM time steps")
    parser.add_argument("--hidden", type=int, default=200, help="LSTM units")
    parser.add_argument("--vocab", type=int, default=10000, help="LSTM vocabulary size")
    parser.add_argument(
        "--only", choices=["cnn", "lstm", "cnn-avgpool", "lstm-cell-ops"], help="one model only"
    )
    args = parser.parse_args(argv)
    print(f"jax {jax.__version__}, backend {jax.default_backend()}, {jax.devices()[0]}")
    results = []
    for name, (tf_fn, jnp_fn, inputs, params) in models(args).items():
        if args.only and name != args.only:
            continue
        results.append(compare(name, tf_fn, jnp_fn, inputs, params, args.iters, args.warmup))
        print(report(results[-1]), flush=True)
    return results


if __name__ == "__main__":
    main()
