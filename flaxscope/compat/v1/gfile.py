"""``tf.gfile``: TF1's file functions on the local file system, with TF's error classes
(``tf.errors.NotFoundError``, ``AlreadyExistsError``, ...) and messages, so scripts that
read vocabularies and write outputs through ``tf.gfile`` run unchanged. Remote file
systems (``gs://``, ``hdfs://``) are not here: read those with their own client libraries.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Iterator
from typing import Any, NamedTuple

from flaxscope import errors


def _not_found(path: str) -> errors.NotFoundError:
    return errors.NotFoundError(f"{path}; No such file or directory")


class GFile:
    """``tf.gfile.GFile`` (also ``tf.gfile.Open`` and ``FastGFile``): a local file with
    TF's methods; ``"r"`` gives ``str``, ``"rb"`` bytes. A missing file is
    ``tf.errors.NotFoundError``."""

    def __init__(self, name: str, mode: str = "r") -> None:
        self.name = os.fspath(name)
        self.mode = mode
        try:
            self._file = open(self.name, mode)  # noqa: SIM115  (closed by close / with)
        except FileNotFoundError:
            raise _not_found(self.name) from None
        except IsADirectoryError:
            raise errors.FailedPreconditionError(f"{self.name}; Is a directory") from None

    def read(self, n: int = -1) -> Any:
        return self._file.read(n)

    def readline(self) -> Any:
        return self._file.readline()

    def readlines(self) -> list[Any]:
        return self._file.readlines()

    def write(self, file_content: Any) -> None:
        self._file.write(file_content)

    def seek(self, offset: int | None = None, whence: int = 0, position: int | None = None) -> int:
        return self._file.seek(position if offset is None else offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def size(self) -> int:
        return os.path.getsize(self.name)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def seekable(self) -> bool:
        return True

    def __iter__(self) -> Iterator[Any]:
        return iter(self._file)

    def __next__(self) -> Any:
        return next(self._file)

    def __enter__(self) -> GFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


Open = GFile
FastGFile = GFile


def Exists(filename: str) -> bool:  # noqa: N802  (TF1's names)
    """``tf.gfile.Exists``."""
    return os.path.exists(filename)


def IsDirectory(dirname: str) -> bool:  # noqa: N802
    """``tf.gfile.IsDirectory``."""
    return os.path.isdir(dirname)


def MakeDirs(dirname: str) -> None:  # noqa: N802
    """``tf.gfile.MakeDirs``: the directory and its parents; one that exists is fine."""
    try:
        os.makedirs(dirname, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        parent = next(p for p in _parents(dirname) if os.path.exists(p))
        raise errors.FailedPreconditionError(f"{parent} is not a directory") from None


def _parents(path: str) -> Iterator[str]:
    path = os.path.normpath(path)
    while path not in ("", os.sep):
        yield path
        path = os.path.dirname(path)


def MkDir(dirname: str) -> None:  # noqa: N802
    """``tf.gfile.MkDir``: one directory (its parent must exist)."""
    try:
        os.mkdir(dirname)
    except FileExistsError:
        if not os.path.isdir(dirname):
            raise errors.FailedPreconditionError(f"{dirname} is not a directory") from None
    except FileNotFoundError:
        raise _not_found(dirname) from None


def ListDirectory(dirname: str) -> list[str]:  # noqa: N802
    """``tf.gfile.ListDirectory``: the entries' names (not paths)."""
    if not os.path.isdir(dirname):
        raise errors.NotFoundError(f"Could not find directory {dirname}")
    return os.listdir(dirname)


def Glob(filename: str) -> list[str]:  # noqa: N802
    """``tf.gfile.Glob``: the paths matching the pattern."""
    return glob.glob(filename)


def Remove(filename: str) -> None:  # noqa: N802
    """``tf.gfile.Remove``: one file."""
    try:
        os.remove(filename)
    except FileNotFoundError:
        raise _not_found(filename) from None


def DeleteRecursively(dirname: str) -> None:  # noqa: N802
    """``tf.gfile.DeleteRecursively``: a directory and everything in it (or one file)."""
    if not os.path.exists(dirname):
        raise errors.NotFoundError(f"{dirname} not found")
    if os.path.isdir(dirname):
        shutil.rmtree(dirname)
    else:
        os.remove(dirname)


def _check_target(path: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise errors.AlreadyExistsError("file already exists")


def Rename(oldname: str, newname: str, overwrite: bool = False) -> None:  # noqa: N802
    """``tf.gfile.Rename``: refuses an existing ``newname`` unless ``overwrite``."""
    _check_target(newname, overwrite)
    try:
        os.replace(oldname, newname)
    except FileNotFoundError:
        raise _not_found(oldname) from None


def Copy(oldpath: str, newpath: str, overwrite: bool = False) -> None:  # noqa: N802
    """``tf.gfile.Copy``: refuses an existing ``newpath`` unless ``overwrite``."""
    _check_target(newpath, overwrite)
    try:
        shutil.copyfile(oldpath, newpath)
    except FileNotFoundError:
        raise _not_found(oldpath) from None


class FileStatistics(NamedTuple):
    """What ``tf.gfile.Stat`` returns."""

    length: int
    mtime_nsec: int
    is_directory: bool


def Stat(filename: str) -> FileStatistics:  # noqa: N802
    """``tf.gfile.Stat``: size, modification time (ns) and whether it is a directory."""
    try:
        st = os.stat(filename)
    except FileNotFoundError:
        raise _not_found(filename) from None
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(filename))


def Walk(top: str, in_order: bool = True) -> Iterator[tuple[str, list[str], list[str]]]:  # noqa: N802
    """``tf.gfile.Walk``: ``(directory, subdirectories, files)`` for each directory under
    ``top``, parents first when ``in_order``."""
    yield from os.walk(top, topdown=in_order)


__all__ = [
    "Copy",
    "DeleteRecursively",
    "Exists",
    "FastGFile",
    "FileStatistics",
    "GFile",
    "Glob",
    "IsDirectory",
    "ListDirectory",
    "MakeDirs",
    "MkDir",
    "Open",
    "Remove",
    "Rename",
    "Stat",
    "Walk",
]
