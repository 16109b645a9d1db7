"""Differential programs: variable_scope (see ``common.py`` for how a program is written)."""

from __future__ import annotations

from tests.differential.programs.common import entering, gv, program, topic

# =====================================================================================
topic("variable_scope")
# variable_scope naming: var scope name, its name scope, re-entry, default_name.
# =====================================================================================


@program
def vs_root(tf, rec):
    """The root variable scope: name '', original_name_scope '', reuse False."""
    rec.cur()


@program
def vs_nesting(tf, rec):
    """Nested variable scopes join names; each opens a name scope."""
    with tf.variable_scope("a") as a:
        rec.scope(a)
        with tf.variable_scope("b") as b:
            rec.scope(b)
            rec.cur()
            gv(tf, rec, "w", [1])


@program
def vs_string_reentry(tf, rec):
    """Re-entering by string: same var scope, new (uniquified) name scope."""
    for _ in range(3):
        with tf.variable_scope("a") as a:
            rec.scope(a)


@program
def vs_string_reentry_inside_other(tf, rec):
    """A string is relative: 'a' inside 'b' is 'b/a'."""
    with tf.variable_scope("a"):
        pass
    with tf.variable_scope("b"):
        with tf.variable_scope("a") as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])


@program
def vs_object_reentry(tf, rec):
    """Re-entering by object: the same name; the name scope is the last part, uniquified."""
    with tf.variable_scope("a") as a:
        gv(tf, rec, "w", [1])
    with tf.variable_scope(a) as a2:
        rec.scope(a2)
        with tf.name_scope("n") as s:
            rec.ns(s)
        gv(tf, rec, "v", [1])


@program
def vs_object_reentry_inside_other(tf, rec):
    """Object re-entry from inside another scope jumps to the absolute var scope."""
    with tf.variable_scope("outer"):
        with tf.variable_scope("inner") as inner:
            pass
    with tf.variable_scope("other"):
        with tf.variable_scope(inner) as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])
            rec.var(tf.Variable(1.0, name="v"))


@program
def vs_object_reentry_twice_in_scope(tf, rec):
    """Re-entering the same object twice in one place uniquifies the name scope."""
    with tf.variable_scope("a/b") as ab:
        rec.scope(ab)
    with tf.variable_scope("x"):
        for _ in range(2):
            with tf.variable_scope(ab) as s:
                rec.scope(s)


@program
def vs_object_reentry_original_name_scope(tf, rec):
    """original_name_scope is kept from creation time on object re-entry."""
    with tf.name_scope("n"):
        with tf.variable_scope("a") as a:
            rec.scope(a)
    with tf.variable_scope(a) as a2:
        rec.scope(a2)
        with tf.variable_scope("b") as b:
            rec.scope(b)


@program
def vs_slash_name(tf, rec):
    """variable_scope('x/y') is one name scope key 'x/y'; 'x' stays free."""
    with tf.variable_scope("x/y") as s:
        rec.scope(s)
        gv(tf, rec, "w", [1])
    with tf.variable_scope("x") as s:
        rec.scope(s)
        with tf.variable_scope("y", reuse=True) as s2:
            rec.scope(s2)
            gv(tf, rec, "w", [1])


@program
def vs_empty_name(tf, rec):
    """variable_scope('') opens no name scope and adds an empty component."""
    with tf.variable_scope("") as s:
        rec.scope(s)
        gv(tf, rec, "w", [1])
    with tf.variable_scope("a"):
        with tf.variable_scope("") as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])


@program
def vs_root_object_reentry(tf, rec):
    """Re-entering the root scope object from inside a scope returns to the root."""
    root = tf.get_variable_scope()
    with tf.variable_scope("a"):
        with tf.variable_scope(root) as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])
            with tf.name_scope("n") as n:
                rec.ns(n)


@program
def vs_name_scope_uniquified_by_name_scope(tf, rec):
    """A name_scope 'a' makes variable_scope('a') open name scope 'a_1'."""
    with tf.name_scope("a"):
        pass
    with tf.variable_scope("a") as s:
        rec.scope(s)
        gv(tf, rec, "w", [1])


@program
def vs_case_variants(tf, rec):
    """'A' and 'a' are distinct variable scopes but share name scope keys."""
    with tf.variable_scope("a") as s:
        rec.scope(s)
        gv(tf, rec, "w", [1])
    with tf.variable_scope("A") as s:
        rec.scope(s)
        gv(tf, rec, "x", [1])


@program
def vs_inside_name_scope(tf, rec):
    """variable_scope inside name_scope: var name ignores it, name scope nests."""
    with tf.name_scope("n"):
        with tf.variable_scope("v") as s:
            rec.scope(s)
            gv(tf, rec, "w", [1])
            rec.var(tf.Variable(1.0, name="x"))


@program
def vs_default_name_unique(tf, rec):
    """default_name is made unique among variable scopes: x, x_1, x_2."""
    for _ in range(3):
        with tf.variable_scope(None, default_name="x") as s:
            rec.scope(s)


@program
def vs_default_name_ignored_when_named(tf, rec):
    """A given name_or_scope wins over default_name."""
    with tf.variable_scope("n", default_name="d") as s:
        rec.scope(s)
    with tf.variable_scope("n", default_name="d") as s:
        rec.scope(s)


@program
def vs_default_name_after_string(tf, rec):
    """A string scope 'x' counts for default_name 'x'."""
    with tf.variable_scope("x") as s:
        rec.scope(s)
    with tf.variable_scope(None, default_name="x") as s:
        rec.scope(s)
    with tf.variable_scope("x") as s:
        rec.scope(s)


@program
def vs_default_name_skips_used_suffix(tf, rec):
    """default_name skips x_1 if a scope 'x_1' was opened."""
    with tf.variable_scope("x"):
        pass
    with tf.variable_scope("x_1"):
        pass
    with tf.variable_scope(None, default_name="x") as s:
        rec.scope(s)


@program
def vs_default_name_counts_close_on_exit(tf, rec):
    """Subscope counts close when the parent exits: a/x again on re-entry."""
    for _ in range(2):
        with tf.variable_scope("a"):
            for _ in range(2):
                with tf.variable_scope(None, default_name="x") as s:
                    rec.scope(s)


@program
def vs_default_name_object_reentry_restores_counts(tf, rec):
    """Object re-entry restores the counts on exit (not closing subscopes)."""
    with tf.variable_scope("a") as a:
        with tf.variable_scope(None, default_name="x") as s:
            rec.scope(s)
    with tf.variable_scope(a):
        with tf.variable_scope(None, default_name="x") as s:
            rec.scope(s)
    with tf.variable_scope(a):
        with tf.variable_scope(None, default_name="x") as s:
            rec.scope(s)
    with tf.variable_scope(None, default_name="a") as s:
        rec.scope(s)


@program
def vs_default_name_case_sensitive(tf, rec):
    """Variable scope counts are case sensitive, name scopes are not."""
    with tf.variable_scope(None, default_name="x") as s:
        rec.scope(s)
    with tf.variable_scope(None, default_name="X") as s:
        rec.scope(s)


@program
def vs_default_name_nested(tf, rec):
    """default_name is relative to the current variable scope."""
    with tf.variable_scope("a"):
        with tf.variable_scope(None, default_name="d") as s:
            rec.scope(s)
    with tf.variable_scope(None, default_name="d") as s:
        rec.scope(s)


@program
def vs_default_name_requires_something(tf, rec):
    """variable_scope(None) without default_name is a TypeError."""
    rec.error(lambda: tf.variable_scope(None))


@program
def vs_default_name_inherits_reuse(tf, rec):
    """A default-named scope inherits the parent's reuse."""
    with tf.variable_scope("r", reuse=True):
        with tf.variable_scope(None, default_name="d") as s:
            rec.scope(s)


@program
def vs_name_not_string(tf, rec):
    """name_or_scope must be a string or VariableScope: TypeError."""
    entering(rec, lambda: tf.variable_scope(3))


@program
def vs_invalid_names(tf, rec):
    """Invalid variable scope names fail in the name scope check."""
    entering(rec, lambda: tf.variable_scope("_a"), rec.scope)
    entering(rec, lambda: tf.variable_scope("a b"), rec.scope)
    with tf.variable_scope("ok"):
        entering(rec, lambda: tf.variable_scope("_a"), rec.scope)
        entering(rec, lambda: tf.variable_scope("a$"), rec.scope)


@program
def vs_failed_enter_restores_scope(tf, rec):
    """A failed enter leaves the current variable scope unchanged."""
    with tf.variable_scope("a"):
        entering(rec, lambda: tf.variable_scope("b c"))
        rec.cur()
        gv(tf, rec, "w", [1])


@program
def vs_exception_in_body_restores(tf, rec):
    """An exception inside the body pops the scopes."""

    def body():
        with tf.variable_scope("a"):
            with tf.variable_scope("b"):
                raise ValueError("boom")

    rec.error(body)
    rec.cur()
    with tf.variable_scope("a") as s:
        rec.scope(s)


@program
def vs_aux_false_by_object(tf, rec):
    """auxiliary_name_scope=False on re-entry opens no name scope."""
    with tf.variable_scope("a") as a:
        pass
    with tf.variable_scope(a, auxiliary_name_scope=False) as a2:
        rec.scope(a2)
        rec.var(tf.Variable(1.0, name="v"))
        with tf.name_scope(a2.original_name_scope) as s:
            rec.ns(s)
            rec.var(tf.Variable(1.0, name="v"))


@program
def vs_aux_false_by_string(tf, rec):
    """auxiliary_name_scope=False with a string: original_name_scope is the current one."""
    with tf.variable_scope("a", auxiliary_name_scope=False) as a:
        rec.scope(a)
        rec.var(tf.Variable(1.0, name="v"))
        gv(tf, rec, "w", [1])
    with tf.name_scope("n"):
        with tf.variable_scope("b", auxiliary_name_scope=False) as b:
            rec.scope(b)
            rec.var(tf.Variable(1.0, name="v"))


@program
def vs_aux_false_does_not_mark(tf, rec):
    """With auxiliary_name_scope=False, a later name scope 'a' is not uniquified."""
    with tf.variable_scope("a", auxiliary_name_scope=False):
        pass
    with tf.name_scope("a") as s:
        rec.ns(s)


@program
def vs_aux_false_not_inherited(tf, rec):
    """auxiliary_name_scope applies once; inner scopes open name scopes again."""
    with tf.variable_scope("a", auxiliary_name_scope=False):
        with tf.variable_scope("b") as b:
            rec.scope(b)


@program
def vs_aux_false_default_name(tf, rec):
    """auxiliary_name_scope=False with default_name."""
    with tf.name_scope("n"):
        with tf.variable_scope(None, default_name="d", auxiliary_name_scope=False) as s:
            rec.scope(s)
            rec.var(tf.Variable(1.0))


@program
def vs_aux_not_bool(tf, rec):
    """auxiliary_name_scope must be a bool."""
    rec.error(lambda: tf.variable_scope("a", auxiliary_name_scope=1))


@program
def vs_docs_reenter_original_name_scope(tf, rec):
    """The TF docs' idiom: re-enter a scope and its original name scope."""
    with tf.variable_scope("scope") as scope:
        pass
    with tf.variable_scope(scope, auxiliary_name_scope=False) as scope1:
        with tf.name_scope(scope1.original_name_scope):
            rec.var(tf.Variable(1.0, name="v"))
            gv(tf, rec, "w", [1])


@program
def vs_get_variable_scope_inside(tf, rec):
    """get_variable_scope() returns the entered VariableScope."""
    with tf.variable_scope("a") as a:
        cur = tf.get_variable_scope()
        rec.log(cur is a)
        rec.scope(cur)


@program
def vs_nested_objects_and_strings(tf, rec):
    """Mixing object and string re-entry at several depths."""
    with tf.variable_scope("a") as a:
        with tf.variable_scope("b") as b:
            pass
    with tf.variable_scope(b):
        with tf.variable_scope("c") as c:
            rec.scope(c)
            with tf.variable_scope(a) as a2:
                rec.scope(a2)
                gv(tf, rec, "w", [1])


@program
def vs_uniquified_name_scope_is_not_var_scope(tf, rec):
    """Var scope 'a' re-entered gets name scope 'a_1' but variables stay under 'a'."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [1])
    with tf.variable_scope("a", reuse=True) as s:
        rec.scope(s)
        gv(tf, rec, "w", [1])
        rec.var(tf.Variable(1.0, name="w"))
