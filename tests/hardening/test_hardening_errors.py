"""Hardening (issue 12), errors: each misuse gets a clear error naming what is wrong and
the fix (TF1's text first where TF1 has one), in a class from ``flaxscope.errors`` or the
builtin TF1 raises, so callers can catch it without matching text."""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf
from flaxscope import errors


def _tf1_error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


# --- flaxscope.errors ------------------------------------------------------------------


def test_error_classes_have_tf_names_codes_and_builtin_bases(tf1):
    tf_errors = pytest.importorskip("tensorflow").errors
    for name in errors.__all__:
        ours = getattr(errors, name)
        assert issubclass(ours, errors.OpError)
        theirs = getattr(tf_errors, name)
        assert (
            ours.error_code == getattr(theirs, "error_code", None)
            or name == "OpError"
            or (ours.error_code == theirs(None, None, "").error_code)
        ), name
    assert issubclass(errors.DataLossError, ValueError)
    assert issubclass(errors.InvalidArgumentError, ValueError)
    assert issubclass(errors.FailedPreconditionError, ValueError)
    assert issubclass(errors.NotFoundError, FileNotFoundError)
    e = errors.DataLossError("file x is corrupt")
    assert str(e) == e.message == "file x is corrupt" and e.node_def is None and e.op is None
    e = errors.NotFoundError(None, None, "gone")
    assert str(e) == "gone" and isinstance(e, OSError)
    # Exported where TF1 code looks for them.
    assert fs.errors is errors and tf.errors is errors
    assert fs.checkpoint.DataLossError is errors.DataLossError


def test_missing_checkpoint_is_not_found_and_file_not_found(tmp_path):
    for call in (
        lambda: fs.checkpoint.load_variables(str(tmp_path / "nope.ckpt")),
        lambda: fs.checkpoint.list_variables(str(tmp_path)),
    ):
        with pytest.raises(tf.errors.NotFoundError):
            call()
        with pytest.raises(FileNotFoundError):
            call()


# --- checkpoints -----------------------------------------------------------------------


@pytest.fixture
def ckpt(tmp_path):
    path = str(tmp_path / "model.ckpt")
    fs.checkpoint.save(path, {"w": np.ones(2, np.float32)})
    return path


def test_save_with_non_string_names(tmp_path):
    with pytest.raises(TypeError, match=r"names must be strings .* got 1 \(int\)"):
        fs.checkpoint.save(str(tmp_path / "m.ckpt"), {1: np.ones(2)})
    with pytest.raises(TypeError, match=r"got \('a', 'b'\) \(tuple\)"):
        fs.checkpoint.save(str(tmp_path / "m.ckpt"), {"params": {("a", "b"): np.ones(2)}})
    assert not os.path.exists(tmp_path / "m.ckpt.index")


def test_saver_with_swapped_arguments(ckpt):
    saver = fs.train.Saver()
    with pytest.raises(TypeError, match=r"Saver.restore takes \(variables, save_path\)"):
        saver.restore(ckpt, {"w": np.zeros(2, np.float32)})
    with pytest.raises(TypeError, match=r"Call saver.save\(variables, "):
        saver.save(ckpt, {"w": np.zeros(2, np.float32)})
    with pytest.raises(TypeError, match="save_path must be a path"):
        saver.restore({"w": np.zeros(2, np.float32)}, 5)
    # The right order works.
    got = saver.restore({"w": np.zeros(2, np.float32)}, ckpt)
    np.testing.assert_array_equal(got["w"], [1.0, 1.0])


def test_init_from_checkpoint_without_a_map(ckpt):
    with pytest.raises(TypeError, match=r"assignment_map must be a dict .* not NoneType.*'/': '/'"):
        fs.checkpoint.init_from_checkpoint(ckpt, None, {"w": np.zeros(2, np.float32)})
    got = fs.checkpoint.init_from_checkpoint(ckpt, {"/": "/"}, {"w": np.zeros(2, np.float32)})
    np.testing.assert_array_equal(got["w"], [1.0, 1.0])
    pairs = iter([("w", "w")])  # any iterable of pairs still works
    got = fs.checkpoint.init_from_checkpoint(ckpt, pairs, {"w": np.zeros(2, np.float32)})
    np.testing.assert_array_equal(got["w"], [1.0, 1.0])


def test_save_path_whose_parent_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    path = str(tmp_path / "afile" / "sub" / "model.ckpt")
    for save in (
        lambda: fs.checkpoint.save(path, {"w": np.ones(2)}),
        lambda: fs.train.Saver().save({"w": np.ones(2)}, str(tmp_path / "afile" / "m.ckpt")),
    ):
        with pytest.raises(errors.FailedPreconditionError, match="is a file, not a directory") as e:
            save()
        assert str(tmp_path / "afile") in str(e.value)


def test_saver_of_the_empty_default_graph_says_why(tf1):
    with tf1.Graph().as_default():
        theirs = _tf1_error(lambda: tf1.train.Saver(tf1.global_variables()))
    model = fs.transform(lambda: fs.get_variable("w", [2]))
    model.init(jax.random.key(0))
    with pytest.raises(ValueError) as info:
        tf.train.Saver(tf.global_variables())
    assert theirs == ("ValueError", "No variables to save")
    assert str(info.value).startswith("No variables to save")
    assert "flaxscope.transform" in str(info.value) and "var_list=None" in str(info.value)
    with pytest.raises(ValueError, match="No variables to save .*pass the tree"):
        tf.train.Saver().save({}, "unused/model.ckpt")


# --- transform and apply ---------------------------------------------------------------


def test_transform_of_a_non_callable_fails_at_transform_time():
    with pytest.raises(TypeError, match="transform takes the function .* got int 5"):
        fs.transform(5)
    with pytest.raises(TypeError, match="got dict"):
        fs.transform({"params": {}})


def test_apply_with_a_none_leaf_names_it():
    model = fs.transform(lambda: fs.get_variable("w", [2]) * 2.0)
    with pytest.raises(ValueError, match=r"Variable w is None in variables\['params'\]"):
        model.apply({"params": {"w": None}})


# --- get_variable arguments ------------------------------------------------------------


def test_object_and_string_dtypes(tf1):
    for call in (
        lambda: fs.get_variable("w", [2], dtype=object),
        lambda: fs.get_variable("w", [2], dtype=np.str_),
        lambda: fs.Variable(np.zeros(2), dtype=object),
    ):
        fs.reset_default_graph()
        with pytest.raises(TypeError, match="tf.string, and flaxscope variables hold numbers"):
            call()
    fs.reset_default_graph()  # numeric dtypes numpy files as kind 'V' still work
    assert fs.get_variable("b", [2], dtype=jnp.bfloat16).dtype == jnp.bfloat16
    with tf1.Graph().as_default():  # TF1: object is tf.string, a variable we cannot hold
        assert tf1.get_variable("w", [2], dtype=object).dtype == tf1.string


def test_string_initializer(tf1):
    with tf1.Graph().as_default():
        theirs = _tf1_error(lambda: tf1.get_variable("w", [2], initializer="zeros"))
        assert tf1.get_variable("v", initializer="zeros").dtype == tf1.string
    with pytest.raises(ValueError) as info:
        fs.get_variable("w", [2], initializer="zeros")
    assert theirs[0] == "ValueError" and str(info.value).startswith(theirs[1])
    assert "initializer=tf.zeros_initializer()" in str(info.value)
    with pytest.raises(TypeError, match="string constant.*tf.zeros_initializer"):
        fs.get_variable("v", initializer="zeros")
    with pytest.raises(TypeError, match="string initial value"):
        fs.Variable("zeros")


# --- optimizers ------------------------------------------------------------------------


def test_gradient_tree_mismatch_names_the_variables():
    opt = fs.train.AdamOptimizer(0.1)
    params = {"a": jnp.ones(2), "b": jnp.ones(3)}
    state = opt.init(params)
    with pytest.raises(ValueError, match=r"no gradient for \['b'\]"):
        opt.update({"a": jnp.ones(2)}, state, params)
    with pytest.raises(ValueError, match=r"does not update: \['c'\]"):
        opt.update({"a": jnp.ones(2), "b": jnp.ones(3), "c": jnp.ones(1)}, state, params)
    with pytest.raises(ValueError, match=r"gradient for variable b has shape \[4\].*shape \[3\]"):
        opt.update({"a": jnp.ones(2), "b": jnp.ones(4)}, state, params)
    # Without slots (plain gradient descent) the params given to update are the reference.
    sgd = fs.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match=r"no gradient for \['b'\]"):
        sgd.update({"a": jnp.ones(2)}, sgd.init(params), params)
    # Under jit the same checks run at trace time.
    with pytest.raises(ValueError, match="gradient for variable b"):
        jax.jit(opt.update)({"a": jnp.ones(2), "b": jnp.ones(4)}, state, params)


def test_learning_rate_must_be_a_number_or_schedule():
    with pytest.raises(
        TypeError, match=r"got '0.1' \(str\)\. Write GradientDescentOptimizer\(0.1\)"
    ):
        fs.train.GradientDescentOptimizer("0.1")
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        fs.train.AdamOptimizer([0.1, 0.2])
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        fs.train.MomentumOptimizer(None, 0.9)
    for ok in (0.1, 1, np.float32(0.1), jnp.asarray(0.1), lambda step: 0.1):
        fs.train.GradientDescentOptimizer(ok)


def test_optimizer_over_an_integer_variable():
    params = {"w": jnp.ones(2), "step": jnp.zeros((), jnp.int32)}
    for opt in (fs.train.GradientDescentOptimizer(0.1), fs.train.AdamOptimizer(0.1)):
        with pytest.raises(
            errors.InvalidArgumentError, match="cannot update variable step: it is int32"
        ):
            opt.init(params)
        with pytest.raises(ValueError):  # also a ValueError
            opt.init(params)
