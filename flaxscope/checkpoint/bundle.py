"""TensorFlow's tensor-bundle checkpoint format (``.index`` + ``.data-*``), without TensorFlow.

A checkpoint ``prefix`` is ``prefix.index`` and ``prefix.data-SSSSS-of-NNNNN``:

- ``.index`` is a LevelDB-format sorted table (TF's ``tensorflow::table``, a copy of
  LevelDB's ``table`` format): data blocks of prefix-compressed ``key -> value`` entries
  with restart points, each block followed by a type byte (0 = uncompressed) and the
  masked CRC32C of block + type byte; then a metaindex block, an index block whose values
  are ``BlockHandle`` s (two varints: offset, size) of the data blocks, and a 48-byte
  footer: the metaindex and index handles, zero padding, and the magic number
  ``0xdb4775248b80fb57``. Key ``""`` holds a ``BundleHeaderProto``; every other key is a
  tensor name and holds a ``BundleEntryProto`` (dtype, shape, shard, offset, size, masked
  CRC32C of the tensor's bytes).
- ``.data-*`` files hold the raw little-endian bytes of each tensor.

Why the table code is written here: no maintained Python library reads one LevelDB table
file. ``plyvel`` and the ``leveldb`` bindings open whole databases (a directory with
``CURRENT`` and ``MANIFEST``), need the C++ LevelDB library, and are not in JAX's
dependency tree; the format is small, fixed since 2011, and the reader below checks every
byte it depends on (block CRCs, footer magic, handle bounds).

The protobuf messages are parsed and written with the ``protobuf`` package, which flaxscope
already installs through ``flax -> orbax-checkpoint``. The message types are declared here
in a private descriptor pool (field numbers and types copied from TensorFlow's
``tensor_bundle.proto``, ``tensor_shape.proto``, ``tensor_slice.proto``,
``versions.proto`` and ``checkpoint_state.proto``), so no generated ``_pb2`` code has to
match the installed protobuf runtime, and nothing clashes with TensorFlow's own
registrations when both are imported.
"""

from __future__ import annotations

import dataclasses
import math
import struct
import sys
from collections.abc import Iterable, Sequence

import ml_dtypes
import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from flaxscope.checkpoint import _crc32c
from flaxscope.errors import DataLossError

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48  # 2 * BlockHandle max (2 * 10 bytes each) + 8 bytes magic
BLOCK_TRAILER_SIZE = 5
BLOCK_SIZE = 256 * 1024  # TF's table::Options::block_size
RESTART_INTERVAL = 16
HEADER_KEY = b""
BUNDLE_VERSION = 1  # kTensorBundleVersion
BUNDLE_MIN_PRODUCER = 0
BUNDLE_MIN_CONSUMER = 0


# ---------------------------------------------------------------------------------------
# dtypes: TensorFlow's DataType enum (tensorflow/core/framework/types.proto) <-> numpy

DT_STRING = 7
_DT_TO_NUMPY: dict[int, np.dtype] = {
    1: np.dtype(np.float32),
    2: np.dtype(np.float64),
    3: np.dtype(np.int32),
    4: np.dtype(np.uint8),
    5: np.dtype(np.int16),
    6: np.dtype(np.int8),
    8: np.dtype(np.complex64),
    9: np.dtype(np.int64),
    10: np.dtype(np.bool_),
    14: np.dtype(ml_dtypes.bfloat16),
    17: np.dtype(np.uint16),
    18: np.dtype(np.complex128),
    19: np.dtype(np.float16),
    22: np.dtype(np.uint32),
    23: np.dtype(np.uint64),
    24: np.dtype(ml_dtypes.float8_e5m2),
    25: np.dtype(ml_dtypes.float8_e4m3fn),
}
_NUMPY_TO_DT: dict[np.dtype, int] = {v: k for k, v in _DT_TO_NUMPY.items()}
DT_NAMES: dict[int, str] = {
    7: "string",
    11: "qint8",
    12: "quint8",
    13: "qint32",
    15: "qint16",
    16: "quint16",
    20: "resource",
    21: "variant",
    **{k: v.name for k, v in _DT_TO_NUMPY.items()},
}


def numpy_dtype(dt: int) -> np.dtype | None:
    """The numpy dtype of TF DataType ``dt``; ``None`` for types with no numpy array form."""
    return _DT_TO_NUMPY.get(dt)


def tf_datatype(dtype: np.dtype) -> int:
    """The TF DataType enum value of a numpy dtype."""
    try:
        return _NUMPY_TO_DT[np.dtype(dtype)]
    except KeyError:
        raise TypeError(
            f"dtype {np.dtype(dtype)} has no TensorFlow checkpoint type; cast the variable to "
            f"one of {sorted(d.name for d in _NUMPY_TO_DT)} before saving."
        ) from None


# ---------------------------------------------------------------------------------------
# protobuf messages, declared in a private pool

_F = descriptor_pb2.FieldDescriptorProto


def _build_messages() -> dict[str, type]:
    fd = descriptor_pb2.FileDescriptorProto(
        name="flaxscope/tf_checkpoint.proto", package="flaxscope.tf", syntax="proto3"
    )

    def message(name: str, fields: Sequence[tuple], parent=None):
        msg = (parent.nested_type if parent is not None else fd.message_type).add(name=name)
        for fname, number, ftype, label, type_name, *oneof in fields:
            field = msg.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = type_name
            if oneof:
                field.oneof_index = oneof[0]
        return msg

    opt, rep = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
    shape = message(
        "TensorShapeProto",
        [
            ("dim", 2, _F.TYPE_MESSAGE, rep, ".flaxscope.tf.TensorShapeProto.Dim"),
            ("unknown_rank", 3, _F.TYPE_BOOL, opt, None),
        ],
    )
    message(
        "Dim",
        [("size", 1, _F.TYPE_INT64, opt, None), ("name", 2, _F.TYPE_STRING, opt, None)],
        parent=shape,
    )
    tslice = message(
        "TensorSliceProto",
        [("extent", 1, _F.TYPE_MESSAGE, rep, ".flaxscope.tf.TensorSliceProto.Extent")],
    )
    extent = message(
        "Extent",
        [("start", 1, _F.TYPE_INT64, opt, None), ("length", 2, _F.TYPE_INT64, opt, None, 0)],
        parent=tslice,
    )
    extent.oneof_decl.add(name="has_length")
    message(
        "VersionDef",
        [
            ("producer", 1, _F.TYPE_INT32, opt, None),
            ("min_consumer", 2, _F.TYPE_INT32, opt, None),
            ("bad_consumers", 3, _F.TYPE_INT32, rep, None),
        ],
    )
    # dtype and endianness are enums in TF's .proto; int32 has the same wire format.
    message(
        "BundleHeaderProto",
        [
            ("num_shards", 1, _F.TYPE_INT32, opt, None),
            ("endianness", 2, _F.TYPE_INT32, opt, None),
            ("version", 3, _F.TYPE_MESSAGE, opt, ".flaxscope.tf.VersionDef"),
        ],
    )
    message(
        "BundleEntryProto",
        [
            ("dtype", 1, _F.TYPE_INT32, opt, None),
            ("shape", 2, _F.TYPE_MESSAGE, opt, ".flaxscope.tf.TensorShapeProto"),
            ("shard_id", 3, _F.TYPE_INT32, opt, None),
            ("offset", 4, _F.TYPE_INT64, opt, None),
            ("size", 5, _F.TYPE_INT64, opt, None),
            ("crc32c", 6, _F.TYPE_FIXED32, opt, None),
            ("slices", 7, _F.TYPE_MESSAGE, rep, ".flaxscope.tf.TensorSliceProto"),
        ],
    )
    message(
        "CheckpointState",
        [
            ("model_checkpoint_path", 1, _F.TYPE_STRING, opt, None),
            ("all_model_checkpoint_paths", 2, _F.TYPE_STRING, rep, None),
            ("all_model_checkpoint_timestamps", 3, _F.TYPE_DOUBLE, rep, None),
            ("last_preserved_timestamp", 4, _F.TYPE_DOUBLE, opt, None),
        ],
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    names = ["BundleHeaderProto", "BundleEntryProto", "CheckpointState", "TensorSliceProto"]
    return {
        n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"flaxscope.tf.{n}"))
        for n in names
    }


_MESSAGES = _build_messages()
BundleHeaderProto = _MESSAGES["BundleHeaderProto"]
BundleEntryProto = _MESSAGES["BundleEntryProto"]
CheckpointState = _MESSAGES["CheckpointState"]


# ---------------------------------------------------------------------------------------
# varints


def _read_varint(buf: bytes, pos: int, limit: int, what: str) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= limit or shift > 63:
            raise DataLossError(f"bad varint in {what}")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


# ---------------------------------------------------------------------------------------
# table reading


def _read_block(data: bytes, offset: int, size: int, filename: str) -> bytes:
    if offset + size + BLOCK_TRAILER_SIZE > len(data) - FOOTER_SIZE:
        raise DataLossError(
            f"{filename}: block at offset {offset} (size {size}) runs past the end of the "
            f"file ({len(data)} bytes): the file is truncated or corrupt."
        )
    contents = data[offset : offset + size]
    block_type = data[offset + size]
    (stored,) = struct.unpack_from("<I", data, offset + size + 1)
    actual = _crc32c.value(data[offset : offset + size + 1])
    if _crc32c.unmask(stored) != actual:
        raise DataLossError(
            f"{filename}: block checksum mismatch at offset {offset}: the .index file is "
            "corrupt. Restore it from a good copy (TensorFlow refuses it too)."
        )
    if block_type != 0:
        raise DataLossError(
            f"{filename}: block at offset {offset} has compression type {block_type}; "
            "TensorFlow writes checkpoint indexes uncompressed (type 0), so this is not a "
            "TensorFlow checkpoint index or it is corrupt."
        )
    return contents


def _block_entries(block: bytes, filename: str) -> Iterable[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise DataLossError(f"{filename}: block too short ({len(block)} bytes)")
    (num_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 - 4 * num_restarts
    if limit < 0:
        raise DataLossError(f"{filename}: bad restart array in block")
    pos = 0
    key = b""
    what = f"{filename} block entry"
    while pos < limit:
        shared, pos = _read_varint(block, pos, limit, what)
        non_shared, pos = _read_varint(block, pos, limit, what)
        value_len, pos = _read_varint(block, pos, limit, what)
        if shared > len(key) or pos + non_shared + value_len > limit:
            raise DataLossError(f"{filename}: corrupt entry in block")
        key = key[:shared] + block[pos : pos + non_shared]
        pos += non_shared
        yield key, block[pos : pos + value_len]
        pos += value_len


def _block_handle(value: bytes, pos: int, filename: str) -> tuple[int, int, int]:
    offset, pos = _read_varint(value, pos, len(value), f"{filename} block handle")
    size, pos = _read_varint(value, pos, len(value), f"{filename} block handle")
    return offset, size, pos


def read_table(data: bytes, filename: str) -> list[tuple[bytes, bytes]]:
    """All ``(key, value)`` pairs of a TF/LevelDB table file, in key order, CRCs checked."""
    if len(data) < FOOTER_SIZE:
        raise DataLossError(
            f"{filename}: {len(data)} bytes is shorter than a table footer ({FOOTER_SIZE}): "
            "the file is truncated or not a TensorFlow checkpoint index."
        )
    footer = data[-FOOTER_SIZE:]
    (magic,) = struct.unpack_from("<Q", footer, FOOTER_SIZE - 8)
    if magic != TABLE_MAGIC:
        raise DataLossError(
            f"{filename}: not a TensorFlow checkpoint index (bad magic number "
            f"{magic:#x}); the file is truncated, corrupt, or of another format (a V1 "
            "checkpoint has no .index file)."
        )
    _, _, pos = _block_handle(footer, 0, filename)  # metaindex: TF stores nothing there
    index_offset, index_size, _ = _block_handle(footer, pos, filename)
    index = _read_block(data, index_offset, index_size, filename)
    entries: list[tuple[bytes, bytes]] = []
    for _, handle in _block_entries(index, filename):
        offset, size, _ = _block_handle(handle, 0, filename)
        entries.extend(_block_entries(_read_block(data, offset, size, filename), filename))
    if any(a[0] >= b[0] for a, b in zip(entries, entries[1:], strict=False)):
        raise DataLossError(f"{filename}: keys are not in sorted order; the file is corrupt.")
    return entries


# ---------------------------------------------------------------------------------------
# table writing


class _BlockBuilder:
    def __init__(self, restart_interval: int):
        self.restart_interval = restart_interval
        self.reset()

    def reset(self) -> None:
        self.buf = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""
        self.num_entries = 0

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.counter < self.restart_interval:
            limit = min(len(key), len(self.last_key))
            while shared < limit and key[shared] == self.last_key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.counter = 0
        self.buf += _varint(shared) + _varint(len(key) - shared) + _varint(len(value))
        self.buf += key[shared:] + value
        self.last_key = key
        self.counter += 1
        self.num_entries += 1

    def size_estimate(self) -> int:
        return len(self.buf) + 4 * len(self.restarts) + 4

    def finish(self) -> bytes:
        out = bytes(self.buf) + b"".join(struct.pack("<I", r) for r in self.restarts)
        return out + struct.pack("<I", len(self.restarts))


def write_table(entries: Sequence[tuple[bytes, bytes]]) -> bytes:
    """A TF/LevelDB table holding ``entries`` (sorted by key, uncompressed, CRC'd blocks)."""
    out = bytearray()

    def emit(block: bytes) -> bytes:
        handle = _varint(len(out)) + _varint(len(block))
        trailer_input = block + b"\x00"
        out.extend(trailer_input)
        out.extend(struct.pack("<I", _crc32c.masked_value(trailer_input)))
        return handle

    data_block = _BlockBuilder(RESTART_INTERVAL)
    index_block = _BlockBuilder(1)
    for key, value in entries:
        data_block.add(key, value)
        if data_block.size_estimate() >= BLOCK_SIZE:
            index_block.add(data_block.last_key, emit(data_block.finish()))
            data_block.reset()
    if data_block.num_entries:
        index_block.add(data_block.last_key, emit(data_block.finish()))
    metaindex_handle = emit(_BlockBuilder(RESTART_INTERVAL).finish())
    index_handle = emit(index_block.finish())
    footer = (metaindex_handle + index_handle).ljust(FOOTER_SIZE - 8, b"\x00")
    out += footer + struct.pack("<Q", TABLE_MAGIC)
    return bytes(out)


# ---------------------------------------------------------------------------------------
# bundle entries


@dataclasses.dataclass(frozen=True)
class Entry:
    """One tensor of a bundle: where its bytes are and what they are."""

    name: str
    key: bytes  # the raw table key (slice keys are OrderedCode, not text)
    dtype: int  # TF DataType enum
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int  # masked, as stored
    slices: tuple[tuple[tuple[int, int], ...], ...] = ()  # per slice: (start, length|-1)

    @property
    def dtype_name(self) -> str:
        return DT_NAMES.get(self.dtype, f"DataType({self.dtype})")


def byte_view(arr: np.ndarray) -> np.ndarray:
    """The bytes of a C-contiguous array, as one flat ``uint8`` view (no copy)."""
    return arr.reshape(-1).view(np.uint8)


def data_filename(prefix: str, shard: int, num_shards: int) -> str:
    """``prefix.data-SSSSS-of-NNNNN``, TF's ``DataFilename``."""
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def parse_index(data: bytes, filename: str) -> tuple[object, list[Entry], list[Entry]]:
    """The header, the tensor entries, and the slice entries of a bundle's ``.index``."""
    table = read_table(data, filename)
    if not table or table[0][0] != HEADER_KEY:
        raise DataLossError(f"{filename}: no bundle header entry; not a TensorFlow checkpoint.")
    header = BundleHeaderProto()
    try:
        header.ParseFromString(table[0][1])
    except Exception as e:  # protobuf's DecodeError
        raise DataLossError(f"{filename}: cannot parse the bundle header: {e}") from None
    version = header.version
    if (
        version.producer < BUNDLE_MIN_PRODUCER
        or version.min_consumer > BUNDLE_VERSION
        or BUNDLE_VERSION in version.bad_consumers
    ):
        raise ValueError(
            f"{filename}: checkpoint format version (producer {version.producer}, "
            f"min_consumer {version.min_consumer}) is not readable by this reader "
            f"(version {BUNDLE_VERSION}); upgrade flaxscope."
        )
    host = 0 if sys.byteorder == "little" else 1
    if header.endianness != host:
        # TF's reader refuses a bundle of the other byte order too ("different endianness
        # from the reader is unsupported"); the flag may also be a flipped bit.
        order = "big" if header.endianness == 1 else f"unknown ({header.endianness})"
        raise DataLossError(
            f"{filename}: the bundle header says the data is {order}-endian, but this "
            f"machine is {sys.byteorder}-endian; the values would be read byte-swapped. "
            "Either the index is corrupt, or the checkpoint was written on a machine of the "
            "other byte order: convert it there (load and save with TensorFlow)."
        )
    entries: list[Entry] = []
    slice_entries: list[Entry] = []
    for key, value in table[1:]:
        proto = BundleEntryProto()
        try:
            proto.ParseFromString(value)
        except Exception as e:
            raise DataLossError(f"{filename}: cannot parse the entry of {key!r}: {e}") from None
        is_slice = key.startswith(b"\x00")
        name = key.decode("utf-8", errors="replace") if not is_slice else repr(key)
        entry = Entry(
            name=name,
            key=key,
            dtype=proto.dtype,
            shape=tuple(int(d.size) for d in proto.shape.dim),
            shard_id=proto.shard_id,
            offset=proto.offset,
            size=proto.size,
            crc32c=proto.crc32c,
            slices=tuple(
                tuple(
                    (int(e.start), int(e.length) if e.HasField("length") else -1) for e in s.extent
                )
                for s in proto.slices
            ),
        )
        _check_entry_shape(entry, is_slice, filename)
        if entry.shard_id < 0 or entry.shard_id >= max(header.num_shards, 1):
            raise DataLossError(
                f"{filename}: entry {entry.name} names shard {entry.shard_id} of "
                f"{header.num_shards}; the index is corrupt."
            )
        (slice_entries if is_slice else entries).append(entry)
    return header, entries, slice_entries


def _check_entry_shape(entry: Entry, is_slice: bool, filename: str) -> None:
    """A stored tensor has a known, non-negative shape whose size matches its bytes."""
    if any(d < 0 for d in entry.shape):
        raise DataLossError(
            f"{filename}: entry {entry.name} has shape {list(entry.shape)} with a negative "
            "dimension; the index is corrupt."
        )
    dtype = numpy_dtype(entry.dtype)
    if is_slice or entry.slices or dtype is None:
        return  # slices are checked against their extents; strings have no fixed size
    nbytes = math.prod(entry.shape) * dtype.itemsize
    if nbytes != entry.size:
        raise DataLossError(
            f"{filename}: entry {entry.name} has shape {list(entry.shape)} ({nbytes} bytes of "
            f"{dtype.name}) but {entry.size} bytes of data; the index is corrupt."
        )


def header_bytes(num_shards: int = 1) -> bytes:
    # Like TF, the data is written in the host's byte order and the header says which.
    header = BundleHeaderProto(
        num_shards=num_shards, endianness=0 if sys.byteorder == "little" else 1
    )
    header.version.producer = BUNDLE_VERSION
    return header.SerializeToString(deterministic=True)


def entry_bytes(dtype: np.dtype, shape: Sequence[int], offset: int, size: int, crc: int) -> bytes:
    proto = BundleEntryProto(dtype=tf_datatype(dtype), offset=offset, size=size, crc32c=crc)
    proto.shape.SetInParent()
    for d in shape:
        proto.shape.dim.add(size=int(d))
    return proto.SerializeToString(deterministic=True)
