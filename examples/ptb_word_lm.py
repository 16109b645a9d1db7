"""TensorFlow's PTB word-level LSTM tutorial (``ptb_word_lm.py``), ported to flaxscope.

The canonical TF1 LSTM tutorial (tensorflow/models ``tutorials/rnn/ptb``; Zaremba et al.
2014, "Recurrent Neural Network Regularization", http://arxiv.org/abs/1409.2329), changed
as little as possible. Its TF1 original, run by the tests side by side with this port, is
tests/data/tf1_ptb_word_lm.py. What it keeps, line for line:

- ``PTBModel(is_training, config, input_)`` built three times on one set of weights: train
  under ``tf.variable_scope("Model", reuse=None, initializer=initializer)``, valid and test
  (batch 1, step 1) under ``reuse=True``, with ``tf.random_uniform_initializer``;
- ``tf.get_variable("embedding", ...)``, ``MultiRNNCell`` of ``BasicLSTMCell(size,
  forget_bias=0.0)`` (``DropoutWrapper`` when training with ``keep_prob < 1``), and the
  tutorial's manual time loop, ``tf.get_variable_scope().reuse_variables()`` from the
  second step on, which shares ``Model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel``
  over the steps (or its ``static_rnn`` alternative, or ``dynamic_rnn``: ``--rnn_driver``);
- ``softmax_w``/``softmax_b``, ``sequence_loss`` summed over time, averaged over the batch,
  ``lr`` as a non-trainable ``tf.Variable`` set by ``assign_lr`` to
  ``learning_rate * lr_decay ** max(i + 1 - max_epoch, 0)`` each epoch, gradients clipped
  by ``clip_by_global_norm(max_grad_norm)``, plain SGD (``tf.train.GradientDescentOptimizer``,
  TF1's update exactly), the LSTM state carried from batch to batch within an epoch, and
  perplexity ``exp(costs / iters)``; the reader (``_build_vocab``: by frequency, then
  alphabetically; ``ptb_producer``'s batching).

What changed: imports; math calls (``tf.nn.embedding_lookup`` -> ``jnp.take``,
``tf.matmul`` -> ``jnp.matmul``, ...); ``with tf.device("/cpu:0")`` stays but does nothing
(``jax.jit`` places the computation). The TF graph, run by ``sess.run`` with a
``feed_dict``, became one ``fs.transform`` per model (``build_graph``), each jitted once,
with the batch and the carried state as arguments (one line of the model reads the fed
state): the training model's ``init`` creates the variables
(``tf.global_variables_initializer()``) and its ``apply`` trains; the valid and test
models, the same ``variable_scope("Model", reuse=True)`` code, are
``fs.transform(..., variables_exist=True)``, whose ``apply`` finds those variables as
created before it, as TF1 found the training model's in the same graph, and runs alone
(no dropout, so no random key). The training ops (``tf.gradients``,
``clip_by_global_norm``, ``apply_gradients``) moved out of the model into ``train_op``, a
``jax.grad`` of the training model's cost; ``tf.contrib.seq2seq.sequence_loss`` (gone from
TF 2) is written in ``jax.numpy``; ``ptb_producer`` is numpy, not a queue.

Data: PTB is not shipped. Without ``--data_path`` the example writes a PTB-format corpus
(``ptb.{train,valid,test}.txt``) from the Python Language Reference that ships with
CPython (``pydoc_data.topics``, about 70,000 words); ``--data_path`` reads Mikolov's real
PTB files (``simple-examples/data``) the same way.

Run: python examples/ptb_word_lm.py                 (tiny config, about a minute on 2 CPUs)
     python examples/ptb_word_lm.py --model small --data_path simple-examples/data/
"""

# The tutorial's own style (`class X(object)`, %-formatting, zip() without strict) is kept,
# so that the TF1 original and its port diff line by line; so is `self._cost = cost = ...`,
# whose `cost` the TF1 training ops used (they moved to train_op() here).
# ruff: noqa: UP004, UP031, B905, F841

import argparse
import collections
import functools
import os
import re
import sys
import tempfile
import time
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

import flaxscope as fs
import flaxscope.checkpoint
import flaxscope.compat.v1 as tf


# --- data ---
def _read_words(filename):
    with open(filename, encoding="utf-8") as f:
        return f.read().replace("\n", "<eos>").split()


def _build_vocab(filename):
    data = _read_words(filename)

    counter = collections.Counter(data)
    count_pairs = sorted(counter.items(), key=lambda x: (-x[1], x[0]))

    words, _ = list(zip(*count_pairs))
    word_to_id = dict(zip(words, range(len(words))))

    return word_to_id


def _file_to_word_ids(filename, word_to_id):
    data = _read_words(filename)
    return [word_to_id[word] for word in data if word in word_to_id]


def ptb_raw_data(data_path=None):
    """Load PTB raw data from data directory "data_path".

    Reads PTB text files, converts strings to integer ids,
    and performs mini-batching of the inputs.

    The PTB dataset comes from Tomas Mikolov's webpage:

    http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz

    Args:
      data_path: string path to the directory where simple-examples.tgz has
        been extracted.

    Returns:
      tuple (train_data, valid_data, test_data, vocabulary)
      where each of the data objects can be passed to PTBIterator.
    """

    train_path = os.path.join(data_path, "ptb.train.txt")
    valid_path = os.path.join(data_path, "ptb.valid.txt")
    test_path = os.path.join(data_path, "ptb.test.txt")

    word_to_id = _build_vocab(train_path)
    train_data = _file_to_word_ids(train_path, word_to_id)
    valid_data = _file_to_word_ids(valid_path, word_to_id)
    test_data = _file_to_word_ids(test_path, word_to_id)
    vocabulary = len(word_to_id)
    return train_data, valid_data, test_data, vocabulary


def python_docs_data(data_path, vocab_size=10000):
    """Writes ptb.{train,valid,test}.txt in PTB's format from CPython's own documentation.

    PTB is not shipped; the Python Language Reference is (``pydoc_data.topics``, about
    70,000 words). As in Mikolov's PTB files: one sentence per line, lowercase words
    separated by spaces, numbers as ``N``, words beyond the ``vocab_size - 2`` most frequent
    as ``<unk>`` (with ``<eos>``, ``vocab_size`` words in all). Split 80/10/10 in order.
    Returns ``data_path``.
    """
    try:
        from pydoc_data.topics import topics
    except ImportError:  # a Python built without pydoc_data: its own module docstrings
        topics = {m.__name__: m.__doc__ or "" for m in (argparse, collections, re, tempfile)}
    text = "\n\n".join(topics[key] for key in sorted(topics))
    sentences = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split())):
            words = re.findall(r"[a-z]+(?:'[a-z]+)?|[0-9]+", sentence.lower())
            words = ["N" if w[0].isdigit() else w for w in words]
            if len(words) >= 3:
                sentences.append(words)
    counts = collections.Counter(w for s in sentences for w in s)
    kept = {w for w, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[: vocab_size - 2]}
    lines = [" " + " ".join(w if w in kept else "<unk>" for w in s) + " \n" for s in sentences]
    n_train, n_valid = int(len(lines) * 0.8), int(len(lines) * 0.1)
    splits = {
        "train": lines[:n_train],
        "valid": lines[n_train : n_train + n_valid],
        "test": lines[n_train + n_valid :],
    }
    os.makedirs(data_path, exist_ok=True)
    for split, split_lines in splits.items():
        with open(os.path.join(data_path, f"ptb.{split}.txt"), "w", encoding="utf-8") as f:
            f.writelines(split_lines)
    return data_path


def ptb_producer(raw_data, batch_size, num_steps, name=None):
    """Iterate on the raw PTB data.

    This chunks up raw_data into batches of examples, as the TF1 reader did. TF1 returned
    two queue-fed tensors whose ``i``-th evaluation was batch ``i`` (in order, epoch after
    epoch); here the batches are all there at once, ``x[i]`` and ``y[i]``.

    Args:
      raw_data: one of the raw data outputs from ptb_raw_data.
      batch_size: int, the batch size.
      num_steps: int, the number of unrolls.
      name: the name of this operation (unused).

    Returns:
      A pair of int32 arrays, each shaped [epoch_size, batch_size, num_steps]. The second
      element of the tuple is the same data time-shifted to the right by one.

    Raises:
      ValueError: if batch_size or num_steps are too high.
    """
    del name
    raw_data = np.asarray(raw_data, dtype=np.int32)

    data_len = raw_data.size
    batch_len = data_len // batch_size
    data = np.reshape(raw_data[0 : batch_size * batch_len], [batch_size, batch_len])

    epoch_size = (batch_len - 1) // num_steps
    if epoch_size <= 0:
        raise ValueError("epoch_size == 0, decrease batch_size or num_steps")

    x = np.stack([data[:, i * num_steps : (i + 1) * num_steps] for i in range(epoch_size)])
    y = np.stack([data[:, i * num_steps + 1 : (i + 1) * num_steps + 1] for i in range(epoch_size)])
    return x, y


class PTBInput(object):
    """The input data."""

    def __init__(self, config, data, name=None):
        self.batch_size = batch_size = config.batch_size
        self.num_steps = num_steps = config.num_steps
        self.epoch_size = ((len(data) // batch_size) - 1) // num_steps
        self.input_data, self.targets = ptb_producer(data, batch_size, num_steps, name=name)
        self.initial_state = None

    def fed(self, input_data, targets, initial_state=None):
        """This input with one batch and the carried state fed, as sess.run(feed_dict) did."""
        fed = object.__new__(PTBInput)
        fed.__dict__.update(self.__dict__, input_data=input_data, targets=targets)
        fed.initial_state = initial_state
        return fed


# --- contrib ---
def sequence_loss(
    logits,
    targets,
    weights,
    average_across_timesteps=True,
    average_across_batch=True,
    softmax_loss_function=None,
    name=None,
):
    """``tf.contrib.seq2seq.sequence_loss`` (TF 1.15), in ``jax.numpy``.

    Weighted cross-entropy loss for a sequence of logits: ``logits`` [batch_size,
    sequence_length, num_decoder_symbols], ``targets`` int [batch_size, sequence_length],
    ``weights`` [batch_size, sequence_length]. Averaged (weighted) over the time steps and/or
    the batch as asked; a scalar when both, [batch_size] or [sequence_length] when one.
    """
    del name
    if jnp.ndim(logits) != 3:
        raise ValueError("Logits must be a [batch_size x sequence_length x logits] tensor")
    if jnp.ndim(targets) != 2:
        raise ValueError("Targets must be a [batch_size x sequence_length] tensor")
    if jnp.ndim(weights) != 2:
        raise ValueError("Weights must be a [batch_size x sequence_length] tensor")

    def div_no_nan(x, y):
        return jnp.where(y == 0, jnp.zeros_like(x), x / jnp.where(y == 0, 1, y))

    num_classes = jnp.shape(logits)[2]
    logits_flat = jnp.reshape(logits, [-1, num_classes])
    targets = jnp.reshape(targets, [-1])
    if softmax_loss_function is None:
        crossent = optax.softmax_cross_entropy_with_integer_labels(logits_flat, targets)
    else:
        crossent = softmax_loss_function(labels=targets, logits=logits_flat)
    crossent *= jnp.reshape(weights, [-1])
    if average_across_timesteps and average_across_batch:
        crossent = jnp.sum(crossent)
        total_size = jnp.sum(weights)
        crossent = div_no_nan(crossent, total_size)
    else:
        batch_size = jnp.shape(logits)[0]
        sequence_length = jnp.shape(logits)[1]
        crossent = jnp.reshape(crossent, [batch_size, sequence_length])
    if average_across_timesteps and not average_across_batch:
        crossent = jnp.sum(crossent, axis=[1])
        total_size = jnp.sum(weights, axis=[1])
        crossent = div_no_nan(crossent, total_size)
    if not average_across_timesteps and average_across_batch:
        crossent = jnp.sum(crossent, axis=[0])
        total_size = jnp.sum(weights, axis=[0])
        crossent = div_no_nan(crossent, total_size)
    return crossent


# --- model ---
def data_type():
    return tf.float16 if FLAGS.use_fp16 else tf.float32


class PTBModel(object):
    """The PTB model."""

    def __init__(self, is_training, config, input_):
        self._input = input_

        batch_size = input_.batch_size
        num_steps = input_.num_steps
        size = config.hidden_size
        vocab_size = config.vocab_size

        # Slightly better results can be obtained with forget gate biases
        # initialized to 1 but the hyperparameters of the model would need to be
        # different than reported in the paper.
        def lstm_cell():
            return tf.nn.rnn_cell.BasicLSTMCell(
                size, forget_bias=0.0, state_is_tuple=True, reuse=tf.get_variable_scope().reuse
            )

        attn_cell = lstm_cell
        if is_training and config.keep_prob < 1:

            def attn_cell():
                return tf.nn.rnn_cell.DropoutWrapper(lstm_cell(), output_keep_prob=config.keep_prob)

        cell = tf.nn.rnn_cell.MultiRNNCell(
            [attn_cell() for _ in range(config.num_layers)], state_is_tuple=True
        )

        self._initial_state = cell.zero_state(batch_size, data_type())

        with tf.device("/cpu:0"):
            embedding = tf.get_variable("embedding", [vocab_size, size], dtype=data_type())
            inputs = jnp.take(embedding, input_.input_data, axis=0)

        if is_training and config.keep_prob < 1:
            inputs = tf.nn.dropout(inputs, config.keep_prob)

        # Simplified version of models/tutorials/rnn/rnn.py's rnn().
        # This builds an unrolled LSTM for tutorial purposes only.
        # In general, use the rnn() or state_saving_rnn() from rnn.py.
        #
        # The alternative version of the code below is:
        #
        # inputs = tf.unstack(inputs, num=num_steps, axis=1)
        # outputs, state = tf.contrib.rnn.static_rnn(
        #     cell, inputs, initial_state=self._initial_state)
        outputs = []
        state = self._initial_state if input_.initial_state is None else input_.initial_state
        if config.rnn_driver == "static_rnn":  # that alternative, in scope RNN: same names
            inputs = jnp.unstack(inputs, axis=1)
            outputs, state = tf.nn.static_rnn(cell, inputs, initial_state=state, scope="RNN")
        elif config.rnn_driver == "dynamic_rnn":  # one while loop, same names again
            outputs, state = tf.nn.dynamic_rnn(cell, inputs, initial_state=state, scope="RNN")
            outputs = jnp.unstack(outputs, axis=1)
        else:
            with tf.variable_scope("RNN"):
                for time_step in range(num_steps):
                    if time_step > 0:
                        tf.get_variable_scope().reuse_variables()
                    (cell_output, state) = cell(inputs[:, time_step, :], state)
                    outputs.append(cell_output)

        output = jnp.reshape(jnp.stack(outputs, axis=1), [-1, size])
        softmax_w = tf.get_variable("softmax_w", [size, vocab_size], dtype=data_type())
        softmax_b = tf.get_variable("softmax_b", [vocab_size], dtype=data_type())
        logits = jnp.matmul(output, softmax_w) + softmax_b

        # Reshape logits to be 3-D tensor for sequence loss
        logits = jnp.reshape(logits, [batch_size, num_steps, vocab_size])

        # use the contrib sequence loss and average over the batches
        loss = sequence_loss(
            logits,
            input_.targets,
            jnp.ones([batch_size, num_steps], dtype=data_type()),
            average_across_timesteps=False,
            average_across_batch=True,
        )

        # update the cost variables
        self._cost = cost = jnp.sum(loss)
        self._final_state = state

        if not is_training:
            return

        self._lr = tf.Variable(0.0, trainable=False)
        # The training ops (tf.gradients, clip_by_global_norm, apply_gradients) and
        # assign_lr: train_op() and assign_lr() below, outside the graph.

    @property
    def input(self):
        return self._input

    @property
    def initial_state(self):
        return self._initial_state

    @property
    def cost(self):
        return self._cost

    @property
    def final_state(self):
        return self._final_state

    @property
    def lr(self):
        return self._lr


# --- configs ---
class SmallConfig(object):
    """Small config."""

    init_scale = 0.1
    learning_rate = 1.0
    max_grad_norm = 5
    num_layers = 2
    num_steps = 20
    hidden_size = 200
    max_epoch = 4
    max_max_epoch = 13
    keep_prob = 1.0
    lr_decay = 0.5
    batch_size = 20
    vocab_size = 10000
    rnn_driver = "loop"


class MediumConfig(object):
    """Medium config."""

    init_scale = 0.05
    learning_rate = 1.0
    max_grad_norm = 5
    num_layers = 2
    num_steps = 35
    hidden_size = 650
    max_epoch = 6
    max_max_epoch = 39
    keep_prob = 0.5
    lr_decay = 0.8
    batch_size = 20
    vocab_size = 10000
    rnn_driver = "loop"


class LargeConfig(object):
    """Large config."""

    init_scale = 0.04
    learning_rate = 1.0
    max_grad_norm = 10
    num_layers = 2
    num_steps = 35
    hidden_size = 1500
    max_epoch = 14
    max_max_epoch = 55
    keep_prob = 0.35
    lr_decay = 1 / 1.15
    batch_size = 20
    vocab_size = 10000
    rnn_driver = "loop"


class TestConfig(object):
    """Tiny config, for testing."""

    init_scale = 0.1
    learning_rate = 1.0
    max_grad_norm = 1
    num_layers = 1
    num_steps = 2
    hidden_size = 2
    max_epoch = 1
    max_max_epoch = 1
    keep_prob = 1.0
    lr_decay = 0.5
    batch_size = 20
    vocab_size = 10000
    rnn_driver = "loop"


class TinyConfig(object):
    """The small model, scaled down to train in about a minute on 2 CPU cores."""

    init_scale = 0.1
    learning_rate = 1.0
    max_grad_norm = 5
    num_layers = 2
    num_steps = 20
    hidden_size = 128
    max_epoch = 4
    max_max_epoch = 6
    keep_prob = 1.0
    lr_decay = 0.5
    batch_size = 20
    vocab_size = 2000
    rnn_driver = "loop"


CONFIGS = {
    "small": SmallConfig,
    "medium": MediumConfig,
    "large": LargeConfig,
    "test": TestConfig,
    "tiny": TinyConfig,
}


# --- training ---
def parse_args(argv=None):
    p = argparse.ArgumentParser(description="PTB word-level LSTM language model (flaxscope).")
    p.add_argument("--model", default="tiny", choices=sorted(CONFIGS), help="config")
    p.add_argument("--data_path", default=None, help="directory of ptb.{train,valid,test}.txt")
    p.add_argument("--save_path", default=None, help="model output directory")
    p.add_argument("--use_fp16", action="store_true", help="train in float16")
    p.add_argument("--rnn_driver", default=None, choices=["loop", "static_rnn", "dynamic_rnn"])
    p.add_argument("--max_max_epoch", type=int, default=None, help="override the config's")
    p.add_argument("--seed", type=int, default=0, help="initial weights and dropout")
    return p.parse_args(argv)


FLAGS = parse_args([])

# The learning rate: ``self._lr = tf.Variable(0.0, trainable=False)`` of the training model.
# A tf.Variable takes its name from the name scope ("Train/Model/"), as in TF1.
LR_VARIABLE = "Train/Model/Variable"
# get_or_create_global_step() in variable scope "Model" (TF1's name, for checkpoints).
GLOBAL_STEP = "Model/global_step"


def build_graph(config, eval_config, inputs):
    """main()'s TF1 graph: its three models on one set of variables, each a transform.

    ``inputs`` maps "Train", "Valid", "Test" to their ``PTBInput``; the result maps them to
    their models. Each model is a function of ``feed``, ``(input_data, targets,
    initial_state)`` (what ``sess.run`` fed it), returning its fetches. The training model
    (``reuse=None``) creates the variables: its ``init`` is
    ``tf.global_variables_initializer()``, its ``apply`` the training step's forward pass.
    The valid and test models (``reuse=True``) are ``variables_exist`` transforms: their
    ``apply`` takes the training model's variables as created before it, by the model built
    first in the same TF1 graph, and runs alone.
    """

    def fetches(model):  # what run_epoch fetches, and sess.run(model.initial_state)
        return {
            "cost": model.cost,
            "final_state": model.final_state,
            "initial_state": model.initial_state,
        }

    initializer = tf.random_uniform_initializer(-config.init_scale, config.init_scale)

    def train(feed):
        with tf.name_scope("Train"):
            train_input = inputs["Train"].fed(*feed)
            with tf.variable_scope("Model", reuse=None, initializer=initializer):
                m = PTBModel(is_training=True, config=config, input_=train_input)
        return dict(fetches(m), lr=m.lr)

    def valid(feed):
        with tf.name_scope("Valid"):
            valid_input = inputs["Valid"].fed(*feed)
            with tf.variable_scope("Model", reuse=True, initializer=initializer):
                mvalid = PTBModel(is_training=False, config=config, input_=valid_input)
        return fetches(mvalid)

    def test(feed):
        with tf.name_scope("Test"):
            test_input = inputs["Test"].fed(*feed)
            with tf.variable_scope("Model", reuse=True, initializer=initializer):
                mtest = PTBModel(is_training=False, config=eval_config, input_=test_input)
        return fetches(mtest)

    # Valid and Test reopen "Model" with reuse=True: with variables_exist=True the
    # variables given to apply are there before they run, as Train's were in TF1's graph.
    return {
        "Train": fs.transform(train),
        "Valid": fs.transform(valid, variables_exist=True),
        "Test": fs.transform(test, variables_exist=True),
    }


def unfed(input_):
    """A feed of the right shapes for the model of ``input_``: zeros, the zero state."""
    return (np.zeros((input_.batch_size, input_.num_steps), np.int32),) * 2 + (None,)


def clip_by_global_norm(t_list, clip_norm):
    """``tf.clip_by_global_norm`` on a tree: ``(t * clip_norm / max(global_norm,
    clip_norm), global_norm)``, computed as TF computes it."""
    global_norm = optax.global_norm(t_list)
    scale = clip_norm * jnp.minimum(1.0 / global_norm, 1.0 / clip_norm)
    return jax.tree.map(lambda t: t * scale.astype(t.dtype), t_list), global_norm


def clipped_gradients(m, config, variables, feed, rng=None):
    """``tf.clip_by_global_norm(tf.gradients(m.cost, tvars), config.max_grad_norm)`` of the
    training model ``m`` (its transform) on ``feed`` (input_data, targets, initial_state).

    Returns the clipped gradients (a tree like ``variables["params"]``), their global norm
    before clipping, and the training model's fetches.
    """

    def cost(params):
        fetches = m.apply({**variables, "params": params}, feed, rng=rng)
        return fetches["cost"], fetches

    grads, fetches = jax.grad(cost, has_aux=True)(variables["params"])
    grads, global_norm = clip_by_global_norm(grads, config.max_grad_norm)
    return grads, global_norm, fetches


class Session:
    """What a ``tf.Session`` held between runs: the variables' values, the optimizer's state
    (its ``global_step``), and each model's jitted run: the training step for the training
    model, its fetches for each model."""

    def __init__(self, graph, config, inputs, variables, seed=0):
        self.graph, self.config, self.inputs = graph, config, inputs
        self.variables = variables
        self.optimizer_state = tf.train.GradientDescentOptimizer(0.0).init(variables["params"])
        self.key = jax.random.key(seed)
        self._train_step = jax.jit(functools.partial(_train_step, graph["Train"], config))
        self._fetch = {name: jax.jit(model.apply) for name, model in graph.items()}
        self._initial_states = {}

    def run(self, name, input_data, targets, initial_state):
        """``sess.run({"cost": ..., "final_state": ...}, feed_dict)`` for model ``name``."""
        feed = (input_data, targets, initial_state)
        return self._fetch[name](self.variables, feed, rng=self._rng(name))

    def train_op(self, input_data, targets, initial_state):
        """``sess.run({..., "eval_op": m.train_op}, feed_dict)``: one SGD step, in place."""
        feed = (input_data, targets, initial_state)
        self.variables, self.optimizer_state, fetches = self._train_step(
            self.variables, self.optimizer_state, feed, self._rng("Train")
        )
        return fetches

    def _rng(self, name):
        """The key of the training model's dropout (keep_prob < 1) at this step: a new mask
        each step, as TF1's random ops drew anew at each run. The evaluation models have no
        random op and get none."""
        if name != "Train":
            return None
        return jax.random.fold_in(self.key, self.optimizer_state.global_step)

    def initial_state(self, name):
        """``sess.run(model.initial_state)``: the model's zero state."""
        if name not in self._initial_states:
            shapes = jax.eval_shape(
                lambda v: self.graph[name].apply(v, unfed(self.inputs[name]), rng=self._rng(name)),
                self.variables,
            )["initial_state"]
            self._initial_states[name] = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
        return self._initial_states[name]

    def checkpoint_variables(self):
        """Every variable of the TF1 graph, by TF1 name (``Model/global_step`` included)."""
        state = dict(self.variables["state"], **{GLOBAL_STEP: self.optimizer_state.global_step})
        return {"params": self.variables["params"], "state": state}


def _train_step(m, config, variables, optimizer_state, feed, rng):
    grads, _, fetches = clipped_gradients(m, config, variables, feed, rng)
    optimizer = tf.train.GradientDescentOptimizer(fetches["lr"])
    updates, optimizer_state = optimizer.update(grads, optimizer_state, variables["params"])
    params = optax.apply_updates(variables["params"], updates)
    return {**variables, "params": params}, optimizer_state, fetches


def assign_lr(session, lr_value):
    """``m.assign_lr(session, lr_value)``: sets the training model's ``lr`` variable."""
    state = dict(session.variables["state"], **{LR_VARIABLE: jnp.float32(lr_value)})
    session.variables = {**session.variables, "state": state}


class Model(NamedTuple):
    """A model of the graph, as run_epoch sees it: its name and its input."""

    name: str
    input: Any


def run_epoch(session, model, eval_op=None, verbose=False):
    """Runs the model on the given data."""
    start_time = time.time()
    costs = 0.0
    iters = 0
    state = session.initial_state(model.name)

    for step in range(model.input.epoch_size):
        feed = (model.input.input_data[step], model.input.targets[step], state)
        if eval_op is not None:
            vals = eval_op(*feed)
        else:
            vals = session.run(model.name, *feed)
        cost = vals["cost"]
        state = vals["final_state"]

        costs += cost
        iters += model.input.num_steps

        if verbose and step % max(model.input.epoch_size // 10, 1) == 10:
            print(
                "%.3f perplexity: %.3f speed: %.0f wps"
                % (
                    step * 1.0 / model.input.epoch_size,
                    np.exp(costs / iters),
                    iters * model.input.batch_size / (time.time() - start_time),
                )
            )

    return float(np.exp(costs / iters))


def get_config():
    """Get model config."""
    config = CONFIGS[FLAGS.model]()
    if FLAGS.rnn_driver:
        config.rnn_driver = FLAGS.rnn_driver
    if FLAGS.max_max_epoch is not None:
        config.max_max_epoch = FLAGS.max_max_epoch
    return config


def build_session(config, eval_config, train_data, valid_data, test_data, seed=0):
    """The graph, initialized: ``tf.global_variables_initializer()`` in a new Session."""
    inputs = {
        "Train": PTBInput(config=config, data=train_data, name="TrainInput"),
        "Valid": PTBInput(config=config, data=valid_data, name="ValidInput"),
        "Test": PTBInput(config=eval_config, data=test_data, name="TestInput"),
    }
    graph = build_graph(config, eval_config, inputs)
    variables = jax.jit(graph["Train"].init)(jax.random.key(seed), unfed(inputs["Train"]))
    session = Session(graph, config, inputs, variables, seed)
    models = [Model(name, inputs[name]) for name in ("Train", "Valid", "Test")]
    return session, models


def main(argv=None):
    global FLAGS
    FLAGS = parse_args(argv)
    config = get_config()
    eval_config = get_config()
    eval_config.batch_size = 1
    eval_config.num_steps = 1

    with tempfile.TemporaryDirectory() as tmp:
        data_path = FLAGS.data_path or python_docs_data(tmp, config.vocab_size)
        raw_data = ptb_raw_data(data_path)
    train_data, valid_data, test_data, vocabulary = raw_data
    if vocabulary > config.vocab_size:
        sys.exit(f"{vocabulary} words in the data, more than the config's {config.vocab_size}")
    print(
        f"data: {FLAGS.data_path or 'Python Language Reference (pydoc_data)'}: "
        f"{len(train_data):,} / {len(valid_data):,} / {len(test_data):,} words, "
        f"vocabulary {vocabulary:,}; model {FLAGS.model}, rnn_driver {config.rnn_driver}"
    )

    start = time.time()
    session, (m, mvalid, mtest) = build_session(
        config, eval_config, train_data, valid_data, test_data, seed=FLAGS.seed
    )
    for name, value in session.variables["params"].items():
        print(f"  {name:58s} {list(value.shape)}")
    initial_valid_perplexity = run_epoch(session, mvalid)
    print("Epoch: 0 Valid Perplexity: %.3f (untrained)" % initial_valid_perplexity)
    history = []
    for i in range(config.max_max_epoch):
        lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
        assign_lr(session, config.learning_rate * lr_decay)

        print("Epoch: %d Learning rate: %.3f" % (i + 1, session.variables["state"][LR_VARIABLE]))
        train_perplexity = run_epoch(session, m, eval_op=session.train_op, verbose=True)
        print("Epoch: %d Train Perplexity: %.3f" % (i + 1, train_perplexity))
        valid_perplexity = run_epoch(session, mvalid)
        print("Epoch: %d Valid Perplexity: %.3f" % (i + 1, valid_perplexity))
        history.append({"train": train_perplexity, "valid": valid_perplexity})

    test_perplexity = run_epoch(session, mtest)
    print("Test Perplexity: %.3f" % test_perplexity)
    elapsed = time.time() - start
    print(f"{elapsed:.1f}s, {jax.devices()[0].platform}")

    path = None
    if FLAGS.save_path:
        print("Saving model to %s." % FLAGS.save_path)
        step = int(session.optimizer_state.global_step)
        path = fs.checkpoint.save(FLAGS.save_path, session.checkpoint_variables(), step)
    return {
        "initial_valid": initial_valid_perplexity,
        "epochs": history,
        "test": test_perplexity,
        "seconds": elapsed,
        "session": session,
        "checkpoint": path,
    }


if __name__ == "__main__":
    main()
