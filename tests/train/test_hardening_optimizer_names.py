"""Hardening (issue 12): optimizer checkpoint names as TF1's ``minimize`` makes them.

A ``minimize`` inside ``variable_scope("m")`` names slots ``m/m/w/Adam``; a second Adam's
non-slot variables are ``beta1_power_1``; ``variables()`` is sorted as TF1's. Checked
against TF1's own names, and by checkpoints going both ways through ``tf.train.Saver``
(a model trained inside a scope; a GAN step with two Adams).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import flaxscope as fs
from flaxscope import train

# --- names --------------------------------------------------------------------------


def _tf_cases(tf):
    """Each case: builds a TF1 graph and returns [(optimizer, its var names in order)]."""

    def minimize(opt, loss, var_list):
        opt.minimize(loss, var_list=var_list)
        return opt, [v.op.name for v in var_list]

    def in_scope():
        with tf.variable_scope("m"):
            w, b = tf.get_variable("w", [2]), tf.get_variable("b", [3])
            return [
                minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(w) + tf.reduce_sum(b), [w, b])
            ]

    def gan():
        with tf.variable_scope("g"):
            gw = tf.get_variable("w", [2])
        with tf.variable_scope("d"):
            dw = tf.get_variable("w", [2])
        return [
            minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(dw), [dw]),
            minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(gw), [gw]),
        ]

    def same_var():
        w = tf.get_variable("w", [2])
        return [
            minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(w), [w]),
            minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(w), [w]),
        ]

    def two_in_scope():
        with tf.variable_scope("m"):
            w = tf.get_variable("w", [2])
            return [
                minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(w), [w]),
                minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(w), [w]),
            ]

    def rmsprop_in_scope():
        with tf.variable_scope("m"):
            w = tf.get_variable("w", [2])
            opt = tf.train.RMSPropOptimizer(0.1, momentum=0.9, centered=True)
            return [minimize(opt, tf.reduce_sum(w), [w])]

    def name_scope_only():
        with tf.name_scope("ns"):
            w = tf.get_variable("w", [2])
            return [minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(w), [w])]

    def outer_scope():
        with tf.variable_scope("outer"):
            with tf.variable_scope("m"):
                w = tf.get_variable("w", [2])
            return [minimize(tf.train.MomentumOptimizer(0.1, 0.9), tf.reduce_sum(w), [w])]

    def var_list_order():
        w, v = tf.get_variable("w", [2]), tf.get_variable("v", [2])
        return [minimize(tf.train.AdamOptimizer(0.1), tf.reduce_sum(w + v), [v, w])]

    def named():
        with tf.variable_scope("m"):
            w = tf.get_variable("w", [2])
        return [minimize(tf.train.AdagradOptimizer(0.1, name="G"), tf.reduce_sum(w), [w])]

    return [in_scope, gan, same_var, two_in_scope, rmsprop_in_scope, name_scope_only,
            outer_scope, var_list_order, named]  # fmt: skip


# What flaxscope is told for each case: [(optimizer, scope, name_scope)].
_OURS = [
    [(train.AdamOptimizer(0.1), "m", None)],
    [(train.AdamOptimizer(0.1), "", None), (train.AdamOptimizer(0.1), "", None)],
    [(train.AdamOptimizer(0.1), "", None), (train.AdamOptimizer(0.1), "", None)],
    [(train.AdamOptimizer(0.1), "m", None), (train.AdamOptimizer(0.1), "m", None)],
    [(train.RMSPropOptimizer(0.1, momentum=0.9, centered=True), "m", None)],
    [(train.AdamOptimizer(0.1), "", "ns")],
    [(train.MomentumOptimizer(0.1, 0.9), "outer", None)],
    [(train.AdamOptimizer(0.1), "", None)],
    [(train.AdagradOptimizer(0.1, name="G"), "", None)],
]


def test_optimizer_variable_names_and_order_match_tf1(tf1):
    theirs, var_names = [], []
    for case in _tf_cases(tf1):
        with tf1.Graph().as_default():
            built = case()
            theirs.append([[v.op.name for v in opt.variables()] for opt, _ in built])
            var_names.append([names for _, names in built])
    for i, specs in enumerate(_OURS):
        taken: dict = {}
        ours = []
        for (opt, scope, name_scope), names in zip(specs, var_names[i], strict=True):
            params = {n: jnp.zeros((2,)) for n in names}
            got = opt.variables(
                opt.init(params),
                scope=scope,
                name_scope=name_scope,
                taken=taken,
                include_global_step=False,
            )
            ours.append(list(got))
            taken.update(got)
        assert ours == theirs[i], i
    # The examples, spelled out.
    assert theirs[0][0][2:4] == ["m/m/b/Adam", "m/m/b/Adam_1"]
    assert theirs[1][1][:2] == ["beta1_power_1", "beta2_power_1"]


# --- checkpoints both ways through tf.train.Saver --------------------------------------

_X = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(4, 3)
_Y = np.array([[0.5], [-1.0], [2.0], [0.25]], np.float32)
_W0 = np.array([[0.1], [-0.2], [0.3]], np.float32)
_B0 = np.array([0.05], np.float32)
_G0 = np.array([1.0, -0.5], np.float32)
_D0 = np.array([0.3, 0.7], np.float32)


def _scoped_loss(p):
    return jnp.sum(jnp.square(_X @ p["m/w"] + p["m/b"] - _Y))


def _d_loss(d, g):
    return jnp.sum(jnp.square(d - g))


def _g_loss(g, d):
    return jnp.sum(jnp.square(g + 2.0 * d)) + jnp.sum(g * g * d)


def _tf_scoped(tf, restore_from=None, save_to=None, steps=1):
    """TF1: a model and its Adam's minimize inside variable_scope("m"); values after."""
    with tf.Graph().as_default():
        with tf.variable_scope("m"):
            w = tf.get_variable("w", initializer=_W0)
            b = tf.get_variable("b", initializer=_B0)
            loss = tf.reduce_sum(tf.square(tf.matmul(_X, w) + b - _Y))
            step = tf.train.AdamOptimizer(0.1).minimize(loss)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if restore_from:
                saver.restore(sess, restore_from)
            for _ in range(steps):
                sess.run(step)
            if save_to:
                saver.save(sess, save_to)
            return {v.op.name: sess.run(v) for v in tf.global_variables()}


def _tf_gan(tf, restore_from=None, save_to=None, steps=1):
    """TF1: generator and discriminator, two Adams (the discriminator's built first)."""
    with tf.Graph().as_default():
        with tf.variable_scope("g"):
            g = tf.get_variable("w", initializer=_G0)
        with tf.variable_scope("d"):
            d = tf.get_variable("w", initializer=_D0)
        d_step = tf.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(tf.square(d - g)), var_list=[d])
        g_step = tf.train.AdamOptimizer(0.05, beta1=0.5).minimize(
            tf.reduce_sum(tf.square(g + 2.0 * d)) + tf.reduce_sum(g * g * d), var_list=[g]
        )
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if restore_from:
                saver.restore(sess, restore_from)
            for _ in range(steps):
                sess.run(d_step)
                sess.run(g_step)
            if save_to:
                saver.save(sess, save_to)
            return {v.op.name: sess.run(v) for v in tf.global_variables()}


def _our_scoped_steps(params, opt, state, steps):
    for _ in range(steps):
        grads = jax.grad(_scoped_loss)(params)
        updates, state = opt.update(grads, state, params)
        params = optax.apply_updates(params, updates)
    return params, state


def _our_gan_steps(params, opts, states, steps):
    d_opt, g_opt = opts
    d_state, g_state = states
    for _ in range(steps):
        d = {"d/w": params["d/w"]}
        grads = {"d/w": jax.grad(_d_loss)(params["d/w"], params["g/w"])}
        updates, d_state = d_opt.update(grads, d_state, d)
        params = {**params, **optax.apply_updates(d, updates)}
        g = {"g/w": params["g/w"]}
        grads = {"g/w": jax.grad(_g_loss)(params["g/w"], params["d/w"])}
        updates, g_state = g_opt.update(grads, g_state, g)
        params = {**params, **optax.apply_updates(g, updates)}
    return params, (d_state, g_state)


def _assert_same(ours: dict, theirs: dict):
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=2e-6, atol=1e-7, err_msg=name)


def _our_named(opt, state, params, **kw):
    return {**params, **opt.variables(state, include_global_step=False, **kw)}


def test_scoped_model_tf1_checkpoint_resumes_here_and_ours_resumes_in_tf1(tf1, tmp_path):
    # TF1 trains 2 steps and saves; flaxscope restores and takes a third; TF1 takes it too.
    tf_path = str(tmp_path / "tf" / "model.ckpt")
    _tf_scoped(tf1, save_to=tf_path, steps=2)
    tf_third = _tf_scoped(tf1, restore_from=tf_path, steps=1)
    loaded = fs.checkpoint.load_variables(tf_path)
    assert "m/m/w/Adam" in loaded and "m/beta1_power" in loaded
    opt = train.AdamOptimizer(0.1)
    params = {n: jnp.asarray(loaded[n]) for n in ("m/w", "m/b")}
    state = opt.restore_state(loaded, params, scope="m")
    params, state = _our_scoped_steps(params, opt, state, 1)
    _assert_same(_our_named(opt, state, params, scope="m"), tf_third)

    # flaxscope trains 2 steps from the same start and saves; TF1's Saver restores it.
    params = {"m/w": jnp.asarray(_W0), "m/b": jnp.asarray(_B0)}
    state = opt.init(params)
    params, state = _our_scoped_steps(params, opt, state, 2)
    our_path = fs.checkpoint.save(
        str(tmp_path / "ours" / "model.ckpt"), _our_named(opt, state, params, scope="m")
    )
    tf_after = _tf_scoped(tf1, restore_from=our_path, steps=1)
    params, state = _our_scoped_steps(params, opt, state, 1)
    _assert_same(_our_named(opt, state, params, scope="m"), tf_after)


def test_gan_two_adams_checkpoint_both_ways(tf1, tmp_path):
    d_opt, g_opt = train.AdamOptimizer(0.1), train.AdamOptimizer(0.05, beta1=0.5)

    def named(params, states):
        d_named = d_opt.variables(states[0], include_global_step=False)
        g_named = g_opt.variables(states[1], taken=d_named, include_global_step=False)
        assert "beta1_power_1" in g_named and "g/w/Adam" in g_named
        return {**params, **d_named, **g_named}

    def restored(values):
        params = {n: jnp.asarray(values[n]) for n in ("g/w", "d/w")}
        d_state = d_opt.restore_state(values, {"d/w": params["d/w"]})
        g_state = g_opt.restore_state(
            values, {"g/w": params["g/w"]}, taken=d_opt.variables(d_state)
        )
        return params, (d_state, g_state)

    tf_path = str(tmp_path / "tf" / "gan.ckpt")
    _tf_gan(tf1, save_to=tf_path, steps=2)
    tf_third = _tf_gan(tf1, restore_from=tf_path, steps=1)
    params, states = restored(fs.checkpoint.load_variables(tf_path))
    params, states = _our_gan_steps(params, (d_opt, g_opt), states, 1)
    _assert_same(named(params, states), tf_third)

    params = {"g/w": jnp.asarray(_G0), "d/w": jnp.asarray(_D0)}
    states = (d_opt.init({"d/w": params["d/w"]}), g_opt.init({"g/w": params["g/w"]}))
    params, states = _our_gan_steps(params, (d_opt, g_opt), states, 2)
    our_path = fs.checkpoint.save(str(tmp_path / "ours" / "gan.ckpt"), named(params, states))
    tf_after = _tf_gan(tf1, restore_from=our_path, steps=1)
    params, states = _our_gan_steps(params, (d_opt, g_opt), states, 1)
    _assert_same(named(params, states), tf_after)
    # Our own round trip gives the same state back.
    back_params, back_states = restored(fs.checkpoint.load_variables(our_path))
    assert int(back_states[1].global_step) == 0  # TF1's minimize had no global_step here


def test_restore_state_error_says_scope_and_taken():
    opt = train.AdamOptimizer(0.1)
    params = {"m/w": jnp.zeros((2,))}
    unscoped = opt.variables(opt.init(params))
    with pytest.raises(KeyError, match="pass scope="):
        opt.restore_state(unscoped, params, scope="m")
