"""A character-level LSTM language model, written TF1-style, trained with optax under jit.

The model is the one the project's seed tutorial was building when it hit ``Variable
rnn/basic_lstm_cell/weights already exists``: an embedding made with ``get_variable``, a
``MultiRNNCell`` of ``BasicLSTMCell``\\ s run by ``dynamic_rnn`` and a softmax layer, each
in its TF1 variable scope. ``flaxscope.transform`` turns that code into pure ``init`` and
``apply`` functions; the whole train step (forward, backward, Adam) is one ``jax.jit``.

The text is the Python Language Reference that ships with CPython itself
(``pydoc_data.topics``, about 460 KB of English), so nothing is downloaded; ``--text``
trains on any UTF-8 file instead. It runs on CPU by default and on a GPU/TPU whenever JAX
sees one.

Run:  python examples/char_lstm.py            (a few minutes on 2 CPU cores)
      python examples/char_lstm.py --steps 5000 --hidden 512 --layers 2 --batch 64

Writes ``<out>/loss.png``, ``<out>/vocab.json`` and, at every report, a TF1 checkpoint
``<out>/model.ckpt-<step>`` (``.index`` + ``.data-00000-of-00001``, readable by
``tf.train.Saver.restore``) through ``fs.train.Saver(max_to_keep=3)``, as a TF1 loop would.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import flaxscope as fs
import flaxscope.compat.v1 as tf

PRIME = "The "


# --- data --------------------------------------------------------------------------------
def python_reference_text() -> str:
    """The Python Language Reference's topics, as shipped in CPython's ``pydoc_data``."""
    try:
        from pydoc_data.topics import topics
    except ImportError:  # a Python built without pydoc_data: fall back to stdlib sources
        import inspect
        import textwrap

        return "\n".join(inspect.getsource(m) for m in (argparse, textwrap, functools))
    return "\n\n".join(topics[key] for key in sorted(topics))


class CharData:
    """The text as int32 ids, split 90/10 into train and validation."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}
        ids = np.array([self.index[c] for c in text], np.int32)
        split = int(len(ids) * 0.9)
        self.train, self.valid = ids[:split], ids[split:]

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def batch(self, rng: np.random.Generator, batch: int, length: int, valid: bool = False):
        """``batch`` random windows of ``length + 1`` characters: inputs and next characters."""
        ids = self.valid if valid else self.train
        starts = rng.integers(0, len(ids) - length - 1, size=batch)
        return np.stack([ids[s : s + length + 1] for s in starts])

    def encode(self, s: str) -> np.ndarray:
        return np.array([self.index.get(c, 0) for c in s], np.int32)

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.chars[i] for i in ids)


# --- the model, in TF1 style -------------------------------------------------------------
def char_rnn(tokens, initial_state=None, *, vocab_size: int, hidden: int, layers: int):
    """Logits for the next character at every position, and the final LSTM state.

    The TF1 lines as a TF1 char-RNN writes them (``tf.nn.embedding_lookup``,
    ``MultiRNNCell`` of ``BasicLSTMCell`` s, ``tf.nn.dynamic_rnn``, a softmax layer in its
    own ``variable_scope``): only the import differs.
    """
    embedding = tf.get_variable("embedding", [vocab_size, hidden])
    inputs = tf.nn.embedding_lookup(embedding, tokens)
    cell = tf.nn.rnn_cell.MultiRNNCell(
        [tf.nn.rnn_cell.BasicLSTMCell(hidden) for _ in range(layers)]
    )
    outputs, state = tf.nn.dynamic_rnn(cell, inputs, initial_state=initial_state, dtype=tf.float32)
    with tf.variable_scope("softmax"):
        w = tf.get_variable("w", [hidden, vocab_size])
        b = tf.get_variable("b", [vocab_size], initializer=tf.zeros_initializer())
    logits = tf.tensordot(outputs, w, 1) + b
    return logits, state


# --- training and sampling: the session driver, on jax.jit ---------------------------------
def make_functions(model: fs.Transformed, optimizer: optax.GradientTransformation):
    def loss_fn(params, batch):
        logits, _ = model.apply({"params": params}, batch[:, :-1])
        return tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=batch[:, 1:], logits=logits)
        )

    @jax.jit
    def train_step(params, opt_state, batch):
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    @functools.partial(jax.jit, static_argnames=("length",))
    def sample(params, key, prime, temperature, length: int):
        """Primes the state on ``prime`` ([1, n] ids), then draws ``length`` characters."""
        logits, state = model.apply({"params": params}, prime)

        def step(carry, key):
            last_logits, state = carry
            token = jax.random.categorical(key, last_logits / temperature, axis=-1)
            logits, state = model.apply({"params": params}, token[:, None], state)
            return (logits[:, -1], state), token[0]

        keys = jax.random.split(key, length)
        _, tokens = jax.lax.scan(step, (logits[:, -1], state), keys)
        return tokens

    return jax.jit(loss_fn), train_step, sample


# --- outputs -----------------------------------------------------------------------------
def plot_losses(path: str, train: list[float], valid: list[tuple[int, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(np.arange(1, len(train) + 1), train, lw=0.8, alpha=0.6, label="train (batch)")
    if len(train) >= 20:
        k = max(len(train) // 50, 5)
        smooth = np.convolve(train, np.ones(k) / k, mode="valid")
        ax.plot(np.arange(k, len(train) + 1), smooth, lw=1.5, label=f"train ({k}-step mean)")
    if valid:
        steps, values = zip(*valid, strict=True)
        ax.plot(steps, values, "o-", label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats / char)")
    ax.set_title("char_lstm: MultiRNNCell(BasicLSTMCell) + dynamic_rnn on flaxscope")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --- main --------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--steps", type=int, default=1000, help="training steps")
    p.add_argument("--batch", type=int, default=32, help="sequences per batch")
    p.add_argument("--seq-len", type=int, default=64, help="characters per sequence")
    p.add_argument("--hidden", type=int, default=128, help="LSTM units (and embedding size)")
    p.add_argument("--layers", type=int, default=2, help="stacked BasicLSTMCells")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    p.add_argument("--log-every", type=int, default=200, help="steps between reports")
    p.add_argument("--sample-len", type=int, default=200, help="characters per sample")
    p.add_argument("--temperature", type=float, default=0.8, help="sampling temperature")
    p.add_argument("--seed", type=int, default=0, help="data order, initial weights, samples")
    p.add_argument(
        "--text",
        default=None,
        help="UTF-8 text file to train on; none: the Python Language Reference in CPython",
    )
    p.add_argument("--out", default="out/char_lstm", help="output directory")
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (it is off anyway when output is not a terminal)",
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help="check the set-up: 20 steps of a one-layer 32-unit model on short batches",
    )
    args = p.parse_args(argv)
    if args.smoke:
        args.steps, args.batch, args.seq_len, args.hidden, args.layers = 20, 4, 16, 32, 1
        args.log_every, args.sample_len = 10, 20
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    fs.enable_compilation_cache()  # on when $FLAXSCOPE_COMPILATION_CACHE names a directory
    fs.keep_cpu_memory()  # on when $FLAXSCOPE_KEEP_CPU_MEMORY=1
    fs.pin_cpu_threads()  # on when $FLAXSCOPE_PIN_CPU_THREADS=1
    from tqdm.auto import tqdm

    os.makedirs(args.out, exist_ok=True)
    if args.text:
        with open(args.text, encoding="utf-8") as f:
            text = f.read()
    else:
        text = python_reference_text()
    data = CharData(text)
    print(
        f"text: {len(text):,} chars, vocab {data.vocab_size}; devices: "
        f"{', '.join(str(d) for d in jax.devices())}"
    )

    model = fs.transform(
        functools.partial(
            char_rnn, vocab_size=data.vocab_size, hidden=args.hidden, layers=args.layers
        ),
        jit_init=True,  # init compiled, not run op by op: the first step comes sooner
    )
    rng = np.random.default_rng(args.seed)
    key = jax.random.key(args.seed)
    params = model.init(key, data.batch(rng, args.batch, args.seq_len)[:, :-1])["params"]
    n_params = sum(int(np.prod(v.shape)) for v in params.values())
    print(f"{len(params)} variables, {n_params:,} parameters:")
    for name, v in params.items():
        print(f"  {name:55s} {tuple(v.shape)}")

    optimizer = optax.chain(optax.clip_by_global_norm(5.0), optax.adam(args.lr))
    opt_state = optimizer.init(params)
    eval_loss, train_step, sample = make_functions(model, optimizer)
    valid_batch = data.batch(np.random.default_rng(12345), 64, args.seq_len, valid=True)
    prime = jnp.asarray(data.encode(PRIME))[None]

    # tf.train.Saver: a TF1 checkpoint at every report, the newest three kept.
    saver = fs.train.Saver(max_to_keep=3)
    ckpt_prefix = os.path.join(args.out, "model.ckpt")

    def report(step: int) -> float:
        if step:
            host = {n: np.asarray(v) for n, v in params.items()}
            saver.save({"params": host}, ckpt_prefix, global_step=step)
        loss = float(eval_loss(params, valid_batch))
        ids = sample(
            params, jax.random.fold_in(key, step), prime, args.temperature, args.sample_len
        )
        write = tqdm.write
        write(f"step {step}: valid loss {loss:.3f} nats/char ({loss / math.log(2):.3f} bits)")
        write("  sample: " + repr(PRIME + data.decode(np.asarray(ids).tolist()))[1:-1][:400])
        return loss

    train_losses: list[float] = []
    valid_losses: list[tuple[int, float]] = [(0, report(0))]
    start = time.perf_counter()
    bar = tqdm(
        range(1, args.steps + 1),
        desc="train",
        disable=True if args.no_progress else None,
        file=sys.stdout,
    )
    for step in bar:
        batch = jnp.asarray(data.batch(rng, args.batch, args.seq_len))
        params, opt_state, loss = train_step(params, opt_state, batch)
        train_losses.append(loss)  # a device array: no sync with the host on every step
        if step % 10 == 0 or step == args.steps:
            bar.set_postfix(loss=f"{float(loss):.3f}")
        if step % args.log_every == 0 or step == args.steps:
            valid_losses.append((step, report(step)))
    bar.close()
    elapsed = time.perf_counter() - start
    train_losses_f = [float(x) for x in train_losses]
    chars = args.steps * args.batch * args.seq_len
    print(f"{args.steps} steps in {elapsed:.1f}s ({chars / max(elapsed, 1e-9):,.0f} chars/s)")

    png = os.path.join(args.out, "loss.png")
    plot_losses(png, train_losses_f, valid_losses)
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({"chars": data.chars, **vars(args)}, f)
    ckpt = saver.last_checkpoints[-1]
    print(f"wrote {png} and checkpoint {ckpt}")
    return {
        "train_losses": train_losses_f,
        "valid_losses": valid_losses,
        "checkpoint": ckpt,
        "params": params,
    }


if __name__ == "__main__":
    main()
