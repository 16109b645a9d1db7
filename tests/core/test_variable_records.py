"""The items of ``tf.trainable_variables()`` / ``tf.get_collection()`` used as tensors, as TF1
RL code does for target networks: ``tf.assign(t, e)``, ``(1 - tau) * t + tau * e``,
``t.assign(e)``, ``e.read_value()``, ``e.op.name``, ``e.get_shape().as_list()``."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

TAU = 0.25


def _nets(tf):
    for scope, value in (("eval", 1.0), ("target", 3.0)):
        with tf.variable_scope(scope):
            tf.get_variable("w", [2, 3], initializer=tf.constant_initializer(value))
            tf.get_variable("b", [3], initializer=tf.constant_initializer(value + 1))
    return tf.trainable_variables("eval"), tf.trainable_variables("target")


# name -> the update ops of one program, from (tf, eval records, target records)
UPDATES = {
    "hard copy": lambda tf, ev, tv: [tf.assign(t, e) for t, e in zip(tv, ev, strict=True)],
    "soft update": lambda tf, ev, tv: [
        tf.assign(t, (1 - TAU) * t + TAU * e) for t, e in zip(tv, ev, strict=True)
    ],
    "methods": lambda tf, ev, tv: [
        t.assign(e.read_value() * 2 - t) for t, e in zip(tv, ev, strict=True)
    ],
    "assign_add/sub": lambda tf, ev, tv: [tv[0].assign_add(ev[0]), tv[1].assign_sub(-ev[1])],
    "arithmetic": lambda tf, ev, tv: [
        tf.assign(tv[0], -ev[0] / 2 + ev[0] ** 2 @ jnp.ones((3, 3)) - abs(ev[0])),
        tf.assign(tv[1], tf.where(ev[1] > 1.5, ev[1][::-1], tv[1])),
    ],
}


@pytest.mark.parametrize("name", list(UPDATES))
def test_target_network_updates_match_tf1(name, tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        ev, tv = _nets(tf1)
        ops = UPDATES[name](tf1, ev, tv)
        sess.run(tf1.global_variables_initializer())
        sess.run(ops)
        want = {v.op.name: sess.run(v) for v in tf1.global_variables()}
        names = [(v.op.name, v.get_shape().as_list()) for v in ev + tv]

    def program():
        ev, tv = _nets(tf)
        UPDATES[name](tf, ev, tv)
        return [(v.op.name, v.get_shape().as_list()) for v in ev + tv]

    model = fs.transform(program)
    variables = model.init(jax.random.key(0))
    got_names, new = model.apply(variables, mutable=["params"])
    assert got_names == names
    for key, value in want.items():
        np.testing.assert_allclose(new["params"][key], value, rtol=1e-6, err_msg=key)


def test_a_record_reads_as_its_value_and_stays_hashable():
    def program():
        (w, b), _ = _nets(tf)
        assert np.asarray(w).shape == (2, 3) and w.ndim == 2
        assert w.get_shape()[1].value == 3 and w.get_shape().ndims == 2
        assert w.op.name == "eval/w" and w.name == "eval/w:0"
        assert len({w, b, w}) == 2 and w in tf.trainable_variables("eval")
        return tf.reduce_sum(w * b) + jnp.sum(jnp.asarray(b))

    model = fs.transform(program)
    out = model.apply(model.init(jax.random.key(0)))
    assert float(out) == pytest.approx(2 * 3 * 2.0 + 3 * 2.0)
