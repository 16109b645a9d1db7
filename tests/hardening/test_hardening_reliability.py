"""Hardening (issue 12), reliability: crash-safe saves, a thread-safe default store, and
corrupt checkpoints refused with ``DataLossError`` naming the file.

The crash tests kill real processes: a forked child saves over an existing checkpoint and
is stopped with ``os._exit`` just before its k-th file-system step (every k, until the save
completes), or with SIGKILL at random moments of a save loop. After each kill the path
must load, whole, as the old checkpoint or the new one.
"""

from __future__ import annotations

import builtins
import os
import random
import signal
import sys
import threading
import time

import numpy as np
import pytest

import flaxscope as fs
from flaxscope.checkpoint import bundle as tb
from flaxscope.errors import DataLossError

# The forked children run numpy and file I/O only, never JAX, so fork's warning about
# JAX's threads does not apply to them; _wait_for bounds every wait all the same.
pytestmark = [
    pytest.mark.skipif(
        not hasattr(os, "fork") or sys.platform == "win32", reason="needs os.fork"
    ),
    pytest.mark.filterwarnings(r"ignore:os\.fork\(\) was called:RuntimeWarning"),
]

OLD = {"a/w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.int32(7)}
NEW = {"a/w": -np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.int32(-7), "c": np.ones(4)}


def _loads_as(path: str) -> str:
    got = fs.checkpoint.load_variables(path)
    for label, values in (("old", OLD), ("new", NEW)):
        if sorted(got) == sorted(values) and all(
            np.array_equal(got[n], np.asarray(v)) for n, v in values.items()
        ):
            return label
    raise AssertionError(f"{path} loads as neither checkpoint: {got}")


def _child_save_dying_at(k: int, path: str, values: dict) -> int:
    """Forks a child that saves ``values`` at ``path`` and dies before its k-th file step."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            count = [0]
            real_replace, real_remove, real_open = os.replace, os.remove, builtins.open

            def step() -> None:
                count[0] += 1
                if count[0] == k:
                    os._exit(17)  # a kill: no cleanup, no finally

            def replace(src, dst):
                step()
                real_replace(src, dst)

            def remove(p):
                step()
                real_remove(p)

            def open_(file, mode="r", *args, **kwargs):
                if any(c in mode for c in "wax+"):
                    step()
                return real_open(file, mode, *args, **kwargs)

            os.replace, os.remove, builtins.open = replace, remove, open_
            fs.checkpoint.save(path, values)
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(3)
    return _wait_for(pid)


def _wait_for(pid: int, timeout: float = 120.0) -> int:
    """The child's exit code; a child stuck past ``timeout`` is killed and the test fails
    (a forked child of a multithreaded JAX process can deadlock; it must not hang CI)."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"the forked saver (pid {pid}) hung for {timeout:.0f} s")
        time.sleep(0.01)


def _make_two_shard(path: str) -> None:
    """Turns the one-shard checkpoint at ``path`` into the same one in two shards."""
    _rewrite_index(path, edit_header=lambda h: setattr(h, "num_shards", 2))
    os.replace(path + ".data-00000-of-00001", path + ".data-00000-of-00002")
    open(path + ".data-00001-of-00002", "wb").close()


@pytest.mark.parametrize("layout", ["one shard", "two shards", "stale data of a failed save"])
def test_save_killed_before_each_file_step_leaves_old_or_new(tmp_path, layout):
    outcomes = []
    for k in range(1, 40):
        directory = tmp_path / f"k{k}"
        path = str(directory / "model.ckpt")
        fs.checkpoint.save(path, OLD)
        if layout == "two shards":
            _make_two_shard(path)
            assert _loads_as(path) == "old"
        elif layout == "stale data of a failed save":
            with open(path + ".data-00000-of-00002", "wb") as f:
                f.write(b"garbage of an interrupted save")
        code = _child_save_dying_at(k, path, NEW)
        assert code in (0, 17), code
        outcomes.append(_loads_as(path))
        assert fs.checkpoint.latest_checkpoint(str(directory)) == path
        if code == 0:
            break
    else:
        pytest.fail("the save never completed")
    assert outcomes[0] == "old" and outcomes[-1] == "new"
    assert len(outcomes) >= 5  # it really was stopped at several steps
    # A save after a killed one works and leaves only the checkpoint's files.
    path = str(tmp_path / "k1" / "model.ckpt")
    fs.checkpoint.save(path, NEW)
    assert _loads_as(path) == "new"
    leftovers = [f for f in os.listdir(tmp_path / "k1") if ".tmp" in f]
    assert leftovers == []


def test_save_loop_sigkilled_at_random_moments_always_loads(tmp_path):
    path = str(tmp_path / "model.ckpt")
    big_old = {"w": np.full((512, 1024), 1.0, np.float32)}
    big_new = {"w": np.full((512, 1024), 2.0, np.float32), "v": np.ones(3, np.float32)}
    fs.checkpoint.save(path, big_old)
    rng = random.Random(0)
    seen = set()
    for _ in range(25):
        pid = os.fork()
        if pid == 0:
            try:
                while True:
                    fs.checkpoint.save(path, big_new)
                    fs.checkpoint.save(path, big_old)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        got = fs.checkpoint.load_variables(path)
        if "v" in got:
            assert np.all(got["w"] == 2.0)
            seen.add("new")
        else:
            assert sorted(got) == ["w"] and np.all(got["w"] == 1.0)
            seen.add("old")
    assert seen  # every kill left a loadable checkpoint


def test_failing_rename_or_write_raises_and_keeps_old(tmp_path, monkeypatch):
    path = str(tmp_path / "model.ckpt")
    real_replace = os.replace
    for fail_at in range(1, 4):
        fs.checkpoint.save(path, OLD)
        calls = [0]

        def replace(src, dst, fail_at=fail_at, calls=calls):
            calls[0] += 1
            if calls[0] == fail_at:
                raise OSError(28, "No space left on device")
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        try:
            fs.checkpoint.save(path, NEW)
            assert calls[0] < fail_at  # nothing failed: fewer renames than fail_at
        except OSError as e:
            assert e.errno == 28
        monkeypatch.setattr(os, "replace", real_replace)
        assert _loads_as(path) in ("old", "new")
        assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]

    class Full:
        def __init__(self, f):
            self._f = f

        def write(self, data):
            raise OSError(28, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()

    real_open = builtins.open
    fs.checkpoint.save(path, OLD)
    monkeypatch.setattr(
        builtins,
        "open",
        lambda f, mode="r", *a, **k: (
            Full(real_open(f, mode, *a, **k)) if "w" in mode else real_open(f, mode, *a, **k)
        ),
    )
    with pytest.raises(OSError, match="No space"):
        fs.checkpoint.save(path, NEW)
    monkeypatch.setattr(builtins, "open", real_open)
    assert _loads_as(path) == "old"
    assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]


def test_tf1_reads_every_state_a_killed_overwrite_leaves(tf1, tmp_path):
    def tf1_value(path):
        with tf1.Graph().as_default():
            w = tf1.get_variable("a/w", [2, 3])
            with tf1.Session() as sess:
                tf1.train.Saver([w]).restore(sess, path)
                return sess.run(w)

    layouts = set()
    for k in range(1, 40):
        path = str(tmp_path / f"k{k}" / "model.ckpt")
        fs.checkpoint.save(path, OLD)
        code = _child_save_dying_at(k, path, NEW)
        label = _loads_as(path)
        files = sorted(f for f in os.listdir(tmp_path / f"k{k}") if ".data-" in f)
        if tuple(files) not in layouts:  # TF1 reads each distinct layout as we do
            layouts.add(tuple(files))
            expected = OLD["a/w"] if label == "old" else NEW["a/w"]
            np.testing.assert_array_equal(tf1_value(path), expected)
        if code == 0:
            break
    assert any(any("of-00002" in f for f in files) for files in layouts)
    assert sorted(os.listdir(tmp_path / f"k{k}")) == [
        "checkpoint",
        "model.ckpt.data-00000-of-00001",
        "model.ckpt.index",
    ]  # the end state: TF1's own file layout


# --- the default store across threads --------------------------------------------------


def test_threads_sharing_the_default_store_make_one_auto_reuse_variable():
    for _ in range(10):
        fs.reset_default_graph()
        barrier = threading.Barrier(8)
        errors: list[BaseException] = []

        def work(barrier=barrier, errors=errors) -> None:
            try:
                barrier.wait()
                with fs.variable_scope("shared", reuse=fs.AUTO_REUSE):
                    fs.get_variable("w", [32, 32])
                fs.Variable(1.0, name="v")
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        names = [v.name for v in fs.global_variables()]
        assert [n for n in names if n.startswith("shared/")] == ["shared/w:0"]
        assert sorted(n for n in names if n.startswith("v")) == sorted(
            ["v:0"] + [f"v_{i}:0" for i in range(1, 8)]
        )


# --- corrupt files: DataLossError naming the file -----------------------------------


def _rewrite_index(path: str, edit_header=None, edit_entry=None) -> None:
    """Re-writes ``path``.index with edited protos and valid block checksums."""
    index = path + ".index"
    with open(index, "rb") as f:
        table = tb.read_table(f.read(), index)
    out = []
    for key, value in table:
        if key == tb.HEADER_KEY and edit_header:
            header = tb.BundleHeaderProto()
            header.ParseFromString(value)
            edit_header(header)
            value = header.SerializeToString()
        elif key != tb.HEADER_KEY and edit_entry:
            entry = tb.BundleEntryProto()
            entry.ParseFromString(value)
            edit_entry(key.decode(), entry)
            value = entry.SerializeToString()
        out.append((key, value))
    with open(index, "wb") as f:
        f.write(tb.write_table(out))


def _set_dims(dims):
    def edit(name, entry):
        if name == "a/w":
            del entry.shape.dim[:]
            for d in dims:
                entry.shape.dim.add(size=d)

    return edit


@pytest.mark.parametrize(
    "what, edit, match",
    [
        ("negative shape", {"edit_entry": _set_dims([-2, -3])}, "negative dimension"),
        ("huge shape", {"edit_entry": _set_dims([2**40, 2**30])}, "bytes of data"),
        ("other size", {"edit_entry": _set_dims([3, 3])}, "bytes of data"),
        (
            "flipped endianness",
            {"edit_header": lambda h: setattr(h, "endianness", 1 - h.endianness)},
            "endian",
        ),
    ],
)
def test_checksum_valid_corrupt_index_is_data_loss_naming_the_file(tmp_path, what, edit, match):
    path = str(tmp_path / "model.ckpt")
    fs.checkpoint.save(path, OLD)
    _rewrite_index(path, **edit)
    for read in (
        fs.checkpoint.load_variables,
        fs.checkpoint.list_variables,
        lambda p: fs.checkpoint.restore(p, OLD),
    ):
        with pytest.raises(DataLossError, match=match) as info:
            read(path)
        assert path + ".index" in str(info.value), what
        assert isinstance(info.value, ValueError)


def test_non_utf8_state_file_is_data_loss_naming_the_file(tmp_path):
    path = str(tmp_path / "model.ckpt")
    fs.checkpoint.save(path, OLD)
    state = tmp_path / "checkpoint"
    state.write_bytes(b'model_checkpoint_path: "model.ckpt\xff"\n')
    for call in (
        lambda: fs.checkpoint.latest_checkpoint(str(tmp_path)),
        lambda: fs.checkpoint.get_checkpoint_state(str(tmp_path)),
        lambda: fs.checkpoint.load_variables(str(tmp_path)),
    ):
        with pytest.raises(DataLossError, match="not UTF-8") as info:
            call()
        assert str(state) in str(info.value)
    with pytest.raises(fs.errors.DataLossError):
        fs.checkpoint.save(path, NEW)  # save updates the state file: it reads it first
