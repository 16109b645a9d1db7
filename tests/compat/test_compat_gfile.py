"""``tf.gfile`` against TensorFlow's ``tf.compat.v1.gfile``: the same operations on two
fresh directories give the same results, the same error classes and the same messages
(paths written relative to each directory)."""

from __future__ import annotations

import pytest

import flaxscope.compat.v1 as tf


def _script(gf, root):
    """Every step's result, or its error class and message, with ``root`` written ``D``."""

    def step(f):
        try:
            out = f()
        except Exception as e:  # noqa: BLE001  (the class is the result)
            return type(e).__name__, str(e).replace(str(root), "D")
        if isinstance(out, list):
            out = sorted(p.replace(str(root), "D") for p in out)
        return out

    d = str(root)
    steps = [
        lambda: gf.MakeDirs(d + "/a/b"),
        lambda: gf.MakeDirs(d + "/a/b"),  # exists: fine
        lambda: gf.MkDir(d + "/a"),
        lambda: gf.MkDir(d + "/x/y"),
        lambda: _write(gf, d + "/a/t.txt", "one\ntwo\n"),
        lambda: _read(gf, d + "/a/t.txt"),
        lambda: gf.GFile(d + "/a/missing.txt").read(),
        lambda: gf.Exists(d + "/a/t.txt"),
        lambda: gf.Exists(d + "/nope"),
        lambda: gf.IsDirectory(d + "/a"),
        lambda: gf.ListDirectory(d + "/a"),
        lambda: gf.ListDirectory(d + "/nope"),
        lambda: gf.Glob(d + "/a/*.txt"),
        lambda: gf.Copy(d + "/a/t.txt", d + "/a/u.txt"),
        lambda: gf.Copy(d + "/a/t.txt", d + "/a/u.txt"),
        lambda: gf.Copy(d + "/a/t.txt", d + "/a/u.txt", overwrite=True),
        lambda: gf.Rename(d + "/a/u.txt", d + "/a/t.txt"),
        lambda: gf.Rename(d + "/a/u.txt", d + "/a/v.txt"),
        lambda: gf.Rename(d + "/a/nope", d + "/a/w.txt"),
        lambda: gf.Stat(d + "/a/v.txt").length,
        lambda: gf.Stat(d + "/a").is_directory,
        lambda: gf.Stat(d + "/nope"),
        lambda: [w[0] for w in gf.Walk(d)],
        lambda: gf.MakeDirs(d + "/a/v.txt/z"),
        lambda: gf.Remove(d + "/a/v.txt"),
        lambda: gf.Remove(d + "/a/v.txt"),
        lambda: gf.DeleteRecursively(d + "/a"),
        lambda: gf.DeleteRecursively(d + "/a"),
        lambda: gf.Exists(d + "/a"),
    ]
    return [step(f) for f in steps]


def _write(gf, path, text):
    with gf.GFile(path, "w") as f:
        f.write(text)


def _read(gf, path):
    with gf.Open(path) as f:
        first = f.readline()
        where = f.tell()
        rest = list(f)
    with gf.GFile(path, "rb") as f:
        raw = f.read()
    return first, where, rest, raw, gf.GFile(path).size()


def test_gfile_behaves_as_tensorflows(tf1, tmp_path):
    (tmp_path / "ours").mkdir()
    (tmp_path / "theirs").mkdir()
    ours = _script(tf.gfile, tmp_path / "ours")
    theirs = _script(tf1.gfile, tmp_path / "theirs")
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == b, f"step {i}: {a} != {b}"


def test_errors_are_tfs_classes(tmp_path):
    with pytest.raises(tf.errors.NotFoundError):
        tf.gfile.GFile(str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError):  # also Python's
        tf.gfile.Remove(str(tmp_path / "missing"))
