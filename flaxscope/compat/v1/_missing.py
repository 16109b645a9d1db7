"""What to say when TF1 code asks for a ``tf.`` symbol flaxscope does not provide.

Most such symbols belong to TF1's graph-and-session machinery (placeholders, sessions,
queues, graph objects), its input pipelines or its file and flag utilities, none of which
a JAX program needs: the message says what replaces each. Ops that are simply not there
yet get the generic advice (``jax.numpy``/``jax.lax``).
"""

from __future__ import annotations

_NO_SESSION = (
    "there is no session: fs.transform(fn).init(rng, ...) builds the variables and "
    "jax.jit(fs.transform(fn).apply)(variables, ...) runs the graph (docs/migration.md, "
    "section 2)"
)
_NO_GRAPH = (
    "there is no graph object: each init/apply call is its own graph, and "
    "fs.reset_default_graph() / fs.default_variables() stand for the default graph "
    "outside transform"
)
_NO_QUEUES = (
    "TF1's queues and queue runners have no JAX counterpart: produce the batches in "
    "Python (NumPy, or a tf.data/grain pipeline outside the model) and pass each batch to "
    "apply"
)
_INPUT_PIPELINE = (
    "input pipelines stay outside the model: build batches with NumPy (or run tf.data "
    "from TensorFlow itself, then .numpy()), and pass them as arguments to init/apply"
)
_NO_CONFIG = (
    "there is no session to configure: JAX picks devices itself; GPU memory is set with "
    "XLA_PYTHON_CLIENT_MEM_FRACTION / XLA_PYTHON_CLIENT_PREALLOCATE (docs/migration.md, "
    "section 5)"
)
_NO_SPARSE = (
    "of the sparse ops only tf.SparseTensor, tf.sparse.to_dense (tf.sparse_tensor_to_dense), "
    "tf.sparse_to_dense, tf.sparse.from_dense, tf.sparse.add, tf.sparse.reshape, "
    "tf.sparse.retain and tf.sparse.softmax exist: densify, and use the dense ops "
    "(or jax.experimental.sparse.BCOO)"
)
_INITIALIZER = "init does this: variables = fs.transform(fn).init(rng, ...)"
_HOOKS = (
    "write the training loop in Python: a jitted step function, with saving "
    "(fs.train.Saver / flaxscope.checkpoint) and logging called between steps"
)

# TF1 path (without "tf.") -> what to write instead.
_IMAGE_FILES = (
    "image files are bytes, not arrays: decode or encode them on the host before apply "
    "(e.g. PIL.Image / imageio into a numpy array), then pass the array"
)

HINTS: dict[str, str] = {
    # placeholders and feeding
    "placeholder": (
        "there are no placeholders: make the value an argument of the function you "
        "transform, and pass it to init/apply (docs/migration.md, section 2)"
    ),
    "placeholder_with_default": (
        "make the value an argument of the transformed function with a Python default"
    ),
    "sparse_placeholder": (
        "there are no placeholders (nor sparse tensors): pass dense arrays (or indices and "
        "values) as arguments of the transformed function"
    ),
    # sessions
    "Session": _NO_SESSION,
    "InteractiveSession": _NO_SESSION,
    "get_default_session": _NO_SESSION,
    "train.MonitoredTrainingSession": _NO_SESSION + "; " + _HOOKS,
    "train.MonitoredSession": _NO_SESSION + "; " + _HOOKS,
    "train.SingularMonitoredSession": _NO_SESSION + "; " + _HOOKS,
    "train.Supervisor": _NO_SESSION + "; " + _HOOKS,
    "train.Scaffold": _HOOKS,
    "train.SessionRunHook": _HOOKS,
    "train.SessionRunArgs": _HOOKS,
    "train.CheckpointSaverHook": _HOOKS,
    "train.StopAtStepHook": _HOOKS,
    "train.LoggingTensorHook": _HOOKS,
    "train.SummarySaverHook": _HOOKS,
    "train.NanTensorHook": _HOOKS,
    "train.GlobalStepWaiterHook": _HOOKS,
    "ConfigProto": _NO_CONFIG,
    "GPUOptions": _NO_CONFIG,
    "RunOptions": "there is no session run to trace: use jax.profiler (or jax.jit's lower().as_text())",
    "RunMetadata": "there is no session run to trace: use jax.profiler",
    # initialization
    "global_variables_initializer": _INITIALIZER,
    "initialize_all_variables": _INITIALIZER,
    "local_variables_initializer": _INITIALIZER,
    "initialize_local_variables": _INITIALIZER,
    "variables_initializer": _INITIALIZER,
    "tables_initializer": "there are no lookup tables: map strings to ids in Python before apply",
    "report_uninitialized_variables": "there are no uninitialized variables: init creates them all",
    # the graph
    "get_default_graph": _NO_GRAPH,
    "Graph": _NO_GRAPH,
    "GraphDef": _NO_GRAPH,
    "NodeDef": _NO_GRAPH,
    "import_graph_def": _NO_GRAPH + "; port the model's code, or load its checkpoint",
    "train.import_meta_graph": (
        "a meta graph cannot run on JAX: rebuild the model from its Python code and load "
        "the checkpoint (flaxscope.checkpoint.load_variables)"
    ),
    "train.export_meta_graph": "there is no graph to export: save the variables with fs.train.Saver",
    "train.write_graph": "there is no graph to write: jax.jit(f).lower(...).as_text() shows the program",
    "container": _NO_GRAPH,
    "register_tensor_conversion_function": (
        "values are JAX arrays: convert your objects with jnp.asarray before calling ops"
    ),
    "executing_eagerly": (
        "flaxscope code runs eagerly outside fs.transform and is traced inside it; use "
        "isinstance(x, jax.core.Tracer) if a branch really depends on it"
    ),
    "enable_eager_execution": "not needed: flaxscope code outside fs.transform already runs eagerly",
    "disable_eager_execution": "not needed: put the graph-building code in a function for fs.transform",
    "disable_v2_behavior": "not needed with flaxscope: delete the call",
    "enable_v2_behavior": "not needed with flaxscope: delete the call",
    "gradients": (
        "take gradients of the transformed function with jax.grad(lambda params: "
        "loss(apply({'params': params}, ...))); for a gradient with respect to a tensor "
        "inside the model (a WGAN-GP penalty, DDPG's dQ/da), call jax.grad inside the "
        "model on a function that rebuilds the network under tf.variable_scope(..., "
        "reuse=True) from that tensor"
    ),
    "hessians": "use jax.hessian on the transformed function",
    "Print": "use jax.debug.print('{x}', x=x) (works under jit)",
    # queues and input producers
    "FIFOQueue": _NO_QUEUES,
    "RandomShuffleQueue": _NO_QUEUES,
    "PaddingFIFOQueue": _NO_QUEUES,
    "PriorityQueue": _NO_QUEUES,
    "QueueBase": _NO_QUEUES,
    "train.start_queue_runners": _NO_QUEUES,
    "train.QueueRunner": _NO_QUEUES,
    "train.Coordinator": _NO_QUEUES,
    "train.batch": _NO_QUEUES,
    "train.batch_join": _NO_QUEUES,
    "train.shuffle_batch": _NO_QUEUES,
    "train.shuffle_batch_join": _NO_QUEUES,
    "train.string_input_producer": _NO_QUEUES,
    "train.slice_input_producer": _NO_QUEUES,
    "train.range_input_producer": _NO_QUEUES,
    "train.input_producer": _NO_QUEUES,
    "TFRecordReader": _INPUT_PIPELINE,
    "WholeFileReader": _INPUT_PIPELINE,
    "TextLineReader": _INPUT_PIPELINE,
    "FixedLengthRecordReader": _INPUT_PIPELINE,
    "read_file": _INPUT_PIPELINE,
    "decode_raw": _INPUT_PIPELINE + " (np.frombuffer decodes raw bytes)",
    "decode_base64": _INPUT_PIPELINE,
    "encode_base64": _INPUT_PIPELINE,
    "parse_single_example": _INPUT_PIPELINE,
    "parse_example": _INPUT_PIPELINE,
    "FixedLenFeature": _INPUT_PIPELINE,
    "VarLenFeature": _INPUT_PIPELINE,
    "FixedLenSequenceFeature": _INPUT_PIPELINE,
    "string_split": "strings are not JAX values: split them in Python before apply",
    "train.Example": _INPUT_PIPELINE,
    "train.Features": _INPUT_PIPELINE,
    "train.Feature": _INPUT_PIPELINE,
    "train.Int64List": _INPUT_PIPELINE,
    "train.FloatList": _INPUT_PIPELINE,
    "train.BytesList": _INPUT_PIPELINE,
    # tensor types and shape spellings
    "py_function": (
        "use tf.py_func, whose function gets NumPy arrays rather than eager tensors "
        "(x.numpy() becomes x) and has no gradient"
    ),
    "SparseTensorValue": "write tf.SparseTensor(indices, values, dense_shape)",
    "sparse_concat": _NO_SPARSE,
    "sparse_reduce_sum": _NO_SPARSE,
    "sparse_reorder": _NO_SPARSE,
    "sparse_slice": _NO_SPARSE,
    "sparse_split": _NO_SPARSE,
    "sparse_transpose": _NO_SPARSE,
    "sparse_mask": _NO_SPARSE,
    "sparse_fill_empty_rows": _NO_SPARSE,
    "sparse_matmul": _NO_SPARSE,
    "sparse_segment_sum": _NO_SPARSE,
    "sparse_segment_mean": _NO_SPARSE,
    "sparse_segment_sqrt_n": _NO_SPARSE,
    "get_shape": (
        "x.get_shape() is a tensor method in TF1: write tf.TensorShape(x.shape) "
        "(docs/migration.md, 'Shapes: get_shape, as_list, set_shape')"
    ),
    "set_shape": "x.set_shape(s) becomes x = tf.ensure_shape(x, s)",
    "concat_v2": "write tf.concat(values, axis)",
    # image files are bytes, not arrays: decode and encode them on the host
    "image.decode_image": _IMAGE_FILES,
    "image.decode_png": _IMAGE_FILES,
    "image.decode_jpeg": _IMAGE_FILES,
    "image.decode_bmp": _IMAGE_FILES,
    "image.decode_gif": _IMAGE_FILES,
    "image.encode_png": _IMAGE_FILES,
    "image.encode_jpeg": _IMAGE_FILES,
}

# Whole TF1 namespaces with no counterpart: the advice for every symbol under them.
NAMESPACE_HINTS: dict[str, str] = {
    "data": _INPUT_PIPELINE,
    "python_io": _INPUT_PIPELINE,
    "io": _INPUT_PIPELINE,
    "estimator": (
        "estimators are a session driver: call fs.transform(model_fn) and write the "
        "train/eval loop with jax.jit, an optimizer from flaxscope.train and fs.train.Saver"
    ),
    "contrib.seq2seq": (
        "flaxscope's tf.contrib.seq2seq has sequence_loss and tile_batch only: write the "
        "decoder loop with a cell called step by step (examples/seq2seq_shared_embedding.py)"
    ),
    "contrib.legacy_seq2seq": (
        "flaxscope's tf.contrib.legacy_seq2seq has the sequence losses only: write the "
        "decoder loop with a cell called step by step (examples/seq2seq_shared_embedding.py)"
    ),
    "contrib": (
        "of tf.contrib, flaxscope has slim, layers, framework, rnn, losses, metrics, util, "
        "learn.ModeKeys and the sequence losses of seq2seq and legacy_seq2seq (TensorFlow "
        "itself dropped contrib): use the TF1 core op this one wrapped (tf.layers, tf.nn, "
        "tf.train), or jax.numpy / optax"
    ),
    "metrics": (
        "of TF1's streaming metrics the top-k ones (recall_at_k, precision_at_k, "
        "average_precision_at_k, ...) are missing: compute them per batch with jax.numpy "
        "and sum them in variables['state'] as flaxscope.metrics does"
    ),
    "saved_model": "export with jax.export or save the variables with fs.train.Saver",
    "keras": "use flaxscope.layers (tf.layers) or Flax",
    "feature_column": _INPUT_PIPELINE,
    "sparse": _NO_SPARSE,
    "strings": "strings are not JAX values: process them in Python before apply",
    "test": "use pytest and numpy.testing; jax.devices() tells which devices exist",
    "tpu": "JAX runs on TPUs directly: jax.jit with shardings (flaxscope.sharding)",
    "distribute": "scale out with jax.jit and shardings over a Mesh (flaxscope.sharding)",
    "profiler": "use jax.profiler",
    "debugging": "tf.debugging.check_numerics is here; for the rest use jax.debug.print, jax.debug.breakpoint and checkify",
    "sets": "compute on concrete values with NumPy outside the traced function",
    "lookup": "there are no lookup tables: map keys to ids in Python before apply",
}


def missing_message(path: str) -> str:
    """The ``AttributeError`` text for ``tf.<path>``."""
    head = f"flaxscope.compat.v1 has no tf.{path}"
    hint = HINTS.get(path)
    if hint is None:
        parts = path.split(".")
        for depth in range(len(parts), 0, -1):
            hint = NAMESPACE_HINTS.get(".".join(parts[:depth]))
            if hint is not None:
                break
    if hint is not None:
        return f"{head}: {hint}."
    return (
        f"{head}. Write it with jax.numpy / jax.lax on the arrays (flaxscope's values are "
        "plain JAX arrays), or see docs/migration.md for the TF1 -> JAX equivalents."
    )
