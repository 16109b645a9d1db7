"""Differential programs: reuse (see ``common.py`` for how a program is written)."""

from __future__ import annotations

from tests.differential.programs.common import entering, gv, program, topic

# =====================================================================================
topic("reuse")
# reuse True / None(False) / AUTO_REUSE, inheritance, reuse_variables().
# =====================================================================================


@program
def reuse_true_shares(tf, rec):
    """reuse=True returns the existing variable."""
    with tf.variable_scope("a"):
        w = gv(tf, rec, "w", [2])
    with tf.variable_scope("a", reuse=True) as s:
        rec.scope(s)
        w2 = gv(tf, rec, "w", [2])
    rec.same(w, w2)


@program
def reuse_true_missing(tf, rec):
    """reuse=True and no such variable: 'does not exist'."""
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [2])


@program
def reuse_default_duplicate(tf, rec):
    """reuse=None and an existing variable: 'already exists, disallowed'."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [2])
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [2])


@program
def reuse_false_is_none(tf, rec):
    """reuse=False is the same as None: it inherits."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [1])
    with tf.variable_scope("a", reuse=True):
        with tf.variable_scope("b", reuse=False) as s:
            rec.scope(s)
        with tf.variable_scope("", reuse=False) as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])


@program
def reuse_inherited(tf, rec):
    """Sub-scopes of a reusing scope reuse."""
    with tf.variable_scope("a"):
        with tf.variable_scope("b"):
            gv(tf, rec, "w", [1])
    with tf.variable_scope("a", reuse=True):
        with tf.variable_scope("b") as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])
            gv(tf, rec, "x", [1])


@program
def reuse_auto(tf, rec):
    """AUTO_REUSE creates if missing, returns if present."""
    got = []
    for _ in range(3):
        with tf.variable_scope("a", reuse=tf.AUTO_REUSE) as s:
            rec.scope(s)
            got.append(gv(tf, rec, "w", [2]))
    rec.same(got[0], got[2])
    rec.coll(tf.global_variables())


@program
def reuse_auto_inherited(tf, rec):
    """AUTO_REUSE is inherited; None and False keep it."""
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
        with tf.variable_scope("b") as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])
            gv(tf, rec, "w", [1])
        with tf.variable_scope("c", reuse=False) as s:
            rec.scope(s)


@program
def reuse_true_inside_auto(tf, rec):
    """reuse=True inside AUTO_REUSE becomes strict again."""
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
        with tf.variable_scope("b", reuse=True) as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])


@program
def reuse_auto_inside_true(tf, rec):
    """AUTO_REUSE inside reuse=True relaxes it."""
    with tf.variable_scope("a", reuse=True):
        with tf.variable_scope("b", reuse=tf.AUTO_REUSE) as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])
            gv(tf, rec, "w", [1])


@program
def reuse_variables_method(tf, rec):
    """scope.reuse_variables() switches the current scope to reuse."""
    with tf.variable_scope("a") as s:
        w = gv(tf, rec, "w", [2])
        s.reuse_variables()
        rec.scope(s)
        w2 = gv(tf, rec, "w")
        rec.same(w, w2)
        gv(tf, rec, "x", [1])
        with tf.variable_scope("b") as b:
            rec.scope(b)


@program
def reuse_variables_persists_on_object(tf, rec):
    """reuse_variables() sticks to the object; re-entry by object keeps it."""
    with tf.variable_scope("a") as a:
        gv(tf, rec, "w", [1])
        a.reuse_variables()
    with tf.variable_scope(a) as a2:
        rec.scope(a2)
        gv(tf, rec, "w", [1])
    with tf.variable_scope("a") as a3:
        rec.scope(a3)
        gv(tf, rec, "w", [1])


@program
def reuse_variables_on_root(tf, rec):
    """get_variable_scope().reuse_variables() at the root makes the root reuse."""
    gv(tf, rec, "w", [1])
    tf.get_variable_scope().reuse_variables()
    rec.cur()
    gv(tf, rec, "w", [1])
    gv(tf, rec, "x", [1])
    with tf.variable_scope("a") as s:
        rec.scope(s)


@program
def reuse_object_reentry_not_inherited(tf, rec):
    """Object re-entry takes the object's reuse, not the enclosing scope's."""
    with tf.variable_scope("a") as a:
        pass
    with tf.variable_scope("r", reuse=True):
        with tf.variable_scope(a) as a2:
            rec.scope(a2)
            gv(tf, rec, "w", [1])


@program
def reuse_object_reentry_with_reuse(tf, rec):
    """Object re-entry with reuse=True."""
    with tf.variable_scope("a") as a:
        w = gv(tf, rec, "w", [1])
    with tf.variable_scope(a, reuse=True) as a2:
        rec.scope(a2)
        w2 = gv(tf, rec, "w", [1])
    rec.same(w, w2)
    rec.scope(a)


@program
def reuse_object_reentry_false(tf, rec):
    """Object re-entry with reuse=False keeps the object's reuse=True."""
    with tf.variable_scope("a", reuse=True) as a:
        pass
    with tf.variable_scope(a, reuse=False) as a2:
        rec.scope(a2)


@program
def reuse_object_reentry_auto(tf, rec):
    """Object re-entry with AUTO_REUSE."""
    with tf.variable_scope("a") as a:
        gv(tf, rec, "w", [1])
    with tf.variable_scope(a, reuse=tf.AUTO_REUSE) as a2:
        rec.scope(a2)
        gv(tf, rec, "w", [1])
        gv(tf, rec, "x", [1])


@program
def reuse_invalid_value(tf, rec):
    """reuse must be True, False, None or AUTO_REUSE."""
    rec.error(lambda: tf.variable_scope("a", reuse="yes"))
    rec.error(lambda: tf.variable_scope("a", reuse=1))


@program
def reuse_default_name_true(tf, rec):
    """reuse=True needs a name: default_name alone is an error."""
    entering(rec, lambda: tf.variable_scope(None, default_name="d", reuse=True))
    entering(rec, lambda: tf.variable_scope(None, default_name="d", reuse=tf.AUTO_REUSE))
    with tf.variable_scope(None, default_name="d") as s:
        rec.scope(s)


@program
def reuse_scope_exit_restores(tf, rec):
    """Leaving a reusing scope restores creation."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [1])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [1])
    with tf.variable_scope("a"):
        gv(tf, rec, "x", [1])


@program
def reuse_get_variable_shape_none(tf, rec):
    """Under reuse, shape may be omitted."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [2, 3])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w")


@program
def reuse_partial_shape(tf, rec):
    """A partially known shape is compatible."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [2, 3])
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w", [None, 3])
        gv(tf, rec, "w", [None, None])
        gv(tf, rec, "w", [None, 4])


@program
def reuse_root_auto(tf, rec):
    """variable_scope(get_variable_scope(), reuse=AUTO_REUSE) at the root."""
    for _ in range(2):
        with tf.variable_scope(tf.get_variable_scope(), reuse=tf.AUTO_REUSE) as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])


@program
def reuse_deep_inheritance(tf, rec):
    """Reuse flows through several levels and back out."""
    with tf.variable_scope("a"):
        with tf.variable_scope("b"):
            with tf.variable_scope("c"):
                gv(tf, rec, "w", [1])
    with tf.variable_scope("a", reuse=True):
        with tf.variable_scope("b"):
            with tf.variable_scope("c") as c:
                rec.scope(c)
                gv(tf, rec, "w", [1])
    with tf.variable_scope("a"):
        with tf.variable_scope("b"):
            with tf.variable_scope("c") as c:
                rec.scope(c)
                gv(tf, rec, "w", [1])


@program
def reuse_variables_then_subscope_exit(tf, rec):
    """reuse_variables() on the current scope does not outlive the with block."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [1])
        tf.get_variable_scope().reuse_variables()
        gv(tf, rec, "w", [1])
    with tf.variable_scope("a") as s:
        rec.scope(s)
        gv(tf, rec, "v", [1])


@program
def reuse_same_object_within_call(tf, rec):
    """Reusing returns the same object each time."""
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
        a = gv(tf, rec, "w", [3])
        b = gv(tf, rec, "w", [3])
        c = gv(tf, rec, "w")
    rec.same(a, b)
    rec.same(b, c)
