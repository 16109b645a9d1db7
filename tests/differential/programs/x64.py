"""Differential programs that need 64-bit types (run only with jax_enable_x64)."""

from __future__ import annotations

import numpy as np

from tests.differential.programs.common import gv, var, x64_program


@x64_program
def x64_variables(tf, rec):
    """float64 and int64 variables keep their dtype."""
    rec.value(gv(tf, rec, "d", [2], dtype=tf.float64, initializer=tf.zeros_initializer()))
    rec.value(gv(tf, rec, "i", [2], dtype=tf.int64))
    gv(tf, rec, "r", [2], dtype=tf.float64)
    with tf.variable_scope("", reuse=True):
        gv(tf, rec, "d", [2], dtype=tf.float32)


@x64_program
def x64_scope_dtype(tf, rec):
    """A float64 scope dtype and a float64 numpy initial value."""
    with tf.variable_scope("a", dtype=tf.float64):
        rec.value(gv(tf, rec, "w", [1], initializer=tf.ones_initializer()))
    rec.value(var(tf, rec, np.array([1.5, 2.5]), name="v"))
