"""The TF1 script tests/data/tf1_user_script.py, ported: an LSTM classifier trained with Adam.

Ports a TF1 training script as a user brings it (variable scopes, ``tf.get_variable``,
``tf.nn.rnn_cell.BasicLSTMCell`` + ``tf.nn.dynamic_rnn``, ``tf.train.AdamOptimizer``,
``tf.train.Saver``) by following docs/migration.md. What changed:

- the imports: ``import flaxscope.compat.v1 as tf`` instead of ``tensorflow.compat.v1``;
- nothing in the data and model sections: they are the same lines, the math included
  (``tf.nn.relu``, ``tf.tensordot``, ``tf.matmul`` are flaxscope's TF1 ops), and the
  variables have the same names (a checkpoint of one loads into the other);
- the driver: placeholders + ``tf.Session`` became ``fs.transform`` + ``jax.jit``,
  ``minimize`` became ``jax.value_and_grad`` + the same TF1 Adam as an optax
  transformation, ``tf.train.Saver`` became ``flaxscope.checkpoint`` (same file format,
  same names, Adam's slots included). ``tf.ConfigProto(allow_growth)`` has no line: see
  the guide for JAX's memory flags.

Run: python examples/ported_user_script.py --steps 300 --save_dir /tmp/fs_model
"""

import argparse
import os

import jax
import numpy as np
import optax

import flaxscope as fs
import flaxscope.checkpoint
import flaxscope.compat.v1 as tf

BATCH_SIZE = 32
NUM_STEPS = 10
INPUT_DIM = 4
NUM_UNITS = 32
NUM_CLASSES = 2
LEARNING_RATE = 0.01


# --- data ---
def make_batch(rng, batch_size=BATCH_SIZE):
    """Sequences [batch, time, features] and their labels: is sum(features[..., 0]) > 0."""
    x = rng.normal(0.0, 1.0, (batch_size, NUM_STEPS, INPUT_DIM)).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.int32)
    return x, y


# --- model ---
def classifier(inputs, num_units=NUM_UNITS, num_classes=NUM_CLASSES):
    with tf.variable_scope("classifier"):
        with tf.variable_scope("input_projection"):
            w = tf.get_variable("weights", [INPUT_DIM, num_units])
            b = tf.get_variable("biases", [num_units], initializer=tf.zeros_initializer())
            projected = tf.nn.relu(tf.tensordot(inputs, w, 1) + b)
        cell = tf.nn.rnn_cell.BasicLSTMCell(num_units)
        outputs, state = tf.nn.dynamic_rnn(cell, projected, dtype=tf.float32)
        with tf.variable_scope("softmax"):
            w = tf.get_variable("weights", [num_units, num_classes])
            b = tf.get_variable("biases", [num_classes], initializer=tf.zeros_initializer())
            logits = tf.matmul(state.h, w) + b
    return logits


# --- training ---
def build_model():
    """``fs.transform(classifier)`` and the loss: what the TF1 graph's tensors computed."""
    model = fs.transform(classifier)

    def loss_fn(params, inputs, labels):
        logits = model.apply({"params": params}, inputs)
        return tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        )

    return model, loss_fn


def train(steps, save_dir=None, seed=0, params=None):
    """Trains for ``steps`` steps; returns the losses and the checkpoint written (if any).

    ``params`` (``{TF name: array}``) replaces the random initial values, e.g. with a TF1
    graph's.
    """
    rng = np.random.default_rng(seed)
    model, loss_fn = build_model()
    if params is None:
        params = model.init(jax.random.key(seed), np.zeros((1, NUM_STEPS, INPUT_DIM), np.float32))
        params = params["params"]
    optimizer = tf.train.AdamOptimizer(LEARNING_RATE)
    opt_state = optimizer.init(params)

    @jax.jit
    def train_step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    losses = []
    for step in range(steps):
        x, y = make_batch(rng)
        params, opt_state, loss = train_step(params, opt_state, x, y)
        losses.append(float(loss))
        if (step + 1) % 50 == 0:
            print(f"step {step + 1}: loss {loss:.4f}")
    path = None
    if save_dir:
        variables = {"params": params, "state": optimizer.variables(opt_state)}
        path = fs.checkpoint.save(
            os.path.join(save_dir, "model.ckpt"), variables, global_step=opt_state.global_step
        )
        print("saved", path)
    return losses, path


def evaluate(checkpoint, x):
    """The logits of ``x`` from the model saved in ``checkpoint`` (by this script or TF1's)."""
    model, _ = build_model()
    shapes = jax.eval_shape(model.init, jax.random.key(0), x)
    variables = fs.checkpoint.restore(checkpoint, shapes)
    return model.apply(variables, x)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=300, help="training steps")
    parser.add_argument(
        "--save_dir", default=None, help="directory for TF1 checkpoints; none: no checkpoint"
    )
    args = parser.parse_args(argv)
    losses, _ = train(args.steps, args.save_dir)
    print(f"first loss {losses[0]:.4f}, last loss {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
