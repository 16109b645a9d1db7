"""TF1 checkpoints of variables laid out on a mesh, written and read shard by shard.

TF1 saved a partitioned variable (``partitioner=``) as *slices*: one index entry under
the variable's full name with its full shape and the list of slices, and one entry per
slice holding that slice's bytes, keyed by TF's encoding of ``(name, slice)``. A sharded
``tf.train.Saver`` wrote one ``.data-SSSSS-of-NNNNN`` file per device and merged the
indexes into one ``.index``. :func:`save_sharded` writes the same files from JAX arrays
on a mesh, across all processes of a ``jax.distributed`` job:

* every process computes the same plan: each distinct shard of each variable is written
  once, by one of the processes that hold it (the one with the fewest bytes so far), as a
  slice; a variable held whole by some device (replicated) is written as a plain entry;
* each process writes only its own shards, from its own devices, to its own data file
  ``prefix.data-{process:05d}-of-{processes:05d}`` (so no host ever holds a whole
  partitioned variable), under a temporary name, plus a small partial index;
* only after a barrier (every process has written) does process 0 merge the partial
  indexes into ``prefix.index``, renamed into place as the commit, and only then update
  the ``checkpoint`` state file; a last barrier makes the checkpoint visible to every
  process before ``save_sharded`` returns. All processes must see one file system (as
  TF's sharded saver needed).

A save killed at any moment (any process, any step) leaves at the prefix either the
checkpoint that was there before or the new one, whole, and ``latest_checkpoint`` names
a checkpoint only once it is whole. Readers check every tensor's CRC32C, also when a
device reads only part of a stored slice.

``tf.train.Saver`` restores such a checkpoint into partitioned variables (any partition
count) or whole ones, and :func:`restore_sharded` restores it onto any mesh, each process
reading only the regions its devices hold.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import numpy as np
from jax.experimental import multihost_utils

from flaxscope.checkpoint import _crc32c
from flaxscope.checkpoint import bundle as tb
from flaxscope.checkpoint._dtypes import convert_loaded, save_dtype, template_dtype
from flaxscope.checkpoint._files import (
    commit_index,
    index_shards,
    link_or_copy,
    make_directory,
    remove,
    remove_data_files,
    remove_temporaries,
)
from flaxscope.checkpoint.reader import CheckpointReader
from flaxscope.checkpoint.state import update_state
from flaxscope.trees import flatten_variables, rebuild

__all__ = ["restore_sharded", "save_sharded", "slice_key"]

Extents = tuple[tuple[int, int], ...]  # per dimension: (start, length)


# --- TF's key of one slice: OrderedCode(0, name, rank, start_0, length_0, ...) --------------
def _increasing(value: int) -> bytes:
    """An unsigned number as a length byte and big-endian bytes (order-preserving)."""
    body = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return bytes([len(body)]) + body


_HEADER_BITS = [
    (0x00, 0x00), (0x80, 0x00), (0xC0, 0x00), (0xE0, 0x00), (0xF0, 0x00), (0xF8, 0x00),
    (0xFC, 0x00), (0xFE, 0x00), (0xFF, 0x00), (0xFF, 0x80), (0xFF, 0xC0),
]  # fmt: skip


def _signed_increasing(value: int) -> bytes:
    """A signed 64-bit number in an order-preserving code: the leading ones of the first
    byte(s) give the length, the rest is the two's complement value (7 bits per byte)."""
    magnitude = ~value if value < 0 else value
    length = magnitude.bit_length() // 7 + 1
    raw = bytearray((value & ((1 << (8 * length)) - 1)).to_bytes(length, "big"))
    first, second = _HEADER_BITS[length]
    raw[0] ^= first
    if length > 1:
        raw[1] ^= second
    return bytes(raw)


def _escaped(name: bytes) -> bytes:
    return name.replace(b"\xff", b"\xff\x00").replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def slice_key(name: str, extents: Sequence[tuple[int, int]]) -> bytes:
    """The ``.index`` key of slice ``extents`` (``(start, length)`` per axis) of ``name``.

    TF1: ``EncodeTensorNameSlice`` (the key a partitioned variable's part is saved under).
    """
    key = _increasing(0) + _escaped(name.encode("utf-8")) + _increasing(len(extents))
    for start, length in extents:
        key += _signed_increasing(int(start)) + _signed_increasing(int(length))
    return key


# --- the plan every process computes alike ---------------------------------------------------
@dataclasses.dataclass
class _Piece:
    name: str
    extents: Extents
    whole: bool  # the variable is stored as a plain entry, not as slices
    writer: int  # the process that writes it


def _extents(index: tuple[slice, ...], shape: tuple[int, ...]) -> Extents:
    out = []
    for s, dim in zip(index, shape, strict=True):
        start, stop, _ = s.indices(dim)
        out.append((start, stop - start))
    return tuple(out)


def _plan(flat: Mapping[str, Any], processes: int) -> list[_Piece]:
    load = [0] * processes
    plan: list[_Piece] = []
    for name in sorted(flat):
        value = flat[name]
        shape = tuple(np.shape(value))
        itemsize = np.dtype(value.dtype).itemsize
        holders: dict[Extents, set[int]] = {}
        if isinstance(value, jax.Array):
            for device, index in value.sharding.devices_indices_map(shape).items():
                holders.setdefault(_extents(index, shape), set()).add(device.process_index)
        else:  # a host array: the same on every process
            holders[tuple((0, d) for d in shape)] = set(range(processes))
        full = tuple((0, d) for d in shape)
        if full in holders:
            holders = {full: holders[full]}
        for extents in sorted(holders):
            writer = min(holders[extents], key=lambda p: (load[p], p))
            load[writer] += int(np.prod([n for _, n in extents])) * itemsize
            plan.append(_Piece(name, extents, extents == full, writer))
    return plan


def _local_piece(value: Any, extents: Extents) -> np.ndarray:
    """The piece ``extents`` of ``value`` from this process's own devices (never gathered)."""
    if not isinstance(value, jax.Array):
        return np.asarray(value)[tuple(slice(s, s + n) for s, n in extents)]
    for shard in value.addressable_shards:
        if _extents(shard.index, value.shape) == extents:
            return np.asarray(shard.data)
    raise AssertionError(f"no local shard {extents}")  # the plan only assigns held pieces


def _barrier(name: str) -> None:
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices(name)


def _part_index(prefix: str, process: int, processes: int) -> str:
    return f"{prefix}.index-part-{process:05d}-of-{processes:05d}"


def save_sharded(
    save_path: str | os.PathLike,
    variables: Mapping[str, Any],
    global_step: int | Any | None = None,
    *,
    dtypes: Mapping[str, Any] | None = None,
    latest_filename: str = "checkpoint",
    write_state: bool = True,
) -> str:
    """``tf.train.Saver(sharded=True).save``: every process writes the shards it holds.

    Call it on every process of the job with the same arguments (the variables tree as
    ``init``/training leaves it: ``jax.Array`` s on a mesh). Writes ``{prefix}.index`` and
    one ``{prefix}.data-{p:05d}-of-{n:05d}`` per process; sharded variables are stored as
    TF1 stores partitioned ones (slices under the variable's name), replicated ones as
    whole tensors, each written once. Returns the prefix (``save_path``, or
    ``f"{save_path}-{global_step}"``). ``dtypes`` and ``global_step`` as in
    :func:`flaxscope.checkpoint.save`. One job saves to a prefix at a time.

    Crash-safe as :func:`flaxscope.checkpoint.save`: data and index files are written
    under temporary names and renamed; the ``.index`` is published only after every
    process has finished writing, the state file after it. Overwriting a checkpoint of as
    many data files goes through a checkpoint of ``processes + 1`` files (hard links),
    so the old one stays readable until the new one is.
    """
    flat = flatten_variables(variables)
    dtypes = dict(dtypes or {})
    unknown = sorted(set(dtypes) - set(flat))
    if unknown:
        raise KeyError(f"dtypes names variables that are not being saved: {unknown}")
    bad = [n for n in flat if not isinstance(n, str) or not n]
    if bad:
        raise TypeError(
            f"save_sharded: variable names must be non-empty strings (TF names such as "
            f"'scope/w'), got {bad[0]!r}. Pass the tree that init returns."
        )
    prefix = os.fspath(save_path)
    if global_step is not None:
        prefix = f"{prefix}-{int(np.asarray(global_step))}"
    me, processes = jax.process_index(), jax.process_count()
    targets = {n: save_dtype(n, np.dtype(flat[n].dtype), dtypes) for n in flat}
    for target in targets.values():
        tb.tf_datatype(target)  # refuse unsupported dtypes before writing anything
    plan = _plan(flat, processes)

    if me == 0:
        make_directory(os.path.dirname(os.path.abspath(prefix)), prefix)
        remove_temporaries(prefix)  # what a killed save left; one save per prefix at a time
        for path in glob.glob(f"{glob.escape(prefix)}.index-part-?????-of-?????*"):
            remove(path)
    _barrier(f"flaxscope_save_start:{prefix}")
    # The index at the prefix is replaced only after every process has written, so all
    # processes read the same answer here.
    overwrite = index_shards(prefix) == processes

    # This process's data file (under a temporary name) and partial index.
    tag = f".tmp{uuid.uuid4().hex}"
    data_path = tb.data_filename(prefix, me, processes)
    try:
        entries = _write_data(data_path + tag, plan, flat, targets, me)
        part = _part_index(prefix, me, processes)
        with open(part + tag, "wb") as f:
            f.write(tb.write_table(sorted(entries)))
        os.replace(part + tag, part)
    except BaseException:
        remove(data_path + tag)
        raise
    _barrier(f"flaxscope_save_written:{prefix}")

    # Every process has written: commit. The index is the commit point; until it is
    # replaced, the old checkpoint at this prefix (if any) and its data files are untouched.
    table = _merged_index(prefix, plan, flat, targets, processes) if me == 0 else []
    if overwrite:
        # The old index reads the very file names this save renames into place: first
        # publish the new data as a checkpoint of processes + 1 files (hard links to the
        # same bytes and one empty file: TF1's format too), then the usual one.
        staged = tb.data_filename(prefix, me, processes + 1)
        remove(staged)  # a killed save's, never read: the index reads `processes` files
        link_or_copy(data_path + tag, staged, tag)
        if me == 0:
            with open(tb.data_filename(prefix, processes, processes + 1), "wb"):
                pass
        _barrier(f"flaxscope_save_linked:{prefix}")
        if me == 0:
            commit_index(prefix, table, processes + 1, tag)
        _barrier(f"flaxscope_save_staged:{prefix}")
    os.replace(data_path + tag, data_path)
    _barrier(f"flaxscope_save_renamed:{prefix}")
    if me == 0:
        commit_index(prefix, table, processes, tag)
        mine = {tb.data_filename(prefix, p, processes) for p in range(processes)}
        remove_data_files(prefix, keep=mine.__contains__)  # the old or staged ones
        for p in range(processes):
            remove(_part_index(prefix, p, processes))
        if write_state:
            update_state(prefix, latest_filename, os.path.getmtime(prefix + ".index"))
    _barrier(f"flaxscope_save_done:{prefix}")
    return prefix


def _write_data(
    path: str,
    plan: list[_Piece],
    flat: Mapping[str, Any],
    targets: Mapping[str, np.dtype],
    me: int,
) -> list[tuple[bytes, bytes]]:
    """Writes this process's pieces to ``path``; returns their index entries."""
    entries: list[tuple[bytes, bytes]] = []
    with open(path, "wb") as f:
        offset = 0
        for piece in plan:
            if piece.writer != me:
                continue
            arr = _local_piece(flat[piece.name], piece.extents)
            target = targets[piece.name]
            if target != arr.dtype:
                if np.issubdtype(target, np.integer) and arr.size:
                    info = np.iinfo(target)
                    if arr.min() < info.min or arr.max() > info.max:
                        raise ValueError(f"Variable {piece.name}: values do not fit {target.name}.")
                arr = arr.astype(target)
            arr = np.ascontiguousarray(arr)
            buf = tb.byte_view(arr)
            f.write(buf)
            proto = tb.BundleEntryProto()
            proto.ParseFromString(
                tb.entry_bytes(arr.dtype, arr.shape, offset, arr.nbytes, _crc32c.masked_value(buf))
            )
            proto.shard_id = me
            key = (
                piece.name.encode("utf-8") if piece.whole else slice_key(piece.name, piece.extents)
            )
            entries.append((key, proto.SerializeToString(deterministic=True)))
            offset += arr.nbytes
    return entries


def _merged_index(
    prefix: str,
    plan: list[_Piece],
    flat: Mapping[str, Any],
    targets: Mapping[str, np.dtype],
    processes: int,
) -> list[tuple[bytes, bytes]]:
    """Every process's partial index and the sliced variables' own entries, sorted."""
    merged = dict(_full_entries(plan, flat, targets))
    for p in range(processes):
        path = _part_index(prefix, p, processes)
        with open(path, "rb") as f:
            merged.update(tb.read_table(f.read(), path))
    return sorted(merged.items())


def _full_entries(
    plan: list[_Piece], flat: Mapping[str, Any], targets: Mapping[str, np.dtype]
) -> list[tuple[bytes, bytes]]:
    """The entry under a sliced variable's own name: dtype, full shape, its slices."""
    slices: dict[str, list[Extents]] = {}
    for piece in plan:
        if not piece.whole:
            slices.setdefault(piece.name, []).append(piece.extents)
    out = []
    for name, extents_list in slices.items():
        proto = tb.BundleEntryProto(dtype=tb.tf_datatype(targets[name]))
        proto.shape.SetInParent()
        for d in np.shape(flat[name]):
            proto.shape.dim.add(size=int(d))
        for extents in extents_list:
            message = proto.slices.add()
            for start, length in extents:
                message.extent.add(start=start, length=length)
        out.append((name.encode("utf-8"), proto.SerializeToString(deterministic=True)))
    return out


# --- reading a region ------------------------------------------------------------------------
def _overlap(a: Extents, b: Extents) -> Extents | None:
    out = []
    for (s1, n1), (s2, n2) in zip(a, b, strict=True):
        lo, hi = max(s1, s2), min(s1 + n1, s2 + n2)
        if hi <= lo and not (n1 == 0 or n2 == 0):
            return None
        out.append((lo, max(hi - lo, 0)))
    return tuple(out)


def _stored_region(
    reader: CheckpointReader,
    entry: tb.Entry,
    dtype: np.dtype,
    shape: tuple[int, ...],
    want: Extents,
    whole: Extents,
) -> np.ndarray:
    """Region ``want`` of one stored tensor (or slice) whose extents are ``whole``."""
    if want == whole:
        return reader.read_entry(entry, dtype, shape)  # CRC32C checked
    # Part of a stored tensor: its CRC32C covers the whole of it, so stream the whole
    # through the check once (per reader), then map its bytes and copy just that part.
    reader.check_crc(entry)
    stored = np.memmap(
        reader.shard_path(entry.shard_id), dtype=dtype, mode="r", offset=entry.offset, shape=shape
    )
    return np.array(
        stored[
            tuple(slice(s - w0, s - w0 + n) for (s, n), (w0, _) in zip(want, whole, strict=True))
        ]
    )


def read_region(reader: CheckpointReader, name: str, index: tuple[slice, ...]) -> np.ndarray:
    """``reader.get_tensor(name)[index]``, reading only the stored pieces that overlap it."""
    entry = reader.entry(name)
    if entry is None:
        raise KeyError(f"Key {name} not found in checkpoint {reader.prefix!r}.")
    dtype = tb.numpy_dtype(entry.dtype)
    if dtype is None:
        raise TypeError(
            f"Variable {name} is a {entry.dtype_name} tensor; flaxscope reads numeric tensors only."
        )
    want = _extents(tuple(index) + (slice(None),) * (len(entry.shape) - len(index)), entry.shape)
    out = np.empty(tuple(n for _, n in want), dtype=dtype)
    if not entry.slices:
        whole = tuple((0, d) for d in entry.shape)
        out[...] = _stored_region(reader, entry, dtype, entry.shape, want, whole)
        return out
    covered = 0
    for extents in entry.slices:
        stored = tuple(
            (s, d if n < 0 else n) for (s, n), d in zip(extents, entry.shape, strict=True)
        )
        common = _overlap(stored, want)
        if common is None or 0 in (n for _, n in common) and out.size:
            continue
        key = slice_key(name, stored)
        piece_entry = reader.slice_entry(key)
        if piece_entry is None:
            raise KeyError(f"Checkpoint {reader.prefix!r}: slice {stored} of {name} has no entry.")
        part = _stored_region(
            reader, piece_entry, dtype, tuple(n for _, n in stored), common, stored
        )
        out[
            tuple(slice(s - w0, s - w0 + n) for (s, n), (w0, _) in zip(common, want, strict=True))
        ] = part
        covered += part.size
    if covered != out.size:
        raise ValueError(
            f"Checkpoint {reader.prefix!r}: the slices of {name} cover {covered} of the "
            f"{out.size} elements asked for; the checkpoint is incomplete."
        )
    return out


def restore_sharded(save_path: str | os.PathLike, variables: Mapping[str, Any]) -> dict[str, Any]:
    """``saver.restore`` onto a mesh: each device's region read from the file, nothing whole.

    ``variables`` is the template: ``jax.Array`` s or ``jax.ShapeDtypeStruct`` s with a
    ``sharding`` (from ``jax.eval_shape(model.init, ...)`` of a ``transform(...,
    mesh=...)``), or numpy arrays (read whole). Works for checkpoints with or without
    slices (TF1's, :func:`flaxscope.checkpoint.save`'s, :func:`save_sharded`'s) and any
    mesh; in a multi-process job every process reads only what its devices hold. Names,
    shapes and dtypes are checked as :func:`flaxscope.checkpoint.restore` checks them.
    """
    reader = CheckpointReader(save_path)
    flat = flatten_variables(variables)
    missing = [n for n in flat if not reader.has_tensor(n)]
    if missing:
        raise KeyError(
            f"Key {missing[0]} not found in checkpoint {reader.prefix!r}. Map differing names "
            "with init_from_checkpoint(path, assignment_map, ...)."
        )
    new = {}
    for name in sorted(flat):
        template = flat[name]
        shape = tuple(reader.entry(name).shape)
        if tuple(np.shape(template)) != shape:
            raise ValueError(
                f"Shape of variable {name} ({list(np.shape(template))}) doesn't match with shape "
                f"of tensor {name} ({list(shape)}) from checkpoint reader."
            )
        target = template_dtype(template)
        source = f"checkpoint tensor {name}"
        sharding = getattr(template, "sharding", None)
        if sharding is None:
            new[name] = convert_loaded(name, read_region(reader, name, ()), target, source)
            continue
        new[name] = jax.make_array_from_callback(
            shape,
            sharding,
            lambda index, name=name, target=target, source=source: convert_loaded(
                name, read_region(reader, name, index), target, source
            ),
        )
    return rebuild(variables, new)
