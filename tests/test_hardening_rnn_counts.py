"""Hardening (issue 12): how often a user cell's Python code runs, against TF1.

TF1 builds ``dynamic_rnn``'s ``while_loop`` body once, so a cell's ``__call__`` (and the
custom getters of the variables it creates) runs once per graph. flaxscope's ``apply``
matches that (the scan body is traced once). ``init`` runs the body one more time: once
outside the loop to create the variables with real values, then inside the traced loop
(documented in ``RNNCell``'s docstring and docs/migration.md). ``static_rnn`` unrolls in
Python and matches TF1 everywhere. This test pins those counts.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import flaxscope as fs

STEPS = 5


def _cells(base, tf, counts):
    def getter(getter, name, *args, **kwargs):
        counts["getter"] += 1
        return getter(name, *args, **kwargs)

    def step(x, h, w):
        cat = tf.concat([x, h], 1)
        out = tf.tanh(tf.matmul(cat, w))
        return out, out

    class OwnCall(base):  # overrides __call__, as many TF1 programs did
        @property
        def state_size(self):
            return 3

        @property
        def output_size(self):
            return 3

        def __call__(self, x, h, scope=None):
            counts["call"] += 1
            with tf.variable_scope(scope or "own_call", custom_getter=getter):
                w = tf.get_variable("w", [int(x.shape[-1]) + 3, 3])
            return step(x, h, w)

    class OwnStep(base):  # implements call(), the documented way
        @property
        def state_size(self):
            return 3

        @property
        def output_size(self):
            return 3

        def call(self, x, h):
            counts["call"] += 1
            with tf.variable_scope("inner", custom_getter=getter):
                w = tf.get_variable("w", [int(x.shape[-1]) + 3, 3])
            return step(x, h, w)

    return OwnCall, OwnStep


def _model(tf, cell_cls, driver, x):
    cell = cell_cls()
    if driver == "dynamic":
        return tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)[0]
    return tf.nn.static_rnn(cell, [x[:, i] for i in range(STEPS)], dtype=tf.float32)[0]


def test_user_cell_call_and_custom_getter_counts_vs_tf1(tf1):
    import flaxscope.compat.v1 as tf

    x = np.ones((2, STEPS, 4), np.float32)
    theirs, ours = {}, {}
    for which in (0, 1):
        for driver in ("dynamic", "static"):
            counts = {"getter": 0, "call": 0}
            cls = _cells(tf1.nn.rnn_cell.RNNCell, tf1, counts)[which]
            with tf1.Graph().as_default():
                _model(tf1, cls, driver, tf1.constant(x))
            theirs[which, driver] = dict(counts)

            counts = {"getter": 0, "call": 0}
            cls = _cells(fs.nn.rnn_cell.RNNCell, tf, counts)[which]
            model = fs.transform(lambda x, cls=cls, driver=driver: _model(tf, cls, driver, x))
            variables = model.init(jax.random.key(0), x)
            ours[which, driver, "init"] = dict(counts)
            counts.update(getter=0, call=0)
            model.apply(variables, x)
            ours[which, driver, "apply"] = dict(counts)
            counts.update(getter=0, call=0)
            jax.jit(model.apply)(variables, jnp.asarray(x))
            ours[which, driver, "jit"] = dict(counts)

    for which in (0, 1):
        assert theirs[which, "dynamic"] == {"getter": 1, "call": 1}
        assert theirs[which, "static"] == {"getter": STEPS, "call": STEPS}
        for driver in ("dynamic", "static"):
            # apply (a trace, jitted or not) runs the cell as often as TF1 builds it.
            assert ours[which, driver, "apply"] == theirs[which, driver]
            assert ours[which, driver, "jit"] == theirs[which, driver]
        assert ours[which, "static", "init"] == theirs[which, "static"]
        # The documented difference: init runs a dynamic_rnn body once more.
        assert ours[which, "dynamic", "init"] == {"getter": 2, "call": 2}
