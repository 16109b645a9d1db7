"""tf.cond / case / while_loop / map_fn / scan / foldl / foldr against tf.compat.v1 (v1
control flow, as TF1 ran it): values, names of variables created in branches and loop
bodies, init/apply/jit/grad, and the trace guard's errors for raw JAX control flow."""

import contextlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf


@contextlib.contextmanager
def tf1_graph(tf1):
    """A fresh TF1 graph with TF1's own (v1) control flow, and a session on it."""
    was_v2 = tf1.control_flow_v2_enabled()
    tf1.disable_control_flow_v2()
    try:
        with tf1.Graph().as_default() as graph, tf1.Session(graph=graph) as sess:
            yield sess
    finally:
        if was_v2:
            tf1.enable_control_flow_v2()


X = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], np.float32)


def _pure_programs(t):
    """Programs using only control flow and arithmetic, written once for both libraries."""
    x = X
    return {
        "cond_t": lambda: t.cond(x[0, 0] > 0, lambda: x * 2.0, lambda: x - 1.0),
        "cond_f": lambda: t.cond(x[0, 1] > 0, lambda: x * 2.0, lambda: x - 1.0),
        "cond_tuple": lambda: t.cond(
            x[1, 1] > 0, lambda: (x[0], x[1] + 1.0), lambda: (x[1], x[0] * 3.0)
        ),
        "cond_singleton": lambda: t.cond(x[0, 0] > 0, lambda: [x], lambda: [x + 1.0]),
        "cond_strict": lambda: t.cond(x[0, 0] > 0, lambda: [x], lambda: [x + 1.0], strict=True),
        "case_first": lambda: t.case(
            [
                (t.constant(x[0, 0] > 0), lambda: x + 1.0),
                (t.constant(x[0, 1] < 0), lambda: x + 2.0),
            ],
            default=lambda: x + 3.0,
        ),
        "case_second": lambda: t.case(
            [
                (t.constant(x[0, 0] < 0), lambda: x + 1.0),
                (t.constant(x[0, 1] < 0), lambda: x + 2.0),
            ],
            default=lambda: x + 3.0,
        ),
        "case_default": lambda: t.case(
            [
                (t.constant(x[0, 0] < 0), lambda: x + 1.0),
                (t.constant(x[0, 1] > 0), lambda: x + 2.0),
            ],
            default=lambda: x + 3.0,
        ),
        "case_nodefault": lambda: t.case(
            [(t.constant(x[0, 0] < 0), lambda: x + 1.0), (t.constant(x[0, 1] < 0), lambda: x + 2.0)]
        ),
        "while": lambda: t.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a * 1.5), [0, x]),
        "while_single": lambda: t.while_loop(
            lambda a: t.reduce_sum(a) < 100.0, lambda a: a + 1.0, [x]
        ),
        "while_max": lambda: t.while_loop(
            lambda i, a: i < 50, lambda i, a: (i + 2, a - 0.5), (0, x), maximum_iterations=7
        ),
        "while_same": lambda: t.while_loop(
            lambda a: a < 10, lambda a: a + 3, [1], return_same_structure=True
        ),
        "map": lambda: t.map_fn(lambda r: r * r + 1.0, x),
        "map_tuple": lambda: t.map_fn(lambda ab: ab[0] - ab[1], (x, x[::-1]), dtype=t.float32),
        "map_dtype": lambda: t.map_fn(
            lambda r: (r, t.reduce_sum(r)), x, dtype=(t.float32, t.float32)
        ),
        "scan": lambda: t.scan(lambda a, r: a + r, x),
        "scan_init": lambda: t.scan(
            lambda a, r: a * 0.5 + r, x, initializer=np.ones(3, np.float32)
        ),
        "scan_rev": lambda: t.scan(lambda a, r: a - r, x, reverse=True),
        "scan_rev_init": lambda: t.scan(
            lambda a, r: a * r, x, initializer=np.full(3, 2.0, np.float32), reverse=True
        ),
        "foldl": lambda: t.foldl(lambda a, r: a * 2.0 + r, x),
        "foldl_init": lambda: t.foldl(
            lambda a, r: a + t.reduce_sum(r), x, initializer=np.float32(1)
        ),
        "foldr": lambda: t.foldr(lambda a, r: a * 2.0 + r, x),
        "foldr_init": lambda: t.foldr(lambda a, r: a - r, x, initializer=np.zeros(3, np.float32)),
    }


class _Math:
    """The few non-control-flow ops the programs use, on JAX (until ops-math lands)."""

    def __getattr__(self, name):
        return getattr(tf, name)

    float32 = np.float32
    constant = staticmethod(jnp.asarray)

    @staticmethod
    def reduce_sum(a):
        return jnp.sum(a)


def test_values_match_tf1(tf1):
    with tf1_graph(tf1) as sess:
        programs = _pure_programs(tf1)
        tensors = {k: p() for k, p in programs.items()}
        expected = sess.run(tensors)
    ours = {k: p() for k, p in _pure_programs(_Math()).items()}
    jitted = jax.jit(lambda: {k: p() for k, p in _pure_programs(_Math()).items()})()
    for key in programs:
        for got in (ours[key], jitted[key]):
            want = expected[key]
            assert jax.tree.structure(jax.tree.map(np.asarray, got)) == jax.tree.structure(
                jax.tree.map(np.asarray, want)
            ) or isinstance(want, (list, tuple)), key
            for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
                np.testing.assert_allclose(np.asarray(g), w, rtol=1e-6, err_msg=key)
                assert np.asarray(g).shape == np.shape(w), key


def _tf1_model(t, ones, x):
    """A model creating variables in branches and loop bodies; ``ones`` builds an
    initializer-free initial value (a lambda, as TF1 requires inside control flow)."""
    p = x[0] > 0

    def tb():
        w = t.get_variable("w", [3])
        v = t.Variable(ones, name="v")
        return x * w + v

    def fb():
        return x - t.get_variable("w2", [3])

    with t.variable_scope("m"):
        y = t.cond(p, tb, fb)
        y2 = t.cond(p, lambda: y * t.Variable(ones, name="v"), lambda: y)

    def body(i, a):
        w = t.get_variable("wl", [3])
        u = t.Variable(ones, name="u")
        return i + 1, a * w + u

    with t.variable_scope("loop"):
        r = t.while_loop(lambda i, a: i < 3, body, [0, x])
    with t.variable_scope("cases"):
        c = t.case(
            [
                (p, lambda: x * t.get_variable("a", [3])),
                (x[1] > 0, lambda: x + t.Variable(ones, name="b")),
            ],
            default=lambda: x,
        )
    mapped = t.map_fn(
        lambda e: e * t.get_variable("mw", []) + t.Variable(lambda: 1.0, name="mv"), x
    )
    scanned = t.scan(lambda a, e: a + e * t.get_variable("sw", []), x)
    folded = t.foldl(lambda a, e: a + e * t.get_variable("fw", []), x)
    after = t.Variable(ones, name="cond")  # TF1 took name scope "cond" above: cond_2
    return [y, y2, r[1], c, mapped, scanned, folded, after]


def test_variable_names_in_branches_and_loops_match_tf1(tf1):
    with tf1_graph(tf1):
        _tf1_model(tf1, lambda: tf1.ones([3]), tf1.constant(X[0]))
        want = [v.name for v in tf1.global_variables()]

    def model():
        outs = _tf1_model(tf, lambda: jnp.ones(3), jnp.asarray(X[0]))
        return outs, [v.name for v in tf.global_variables()]

    (_, names), variables = fs.transform(model).init_with_output(jax.random.key(0))
    assert names == want
    assert sorted(variables["params"]) == sorted(n[:-2] for n in want)


def test_init_apply_jit_grad_with_variables_in_bodies():
    def model(x, flag):
        with tf.variable_scope("net"):
            h = tf.cond(
                flag, lambda: x * tf.get_variable("a", [3]), lambda: x + tf.get_variable("b", [3])
            )
            _, h = tf.while_loop(
                lambda i, h: i < 4,
                lambda i, h: (i + 1, jnp.tanh(h * tf.get_variable("w", [3]))),
                [0, h],
                maximum_iterations=4,
            )
            return tf.map_fn(lambda e: e * tf.get_variable("m", []), h)

    f = fs.transform(model)
    x = jnp.asarray(X[0])
    variables = f.init(jax.random.key(1), x, True)
    assert sorted(variables["params"]) == ["net/a", "net/b", "net/m", "net/w"]
    for leaf in jax.tree.leaves(variables):
        assert not isinstance(leaf, jax.core.Tracer)
    jit_vars = jax.jit(f.init)(jax.random.key(1), x, True)
    jax.tree.map(np.testing.assert_array_equal, jit_vars, variables)
    p = variables["params"]
    for flag in (True, False):
        h = x * p["net/a"] if flag else x + p["net/b"]
        for _ in range(4):
            h = np.tanh(h * p["net/w"])
        want = h * p["net/m"]
        np.testing.assert_allclose(f.apply(variables, x, flag), want, rtol=1e-6)
        np.testing.assert_allclose(jax.jit(f.apply)(variables, x, flag), want, rtol=1e-6)
    grads = jax.grad(lambda v: f.apply(v, x, jnp.asarray(True)).sum())(variables)
    assert float(jnp.abs(grads["params"]["net/a"]).sum()) > 0
    assert float(jnp.abs(grads["params"]["net/b"]).sum()) == 0  # branch not taken
    # A numerical check of one gradient entry.
    eps = 1e-3
    bumped = jax.tree.map(lambda a: a, variables)
    bumped["params"] = dict(variables["params"], **{"net/m": variables["params"]["net/m"] + eps})
    num = (f.apply(bumped, x, True).sum() - f.apply(variables, x, True).sum()) / eps
    np.testing.assert_allclose(grads["params"]["net/m"], num, rtol=2e-2)


def test_python_bool_pred_and_random_ops_per_iteration():
    def model():
        with tf.variable_scope("s"):
            a = tf.cond(True, lambda: tf.get_variable("t", [2]), lambda: tf.get_variable("f", [2]))
        draws = tf.while_loop(
            lambda i, acc: i < 4,
            lambda i, acc: (i + 1, acc.at[i].set(jax.random.uniform(fs.next_rng_key()))),
            [0, jnp.zeros(4)],
        )[1]
        return a, draws

    f = fs.transform(model)
    variables = f.init(jax.random.key(0))
    assert sorted(variables["params"]) == ["s/f", "s/t"]
    a, draws = f.apply(variables, rng=jax.random.key(3))
    np.testing.assert_array_equal(a, variables["params"]["s/t"])
    assert len(set(np.asarray(draws).tolist())) == 4  # a new key at every iteration


def test_branch_errors_match_tf1(tf1):
    x = jnp.ones(3)
    bad_pair = (True, lambda: x, 1)
    cases = [
        (lambda t: t.cond(True, lambda: x, lambda: x, fn1=lambda: x), TypeError),
        (lambda t: t.cond(True, None, lambda: x), TypeError),
        (lambda t: t.cond(True, lambda: x, 3), TypeError),
        (lambda t: t.case(5), TypeError),
        (lambda t: t.case([bad_pair]), TypeError),
        (lambda t: t.while_loop(lambda i: i < 3, lambda i: i + 1, []), ValueError),
        (lambda t: t.while_loop(3, lambda i: i + 1, [0]), TypeError),
    ]
    with tf1_graph(tf1):
        for make, kind in cases:
            with pytest.raises(kind) as theirs:
                make(tf1)
            with pytest.raises(kind) as ours:
                make(tf)
            assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="'true_fn' must have a return value."):
        tf.cond(jnp.asarray(True), lambda: None, lambda: x)
    with pytest.raises(ValueError, match="must have the same type"):
        tf.cond(jnp.asarray(True), lambda: x, lambda: x.astype(jnp.int32))
    with pytest.raises(ValueError, match="nested structure"):
        tf.cond(jnp.asarray(True), lambda: (x, x), lambda: x)


def test_assign_inside_a_branch_is_refused_by_name():
    def model():
        v = tf.get_variable("counter", [], initializer=tf.zeros_initializer())
        return tf.cond(jnp.asarray(True), lambda: fs.assign(v, v + 1.0), lambda: v)

    with pytest.raises(ValueError, match="counter:0 is assigned inside the body"):
        fs.transform(model).init(jax.random.key(0))


def test_raw_jax_control_flow_creating_a_variable_is_refused():
    def inner(x):
        with tf.variable_scope("layer"):
            return x * tf.get_variable("kernel", [3])

    raw = {
        "cond": lambda x: jax.lax.cond(x[0] > 0, inner, lambda x: x, x),
        "switch": lambda x: jax.lax.switch(0, [inner, lambda x: x], x),
        "while": lambda x: jax.lax.while_loop(lambda c: c[0] > 5.0, inner, x),
        "fori": lambda x: jax.lax.fori_loop(0, 2, lambda i, c: inner(c), x),
        "remat": lambda x: jax.checkpoint(inner)(x),
        "jit": lambda x: jax.jit(inner)(x),
    }
    for kind, model in raw.items():
        init = fs.transform(model).init
        for run in (init, jax.jit(init)) if kind in ("cond", "jit") else (init,):
            with pytest.raises(ValueError) as err:
                run(jax.random.key(0), jnp.ones(3))
            message = str(err.value)
            assert "Variable layer/kernel is created inside a JAX transformation" in message, kind
            assert "tf.cond" in message and "flaxscope.scan" in message


def test_raw_assign_under_lax_cond_is_refused_and_transforms_that_keep_values_pass():
    def assigning():
        v = tf.get_variable("step", [], initializer=tf.zeros_initializer(), trainable=False)
        return jax.lax.cond(True, lambda: fs.assign_add(v, 1.0), lambda: v)

    with pytest.raises(ValueError, match="Variable step:0 is assigned inside a JAX"):
        fs.transform(assigning).init(jax.random.key(0))

    def vmapped(x):  # vmap and grad of a creating function keep concrete/outer values
        y = jax.vmap(lambda r: r * tf.get_variable("w", [3]))(x)
        g = jax.grad(lambda r: (r * tf.get_variable("g", [3])).sum())(x[0])
        return y, g

    for init in (fs.transform(vmapped).init, jax.jit(fs.transform(vmapped).init)):
        variables = init(jax.random.key(0), jnp.ones((2, 3)))
        assert sorted(variables["params"]) == ["g", "w"]
        assert all(not isinstance(v, jax.core.Tracer) for v in jax.tree.leaves(variables))
    out = jax.jit(jax.vmap(fs.transform(vmapped).init, in_axes=(0, None)))(
        jax.random.split(jax.random.key(0), 2), jnp.ones((2, 3))
    )
    assert out["params"]["w"].shape == (2, 3)


def test_asserts_static_and_under_jit(tf1):
    from flaxscope.errors import InvalidArgumentError

    ok = jnp.asarray([1.0, 2.0])
    tf.assert_equal(ok, ok)
    tf.assert_less(ok, 3.0)
    tf.assert_positive(ok)
    tf.assert_rank(ok, 1)
    tf.Assert(True, ["fine"])
    failing = [
        lambda: tf.assert_equal(ok, 1.0),
        lambda: tf.assert_greater_equal(ok, 2.0, message="too small"),
        lambda: tf.assert_non_positive(ok),
        lambda: tf.Assert(ok[0] > 5, ["x must exceed 5", ok]),
    ]
    for call in failing:
        with pytest.raises(InvalidArgumentError):
            call()
    with pytest.raises(
        InvalidArgumentError, match=r"assertion failed: \[x must exceed 5\] \[1.0 2.0\]"
    ):
        failing[-1]()
    # TF1 raises ValueError for a static rank mismatch, as here.
    with tf1.Graph().as_default(), pytest.raises(ValueError):
        tf1.assert_rank(tf1.constant([1.0]), 2)
    with pytest.raises(ValueError, match="must have rank 2"):
        tf.assert_rank(ok, 2)
    checked = jax.jit(lambda x: (tf.Assert(x > 0, ["x must be positive", x]), x * 2)[1])
    assert float(checked(1.0)) == 2.0
    with pytest.raises(Exception, match=r"assertion failed: \[x must be positive\] \[-1.0\]"):
        checked(-1.0)
        jax.effects_barrier()


def test_print_returns_input_and_prints_when_run(capfd):
    x = jnp.arange(5.0)
    y = tf.Print(x, [x, jnp.asarray(7)], message="values: ", summarize=2)
    np.testing.assert_array_equal(y, x)
    jax.jit(lambda v: tf.Print(v, [v], "jit: ", first_n=1))(x)
    jax.effects_barrier()
    err = capfd.readouterr().err
    assert "values: [0.0 1.0...][7]" in err and "jit: [0.0 1.0 2.0...]" in err


def test_nested_lifted_bodies_create_once_and_trace_under_jit():
    def model(x):
        def body(i, h):
            h = tf.cond(
                h[0] > 0,
                lambda: h * tf.get_variable("a", [3]),
                lambda: h + tf.get_variable("b", [3]),
            )
            return i + 1, tf.map_fn(lambda r: r * tf.get_variable("m", []), h)

        with tf.variable_scope("outer"):
            return tf.while_loop(lambda i, h: i < 3, body, [0, x], maximum_iterations=3)[1]

    f = fs.transform(model)
    x = jnp.asarray([0.5, -1.0, 2.0])
    variables = f.init(jax.random.key(0), x)
    assert sorted(variables["params"]) == ["outer/a", "outer/b", "outer/m"]
    jax.tree.map(np.testing.assert_array_equal, jax.jit(f.init)(jax.random.key(0), x), variables)
    p = variables["params"]
    for sign in (1.0, -1.0):
        h = np.asarray(x) * sign
        for _ in range(3):
            h = (h * p["outer/a"] if h[0] > 0 else h + p["outer/b"]) * p["outer/m"]
        np.testing.assert_allclose(jax.jit(f.apply)(variables, x * sign), h, rtol=1e-5)
    grad = jax.grad(lambda v: f.apply(v, x).sum())(variables)["params"]["outer/m"]
    assert np.isfinite(float(grad)) and float(grad) != 0.0


def test_a_jitted_loop_on_the_default_graph_leaves_no_tracer_behind():
    """The default graph's random stream, first drawn inside a jitted loop, is made
    concrete: later eager random ops and loops still run."""
    fs.reset_default_graph()

    def noisy_loop(n):
        def body(i, x):
            return i + 1, x + tf.random_uniform([2])

        return tf.while_loop(lambda i, x: i < n, body, [0, jnp.zeros(2)])

    steps, total = jax.jit(noisy_loop)(3)
    assert int(steps) == 3 and total.shape == (2,)
    assert tf.random_uniform([2]).shape == (2,)
    steps, _ = tf.while_loop(lambda i, x: i < 2, lambda i, x: (i + 1, x + 1.0), [0, 0.0])
    assert int(steps) == 2
    fs.reset_default_graph()
