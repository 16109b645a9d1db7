"""A TF1 training script, as a user brings it: an LSTM sequence classifier trained with Adam.

This is the "before" of examples/ported_user_script.py: plain TensorFlow 1.x graph code
(scopes, ``tf.get_variable``, ``BasicLSTMCell`` + ``dynamic_rnn``, ``AdamOptimizer``,
``Saver``). It runs on TensorFlow 1.15 and, through ``tf.compat.v1``, on TensorFlow 2.x
with ``tf-keras`` installed. The task: tell whether the first feature of a sequence of
random vectors sums to a positive number.

Run: python tests/data/tf1_user_script.py --steps 300 --save_dir /tmp/tf1_model
"""

import argparse
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF 2.x: the tf.nn.rnn_cell classes

import numpy as np
import tensorflow.compat.v1 as tf

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
def build_graph():
    inputs = tf.placeholder(tf.float32, [None, NUM_STEPS, INPUT_DIM], name="inputs")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    logits = classifier(inputs)
    loss = tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.AdamOptimizer(LEARNING_RATE).minimize(loss, global_step=global_step)
    return {
        "inputs": inputs,
        "labels": labels,
        "logits": logits,
        "loss": loss,
        "train_op": train_op,
        "global_step": global_step,
    }


def train(steps, save_dir=None, seed=0):
    """Trains for ``steps`` steps; returns the losses and the checkpoint written (if any)."""
    rng = np.random.default_rng(seed)
    with tf.Graph().as_default():
        tf.set_random_seed(seed)
        g = build_graph()
        saver = tf.train.Saver()
        config = tf.ConfigProto()
        config.gpu_options.allow_growth = True
        losses = []
        with tf.Session(config=config) as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(steps):
                x, y = make_batch(rng)
                loss, _ = sess.run([g["loss"], g["train_op"]], {g["inputs"]: x, g["labels"]: y})
                losses.append(float(loss))
                if (step + 1) % 50 == 0:
                    print(f"step {step + 1}: loss {loss:.4f}")
            path = None
            if save_dir:
                path = saver.save(
                    sess, os.path.join(save_dir, "model.ckpt"), global_step=g["global_step"]
                )
                print("saved", path)
    return losses, path


def evaluate(checkpoint, x):
    """The logits of ``x`` from the model saved in ``checkpoint``."""
    with tf.Graph().as_default():
        g = build_graph()
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, checkpoint)
            return sess.run(g["logits"], {g["inputs"]: x})


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--save_dir", default=None)
    args = parser.parse_args(argv)
    losses, _ = train(args.steps, args.save_dir)
    print(f"first loss {losses[0]:.4f}, last loss {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
