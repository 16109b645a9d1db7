"""Read and write TensorFlow checkpoints without TensorFlow (``tf.train.Saver``'s V2 format).

TF1 equivalents::

    tf.train.list_variables(path)                 -> list_variables(path)
    tf.train.load_checkpoint(path)                -> load_checkpoint(path)  (a reader)
    {n: reader.get_tensor(n) for n in names}      -> load_variables(path)
    tf.train.latest_checkpoint(dir)               -> latest_checkpoint(dir)
    tf.train.init_from_checkpoint(path, amap)     -> variables = init_from_checkpoint(path, amap, variables)
    saver.save(sess, path, global_step=step)      -> save(path, variables, global_step=step)
    saver.restore(sess, path)                     -> variables = restore(path, variables)

``variables`` is flaxscope's variables tree, ``{"params": {name: array}, "state": {name:
array}}``, or one flat ``{name: array}`` dict; names are TF variable names without ``:0``,
the keys of the checkpoint. Functions that take a tree return a new one of the same
structure and never modify their argument.

The format (see :mod:`flaxscope.checkpoint.bundle`) is a ``prefix.index`` table plus
``prefix.data-SSSSS-of-NNNNN`` shards. Every ``.index`` block and every tensor is checked
against its CRC32C as TensorFlow checks them; a truncated or corrupt file raises
:class:`DataLossError` (naming the file or the variable) before anything is returned.

Dtypes: all of TF's numeric types that numpy can hold are read and written (float16/32/64,
bfloat16, int8/16/32/64, uint8/16/32/64, bool, complex64/128, float8 e5m2/e4m3fn).
String tensors (and TF's resource, variant and quantized types) are listed by
:func:`list_variables` and skipped by :func:`load_variables` with a warning, since
flaxscope variables are numeric; ``_CHECKPOINTABLE_OBJECT_GRAPH`` (TF2's object graph) is
skipped silently. Partitioned variables (TF1 ``partitioner=``, saved as slices) are read
back whole.

On a mesh (and across the processes of a ``jax.distributed`` job), :func:`save_sharded`
writes each shard from the process that holds it, as TF1's sharded Saver wrote
partitioned variables (slices), and :func:`restore_sharded` reads onto any mesh only the
regions each device holds.

64-bit values and JAX: JAX without ``jax_enable_x64`` holds 64-bit variables in 32 bits,
e.g. TF1's ``global_step`` (int64) is int32 in flaxscope. :func:`restore` and
:func:`init_from_checkpoint` narrow a checkpoint's int64/uint64/float64/complex128 value to
the variable's 32-bit dtype when that is JAX's form of the checkpoint dtype (integers are
range-checked); :func:`save` writes ``global_step`` (and any ``.../global_step``) as
int64, as TF1 creates it, and takes ``dtypes={name: dtype}`` for any other variable whose
TF dtype differs from its JAX dtype, so that ``tf.train.Saver.restore`` accepts the file.
"""

from flaxscope.checkpoint.reader import (
    CheckpointReader,
    init_from_checkpoint,
    list_variables,
    load_checkpoint,
    load_variables,
    restore,
)
from flaxscope.checkpoint.saver import Saver
from flaxscope.checkpoint.sharded import restore_sharded, save_sharded
from flaxscope.checkpoint.state import (
    checkpoint_exists,
    get_checkpoint_state,
    latest_checkpoint,
    remove_checkpoint,
)
from flaxscope.checkpoint.writer import save
from flaxscope.errors import DataLossError, NotFoundError

__all__ = [
    "CheckpointReader",
    "DataLossError",
    "NotFoundError",
    "Saver",
    "checkpoint_exists",
    "get_checkpoint_state",
    "init_from_checkpoint",
    "latest_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variables",
    "remove_checkpoint",
    "restore",
    "restore_sharded",
    "save",
    "save_sharded",
]
