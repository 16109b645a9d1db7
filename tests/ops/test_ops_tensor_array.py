"""tf.TensorArray against tf.compat.v1 in graph mode (v1 control flow): values after
while_loop / unstack / scatter / split, element shapes, TF's error texts, gradients, and a
dynamic_rnn-like loop with get_variable in its body under transform, jit and grad."""

import contextlib
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf
from flaxscope.errors import InvalidArgumentError, UnimplementedError

X = np.array([[1.5, -2.0], [0.5, 4.0], [3.0, -1.0]], np.float32)
SEQ = np.linspace(-1.0, 1.0, 5 * 3, dtype=np.float32).reshape(5, 3)  # [time, depth]
UNITS = 4


@contextlib.contextmanager
def tf1_session(tf1):
    """A fresh TF1 graph built with TF1's own (v1) control flow, and a session on it."""
    was_v2 = tf1.control_flow_v2_enabled()
    tf1.disable_control_flow_v2()
    try:
        with tf1.Graph().as_default() as graph, tf1.Session(graph=graph) as sess:
            yield sess
    finally:
        if was_v2:
            tf1.enable_control_flow_v2()


def _write_loop(t, x, **kwargs):
    ta = t.TensorArray(t.float32, size=3, **kwargs)

    def body(i, ta):
        return i + 1, ta.write(i, x[i] * 2.0)

    _, ta = t.while_loop(lambda i, ta: i < 3, body, [0, ta])
    return ta


def _python_loop(t, x):
    ta = t.TensorArray(t.float32, size=3)
    for i in range(3):
        ta = ta.write(i, x[i] + 1.0)
    return ta.stack()


def _scan_with_array(t, x):
    def fn(acc, row):
        ta = t.TensorArray(t.float32, size=2).unstack(row)
        return acc + ta.read(0) * ta.read(1)

    return t.scan(fn, x, initializer=t.constant(0.0))


def _map_with_array(t, x):
    def fn(row):
        ta = t.TensorArray(t.float32, size=2, clear_after_read=False).unstack(row)
        return ta.read(1) - ta.read(0)

    return t.map_fn(fn, x)


def _programs(t):
    """Programs written once for both libraries; each returns a list of tensors."""
    x = t.constant(X)
    six = np.arange(6.0, dtype=np.float32)

    def ta(size, **kwargs):
        return t.TensorArray(t.float32, size=size, **kwargs)

    return {
        "while_stack": lambda: [_write_loop(t, x).stack()],
        "while_element_shape": lambda: [_write_loop(t, x, element_shape=[2]).stack()],
        "while_dynamic_upper_bound": lambda: [_write_loop(t, x, dynamic_size=True).stack()],
        "while_then_read": lambda: [_write_loop(t, x).read(1)],
        "while_then_concat": lambda: [_write_loop(t, x).concat()],
        "while_single_loop_var": lambda: [
            t.while_loop(lambda a: a.size() < 0, lambda a: a, [ta(2, element_shape=[2])]).stack()
        ],
        "python_loop": lambda: [_python_loop(t, x)],
        "unstack_read": lambda: (lambda a: [a.read(2), a.read(0)])(ta(3).unstack(x)),
        "unstack_fewer_rows": lambda: [ta(4).unstack(x).stack()],
        "scatter_gather": lambda: [ta(4).scatter([3, 1], x[:2]).gather([1, 3, 0])],
        "split_uneven_concat": lambda: [ta(3, infer_shape=False).split(six, [1, 2, 3]).concat()],
        "split_uneven_read": lambda: [ta(3, infer_shape=False).split(six, [1, 2, 3]).read(2)],
        "split_even_stack": lambda: [ta(3).split(six.reshape(6, 1), [2, 2, 2]).stack()],
        "concat_matrices": lambda: [ta(2).unstack(np.ones((2, 2, 3), np.float32)).concat()],
        "size": lambda: [ta(4).size()],
        "dynamic_grow": lambda: (lambda a: [a.stack(), a.size()])(
            ta(1, dynamic_size=True).write(3, 1.0)
        ),
        "unwritten_read_known_shape": lambda: [ta(5).write(0, 1.0).read(3)],
        "unwritten_stack_declared_shape": lambda: [ta(3, element_shape=[2]).stack()],
        "partial_stack": lambda: [ta(3).write(0, [1.0, 2.0]).stack()],
        "partial_concat": lambda: [ta(3).write(0, [1.0, 2.0]).concat()],
        "python_value_cast": lambda: [t.TensorArray(t.float32, size=1).write(0, 1).stack()],
        "identity": lambda: [ta(2).unstack(x[:2]).identity().stack()],
        "scan_body": lambda: [_scan_with_array(t, x)],
        "map_fn_body": lambda: [_map_with_array(t, x)],
    }


PROGRAMS = sorted(_programs(tf))


@pytest.fixture(scope="module")
def tf1_values(tf1):
    with tf1_session(tf1) as sess:
        built = _programs(tf1)
        return {name: sess.run(built[name]()) for name in PROGRAMS}


@pytest.mark.parametrize("name", PROGRAMS)
def test_values_match_tf1(tf1_values, name):
    got = _programs(tf)[name]()
    for want, have in zip(tf1_values[name], got, strict=True):
        np.testing.assert_allclose(np.asarray(have), want, rtol=1e-6)
        assert np.asarray(have).dtype == np.asarray(want).dtype


def test_element_shapes_match_tf1(tf1):
    def shapes(t):
        return [
            t.TensorArray(t.float32, size=4).element_shape,
            t.TensorArray(t.float32, size=4).write(0, [[1.0]]).element_shape,
            t.TensorArray(t.float32, size=4, element_shape=[None, 2]).element_shape,
            t.TensorArray(t.float32, size=4, infer_shape=False).write(0, [1.0]).element_shape,
            t.TensorArray(t.float32, size=3)
            .split(np.zeros(6, np.float32), [2, 2, 2])
            .element_shape,
            _write_loop(t, t.constant(X)).element_shape,
        ]

    with tf1_session(tf1):
        want = [s.as_list() if s.ndims is not None else None for s in shapes(tf1)]
    have = [s.as_list() if s.ndims is not None else None for s in shapes(tf)]
    assert have == want


def test_loop_results_are_tensor_arrays():
    ta = _write_loop(tf, jnp.asarray(X))
    assert isinstance(ta, tf.TensorArray)
    assert ta.dtype == np.float32
    assert ta.dynamic_size is False
    assert float(ta.flow) == 0.0
    assert ta.close() is None
    one = tf.while_loop(lambda a: a.size() < 0, lambda a: a, [tf.TensorArray(tf.int32, size=1)])
    assert isinstance(one, tf.TensorArray)


# --- errors: TF1's texts ---------------------------------------------------------------
def _errors(t):
    six = np.arange(6.0, dtype=np.float32)

    def ta(size=5, **kwargs):
        return t.TensorArray(t.float32, size=size, **kwargs)

    return {
        "write_twice": (
            lambda: ta().write(0, 1.0).write(0, 2.0).stack(),
            "Could not write to TensorArray index 0 because it has already been written to.",
        ),
        "scatter_twice": (
            lambda: ta(4).scatter([1, 1], [[1.0], [2.0]]).stack(),
            "Could not write to TensorArray index 1 because it has already been written to.",
        ),
        "write_out_of_range": (
            lambda: ta().write(7, 1.0).stack(),
            "Tried to write to index 7 but array is not resizeable and size is: 5",
        ),
        "write_negative": (
            lambda: ta().write(-1, 1.0).stack(),
            "Tried to write to index -1 but array is not resizeable and size is: 5",
        ),
        "read_out_of_range": (
            lambda: ta().write(0, 1.0).read(7),
            "Tried to read from index 7 but array size is: 5",
        ),
        "gather_out_of_range": (
            lambda: ta(4).scatter([3, 1], [[1.0], [2.0]]).gather([5]),
            "Tried to read from index 5 but array size is: 4",
        ),
        "read_unwritten_unknown_shape": (
            lambda: ta().read(3),
            "Could not read from TensorArray index 3.  Furthermore, the element shape is not "
            "fully defined: <unknown>.",
        ),
        "stack_unwritten_no_infer": (
            lambda: ta(3, infer_shape=False).write(0, [1.0, 2.0]).stack(),
            "Could not read from TensorArray index 1.  Furthermore, the element shape is not "
            "fully defined: <unknown>.",
        ),
        "dtype": (
            lambda: ta(3).write(0, t.constant(1, t.int32)).stack(),
            "TensorArray dtype is float but Op is trying to write dtype int32.",
        ),
        "scatter_out_of_range": (
            lambda: ta(4).scatter([5, 1], [[1.0], [2.0]]).stack(),
            "Max scatter index must be < array size (5 vs. 4)",
        ),
        "unstack_too_many": (
            lambda: ta(2).unstack([1.0, 2.0, 3.0]).stack(),
            "Max scatter index must be < array size (2 vs. 2)",
        ),
        "split_sum": (
            lambda: ta(2).split(np.ones((6, 2), np.float32), [1, 2]).concat(),
            "Expected sum of lengths to be equal to values.shape[0], but sum of lengths is 3 "
            "and value's shape is: [6,2]",
        ),
        "split_count": (
            lambda: ta(3).split(six, [3, 3]).concat(),
            "TensorArray's size is not equal to the size of lengths (3 vs. 2), and the "
            "TensorArray is not marked as dynamically resizeable",
        ),
        "split_uneven_inferred": (
            lambda: ta(3).split(six, [1, 2, 3]).concat(),
            "Could not write to TensorArray index 1 because the value shape is [2] which is "
            "incompatible with the TensorArray's inferred element shape: [1] (consider "
            "setting infer_shape=False).",
        ),
        "stack_size_zero": (
            lambda: ta(0).stack(),
            "TensorArray has size zero, but element shape <unknown> is not fully defined. "
            "Currently only static shapes are supported when packing zero-size TensorArrays.",
        ),
    }


ERRORS = sorted(_errors(tf))


@pytest.fixture(scope="module")
def tf1_errors(tf1):
    out = {}
    with tf1_session(tf1) as sess:
        for name, (build, _) in _errors(tf1).items():
            try:
                sess.run(build())
            except tf1.errors.OpError as e:
                out[name] = (e.message, type(e).__name__)
            else:
                out[name] = (None, None)
    return out


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_tf1(tf1_errors, name):
    build, text = _errors(tf)[name]
    tf_message, tf_class = tf1_errors[name]
    assert tf_message is not None and text in tf_message  # the oracle says the same
    with pytest.raises((InvalidArgumentError, UnimplementedError), match=re.escape(text)) as e:
        build()
    assert type(e.value).__name__ == tf_class


def test_construction_errors_match_tf1(tf1):
    cases = [
        (lambda t: t.TensorArray(t.float32), "Argument `size` must be provided"),
        (
            lambda t: t.TensorArray(t.float32, size=3).write(0, [1.0, 2.0]).write(1, [1.0]),
            "Inconsistent shapes: saw (1,) but expected (2,) ",
        ),
        (
            lambda t: t.TensorArray(t.float32, size=3, element_shape=[3]).write(0, [1.0, 2.0]),
            "Inconsistent shapes: saw (2,) but expected (3,) ",
        ),
    ]
    for build, text in cases:
        with tf1_session(tf1), pytest.raises(ValueError, match=re.escape(text)):
            build(tf1)
        with pytest.raises(ValueError, match=re.escape(text)):
            build(tf)


def test_dynamic_size_in_while_loop_names_the_fix():
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    with pytest.raises(ValueError, match="Give size= an upper bound"):
        tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a.write(i, 1.0)), [0, ta])


def test_traced_size_is_refused():
    with pytest.raises(ValueError, match="size must be known when traced"):
        jax.jit(lambda n: tf.TensorArray(tf.float32, size=n).size())(3)


def test_unequal_element_shapes_stored_only_along_axis_0():
    ta = tf.TensorArray(tf.float32, size=2, infer_shape=False).write(0, np.ones((1, 2)))
    with pytest.raises(ValueError, match="differ in their first dimension only"):
        ta.write(1, np.ones((1, 3), np.float32))


# --- gradients ---------------------------------------------------------------------------
LOSS_W = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, 0.25]], np.float32)


def _grad_programs(t):
    """Scalar losses of ``x`` through TensorArray writes, reads and stacks."""

    def loop_write(x):
        ta = t.TensorArray(t.float32, size=3)

        def body(i, ta):
            return [i + 1, ta.write(i, t.tanh(x[i] * 1.5))]

        _, ta = t.while_loop(lambda i, ta: i < 3, body, [0, ta], maximum_iterations=3)
        return t.reduce_sum(ta.stack() * LOSS_W)

    def loop_read_write(x):
        inputs = t.TensorArray(t.float32, size=3).unstack(x)
        ta = t.TensorArray(t.float32, size=3)

        def body(i, h, ta):
            h = t.tanh(inputs.read(i) + h * 0.5)
            return [i + 1, h, ta.write(i, h * h)]

        zero = t.zeros([2])
        _, _, ta = t.while_loop(lambda i, *_: i < 3, body, [0, zero, ta], maximum_iterations=3)
        return t.reduce_sum(ta.concat() * LOSS_W.reshape(-1))

    def scatter_gather(x):
        ta = t.TensorArray(t.float32, size=4).scatter([2, 0, 3], x * x)
        return t.reduce_sum(ta.gather([3, 0]) * LOSS_W[:2])

    def split_concat(x):
        flat = t.reshape(x, [-1])
        ta = t.TensorArray(t.float32, size=3, infer_shape=False).split(flat, [1, 2, 3])
        other = t.TensorArray(t.float32, size=3, infer_shape=False).split(flat, [3, 1, 2])
        return t.reduce_sum(ta.concat() * t.exp(flat)) + t.reduce_sum(other.read(0) ** 2)

    return {
        "loop_write": loop_write,
        "loop_read_write": loop_read_write,
        "scatter_gather": scatter_gather,
        "split_concat": split_concat,
    }


GRADS = sorted(_grad_programs(tf))


@pytest.fixture(scope="module")
def tf1_grads(tf1):
    with tf1_session(tf1) as sess:
        x = tf1.constant(X)
        built = {k: tf1.gradients(f(x), x)[0] for k, f in _grad_programs(tf1).items()}
        return sess.run(built)


@pytest.mark.parametrize("name", GRADS)
def test_gradients_match_tf1(tf1_grads, name):
    f, want = _grad_programs(tf)[name], tf1_grads[name]
    np.testing.assert_allclose(jax.grad(f)(jnp.asarray(X)), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(jax.jit(jax.grad(f))(jnp.asarray(X)), want, rtol=1e-4, atol=1e-5)


# --- a dynamic_rnn-like loop with variables in its body --------------------------------
def _rnn(t, inputs, element_shape=None):
    """TF1's dynamic_rnn pattern: inputs read from one TensorArray, outputs written to
    another inside a while_loop whose body creates the cell's weights."""
    steps, depth = inputs.shape
    with t.variable_scope("rnn"):
        inputs_ta = t.TensorArray(t.float32, size=steps).unstack(inputs)
        outputs_ta = t.TensorArray(t.float32, size=steps, element_shape=element_shape)

        def body(time, h, out):
            w = t.get_variable("kernel", [depth + UNITS, UNITS])
            b = t.get_variable("bias", [UNITS], initializer=t.zeros_initializer())
            x_t = t.reshape(inputs_ta.read(time), [1, depth])
            h = t.tanh(t.matmul(t.concat([x_t, h], 1), w) + b)
            return [time + 1, h, out.write(time, t.reshape(h, [UNITS]))]

        h0 = t.zeros([1, UNITS])
        _, h, outputs_ta = t.while_loop(
            lambda time, *_: time < steps, body, [0, h0, outputs_ta], maximum_iterations=steps
        )
    return outputs_ta.stack(), h


def test_rnn_loop_matches_tf1(tf1):
    f = fs.transform(lambda x: _rnn(tf, x))
    variables = f.init(jax.random.PRNGKey(0), jnp.asarray(SEQ))
    params = variables["params"]
    assert sorted(params) == ["rnn/bias", "rnn/kernel"]
    with tf1_session(tf1) as sess:
        outputs, h = _rnn(tf1, tf1.constant(SEQ))
        sess.run(tf1.global_variables_initializer())
        for v in tf1.global_variables():
            v.load(np.asarray(params[v.op.name]), sess)
        want_out, want_h = sess.run([outputs, h])
        assert sorted(v.op.name for v in tf1.global_variables()) == sorted(params)
    for apply in (f.apply, jax.jit(f.apply)):
        out, last = apply(variables, jnp.asarray(SEQ))
        np.testing.assert_allclose(out, want_out, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(last, want_h, rtol=1e-5, atol=1e-6)


def test_rnn_loop_gradient_and_learned_shape_keep_names():
    x = jnp.asarray(SEQ)
    learned = fs.transform(lambda x: _rnn(tf, x))
    declared = fs.transform(lambda x: _rnn(tf, x, element_shape=[UNITS]))
    v1 = learned.init(jax.random.PRNGKey(1), x)
    v2 = declared.init(jax.random.PRNGKey(1), x)
    jax.tree.map(np.testing.assert_array_equal, v1, v2)  # same names, same initial values

    def loss(params, f):
        out, _ = f.apply({"params": params}, x)
        return jnp.sum(out**2)

    g1 = jax.jit(jax.grad(loss), static_argnums=1)(v1["params"], learned)
    g2 = jax.grad(loss)(v2["params"], declared)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5), g1, g2)
    eps = 1e-2
    bumped = dict(v1["params"], **{"rnn/bias": v1["params"]["rnn/bias"].at[0].add(eps)})
    numeric = (loss(bumped, learned) - loss(v1["params"], learned)) / eps
    np.testing.assert_allclose(g1["rnn/bias"][0], numeric, rtol=5e-2)


# --- JAX transforms ----------------------------------------------------------------------
def test_tensor_array_is_a_pytree_through_jit():
    ta = tf.TensorArray(tf.float32, size=4).unstack(jnp.asarray(X))
    out = jax.jit(lambda a: a.write(3, a.read(2) * 10.0))(ta)
    assert isinstance(out, tf.TensorArray)
    np.testing.assert_array_equal(out.stack(), np.concatenate([X, X[2:] * 10.0]))
    assert out.element_shape.as_list() == [2]


def test_traced_indices_under_jit():
    def f(i, x):
        ta = tf.TensorArray(tf.float32, size=3, element_shape=[2])
        ta = ta.write(i, x[i])
        return ta.stack(), ta.read(i)

    stacked, row = jax.jit(f)(1, jnp.asarray(X))
    np.testing.assert_array_equal(stacked, [[0, 0], X[1], [0, 0]])
    np.testing.assert_array_equal(row, X[1])


def test_vmap_over_a_program_with_tensor_arrays():
    def f(x):
        return _python_loop(tf, x)

    batch = jnp.stack([jnp.asarray(X), jnp.asarray(X) * 2.0])
    np.testing.assert_allclose(jax.vmap(f)(batch), np.stack([X + 1.0, X * 2.0 + 1.0]))


def test_listed_in_tf_namespace():
    import flaxscope.compat.v1 as tf_ns

    assert "TensorArray" in tf_ns.__all__
    assert tf_ns.TensorArray is tf.TensorArray


def test_learning_the_element_shape_keeps_op_names_and_random_draws():
    def model(element_shape):
        ta = tf.TensorArray(tf.float32, size=3, element_shape=element_shape)

        def body(i, ta):
            v = tf.Variable(tf.ones([2]), name="v")
            return i + 1, ta.write(i, v * tf.random_normal([2]))

        _, ta = tf.while_loop(lambda i, ta: i < 3, body, [0, ta])
        return ta.stack(), tf.Variable(0.0, name="after")

    results = []
    for shape in (None, [2]):
        f = fs.transform(lambda s=shape: model(s))
        variables = f.init(jax.random.PRNGKey(0))
        results.append((sorted(variables["params"]), f.apply(variables, rng=jax.random.PRNGKey(3))))
    assert results[0][0] == results[1][0] == ["after", "while/v"]
    jax.tree.map(np.testing.assert_array_equal, results[0][1], results[1][1])


def test_scatter_at_traced_indices_under_jit():
    def f(indices, x):
        return tf.TensorArray(tf.float32, size=4).scatter(indices, x[:2]).stack()

    got = jax.jit(f)(jnp.asarray([3, 1]), jnp.asarray(X))
    np.testing.assert_array_equal(got, [[0, 0], X[1], [0, 0], X[0]])
