"""Differential programs: variable (see ``common.py`` for how a program is written)."""

from __future__ import annotations

import numpy as np

from tests.differential.programs.common import gv, program, topic, var

# =====================================================================================
topic("variable")
# tf.Variable vs get_variable under both kinds of scope; op names are one namespace.
# =====================================================================================


@program
def variable_default_name(tf, rec):
    """tf.Variable without a name: Variable, Variable_1."""
    var(tf, rec, 1.0)
    var(tf, rec, 2.0)
    with tf.name_scope("s"):
        var(tf, rec, 3.0)


@program
def variable_in_name_scope(tf, rec):
    """tf.Variable takes the name scope."""
    with tf.name_scope("n"):
        var(tf, rec, [1.0], name="v")
        var(tf, rec, [1.0], name="v")


@program
def variable_in_variable_scope(tf, rec):
    """tf.Variable in a variable_scope takes its name scope (a_1 on re-entry)."""
    with tf.variable_scope("a"):
        var(tf, rec, 1.0, name="v")
    with tf.variable_scope("a"):
        var(tf, rec, 1.0, name="v")


@program
def get_variable_ignores_name_scope(tf, rec):
    """get_variable ignores name_scope."""
    with tf.name_scope("n"):
        gv(tf, rec, "w", [1])
        with tf.variable_scope("v"):
            with tf.name_scope("m"):
                gv(tf, rec, "w", [1])


@program
def variable_marks_op_name(tf, rec):
    """A variable's op name is taken: name_scope('v') after it is 'v_1'."""
    var(tf, rec, 1.0, name="v")
    with tf.name_scope("v") as s:
        rec.ns(s)
    gv(tf, rec, "w", [1])
    with tf.name_scope("w") as s:
        rec.ns(s)
    with tf.variable_scope("w") as s:
        rec.scope(s)


@program
def get_variable_after_name_scope_of_same_name(tf, rec):
    """A name scope 'w' takes op name 'w': get_variable('w') is named w_1:0."""
    with tf.name_scope("w"):
        pass
    gv(tf, rec, "w", [1])
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "w", [1])


@program
def get_variable_after_variable_of_same_name(tf, rec):
    """A tf.Variable 'a/w' makes get_variable('w') in 'a' create a/w_1:0."""
    with tf.variable_scope("a"):
        var(tf, rec, 1.0, name="w")
        gv(tf, rec, "w", [])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [])


@program
def get_variable_case_collision(tf, rec):
    """Op names are case-insensitive: 'A/w' after 'a/w' is A/w_1:0."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [1])
    with tf.variable_scope("A"):
        gv(tf, rec, "w", [1])
        gv(tf, rec, "W", [1])


@program
def get_variable_marks_only_full_name(tf, rec):
    """get_variable('x/w') marks 'x/w', not 'x'."""
    gv(tf, rec, "x/w", [1])
    with tf.name_scope("x") as s:
        rec.ns(s)
    with tf.variable_scope("x", reuse=True):
        gv(tf, rec, "w", [1])


@program
def variable_with_suffix_name(tf, rec):
    """tf.Variable('v_1') then two 'v': v_1, v, v_2."""
    var(tf, rec, 1.0, name="v_1")
    var(tf, rec, 1.0, name="v")
    var(tf, rec, 1.0, name="v")


@program
def variable_absolute_name(tf, rec):
    """A Variable name ending in '/' is absolute (a name scope)."""
    with tf.name_scope("n"):
        var(tf, rec, 1.0, name="abs/")


@program
def variable_name_invalid(tf, rec):
    """tf.Variable names go through name_scope's regex."""
    var(tf, rec, 1.0, name="_v")
    var(tf, rec, 1.0, name="a b")
    with tf.name_scope("n"):
        var(tf, rec, 1.0, name="_v")


@program
def variable_ignores_reuse(tf, rec):
    """tf.Variable always creates, even with reuse=True."""
    with tf.variable_scope("a", reuse=True):
        var(tf, rec, 1.0, name="v")
        var(tf, rec, 1.0, name="v")


@program
def variable_values_and_dtypes(tf, rec):
    """tf.Variable takes the initial value's dtype, or the given dtype."""
    for value, kwargs in [
        (1.0, {}),
        (1, {}),
        (True, {}),
        ([1.0, 2.0], {}),
        ([[1, 2], [3, 4]], {}),
        ([1, 2], {"dtype": tf.float32}),
        (np.arange(6, dtype=np.float32).reshape(2, 3), {}),
        (np.array([1.5, 2.5], dtype=np.float16), {}),
    ]:
        v = var(tf, rec, value, **kwargs)
        rec.value(v)


@program
def variable_callable_initial_value(tf, rec):
    """tf.Variable accepts a callable initial value."""
    v = var(tf, rec, lambda: [1.0, 2.0, 3.0], name="c")
    rec.value(v)


@program
def variable_and_get_variable_share_namespace(tf, rec):
    """get_variable('v') after tf.Variable('v') at the root: v_1:0."""
    var(tf, rec, 1.0, name="v")
    gv(tf, rec, "v", [])
    var(tf, rec, 1.0, name="v")


@program
def variable_in_reentered_object_scope(tf, rec):
    """tf.Variable in a re-entered scope object uses the new name scope."""
    with tf.variable_scope("a") as a:
        var(tf, rec, 1.0, name="v")
    with tf.variable_scope("b"):
        with tf.variable_scope(a):
            var(tf, rec, 1.0, name="v")


@program
def variable_scope_after_variable(tf, rec):
    """variable_scope('v') after tf.Variable('v'): var scope v, name scope v_1/."""
    var(tf, rec, 1.0, name="v")
    with tf.variable_scope("v") as s:
        rec.scope(s)
        gv(tf, rec, "w", [1])
        var(tf, rec, 1.0, name="x")
