"""Reading TF1 checkpoints: :class:`CheckpointReader`, ``restore``, ``init_from_checkpoint``.

Every ``.index`` block and every tensor is checked against its CRC32C as TensorFlow
checks them; a truncated or corrupt file raises :class:`DataLossError` (naming the file
or the variable) before anything is returned.
"""

from __future__ import annotations

import glob
import math
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import jax
import numpy as np

from flaxscope.checkpoint import _crc32c
from flaxscope.checkpoint import bundle as tb
from flaxscope.checkpoint._dtypes import convert_loaded, template_dtype
from flaxscope.checkpoint.state import latest_checkpoint
from flaxscope.errors import DataLossError, NotFoundError
from flaxscope.trees import flatten_variables, rebuild

__all__ = [
    "CheckpointReader",
    "DataLossError",
    "NotFoundError",
    "init_from_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variables",
    "restore",
]

_OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"

# ---------------------------------------------------------------------------------------
# reading


def _resolve_prefix(ckpt_dir_or_file: str | os.PathLike) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise NotFoundError(
                f"No checkpoint found in directory {path!r}: it has no 'checkpoint' state "
                "file naming an existing checkpoint. Pass the checkpoint prefix instead "
                "(e.g. 'dir/model.ckpt-1000', without '.index')."
            )
        return latest
    if path.endswith(".index"):
        path = path[: -len(".index")]
    elif ".data-" in os.path.basename(path):
        path = path[: path.rindex(".data-")]
    if not os.path.exists(path + ".index"):
        unfinished = sorted(
            glob.glob(f"{glob.escape(path)}.data-?????-of-?????*")
            + glob.glob(f"{glob.escape(path)}.index?*")
        )
        if unfinished:
            hint = (
                f" {os.path.basename(unfinished[0])} is there: a save to this prefix did not "
                "finish (the .index is written last, when every file is complete), so this "
                "is not a checkpoint. Restore the previous one "
                "(flaxscope.checkpoint.latest_checkpoint(directory) names the last complete "
                "save) and save again; the next save to this prefix removes the leftovers."
            )
        elif os.path.isfile(path):
            hint = (
                " That file exists but has no .index beside it: it may be a V1 checkpoint "
                "(TensorFlow < 0.12), which flaxscope does not read; convert it with "
                "TensorFlow's Saver(write_version=tf.train.SaverDef.V2)."
            )
        else:
            hint = " Pass the checkpoint prefix ('dir/model.ckpt-1000') or its directory."
        raise NotFoundError(f"Checkpoint not found: {path + '.index'!r} does not exist.{hint}")
    return path


def _escape_ordered_code(name: bytes) -> bytes:
    return name.replace(b"\xff", b"\xff\x00").replace(b"\x00", b"\x00\xff")


class CheckpointReader:
    """``tf.train.load_checkpoint(path)``'s reader: lists a checkpoint, reads its tensors.

    Opening a reader reads and checks the ``.index`` (block CRCs) and checks that every
    data shard is there and long enough; each tensor's CRC32C is checked when it is read.
    """

    def __init__(self, ckpt_dir_or_file: str | os.PathLike):
        self.prefix = _resolve_prefix(ckpt_dir_or_file)
        index_path = self.prefix + ".index"
        with open(index_path, "rb") as f:
            index = f.read()
        header, entries, slice_entries = tb.parse_index(index, index_path)
        self._num_shards = max(header.num_shards, 1)
        self._entries: dict[str, tb.Entry] = {e.name: e for e in entries}
        self._slice_entries: dict[bytes, tb.Entry] = {e.key: e for e in slice_entries}
        self._crc_checked: set[bytes] = set()  # stored tensors whose CRC32C checked out
        self._check_shards(list(entries) + list(slice_entries))

    def _shard_path(self, shard_id: int) -> str:
        return tb.data_filename(self.prefix, shard_id, self._num_shards)

    def _check_shards(self, entries: list[tb.Entry]) -> None:
        needed: dict[int, int] = {}
        for e in entries:
            needed[e.shard_id] = max(needed.get(e.shard_id, 0), e.offset + e.size)
        for shard, end in sorted(needed.items()):
            path = self._shard_path(shard)
            try:
                size = os.path.getsize(path)
            except OSError:
                raise NotFoundError(
                    f"Checkpoint {self.prefix!r} is incomplete: data file {path!r} is missing. "
                    "Copy all of the checkpoint's .data-* files together with its .index."
                ) from None
            if size < end:
                raise DataLossError(
                    f"{path}: file is truncated ({size} bytes, the index needs {end}). "
                    "The checkpoint was not completely written or copied."
                )

    # -- TF's CheckpointReader API

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        """``{name: shape}`` of every tensor, strings included."""
        return {n: list(e.shape) for n, e in sorted(self._entries.items())}

    def get_variable_to_dtype_map(self) -> dict[str, np.dtype | str]:
        """``{name: numpy dtype}``; the TF type name (``"string"``) where numpy has none."""
        return {
            n: tb.numpy_dtype(e.dtype) or e.dtype_name for n, e in sorted(self._entries.items())
        }

    def has_tensor(self, name: str) -> bool:
        return name in self._entries

    # -- the index, for readers of parts of tensors (checkpoint.sharded)

    def entry(self, name: str) -> tb.Entry | None:
        """The index entry of tensor ``name`` (its dtype, shape and slices), if any."""
        return self._entries.get(name)

    def slice_entry(self, key: bytes) -> tb.Entry | None:
        """The index entry of one stored slice (``sharded.slice_key``), if any."""
        return self._slice_entries.get(key)

    def shard_path(self, shard_id: int) -> str:
        """The path of the data file ``shard_id`` (``<prefix>.data-0000k-of-0000n``)."""
        return self._shard_path(shard_id)

    def read_entry(self, entry: tb.Entry, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
        """The bytes of ``entry`` as a new array of ``dtype`` and ``shape``, CRC32C checked."""
        files: dict[int, Any] = {}
        try:
            return self._read_raw(entry, dtype, shape, files)
        finally:
            for f in files.values():
                f.close()

    def get_tensor(self, name: str) -> np.ndarray:
        """The value of tensor ``name`` as a new numpy array (CRC32C checked)."""
        entry = self._entries.get(name)
        if entry is None:
            raise KeyError(
                f"Key {name} not found in checkpoint {self.prefix!r}. Its variables are "
                "listed by flaxscope.checkpoint.list_variables(path)."
            )
        files: dict[int, Any] = {}
        try:
            return self._read(entry, files)
        finally:
            for f in files.values():
                f.close()

    # -- reading

    def loadable(self, name: str) -> bool:
        return tb.numpy_dtype(self._entries[name].dtype) is not None

    def _read(self, entry: tb.Entry, files: dict[int, Any]) -> np.ndarray:
        dtype = tb.numpy_dtype(entry.dtype)
        if dtype is None:
            raise TypeError(
                f"Variable {entry.name} in {self.prefix!r} is a {entry.dtype_name} tensor; "
                "flaxscope reads numeric tensors only. Read it with TensorFlow."
            )
        if entry.slices:
            return self._read_sliced(entry, dtype, files)
        return self._read_raw(entry, dtype, entry.shape, files)

    def _read_raw(
        self, entry: tb.Entry, dtype: np.dtype, shape: tuple[int, ...], files: dict[int, Any]
    ) -> np.ndarray:
        arr = np.empty(shape, dtype=dtype)
        if arr.nbytes != entry.size:
            raise DataLossError(
                f"Variable {self._label(entry)} in {self.prefix!r}: the index says {entry.size} bytes "
                f"but a {dtype.name} tensor of shape {list(shape)} has {arr.nbytes}; the "
                "checkpoint is corrupt."
            )
        buf = tb.byte_view(arr)
        if arr.nbytes:
            f = files.get(entry.shard_id)
            if f is None:
                f = files[entry.shard_id] = open(self._shard_path(entry.shard_id), "rb")  # noqa: SIM115
            fd = f.fileno()
            done = 0
            while done < arr.nbytes:
                n = os.preadv(fd, [buf[done:]], entry.offset + done)
                if n <= 0:
                    raise DataLossError(
                        f"{self._shard_path(entry.shard_id)}: unexpected end of file reading "
                        f"{self._label(entry)}; the file is truncated."
                    )
                done += n
        if _crc32c.unmask(entry.crc32c) != _crc32c.value(buf):
            raise DataLossError(
                f"Checksum does not match for variable {self._label(entry)} in "
                f"{self._shard_path(entry.shard_id)}: the stored CRC32C is {entry.crc32c:#010x} "
                "(masked). The data file is corrupt; restore it from a good copy."
            )
        return arr

    def _label(self, entry: tb.Entry) -> str:
        """The variable a stored tensor belongs to, for messages (slice keys are binary)."""
        if not entry.key.startswith(b"\x00"):  # a whole tensor, keyed by its name
            return entry.name
        for name, whole in self._entries.items():
            if entry.key.startswith(b"\x00" + _escape_ordered_code(whole.key) + b"\x00\x01"):
                return f"{name} (one of its slices)"
        return repr(entry.key)

    _CRC_CHUNK = 1 << 23  # bytes held at a time while checking a stored tensor's CRC32C

    def check_crc(self, entry: tb.Entry) -> None:
        """Checks one stored tensor's CRC32C, streaming its bytes (nothing held whole).

        For readers of part of a stored tensor (``restore_sharded``): TF checks whole
        tensors when it reads them, so a part is trusted only once its tensor checks out.
        Each stored tensor is checked once per reader.
        """
        if entry.key in self._crc_checked:
            return
        path = self._shard_path(entry.shard_id)
        crc = 0
        with open(path, "rb") as f:
            f.seek(entry.offset)
            left = entry.size
            while left:
                chunk = f.read(min(left, self._CRC_CHUNK))
                if not chunk:
                    raise DataLossError(
                        f"{path}: unexpected end of file reading {self._label(entry)}; the file is "
                        "truncated."
                    )
                crc = _crc32c.extend(crc, chunk)
                left -= len(chunk)
        if _crc32c.unmask(entry.crc32c) != crc:
            raise DataLossError(
                f"Checksum does not match for variable {self._label(entry)} in {path}: the stored "
                f"CRC32C is {entry.crc32c:#010x} (masked). The data file is corrupt; restore "
                "it from a good copy."
            )
        self._crc_checked.add(entry.key)

    def _read_sliced(self, entry: tb.Entry, dtype: np.dtype, files: dict[int, Any]) -> np.ndarray:
        # Slice keys are OrderedCode(0, name, rank, start0, length0, ...). The code preserves
        # order, so the sorted keys under this name are the slices sorted by extents.
        prefix = b"\x00" + _escape_ordered_code(entry.key) + b"\x00\x01"
        keys = sorted(k for k in self._slice_entries if k.startswith(prefix))
        slices = sorted(entry.slices)
        if len(keys) != len(slices):
            raise DataLossError(
                f"Variable {entry.name} in {self.prefix!r} has {len(slices)} slices in its "
                f"index entry but {len(keys)} slice entries; the checkpoint is corrupt."
            )
        stored = sum(self._slice_entries[k].size for k in keys)
        if math.prod(entry.shape) * dtype.itemsize != stored:
            raise DataLossError(
                f"Variable {entry.name} in {self.prefix!r}.index has shape "
                f"{list(entry.shape)} but its slices hold {stored} bytes of {dtype.name}; "
                "the checkpoint is corrupt."
            )
        out = np.empty(entry.shape, dtype=dtype)
        covered = 0
        for key, extents in zip(keys, slices, strict=True):
            index = tuple(
                slice(0, dim) if length < 0 else slice(start, start + length)
                for (start, length), dim in zip(extents, entry.shape, strict=True)
            )
            part_shape = out[index].shape
            piece = self._read_raw(self._slice_entries[key], dtype, part_shape, files)
            out[index] = piece
            covered += piece.size
        if covered != out.size:
            raise DataLossError(
                f"Variable {entry.name} in {self.prefix!r}: its slices cover {covered} of "
                f"{out.size} elements; the checkpoint is incomplete."
            )
        return out

    def iter_read(self, names: Iterable[str]) -> Iterator[tuple[str, np.ndarray]]:
        """``(name, value)`` for ``names`` in file order (sequential reads), CRCs checked."""
        names = list(dict.fromkeys(names))
        for n in names:
            if n not in self._entries:
                raise KeyError(f"Key {n} not found in checkpoint {self.prefix!r}.")
        files: dict[int, Any] = {}
        try:
            for n in sorted(
                names, key=lambda n: (self._entries[n].shard_id, self._entries[n].offset)
            ):
                yield n, self._read(self._entries[n], files)
        finally:
            for f in files.values():
                f.close()

    def read(self, names: Iterable[str]) -> dict[str, np.ndarray]:
        """``{name: value}`` for ``names``, sorted by name; all checked before it returns."""
        values = dict(self.iter_read(names))
        return {n: values[n] for n in sorted(values)}


def load_checkpoint(ckpt_dir_or_file: str | os.PathLike) -> CheckpointReader:
    """``tf.train.load_checkpoint``: a :class:`CheckpointReader` for a prefix or directory."""
    return CheckpointReader(ckpt_dir_or_file)


def list_variables(ckpt_dir_or_file: str | os.PathLike) -> list[tuple[str, list[int]]]:
    """``tf.train.list_variables``: ``[(name, shape)]`` of every tensor, sorted by name."""
    return list(CheckpointReader(ckpt_dir_or_file).get_variable_to_shape_map().items())


def load_variables(ckpt_dir_or_file: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every numeric tensor of a checkpoint as ``{name: np.ndarray}``, sorted by name.

    TF1: ``reader = tf.train.load_checkpoint(path)`` then ``reader.get_tensor(name)`` for
    every name. String (and other non-numeric) tensors are skipped with a warning.

    Raises:
      NotFoundError: (a ``FileNotFoundError``) no such checkpoint, or a data shard is missing.
      DataLossError: a file is truncated or fails its CRC32C check (nothing is returned).
    """
    reader = CheckpointReader(ckpt_dir_or_file)
    names = [n for n in reader.get_variable_to_shape_map() if reader.loadable(n)]
    skipped = [
        f"{n} ({reader._entries[n].dtype_name})"
        for n in reader.get_variable_to_shape_map()
        if not reader.loadable(n) and n != _OBJECT_GRAPH_KEY
    ]
    if skipped:
        warnings.warn(
            f"Checkpoint {reader.prefix!r}: skipped {len(skipped)} non-numeric tensor(s) "
            f"that flaxscope variables cannot hold: {', '.join(skipped)}.",
            stacklevel=2,
        )
    return reader.read(names)


def _like(template: Any, value: np.ndarray) -> Any:
    """``value`` in the form of ``template``: a JAX array on its sharding, or numpy."""
    if isinstance(template, jax.Array):
        return jax.device_put(value, template.sharding)
    if isinstance(template, jax.ShapeDtypeStruct):
        sharding = getattr(template, "sharding", None)
        return jax.device_put(value, sharding) if sharding is not None else jax.device_put(value)
    return value


def _check_shape(name: str, template: Any, shape: Iterable[int], tensor: str) -> None:
    if tuple(np.shape(template)) != tuple(shape):
        raise ValueError(
            f"Shape of variable {name} ({list(np.shape(template))}) doesn't match with shape "
            f"of tensor {tensor} ({list(shape)}) from checkpoint reader."
        )


def restore(save_path: str | os.PathLike, variables: Mapping[str, Any]) -> dict[str, Any]:
    """``saver.restore(sess, save_path)``: a new variables tree with every value from the checkpoint.

    ``variables`` is the template (a tree or flat dict; arrays, or ``jax.ShapeDtypeStruct``
    from ``jax.eval_shape``): every name in it must be in the checkpoint with the same
    shape, and the dtype of the variable or its 64-bit counterpart (see the module doc).
    Checkpoint tensors not in ``variables`` are ignored, as TF1's Saver ignores them.
    JAX arrays come back on the template's sharding.
    """
    reader = CheckpointReader(save_path)
    flat = flatten_variables(variables)
    missing = [n for n in flat if not reader.has_tensor(n)]
    if missing:
        raise KeyError(
            f"Key {missing[0]} not found in checkpoint {reader.prefix!r}"
            + (f" (nor {len(missing) - 1} more: {missing[1:6]})" if len(missing) > 1 else "")
            + ". Map differing names with init_from_checkpoint(path, assignment_map, ...)."
        )
    for n in flat:
        _check_shape(n, flat[n], reader._entries[n].shape, n)
    # Each value is converted as soon as it is read, so only one tensor is ever held twice.
    # A failure part-way raises, and the partial result is dropped with the frame.
    new = {
        n: _like(flat[n], convert_loaded(n, v, template_dtype(flat[n]), f"checkpoint tensor {n}"))
        for n, v in reader.iter_read(flat)
    }
    return rebuild(variables, new)


def init_from_checkpoint(
    ckpt_dir_or_file: str | os.PathLike,
    assignment_map: Mapping[str, str] | Iterable[tuple[str, str]],
    variables: Mapping[str, Any],
) -> dict[str, Any]:
    """``tf.train.init_from_checkpoint``: ``variables`` with some values from a checkpoint.

    ``assignment_map`` maps checkpoint names to variable names with TF1's rules:

    - ``{'ckpt_scope/': 'scope/'}``: every variable under ``scope/`` from the checkpoint
      tensor with the same name under ``ckpt_scope/``;
    - ``{'ckpt_scope/w': 'scope/v'}``: one variable;
    - ``{'/': 'scope/'}``: every variable under ``scope/`` from the checkpoint's root
      (and ``{'ckpt_scope/': '/'}``, ``{'/': '/'}`` for the whole model).

    A list of pairs may be given instead of a dict (to load one tensor into several
    variables). Variables not named by the map keep their values. Errors are TF1's.
    """
    reader = CheckpointReader(ckpt_dir_or_file)
    variable_map = reader.get_variable_to_shape_map()
    store = flatten_variables(variables)
    if isinstance(assignment_map, Mapping):
        pairs = assignment_map.items()
    elif isinstance(assignment_map, Iterable) and not isinstance(assignment_map, (str, bytes)):
        pairs = assignment_map
    else:
        raise TypeError(
            "init_from_checkpoint(ckpt_dir_or_file, assignment_map, variables): "
            "assignment_map must be a dict {checkpoint name or scope: variable name or scope} "
            f"(or a list of such pairs), not {type(assignment_map).__name__}. To load every "
            "variable under its own name, pass {'/': '/'}."
        )
    plan: dict[str, str] = {}  # variable name -> checkpoint tensor name
    for tensor_name, var_name in sorted(pairs, key=lambda p: p[0]):
        if not isinstance(var_name, str):
            raise TypeError(
                f"assignment_map[{tensor_name!r}] must be a variable name (str), not "
                f"{type(var_name).__name__}; flaxscope variables are named by their TF name."
            )
        if var_name in store:
            if tensor_name not in variable_map:
                raise ValueError(
                    f"Tensor {tensor_name} is not found in {os.fspath(ckpt_dir_or_file)} "
                    f"checkpoint {variable_map}"
                )
            _check_shape(var_name, store[var_name], variable_map[tensor_name], tensor_name)
            plan[var_name] = tensor_name
            continue
        scopes = var_name[: var_name.rindex("/")] if "/" in var_name else ""
        if not tensor_name.endswith("/"):
            raise ValueError(
                f"Assignment map with scope only name {scopes} should map to scope only "
                f"{tensor_name}. Should be 'scope/': 'other_scope/'. (No variable is named "
                f"{var_name!r}; to load a single variable, use its full name.)"
            )
        for name in sorted(n for n in store if not scopes or n.startswith(scopes + "/")):
            full = name[len(scopes) :]
            if var_name != "/":
                full = full[1:]
            if tensor_name != "/":
                full = tensor_name + full
            full = full.removesuffix("/")
            if full not in variable_map:
                raise ValueError(
                    f"Tensor {full} ({name[len(scopes) + 1 :]} in {tensor_name}) is not found "
                    f"in {os.fspath(ckpt_dir_or_file)} checkpoint"
                )
            plan[name] = full
    for name, tensor in plan.items():
        _check_shape(name, store[name], variable_map[tensor], tensor)
    by_tensor: dict[str, list[str]] = {}
    for name, tensor in plan.items():
        by_tensor.setdefault(tensor, []).append(name)
    new = {}
    for tensor, value in reader.iter_read(by_tensor):
        for n in by_tensor[tensor]:
            source = f"checkpoint tensor {tensor}"
            new[n] = _like(store[n], convert_loaded(n, value, template_dtype(store[n]), source))
    return rebuild(variables, new)
