"""flaxscope.checkpoint against TensorFlow: files TF writes, files TF reads, corrupt files."""

from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import ml_dtypes  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from flaxscope import checkpoint  # noqa: E402
from flaxscope.checkpoint import DataLossError, _crc32c  # noqa: E402

TF_DTYPES = [
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
]
NP_DTYPES = {
    name: np.dtype(ml_dtypes.bfloat16 if name == "bfloat16" else name) for name in TF_DTYPES
}


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip(
        "tensorflow", reason="oracle tensorflow-cpu is not installed (pip install -e '.[oracle]')"
    )


def sample(dtype: np.dtype, shape, rng) -> np.ndarray:
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return (rng.normal(size=shape) * 100).astype(dtype)


def assert_identical(actual, expected, name=""):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype, (name, actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (name, actual.shape, expected.shape)
    assert actual.tobytes() == expected.tobytes(), name


def our_values():
    rng = np.random.default_rng(1)
    values = {f"dtypes/{n}": sample(d, (3, 4), rng) for n, d in NP_DTYPES.items()}
    values.update(
        {
            "scalar": np.float32(2.5),
            "empty": np.zeros((0, 3), np.float32),
            "big": rng.normal(size=(256, 1024)).astype(np.float32),  # 1 MiB
            "nan": np.array([np.nan, np.inf, -0.0], np.float32),
        }
    )
    return values


@pytest.fixture(scope="module")
def tf_checkpoint(tf, tmp_path_factory):
    """A TF1 Saver checkpoint over 3 shards: every dtype, a string, a partitioned variable."""
    tf1 = tf.compat.v1
    directory = tmp_path_factory.mktemp("tf1")
    rng = np.random.default_rng(0)
    config = tf1.ConfigProto(device_count={"CPU": 3})
    with tf.Graph().as_default(), tf1.Session(config=config) as sess:
        variables = []
        for i, name in enumerate(TF_DTYPES):
            shape = [3, 4] if i % 2 else [5]
            value = sample(NP_DTYPES[name], shape, rng)
            with tf.device(f"/cpu:{i % 3}"):
                variables.append(
                    tf1.get_variable(f"scope/v_{name}", initializer=tf.constant(value))
                )
        with tf.device("/cpu:0"):
            tf1.get_variable("words", initializer=tf.constant(["a", "bc"]), trainable=False)
            part = tf1.get_variable(
                "partitioned",
                shape=[10, 3],
                partitioner=tf1.fixed_size_partitioner(3),
                initializer=tf1.random_normal_initializer(),
            )
            tf1.train.get_or_create_global_step()
        sess.run(tf1.global_variables_initializer())
        saver = tf1.train.Saver(sharded=True)
        path = saver.save(sess, str(directory / "model.ckpt"), global_step=7)
        expected = {v.op.name: sess.run(v) for v in variables}
        expected["partitioned"] = sess.run(tf.concat(list(part), 0))
        expected["global_step"] = np.int64(0)
    return path, expected


# ---------------------------------------------------------------------------------------
# reading what TensorFlow wrote


def test_reads_tf1_checkpoint_every_dtype_sharded(tf, tf_checkpoint):
    path, expected = tf_checkpoint
    assert any(f.endswith("-of-00003") for f in os.listdir(os.path.dirname(path)))
    assert checkpoint.list_variables(path) == [
        (n, list(s)) for n, s in tf.train.list_variables(path)
    ]
    with pytest.warns(UserWarning, match=r"skipped 1 non-numeric tensor\(s\).*words \(string\)"):
        loaded = checkpoint.load_variables(path)
    assert "words" not in loaded
    assert sorted(loaded) == sorted(expected)
    for name, value in expected.items():
        assert_identical(loaded[name], value, name)
    reader = tf.train.load_checkpoint(path)
    dtypes = checkpoint.load_checkpoint(path).get_variable_to_dtype_map()
    for name, dtype in reader.get_variable_to_dtype_map().items():
        assert str(dtypes[name]) == dtype.name, name


def test_latest_checkpoint_and_directory(tf, tf_checkpoint):
    path, expected = tf_checkpoint
    directory = os.path.dirname(path)
    assert checkpoint.latest_checkpoint(directory) == tf.train.latest_checkpoint(directory) == path
    assert checkpoint.list_variables(directory) == checkpoint.list_variables(path + ".index")
    assert checkpoint.latest_checkpoint(os.path.join(directory, "nothing-here")) is None


def test_reads_tf2_object_checkpoint(tf, tmp_path):
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    ckpt = tf.train.Checkpoint(w=tf.Variable(value), step=tf.Variable(3, dtype=tf.int64))
    path = ckpt.write(str(tmp_path / "tf2"))
    loaded = checkpoint.load_variables(path)  # the object graph is skipped silently
    assert_identical(loaded["w/.ATTRIBUTES/VARIABLE_VALUE"], value)
    assert_identical(loaded["step/.ATTRIBUTES/VARIABLE_VALUE"], np.int64(3))


# ---------------------------------------------------------------------------------------
# TensorFlow reading what flaxscope wrote


def test_tf1_saver_restores_what_we_save(tf, tmp_path):
    tf1 = tf.compat.v1
    values = our_values()
    tree = {"params": values, "state": {"global_step": jnp.int32(42)}}
    prefix = checkpoint.save(tmp_path / "model.ckpt", tree, global_step=42)
    assert prefix == str(tmp_path / "model.ckpt-42")
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix

    reader = tf.train.load_checkpoint(prefix)
    for name, value in values.items():
        assert_identical(reader.get_tensor(name), value, name)
    assert reader.get_variable_to_dtype_map()["global_step"] == tf.int64

    with tf.Graph().as_default(), tf1.Session() as sess:
        variables = {
            n: tf1.get_variable(n, shape=np.shape(v), dtype=tf.as_dtype(np.asarray(v).dtype))
            for n, v in values.items()
        }
        global_step = tf1.train.get_or_create_global_step()
        tf1.train.Saver().restore(sess, prefix)
        for name, value in values.items():
            assert_identical(sess.run(variables[name]), value, name)
        assert sess.run(global_step) == 42


def test_many_variables_span_several_index_blocks(tf, tmp_path):
    values = {
        f"layer_{i:04d}/a_rather_long_variable_name/kernel": np.full((2,), i, np.int32)
        for i in range(6000)
    }
    prefix = checkpoint.save(tmp_path / "many", values)
    assert os.path.getsize(prefix + ".index") > 256 * 1024  # more than one 256 KiB block
    reader = tf.train.load_checkpoint(prefix)
    assert len(reader.get_variable_to_shape_map()) == len(values)
    for name in list(values)[::997]:
        assert_identical(reader.get_tensor(name), values[name], name)
    loaded = checkpoint.load_variables(prefix)
    assert all(np.array_equal(loaded[n], v) for n, v in values.items())


def test_save_restore_round_trip_keeps_structure_dtype_and_sharding(tmp_path):
    values = our_values()
    tree = {
        "params": {n: jnp.asarray(v) for n, v in values.items() if not n.endswith("float64")},
        "state": {"global_step": jnp.int32(5)},
    }
    checkpoint.save(tmp_path / "m", tree)
    template = jax.tree_util.tree_map(jnp.zeros_like, tree)
    restored = checkpoint.restore(tmp_path / "m", template)
    assert jax.tree_util.tree_structure(restored) == jax.tree_util.tree_structure(tree)
    for name, value in tree["params"].items():
        assert_identical(restored["params"][name], value, name)
        assert restored["params"][name].sharding == template["params"][name].sharding
    # global_step is int64 in the file and int32 in JAX (no x64).
    assert restored["state"]["global_step"].dtype == jnp.int32
    assert int(restored["state"]["global_step"]) == 5
    shapes = jax.eval_shape(lambda: template)
    assert checkpoint.restore(tmp_path / "m", shapes)["params"]["big"].shape == (256, 1024)


def test_dtype_and_shape_rules(tmp_path):
    checkpoint.save(
        tmp_path / "m",
        {"step": np.int64(2**40), "x": np.ones((2, 3), np.float32), "global_step": np.int64(3)},
    )
    with pytest.raises(ValueError, match="outside the int32 range.*jax_enable_x64"):
        checkpoint.restore(tmp_path / "m", {"step": jnp.int32(0)})
    with pytest.raises(ValueError, match="dtype float32 but the variable is int32"):
        checkpoint.restore(tmp_path / "m", {"x": jnp.zeros((2, 3), jnp.int32)})
    with pytest.raises(ValueError, match=r"Shape of variable x \(\[3, 2\]\) doesn't match"):
        checkpoint.restore(tmp_path / "m", {"x": jnp.zeros((3, 2))})
    with pytest.raises(KeyError, match="Key missing not found in checkpoint"):
        checkpoint.restore(tmp_path / "m", {"missing": jnp.zeros(())})
    prefix = checkpoint.save(
        tmp_path / "d", {"v": np.ones(2, np.float32)}, dtypes={"v": np.float64}
    )
    assert checkpoint.load_variables(prefix)["v"].dtype == np.float64
    with pytest.raises(TypeError, match="no TensorFlow checkpoint type"):
        checkpoint.save(tmp_path / "bad", {"v": np.array(["s"])})


# ---------------------------------------------------------------------------------------
# init_from_checkpoint, against TF1's


def test_init_from_checkpoint_matches_tf1(tf, tmp_path):
    tf1 = tf.compat.v1
    rng = np.random.default_rng(2)
    ckpt_values = {
        "old/a": rng.normal(size=(2,)).astype(np.float32),
        "old/b": rng.normal(size=(3,)).astype(np.float32),
        "c": rng.normal(size=(4,)).astype(np.float32),
        "d/e": rng.normal(size=(5,)).astype(np.float32),
    }
    path = checkpoint.save(tmp_path / "init", ckpt_values)
    shapes = {"new/a": 2, "new/b": 3, "x/c2": 4, "root/c": 4, "root/d/e": 5, "keep": 1}
    amap = {"old/": "new/", "c": "x/c2", "/": "root/"}

    with tf.Graph().as_default(), tf1.Session() as sess:
        tf_vars = {
            n: tf1.get_variable(n, shape=[s], initializer=tf1.zeros_initializer())
            for n, s in shapes.items()
        }
        tf1.train.init_from_checkpoint(path, amap)
        sess.run(tf1.global_variables_initializer())
        expected = sess.run(tf_vars)

        ours = checkpoint.init_from_checkpoint(
            path, amap, {"params": {n: jnp.zeros((s,)) for n, s in shapes.items()}}
        )["params"]
        for name in shapes:
            np.testing.assert_array_equal(ours[name], expected[name], err_msg=name)

        variables = {"params": {n: jnp.zeros((s,)) for n, s in shapes.items()}}
        for bad, message in [
            ({"old/zzz": "new/a"}, "Tensor old/zzz is not found in"),
            ({"old/a": "x/c2"}, "Shape of variable x/c2"),
            ({"old/a": "nothing"}, "Assignment map with scope only name"),
            ({"zzz/": "new/"}, r"Tensor zzz/a \(a in zzz/\) is not found"),
        ]:
            with pytest.raises(ValueError, match=message):
                tf1.train.init_from_checkpoint(path, bad)
            with pytest.raises(ValueError, match=message):
                checkpoint.init_from_checkpoint(path, bad, variables)


# ---------------------------------------------------------------------------------------
# corrupt files: refused with a clear error, nothing returned


@pytest.fixture()
def saved(tmp_path):
    values = {"a": np.arange(1000, dtype=np.float32), "b": np.ones((50, 50), np.float32)}
    prefix = checkpoint.save(tmp_path / "m", values)
    return prefix, values


def flip_bit(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)[0]
        f.seek(offset)
        f.write(bytes([byte ^ 0x10]))


def test_bit_flip_in_data_is_refused(tf, saved):
    prefix, values = saved
    data = prefix + ".data-00000-of-00001"
    flip_bit(data, 4000 + 123)  # inside "b" (written after "a")
    template = {"params": {n: jnp.zeros_like(v) for n, v in values.items()}}
    with pytest.raises(DataLossError, match="Checksum does not match for variable b"):
        checkpoint.load_variables(prefix)
    with pytest.raises(DataLossError, match=r"variable b in .*data-00000-of-00001"):
        checkpoint.restore(prefix, template)
    assert float(template["params"]["a"].sum()) == 0.0  # the input is never touched
    with pytest.raises(tf.errors.OpError, match="Checksum does not match"):  # TF refuses it too
        tf.train.load_checkpoint(prefix).get_tensor("b")


def test_bit_flip_in_index_is_refused(tf, saved):
    prefix, _ = saved
    flip_bit(prefix + ".index", 10)
    with pytest.raises(DataLossError, match=r"\.index: block checksum mismatch"):
        checkpoint.load_variables(prefix)
    with pytest.raises(tf.errors.OpError, match="block checksum mismatch"):
        tf.train.load_checkpoint(prefix)


@pytest.mark.parametrize("suffix", [".index", ".data-00000-of-00001"])
def test_truncated_files_are_refused(saved, suffix):
    prefix, _ = saved
    path = prefix + suffix
    size = os.path.getsize(path)
    os.truncate(path, size - 7)
    with pytest.raises(DataLossError, match="truncated"):
        checkpoint.load_variables(prefix)


def test_missing_files_are_named(saved, tmp_path):
    prefix, _ = saved
    os.remove(prefix + ".data-00000-of-00001")
    with pytest.raises(FileNotFoundError, match=r"data file .*data-00000-of-00001.* is missing"):
        checkpoint.load_variables(prefix)
    with pytest.raises(FileNotFoundError, match=r"model.ckpt.index' does not exist"):
        checkpoint.load_variables(tmp_path / "model.ckpt")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(FileNotFoundError, match="No checkpoint found in directory"):
        checkpoint.load_variables(tmp_path / "empty_dir")


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "x.index").write_bytes(b"\x00" * 100)
    with pytest.raises(DataLossError, match="bad magic number"):
        checkpoint.load_variables(tmp_path / "x")


def test_state_file_lists_every_save(tf, tmp_path):
    for step in (10, 20):
        checkpoint.save(tmp_path / "model.ckpt", {"v": np.zeros(1, np.float32)}, global_step=step)
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == str(tmp_path / "model.ckpt-20")
    assert list(state.all_model_checkpoint_paths) == [
        str(tmp_path / "model.ckpt-10"),
        str(tmp_path / "model.ckpt-20"),
    ]
    assert checkpoint.latest_checkpoint(tmp_path) == str(tmp_path / "model.ckpt-20")


# ---------------------------------------------------------------------------------------
# CRC32C


def test_crc32c_known_values_and_fallback():
    assert _crc32c.value(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert _crc32c.value(b"") == 0
    assert _crc32c.unmask(_crc32c.mask(0xDEADBEEF)) == 0xDEADBEEF
    rng = np.random.default_rng(3)
    for n in [1, 7, 2047, 2048, 4096 + 5, 70_001, (1 << 20) + 3]:
        data = rng.integers(0, 256, size=n, dtype=np.uint8)
        reference = _crc32c._python_extend_register(0xFFFFFFFF, data) ^ 0xFFFFFFFF
        assert _crc32c._numpy_extend(0, data) == reference, n
        assert _crc32c.value(data) == reference, n
        split = n // 3
        assert _crc32c.extend(_crc32c.value(data[:split]), data[split:]) == reference, n
