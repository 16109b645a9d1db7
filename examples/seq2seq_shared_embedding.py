"""A sequence-to-sequence LSTM whose encoder and decoder share one embedding.

Ports a TF1 seq2seq program in the style of the classic TF1 seq2seq tutorials (the
"copy the input sequence" toy task of ``tensorflow-seq2seq-tutorials`` and the shared
vocabulary of ``tensorflow/nmt``): an encoder ``BasicLSTMCell`` run by
``tf.nn.dynamic_rnn(..., scope="encoder")``, whose final state starts a decoder
``BasicLSTMCell`` (``scope="decoder"``), trained with teacher forcing and Adam. Weights are
shared three ways, all by TF1's rules:

- the embedding ``seq2seq/embedding/embedding_share`` is created for the encoder and
  looked up again with ``reuse=True`` for the decoder;
- the output projection ``seq2seq/output_projection/{w,b}`` is created by the training
  decoder and reused (``reuse=True``) by the greedy inference decoder;
- the greedy decoder calls the training decoder's cell object again, step by step, which
  reuses its ``seq2seq/decoder/basic_lstm_cell/{kernel,bias}`` as TF1's layers do.

What changed in the port: the imports (the math is TF1's: ``tf.nn.embedding_lookup``,
``tf.tensordot``, ``tf.argmax``, ...); placeholders became arguments; ``sess.run`` became
``jax.jit``.

Run: python examples/seq2seq_shared_embedding.py [--steps 1000]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
import optax

import flaxscope as fs
import flaxscope.compat.v1 as tf

PAD, EOS = 0, 1  # EOS doubles as the decoder's GO symbol


# --- the TF1 model, ported --------------------------------------------------------------
def embed(ids: jax.Array, vocab_size: int, embedding_size: int, reuse: bool | None = None):
    with tf.variable_scope("embedding", reuse=reuse):
        embeddings = tf.get_variable(
            "embedding_share",
            [vocab_size, embedding_size],
            initializer=tf.random_uniform_initializer(-1.0, 1.0),
        )
    return tf.nn.embedding_lookup(embeddings, ids)


def output_projection(outputs: jax.Array, vocab_size: int, reuse: bool | None = None):
    with tf.variable_scope("output_projection", reuse=reuse):
        w = tf.get_variable("w", [outputs.shape[-1], vocab_size])
        b = tf.get_variable("b", [vocab_size], initializer=tf.zeros_initializer())
    return tf.tensordot(outputs, w, 1) + b


def seq2seq(
    encoder_inputs: jax.Array,
    decoder_inputs: jax.Array,
    *,
    vocab_size: int,
    embedding_size: int,
    hidden_units: int,
    decode_steps: int = 0,
) -> tuple[jax.Array, jax.Array | None]:
    """Training logits ``[batch, time, vocab]``, and ``decode_steps`` greedy predictions.

    ``encoder_inputs`` and ``decoder_inputs`` are int ``[batch, time]``.
    """
    with tf.variable_scope("seq2seq"):
        encoder_cell = tf.nn.rnn_cell.BasicLSTMCell(hidden_units)
        encoder_inputs_embedded = embed(encoder_inputs, vocab_size, embedding_size)
        _, encoder_final_state = tf.nn.dynamic_rnn(
            encoder_cell, encoder_inputs_embedded, dtype=tf.float32, scope="encoder"
        )

        decoder_cell = tf.nn.rnn_cell.BasicLSTMCell(hidden_units)
        decoder_inputs_embedded = embed(decoder_inputs, vocab_size, embedding_size, reuse=True)
        decoder_outputs, _ = tf.nn.dynamic_rnn(
            decoder_cell,
            decoder_inputs_embedded,
            initial_state=encoder_final_state,
            dtype=tf.float32,
            scope="decoder",
        )
        decoder_logits = output_projection(decoder_outputs, vocab_size)

        if not decode_steps:
            return decoder_logits, None
        # Greedy inference: feed each step's prediction back in, with the same weights.
        state = encoder_final_state
        token = tf.fill([tf.shape(encoder_inputs)[0]], EOS)
        predictions = []
        for _ in range(decode_steps):
            inputs = embed(token, vocab_size, embedding_size, reuse=True)
            output, state = decoder_cell(inputs, state)
            logits = output_projection(output, vocab_size, reuse=True)
            token = tf.argmax(logits, axis=-1, output_type=tf.int32)
            predictions.append(token)
        return decoder_logits, tf.stack(predictions, axis=1)


# --- data: copy a random sequence -------------------------------------------------------
def copy_batch(
    rng: np.random.Generator, batch: int, length: int, vocab_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encoder inputs, decoder inputs (GO + sequence) and targets (sequence + EOS)."""
    seq = rng.integers(2, vocab_size, (batch, length)).astype(np.int32)
    eos = np.full((batch, 1), EOS, np.int32)
    return seq, np.concatenate([eos, seq], 1), np.concatenate([seq, eos], 1)


def make_model(vocab_size: int, embedding_size: int, hidden_units: int) -> fs.Transformed:
    def model(encoder_inputs, decoder_inputs, decode_steps: int = 0):
        return seq2seq(
            encoder_inputs,
            decoder_inputs,
            vocab_size=vocab_size,
            embedding_size=embedding_size,
            hidden_units=hidden_units,
            decode_steps=decode_steps,
        )

    return fs.transform(model)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=1000, help="training steps")
    parser.add_argument("--batch", type=int, default=64, help="sequences per batch")
    parser.add_argument("--length", type=int, default=6, help="tokens per sequence to copy")
    parser.add_argument("--vocab-size", type=int, default=10, help="tokens in the vocabulary")
    parser.add_argument(
        "--embedding-size", type=int, default=20, help="size of the shared embedding"
    )
    parser.add_argument("--hidden", type=int, default=64, help="LSTM units of encoder and decoder")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    parser.add_argument("--log-every", type=int, default=100, help="steps between reports")
    parser.add_argument("--seed", type=int, default=0, help="data and initial weights")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    model = make_model(args.vocab_size, args.embedding_size, args.hidden)
    enc, dec, _ = copy_batch(rng, 2, args.length, args.vocab_size)
    params = model.init(jax.random.key(args.seed), enc, dec, decode_steps=1)["params"]
    for name, value in params.items():
        print(f"{name}: {list(value.shape)}")

    optimizer = tf.train.AdamOptimizer(args.lr)
    opt_state = optimizer.init(params)

    def loss_fn(params, encoder_inputs, decoder_inputs, targets):
        logits, _ = model.apply({"params": params}, encoder_inputs, decoder_inputs)
        return tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
        )

    @jax.jit
    def train_step(params, opt_state, encoder_inputs, decoder_inputs, targets):
        loss, grads = jax.value_and_grad(loss_fn)(params, encoder_inputs, decoder_inputs, targets)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    losses = []
    for step in range(1, args.steps + 1):
        params, opt_state, loss = train_step(
            params, opt_state, *copy_batch(rng, args.batch, args.length, args.vocab_size)
        )
        losses.append(float(loss))
        if step % args.log_every == 0 or step == args.steps:
            print(f"step {step}: loss {losses[-1]:.4f}")

    enc, dec, targets = copy_batch(rng, 256, args.length, args.vocab_size)

    @jax.jit
    def infer(params, encoder_inputs, decoder_inputs):
        return model.apply(
            {"params": params}, encoder_inputs, decoder_inputs, decode_steps=args.length + 1
        )[1]

    predictions = infer(params, enc, dec)
    accuracy = float(np.mean(np.asarray(predictions) == targets))
    print(f"greedy decoding, token accuracy: {accuracy:.3f}")
    print("input:    ", enc[0].tolist())
    print("predicted:", np.asarray(predictions)[0].tolist())
    return {"params": params, "losses": losses, "accuracy": accuracy}


if __name__ == "__main__":
    main()
