"""A checkpoint save killed at any moment never leaves a checkpoint that restores wrong.

Each save (``checkpoint.save``, ``train.Saver.save``, ``checkpoint.save_sharded`` on one
process and on two simulated processes) is run once per file-system step with a crash
injected at that step: from then on the disk is frozen (every later write, rename, link
or delete fails with no effect), which is what a killed process leaves. After each crash:

* ``latest_checkpoint`` names a whole checkpoint, the previous one unless the new save
  got as far as its state file;
* the new prefix restores the new values exactly, or (when it overwrote a checkpoint)
  the old ones exactly, or is refused with ``NotFoundError`` naming the leftover file and
  the fix; never a mixture, never a checksum or truncation error;
* saving again to the same prefix succeeds and leaves no temporary file behind.

A real ``SIGKILL`` of a subprocess at two steps checks that the frozen disk is what a
kill leaves, and a corrupted byte shows that partial (sharded) reads check CRC32C too.
"""

import builtins
import os
import signal
import subprocess
import sys
import textwrap
import threading
import types
from pathlib import Path

import jax
import numpy as np
import pytest
from jax.sharding import AxisType, NamedSharding
from jax.sharding import PartitionSpec as P

import flaxscope as fs
from flaxscope.checkpoint import DataLossError, NotFoundError
from flaxscope.checkpoint import bundle as tb
from flaxscope.checkpoint import sharded as sharded_mod

ROOT = Path(__file__).resolve().parents[2]


class Crashed(Exception):
    """The injected crash (and every file-system change attempted after it)."""


class FrozenDisk:
    """Counts file-system changes; at change number ``at`` the process 'dies'.

    A change is: opening a file for writing, one ``write`` call, ``os.replace``,
    ``os.link``, ``os.remove``. The crashing ``write`` writes half its bytes first (a
    torn write). Only the thread ``victim`` (default: any) is crashed; after the crash
    every change it attempts raises without effect, as if it were dead.
    """

    def __init__(self, monkeypatch, at, victim=None):
        self.at, self.count, self.crashed, self.victim = at, 0, False, victim
        self.local = threading.local()
        self.lock = threading.Lock()
        real_open, real_replace = builtins.open, os.replace
        real_link, real_remove = os.link, os.remove

        def mine():
            return self.victim is None or getattr(self.local, "who", None) == self.victim

        def event():  # True: perform the change; False: this change is the torn one
            if not mine():
                return True
            with self.lock:
                if self.crashed:
                    raise Crashed("the process is dead")
                self.count += 1
                if self.count == self.at:
                    self.crashed = True
                    return False
            return True

        def change(real):
            def wrapper(*args, **kwargs):
                if not event():
                    raise Crashed(f"killed at {real.__name__}{args}")
                return real(*args, **kwargs)

            return wrapper

        class File:
            def __init__(self, f):
                self._f = f

            def write(self, data):
                if not event():
                    view = memoryview(data).cast("B") if not isinstance(data, str) else data
                    self._f.write(view[: len(view) // 2])
                    self._f.flush()
                    raise Crashed("killed mid-write")
                return self._f.write(data)

            def __getattr__(self, name):
                return getattr(self._f, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self._f.close()

        def opener(file, mode="r", *args, **kwargs):
            if any(c in mode for c in "wax+"):
                if not event():
                    raise Crashed(f"killed opening {file}")
                return File(real_open(file, mode, *args, **kwargs))
            return real_open(file, mode, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", opener)
        monkeypatch.setattr(os, "replace", change(real_replace))
        monkeypatch.setattr(os, "link", change(real_link))
        monkeypatch.setattr(os, "remove", change(real_remove))


OLD = {"net/w": np.arange(12, dtype=np.float32).reshape(4, 3), "net/b": np.ones(3, np.float32)}
NEW = {k: v * 10 + 1 for k, v in OLD.items()}
TEMPLATE = {k: np.zeros_like(v) for k, v in OLD.items()}


def _read(prefix):
    """What a reader gets: a dict of values, or the error it raised."""
    try:
        return fs.checkpoint.restore(prefix, TEMPLATE)
    except NotFoundError as e:
        return e


def _same(values, expected):
    return all(np.array_equal(values[k], expected[k]) for k in expected)


def _leftovers(directory):
    """Temporary files of the checkpoint left behind. A killed state-file write leaves its
    small ``checkpoint.tmp*`` (as TF's does): harmless, and not removed, since another
    job may be writing the directory's state file at that moment."""
    names = sorted(os.listdir(directory))
    return [n for n in names if ("model" in n and ".tmp" in n) or "-part-" in n]


# --- the single-process savers ---------------------------------------------------------------
def _save_plain(directory, values, step):
    return fs.checkpoint.save(os.path.join(directory, "model"), values, global_step=step)


def _save_plain_overwrite(directory, values, step):
    del step  # the same prefix each time
    return fs.checkpoint.save(os.path.join(directory, "model"), values)


def _saver_factory():
    saver = fs.train.Saver(max_to_keep=1)  # every save also deletes the one before

    def save(directory, values, step):
        return saver.save(values, os.path.join(directory, "model"), global_step=step)

    return save


def _mesh_values(values):
    mesh = jax.make_mesh((4,), ("model",), axis_types=(AxisType.Auto,), devices=jax.devices()[:4])
    return {
        "net/w": jax.device_put(values["net/w"], NamedSharding(mesh, P("model"))),  # 4 slices
        "net/b": jax.device_put(values["net/b"], NamedSharding(mesh, P())),  # whole
    }


def _save_sharded(directory, values, step):
    return fs.checkpoint.save_sharded(
        os.path.join(directory, "model"), _mesh_values(values), global_step=step
    )


def _save_sharded_overwrite(directory, values, step):
    del step
    return fs.checkpoint.save_sharded(os.path.join(directory, "model"), _mesh_values(values))


def _check_after_crash(directory, old_prefix, new_prefix):
    latest = fs.checkpoint.latest_checkpoint(directory)
    assert latest is not None
    got = _read(latest)
    assert not isinstance(got, Exception), got
    if not (latest == new_prefix and _same(got, NEW)):  # else: got as far as the state file
        assert latest == old_prefix and _same(got, OLD)
    new = _read(new_prefix)
    if isinstance(new, Exception):
        message = str(new)
        assert new_prefix + ".index" in message
        if "did not finish" in message:  # leftovers are named with the fix
            assert "latest_checkpoint" in message
    else:
        assert _same(new, NEW) or (new_prefix == old_prefix and _same(new, OLD))


SAVES = {  # name: (save function or factory, overwrites the same prefix)
    "save": (_save_plain, False),
    "save-overwrite": (_save_plain_overwrite, True),
    "Saver-max_to_keep": (None, False),
    "save_sharded": (_save_sharded, False),
    "save_sharded-overwrite": (_save_sharded_overwrite, True),
}


@pytest.mark.skipif(jax.device_count() < 4, reason="needs 4 (simulated) devices")
@pytest.mark.parametrize("which", list(SAVES))
def test_a_save_killed_at_any_step_leaves_a_whole_checkpoint(tmp_path, monkeypatch, which):
    save, overwrite = SAVES[which]
    crash_points = 0
    for at in range(1, 200):
        directory = str(tmp_path / f"crash{at}")
        do = save or _saver_factory()
        old_prefix = do(directory, OLD, 1)
        new_prefix = os.path.join(directory, "model" if overwrite else "model-2")
        with monkeypatch.context() as m:
            disk = FrozenDisk(m, at)
            try:
                assert do(directory, NEW, 2) == new_prefix
            except Crashed:
                pass
        if not disk.crashed:  # the save has fewer steps than `at`: every step was crashed
            assert _same(_read(new_prefix), NEW)
            assert not _leftovers(directory), _leftovers(directory)
            break
        crash_points += 1
        _check_after_crash(directory, old_prefix, new_prefix)
        # Saving again over the wreck works and cleans up.
        assert do(directory, NEW, 2) == new_prefix
        assert _same(_read(new_prefix), NEW)
        assert fs.checkpoint.latest_checkpoint(directory) == new_prefix
        assert not _leftovers(directory), _leftovers(directory)
    print(which, crash_points)
    assert crash_points >= 6  # data, index and state steps were all crashed


def test_an_unfinished_save_is_refused_naming_the_file_and_the_fix(tmp_path, monkeypatch):
    directory = str(tmp_path)
    fs.checkpoint.save(os.path.join(directory, "model"), OLD, global_step=1)
    with monkeypatch.context() as m:
        FrozenDisk(m, at=2)  # dies writing the first tensor of model-2's data file
        with pytest.raises(Crashed):
            fs.checkpoint.save(os.path.join(directory, "model"), NEW, global_step=2)
    with pytest.raises(NotFoundError) as e:
        fs.checkpoint.load_variables(os.path.join(directory, "model-2"))
    message = str(e.value)
    assert "model-2.index" in message and "model-2.data-00000-of-00001.tmp" in message
    assert "did not finish" in message and "latest_checkpoint" in message
    assert fs.checkpoint.latest_checkpoint(directory).endswith("model-1")


# --- two processes (threads with their own process index) -------------------------------------
def _two_process_save(directory, values, step, disk=None):
    """``save_sharded`` as 2 processes of one job: threads, a shared barrier."""
    barrier = threading.Barrier(2, timeout=30)
    errors = {}
    who = threading.local()
    fake_jax = types.SimpleNamespace(
        Array=jax.Array, process_index=lambda: who.index, process_count=lambda: 2
    )

    def run(index):
        who.index = index
        if disk is not None:
            disk.local.who = index
        try:
            sharded_mod.save_sharded(os.path.join(directory, "model"), values, global_step=step)
        except BaseException as e:  # noqa: BLE001 (the 'process' dies; the job aborts)
            errors[index] = e
            barrier.abort()

    real_barrier, real_jax = sharded_mod._barrier, sharded_mod.jax
    sharded_mod._barrier = lambda name: barrier.wait()
    sharded_mod.jax = fake_jax
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sharded_mod._barrier, sharded_mod.jax = real_barrier, real_jax
    return errors


@pytest.mark.parametrize("victim", [0, 1])
@pytest.mark.parametrize("overwrite", [False, True], ids=["new-prefix", "overwrite"])
def test_two_processes_one_dies_at_any_step(tmp_path, monkeypatch, victim, overwrite):
    crash_points = 0
    step = None if overwrite else 2
    new_name = "model" if overwrite else "model-2"
    for at in range(1, 200):
        directory = str(tmp_path / f"crash{at}")
        assert not _two_process_save(directory, OLD, None if overwrite else 1)
        old_prefix = os.path.join(directory, "model" if overwrite else "model-1")
        with monkeypatch.context() as m:
            disk = FrozenDisk(m, at, victim=victim)
            errors = _two_process_save(directory, NEW, step, disk)
        new_prefix = os.path.join(directory, new_name)
        if not disk.crashed:
            assert not errors
            assert _same(_read(new_prefix), NEW)
            with open(new_prefix + ".index", "rb") as f:
                header, _, _ = tb.parse_index(f.read(), "index")
            assert header.num_shards == 2
            assert not _leftovers(directory), _leftovers(directory)
            break
        crash_points += 1
        assert victim in errors
        _check_after_crash(directory, old_prefix, new_prefix)
        assert not _two_process_save(directory, NEW, step)
        assert _same(_read(new_prefix), NEW)
        assert not _leftovers(directory), _leftovers(directory)
    print(victim, overwrite, crash_points)
    assert crash_points >= (9 if victim == 0 else 4)


def test_the_staged_overwrite_is_a_checkpoint_tf1_reads(tf1, tmp_path, monkeypatch):
    """Killed between the two commits of an overwrite: TF1 reads the N + 1 file form."""
    import tensorflow as tf

    prefix = str(tmp_path / "model")
    fs.checkpoint.save(prefix, OLD)
    stages = []
    real = sharded_mod.commit_index

    def commit(prefix_, table, shards, tag):
        real(prefix_, table, shards, tag)
        stages.append(shards)
        raise Crashed("killed after the staged commit")

    monkeypatch.setattr(sharded_mod, "commit_index", commit)
    with pytest.raises(Crashed):
        fs.checkpoint.save_sharded(prefix, NEW)
    assert stages == [2]
    reader = tf.train.load_checkpoint(prefix)
    for name, value in NEW.items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)
    assert _same(_read(prefix), NEW)


# --- a real kill -------------------------------------------------------------------------------
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    import flaxscope as fs
    directory, kill_at = sys.argv[1], int(sys.argv[2])
    old = {"net/w": np.arange(12, dtype=np.float32).reshape(4, 3),
           "net/b": np.ones(3, np.float32)}
    fs.checkpoint.save_sharded(os.path.join(directory, "model"), old, global_step=1)
    real, calls = os.replace, [0]
    def replace(a, b):
        calls[0] += 1
        if calls[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        real(a, b)
    os.replace = replace
    new = {k: v * 10 + 1 for k, v in old.items()}
    fs.checkpoint.save_sharded(os.path.join(directory, "model"), new, global_step=2)
    """
)


@pytest.mark.parametrize("kill_at", [2, 4], ids=["before-data-rename", "before-state"])
def test_sigkill_between_steps(tmp_path, kill_at):
    # save_sharded's renames on one process: its partial index, its data file, the index
    # (the commit), the state file. Killed at the 2nd: nothing of model-2 is published;
    # at the 4th: model-2 is whole but the state file still names model-1.
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(tmp_path), str(kill_at)],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    directory = str(tmp_path)
    old_prefix, new_prefix = (os.path.join(directory, m) for m in ("model-1", "model-2"))
    assert fs.checkpoint.latest_checkpoint(directory) == old_prefix
    assert _same(_read(old_prefix), OLD)
    new = _read(new_prefix)
    if kill_at == 2:
        assert isinstance(new, NotFoundError) and "did not finish" in str(new)
        assert ".data-00000-of-00001.tmp" in str(new)
    else:
        assert _same(new, NEW)
    assert fs.checkpoint.save_sharded(os.path.join(directory, "model"), NEW, global_step=2)
    assert fs.checkpoint.latest_checkpoint(directory) == new_prefix
    assert _same(_read(new_prefix), NEW)
    assert not _leftovers(directory)


# --- CRC32C of partial reads -------------------------------------------------------------------
@pytest.mark.skipif(jax.device_count() < 8, reason="needs 8 (simulated) devices")
def test_sharded_restore_checks_crc32c_of_partly_read_slices(tmp_path):
    value = np.arange(48, dtype=np.float32).reshape(8, 6)
    four = jax.make_mesh((4,), ("m",), axis_types=(AxisType.Auto,), devices=jax.devices()[:4])
    eight = jax.make_mesh((8,), ("m",), axis_types=(AxisType.Auto,))
    saved = {"w": jax.device_put(value, NamedSharding(four, P("m")))}  # slices of 2 rows
    prefix = fs.checkpoint.save_sharded(str(tmp_path / "model"), saved)
    template = {
        "w": jax.ShapeDtypeStruct((8, 6), np.float32, sharding=NamedSharding(eight, P("m")))
    }
    restored = fs.checkpoint.restore_sharded(prefix, template)  # each device: half a slice
    np.testing.assert_array_equal(np.asarray(restored["w"]), value)
    reader = fs.checkpoint.CheckpointReader(prefix)
    entry = reader.slice_entry(sharded_mod.slice_key("w", ((6, 2), (0, 6))))
    with open(reader.shard_path(entry.shard_id), "r+b") as f:  # a bit of w[7, 5]
        f.seek(entry.offset + entry.size - 1)
        byte = f.read(1)[0]
        f.seek(entry.offset + entry.size - 1)
        f.write(bytes([byte ^ 0x01]))
    # Row 6 does not hold the flipped bit, but its stored slice (rows 6-7) fails its check.
    with pytest.raises(
        DataLossError, match=r"Checksum does not match for variable w \(one of its slices\) in"
    ):
        sharded_mod.read_region(fs.checkpoint.CheckpointReader(prefix), "w", (slice(6, 7),))
    with pytest.raises(
        DataLossError, match=r"Checksum does not match for variable w \(one of its slices\) in"
    ):
        fs.checkpoint.restore_sharded(prefix, template)
    # The other slices are intact: a region of them reads.
    region = sharded_mod.read_region(fs.checkpoint.CheckpointReader(prefix), "w", (slice(0, 5),))
    np.testing.assert_array_equal(region, value[:5])
