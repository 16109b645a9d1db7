"""Differential programs: edge (see ``common.py`` for how a program is written)."""

from __future__ import annotations

import numpy as np

from tests.differential.programs.common import entering, gv, linear_layer, program, topic, var

# =====================================================================================
topic("edge")
# Argument forms and corner cases of the same APIs.
# =====================================================================================


@program
def edge_getter_not_callable_on_scope(tf, rec):
    """A non-callable scope custom_getter fails only when get_variable uses it."""
    entering(rec, lambda: tf.variable_scope("a", custom_getter=3), rec.scope)
    entering(rec, lambda: tf.variable_scope("b", custom_getter=3), lambda s: gv(tf, rec, "w", [1]))


@program
def edge_name_scope_bytes_and_int(tf, rec):
    """name_scope accepts bytes; a non-string name fails in the regex (TypeError)."""
    entering(rec, lambda: tf.name_scope(b"ab"), rec.ns)
    entering(rec, lambda: tf.name_scope(3), rec.ns)
    entering(rec, lambda: tf.name_scope(0), rec.ns)


@program
def edge_variable_none(tf, rec):
    """tf.Variable(None) is a ValueError."""
    var(tf, rec, None)


@program
def edge_variable_dtype_conversion(tf, rec):
    """tf.Variable converts Python values to dtype as tf.constant does."""
    rec.value(var(tf, rec, 1, dtype=tf.float32))
    rec.value(var(tf, rec, True, dtype=tf.float32))
    var(tf, rec, 1.5, dtype=tf.int32)
    var(tf, rec, 1, dtype=tf.bool)
    var(tf, rec, [1, 2.5], dtype=tf.int32)
    rec.value(var(tf, rec, [[1, 2]], dtype=tf.float16))


@program
def edge_get_variable_empty_and_slash(tf, rec):
    """get_variable names go through name_scope: '' and a trailing '/' are absolute."""
    gv(tf, rec, "w/", [1])
    gv(tf, rec, "w", [1])  # op name 'w' is taken but not marked: TF's duplicate node error
    var(tf, rec, 1.0, name="w/")
    with tf.variable_scope("a"):
        gv(tf, rec, "", [1])
        gv(tf, rec, "x/", [1])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "", [1])
        gv(tf, rec, "x/", [1])


@program
def edge_variable_slash_name(tf, rec):
    """tf.Variable('a/b') nests without opening scope 'a'."""
    var(tf, rec, 1.0, name="a/b")
    var(tf, rec, 1.0, name="a/b")
    with tf.name_scope("a") as s:
        rec.ns(s)


@program
def edge_variable_scope_object_reused_as_cm(tf, rec):
    """Entering one variable_scope context manager twice re-uniquifies its name scope."""
    cm = tf.variable_scope("a")
    with cm as s:
        rec.scope(s)
        var(tf, rec, 1.0, name="v")
    with tf.name_scope("q") as q:
        rec.ns(q)
    with cm as s:
        rec.scope(s)
        var(tf, rec, 1.0, name="v")
        gv(tf, rec, "w", [1])


@program
def edge_name_scope_object_reused_as_cm(tf, rec):
    """Entering one name_scope context manager twice: a/, then a_1/."""
    cm = tf.name_scope("a")
    with cm as s:
        rec.ns(s)
    with cm as s:
        rec.ns(s)


@program
def edge_scope_restored_after_exit(tf, rec):
    """After a with block, get_variable_scope() is the outer scope object again."""
    root = tf.get_variable_scope()
    with tf.variable_scope("a") as a:
        inner = tf.get_variable_scope()
    rec.log(tf.get_variable_scope() is root, inner is a, tf.get_variable_scope() is a)


@program
def edge_regularizer_collection(tf, rec):
    """A regularizer adds one loss per created variable (not on reuse); None adds none."""
    with tf.variable_scope("a", regularizer=lambda w: w):
        gv(tf, rec, "w", [1])
        gv(tf, rec, "v", [1], regularizer=lambda w: None)
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [1])
    rec.log(len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)))


@program
def edge_add_to_collections_and_ref(tf, rec):
    """add_to_collections adds once per distinct name; get_collection_ref is live."""
    w = gv(tf, rec, "w", [1])
    tf.add_to_collections(["x", "y", "x"], w)
    tf.get_collection_ref("z").append("item")
    rec.coll(tf.get_collection("x"))
    rec.coll(tf.get_collection("y"))
    rec.coll(tf.get_collection("z"))


@program
def edge_scope_setters(tf, rec):
    """VariableScope.set_dtype / set_initializer change the defaults for what follows."""
    with tf.variable_scope("a") as a:
        a.set_dtype(tf.int32)
        a.set_initializer(tf.ones_initializer())
        rec.value(gv(tf, rec, "w", [2]))
        with tf.variable_scope("b"):
            rec.value(gv(tf, rec, "w", [2]))
    rec.log(a.dtype.name)


@program
def edge_template_before_first_call(tf, rec):
    """A template has no variable scope before its first call (unless created now)."""
    t = tf.make_template("t", linear_layer, tf=tf, rec=rec)
    rec.log(t.variable_scope is None, t.variable_scope_name)
    t()
    rec.log(t.variable_scope is None, t.variable_scope_name)


@program
def edge_shape_forms(tf, rec):
    """Shapes: an int, a tuple, a negative dimension."""
    gv(tf, rec, "i", 3)
    gv(tf, rec, "t", (2, 1))
    gv(tf, rec, "n", [-1])
    gv(tf, rec, "z", [2, 0])


@program
def edge_dtype_forms(tf, rec):
    """dtype as a string or a numpy type."""
    gv(tf, rec, "s", [1], dtype="int32")
    gv(tf, rec, "n", [1], dtype=np.float16)
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "s", [1], dtype=tf.int32)
        gv(tf, rec, "n", [1], dtype="float16")
        gv(tf, rec, "n", [1], dtype=np.float32)


@program
def edge_initializer_forms(tf, rec):
    """An initializer class is instantiated; a no-argument callable needs no shape."""
    rec.value(gv(tf, rec, "c", [2], initializer=tf.zeros_initializer))
    rec.value(gv(tf, rec, "f", initializer=lambda: [1.0, 2.0]))
    gv(tf, rec, "g", [2], initializer=lambda: [1.0, 2.0])


@program
def edge_constant_initializer_sizes(tf, rec):
    """constant_initializer: too many values fail, too few are padded with the last."""
    gv(tf, rec, "many", [2], initializer=tf.constant_initializer([1.0, 2.0, 3.0]))
    rec.value(gv(tf, rec, "few", [3], initializer=tf.constant_initializer([1.0, 2.0])))
    gv(tf, rec, "bad", [2], dtype=tf.int32, initializer=tf.constant_initializer(1.5))


@program
def edge_initializer_required(tf, rec):
    """complex variables need an initializer."""
    gv(tf, rec, "c", [2], dtype=tf.complex64)


@program
def edge_scope_constant_initializer(tf, rec):
    """A scope initializer that is a constant: only valid without a shape."""
    with tf.variable_scope("a", initializer=[1.0, 2.0]):
        rec.value(gv(tf, rec, "w"))
        gv(tf, rec, "v", [2])


@program
def edge_invalid_names_more(tf, rec):
    """Non-ASCII and ':' are invalid; digits and '.' may start a root name."""
    entering(rec, lambda: tf.name_scope("é"), rec.ns)
    entering(rec, lambda: tf.variable_scope("a:0"), rec.scope)
    entering(rec, lambda: tf.variable_scope("9lives"), rec.scope)
    gv(tf, rec, ".w", [1])
    gv(tf, rec, "w:0", [1])


@program
def edge_name_scope_none_with_values(tf, rec):
    """name_scope(None, values=[]) needs a name or default_name."""
    entering(rec, lambda: tf.name_scope(None, values=[]), rec.ns)
    entering(rec, lambda: tf.name_scope(None, "d", values=[]), rec.ns)


@program
def edge_variable_scope_values_arg(tf, rec):
    """variable_scope's values argument is accepted."""
    with tf.variable_scope("a", values=[]) as s:
        rec.scope(s)
    with tf.variable_scope(None, "d", values=[]) as s:
        rec.scope(s)


@program
def edge_reuse_variables_on_reentered_copy(tf, rec):
    """reuse_variables() on a re-entered copy leaves the original object alone."""
    with tf.variable_scope("a") as a:
        pass
    with tf.variable_scope(a) as a2:
        a2.reuse_variables()
        rec.scope(a2)
    rec.scope(a)
    with tf.variable_scope(a) as a3:
        rec.scope(a3)


@program
def edge_name_scope_none_inside_variable_scope(tf, rec):
    """name_scope(None) resets the name scope but not the variable scope."""
    with tf.variable_scope("a"):
        with tf.name_scope(None):
            with tf.variable_scope("b") as s:
                rec.scope(s)
                gv(tf, rec, "w", [1])
                var(tf, rec, 1.0, name="v")


@program
def edge_current_scope_reentry(tf, rec):
    """variable_scope(get_variable_scope(), reuse=True): the common sharing idiom."""
    with tf.variable_scope("net"):
        w = gv(tf, rec, "w", [2])
        with tf.variable_scope(tf.get_variable_scope(), reuse=True) as s:
            rec.scope(s)
            w2 = gv(tf, rec, "w", [2])
        rec.cur()
    rec.same(w, w2)


@program
def edge_template_scope_reentry(tf, rec):
    """A template's variable_scope can be re-entered to reach its variables."""
    t = tf.make_template("t", linear_layer, tf=tf, rec=rec)
    t()
    with tf.variable_scope(t.variable_scope, reuse=True) as s:
        rec.scope(s)
        gv(tf, rec, "w", [2])


@program
def edge_getter_changes_dtype_and_shape(tf, rec):
    """A custom getter may rewrite dtype and shape before creating."""

    def getter(getter, name, *args, **kwargs):
        kwargs["dtype"] = tf.float16
        kwargs["shape"] = [3]
        return getter(name, *args, **kwargs)

    with tf.variable_scope("a", custom_getter=getter):
        gv(tf, rec, "w", [1])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [3])
        gv(tf, rec, "w", [3], dtype=tf.float16)


@program
def edge_getter_creates_two(tf, rec):
    """A custom getter may create several variables for one call."""

    def getter(getter, name, *args, **kwargs):
        getter(name + "_shadow", *args, **kwargs)
        return getter(name, *args, **kwargs)

    with tf.variable_scope("a", custom_getter=getter):
        gv(tf, rec, "w", [1])
    rec.coll(tf.global_variables())


@program
def edge_template_variable_then_get_variable(tf, rec):
    """A template whose function mixes tf.Variable and get_variable fails on call two."""

    def fn():
        rec.var(tf.get_variable("w", [1]))
        rec.var(tf.Variable(1.0, name="v", trainable=False))

    t = tf.make_template("t", fn)
    rec.error(t)
    rec.error(t)
    rec.coll(tf.global_variables())


@program
def edge_template_create_scope_now_and_default_names(tf, rec):
    """create_scope_now_ takes a default name now; a later template gets the next one."""
    t1 = tf.make_template("m", linear_layer, create_scope_now_=True, tf=tf, rec=rec)
    t2 = tf.make_template("m", linear_layer, tf=tf, rec=rec)
    t2()
    t1()
    rec.scope(t1.variable_scope)
    rec.scope(t2.variable_scope)
