"""Differential programs: init_dtype (see ``common.py`` for how a program is written)."""

from __future__ import annotations

import numpy as np

from tests.differential.programs.common import gv, program, topic

# =====================================================================================
topic("init_dtype")
# Initializers and dtypes, own and inherited from variable_scope.
# =====================================================================================


@program
def init_zeros_ones_constant(tf, rec):
    """zeros, ones, constant initializers give exact values."""
    rec.value(gv(tf, rec, "z", [2, 2], initializer=tf.zeros_initializer()))
    rec.value(gv(tf, rec, "o", [3], initializer=tf.ones_initializer()))
    rec.value(gv(tf, rec, "c", [2], initializer=tf.constant_initializer(2.5)))
    rec.value(gv(tf, rec, "s", [], initializer=tf.constant_initializer(-1.0)))


@program
def init_constant_list_value(tf, rec):
    """constant_initializer with a full list of values."""
    v = gv(tf, rec, "c", [2, 2], initializer=tf.constant_initializer([1.0, 2.0, 3.0, 4.0]))
    rec.value(v)


@program
def init_int_bool_default_zeros(tf, rec):
    """Integer and bool variables default to zeros."""
    rec.value(gv(tf, rec, "i", [3], dtype=tf.int32))
    rec.value(gv(tf, rec, "b", [2], dtype=tf.bool))


@program
def init_typed_zeros_ones(tf, rec):
    """zeros/ones initializers follow the variable's dtype."""
    rec.value(gv(tf, rec, "i", [2], dtype=tf.int32, initializer=tf.ones_initializer()))
    rec.value(gv(tf, rec, "b", [2], dtype=tf.bool, initializer=tf.ones_initializer()))
    rec.value(gv(tf, rec, "h", [2], dtype=tf.float16, initializer=tf.zeros_initializer()))
    rec.value(gv(tf, rec, "c", [2], dtype=tf.int32, initializer=tf.constant_initializer(7)))


@program
def init_constant_value_initializer(tf, rec):
    """A list/array initializer gives the shape and dtype (float32 or int32)."""
    rec.value(gv(tf, rec, "f", initializer=[1.0, 2.0]))
    rec.value(gv(tf, rec, "i", initializer=[1, 2, 3]))
    rec.value(gv(tf, rec, "a", initializer=np.ones((2, 2), np.float32)))
    rec.value(gv(tf, rec, "s", initializer=3.0))


@program
def init_constant_value_ignores_scope_dtype(tf, rec):
    """An int constant initializer makes an int32 variable; reuse then checks float32."""
    gv(tf, rec, "i", initializer=[1, 2])
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "i")
        gv(tf, rec, "i", dtype=tf.int32)


@program
def init_default_float_random(tf, rec):
    """Float variables default to glorot_uniform (random; compared init vs apply only)."""
    gv(tf, rec, "w", [3, 4])
    gv(tf, rec, "h", [2], dtype=tf.float16)
    gv(tf, rec, "r", [2], initializer=tf.random_normal_initializer())
    gv(tf, rec, "g", [2, 2], initializer=tf.glorot_uniform_initializer())


@program
def init_inherited_from_scope(tf, rec):
    """A variable_scope initializer is the default inside it and its sub-scopes."""
    with tf.variable_scope("a", initializer=tf.constant_initializer(0.5)):
        rec.value(gv(tf, rec, "w", [2]))
        with tf.variable_scope("b"):
            rec.value(gv(tf, rec, "w", [2]))
            rec.value(gv(tf, rec, "z", [2], initializer=tf.zeros_initializer()))
    rec.var(gv(tf, rec, "outside", [2]))


@program
def init_inner_scope_overrides(tf, rec):
    """An inner scope's initializer overrides the outer one."""
    with tf.variable_scope("a", initializer=tf.constant_initializer(1.0)):
        with tf.variable_scope("b", initializer=tf.constant_initializer(2.0)):
            rec.value(gv(tf, rec, "w", [1]))
        rec.value(gv(tf, rec, "w", [1]))


@program
def init_object_reentry_keeps_initializer(tf, rec):
    """Re-entering a scope object restores its initializer; a new one overrides."""
    with tf.variable_scope("a", initializer=tf.constant_initializer(3.0)) as a:
        pass
    with tf.variable_scope(a):
        rec.value(gv(tf, rec, "w", [1]))
    with tf.variable_scope(a, initializer=tf.constant_initializer(4.0)):
        rec.value(gv(tf, rec, "v", [1]))
    with tf.variable_scope("a"):
        rec.var(gv(tf, rec, "x", [1]))


@program
def init_scope_initializer_for_ints(tf, rec):
    """A scope's constant initializer also serves int variables."""
    with tf.variable_scope("a", initializer=tf.constant_initializer(2)):
        rec.value(gv(tf, rec, "i", [2], dtype=tf.int32))
        rec.value(gv(tf, rec, "f", [2]))


@program
def init_dtype_inherited(tf, rec):
    """A variable_scope dtype is the default dtype inside it."""
    with tf.variable_scope("a", dtype=tf.float16):
        gv(tf, rec, "w", [2])
        with tf.variable_scope("b"):
            gv(tf, rec, "w", [2])
        gv(tf, rec, "f", [2], dtype=tf.float32)
    gv(tf, rec, "w", [2])


@program
def init_dtype_int_scope(tf, rec):
    """An int32 scope dtype gives zero-initialized int variables."""
    with tf.variable_scope("a", dtype=tf.int32):
        rec.value(gv(tf, rec, "i", [2]))


@program
def init_dtype_object_reentry(tf, rec):
    """Re-entering by object keeps the dtype; reuse with the scope dtype works."""
    with tf.variable_scope("a", dtype=tf.float16) as a:
        gv(tf, rec, "w", [2])
    with tf.variable_scope(a, reuse=True):
        gv(tf, rec, "w", [2])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [2])


@program
def init_dtype_reuse_needs_dtype(tf, rec):
    """Reusing an int variable outside its int scope needs the dtype."""
    with tf.variable_scope("a", dtype=tf.int32):
        gv(tf, rec, "i", [1])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "i", [1])
        gv(tf, rec, "i", [1], dtype=tf.int32)


@program
def init_scope_initializer_and_dtype(tf, rec):
    """Both initializer and dtype from the scope."""
    with tf.variable_scope("a", initializer=tf.ones_initializer(), dtype=tf.int32):
        rec.value(gv(tf, rec, "w", [2, 1]))


@program
def init_trainable_false_value(tf, rec):
    """trainable=False does not change the value."""
    rec.value(gv(tf, rec, "step", [], dtype=tf.int32, trainable=False))
    rec.value(gv(tf, rec, "avg", [2], initializer=tf.zeros_initializer(), trainable=False))


@program
def init_scalar_shapes(tf, rec):
    """Scalar shape [] and tuple shapes."""
    rec.value(gv(tf, rec, "s", [], initializer=tf.ones_initializer()))
    rec.value(gv(tf, rec, "t", (1, 2), initializer=tf.ones_initializer()))
    rec.value(gv(tf, rec, "e", [0], initializer=tf.ones_initializer()))
