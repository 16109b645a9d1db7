"""Writing TF1 checkpoints: :func:`save` (``saver.save``'s V2 bundle), atomically."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

import numpy as np

from flaxscope.checkpoint import _crc32c
from flaxscope.checkpoint import bundle as tb
from flaxscope.checkpoint.state import update_state
from flaxscope.trees import flatten_variables

__all__ = ["save"]


def _save_dtype(name: str, dtype: np.dtype, dtypes: Mapping[str, Any]) -> np.dtype:
    if name in dtypes:
        return np.dtype(dtypes[name])
    if (name == "global_step" or name.endswith("/global_step")) and np.issubdtype(
        dtype, np.integer
    ):
        return np.dtype(np.int64)
    return dtype


def save(
    save_path: str | os.PathLike,
    variables: Mapping[str, Any],
    global_step: int | Any | None = None,
    *,
    dtypes: Mapping[str, Any] | None = None,
    latest_filename: str = "checkpoint",
    write_state: bool = True,
) -> str:
    """``saver.save(sess, save_path, global_step)``: writes a checkpoint, returns its prefix.

    Writes ``{prefix}.index`` and ``{prefix}.data-00000-of-00001`` (``prefix`` is
    ``save_path``, or ``f"{save_path}-{global_step}"``), files that
    ``tf.train.Saver.restore`` and ``tf.train.load_checkpoint`` read back exactly, and
    records the checkpoint in the directory's ``checkpoint`` state file (for
    :func:`latest_checkpoint`) unless ``write_state=False``. It deletes no older
    checkpoint: :class:`flaxscope.train.Saver` adds TF1's ``max_to_keep`` bookkeeping.

    Args:
      save_path: the prefix, e.g. ``"train/model.ckpt"``. Missing directories are created.
      variables: a variables tree or a flat ``{name: array}`` dict; include the
        optimizer's ``opt.variables(opt_state)`` to save its slots.
      global_step: appended to the prefix, as TF1 does.
      dtypes: ``{name: dtype}`` for variables whose TF dtype differs from the array's
        (e.g. a float64 TF variable held in float32 by JAX). ``global_step`` is written as
        int64 without being named here.

    The data is written to temporary files and renamed into place, data first and
    ``.index`` last: an interrupted save leaves no ``.index``, so nothing reads it as a
    checkpoint.
    """
    flat = flatten_variables(variables)
    dtypes = dict(dtypes or {})
    prefix = os.fspath(save_path)
    if global_step is not None:
        prefix = f"{prefix}-{int(np.asarray(global_step))}"
    unknown = sorted(set(dtypes) - set(flat))
    if unknown:
        raise KeyError(f"dtypes names variables that are not being saved: {unknown}")
    arrays: dict[str, np.ndarray] = {}
    for name in sorted(flat):
        if not name:
            raise ValueError("A variable has the empty name; TF checkpoints reserve that key.")
        arr = np.asarray(flat[name])
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        target = _save_dtype(name, arr.dtype, dtypes)
        tb.tf_datatype(target)  # refuse unsupported dtypes before writing anything
        if target != arr.dtype:
            if np.issubdtype(target, np.integer) and arr.size:
                info = np.iinfo(target)
                if arr.min() < info.min or arr.max() > info.max:
                    raise ValueError(f"Variable {name}: values do not fit {target.name}.")
            arr = arr.astype(target)
        arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")

    directory = os.path.dirname(os.path.abspath(prefix))
    os.makedirs(directory, exist_ok=True)
    data_path = tb.data_filename(prefix, 0, 1)
    tag = f".tmp{uuid.uuid4().hex}"
    entries = [(tb.HEADER_KEY, tb.header_bytes(num_shards=1))]
    try:
        with open(data_path + tag, "wb") as f:
            offset = 0
            for name, arr in arrays.items():
                buf = tb.byte_view(arr)
                f.write(buf)
                crc = _crc32c.masked_value(buf)
                entries.append(
                    (
                        name.encode("utf-8"),
                        tb.entry_bytes(arr.dtype, arr.shape, offset, arr.nbytes, crc),
                    )
                )
                offset += arr.nbytes
        with open(prefix + ".index" + tag, "wb") as f:
            f.write(tb.write_table(entries))
        os.replace(data_path + tag, data_path)
        os.replace(prefix + ".index" + tag, prefix + ".index")
    finally:
        for leftover in (data_path + tag, prefix + ".index" + tag):
            if os.path.exists(leftover):
                os.remove(leftover)
    if write_state:
        update_state(prefix, latest_filename, os.path.getmtime(prefix + ".index"))
    return prefix
