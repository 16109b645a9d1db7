"""Writing TF1 checkpoints: :func:`save` (``saver.save``'s V2 bundle), atomically."""

from __future__ import annotations

import glob
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from flaxscope.checkpoint import _crc32c
from flaxscope.checkpoint import bundle as tb
from flaxscope.checkpoint.state import update_state
from flaxscope.errors import FailedPreconditionError
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


def _make_directory(directory: str, prefix: str) -> None:
    parent = directory
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.path.isdir(parent):
        raise FailedPreconditionError(
            f"Cannot save checkpoint {prefix!r}: {parent!r} is a file, not a directory. "
            "Choose a save path inside a directory (e.g. 'train/model.ckpt')."
        )
    os.makedirs(directory, exist_ok=True)


def _index_shards(prefix: str) -> int | None:
    """How many data files the readable ``.index`` at ``prefix`` reads (``None``: none)."""
    try:
        with open(prefix + ".index", "rb") as f:
            header, _, _ = tb.parse_index(f.read(), prefix + ".index")
    except (OSError, ValueError):
        return None  # no checkpoint there to keep (or none that could be read)
    return max(header.num_shards, 1)


def _reads_one_shard(prefix: str) -> bool:
    """Whether ``prefix`` holds a readable index that reads ``.data-00000-of-00001``."""
    return _index_shards(prefix) == 1


def _link_or_copy(src: str, dst: str, tag: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # no hard links here (some network and FAT file systems)
        shutil.copyfile(src, dst + tag)
        os.replace(dst + tag, dst)


def _remove_temporaries(prefix: str) -> None:
    """Deletes the temporary files a killed save left (one save per prefix at a time)."""
    escaped = glob.escape(prefix)
    for path in glob.glob(f"{escaped}.data-?????-of-?????.tmp*") + glob.glob(
        f"{escaped}.index.tmp*"
    ):
        _remove(path)


def _remove_data_files(prefix: str, keep: Callable[[str], bool]) -> None:
    for path in glob.glob(f"{glob.escape(prefix)}.data-?????-of-?????"):
        if not keep(path):
            _remove(path)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


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
    _make_directory(directory, prefix)
    data_path = tb.data_filename(prefix, 0, 1)
    two_shards = [tb.data_filename(prefix, i, 2) for i in range(2)]
    tag = f".tmp{uuid.uuid4().hex}"
    entries = []

    def commit_index(num_shards: int) -> None:
        with open(prefix + ".index" + tag, "wb") as f:
            f.write(tb.write_table([(tb.HEADER_KEY, tb.header_bytes(num_shards)), *entries]))
        os.replace(prefix + ".index" + tag, prefix + ".index")

    try:
        _remove_temporaries(prefix)
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
        if _reads_one_shard(prefix):
            # The old checkpoint reads data_path until an index that does not commits: the
            # new data goes in as a two-shard checkpoint first (the same bytes, hard-linked).
            _remove_data_files(prefix, keep=lambda path: path not in two_shards)
            _link_or_copy(data_path + tag, two_shards[0], tag)
            with open(two_shards[1], "wb"):
                pass
            commit_index(2)
        os.replace(data_path + tag, data_path)
        commit_index(1)
    finally:
        for leftover in (data_path + tag, prefix + ".index" + tag, two_shards[0] + tag):
            if os.path.exists(leftover):
                os.remove(leftover)
    # Data files of the old checkpoint (or of the two-shard step) are unreferenced now.
    _remove_data_files(prefix, keep=lambda path: path == data_path)
    if write_state:
        update_state(prefix, latest_filename, os.path.getmtime(prefix + ".index"))
    return prefix
