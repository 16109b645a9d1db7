"""CRC32C (Castagnoli), the checksum of TensorFlow's checkpoint files.

TensorFlow checks every ``.index`` block and every tensor in a ``.data-*`` file with
CRC32C, stored "masked" (``crc32c::Mask``). A 1 GB checkpoint needs a fast CRC32C:

- With the `google-crc32c <https://pypi.org/project/google-crc32c/>`_ package (Google's
  hardware-accelerated C library, ~15 GB/s here) that is what runs.
- Without it, a vectorized numpy implementation runs instead (a few hundred MB/s): the
  buffer is read as rows of ``K`` little-endian 32-bit words, ``K`` lanes advance together
  (one row per numpy step, ``S <- Z^(4K)(S) ^ row`` where ``Z^m`` is "append ``m`` zero
  bytes", a GF(2)-linear map applied with two 64K-entry lookup tables), and the lanes are
  folded with the same maps. Short buffers use the byte-at-a-time table.

``Z^m`` as a 32x32 GF(2) matrix is kept as the images of the 32 basis bits (a ``uint32``
array); composing maps is applying one to the other's columns.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

try:  # pragma: no cover - which branch runs depends on the environment
    import google_crc32c as _google_crc32c

    if _google_crc32c.implementation != "c":
        _google_crc32c = None
except ImportError:  # pragma: no cover
    _google_crc32c = None

_POLY = 0x82F63B78  # CRC32C, bit-reflected
_MASK_DELTA = 0xA282EAD8


def _byte_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ _POLY, table >> 1).astype(np.uint32)
    return table


_TABLE = _byte_table()
_TABLE_LIST = [int(x) for x in _TABLE]


def implementation() -> str:
    """``"google-crc32c"`` when the C library is used, else ``"numpy"``."""
    return "google-crc32c" if _google_crc32c is not None else "numpy"


def mask(crc: int) -> int:
    """TensorFlow's ``crc32c::Mask``: rotate right by 15 bits and add a constant."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    """Inverse of :func:`mask`."""
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def _as_bytes_array(data: Any) -> np.ndarray:
    """A flat ``uint8`` view of ``data`` (bytes, bytearray, memoryview or C-contiguous array)."""
    if isinstance(data, np.ndarray):
        if not data.flags.c_contiguous:
            data = np.ascontiguousarray(data)
        return data.reshape(-1).view(np.uint8)
    return np.frombuffer(data, dtype=np.uint8)


def extend(crc: int, data: Any) -> int:
    """The CRC32C of ``previous bytes + data``, given ``crc`` of the previous bytes."""
    buf = _as_bytes_array(data)
    if _google_crc32c is not None:
        return _google_crc32c.extend(crc, buf)
    return _numpy_extend(crc, buf)


def value(data: Any) -> int:
    """The CRC32C of ``data`` (bytes-like or a C-contiguous numpy array)."""
    return extend(0, data)


def masked_value(data: Any) -> int:
    """``mask(value(data))``: the form TensorFlow stores in checkpoint files."""
    return mask(value(data))


# ---------------------------------------------------------------------------------------
# numpy fallback

_SMALL = 2048  # below this many bytes the plain byte loop is faster than numpy set-up


def _python_extend_register(reg: int, data: np.ndarray) -> int:
    table = _TABLE_LIST
    for b in data.tobytes():
        reg = table[(reg ^ b) & 0xFF] ^ (reg >> 8)
    return reg


def _apply(op: np.ndarray, x: int) -> int:
    """Applies the linear map ``op`` (images of the 32 basis bits) to the 32-bit value ``x``."""
    out = 0
    bit = 0
    while x:
        if x & 1:
            out ^= int(op[bit])
        x >>= 1
        bit += 1
    return out


def _compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The map ``a o b`` (first ``b``, then ``a``)."""
    return np.array([_apply(a, int(col)) for col in b], dtype=np.uint32)


@functools.lru_cache(maxsize=4096)
def _zeros_op(nbytes: int) -> np.ndarray:
    """``Z^nbytes``: how the CRC register changes when ``nbytes`` zero bytes follow."""
    if nbytes == 0:
        return (np.uint32(1) << np.arange(32, dtype=np.uint32)).astype(np.uint32)
    if nbytes == 1:
        basis = (np.uint32(1) << np.arange(32, dtype=np.uint32)).astype(np.uint32)
        return (_TABLE[basis & 0xFF] ^ (basis >> 8)).astype(np.uint32)
    half = _zeros_op(nbytes // 2)
    op = _compose(half, half)
    if nbytes % 2:
        op = _compose(_zeros_op(1), op)
    return op


@functools.lru_cache(maxsize=64)
def _tables16(nbytes: int) -> tuple[np.ndarray, np.ndarray]:
    """Lookup tables for ``Z^nbytes`` on the low and the high 16 bits of a register."""
    op = _zeros_op(nbytes)
    values = np.arange(256, dtype=np.uint32)
    per_byte = []  # per_byte[k][v]: the image of byte value v in byte position k
    for k in range(4):
        table = np.zeros(256, dtype=np.uint32)
        for bit in range(8):
            table ^= np.where((values >> bit) & 1 == 1, op[8 * k + bit], 0).astype(np.uint32)
        per_byte.append(table)
    low = (per_byte[1][:, None] ^ per_byte[0][None, :]).reshape(-1)
    high = (per_byte[3][:, None] ^ per_byte[2][None, :]).reshape(-1)
    return low, high


def _apply_tables(tables: tuple[np.ndarray, np.ndarray], x: np.ndarray) -> np.ndarray:
    low, high = tables
    return np.take(low, x & 0xFFFF) ^ np.take(high, x >> 16)


def _numpy_extend_register(reg: int, buf: np.ndarray) -> int:
    while len(buf) >= _SMALL:
        # K lanes of 4-byte words; at least 16 rows so the set-up cost is amortized.
        lanes = 1 << min(14, (len(buf) // 64).bit_length() - 1)
        rows = len(buf) // (4 * lanes)
        main = rows * 4 * lanes
        words = buf[:main].view("<u4").reshape(rows, lanes)
        step = _tables16(4 * lanes)
        state = np.zeros(lanes, dtype=np.uint32)
        for row in words:
            state = _apply_tables(step, state)
            state ^= row
        # Fold lanes pairwise: lane k carries the words that are 4*(lanes-1-k) bytes
        # before the end of their row.
        width = 4
        while len(state) > 1:
            state = _apply_tables(_tables16(width), state[0::2]) ^ state[1::2]
            width *= 2
        reg = _apply(_zeros_op(main), reg) ^ _apply(_zeros_op(4), int(state[0]))
        buf = buf[main:]
    return _python_extend_register(reg, buf)


def _numpy_extend(crc: int, buf: np.ndarray) -> int:
    reg = crc ^ 0xFFFFFFFF
    return _numpy_extend_register(reg, buf) ^ 0xFFFFFFFF
