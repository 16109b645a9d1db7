"""Differential programs: errors (see ``common.py`` for how a program is written)."""

from __future__ import annotations

from tests.differential.programs.common import gv, program, topic, var

# =====================================================================================
topic("errors")
# Shape and dtype mismatch, missing, duplicate, shapes and initializers that cannot work.
# =====================================================================================


@program
def error_shape_mismatch(tf, rec):
    """Trying to share variable a/w, but specified shape (3, 2) and found shape (2, 3)."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [2, 3])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [3, 2])
        gv(tf, rec, "w", [6])
        gv(tf, rec, "w", [])


@program
def error_shape_mismatch_scalar(tf, rec):
    """Shapes print TF's way: () and (1,)."""
    gv(tf, rec, "s", [])
    gv(tf, rec, "v", [1])
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "s", [1])
        gv(tf, rec, "v", [])
        gv(tf, rec, "v", [1, 1])


@program
def error_dtype_mismatch(tf, rec):
    """Trying to share variable a/w, but specified dtype int32 and found dtype float32."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [2])
        gv(tf, rec, "i", [2], dtype=tf.int32)
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [2], dtype=tf.int32)
        gv(tf, rec, "i", [2])
        gv(tf, rec, "i", [2], dtype=tf.int32)


@program
def error_shape_checked_before_dtype(tf, rec):
    """A wrong shape and a wrong dtype: the shape error wins."""
    gv(tf, rec, "w", [2])
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "w", [3], dtype=tf.int32)


@program
def error_duplicate_message(tf, rec):
    """The duplicate message names the full variable name."""
    with tf.variable_scope("a"):
        with tf.variable_scope("b"):
            gv(tf, rec, "w", [1])
            gv(tf, rec, "w", [1])
            gv(tf, rec, "w", [2])


@program
def error_duplicate_checked_before_shape(tf, rec):
    """Under reuse=None an existing name fails before any shape check."""
    gv(tf, rec, "w", [1])
    gv(tf, rec, "w", [5], dtype=tf.int32)


@program
def error_missing_message(tf, rec):
    """The missing message suggests AUTO_REUSE."""
    with tf.variable_scope("a", reuse=True):
        with tf.variable_scope("b"):
            gv(tf, rec, "w", [1])


@program
def error_no_shape(tf, rec):
    """Creating without shape or initializer."""
    gv(tf, rec, "w")
    with tf.variable_scope("a"):
        gv(tf, rec, "w")
        gv(tf, rec, "w", [1])


@program
def error_constant_with_shape(tf, rec):
    """If initializer is a constant, do not specify shape."""
    gv(tf, rec, "w", [2], initializer=[1.0, 2.0])
    gv(tf, rec, "w", initializer=[1.0, 2.0])


@program
def error_constant_with_shape_under_reuse(tf, rec):
    """The constant+shape check comes before the reuse check."""
    gv(tf, rec, "w", initializer=[1.0, 2.0])
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "w", [2], initializer=[1.0, 2.0])
        gv(tf, rec, "w", initializer=[1.0, 2.0])


@program
def error_initializer_dtype_mismatch(tf, rec):
    """A constant initializer's dtype must equal an explicit dtype."""
    gv(tf, rec, "w", initializer=[1.0, 2.0], dtype=tf.int32)
    gv(tf, rec, "w", initializer=[1, 2], dtype=tf.float32)
    gv(tf, rec, "w", initializer=[1, 2], dtype=tf.int32)


@program
def error_missing_after_failed_create(tf, rec):
    """A failed creation leaves nothing behind."""
    gv(tf, rec, "w")
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "w", [1])
    gv(tf, rec, "w", [1])


@program
def error_get_variable_invalid_names(tf, rec):
    """get_variable names are checked by the op-name regex (the variable's name scope)."""
    gv(tf, rec, "a b", [1])
    gv(tf, rec, "_w", [1])
    gv(tf, rec, "-w", [1])
    with tf.variable_scope("s"):
        gv(tf, rec, "_w", [1])
        gv(tf, rec, "w w", [1])


@program
def error_invalid_name_reuse_true(tf, rec):
    """Under reuse=True an invalid name is just missing."""
    with tf.variable_scope("s", reuse=True):
        gv(tf, rec, "a b", [1])


@program
def error_invalid_name_not_stored(tf, rec):
    """A failed invalid name creation does not enter the store."""
    gv(tf, rec, "_w", [1])
    gv(tf, rec, "_w", [1])
    rec.coll(tf.global_variables())


@program
def error_template_vars_in_error(tf, rec):
    """Errors inside variable_scope bodies do not corrupt naming."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [1])
        gv(tf, rec, "w", [1])
        with tf.variable_scope("b") as b:
            rec.scope(b)
    with tf.variable_scope("a") as s:
        rec.scope(s)


@program
def error_shape_mismatch_in_auto_reuse(tf, rec):
    """AUTO_REUSE still checks the shape of an existing variable."""
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
        gv(tf, rec, "w", [2])
        gv(tf, rec, "w", [3])
        gv(tf, rec, "w", [2], dtype=tf.float16)


@program
def error_many_shapes(tf, rec):
    """Several shapes and their printed forms."""
    gv(tf, rec, "w", [4, 1, 2])
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "w", [4, 2, 1])
        gv(tf, rec, "w", [4, None, 3])
        gv(tf, rec, "w", (4, 1, 2))


@program
def error_dtype_names(tf, rec):
    """dtype names in the mismatch message: bool, float16, int32."""
    gv(tf, rec, "b", [1], dtype=tf.bool)
    gv(tf, rec, "h", [1], dtype=tf.float16)
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "b", [1], dtype=tf.int32)
        gv(tf, rec, "h", [1], dtype=tf.float32)
        gv(tf, rec, "h", [1], dtype=tf.bool)


@program
def error_tutorial_bias_get_after_variable(tf, rec):
    """A tf.Variable does not satisfy get_variable under AUTO_REUSE either."""
    with tf.variable_scope("v_scope", reuse=tf.AUTO_REUSE):
        var(tf, rec, [0.5], name="bias")
        gv(tf, rec, "bias", [1])
        gv(tf, rec, "bias", [1])


@program
def error_variable_scope_none_none(tf, rec):
    """Both name_or_scope and default_name None is a TypeError at construction."""
    rec.error(lambda: tf.variable_scope(None, default_name=None))
