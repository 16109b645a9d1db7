"""Writing TF1 checkpoints: :func:`save` (``saver.save``'s V2 bundle), atomically."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

import numpy as np

from flaxscope.checkpoint import _crc32c
from flaxscope.checkpoint import bundle as tb
from flaxscope.checkpoint._dtypes import save_dtype
from flaxscope.checkpoint._files import (
    commit_index,
    link_or_copy,
    make_directory,
    reads_one_shard,
    remove_data_files,
    remove_temporaries,
)
from flaxscope.checkpoint.state import update_state
from flaxscope.trees import flatten_variables

__all__ = ["save"]


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

    Crash-safe: a save killed at any moment leaves at ``prefix`` either the checkpoint
    that was there before or the new one, whole. The data is written to a temporary file
    and renamed into place, and the ``.index`` (which names the data files it reads) is
    renamed last, as the commit. Overwriting a checkpoint must not replace the data file
    its ``.index`` still reads, so the new data is first committed as a two-shard
    checkpoint (``.data-00000-of-00002``, a hard link to the same bytes, and an empty
    ``.data-00001-of-00002``: TF1's format too), then as the usual one shard; the two-shard
    files are deleted at the end. The files left are those TF1's Saver leaves.
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
    bad = [n for n in flat if not isinstance(n, str)]
    if bad:
        raise TypeError(
            f"checkpoint.save: variable names must be strings (TF names such as 'scope/w', "
            f"the checkpoint's keys), got {bad[0]!r} ({type(bad[0]).__name__}). Key the dict "
            "by name: {'scope/w': array}, or pass the tree that init returns."
        )
    for name in sorted(flat):
        if not name:
            raise ValueError("A variable has the empty name; TF checkpoints reserve that key.")
        arr = np.asarray(flat[name])
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        target = save_dtype(name, arr.dtype, dtypes)
        tb.tf_datatype(target)  # refuse unsupported dtypes before writing anything
        if target != arr.dtype:
            if np.issubdtype(target, np.integer) and arr.size:
                info = np.iinfo(target)
                if arr.min() < info.min or arr.max() > info.max:
                    raise ValueError(f"Variable {name}: values do not fit {target.name}.")
            arr = arr.astype(target)
        arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")

    directory = os.path.dirname(os.path.abspath(prefix))
    make_directory(directory, prefix)
    data_path = tb.data_filename(prefix, 0, 1)
    two_shards = [tb.data_filename(prefix, i, 2) for i in range(2)]
    tag = f".tmp{uuid.uuid4().hex}"
    entries = []

    try:
        remove_temporaries(prefix)
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
        if reads_one_shard(prefix):
            # The old checkpoint reads data_path until an index that does not commits: the
            # new data goes in as a two-shard checkpoint first (the same bytes, hard-linked).
            remove_data_files(prefix, keep=lambda path: path not in two_shards)
            link_or_copy(data_path + tag, two_shards[0], tag)
            with open(two_shards[1], "wb"):
                pass
            commit_index(prefix, entries, 2, tag)
        os.replace(data_path + tag, data_path)
        commit_index(prefix, entries, 1, tag)
    finally:
        for leftover in (data_path + tag, prefix + ".index" + tag, two_shards[0] + tag):
            if os.path.exists(leftover):
                os.remove(leftover)
    # Data files of the old checkpoint (or of the two-shard step) are unreferenced now.
    remove_data_files(prefix, keep=lambda path: path == data_path)
    if write_state:
        update_state(prefix, latest_filename, os.path.getmtime(prefix + ".index"))
    return prefix
