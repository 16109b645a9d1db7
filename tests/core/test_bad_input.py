"""Bad input gets a clear error naming the variable and the fix; nothing is half-done."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf


def model(x):
    with tf.variable_scope("dense"):
        w = tf.get_variable("kernel", [3, 2])
        b = tf.get_variable("bias", [2], initializer=tf.zeros_initializer())
    return x @ w + b


@pytest.fixture
def trained():
    f = fs.transform(model)
    x = jnp.ones((1, 3))
    return f, x, f.init(jax.random.key(0), x)


def test_new_variable_without_shape_names_it():
    with pytest.raises(
        ValueError, match=r"Variable a/w did not get an initializer, so its `shape`"
    ):
        with tf.variable_scope("a"):
            tf.get_variable("w")


def test_shape_and_dtype_mismatch_on_reuse():
    with tf.variable_scope("s"):
        tf.get_variable("w", [2, 3])
    with pytest.raises(
        ValueError, match=r"Trying to share variable s/w, but specified shape \(3, 2\)"
    ):
        with tf.variable_scope("s", reuse=True):
            tf.get_variable("w", [3, 2])
    with pytest.raises(ValueError, match="specified dtype int32 and found dtype float32"):
        with tf.variable_scope("s", reuse=True):
            tf.get_variable("w", dtype=tf.int32)


@pytest.mark.parametrize("name", ["a b", "-lead", "semi;colon", "_under"])
def test_invalid_names_follow_tf_rules(name):
    with pytest.raises(ValueError, match="is not a valid root scope name"):
        tf.get_variable(name, [1])
    with pytest.raises(ValueError, match="not a valid"):
        with tf.name_scope(name):
            pass


def test_nested_scope_allows_leading_underscore_like_tf():
    with tf.name_scope("outer"):
        with tf.name_scope("_inner") as s:
            assert s == "outer/_inner/"


def test_apply_with_missing_variable(trained):
    f, x, variables = trained
    params = dict(variables["params"])
    del params["dense/bias"]
    with pytest.raises(
        ValueError, match=r"Variable dense/bias is missing from variables\['params'\]"
    ):
        f.apply({"params": params}, x)


def test_apply_with_wrong_shape(trained):
    f, x, variables = trained
    params = {**variables["params"], "dense/kernel": jnp.zeros((2, 3))}
    with pytest.raises(
        ValueError, match=r"dense/kernel has shape \(2, 3\).*declares shape \(3, 2\)"
    ):
        f.apply({"params": params}, x)
    with pytest.raises(ValueError, match="dense/kernel has shape"):
        jax.jit(f.apply)({"params": params}, x)


def test_apply_with_wrong_dtype(trained):
    f, x, variables = trained
    params = {**variables["params"], "dense/bias": jnp.zeros((2,), jnp.int32)}
    with pytest.raises(ValueError, match="dense/bias has dtype int32.*declares dtype float32"):
        f.apply({"params": params}, x)


def test_apply_with_extra_keys_warns_by_default_and_can_error_or_ignore(trained):
    f, x, variables = trained
    params = {**variables["params"], "decoder/kernel": jnp.zeros((2,))}
    with pytest.warns(UserWarning, match="never used: params/decoder/kernel"):
        f.apply({"params": params}, x)
    strict = fs.transform(model, on_unused="error")
    with pytest.raises(ValueError, match="params/decoder/kernel"):
        strict.apply({"params": params}, x)
    lenient = fs.transform(model, on_unused="ignore")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lenient.apply({"params": params}, x)


def test_apply_with_something_that_is_not_a_tree(trained):
    f, x, variables = trained
    with pytest.raises(TypeError, match="variables tree as its first argument"):
        f.apply(variables["params"], x)
    with pytest.raises(ValueError, match="collections"):
        f.apply({**variables, "batch_stats": {}}, x)


def test_trainable_flag_mismatch_between_tree_and_model(trained):
    f, x, variables = trained
    moved = {
        "params": {"dense/kernel": variables["params"]["dense/kernel"]},
        "state": {"dense/bias": variables["params"]["dense/bias"]},
    }
    with pytest.raises(ValueError, match=r"dense/bias.*variables\['state'\]"):
        f.apply(moved, x)


def test_value_leaked_from_one_call_into_another(trained):
    f, x, variables = trained
    leaked = {}

    def spy(x):
        out = model(x)
        leaked["w"] = tf.get_variable_scope()  # noqa: F841 (kept to exercise scopes)
        with tf.variable_scope("dense", reuse=True):
            leaked["kernel"] = tf.get_variable("kernel")
        leaked["records"] = tf.global_variables()
        return out

    g = fs.transform(spy)
    jax.jit(g.apply)(variables, x)

    def reuse_leak(x):
        model(x)
        return fs.name_of(leaked["kernel"])

    with pytest.raises(ValueError, match="another init/apply call"):
        fs.transform(reuse_leak).apply(variables, x)
    with pytest.raises(fs.LeakedValueError, match="dense/kernel:0.*leaked tracer"):
        leaked["records"][0].value  # noqa: B018
    with pytest.raises(jax.errors.UnexpectedTracerError):
        fs.transform(lambda x: x @ leaked["kernel"]).apply({"params": {}}, x)


def test_failed_apply_leaves_no_partial_state(trained):
    f, x, variables = trained
    before = jax.tree.map(np.asarray, variables)
    bad = {"params": {**variables["params"], "dense/bias": jnp.zeros((5,))}}
    with pytest.raises(ValueError):
        f.apply(bad, x)
    jax.tree.map(np.testing.assert_array_equal, before, jax.tree.map(np.asarray, variables))
    np.testing.assert_allclose(f.apply(variables, x), model_ref(variables, x), rtol=1e-6)


def model_ref(variables, x):
    p = variables["params"]
    return x @ p["dense/kernel"] + p["dense/bias"]


def test_init_without_a_key():
    with pytest.raises(ValueError, match="PRNG key"):
        fs.transform(model).init(None, jnp.ones((1, 3)))


def test_assign_errors_name_the_variable():
    w = tf.get_variable("w", [2])
    with pytest.raises(ValueError, match=r"shape \(3,\) to variable w:0 of shape \(2,\)"):
        fs.assign(w, jnp.zeros(3))
    with pytest.raises(ValueError, match="not a variable of this call"):
        fs.assign(w + 1, jnp.zeros(2))
