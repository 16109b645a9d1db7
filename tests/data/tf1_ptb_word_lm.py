"""A word-level LSTM language model in TensorFlow 1 graph mode: the reference run of
examples/ptb_word_lm.py.

The project wrote this program, in ``tf.compat.v1``, to have a TF1 model of the kind the
port reproduces: the Penn Treebank language model of Zaremba, Sutskever and Vinyals (2014),
"Recurrent Neural Network Regularization" (arXiv:1409.2329), in their small, medium and
large sizes. One default graph holds three models: ``Train`` creates the variables under
``variable_scope("Model")``; ``Valid`` and ``Test`` (the latter one word at a time) reopen
that scope with ``reuse=True``. The batches and the LSTM state go in through ``feed_dict``,
so the state of one batch starts the next.

tests/ports/test_ptb_word_lm.py builds this graph and the port's, side by side. The sections
between the ``# --- name ---`` markers are compared with the port's: ``data``, ``loss``,
``model`` and ``configs`` are the same text, and the scope lines of ``graph`` the same
lines.
"""

import argparse
import collections
import dataclasses
import os
import re

import numpy as np
import tensorflow.compat.v1 as tf

# --- data ---
END_OF_SENTENCE = "<eos>"


def read_words(path):
    """The words of a PTB-format text file, ``END_OF_SENTENCE`` after each line's."""
    with open(path, encoding="utf-8") as f:
        return [word for line in f for word in [*line.split(), END_OF_SENTENCE]]


def vocabulary(words):
    """Ids for ``words``: 0 for the most frequent, words equally frequent in alphabetical order."""
    counts = collections.Counter(words)
    return {word: i for i, word in enumerate(sorted(counts, key=lambda w: (-counts[w], w)))}


def load_corpus(data_dir):
    """``(train, valid, test, vocab_size)`` from ``ptb.{train,valid,test}.txt`` in
    ``data_dir``: three lists of word ids over the training split's vocabulary (a word the
    training split lacks is left out)."""
    splits = [
        read_words(os.path.join(data_dir, f"ptb.{s}.txt")) for s in ("train", "valid", "test")
    ]
    ids = vocabulary(splits[0])
    train, valid, test = ([ids[w] for w in words if w in ids] for words in splits)
    return train, valid, test, len(ids)


def python_docs_corpus(out_dir, vocab_size=10000):
    """Writes ``ptb.{train,valid,test}.txt`` to ``out_dir`` and returns ``out_dir``.

    The Penn Treebank is not redistributable; CPython ships its Language Reference as
    ``pydoc_data.topics`` (about 70,000 words). Its sentences are written the way
    Mikolov's PTB files are: lowercase words between spaces, a sentence per line, every
    number ``N``, and the rarest words ``<unk>`` so that ``vocab_size`` words remain,
    ``<eos>`` included. The first 80% of the sentences train, the next 10% validate.
    """
    try:
        from pydoc_data.topics import topics
    except ImportError:  # CPython built without it: a few standard modules' docstrings
        topics = {m.__name__: m.__doc__ or "" for m in (argparse, collections, re, dataclasses)}
    sentences = []
    for key in sorted(topics):
        for paragraph in re.split(r"\n\s*\n", topics[key]):
            flat = " ".join(paragraph.split()).lower()
            for sentence in re.split(r"(?<=[.!?])\s+", flat):
                tokens = re.findall(r"[a-z]+(?:'[a-z]+)?|[0-9]+", sentence)
                if len(tokens) >= 3:
                    sentences.append(["N" if t[0].isdigit() else t for t in tokens])
    counts = collections.Counter(t for s in sentences for t in s)
    common = set(sorted(counts, key=lambda t: (-counts[t], t))[: vocab_size - 2])
    text = [" ".join(t if t in common else "<unk>" for t in s) for s in sentences]
    cut_valid, cut_test = int(0.8 * len(text)), int(0.9 * len(text))
    os.makedirs(out_dir, exist_ok=True)
    for split, part in (
        ("train", text[:cut_valid]),
        ("valid", text[cut_valid:cut_test]),
        ("test", text[cut_test:]),
    ):
        with open(os.path.join(out_dir, f"ptb.{split}.txt"), "w", encoding="utf-8") as f:
            f.write("".join(f" {line} \n" for line in part))
    return out_dir


def windows(ids, batch_size, num_steps):
    """Cuts a stream of word ids into an epoch of ``[batch_size, num_steps]`` windows.

    The stream is laid out as ``batch_size`` rows, each a contiguous stretch of it; window
    ``i`` is columns ``i * num_steps`` to ``(i + 1) * num_steps`` of every row, so row ``r``
    of window ``i + 1`` continues row ``r`` of window ``i`` (the LSTM state carries over).
    Returns ``(inputs, targets)``, each ``[epoch_size, batch_size, num_steps]`` int32, the
    targets being the inputs one word later.
    """
    row_length = len(ids) // batch_size
    epoch_size = (row_length - 1) // num_steps
    if epoch_size < 1:
        raise ValueError(
            f"{len(ids)} words make no window of batch_size={batch_size} x "
            f"num_steps={num_steps}: give more data or a smaller batch_size/num_steps"
        )
    rows = np.asarray(ids[: batch_size * row_length], np.int32).reshape(batch_size, row_length)
    used = epoch_size * num_steps

    def cut(columns):
        return columns.reshape(batch_size, epoch_size, num_steps).transpose(1, 0, 2)

    return cut(rows[:, :used]), cut(rows[:, 1 : used + 1])


# --- inputs ---
class Batch:
    """A model's input in the graph: placeholders for the word ids and the next words. The
    state the model starts from is the cell's zero state, which ``run_epoch`` feeds with
    the previous batch's final state."""

    def __init__(self, config):
        self.batch_size, self.num_steps = config.batch_size, config.num_steps
        shape = [self.batch_size, self.num_steps]
        self.input_ids = tf.placeholder(tf.int32, shape, name="input_ids")
        self.targets = tf.placeholder(tf.int32, shape, name="targets")

    def start_state(self, cell):
        return cell.zero_state(self.batch_size, tf.float32)


# --- loss ---
def batch_cost(logits, targets):
    """Cross-entropy of each next word, summed over the time steps, averaged over the rows."""
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
    return tf.reduce_mean(tf.reduce_sum(losses, axis=1))


# --- model ---
def unroll(cell, inputs, state, driver, num_steps):
    """Runs ``cell`` over the time axis of ``inputs`` ``[batch, steps, size]`` in scope
    ``RNN``; returns the outputs ``[batch, steps, size]`` and the final state.

    ``driver`` "loop" calls the cell step by step, turning on reuse after the first step
    so every step uses the first step's variables; "static_rnn" and "dynamic_rnn" leave
    the loop to TF. All three name the variables alike.
    """
    if driver == "dynamic_rnn":
        return tf.nn.dynamic_rnn(cell, inputs, initial_state=state, scope="RNN")
    steps = [inputs[:, t, :] for t in range(num_steps)]
    if driver == "static_rnn":
        outputs, state = tf.nn.static_rnn(cell, steps, initial_state=state, scope="RNN")
    else:
        outputs = []
        with tf.variable_scope("RNN"):
            for t, x in enumerate(steps):
                if t > 0:
                    tf.get_variable_scope().reuse_variables()
                output, state = cell(x, state)
                outputs.append(output)
    return tf.stack(outputs, axis=1), state


class WordLM:
    """Word embedding, ``num_layers`` stacked LSTMs, a softmax over the vocabulary.

    Built in the variable scope of the caller. ``training`` adds dropout (when
    ``keep_prob < 1``: on the embedded words and on each layer's outputs) and the learning
    rate variable ``lr``. ``cost`` is ``batch_cost`` of the batch; ``final_state`` is
    what the next batch starts from.
    """

    def __init__(self, config, batch, training):
        size, vocab_size = config.hidden_size, config.vocab_size
        dropout = training and config.keep_prob < 1
        self.batch = batch
        embedding = tf.get_variable("embedding", [vocab_size, size], dtype=tf.float32)
        inputs = tf.gather(embedding, batch.input_ids)
        if dropout:
            inputs = tf.nn.dropout(inputs, rate=1 - config.keep_prob)
        layers = []
        for _ in range(config.num_layers):
            layer = tf.nn.rnn_cell.BasicLSTMCell(size, forget_bias=0.0)
            if dropout:
                layer = tf.nn.rnn_cell.DropoutWrapper(layer, output_keep_prob=config.keep_prob)
            layers.append(layer)
        cell = tf.nn.rnn_cell.MultiRNNCell(layers, state_is_tuple=True)
        self.initial_state = batch.start_state(cell)
        outputs, self.final_state = unroll(
            cell, inputs, self.initial_state, config.rnn_driver, batch.num_steps
        )
        softmax_w = tf.get_variable("softmax_w", [size, vocab_size], dtype=tf.float32)
        softmax_b = tf.get_variable("softmax_b", [vocab_size], dtype=tf.float32)
        logits = tf.matmul(tf.reshape(outputs, [-1, size]), softmax_w) + softmax_b
        logits = tf.reshape(logits, [batch.batch_size, batch.num_steps, vocab_size])
        self.cost = batch_cost(logits, batch.targets)
        if training:
            self.lr = tf.Variable(0.0, trainable=False, name="learning_rate")


# --- configs ---
@dataclasses.dataclass(frozen=True)
class Config:
    """One model size. The defaults are the paper's small model."""

    init_scale: float = 0.1  # every weight starts uniform in [-init_scale, init_scale]
    learning_rate: float = 1.0
    max_grad_norm: float = 5.0  # the gradients' global norm is clipped to this
    num_layers: int = 2
    num_steps: int = 20  # words per window: how far back the gradient flows
    hidden_size: int = 200
    full_lr_epochs: int = 4  # epochs at learning_rate; then it decays by lr_decay per epoch
    epochs: int = 13
    keep_prob: float = 1.0  # 1 - dropout rate, training only
    lr_decay: float = 0.5
    batch_size: int = 20
    vocab_size: int = 10000
    rnn_driver: str = "loop"  # "loop", "static_rnn" or "dynamic_rnn"


CONFIGS = {
    "small": Config(),
    "medium": Config(
        init_scale=0.05,
        num_steps=35,
        hidden_size=650,
        full_lr_epochs=6,
        epochs=39,
        keep_prob=0.5,
        lr_decay=0.8,
    ),
    "large": Config(
        init_scale=0.04,
        max_grad_norm=10.0,
        num_steps=35,
        hidden_size=1500,
        full_lr_epochs=14,
        epochs=55,
        keep_prob=0.35,
        lr_decay=1 / 1.15,
    ),
    # The small model shrunk to train in about a minute on two CPU cores.
    "tiny": Config(hidden_size=128, vocab_size=2000, epochs=6),
}


def learning_rate(config, epoch):
    """The learning rate of ``epoch`` (counted from 1)."""
    return config.learning_rate * config.lr_decay ** max(epoch - config.full_lr_epochs, 0)


def eval_config(config):
    """The test model's config: one word at a time."""
    return dataclasses.replace(config, batch_size=1, num_steps=1)


# --- graph ---
def add_training_ops(model, config):
    """SGD on ``model.cost`` with the gradients clipped to ``max_grad_norm``, counting
    ``global_step``; ``model.set_lr`` assigns the ``model.new_lr`` placeholder to ``lr``."""
    weights = tf.trainable_variables()
    gradients = tf.gradients(model.cost, weights)
    clipped, model.grad_norm = tf.clip_by_global_norm(gradients, config.max_grad_norm)
    step = tf.train.get_or_create_global_step()
    sgd = tf.train.GradientDescentOptimizer(model.lr)
    model.train_op = sgd.apply_gradients(list(zip(clipped, weights, strict=True)), global_step=step)
    model.new_lr = tf.placeholder(tf.float32, [], name="new_lr")
    model.set_lr = tf.assign(model.lr, model.new_lr)


def build_graph(config):
    """Builds Train, Valid and Test in the default graph, one set of variables for the
    three; returns ``{name: WordLM}``. Train also gets its training ops."""
    initializer = tf.random_uniform_initializer(-config.init_scale, config.init_scale)
    models = {}
    for name, model_config in (("Train", config), ("Valid", config), ("Test", eval_config(config))):
        training = name == "Train"
        reuse = None if training else True  # Valid and Test share Train's variables
        with tf.name_scope(name):
            batch = Batch(model_config)
            with tf.variable_scope("Model", reuse=reuse, initializer=initializer):
                model = WordLM(model_config, batch, training)
                if training:
                    add_training_ops(model, model_config)
        models[name] = model
    return models


# --- training ---
def run_epoch(session, model, inputs, targets, train=False):
    """One pass over the windows, the state carried from window to window; an SGD step per
    window when ``train``. Returns the perplexity, ``exp`` of the mean cost per word."""
    fetches = {"cost": model.cost, "state": model.final_state}
    if train:
        fetches["step"] = model.train_op
    state = session.run(model.initial_state)
    total = 0.0
    for x, y in zip(inputs, targets, strict=True):
        feed = {model.batch.input_ids: x, model.batch.targets: y}
        feed.update(zip(tf.nest.flatten(model.initial_state), tf.nest.flatten(state), strict=True))
        result = session.run(fetches, feed)
        total += result["cost"]
        state = result["state"]
    return float(np.exp(total / (len(inputs) * model.batch.num_steps)))


def train(config, corpus, seed=0):
    """Trains for ``config.epochs`` epochs in a new graph; returns the perplexities."""
    test_config = eval_config(config)
    data = {
        "Train": windows(corpus[0], config.batch_size, config.num_steps),
        "Valid": windows(corpus[1], config.batch_size, config.num_steps),
        "Test": windows(corpus[2], test_config.batch_size, test_config.num_steps),
    }
    history = []
    with tf.Graph().as_default():
        tf.set_random_seed(seed)
        models = build_graph(config)
        with tf.Session() as session:
            session.run(tf.global_variables_initializer())
            m = models["Train"]
            for epoch in range(1, config.epochs + 1):
                session.run(m.set_lr, {m.new_lr: learning_rate(config, epoch)})
                history.append(
                    {
                        "train": run_epoch(session, m, *data["Train"], train=True),
                        "valid": run_epoch(session, models["Valid"], *data["Valid"]),
                    }
                )
            test = run_epoch(session, models["Test"], *data["Test"])
    return {"epochs": history, "test": test}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="tiny", choices=sorted(CONFIGS))
    parser.add_argument("--data_path", default=None, help="PTB's simple-examples/data")
    args = parser.parse_args()
    chosen = CONFIGS[args.model]
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = args.data_path or python_docs_corpus(tmp, chosen.vocab_size)
        print(train(chosen, load_corpus(path)[:3]))
