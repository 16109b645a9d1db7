"""Differential programs: name_scope (see ``common.py`` for how a program is written)."""

from __future__ import annotations

from tests.differential.programs.common import entering, program, topic

# =====================================================================================
topic("name_scope")
# Graph.name_scope / Graph.unique_name: nesting, uniquification, absolute names.
# =====================================================================================


@program
def ns_nesting(tf, rec):
    """Nested name scopes join with '/', and end with '/'."""
    with tf.name_scope("a") as a:
        rec.ns(a)
        with tf.name_scope("b") as b:
            rec.ns(b)
            with tf.name_scope("c") as c:
                rec.ns(c)


@program
def ns_sibling_uniquified(tf, rec):
    """A name scope used twice at the same level gets _1, _2."""
    for _ in range(3):
        with tf.name_scope("a") as s:
            rec.ns(s)


@program
def ns_nested_uniquified_per_parent(tf, rec):
    """Uniquification is per full path: a/b and a_1/b are both fresh."""
    with tf.name_scope("a"):
        with tf.name_scope("b") as s:
            rec.ns(s)
        with tf.name_scope("b") as s:
            rec.ns(s)
    with tf.name_scope("a"):
        with tf.name_scope("b") as s:
            rec.ns(s)


@program
def ns_case_insensitive(tf, rec):
    """Names are uniquified case-insensitively and keep the caller's capitalization."""
    with tf.name_scope("Conv") as s:
        rec.ns(s)
    with tf.name_scope("conv") as s:
        rec.ns(s)
    with tf.name_scope("CONV") as s:
        rec.ns(s)


@program
def ns_suffix_collision(tf, rec):
    """An explicit 'a_1' is marked used, so the second 'a' skips to 'a_2'."""
    with tf.name_scope("a_1") as s:
        rec.ns(s)
    with tf.name_scope("a") as s:
        rec.ns(s)
    with tf.name_scope("a") as s:
        rec.ns(s)


@program
def ns_suffix_after_uniquified(tf, rec):
    """'a_1' requested after 'a' was uniquified to 'a_1' becomes 'a_1_1'."""
    with tf.name_scope("a") as s:
        rec.ns(s)
    with tf.name_scope("a") as s:
        rec.ns(s)
    with tf.name_scope("a_1") as s:
        rec.ns(s)
    with tf.name_scope("a") as s:
        rec.ns(s)


@program
def ns_suffix_case_mix(tf, rec):
    """'A_1' collides with the uniquified 'a_1' key."""
    with tf.name_scope("a") as s:
        rec.ns(s)
    with tf.name_scope("A") as s:
        rec.ns(s)
    with tf.name_scope("A_1") as s:
        rec.ns(s)


@program
def ns_absolute_reentry(tf, rec):
    """A name ending in '/' re-enters that absolute scope, from anywhere."""
    with tf.name_scope("a") as a:
        pass
    with tf.name_scope("x"):
        with tf.name_scope(a) as s:
            rec.ns(s)
            with tf.name_scope("b") as b:
                rec.ns(b)
    with tf.name_scope(a):
        with tf.name_scope("b") as b:
            rec.ns(b)


@program
def ns_absolute_unused(tf, rec):
    """An absolute name that was never used is entered as is and not marked used."""
    with tf.name_scope("q/r/") as s:
        rec.ns(s)
        rec.var(tf.Variable(1.0, name="v"))
    with tf.name_scope("q") as s:
        rec.ns(s)


@program
def ns_none_resets(tf, rec):
    """name_scope(None) yields '' and resets to the root."""
    with tf.name_scope("a"):
        with tf.name_scope(None) as s:
            rec.ns(s)
            rec.var(tf.Variable(1.0, name="v"))
            with tf.name_scope("a") as s2:
                rec.ns(s2)


@program
def ns_empty_resets(tf, rec):
    """name_scope('') also resets to the root."""
    with tf.name_scope("a"):
        with tf.name_scope("b"):
            with tf.name_scope("") as s:
                rec.ns(s)
                rec.var(tf.Variable(1.0))


@program
def ns_default_name(tf, rec):
    """default_name is used when name is None, and uniquified like a name."""
    with tf.name_scope(None, default_name="d") as s:
        rec.ns(s)
    with tf.name_scope(None, "d") as s:
        rec.ns(s)
    with tf.name_scope("n", default_name="d") as s:
        rec.ns(s)


@program
def ns_default_name_not_str(tf, rec):
    """A non-string default_name is a TypeError."""
    rec.error(lambda: tf.name_scope(None, default_name=3))


@program
def ns_invalid_root_name(tf, rec):
    """Root scope names must start with [A-Za-z0-9.]."""
    entering(rec, lambda: tf.name_scope("_a"), rec.ns)
    entering(rec, lambda: tf.name_scope("-a"), rec.ns)
    entering(rec, lambda: tf.name_scope("a b"), rec.ns)
    entering(rec, lambda: tf.name_scope(".a"), rec.ns)


@program
def ns_invalid_nested_name(tf, rec):
    """Nested scope names may start with '_', '-', but no spaces or other characters."""
    with tf.name_scope("a"):
        entering(rec, lambda: tf.name_scope("_b"), rec.ns)
        entering(rec, lambda: tf.name_scope("-b"), rec.ns)
        entering(rec, lambda: tf.name_scope("b c"), rec.ns)
        entering(rec, lambda: tf.name_scope("b!"), rec.ns)


@program
def ns_allowed_punctuation(tf, rec):
    """Dots, dashes, '>' and backslashes are valid scope characters."""
    for name in ["a.b", "a-b", "a>b", "a\\b", "0a", "a.b"]:
        entering(rec, lambda name=name: tf.name_scope(name), rec.ns)


@program
def ns_failed_enter_marks_nothing(tf, rec):
    """An invalid name raises before marking anything used."""
    entering(rec, lambda: tf.name_scope("_a"), rec.ns)
    entering(rec, lambda: tf.name_scope("a"), rec.ns)


@program
def ns_slash_inside_name(tf, rec):
    """A name with an inner '/' is one unique_name key; its parts are not marked."""
    with tf.name_scope("a/b") as s:
        rec.ns(s)
    with tf.name_scope("a") as s:
        rec.ns(s)
        with tf.name_scope("b") as s2:
            rec.ns(s2)
    with tf.name_scope("a/b") as s:
        rec.ns(s)


@program
def ns_exits_restore(tf, rec):
    """Leaving a scope (also by an exception) restores the outer one."""
    with tf.name_scope("a"):

        def boom():
            with tf.name_scope("b"):
                raise ValueError("boom")

        rec.error(boom)
        with tf.name_scope("c") as s:
            rec.ns(s)
    with tf.name_scope("b") as s:
        rec.ns(s)


@program
def ns_does_not_change_variable_scope(tf, rec):
    """name_scope leaves the variable scope alone."""
    with tf.variable_scope("v"):
        with tf.name_scope("n") as s:
            rec.ns(s)
            rec.cur()


@program
def ns_many_siblings(tf, rec):
    """Uniquification counts on: a, a_1, ..., a_11."""
    for _ in range(12):
        with tf.name_scope("a") as s:
            rec.ns(s)


@program
def ns_reentry_of_yielded_then_sibling(tf, rec):
    """Re-entering 'a/' and opening 'b' twice gives a/b, a/b_1."""
    with tf.name_scope("a") as a:
        with tf.name_scope("b") as s:
            rec.ns(s)
    with tf.name_scope(a):
        with tf.name_scope("b") as s:
            rec.ns(s)


@program
def ns_reentry_of_root(tf, rec):
    """name_scope('') inside nested scopes then a name is at the root."""
    with tf.name_scope("x"):
        with tf.name_scope(""):
            with tf.name_scope("x") as s:
                rec.ns(s)
