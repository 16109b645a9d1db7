"""Word-level LSTM language model, TF1 graph code run on JAX by flaxscope.

What it demonstrates: a TF1 program that builds its training model and two evaluation
models on one set of weights (``reuse=True``) runs under flaxscope with its model code
unchanged: only the import becomes ``import flaxscope.compat.v1 as tf``. The model and its
hyperparameters follow Zaremba, Sutskever and Vinyals (2014), "Recurrent Neural Network
Regularization" (arXiv:1409.2329): a word embedding, two stacked LSTM layers with a forget
bias of 0, dropout between layers for the medium and large sizes only, a softmax over the
vocabulary, plain SGD on gradients clipped by their global norm, a learning rate held for
some epochs and then decayed each epoch, and the LSTM state carried from one window of text
to the next. ``--model`` picks the paper's ``small``, ``medium`` or ``large`` size, or
``tiny`` (the small one shrunk to train in about a minute on two CPU cores).

Its TF1 counterpart is tests/data/tf1_ptb_word_lm.py; tests/ports/test_ptb_word_lm.py runs both
and checks that they agree: variable names, costs, states, clipped gradients, SGD steps,
perplexities over whole epochs, and checkpoints either way. Between the ``# --- name ---``
markers, ``data``, ``loss``, ``model`` and ``configs`` are the same text in both files,
and the scope lines of ``graph`` the same lines.

What differs from the TF1 program, and why:
- ``Batch`` holds arrays instead of placeholders, and the state to start from is an
  argument instead of a fed tensor.
- ``build_graph`` makes each model a ``fs.transform``. Train's ``init`` creates the
  variables (TF1's ``global_variables_initializer``); Valid and Test, which reopen
  ``Model`` with ``reuse=True``, are ``variables_exist=True`` transforms: their ``apply``
  finds Train's variables as TF1 found them in the shared graph.
- The training ops leave the graph: ``Session.train_step`` is one jitted function taking
  ``jax.grad`` of Train's cost, clipping the gradients and applying flaxscope's
  ``GradientDescentOptimizer`` (TF1's update and ``global_step``).

Data: the Penn Treebank is not included. Without ``--data_path`` the corpus is written in
PTB's format from the Python Language Reference that ships with CPython
(``pydoc_data.topics``); ``--data_path`` reads Mikolov's PTB files
(``simple-examples/data``).

Run: python examples/ptb_word_lm.py                  (tiny, about a minute on 2 CPUs)
     python examples/ptb_word_lm.py --model small --data_path simple-examples/data/
"""

import argparse
import collections
import dataclasses
import os
import re
import sys
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import flaxscope as fs
import flaxscope.checkpoint
import flaxscope.compat.v1 as tf

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
    """A model's input as arrays: the word ids, the next words and the state to start from
    (``None``: the cell's zero state, as at the start of an epoch)."""

    def __init__(self, config, input_ids, targets, state=None):
        self.batch_size, self.num_steps = config.batch_size, config.num_steps
        self.input_ids, self.targets, self.state = input_ids, targets, state

    def start_state(self, cell):
        if self.state is None:
            return cell.zero_state(self.batch_size, tf.float32)
        return self.state


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
# The training model's learning rate (a tf.Variable: named by the name scope, "Train/") and
# the optimizer's step counter, made in the scope "Model" as TF1's training ops make it.
LR_VARIABLE = "Train/Model/learning_rate"
GLOBAL_STEP = "Model/global_step"
MODELS = ("Train", "Valid", "Test")


def build_graph(config):
    """The three models, each a transform of ``(input_ids, targets, state=None)`` to its
    fetches (``cost``, ``final_state``, ``initial_state``; Train's also ``lr``), all on
    Train's variables; returns ``{name: Transformed}``."""
    initializer = tf.random_uniform_initializer(-config.init_scale, config.init_scale)

    def transform(name, model_config):
        training = name == "Train"
        reuse = None if training else True  # Valid and Test share Train's variables

        def fetches(input_ids, targets, state=None):
            with tf.name_scope(name):
                batch = Batch(model_config, input_ids, targets, state)
                with tf.variable_scope("Model", reuse=reuse, initializer=initializer):
                    model = WordLM(model_config, batch, training)
            out = {"cost": model.cost, "final_state": model.final_state}
            out["initial_state"] = model.initial_state
            if training:
                out["lr"] = model.lr
            return out

        # reuse=True needs the variables made before: with variables_exist, apply's own.
        return fs.transform(fetches, variables_exist=not training)

    configs = {"Train": config, "Valid": config, "Test": eval_config(config)}
    return {name: transform(name, configs[name]) for name in MODELS}


def dummy_batch(config):
    """Word ids of the shape a model of ``config`` takes (for ``init`` and shapes)."""
    ids = np.zeros((config.batch_size, config.num_steps), np.int32)
    return ids, ids


# --- training ---
def clipped_gradients(train_model, config, variables, batch, rng=None):
    """The gradients of Train's cost on ``batch`` (``(input_ids, targets, state)``) with
    respect to ``variables["params"]``, clipped to ``config.max_grad_norm``. Returns
    ``(gradients, norm before clipping, Train's fetches)``."""

    def cost(params):
        out = train_model.apply({**variables, "params": params}, *batch, rng=rng)
        return out["cost"], out

    gradients, out = jax.grad(cost, has_aux=True)(variables["params"])
    names = list(gradients)
    clipped, norm = tf.clip_by_global_norm([gradients[n] for n in names], config.max_grad_norm)
    return dict(zip(names, clipped, strict=True)), norm, out


class Session:
    """What TF1's ``tf.Session`` keeps between runs of the graph: the variables, the
    optimizer's state (its ``global_step``), and each model compiled once.

    ``variables`` is ``{"params": trainable, "state": {LR_VARIABLE: lr}}``; assign it to
    start from other values (a checkpoint, TF1's initial values).
    """

    def __init__(self, config, seed=0):
        self.config = config
        self.graph = build_graph(config)
        self.key = jax.random.key(seed)
        self.variables = jax.jit(self.graph["Train"].init)(self.key, *dummy_batch(config))
        self.sgd_state = tf.train.GradientDescentOptimizer(0.0).init(self.variables["params"])
        self._run = {name: jax.jit(model.apply) for name, model in self.graph.items()}
        self._train_step = jax.jit(self._sgd_step)
        self._zero_states = {}

    @property
    def global_step(self):
        return int(self.sgd_state.global_step)

    def rng(self, name):
        """Train's dropout key for the current step (a new mask every step, as TF1's
        random ops drew anew on every run); the evaluation models draw nothing."""
        return jax.random.fold_in(self.key, self.sgd_state.global_step) if name == "Train" else None

    def run(self, name, input_ids, targets, state):
        """Model ``name``'s fetches on one batch; changes nothing."""
        return self._run[name](self.variables, input_ids, targets, state, rng=self.rng(name))

    def train_step(self, input_ids, targets, state):
        """One SGD step of Train on the batch; returns Train's fetches before the step."""
        batch = (input_ids, targets, state)
        self.variables, self.sgd_state, out = self._train_step(
            self.variables, self.sgd_state, batch, self.rng("Train")
        )
        return out

    def _sgd_step(self, variables, sgd_state, batch, rng):
        gradients, _, out = clipped_gradients(
            self.graph["Train"], self.config, variables, batch, rng
        )
        sgd = tf.train.GradientDescentOptimizer(out["lr"])
        updates, sgd_state = sgd.update(gradients, sgd_state, variables["params"])
        params = optax.apply_updates(variables["params"], updates)
        return {**variables, "params": params}, sgd_state, out

    def set_lr(self, value):
        """TF1's ``session.run(model.set_lr, {model.new_lr: value})``."""
        state = {**self.variables["state"], LR_VARIABLE: jnp.float32(value)}
        self.variables = {**self.variables, "state": state}

    def zero_state(self, name):
        """Model ``name``'s zero LSTM state (what ``session.run(model.initial_state)`` gives)."""
        if name not in self._zero_states:
            model_config = eval_config(self.config) if name == "Test" else self.config
            shapes = jax.eval_shape(
                lambda v: self.graph[name].apply(v, *dummy_batch(model_config), rng=self.key),
                self.variables,
            )["initial_state"]
            self._zero_states[name] = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)
        return self._zero_states[name]

    def checkpoint_variables(self):
        """Every variable of TF1's graph, ``Model/global_step`` included, for a checkpoint."""
        state = {**self.variables["state"], GLOBAL_STEP: self.sgd_state.global_step}
        return {"params": self.variables["params"], "state": state}


def run_epoch(session, name, inputs, targets, train=False):
    """One pass of model ``name`` over the windows, the state carried from window to window;
    an SGD step per window when ``train``. Returns the perplexity, ``exp`` of the mean cost
    per word."""
    state = session.zero_state(name)
    total = 0.0
    for x, y in zip(inputs, targets, strict=True):
        out = session.train_step(x, y, state) if train else session.run(name, x, y, state)
        total += float(out["cost"])
        state = out["final_state"]
    return float(np.exp(total / (len(inputs) * inputs.shape[2])))


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Word-level LSTM language model (Zaremba et al. 2014) on flaxscope.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--model", default="tiny", choices=sorted(CONFIGS), help="model size")
    p.add_argument(
        "--data_path",
        default=None,
        help="directory with ptb.{train,valid,test}.txt; none: written from Python's docs",
    )
    p.add_argument("--save_path", default=None, help="checkpoint prefix to write at the end")
    p.add_argument(
        "--rnn_driver",
        default=None,
        choices=["loop", "static_rnn", "dynamic_rnn"],
        help="how the LSTM is run over time; none: the config's (loop)",
    )
    p.add_argument("--epochs", type=int, default=None, help="epochs; none: the config's")
    p.add_argument("--seed", type=int, default=0, help="initial weights and dropout masks")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    fs.enable_compilation_cache()  # on when $FLAXSCOPE_COMPILATION_CACHE names a directory
    fs.keep_cpu_memory()  # on when $FLAXSCOPE_KEEP_CPU_MEMORY=1
    fs.pin_cpu_threads()  # on when $FLAXSCOPE_PIN_CPU_THREADS=1
    config = CONFIGS[args.model]
    if args.rnn_driver:
        config = dataclasses.replace(config, rnn_driver=args.rnn_driver)
    if args.epochs is not None:
        config = dataclasses.replace(config, epochs=args.epochs)

    with tempfile.TemporaryDirectory() as tmp:
        corpus_dir = args.data_path or python_docs_corpus(tmp, config.vocab_size)
        train_ids, valid_ids, test_ids, vocab_size = load_corpus(corpus_dir)
    if vocab_size > config.vocab_size:
        sys.exit(f"{vocab_size} words in the data, more than the config's {config.vocab_size}")
    data = {
        "Train": windows(train_ids, config.batch_size, config.num_steps),
        "Valid": windows(valid_ids, config.batch_size, config.num_steps),
        "Test": windows(test_ids, 1, 1),
    }
    print(
        f"data: {args.data_path or 'the Python Language Reference (pydoc_data)'}: words "
        f"{len(train_ids):,} train / {len(valid_ids):,} valid / {len(test_ids):,} test, "
        f"vocabulary {vocab_size:,}; model {args.model}, rnn_driver {config.rnn_driver}"
    )

    start = time.time()
    session = Session(config, seed=args.seed)
    for name, value in session.variables["params"].items():
        print(f"  {name:58s} {list(value.shape)}")
    initial_valid = run_epoch(session, "Valid", *data["Valid"])
    print(f"epoch 0: valid perplexity {initial_valid:.2f} (untrained)")
    history = []
    for epoch in range(1, config.epochs + 1):
        lr = learning_rate(config, epoch)
        session.set_lr(lr)
        train_perplexity = run_epoch(session, "Train", *data["Train"], train=True)
        valid_perplexity = run_epoch(session, "Valid", *data["Valid"])
        print(
            f"epoch {epoch}: learning rate {lr:.3f}, train perplexity {train_perplexity:.2f}, "
            f"valid perplexity {valid_perplexity:.2f}"
        )
        history.append({"lr": lr, "train": train_perplexity, "valid": valid_perplexity})
    test_perplexity = run_epoch(session, "Test", *data["Test"])
    elapsed = time.time() - start
    print(f"test perplexity {test_perplexity:.2f} ({elapsed:.1f}s on {jax.devices()[0].platform})")

    checkpoint = None
    if args.save_path:
        checkpoint = fs.checkpoint.save(
            args.save_path, session.checkpoint_variables(), session.global_step
        )
        print(f"saved {checkpoint}")
    return {
        "initial_valid": initial_valid,
        "epochs": history,
        "test": test_perplexity,
        "seconds": elapsed,
        "session": session,
        "checkpoint": checkpoint,
    }


if __name__ == "__main__":
    main()
