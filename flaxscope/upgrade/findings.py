"""Lines the converter cannot port and reports to a person: one table, each entry with
what to do and the section of docs/migration.md that shows how.

Keys of ``CALLS`` are TF1 paths relative to ``tf.`` (a key ending in ``.`` matches every
path below it); ``METHODS`` matches a call of that method on any object.
"""

from __future__ import annotations

from dataclasses import dataclass

from flaxscope.upgrade import report as r


@dataclass(frozen=True)
class Rule:
    kind: str
    message: str
    section: str


_SESSION = Rule(
    "session",
    "a Session runs a graph: build the model in a function, fs.transform it, then "
    "variables = model.init(rng, *inputs) and model.apply(variables, *inputs) under jax.jit",
    r.SESSIONS,
)
_INIT = Rule(
    "initializer",
    "variable initializers run in a session: model.init(rng, *inputs) creates the variables",
    r.SESSIONS,
)
_GRAPH = Rule(
    "graph",
    "every model.init/apply call is a fresh graph: drop the Graph and build in a function",
    r.SESSIONS,
)
_PLACEHOLDER = Rule(
    "placeholder",
    "a placeholder is an argument of the function that builds the model; this one could "
    "not be moved there automatically (no enclosing function; inside a loop, an if or an "
    "expression; or in a function that runs a Session)",
    r.SESSIONS,
)
_GRADIENTS = Rule(
    "gradients",
    "gradients come from jax.grad / jax.value_and_grad of the loss function, outside the "
    "model; the optimizer's update is optimizer.update(grads, opt_state, params)",
    r.OPTIMIZERS,
)
_SAVER = Rule(
    "saver",
    "tf.train.Saver works on a variables tree: fs.train.Saver().save(variables, path) / "
    "restore(variables, path), or fs.checkpoint.save/load_variables",
    r.SAVER,
)
_CONFIG = Rule(
    "config",
    "session configuration becomes JAX's environment variables (XLA_PYTHON_CLIENT_*)",
    r.CONFIG,
)
_PY_FUNC = Rule(
    "py_func",
    "Python inside the graph: tf.py_func runs it on host values, under jit through "
    "jax.pure_callback with the output shapes of a first run on concrete values (init); "
    "check that the model runs once outside jit with the input shapes it gets under jit, "
    "or call jax.pure_callback with the shapes yourself",
    r.LEFT_TO_YOU,
)
_INPUT = Rule(
    "input-pipeline",
    "queues, readers and tf.data build input pipelines inside the graph: read the data "
    "with Python/numpy (or keep tf.data in eager mode and call .as_numpy_iterator()) and "
    "pass the batches as arguments",
    r.LEFT_TO_YOU,
)

CALLS: dict[str, Rule] = {
    "Session": _SESSION,
    "InteractiveSession": _SESSION,
    "train.MonitoredTrainingSession": _SESSION,
    "train.MonitoredSession": _SESSION,
    "train.SingularMonitoredSession": _SESSION,
    "train.Supervisor": _SESSION,
    "global_variables_initializer": _INIT,
    "local_variables_initializer": _INIT,
    "variables_initializer": _INIT,
    "tables_initializer": _INIT,
    "Graph": _GRAPH,
    "get_default_graph": _GRAPH,
    "placeholder": _PLACEHOLDER,
    "placeholder_with_default": _PLACEHOLDER,
    "sparse_placeholder": _PLACEHOLDER,
    "gradients": _GRADIENTS,
    "train.Saver": _SAVER,
    "ConfigProto": _CONFIG,
    "GPUOptions": _CONFIG,
    "py_func": _PY_FUNC,
    "py_function": _PY_FUNC,
    "numpy_function": _PY_FUNC,
    "data.": _INPUT,
    "contrib.data.": _INPUT,
    "train.string_input_producer": _INPUT,
    "train.input_producer": _INPUT,
    "train.slice_input_producer": _INPUT,
    "train.range_input_producer": _INPUT,
    "train.batch": _INPUT,
    "train.shuffle_batch": _INPUT,
    "train.batch_join": _INPUT,
    "train.shuffle_batch_join": _INPUT,
    "train.maybe_batch": _INPUT,
    "train.start_queue_runners": _INPUT,
    "train.Coordinator": _INPUT,
    "train.QueueRunner": _INPUT,
    "train.add_queue_runner": _INPUT,
    "FIFOQueue": _INPUT,
    "RandomShuffleQueue": _INPUT,
    "PaddingFIFOQueue": _INPUT,
    "PriorityQueue": _INPUT,
    "TFRecordReader": _INPUT,
    "TextLineReader": _INPUT,
    "WholeFileReader": _INPUT,
    "FixedLengthRecordReader": _INPUT,
    "parse_example": _INPUT,
    "parse_single_example": _INPUT,
    "decode_raw": _INPUT,
    "read_file": _INPUT,
}

METHODS: dict[str, Rule] = {
    "minimize": _GRADIENTS,
    "compute_gradients": _GRADIENTS,
    "apply_gradients": _GRADIENTS,
}

# TF1 optimizers whose update for an IndexedSlices gradient (an embedding's) leaves the
# rows not looked up alone, where the same step on a dense gradient would move them
SPARSE_LAZY_OPTIMIZERS = frozenset(
    f"train.{name}Optimizer"
    for name in (
        "Momentum",
        "RMSProp",
        "Adadelta",
        "Ftrl",
        "ProximalAdagrad",
        "ProximalGradientDescent",
        "AdagradDA",
    )
)
EMBEDDING_READS = frozenset({"nn.embedding_lookup", "nn.embedding_lookup_sparse"})
SPARSE_UPDATE = Rule(
    "sparse-update",
    "tf.{path} with tf.nn.embedding_lookup: TF1 updates only the embedding rows a batch "
    "looked up (its gradient is an IndexedSlices); jax.grad's dense gradient would move "
    "the other rows too: give optimizer.update the embedding's gradient as "
    "flaxscope.ops.clip.embedding_gradient(...)",
    r.OPTIMIZERS,
)

FEED_DICT = Rule(
    "feed_dict",
    "feed_dict values become the arguments of model.apply (the placeholders' functions "
    "take them as parameters)",
    r.SESSIONS,
)
FETCH = Rule(
    "fetch",
    "sess.run fetches {fetches}: return each fetched tensor from the function you "
    "transform (several: a tuple or dict); a train op is the jitted update step",
    r.OPTIMIZERS,
)
PLACEHOLDER_MOVED = Rule(
    "placeholder-argument",
    "`{name}` is now an argument of {function}(): every caller must pass its value "
    "(was {call})",
    r.SESSIONS,
)
MISSING = Rule("missing", "{message}", r.LEFT_TO_YOU)
NO_EQUIVALENT = Rule(
    "no-equivalent", "tf.{path} has no flaxscope equivalent{note}", r.LEFT_TO_YOU
)
NOT_CONVERTED = Rule("not-converted", "tf.{path}: {note}", r.LEFT_TO_YOU)
CHECK = Rule("check", "tf.{path} converted; check: {note}", r.LEFT_TO_YOU)
TENSOR_ATTRIBUTE = Rule(
    "tensor-attribute",
    "`{expr}`: the value of tf.{path} is a JAX array, which has no .{attr} (no graph, no "
    "op, no session to evaluate it in): use the value itself, or fs.name_of for a "
    "variable's name",
    r.SESSIONS,
)
# attributes of a TF1 tensor (an op's output) that a JAX array lacks
TENSOR_ONLY = frozenset({"name", "op", "graph", "eval", "consumers", "device", "value_index"})
SET_SHAPE = Rule(
    "set_shape",
    "set_shape on an expression that cannot be assigned: JAX arrays have static shapes; "
    "check the shape with tf.ensure_shape where the value is used",
    r.SHAPES,
)
PARSE_ERROR = Rule("parse-error", "{message}", r.UPGRADE)


def call_rule(path: str) -> Rule | None:
    """The report rule for a call of ``tf.<path>``, if any."""
    rule = CALLS.get(path)
    if rule is not None:
        return rule
    for key, rule in CALLS.items():
        if key.endswith(".") and path.startswith(key):
            return rule
    return None
