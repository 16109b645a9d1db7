"""``fs.train.Saver`` against ``tf.compat.v1.train.Saver``: the same calls leave the same
files, the same ``checkpoint`` state file and the same errors, and each reads the other's
checkpoints."""

import os
import time

import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as fstf

VALUES = {
    "net/w": np.arange(6, dtype=np.float32).reshape(2, 3),
    "net/b": np.array([0.5, -1.0, 2.0], np.float32),
    "global_step": np.array(7, np.int64),
}


def _tf_graph(tf1, values=VALUES):
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        variables = {
            n: tf1.get_variable(n, initializer=tf.constant(v), use_resource=False)
            for n, v in values.items()
        }
    return graph, variables


def _files(directory):
    """The directory's files, TF's ``.meta`` graphs aside (flaxscope has no graph)."""
    out = []
    for root, _, names in os.walk(directory):
        for name in names:
            if not name.endswith(".meta"):
                out.append(os.path.relpath(os.path.join(root, name), directory))
    return sorted(out)


def _state_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _run_tf(tf1, directory, script, tick=None, **saver_kwargs):
    """Runs ``script`` (a list of (save_path, global_step)) through TF1's Saver in ``directory``."""
    graph, _ = _tf_graph(tf1)
    returned = []
    cwd = os.getcwd()
    os.makedirs(directory, exist_ok=True)
    os.chdir(directory)
    try:
        with graph.as_default(), tf1.Session() as sess:
            saver = tf1.train.Saver(**saver_kwargs)
            sess.run(tf1.global_variables_initializer())
            for path, step in script:
                if tick:
                    tick()
                returned.append(saver.save(sess, path, global_step=step))
            last = saver.last_checkpoints
    finally:
        os.chdir(cwd)
    return returned, last


def _run_fs(directory, script, tick=None, **saver_kwargs):
    returned = []
    cwd = os.getcwd()
    os.makedirs(directory, exist_ok=True)
    os.chdir(directory)
    try:
        saver = fs.train.Saver(**saver_kwargs)
        for path, step in script:
            if tick:
                tick()
            returned.append(saver.save({"params": dict(VALUES)}, path, global_step=step))
        last = saver.last_checkpoints
    finally:
        os.chdir(cwd)
    return returned, last


def _absolute(script, root):
    return [(os.path.join(root, p), s) for p, s in script]


SCRIPTS = {
    "numbered": [("train/model.ckpt", s) for s in range(5)],
    "resave_same_step": [("train/m", 1), ("train/m", 2), ("train/m", 1), ("train/m", 3)],
    "two_directories": [("a/m", 0), ("b/m", 1), ("a/m", 2), ("m", 3), ("b/m", 4)],
    "unnumbered": [("train/final", None), ("train/final", None)],
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_to_keep": 2},
        {"max_to_keep": 5},
        {"max_to_keep": 0},
        {"max_to_keep": None},
        {"max_to_keep": 1, "pad_step_number": True},
        {"max_to_keep": 2, "save_relative_paths": True},
    ],
    ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()),
)
@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_same_files_and_state_as_tf1(tf1, tmp_path, script, kwargs, absolute):
    steps = SCRIPTS[script]
    tf_dir, fs_dir = str(tmp_path / "tf"), str(tmp_path / "fs")
    tf_script = _absolute(steps, tf_dir) if absolute else steps
    fs_script = _absolute(steps, fs_dir) if absolute else steps
    tf_returned, tf_last = _run_tf(tf1, tf_dir, tf_script, **kwargs)
    fs_returned, fs_last = _run_fs(fs_dir, fs_script, **kwargs)

    def rel(paths, root):
        return [p.replace(root, "<dir>") for p in paths]

    assert rel(fs_returned, fs_dir) == rel(tf_returned, tf_dir)
    assert rel(fs_last, fs_dir) == rel(tf_last, tf_dir)
    assert _files(fs_dir) == _files(tf_dir)
    for name in _files(tf_dir):
        if os.path.basename(name) == "checkpoint":
            tf_text = _state_text(os.path.join(tf_dir, name)).replace(tf_dir, "<dir>")
            fs_text = _state_text(os.path.join(fs_dir, name)).replace(fs_dir, "<dir>")
            assert fs_text == tf_text, name


def test_keep_checkpoint_every_n_hours_keeps_what_tf1_keeps(tf1, tmp_path, monkeypatch):
    """A fake clock advances 0.4 s before each save; with N = 1 s, TF keeps about one old
    checkpoint per second of 'training' besides the newest max_to_keep."""
    script = [("train/m", s) for s in range(10)]
    kwargs = {"max_to_keep": 2, "keep_checkpoint_every_n_hours": 1 / 3600}
    results = {}
    for who in ("tf", "fs"):
        clock = [1_000_000.0]

        def tick(clock=clock):
            clock[0] += 0.4

        monkeypatch.setattr(time, "time", lambda clock=clock: clock[0])
        directory = str(tmp_path / who)
        if who == "tf":
            results[who] = _run_tf(tf1, directory, script, tick=tick, **kwargs)[1]
        else:
            results[who] = _run_fs(directory, script, tick=tick, **kwargs)[1]
        monkeypatch.undo()
        results[who + "_files"] = _files(directory)
    assert results["fs"] == results["tf"]
    assert results["fs_files"] == results["tf_files"]
    kept = {f.split(".")[0] for f in results["fs_files"] if f.endswith(".index")}
    assert len(kept) > 2  # some old checkpoints were preserved, not only the newest two


def test_tf1_restores_what_saver_wrote_and_back(tf1, tmp_path):
    import tensorflow as tf

    prefix = fs.train.Saver().save({"params": dict(VALUES)}, str(tmp_path / "fs" / "m"), 3)
    graph, tf_vars = _tf_graph(tf1, {n: np.zeros_like(v) for n, v in VALUES.items()})
    with graph.as_default(), tf1.Session() as sess:
        saver = tf1.train.Saver()
        saver.restore(sess, prefix)
        for n, v in VALUES.items():
            np.testing.assert_array_equal(sess.run(tf_vars[n]), v)
        with tf.control_dependencies(None):
            sess.run(tf_vars["net/b"].assign([9.0, 8.0, 7.0]))
        tf_prefix = saver.save(sess, str(tmp_path / "tf" / "m"), global_step=4)

    template = {"params": {n: np.zeros_like(v) for n, v in VALUES.items()}}
    restored = fs.train.Saver().restore(template, tf_prefix)
    np.testing.assert_array_equal(restored["params"]["net/b"], [9.0, 8.0, 7.0])
    np.testing.assert_array_equal(restored["params"]["net/w"], VALUES["net/w"])


def test_var_list_subset_and_renaming(tmp_path):
    variables = {"params": {n: v for n, v in VALUES.items() if n != "global_step"}}
    prefix = fs.train.Saver(["net/w:0"]).save(variables, str(tmp_path / "m"))
    assert [n for n, _ in fs.checkpoint.list_variables(prefix)] == ["net/w"]

    # {checkpoint name: variable}: write under another name, read it back into net/b.
    renamed = fs.train.Saver({"old/bias": "net/b"})
    prefix = renamed.save(variables, str(tmp_path / "r"))
    assert [n for n, _ in fs.checkpoint.list_variables(prefix)] == ["old/bias"]
    zeros = {"params": {n: np.zeros_like(v) for n, v in variables["params"].items()}}
    restored = renamed.restore(zeros, prefix)
    np.testing.assert_array_equal(restored["params"]["net/b"], VALUES["net/b"])
    np.testing.assert_array_equal(restored["params"]["net/w"], 0)  # not in var_list: kept


def test_var_list_from_values_and_collection_items(tmp_path):
    def model():
        with fs.variable_scope("net"):
            w = fs.get_variable("w", [2, 3])
            fs.get_variable("b", [3], initializer=fs.zeros_initializer())
        saver = fs.train.Saver([w])
        by_item = fs.train.Saver(fs.global_variables())
        return saver, by_item

    variables = fs.transform(model).init(0)
    saver, by_item = fs.transform(model).apply(variables)
    assert saver._var_map == {"net/w": "net/w"}
    assert by_item._var_map == {"net/w": "net/w", "net/b": "net/b"}
    prefix = by_item.save(variables, str(tmp_path / "m"))
    restored = saver.restore(
        {"params": {n: np.zeros_like(v) for n, v in variables["params"].items()}}, prefix
    )
    np.testing.assert_array_equal(restored["params"]["net/w"], variables["params"]["net/w"])


def test_ema_variables_to_restore_through_saver(tmp_path):
    """Evaluating with the moving averages: TF1's Saver(ema.variables_to_restore())."""

    def model():
        w = fs.get_variable("w", [3], initializer=fs.ones_initializer())
        ema = fs.train.ExponentialMovingAverage(0.5)
        ema.apply([w])
        return ema.variables_to_restore()

    f = fs.transform(model)
    variables = f.init(0)
    shadow = "w/ExponentialMovingAverage"
    variables["state"][shadow] = np.full(3, 4.0, np.float32)
    prefix = fs.train.Saver().save(variables, str(tmp_path / "m"))
    to_restore, _ = f.apply(variables, mutable=True)
    assert set(to_restore) == {shadow}
    restored = fs.train.Saver(to_restore).restore(
        {"params": {"w": np.zeros(3, np.float32)}}, prefix
    )
    np.testing.assert_array_equal(restored["params"]["w"], 4.0)


def test_recover_last_checkpoints_after_restart(tf1, tmp_path):
    """A restarted job adopts the kept checkpoints and goes on deleting the oldest."""
    first = [("train/m", s) for s in range(3)]
    second = [("train/m", s) for s in range(3, 5)]
    out = {}
    for who in ("tf", "fs"):
        directory = str(tmp_path / who)
        runner = (lambda d, s, **k: _run_tf(tf1, d, s, **k)) if who == "tf" else _run_fs
        runner(directory, first, max_to_keep=3)
        state = (tf1.train if who == "tf" else fs.train).get_checkpoint_state(
            os.path.join(directory, "train")
        )
        paths = list(state.all_model_checkpoint_paths)
        cwd = os.getcwd()
        os.chdir(directory)
        try:
            if who == "tf":
                graph, _ = _tf_graph(tf1)
                with graph.as_default(), tf1.Session() as sess:
                    saver = tf1.train.Saver(max_to_keep=3)
                    saver.recover_last_checkpoints(paths)
                    sess.run(tf1.global_variables_initializer())
                    for p, s in second:
                        saver.save(sess, p, global_step=s)
            else:
                saver = fs.train.Saver(max_to_keep=3)
                saver.recover_last_checkpoints(paths)
                for p, s in second:
                    saver.save({"params": dict(VALUES)}, p, global_step=s)
        finally:
            os.chdir(cwd)
        out[who] = (
            [p.replace(directory, "<dir>") for p in paths],
            _files(directory),
            _state_text(os.path.join(directory, "train", "checkpoint")).replace(directory, "<dir>"),
        )
    assert out["fs"] == out["tf"]
    assert "m-1.index" not in " ".join(out["fs"][1])  # the restart's saves deleted the oldest


def test_get_checkpoint_state_matches_tf1(tf1, tmp_path):
    _run_fs(str(tmp_path), [("train/m", 1), ("train/m", 2)], max_to_keep=5)
    directory = str(tmp_path / "train")
    ours, theirs = (
        fs.train.get_checkpoint_state(directory),
        tf1.train.get_checkpoint_state(directory),
    )
    assert ours.model_checkpoint_path == theirs.model_checkpoint_path
    assert list(ours.all_model_checkpoint_paths) == list(theirs.all_model_checkpoint_paths)
    assert fs.train.get_checkpoint_state(str(tmp_path / "nothing")) is None
    assert fstf.train.checkpoint_exists(ours.model_checkpoint_path)
    assert fstf.train.latest_checkpoint(directory) == theirs.model_checkpoint_path


def _error(call):
    with pytest.raises(Exception) as info:
        call()
    return type(info.value), str(info.value)


def test_errors_match_tf1(tf1, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    graph, tf_vars = _tf_graph(tf1)
    variables = {"params": dict(VALUES)}
    ours = fs.train.Saver()
    with graph.as_default(), tf1.Session() as sess:
        theirs = tf1.train.Saver()
        sess.run(tf1.global_variables_initializer())
        w = tf_vars["net/w"]
        cases = [
            (lambda: theirs.restore(sess, "nope/x"), lambda: ours.restore(variables, "nope/x")),
            (lambda: theirs.restore(sess, None), lambda: ours.restore(variables, None)),
            (lambda: theirs.save(sess, "checkpoint"), lambda: ours.save(variables, "checkpoint")),
            (
                lambda: theirs.save(sess, "x", latest_filename="a/b"),
                lambda: ours.save(variables, "x", latest_filename="a/b"),
            ),
            (lambda: tf1.train.Saver([w, w]), lambda: fs.train.Saver(["net/w", "net/w:0"])),
            (
                lambda: tf1.train.Saver({"a": w, "b": w}),
                lambda: fs.train.Saver({"a": "net/w", "b": "net/w"}),
            ),
            (lambda: tf1.train.Saver([]), lambda: fs.train.Saver([])),
            (
                lambda: tf1.train.Saver([w], defer_build=True),
                lambda: fs.train.Saver(["net/w"], defer_build=True),
            ),
        ]
        for tf_call, fs_call in cases:
            tf_type, tf_message = _error(tf_call)
            fs_type, fs_message = _error(fs_call)
            assert fs_type is tf_type, (tf_message, fs_message)
            assert fs_message.startswith(tf_message), (tf_message, fs_message)
        # TF creates the last directory of the path but not its parents.
        tf_type, tf_message = _error(lambda: theirs.save(sess, "nodir/sub/m"))
        fs_type, fs_message = _error(lambda: ours.save(variables, "nodir/sub/m"))
        assert fs_type is tf_type and fs_message.startswith(tf_message)
        assert theirs.save(sess, "tfdir/m") == ours.save(variables, "fsdir/m").replace("fs", "tf")


def test_bad_input_names_the_fix(tmp_path):
    saver = fs.train.Saver(["net/w", "opt/w/Adam"])
    with pytest.raises(TypeError, match="takes the variables where TF1 took a Session"):
        saver.save(object(), str(tmp_path / "m"))
    with pytest.raises(KeyError, match="opt/w/Adam is in the Saver's var_list"):
        saver.save({"params": dict(VALUES)}, str(tmp_path / "m"))
    prefix = fs.train.Saver().save({"params": {"net/w": VALUES["net/w"]}}, str(tmp_path / "m"))
    with pytest.raises(KeyError, match="Key net/b not found in checkpoint"):
        fs.train.Saver().restore({"params": dict(VALUES)}, prefix)
    for kwargs in ({"sharded": True}, {"reshape": True}, {"write_version": 1}):
        with pytest.raises(NotImplementedError):
            fs.train.Saver(**kwargs)
    empty = fs.train.Saver([], allow_empty=True)
    assert empty.save({"params": dict(VALUES)}, str(tmp_path / "e")) is None
    assert not os.path.exists(str(tmp_path / "e.index"))


def test_corrupt_checkpoint_is_refused_and_template_untouched(tmp_path):
    saver = fs.train.Saver()
    prefix = saver.save({"params": dict(VALUES)}, str(tmp_path / "m"))
    data = prefix + ".data-00000-of-00001"
    raw = bytearray(open(data, "rb").read())
    raw[3] ^= 0x40
    open(data, "wb").write(bytes(raw))
    template = {"params": {n: np.zeros_like(v) for n, v in VALUES.items()}}
    with pytest.raises(Exception, match="(?i)crc|checksum|corrupt"):
        saver.restore(template, prefix)
    assert all(not np.any(v) for v in template["params"].values())
