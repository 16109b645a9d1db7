"""The file operations of an atomic checkpoint save, shared by ``save`` and the sharded
save: the target directory, the shard count of the index already there, publishing the
index, hard links (or copies), and removing what a killed save left."""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Callable

from flaxscope.checkpoint import bundle as tb
from flaxscope.errors import FailedPreconditionError


def make_directory(directory: str, prefix: str) -> None:
    """Creates ``directory`` for checkpoint ``prefix``; a file in the way is TF's error."""
    parent = directory
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.path.isdir(parent):
        raise FailedPreconditionError(
            f"Cannot save checkpoint {prefix!r}: {parent!r} is a file, not a directory. "
            "Choose a save path inside a directory (e.g. 'train/model.ckpt')."
        )
    os.makedirs(directory, exist_ok=True)


def commit_index(prefix: str, table: list[tuple[bytes, bytes]], shards: int, tag: str) -> None:
    """Writes the ``.index`` (reading ``shards`` data files) under ``tag`` and renames it
    into place: the save's commit."""
    with open(prefix + ".index" + tag, "wb") as f:
        f.write(tb.write_table([(tb.HEADER_KEY, tb.header_bytes(shards)), *table]))
    os.replace(prefix + ".index" + tag, prefix + ".index")


def index_shards(prefix: str) -> int | None:
    """How many data files the readable ``.index`` at ``prefix`` reads (``None``: none)."""
    try:
        with open(prefix + ".index", "rb") as f:
            header, _, _ = tb.parse_index(f.read(), prefix + ".index")
    except (OSError, ValueError):
        return None  # no checkpoint there to keep (or none that could be read)
    return max(header.num_shards, 1)


def reads_one_shard(prefix: str) -> bool:
    """Whether ``prefix`` holds a readable index that reads ``.data-00000-of-00001``."""
    return index_shards(prefix) == 1


def link_or_copy(src: str, dst: str, tag: str) -> None:
    """``dst`` as a hard link to ``src``, or an atomic copy (through ``dst + tag``)."""
    try:
        os.link(src, dst)
    except OSError:  # no hard links here (some network and FAT file systems)
        shutil.copyfile(src, dst + tag)
        os.replace(dst + tag, dst)


def remove_temporaries(prefix: str) -> None:
    """Deletes the temporary files a killed save left (one save per prefix at a time)."""
    escaped = glob.escape(prefix)
    for path in glob.glob(f"{escaped}.data-?????-of-?????.tmp*") + glob.glob(
        f"{escaped}.index.tmp*"
    ):
        remove(path)


def remove_data_files(prefix: str, keep: Callable[[str], bool]) -> None:
    """Deletes ``prefix``'s data files except those ``keep`` accepts."""
    for path in glob.glob(f"{glob.escape(prefix)}.data-?????-of-?????"):
        if not keep(path):
            remove(path)


def remove(path: str) -> None:
    """Deletes ``path`` if it is there."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
