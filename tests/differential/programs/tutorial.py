"""Differential programs: tutorial (see ``common.py`` for how a program is written)."""

from __future__ import annotations

from tests.differential.programs.common import gv, program, topic

# =====================================================================================
topic("tutorial")
# The seed tutorial (TensorFlow入门(四)), every printed name and both errors.
# =====================================================================================


@program
def tutorial_name_scope_with_variable(tf, rec):
    """name_scope + tf.Variable: conv1/weights:0, conv2/weights:0."""
    with tf.name_scope("conv1") as scope:
        rec.ns(scope)
        weights1 = tf.Variable([1.0, 2.0], name="weights")
        bias1 = tf.Variable([0.3], name="bias")
    with tf.name_scope("conv2") as scope:
        rec.ns(scope)
        weights2 = tf.Variable([4.0, 2.0], name="weights")
        bias2 = tf.Variable([0.33], name="bias")
    rec.vars([weights1, bias1, weights2, bias2])
    rec.value(weights1)
    rec.value(bias2)


@program
def tutorial_name_scope_rerun(tf, rec):
    """Re-running the cell: conv1_1/weights:0, conv2_1/weights:0."""
    for _ in range(2):
        with tf.name_scope("conv1") as scope:
            rec.ns(scope)
            weights1 = tf.Variable([1.0, 2.0], name="weights")
            tf.Variable([0.3], name="bias")
        with tf.name_scope("conv2") as scope:
            rec.ns(scope)
            weights2 = tf.Variable([4.0, 2.0], name="weights")
            tf.Variable([0.33], name="bias")
        rec.var(weights1)
        rec.var(weights2)
    rec.coll(tf.global_variables())


@program
def tutorial_variable_scope_sharing(tf, rec):
    """get_variable under reuse=True: v_scope/Weights:0 twice, the same variable."""
    with tf.variable_scope("v_scope") as scope1:
        rec.scope(scope1)
        weights1 = tf.get_variable("Weights", shape=[2, 3])
        bias1 = tf.get_variable("bias", shape=[3])
    with tf.variable_scope("v_scope", reuse=True) as scope2:
        rec.scope(scope2)
        weights2 = tf.get_variable("Weights")
    rec.vars([weights1, bias1, weights2])
    rec.same(weights1, weights2)


@program
def tutorial_variable_in_reuse_scope(tf, rec):
    """tf.Variable in a reusing scope takes the uniquified name scope: v_scope_1/bias:0."""
    with tf.variable_scope("v_scope"):
        weights1 = tf.get_variable("Weights", shape=[2, 3])
    with tf.variable_scope("v_scope", reuse=True):
        weights2 = tf.get_variable("Weights")
        bias2 = tf.Variable([0.52], name="bias")
    rec.vars([weights1, weights2, bias2])
    rec.value(bias2)


@program
def tutorial_missing_variable_error(tf, rec):
    """A tf.Variable is not in the store: 'Variable v_scope/bias does not exist'."""
    with tf.variable_scope("v_scope"):
        weights1 = tf.get_variable("Weights", shape=[2, 3])
        bias1 = tf.Variable([0.52], name="bias")
    rec.vars([weights1, bias1])
    with tf.variable_scope("v_scope", reuse=True):
        rec.var(tf.get_variable("Weights"))
        gv(tf, rec, "bias", [1])


@program
def tutorial_rnn_cell_rerun_error(tf, rec):
    """Re-running model code: 'Variable rnn/basic_lstm_cell/weights already exists'."""
    for _ in range(2):
        with tf.variable_scope("rnn"):
            with tf.variable_scope("basic_lstm_cell"):
                gv(tf, rec, "weights", [3, 8])
                gv(tf, rec, "biases", [8], initializer=tf.zeros_initializer())


@program
def tutorial_rnn_cell_rerun_auto_reuse(tf, rec):
    """The fix the error suggests: AUTO_REUSE shares on the second run."""
    got = []
    for _ in range(2):
        with tf.variable_scope("rnn", reuse=tf.AUTO_REUSE):
            with tf.variable_scope("basic_lstm_cell"):
                got.append(gv(tf, rec, "weights", [3, 8]))
    rec.same(got[0], got[1])
    rec.coll(tf.global_variables())


@program
def tutorial_print_names_mixed(tf, rec):
    """Both halves of the tutorial in one graph: scopes and ops share one namespace."""
    with tf.name_scope("conv1"):
        rec.var(tf.Variable([1.0, 2.0], name="weights"))
    with tf.variable_scope("conv1") as vs:
        rec.scope(vs)
        rec.var(tf.get_variable("weights", [2]))
        rec.var(tf.Variable([1.0], name="weights"))
