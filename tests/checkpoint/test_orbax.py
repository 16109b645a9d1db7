"""flaxscope.orbax_io: exact round trips of variables and optax state, resumed training."""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import flaxscope as fs
from flaxscope import orbax_io, selection

pytest.importorskip("orbax.checkpoint", reason="orbax-checkpoint is not installed")


def _model(x):
    with fs.variable_scope("encoder"):
        w = fs.get_variable("w", [4, 8])
        b = fs.get_variable("b", [8], initializer=fs.zeros_initializer(), dtype="bfloat16")
    with fs.variable_scope("decoder"):
        w2 = fs.get_variable("w", [8, 3])
    step = fs.get_variable("global_step", [], dtype="int32", trainable=False)
    fs.assign_add(step, 1)
    return jnp.tanh(x @ w + b.astype(jnp.float32)) @ w2


X = jnp.asarray(np.random.default_rng(0).normal(size=(8, 4)), jnp.float32)
Y = jnp.asarray(np.random.default_rng(1).normal(size=(8, 3)), jnp.float32)
MODEL = fs.transform(_model)


def _setup():
    variables = MODEL.init(jax.random.key(0), X)
    tx = selection.train_only(optax.adam(1e-2), variables["params"], "decoder/")
    return variables, tx, tx.init(variables["params"])


def _step(tx):
    @jax.jit
    def step(variables, opt_state):
        def loss_fn(params):
            out, new = MODEL.apply({**variables, "params": params}, X, mutable=True)
            return jnp.mean((out - Y) ** 2), new

        grads, new = jax.grad(loss_fn, has_aux=True)(variables["params"])
        updates, opt_state = tx.update(grads, opt_state, variables["params"])
        params = optax.apply_updates(variables["params"], updates)
        return {"params": params, **new}, opt_state

    return step


def _assert_identical(a, b):
    assert jax.tree.structure(a) == jax.tree.structure(b)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_round_trip_is_exact_and_resume_continues_identically(tmp_path):
    variables, tx, opt_state = _setup()
    step = _step(tx)
    for _ in range(3):
        variables, opt_state = step(variables, opt_state)
    path = orbax_io.save(tmp_path / "ckpt", variables, opt_state)

    restored_vars, restored_opt = orbax_io.restore(path, like=(variables, opt_state))
    _assert_identical(restored_vars, variables)
    _assert_identical(restored_opt, opt_state)
    assert int(restored_vars["state"]["global_step"]) == 3

    # Structure from an abstract template (no arrays needed to restore).
    abstract = jax.eval_shape(lambda: (variables, opt_state))
    _assert_identical(orbax_io.restore(path, like=abstract)[1], opt_state)
    # Without a template: the variables, as saved.
    _assert_identical(orbax_io.restore(path), variables)

    a, b = (variables, opt_state), (restored_vars, restored_opt)
    for _ in range(3):
        a, b = step(*a), step(*b)
    _assert_identical(a, b)


def test_numbered_steps_keep_the_newest(tmp_path):
    variables, _, _ = _setup()
    for s in (10, 20, 30):
        bumped = jax.tree.map(lambda x, s=s: x + s if x.dtype == jnp.int32 else x, variables)
        orbax_io.save(tmp_path, bumped, step=s, max_to_keep=2)
    assert orbax_io.all_steps(tmp_path) == [20, 30]
    assert orbax_io.latest_step(tmp_path) == 30
    assert int(orbax_io.restore(tmp_path, like=variables)["state"]["global_step"]) == 30
    assert int(orbax_io.restore(tmp_path, like=variables, step=20)["state"]["global_step"]) == 20
    with pytest.raises(FileNotFoundError, match="No step 10"):
        orbax_io.restore(tmp_path, like=variables, step=10)
    with pytest.raises(FileExistsError, match="Step 30 already exists"):
        orbax_io.save(tmp_path, variables, step=30)
    with pytest.raises(ValueError, match="no optimizer state"):
        orbax_io.restore(tmp_path, like=(variables, {}))


def test_errors_name_the_fix(tmp_path, monkeypatch):
    variables, _, _ = _setup()
    orbax_io.save(tmp_path / "c", variables)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        orbax_io.save(tmp_path / "c", variables)
    orbax_io.save(tmp_path / "c", variables, overwrite=True)
    with pytest.raises(FileNotFoundError):
        orbax_io.restore(tmp_path / "missing")
    monkeypatch.setitem(sys.modules, "orbax.checkpoint", None)
    with pytest.raises(ImportError, match=r"flaxscope\[orbax\]"):
        orbax_io.save(tmp_path / "d", variables)
