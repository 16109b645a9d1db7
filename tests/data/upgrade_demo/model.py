"""A small TF1 sequence classifier: the demo project of docs/migration.md's
"Converting a TF1 project with `flaxscope-upgrade`" (written in TF 1.0's style on purpose:
tf.contrib names, shape methods, a placeholder inside the builder)."""

import tensorflow as tf
from tensorflow.contrib import rnn

NUM_STEPS = 5
NUM_FEATURES = 4


def encoder(inputs, num_units):
    """An LSTM over [batch, time, features]; the last hidden state."""
    with tf.variable_scope("encoder"):
        cell = rnn.BasicLSTMCell(num_units)
        outputs, state = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
    return state.h


def build_model(num_units=16, num_classes=3):
    inputs = tf.placeholder(tf.float32, [None, NUM_STEPS, NUM_FEATURES], name="inputs")
    features = inputs.get_shape()[-1].value  # the static feature size
    projected = tf.layers.dense(
        inputs, features, kernel_initializer=tf.contrib.layers.xavier_initializer(),
        name="projection")
    h = encoder(projected, num_units)
    logits = tf.layers.dense(h, num_classes, name="logits")
    return inputs, logits
