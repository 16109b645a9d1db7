"""TF1 names ports use beyond scopes, and regressions found by review, against TF1."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf


def both(tf1, program):
    """Runs ``program(tf)`` on TF1 (graph mode) and in flaxscope's init; returns both."""
    with tf1.Graph().as_default():
        theirs = program(tf1, lambda v: v.name)
    ours = fs.transform(lambda: program(tf, fs.name_of)).init_with_output(0)[0]
    return theirs, ours


def test_get_local_variable_and_no_regularizer_match_tf(tf1):
    def program(t, name_of):
        reg = lambda w: 0.5 * (w * w).sum() if hasattr(w, "sum") else t.reduce_sum(w * w)  # noqa: E731
        with t.variable_scope("s", regularizer=reg):
            local = t.get_local_variable("counter", [2], initializer=t.zeros_initializer())
            t.get_variable("w", [2])
            t.get_variable("free", [2], regularizer=t.no_regularizer)
        return (
            name_of(local),
            [v.name for v in t.local_variables()],
            [v.name for v in t.trainable_variables()],
            len(t.get_collection(t.GraphKeys.REGULARIZATION_LOSSES)),
        )

    theirs, ours = both(tf1, program)
    assert ours == theirs


def test_losses_collection_helpers_match_tf(tf1):
    def program(t, name_of):
        with t.variable_scope("s", regularizer=lambda w: w[0] * 2.0):
            w = t.get_variable("w", [2], initializer=t.ones_initializer())
        t.losses.add_loss(w[1] * 3.0)
        total = t.losses.get_total_loss()
        return total, len(t.losses.get_losses()), len(t.losses.get_regularization_losses())

    with tf1.Graph().as_default(), tf1.Session() as sess:
        total, n_losses, n_reg = program(tf1, None)
        sess.run(tf1.global_variables_initializer())
        theirs = (float(sess.run(total)), n_losses, n_reg)
    total, n_losses, n_reg = fs.transform(lambda: program(tf, None)).init_with_output(0)[0]
    assert (float(total), n_losses, n_reg) == theirs == (5.0, 1, 1)
    with pytest.raises(ValueError, match="No losses"):
        fs.transform(lambda: tf.losses.get_total_loss()).init(0)


def test_create_global_step_twice_is_an_error_like_tf(tf1):
    with tf1.Graph().as_default():
        tf1.train.create_global_step()
        with pytest.raises(ValueError) as theirs:
            tf1.train.create_global_step()

    def twice():
        tf.train.create_global_step()
        tf.train.create_global_step()

    with pytest.raises(ValueError) as ours:
        fs.transform(twice).init(0)
    assert str(theirs.value) in str(ours.value)


def test_control_dependencies_is_accepted():
    def fn():
        step = tf.get_variable("step", [], trainable=False, initializer=tf.zeros_initializer())
        with tf.control_dependencies([fs.assign_add(step, 1.0)]):
            return step + 1.0

    f = fs.transform(fn)
    out, updates = f.apply(f.init(0), mutable=True)
    assert float(updates["state"]["step"]) == 1.0


def test_device_is_accepted_and_changes_no_name(tf1):
    """``with tf.device("/cpu:0"):`` (ptb_word_lm's embedding) neither fails nor scopes."""

    def program(t, name_of):
        with t.variable_scope("Model"):
            with t.device("/cpu:0"):
                embedding = t.get_variable("embedding", [5, 2])
                with t.name_scope("lookup") as scope:
                    return (name_of(embedding), scope)

    import tensorflow as tf_real

    with tf_real.Graph().as_default():
        theirs = program(tf1, lambda v: v.name)
    ours_out, ours = fs.transform(lambda: program(tf, fs.name_of)).init_with_output(0)
    assert ours_out == theirs
    assert list(ours["params"]) == ["Model/embedding"]


def test_cell_variables_match_tf(tf1):
    def program(t, name_of):
        x = t.zeros([2, 5, 3]) if hasattr(t, "zeros") else jnp.zeros((2, 5, 3))
        with t.variable_scope("decoder"):
            cell = t.nn.rnn_cell.MultiRNNCell([t.nn.rnn_cell.LSTMCell(4), t.nn.rnn_cell.GRUCell(4)])
            t.nn.dynamic_rnn(cell, x, dtype=t.float32)
        return [v.name for v in cell.trainable_variables], [v.name for v in cell.variables]

    theirs, ours = both(tf1, program)
    assert ours == theirs


# --- regressions ---------------------------------------------------------------------------
def test_two_variables_from_one_array_stay_two_variables():
    emb = jnp.zeros((4, 2))
    enc = tf.get_variable("enc_emb", initializer=emb, trainable=False)
    dec = tf.get_variable("dec_emb", initializer=emb, trainable=False)
    assert (fs.name_of(enc), fs.name_of(dec)) == ("enc_emb:0", "dec_emb:0")
    fs.assign(enc, jnp.ones((4, 2)))
    state = fs.default_variables()["state"]
    assert float(state["enc_emb"].sum()) == 8.0 and float(state["dec_emb"].sum()) == 0.0

    def target_network():
        w = tf.get_variable("online/w", [2, 2])
        target = tf.Variable(w, trainable=False, name="target/w")
        return fs.name_of(w), fs.name_of(target)

    f = fs.transform(target_network)
    names, variables = f.init_with_output(0)
    assert names == ("online/w:0", "target/w:0") == f.apply(variables)
    np.testing.assert_array_equal(variables["params"]["online/w"], variables["state"]["target/w"])


def test_assign_inside_scan_is_refused_clearly():
    def f(xs):
        def body(c, x):
            cnt = tf.get_variable("cnt", [], trainable=False, initializer=tf.zeros_initializer())
            fs.assign_add(cnt, 1.0)
            return c + x, None

        return fs.scan(body, jnp.zeros(3), xs)[0]

    with pytest.raises(ValueError, match="inside the body of flaxscope.scan"):
        fs.transform(f).init(0, jnp.ones((4, 3)))


def test_creating_default_graph_variables_under_jit_is_refused():
    @jax.jit
    def step(x):
        with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
            return x @ tf.get_variable("w", [3, 3])

    with pytest.raises(ValueError, match="inside a JAX transformation"):
        step(jnp.ones((1, 3)))
    assert fs.default_variables() == {"params": {}, "state": {}}


def test_jitted_init_takes_an_integer_seed():
    m = fs.transform(lambda x: x @ tf.get_variable("w", [3, 3]))
    jitted = jax.jit(m.init)(0, jnp.ones((1, 3)))
    np.testing.assert_array_equal(jitted["params"]["w"], m.init(0, jnp.ones((1, 3)))["params"]["w"])


def test_assigning_params_names_the_right_mutable_argument():
    def fn():
        fs.assign(tf.get_variable("w", [2]), jnp.zeros(2))

    f = fs.transform(fn)
    with pytest.raises(ValueError, match=r"mutable=\['params'\]"):
        f.apply(f.init(0), mutable=True)
    f.apply(f.init(0), mutable=["params"])
