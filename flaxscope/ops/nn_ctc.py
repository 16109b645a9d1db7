"""``tf.nn.ctc_loss`` (TF1's signature) on ``optax.ctc_loss``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax

from flaxscope.ops._convert import renamed
from flaxscope.ops._registry import tf_op
from flaxscope.ops.sparse import SparseTensor, sparse_tensor_to_dense

Array = jax.Array


@tf_op("nn.ctc_loss", family="losses", default_name="CTCLoss")
def ctc_loss(
    labels: SparseTensor,
    inputs: Any = None,
    sequence_length: Any = None,
    preprocess_collapse_repeated: bool = False,
    ctc_merge_repeated: bool = True,
    ignore_longer_outputs_than_inputs: bool = False,
    time_major: bool = True,
    logits: Any = None,
) -> Array:
    """``tf.compat.v1.nn.ctc_loss``: the per-example negative log-likelihood of the label
    sequences under CTC, TF's conventions: ``labels`` a ``tf.SparseTensor`` of int class
    ids (row ``b`` holds example ``b``'s labels), unnormalized ``inputs`` ``[max_time,
    batch, num_classes]`` (``time_major=False``: batch first), the blank the last class
    (``num_classes - 1``), ``sequence_length`` the valid frames per example.

    A label sequence the frames cannot emit gives a very large loss (TF raises when it
    runs), or 0 with ``ignore_longer_outputs_than_inputs=True`` when it is longer than its
    frames. ``preprocess_collapse_repeated=True`` and ``ctc_merge_repeated=False`` are not
    supported.
    """
    x = jnp.asarray(renamed("logits", logits, "inputs", inputs))
    if not isinstance(labels, SparseTensor):
        raise TypeError(
            f"Expected labels (first argument) to be a SparseTensor, got {type(labels).__name__}"
        )
    if preprocess_collapse_repeated or not ctc_merge_repeated:
        raise NotImplementedError(
            "tf.nn.ctc_loss: flaxscope supports the standard CTC only "
            "(preprocess_collapse_repeated=False, ctc_merge_repeated=True); collapse repeated "
            "labels yourself before the call."
        )
    if sequence_length is None:
        raise ValueError("Argument `sequence_length` must be provided.")
    if x.ndim != 3:
        raise ValueError(f"Shape must be rank 3 but is rank {x.ndim} for 'CTCLoss' (inputs).")
    if time_major:
        x = jnp.swapaxes(x, 0, 1)
    batch, frames, classes = x.shape
    lengths = jnp.asarray(sequence_length)
    logit_paddings = (jnp.arange(frames)[None, :] >= lengths[:, None]).astype(x.dtype)
    dense = sparse_tensor_to_dense.__wrapped__(labels, default_value=-1)
    if dense.ndim != 2 or dense.shape[0] != batch:
        raise ValueError(
            f"labels must be a [batch={batch}, max_label_length] SparseTensor, got dense "
            f"shape {tuple(dense.shape)}"
        )
    label_paddings = (dense < 0).astype(x.dtype)
    loss = optax.ctc_loss(
        x, logit_paddings, jnp.maximum(dense, 0), label_paddings, blank_id=classes - 1
    )
    if ignore_longer_outputs_than_inputs:
        label_lengths = jnp.sum(1 - label_paddings, axis=1)
        loss = jnp.where(label_lengths > lengths, jnp.zeros_like(loss), loss)
    return loss
