"""The ``checkpoint`` state file and checkpoint file management (TF's checkpoint_management).

One writer serves :func:`flaxscope.checkpoint.save` and :class:`~flaxscope.checkpoint.Saver`:
the file is written to a temporary name and renamed, as TensorFlow does, so a reader
never sees half of it.
"""

from __future__ import annotations

import glob
import os
import uuid
import warnings
from typing import Any

from google.protobuf import text_format

from flaxscope.checkpoint import bundle as tb
from flaxscope.errors import DataLossError

__all__ = [
    "checkpoint_exists",
    "get_checkpoint_state",
    "latest_checkpoint",
    "remove_checkpoint",
]


def _read_state(checkpoint_dir: str, latest_filename: str | None) -> Any | None:
    path = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    except UnicodeDecodeError as e:
        raise DataLossError(
            f"Checkpoint state file {path!r} is not UTF-8 text ({e}); it is corrupt. Delete "
            "or rewrite it (it only names the latest checkpoint: pass the checkpoint prefix "
            "directly, e.g. 'dir/model.ckpt-1000')."
        ) from None
    state = tb.CheckpointState()
    try:
        text_format.Parse(text, state)
    except text_format.ParseError as e:
        warnings.warn(f"{path}: {e}; checkpoint state file ignored.", stacklevel=3)
        return None
    return state


def latest_checkpoint(
    checkpoint_dir: str | os.PathLike, latest_filename: str | None = None
) -> str | None:
    """The prefix of the latest checkpoint in ``checkpoint_dir``, or ``None``.

    ``tf.train.latest_checkpoint``: reads the ``checkpoint`` state file that
    ``tf.train.Saver`` (and :func:`save`) keep, and returns its ``model_checkpoint_path``
    (joined to ``checkpoint_dir`` when relative) if that checkpoint's ``.index`` exists.
    """
    checkpoint_dir = os.fspath(checkpoint_dir)
    state = _read_state(checkpoint_dir, latest_filename)
    if state is None or not state.model_checkpoint_path:
        return None
    path = state.model_checkpoint_path
    if not os.path.isabs(path):
        path = os.path.join(checkpoint_dir, path)
    return path if os.path.exists(path + ".index") else None


def update_state(prefix: str, latest_filename: str, timestamp: float) -> None:
    """Records ``prefix`` as the latest checkpoint in its directory's state file (``save``)."""
    directory = os.path.dirname(os.path.abspath(prefix))
    state = _read_state(directory, latest_filename) or tb.CheckpointState()
    rel = os.path.basename(prefix)
    paths = list(state.all_model_checkpoint_paths)
    stamps = list(state.all_model_checkpoint_timestamps)
    keep_stamps = len(stamps) == len(paths)
    absolute = os.path.join(directory, rel)
    kept = [i for i, p in enumerate(paths) if p != rel and os.path.join(directory, p) != absolute]
    new = tb.CheckpointState(model_checkpoint_path=rel)
    new.all_model_checkpoint_paths.extend([paths[i] for i in kept] + [rel])
    if keep_stamps:
        new.all_model_checkpoint_timestamps.extend([stamps[i] for i in kept] + [timestamp])
        new.last_preserved_timestamp = state.last_preserved_timestamp
    _write_state(os.path.join(directory, latest_filename), new)


def _write_state(path: str, state: Any) -> None:
    """Writes a ``CheckpointState`` as text, atomically (a temporary file renamed), as TF."""
    tmp = f"{path}.tmp{uuid.uuid4().hex}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text_format.MessageToString(state))
    os.replace(tmp, path)


def remove_checkpoint(checkpoint_prefix: str, meta_graph_suffix: str = "meta") -> None:
    """``tf.train.remove_checkpoint``: deletes a V2 checkpoint's files (and its ``.meta``)."""
    patterns = [
        f"{checkpoint_prefix}.{meta_graph_suffix}",
        f"{checkpoint_prefix}.index",
        f"{glob.escape(checkpoint_prefix)}.data-?????-of-?????",
    ]
    for i, pattern in enumerate(patterns):
        paths = glob.glob(pattern) if i == 2 else [pattern]
        for path in paths:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    """``tf.train.checkpoint_exists``: a V2 ``.index`` for the prefix (or the file itself)."""
    return bool(glob.glob(checkpoint_prefix + ".index")) or bool(glob.glob(checkpoint_prefix))


def _state_proto(
    save_dir: str, model_checkpoint_path: str, all_model_checkpoint_paths: list[str]
) -> Any:
    """TF's ``generate_checkpoint_state_proto`` (paths relative to a relative ``save_dir``)."""
    paths = list(all_model_checkpoint_paths)
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else os.path.relpath(p, save_dir) for p in paths]
    state = tb.CheckpointState(model_checkpoint_path=model_checkpoint_path)
    state.all_model_checkpoint_paths.extend(paths)
    return state


def update_checkpoint_state(
    save_dir: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: list[str],
    latest_filename: str,
    save_relative_paths: bool,
) -> None:
    """TF's ``update_checkpoint_state_internal``, written atomically as TF does."""
    state_file = os.path.join(save_dir, latest_filename)
    if save_relative_paths:
        rel = [
            os.path.relpath(p, save_dir) if os.path.isabs(p) else p
            for p in all_model_checkpoint_paths
        ]
        model = model_checkpoint_path
        if os.path.isabs(model):
            model = os.path.relpath(model, save_dir)
        state = _state_proto(save_dir, model, rel)
    else:
        state = _state_proto(save_dir, model_checkpoint_path, all_model_checkpoint_paths)
    if state_file == state.model_checkpoint_path:
        raise RuntimeError(
            f"Save path '{model_checkpoint_path}' conflicts with path used for checkpoint "
            "state.  Please use a different save path."
        )
    _write_state(state_file, state)


def get_checkpoint_state(
    checkpoint_dir: str | os.PathLike, latest_filename: str | None = None
) -> Any:
    """``tf.train.get_checkpoint_state``: the ``CheckpointState`` proto, or ``None``.

    Relative paths in the file come back joined to ``checkpoint_dir``, as TF's do.
    """
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = os.path.join(checkpoint_dir, latest_filename or "checkpoint")
    if not os.path.exists(path):
        return None
    state = _read_state(checkpoint_dir, latest_filename)
    if state is None:
        return None
    if not state.model_checkpoint_path:
        raise ValueError("Invalid checkpoint state loaded from " + checkpoint_dir)
    if not os.path.isabs(state.model_checkpoint_path):
        state.model_checkpoint_path = os.path.join(checkpoint_dir, state.model_checkpoint_path)
    for i, p in enumerate(state.all_model_checkpoint_paths):
        if not os.path.isabs(p):
            state.all_model_checkpoint_paths[i] = os.path.join(checkpoint_dir, p)
    return state
