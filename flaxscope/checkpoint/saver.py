"""``tf.compat.v1.train.Saver``: numbered checkpoints, the ``checkpoint`` state file, and
``max_to_keep`` / ``keep_checkpoint_every_n_hours`` deletion, as TF1's Saver does them.

The files are :func:`flaxscope.checkpoint.save`'s (TF1's V2 bundle, which TensorFlow
reads); this module only adds the Saver's bookkeeping, ported from TF's ``saver.py`` and
``checkpoint_management.py`` so that the same calls leave the same files and the same
state file. Where TF1 ran ``saver.save(sess, ...)`` on a session, flaxscope takes the
variables to save (a tree from ``init``/training, or a flat ``{name: array}`` dict), and
``restore`` returns the restored tree instead of assigning into a session.
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from flaxscope.checkpoint.reader import restore
from flaxscope.checkpoint.state import (
    checkpoint_exists,
    remove_checkpoint,
    update_checkpoint_state,
)
from flaxscope.checkpoint.writer import save
from flaxscope.trees import flatten_variables, rebuild
from flaxscope.variables import name_of

__all__ = ["Saver"]

V2 = 2  # tf.train.SaverDef.V2


def _op_name(item: Any) -> str:
    """The checkpoint key of one ``var_list`` entry: a name, a collection item or a value."""
    if isinstance(item, str):
        name = item
    elif hasattr(item, "op_name"):
        name = item.op_name
    else:
        name = name_of(item)
    return name[:-2] if name.endswith(":0") else name


def _var_list_map(var_list: Any) -> dict[str, str]:
    """TF's ``op_list_to_dict``: ``{checkpoint key: variable name}``, with TF's errors."""
    if isinstance(var_list, Mapping):
        out: dict[str, str] = {}
        seen: set[str] = set()
        for key, item in var_list.items():
            if not isinstance(key, str):
                raise TypeError(f"var_list keys must be checkpoint names (str), not {key!r}.")
            name = _op_name(item)
            if name in seen:
                raise ValueError(f"The same saveable will be restored with two names: {key}")
            seen.add(name)
            out[key] = name
        return out
    if isinstance(var_list, (str, bytes)) or not isinstance(var_list, Iterable):
        raise TypeError(f"Variables to save should be passed in a dict or a list: {var_list!r}")
    out = {}
    for item in var_list:
        name = _op_name(item)
        if name in out:
            raise ValueError(f"At least two variables have the same name: {name}")
        out[name] = name
    return out


_EMPTY_VAR_LIST_HINT = (
    " (the var_list is empty, and allow_empty=False). At the top level, "
    "tf.global_variables() lists the default graph's variables; a model built with "
    "flaxscope.transform keeps its variables in the tree its init returns, not in the "
    "default graph. Build the Saver with var_list=None and pass that tree to "
    "saver.save(variables, path), or list the tree's names."
)


class Saver:
    """``tf.compat.v1.train.Saver``: saves and restores variables under their TF1 names.

    TF1::

        saver = tf.train.Saver(max_to_keep=3)
        saver.save(sess, "train/model.ckpt", global_step=step)
        saver.restore(sess, tf.train.latest_checkpoint("train"))

    flaxscope::

        saver = fs.train.Saver(max_to_keep=3)
        saver.save(variables, "train/model.ckpt", global_step=step)
        variables = saver.restore(variables, fs.checkpoint.latest_checkpoint("train"))

    The same calls write the same files as TF1's Saver (``model.ckpt-7.index``,
    ``.data-00000-of-00001``), the same ``checkpoint`` state file (the saver's own list of
    kept checkpoints, paths relative to a relative directory, absolute for an absolute
    one, as TF writes them), and delete the same old checkpoints (``max_to_keep``; one
    kept every ``keep_checkpoint_every_n_hours``). No ``.meta`` graph is written: there
    is no graph (``write_meta_graph`` is accepted and ignored), but an old checkpoint's
    ``.meta`` left by TF is deleted with it.

    ``var_list`` is ``None`` (every variable given to ``save``/``restore``), a list of
    variables, or a ``{checkpoint name: variable}`` dict (e.g.
    ``ExponentialMovingAverage.variables_to_restore()``). A variable is its name
    (``"scope/w"`` or ``"scope/w:0"``), a collection item (``fs.global_variables()``), or
    the value ``get_variable`` returned in the current call. To save optimizer slots, put
    ``opt.variables(opt_state)`` in the tree's ``"state"``.
    """

    def __init__(
        self,
        var_list: Any = None,
        reshape: bool = False,
        sharded: bool = False,
        max_to_keep: int | None = 5,
        keep_checkpoint_every_n_hours: float = 10000.0,
        name: str | None = None,
        restore_sequentially: bool = False,
        saver_def: Any = None,
        builder: Any = None,
        defer_build: bool = False,
        allow_empty: bool = False,
        write_version: int = V2,
        pad_step_number: bool = False,
        save_relative_paths: bool = False,
        filename: str | None = None,
    ) -> None:
        del name, restore_sequentially, filename  # graph-only options: nothing to do here
        if defer_build and var_list:
            raise ValueError(
                "If `var_list` is provided then build cannot be deferred. "
                "Either set defer_build=False or var_list=None."
            )
        if reshape:
            raise NotImplementedError(
                "Saver(reshape=True) is not supported: restore into variables of the "
                "checkpoint's shapes, then reshape them (fs.checkpoint.load_variables)."
            )
        if sharded:
            raise NotImplementedError(
                "Saver(sharded=True) is not supported: flaxscope writes one data shard, "
                "which TF1 reads as well (pass sharded=False)."
            )
        if saver_def is not None or builder is not None:
            raise NotImplementedError(
                "Saver(saver_def=..., builder=...) builds graph ops; flaxscope has no graph. "
                "Leave them out."
            )
        if write_version != V2:
            raise NotImplementedError(
                "Only the V2 checkpoint format is written (tf.train.SaverDef.V2, TF1's "
                "default); V1 is deprecated in TF1 too."
            )
        self._var_map = None if var_list is None else _var_list_map(var_list)
        if self._var_map is not None and not self._var_map and not allow_empty:
            raise ValueError("No variables to save" + _EMPTY_VAR_LIST_HINT)
        self._allow_empty = allow_empty
        self._max_to_keep = max_to_keep
        # TF keeps it in SaverDef's float32 field; the rounding decides ties.
        self._keep_checkpoint_every_n_hours = float(np.float32(keep_checkpoint_every_n_hours))
        self._pad_step_number = pad_step_number
        self._save_relative_paths = save_relative_paths
        self._last_checkpoints: list[tuple[str, float]] = []
        self._checkpoints_to_be_deleted: list[tuple[str, float]] = []
        self._next_checkpoint_time = time.time() + self._keep_checkpoint_every_n_hours * 3600

    # -- which tensors -------------------------------------------------------------------
    def _to_save(
        self, variables: Mapping[str, Any], verb: str
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """``{checkpoint key: variable name}`` for this call, checked against ``variables``,
        and ``variables`` flattened to ``{name: value}``."""
        if not isinstance(variables, Mapping):
            raise TypeError(
                f"Saver.{verb} takes the variables where TF1 took a Session: "
                f"saver.{verb}(variables, path, ...), with the variables tree from init (or "
                f"training) or a flat {{name: array}} dict, not {type(variables).__name__}."
            )
        flat = flatten_variables(variables)
        if self._var_map is None:
            return {n: n for n in flat}, flat
        missing = [v for v in self._var_map.values() if v not in flat]
        if missing:
            raise KeyError(
                f"Variable {missing[0]} is in the Saver's var_list but not in the variables "
                f"given to {verb}"
                + (f" (nor {missing[1:6]})" if len(missing) > 1 else "")
                + ". Pass the whole tree (with the optimizer's variables in 'state' if its "
                "slots are listed), or build the Saver from these variables."
            )
        return dict(self._var_map), flat

    # -- the list of kept checkpoints ----------------------------------------------------
    @property
    def last_checkpoints(self) -> list[str]:
        """Not-yet-deleted checkpoint prefixes, oldest first (``Saver.last_checkpoints``)."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints: list[str]) -> None:
        """``Saver.set_last_checkpoints``: these are never deleted (timestamp +inf, as TF)."""
        assert isinstance(last_checkpoints, list)
        self._last_checkpoints = [(s, np.inf) for s in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time: list) -> None:
        """``Saver.set_last_checkpoints_with_time``: ``[(prefix, timestamp), ...]``."""
        assert isinstance(last_checkpoints_with_time, list)
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths: Iterable[str]) -> None:
        """``Saver.recover_last_checkpoints``: adopt existing checkpoints (e.g. after a
        restart, from ``get_checkpoint_state(dir).all_model_checkpoint_paths``), timed by
        their files' modification times, so ``max_to_keep`` counts them."""
        found = []
        for path in checkpoint_paths:
            files = glob.glob(path + ".index") or glob.glob(path)
            if files:
                found.append((path, os.path.getmtime(files[0])))
        self.set_last_checkpoints_with_time(found)

    def _record_last_checkpoint(self, latest_save_path: str) -> None:
        if not self._max_to_keep:
            return
        self._last_checkpoints = [p for p in self._last_checkpoints if p[0] != latest_save_path]
        self._last_checkpoints.append((latest_save_path, time.time()))
        if len(self._last_checkpoints) > self._max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _maybe_delete_old_checkpoints(self, meta_graph_suffix: str) -> None:
        if not self._checkpoints_to_be_deleted:
            return
        path, stamp = self._checkpoints_to_be_deleted.pop(0)
        if stamp > self._next_checkpoint_time:  # one kept every N hours
            self._next_checkpoint_time += self._keep_checkpoint_every_n_hours * 3600
            return
        remove_checkpoint(path, meta_graph_suffix)

    # -- save / restore ------------------------------------------------------------------
    @staticmethod
    def _check_order(verb: str, variables: Any, save_path: Any) -> None:
        """TF1's ``saver.<verb>(sess, path)`` takes the session first: so do we (the
        variables); a path first and the variables second is a swap, said plainly."""
        if isinstance(variables, (str, bytes, os.PathLike)) and isinstance(save_path, Mapping):
            raise TypeError(
                f"Saver.{verb} takes (variables, save_path), as TF1's saver.{verb}(sess, "
                f"save_path) takes the session first; got the path {os.fspath(variables)!r} "
                f"first. Call saver.{verb}(variables, {os.fspath(variables)!r})."
            )
        if not isinstance(save_path, (str, bytes, os.PathLike)) and save_path is not None:
            raise TypeError(
                f"Saver.{verb}: save_path must be a path (str or os.PathLike), not "
                f"{type(save_path).__name__}."
            )

    def save(
        self,
        variables: Mapping[str, Any],
        save_path: str | os.PathLike,
        global_step: int | Any | None = None,
        latest_filename: str | None = None,
        meta_graph_suffix: str = "meta",
        write_meta_graph: bool = True,
        write_state: bool = True,
        strip_default_attrs: bool = False,
        save_debug_info: bool = False,
    ) -> str | None:
        """``saver.save(sess, save_path, global_step)``: writes a checkpoint, returns its prefix.

        ``variables`` takes the place of TF1's ``sess``. The prefix is ``save_path``, or
        ``f"{save_path}-{global_step}"`` (zero-padded to 8 digits with
        ``pad_step_number``). With ``write_state`` (the default) the checkpoint joins
        :attr:`last_checkpoints`, the state file lists them, and the oldest beyond
        ``max_to_keep`` is deleted. Returns ``None`` for an empty ``allow_empty`` saver.
        """
        self._check_order("save", variables, save_path)
        del write_meta_graph, strip_default_attrs, save_debug_info  # no graph to export
        if latest_filename is None:
            latest_filename = "checkpoint"
        if os.path.split(latest_filename)[0]:
            raise ValueError("'latest_filename' must not contain path components")
        save_path = os.fspath(save_path)
        if global_step is not None:
            step = int(np.asarray(global_step))
            checkpoint_file = (
                f"{save_path}-{step:08d}" if self._pad_step_number else f"{save_path}-{step}"
            )
        else:
            checkpoint_file = save_path
            if os.path.basename(save_path) == latest_filename:
                raise ValueError(
                    f"'latest_filename' collides with 'save_path': '{latest_filename}' and "
                    f"'{save_path}'"
                )
        plan, flat = self._to_save(variables, "save")
        if not plan:
            if self._allow_empty:
                return None
            raise ValueError(
                "No variables to save (the variables given to save are empty: pass the tree "
                "that init, or training, returned)."
            )
        save_dir = os.path.dirname(save_path)
        parent = os.path.dirname(checkpoint_file)
        if parent and not os.path.isdir(parent):
            # TF's merge step creates the last directory but not its parents.
            if not os.path.isdir(os.path.dirname(os.path.abspath(parent))):
                raise ValueError(
                    f"Parent directory of {save_path} doesn't exist, can't save. (Create it "
                    "first, e.g. os.makedirs(...).)"
                )
        tensors = {key: flat[name] for key, name in plan.items()}
        save(checkpoint_file, tensors, write_state=False)
        if write_state:
            self._record_last_checkpoint(checkpoint_file)
            update_checkpoint_state(
                save_dir,
                checkpoint_file,
                self.last_checkpoints,
                latest_filename,
                self._save_relative_paths,
            )
            self._maybe_delete_old_checkpoints(meta_graph_suffix)
        return checkpoint_file

    def restore(self, variables: Mapping[str, Any], save_path: str | os.PathLike | None) -> Any:
        """``saver.restore(sess, save_path)``: ``variables`` with the checkpoint's values.

        ``variables`` (TF1's ``sess``) is the template, a tree or flat dict of arrays or
        ``jax.ShapeDtypeStruct``; the restored tree is returned. With a ``var_list`` only
        those variables are read (from their checkpoint names); the rest keep their values.
        """
        self._check_order("restore", variables, save_path)
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        prefix = os.fspath(save_path)
        if not checkpoint_exists(prefix):
            raise ValueError("The passed save_path is not a valid checkpoint: " + prefix)
        plan, flat = self._to_save(variables, "restore")
        if not plan:
            return variables
        read = restore(prefix, {key: flat[name] for key, name in plan.items()})
        restored = {name: read[key] for key, name in plan.items()}
        return rebuild(variables, restored)
