"""TensorFlow's PTB word-level LSTM tutorial (``ptb_word_lm.py``), as TF1 graph code.

This is the "before" of examples/ptb_word_lm.py: the model of tensorflow/models'
``tutorials/rnn/ptb/ptb_word_lm.py`` and its ``reader.py`` (the TF 1.2 - 1.4 versions, with
the manual time loop), which trains the "small" model of Zaremba et al. 2014, "Recurrent
Neural Network Regularization" (http://arxiv.org/abs/1409.2329). It runs on TensorFlow 2.x
through ``tf.compat.v1`` with ``tf-keras`` installed (``TF_USE_LEGACY_KERAS=1``), so
``tf.contrib`` is not there; what changed from the tutorial, and only that:

- ``tf.contrib.rnn.*`` cells are their ``tf.nn.rnn_cell.*`` aliases; the
  ``inspect.getargspec`` check for TF 1.0 cells without ``reuse`` is gone (Python 3.11 has
  no ``getargspec``); ``tf.contrib.seq2seq.sequence_loss`` is its TF 1.15 code, below;
  ``tf.contrib.framework.get_or_create_global_step`` is ``tf.train.get_or_create_global_step``;
- flags are ``argparse`` instead of ``tf.flags``; the graph building of ``main()`` is the
  function ``build_graph`` (so tests build the same graph); the progress print tolerates
  epochs of fewer than 10 steps;
- added: ``TinyConfig`` (the default, about a minute on 2 CPU cores), ``rnn_driver`` (the
  tutorial's manual loop, or its ``static_rnn`` alternative, or ``dynamic_rnn``, all in
  scope ``RNN``), and, when no ``--data_path`` is given, a PTB-format corpus written from
  the Python Language Reference that ships with CPython (``pydoc_data.topics``).

Run: python tests/data/tf1_ptb_word_lm.py [--model tiny|small|...] [--data_path DIR]
"""

# The tutorial's own style (`class X(object)`, %-formatting, zip() without strict) is kept,
# so that the TF1 original and its port diff line by line.
# ruff: noqa: UP004, UP031, B905

import argparse
import collections
import os
import re
import sys
import tempfile
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF 2.x: the tf.nn.rnn_cell classes

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402


# --- data ---
def _read_words(filename):
    with tf.gfile.GFile(filename, "r") as f:
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

    This chunks up raw_data into batches of examples and returns Tensors that
    are drawn from these batches.

    Args:
      raw_data: one of the raw data outputs from ptb_raw_data.
      batch_size: int, the batch size.
      num_steps: int, the number of unrolls.
      name: the name of this operation (optional).

    Returns:
      A pair of Tensors, each shaped [batch_size, num_steps]. The second element
      of the tuple is the same data time-shifted to the right by one.

    Raises:
      tf.errors.InvalidArgumentError: if batch_size or num_steps are too high.
    """
    with tf.name_scope(name, "PTBProducer", [raw_data, batch_size, num_steps]):
        raw_data = tf.convert_to_tensor(raw_data, name="raw_data", dtype=tf.int32)

        data_len = tf.size(raw_data)
        batch_len = data_len // batch_size
        data = tf.reshape(raw_data[0 : batch_size * batch_len], [batch_size, batch_len])

        epoch_size = (batch_len - 1) // num_steps
        assertion = tf.assert_positive(
            epoch_size, message="epoch_size == 0, decrease batch_size or num_steps"
        )
        with tf.control_dependencies([assertion]):
            epoch_size = tf.identity(epoch_size, name="epoch_size")

        i = tf.train.range_input_producer(epoch_size, shuffle=False).dequeue()
        x = tf.strided_slice(data, [0, i * num_steps], [batch_size, (i + 1) * num_steps])
        x.set_shape([batch_size, num_steps])
        y = tf.strided_slice(data, [0, i * num_steps + 1], [batch_size, (i + 1) * num_steps + 1])
        y.set_shape([batch_size, num_steps])
        return x, y


class PTBInput(object):
    """The input data."""

    def __init__(self, config, data, name=None):
        self.batch_size = batch_size = config.batch_size
        self.num_steps = num_steps = config.num_steps
        self.epoch_size = ((len(data) // batch_size) - 1) // num_steps
        self.input_data, self.targets = ptb_producer(data, batch_size, num_steps, name=name)


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
    """``tf.contrib.seq2seq.sequence_loss`` (TF 1.15), which TF 2.x no longer ships.

    Weighted cross-entropy loss for a sequence of logits: ``logits`` [batch_size,
    sequence_length, num_decoder_symbols], ``targets`` int [batch_size, sequence_length],
    ``weights`` [batch_size, sequence_length]. Averaged (weighted) over the time steps and/or
    the batch as asked; a scalar when both, [batch_size] or [sequence_length] when one.
    """
    if len(logits.get_shape()) != 3:
        raise ValueError("Logits must be a [batch_size x sequence_length x logits] tensor")
    if len(targets.get_shape()) != 2:
        raise ValueError("Targets must be a [batch_size x sequence_length] tensor")
    if len(weights.get_shape()) != 2:
        raise ValueError("Weights must be a [batch_size x sequence_length] tensor")
    with tf.name_scope(name, "sequence_loss", [logits, targets, weights]):
        num_classes = tf.shape(logits)[2]
        logits_flat = tf.reshape(logits, [-1, num_classes])
        targets = tf.reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=targets, logits=logits_flat
            )
        else:
            crossent = softmax_loss_function(labels=targets, logits=logits_flat)
        crossent *= tf.reshape(weights, [-1])
        if average_across_timesteps and average_across_batch:
            crossent = tf.reduce_sum(crossent)
            total_size = tf.reduce_sum(weights)
            crossent = tf.div_no_nan(crossent, total_size)
        else:
            batch_size = tf.shape(logits)[0]
            sequence_length = tf.shape(logits)[1]
            crossent = tf.reshape(crossent, [batch_size, sequence_length])
        if average_across_timesteps and not average_across_batch:
            crossent = tf.reduce_sum(crossent, axis=[1])
            total_size = tf.reduce_sum(weights, axis=[1])
            crossent = tf.div_no_nan(crossent, total_size)
        if not average_across_timesteps and average_across_batch:
            crossent = tf.reduce_sum(crossent, axis=[0])
            total_size = tf.reduce_sum(weights, axis=[0])
            crossent = tf.div_no_nan(crossent, total_size)
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
            inputs = tf.nn.embedding_lookup(embedding, input_.input_data)

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
        state = self._initial_state
        if config.rnn_driver == "static_rnn":  # that alternative, in scope RNN: same names
            inputs = tf.unstack(inputs, num=num_steps, axis=1)
            outputs, state = tf.nn.static_rnn(cell, inputs, initial_state=state, scope="RNN")
        elif config.rnn_driver == "dynamic_rnn":  # one while loop, same names again
            outputs, state = tf.nn.dynamic_rnn(cell, inputs, initial_state=state, scope="RNN")
            outputs = tf.unstack(outputs, num=num_steps, axis=1)
        else:
            with tf.variable_scope("RNN"):
                for time_step in range(num_steps):
                    if time_step > 0:
                        tf.get_variable_scope().reuse_variables()
                    (cell_output, state) = cell(inputs[:, time_step, :], state)
                    outputs.append(cell_output)

        output = tf.reshape(tf.stack(axis=1, values=outputs), [-1, size])
        softmax_w = tf.get_variable("softmax_w", [size, vocab_size], dtype=data_type())
        softmax_b = tf.get_variable("softmax_b", [vocab_size], dtype=data_type())
        logits = tf.matmul(output, softmax_w) + softmax_b

        # Reshape logits to be 3-D tensor for sequence loss
        logits = tf.reshape(logits, [batch_size, num_steps, vocab_size])

        # use the contrib sequence loss and average over the batches
        loss = sequence_loss(
            logits,
            input_.targets,
            tf.ones([batch_size, num_steps], dtype=data_type()),
            average_across_timesteps=False,
            average_across_batch=True,
        )

        # update the cost variables
        self._cost = cost = tf.reduce_sum(loss)
        self._final_state = state

        if not is_training:
            return

        self._lr = tf.Variable(0.0, trainable=False)
        tvars = tf.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf.gradients(cost, tvars), config.max_grad_norm)
        optimizer = tf.train.GradientDescentOptimizer(self._lr)
        self._train_op = optimizer.apply_gradients(
            zip(grads, tvars), global_step=tf.train.get_or_create_global_step()
        )

        self._new_lr = tf.placeholder(tf.float32, shape=[], name="new_learning_rate")
        self._lr_update = tf.assign(self._lr, self._new_lr)

    def assign_lr(self, session, lr_value):
        session.run(self._lr_update, feed_dict={self._new_lr: lr_value})

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

    @property
    def train_op(self):
        return self._train_op


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
    p = argparse.ArgumentParser(description="PTB word-level LSTM language model (TF1).")
    p.add_argument("--model", default="tiny", choices=sorted(CONFIGS), help="config")
    p.add_argument("--data_path", default=None, help="directory of ptb.{train,valid,test}.txt")
    p.add_argument("--save_path", default=None, help="model output directory")
    p.add_argument("--use_fp16", action="store_true", help="train in float16")
    p.add_argument("--rnn_driver", default=None, choices=["loop", "static_rnn", "dynamic_rnn"])
    p.add_argument("--max_max_epoch", type=int, default=None, help="override the config's")
    return p.parse_args(argv)


FLAGS = parse_args([])


def run_epoch(session, model, eval_op=None, verbose=False):
    """Runs the model on the given data."""
    start_time = time.time()
    costs = 0.0
    iters = 0
    state = session.run(model.initial_state)

    fetches = {
        "cost": model.cost,
        "final_state": model.final_state,
    }
    if eval_op is not None:
        fetches["eval_op"] = eval_op

    for step in range(model.input.epoch_size):
        feed_dict = {}
        for i, (c, h) in enumerate(model.initial_state):
            feed_dict[c] = state[i].c
            feed_dict[h] = state[i].h

        vals = session.run(fetches, feed_dict)
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

    return np.exp(costs / iters)


def get_config():
    """Get model config."""
    config = CONFIGS[FLAGS.model]()
    if FLAGS.rnn_driver:
        config.rnn_driver = FLAGS.rnn_driver
    if FLAGS.max_max_epoch is not None:
        config.max_max_epoch = FLAGS.max_max_epoch
    return config


def build_graph(config, eval_config, train_data, valid_data, test_data):
    """The three models of main()'s graph, on one set of variables: (train, valid, test)."""
    initializer = tf.random_uniform_initializer(-config.init_scale, config.init_scale)

    with tf.name_scope("Train"):
        train_input = PTBInput(config=config, data=train_data, name="TrainInput")
        with tf.variable_scope("Model", reuse=None, initializer=initializer):
            m = PTBModel(is_training=True, config=config, input_=train_input)
        tf.summary.scalar("Training Loss", m.cost)
        tf.summary.scalar("Learning Rate", m.lr)

    with tf.name_scope("Valid"):
        valid_input = PTBInput(config=config, data=valid_data, name="ValidInput")
        with tf.variable_scope("Model", reuse=True, initializer=initializer):
            mvalid = PTBModel(is_training=False, config=config, input_=valid_input)
        tf.summary.scalar("Validation Loss", mvalid.cost)

    with tf.name_scope("Test"):
        test_input = PTBInput(config=eval_config, data=test_data, name="TestInput")
        with tf.variable_scope("Model", reuse=True, initializer=initializer):
            mtest = PTBModel(is_training=False, config=eval_config, input_=test_input)

    return m, mvalid, mtest


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

    with tf.Graph().as_default():
        m, mvalid, mtest = build_graph(config, eval_config, train_data, valid_data, test_data)

        sv = tf.train.Supervisor(logdir=FLAGS.save_path)
        with sv.managed_session() as session:
            for i in range(config.max_max_epoch):
                lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
                m.assign_lr(session, config.learning_rate * lr_decay)

                print("Epoch: %d Learning rate: %.3f" % (i + 1, session.run(m.lr)))
                train_perplexity = run_epoch(session, m, eval_op=m.train_op, verbose=True)
                print("Epoch: %d Train Perplexity: %.3f" % (i + 1, train_perplexity))
                valid_perplexity = run_epoch(session, mvalid)
                print("Epoch: %d Valid Perplexity: %.3f" % (i + 1, valid_perplexity))

            test_perplexity = run_epoch(session, mtest)
            print("Test Perplexity: %.3f" % test_perplexity)

            if FLAGS.save_path:
                print("Saving model to %s." % FLAGS.save_path)
                sv.saver.save(session, FLAGS.save_path, global_step=sv.global_step)
    return {"train": train_perplexity, "valid": valid_perplexity, "test": test_perplexity}


if __name__ == "__main__":
    main()
