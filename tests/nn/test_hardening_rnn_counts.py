"""Hardening (issue 12): how often a user cell's Python code runs, against TF1.

TF1 builds ``dynamic_rnn``'s ``while_loop`` body once, so a cell's ``__call__`` (and the
custom getters of the variables it creates) runs once per graph. flaxscope traces the scan
body once in ``init`` and ``apply`` alike (``init`` computes the initial values outside
the trace); ``static_rnn`` unrolls in Python, as TF1 does. Only a variable whose initial
value is computed from the loop's own values makes ``init`` run the body once more.
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
            jitted = jax.jit(model.init)(jax.random.key(0), x)
            ours[which, driver, "jit init"] = dict(counts)
            jax.tree.map(np.testing.assert_array_equal, jitted, variables)
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
            # Every call, traced or eager, runs the cell as often as TF1 builds it.
            for call in ("init", "jit init", "apply", "jit"):
                assert ours[which, driver, call] == theirs[which, driver], (which, driver, call)


def test_scan_body_variable_from_the_loop_values_still_initializes():
    """The fallback: an initial value computed from the loop's own values (TF1 refuses it
    inside a while_loop) is made from the first element by one eager run of the body."""
    calls = []

    def model(xs):
        def body(carry, x):
            calls.append(1)
            v = fs.Variable(x * 2.0, name="from_x")
            w = fs.get_variable("w", [3], initializer=fs.ones_initializer())
            return carry + v * w, carry

        return fs.scan(body, jnp.zeros(3), xs)[0]

    xs = jnp.arange(12.0).reshape(4, 3)
    model_t = fs.transform(model)
    variables = model_t.init(jax.random.key(0), xs)
    np.testing.assert_array_equal(variables["params"]["from_x"], xs[0] * 2.0)
    np.testing.assert_array_equal(variables["params"]["w"], np.ones(3))
    calls.clear()
    out = model_t.apply(variables, xs)
    np.testing.assert_allclose(out, 4 * xs[0] * 2.0)
    assert len(calls) == 1


def test_nested_scans_create_their_variables_in_one_trace():
    calls = []

    def model(xs):
        def outer(carry, x):
            def inner(c, y):
                calls.append("inner")
                w = fs.get_variable("w", [3], initializer=fs.constant_initializer(0.5))
                return c + y * w, None

            with fs.variable_scope("in"):
                c, _ = fs.scan(inner, carry, x)
            b = fs.get_variable("b", [3], initializer=fs.ones_initializer())
            return c + b, None

        return fs.scan(outer, jnp.zeros(3), xs)[0]

    xs = jnp.ones((2, 4, 3))
    model_t = fs.transform(model)
    variables = model_t.init(jax.random.key(0), xs)
    assert sorted(variables["params"]) == ["b", "in/w"]
    assert calls == ["inner"]
    np.testing.assert_allclose(model_t.apply(variables, xs), 2 * (4 * 0.5 + 1.0))
