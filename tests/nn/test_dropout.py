"""tf.nn.dropout and DropoutWrapper on the call's random keys (apply(..., rng=key))."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf


def test_dropout_zeroes_at_rate_and_scales_the_rest():
    f = fs.transform(lambda x: tf.nn.dropout(x, keep_prob=0.75))
    x = jnp.ones((200, 500))
    out = np.asarray(f.apply({"params": {}}, x, rng=jax.random.key(0)))
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.01
    assert abs(out.mean() - 1.0) < 0.02


def test_dropout_statistics_match_tf(tf1):
    x = np.ones((400, 500), np.float32)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        theirs = sess.run(tf1.nn.dropout(tf1.constant(x), keep_prob=0.6, seed=1))
    ours = np.asarray(
        fs.transform(lambda x: tf.nn.dropout(x, keep_prob=0.6)).apply(
            {"params": {}}, x, rng=jax.random.key(1)
        )
    )
    assert set(np.unique(theirs)) == set(np.unique(ours))  # {0, 1/0.6}
    assert abs((theirs == 0).mean() - (ours == 0).mean()) < 0.01


def test_keys_are_reproducible_and_fresh_per_op_and_per_rng():
    def two(x):
        return tf.nn.dropout(x, rate=0.5), tf.nn.dropout(x, rate=0.5)

    f = fs.transform(two)
    x = jnp.ones((64, 64))
    a1, b1 = f.apply({"params": {}}, x, rng=jax.random.key(0))
    a2, _ = jax.jit(lambda x, k: f.apply({"params": {}}, x, rng=k))(x, jax.random.key(0))
    a3, _ = f.apply({"params": {}}, x, rng=jax.random.key(1))
    np.testing.assert_array_equal(a1, a2)
    assert not np.array_equal(a1, b1)
    assert not np.array_equal(a1, a3)


def test_apply_without_a_key_says_how_to_pass_one():
    f = fs.transform(lambda x: tf.nn.dropout(x, keep_prob=0.5))
    with pytest.raises(ValueError, match=r"apply\(variables, \.\.\., rng="):
        f.apply({"params": {}}, jnp.ones(3))
    # keep_prob=1.0 is the identity and needs no key (evaluation)
    g = fs.transform(lambda x: tf.nn.dropout(x, keep_prob=1.0))
    np.testing.assert_array_equal(g.apply({"params": {}}, jnp.ones(3)), jnp.ones(3))


def test_a_traced_keep_prob_or_training_without_a_key_says_why():
    """A TF1 keep_prob / is_training placeholder becomes a jitted argument: its value is
    unknown when the function is traced, so even 1.0 / False needs the key."""
    x = jnp.ones((2, 3))
    cases = {
        "keep_prob/rate": (lambda x, p: tf.nn.dropout(x, keep_prob=p), 1.0),
        "training": (lambda x, t: tf.layers.dropout(x, 0.5, training=t), False),
    }
    for what, (net, evaluating) in cases.items():
        model = fs.transform(net)
        variables = model.init(jax.random.key(0), x, evaluating)
        apply = jax.jit(model.apply)
        with pytest.raises(ValueError, match=f"Here {what} is a traced value"):
            apply(variables, x, evaluating)
        out = apply(variables, x, evaluating, rng=jax.random.key(1))
        np.testing.assert_array_equal(out, x)


def test_dropout_argument_errors():
    with pytest.raises(ValueError, match="Cannot specify both"):
        tf.nn.dropout(jnp.ones(2), keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match=r"range \[0, 1\)"):
        tf.nn.dropout(jnp.ones(2), rate=1.0)


class Passthrough(tf.nn.rnn_cell.RNNCell):
    """Outputs its input: shows the masks DropoutWrapper draws at each step."""

    def __init__(self, depth):
        super().__init__()
        self._depth = depth

    @property
    def state_size(self):
        return self._depth

    @property
    def output_size(self):
        return self._depth

    def call(self, inputs, state):
        return inputs, state


def test_dropout_wrapper_draws_a_new_mask_at_every_step():
    def fn(x):
        cell = tf.nn.rnn_cell.DropoutWrapper(Passthrough(32), input_keep_prob=0.5)
        return tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)[0]

    f = fs.transform(fn)
    x = jnp.ones((4, 6, 32))
    variables = f.init(jax.random.key(0), x)
    out = np.asarray(f.apply(variables, x, rng=jax.random.key(3)))
    assert set(np.unique(out)) == {0.0, 2.0}
    masks = out[0]  # [time, depth] for the first row
    assert len({tuple(m) for m in masks}) == masks.shape[0]
    # init draws too (from its own key), and a jitted apply gives the same as eager
    jitted = jax.jit(lambda v, x, k: f.apply(v, x, rng=k))(variables, x, jax.random.key(3))
    np.testing.assert_array_equal(jitted, out)


def lstm_stack(x, keep):
    cells = [
        tf.nn.rnn_cell.DropoutWrapper(
            tf.nn.rnn_cell.BasicLSTMCell(8), output_keep_prob=keep, state_keep_prob=keep
        )
        for _ in range(2)
    ]
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float32)


def test_wrapped_cells_keep_tf1_names(tf1):
    x = np.zeros((2, 5, 3), np.float32)
    with tf1.Graph().as_default():
        cells = [
            tf1.nn.rnn_cell.DropoutWrapper(
                tf1.nn.rnn_cell.BasicLSTMCell(8), output_keep_prob=0.5, state_keep_prob=0.5
            )
            for _ in range(2)
        ]
        tf1.nn.dynamic_rnn(tf1.nn.rnn_cell.MultiRNNCell(cells), tf1.constant(x), dtype=tf1.float32)
        theirs = [(v.name[:-2], v.shape.as_list()) for v in tf1.global_variables()]
    variables = fs.transform(lambda x: lstm_stack(x, 0.5)).init(jax.random.key(0), x)
    assert [(k, list(v.shape)) for k, v in variables["params"].items()] == theirs


def test_keep_prob_one_is_the_plain_cell_and_training_mode_differs():
    x = jax.random.normal(jax.random.key(0), (2, 5, 3))
    wrapped = fs.transform(lambda x, keep: lstm_stack(x, keep))
    plain = fs.transform(
        lambda x: tf.nn.dynamic_rnn(
            tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(8) for _ in range(2)]),
            x,
            dtype=tf.float32,
        )
    )
    variables = plain.init(jax.random.key(1), x)
    out_eval, _ = wrapped.apply(variables, x, 1.0)
    np.testing.assert_allclose(out_eval, plain.apply(variables, x)[0], rtol=1e-6)
    out_train, _ = wrapped.apply(variables, x, 0.5, rng=jax.random.key(2))
    assert not np.allclose(out_train, out_eval)
    grads = jax.grad(lambda v: wrapped.apply(v, x, 0.5, rng=jax.random.key(2))[0].sum())(variables)
    assert all(float(jnp.abs(g).sum()) > 0 for g in jax.tree.leaves(grads))


def test_state_dropout_spares_the_lstm_memory():
    def one_step(x, state):
        cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicLSTMCell(16), state_keep_prob=0.5)
        return cell(x, state)

    def plain_step(x, state):
        return tf.nn.rnn_cell.BasicLSTMCell(16)(x, state)

    x = jax.random.normal(jax.random.key(0), (4, 3))
    state = tf.nn.rnn_cell.LSTMStateTuple(jnp.ones((4, 16)), jnp.ones((4, 16)))
    variables = fs.transform(plain_step).init(jax.random.key(1), x, state)
    _, (c, h) = fs.transform(one_step).apply(variables, x, state, rng=jax.random.key(5))
    _, (c0, h0) = fs.transform(plain_step).apply(variables, x, state)
    np.testing.assert_allclose(c, c0, rtol=1e-6)
    assert (np.asarray(h) == 0).any()
    kept = np.asarray(h) != 0
    np.testing.assert_allclose(np.asarray(h)[kept], np.asarray(h0)[kept] * 2, rtol=1e-5)


# --- DropoutWrapper(variational_recurrent=True): one mask for every step and every row ---


def variational(cell, **kwargs):
    return tf.nn.rnn_cell.DropoutWrapper(
        cell, variational_recurrent=True, dtype=tf.float32, **kwargs
    )


def passthrough_rnn(depth, keep, state0):
    """dynamic_rnn over Passthrough with input and state dropout: each output step shows
    the input mask, the final state the product of the state masks of all steps."""

    def fn(x):
        cell = variational(
            Passthrough(depth), input_keep_prob=keep, state_keep_prob=keep, input_size=depth
        )
        return tf.nn.dynamic_rnn(cell, x, initial_state=state0 * jnp.ones((x.shape[0], depth)))

    return fs.transform(fn)


def test_variational_mask_is_shared_by_all_steps_and_rows(tf1):
    batch, steps, depth, keep = 4, 6, 64, 0.5
    x = np.ones((batch, steps, depth), np.float32)
    out, state = passthrough_rnn(depth, keep, 1.0).apply({"params": {}}, x, rng=jax.random.key(0))
    out, state = np.asarray(out), np.asarray(state)
    assert (out == out[:1, :1]).all()  # the same input mask at every step, for every row
    assert set(np.unique(out)) == {0.0, 2.0}
    # The state is multiplied by the same mask at every step: 1/keep**steps or 0. A new mask
    # per step would leave units kept k < steps times (2**k).
    assert set(np.unique(state)) == {0.0, 2.0**steps}
    assert (state == state[:1]).all()

    # TF1 does the same (its noise is drawn once, when the wrapper is built)
    class TFPassthrough(tf1.nn.rnn_cell.RNNCell):
        state_size = output_size = depth

        def call(self, inputs, state):
            return inputs, state

    with tf1.Graph().as_default(), tf1.Session() as sess:
        cell = tf1.nn.rnn_cell.DropoutWrapper(
            TFPassthrough(),
            input_keep_prob=keep,
            state_keep_prob=keep,
            variational_recurrent=True,
            input_size=depth,
            dtype=tf1.float32,
            seed=1,
        )
        theirs = sess.run(
            tf1.nn.dynamic_rnn(
                cell, tf1.constant(x), initial_state=tf1.ones((batch, depth), tf1.float32)
            )
        )
    assert (theirs[0] == theirs[0][:1, :1]).all()
    assert set(np.unique(theirs[0])) == set(np.unique(out))
    assert set(np.unique(theirs[1])) == set(np.unique(state))


def test_variational_masks_are_fresh_per_key_and_keep_about_keep_prob():
    depth, keep = 4000, 0.3
    f = passthrough_rnn(depth, keep, 1.0)
    x = jnp.ones((2, 3, depth))
    masks = [np.asarray(f.apply({"params": {}}, x, rng=jax.random.key(k))[0]) for k in (0, 1)]
    for m in masks:
        assert (m == m[:1, :1]).all()
        assert abs((m[0, 0] != 0).mean() - keep) < 0.03
    assert not np.array_equal(masks[0], masks[1])
    # the same key gives the same mask, eager or jitted
    again = jax.jit(lambda x, k: f.apply({"params": {}}, x, rng=k))(x, jax.random.key(0))
    np.testing.assert_array_equal(again[0], masks[0])


def lstm_program(keep, **kwargs):
    def fn(x):
        cell = variational(tf.nn.rnn_cell.BasicLSTMCell(8), output_keep_prob=keep, **kwargs)
        return tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)

    return fs.transform(fn)


def plain_lstm():
    return fs.transform(
        lambda x: tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(8), x, dtype=tf.float32)
    )


def test_variational_output_dropout_scales_kept_units_by_one_over_keep_prob():
    x = jax.random.normal(jax.random.key(0), (3, 5, 4))
    variables = plain_lstm().init(jax.random.key(1), x)
    plain, _ = plain_lstm().apply(variables, x)
    out, _ = lstm_program(0.25).apply(variables, x, rng=jax.random.key(2))
    out, plain = np.asarray(out), np.asarray(plain)
    dropped = out == 0
    unit_dropped = dropped[0, 0]
    assert unit_dropped.any() and not unit_dropped.all()
    assert (dropped == unit_dropped).all()  # whole units, at every step and row
    np.testing.assert_allclose(out[..., ~unit_dropped], plain[..., ~unit_dropped] / 0.25, rtol=1e-5)


def test_variational_state_dropout_spares_the_lstm_memory():
    x = jax.random.normal(jax.random.key(0), (4, 3))
    state = tf.nn.rnn_cell.LSTMStateTuple(jnp.ones((4, 16)), jnp.ones((4, 16)))

    def one_step(x, state):
        cell = variational(tf.nn.rnn_cell.BasicLSTMCell(16), state_keep_prob=0.5)
        return cell(x, state)

    def plain_step(x, state):
        return tf.nn.rnn_cell.BasicLSTMCell(16)(x, state)

    variables = fs.transform(plain_step).init(jax.random.key(1), x, state)
    _, (c, h) = fs.transform(one_step).apply(variables, x, state, rng=jax.random.key(5))
    _, (c0, h0) = fs.transform(plain_step).apply(variables, x, state)
    np.testing.assert_allclose(c, c0, rtol=1e-6)
    dropped = np.asarray(h) == 0
    assert dropped.any() and (dropped == dropped[:1]).all()
    np.testing.assert_allclose(np.asarray(h)[~dropped], np.asarray(h0)[~dropped] * 2, rtol=1e-5)


def test_variational_errors_are_tf1s(tf1):
    def messages(t, **kwargs):
        with pytest.raises(ValueError) as info:
            t.nn.rnn_cell.DropoutWrapper(
                t.nn.rnn_cell.BasicLSTMCell(4), variational_recurrent=True, **kwargs
            )
        return str(info.value)

    for kwargs in [{"input_keep_prob": 0.5}, {}]:  # dtype is checked first
        theirs = messages(tf1, **kwargs)
        assert theirs == "When variational_recurrent=True, dtype must be provided"
        assert messages(tf, **kwargs).startswith(theirs + ". ")
    theirs = messages(tf1, input_keep_prob=0.5, dtype=tf1.float32)
    assert theirs.startswith("When variational_recurrent=True and input_keep_prob < 1.0")
    ours = messages(tf, input_keep_prob=0.5, dtype=tf.float32)
    assert ours.startswith(theirs + ". ") and "input_size=" in ours
    # no input dropout: no input_size needed (as in TF1)
    tf.nn.rnn_cell.DropoutWrapper(
        tf.nn.rnn_cell.BasicLSTMCell(4),
        output_keep_prob=0.5,
        variational_recurrent=True,
        dtype=tf.float32,
    )


def test_variational_keep_prob_one_is_the_plain_cell_and_needs_no_key():
    x = jax.random.normal(jax.random.key(0), (3, 5, 4))
    variables = plain_lstm().init(jax.random.key(1), x)
    f = lstm_program(1.0, input_keep_prob=1.0, state_keep_prob=1.0)
    out, state = f.apply(variables, x)  # no rng
    plain, plain_state = plain_lstm().apply(variables, x)
    np.testing.assert_array_equal(out, plain)
    jax.tree.map(np.testing.assert_array_equal, state, plain_state)


def test_variational_under_jit_and_grad_with_the_wrapper_built_outside():
    # A wrapper made at module level: each call draws its own noise (at zero_state,
    # before the loop), so nothing leaks from one trace into the next.
    cell = variational(
        tf.nn.rnn_cell.BasicLSTMCell(8),
        input_keep_prob=0.5,
        output_keep_prob=0.5,
        state_keep_prob=0.5,
        input_size=4,
    )
    f = fs.transform(lambda x: tf.nn.dynamic_rnn(cell, x, dtype=tf.float32))
    x = jax.random.normal(jax.random.key(0), (3, 5, 4))
    variables = f.init(jax.random.key(1), x)
    apply = jax.jit(lambda v, x, k: f.apply(v, x, rng=k))
    out1, _ = apply(variables, x, jax.random.key(2))
    out2, _ = apply(variables, x, jax.random.key(3))
    eager, _ = f.apply(variables, x, rng=jax.random.key(2))
    np.testing.assert_allclose(out1, eager, rtol=1e-6)
    for out in (np.asarray(out1), np.asarray(out2)):
        dropped = out == 0
        assert dropped.any() and (dropped == dropped[:1, :1]).all()
    assert not np.array_equal(out1 == 0, out2 == 0)

    def loss(v, x, k):
        return (f.apply(v, x, rng=k)[0] ** 2).sum()

    grads, dx = jax.jit(jax.grad(loss, argnums=(0, 1)))(variables, x, jax.random.key(2))
    assert all(np.isfinite(g).all() and float(jnp.abs(g).sum()) > 0 for g in jax.tree.leaves(grads))
    dropped_inputs = np.asarray(dx) == 0  # no gradient reaches dropped input units
    assert dropped_inputs.any() and (dropped_inputs == dropped_inputs[:1, :1]).all()


def test_variational_wrapper_first_used_inside_the_loop_says_what_to_do():
    cell = variational(tf.nn.rnn_cell.BasicLSTMCell(8), output_keep_prob=0.5)

    def fn(x):
        state = tf.nn.rnn_cell.LSTMStateTuple(jnp.zeros((3, 8)), jnp.zeros((3, 8)))
        return tf.nn.dynamic_rnn(cell, x, initial_state=state)

    f = fs.transform(fn)
    x = jnp.ones((3, 5, 4))
    with pytest.raises(ValueError, match=r"inside the loop .* zero_state"):
        f.init(jax.random.key(0), x)
