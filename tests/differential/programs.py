"""Hand-written scope programs, each pinning down one TF1 behaviour.

Every program is ``prog(tf, rec)``: ``tf`` is ``tf.compat.v1`` or ``flaxscope.compat.v1``,
``rec`` a :class:`~tests.differential.harness.Recorder`. Programs only use scope and variable
APIs (no math), so they run unchanged on both. They are grouped by topic; the docstring of
each says what it pins down. ``PROGRAMS`` lists them in definition order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    topic: str
    name: str
    fn: Callable[[Any, Any], Any]

    @property
    def id(self) -> str:
        return f"{self.topic}-{self.name}"


PROGRAMS: list[Case] = []
_topic = "misc"


def topic(name: str) -> None:
    global _topic
    _topic = name


def program(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    PROGRAMS.append(Case(_topic, fn.__name__, fn))
    return fn


def entering(rec: Any, make_cm: Callable[[], Any], body: Callable[[Any], Any] | None = None):
    """Enters ``make_cm()`` (and runs ``body(s)`` inside) under ``rec.error``."""

    def run() -> None:
        with make_cm() as s:
            if body is not None:
                body(s)

    return rec.error(run)


def gv(tf: Any, rec: Any, name: str, shape: Any = None, **kwargs: Any) -> Any:
    """``get_variable`` under ``rec.error``; records the variable when it succeeds."""
    v = rec.error(lambda: tf.get_variable(name, shape, **kwargs))
    if v is not None:
        rec.var(v)
    return v


def var(tf: Any, rec: Any, value: Any, **kwargs: Any) -> Any:
    """``Variable`` under ``rec.error``; records the variable when it succeeds."""
    v = rec.error(lambda: tf.Variable(value, **kwargs))
    if v is not None:
        rec.var(v)
    return v


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


# =====================================================================================
topic("collections")
# global/trainable/local variables, custom collections, order, scope filters.
# =====================================================================================


@program
def coll_creation_order(tf, rec):
    """Collections list variables in creation order; reuse does not add."""
    gv(tf, rec, "b", [1])
    with tf.variable_scope("z"):
        gv(tf, rec, "a", [1])
    var(tf, rec, 1.0, name="c")
    with tf.variable_scope("z", reuse=True):
        gv(tf, rec, "a", [1])
    rec.coll(tf.global_variables())
    rec.coll(tf.trainable_variables())


@program
def coll_trainable_false(tf, rec):
    """trainable=False keeps a variable out of TRAINABLE_VARIABLES."""
    gv(tf, rec, "w", [1])
    gv(tf, rec, "step", [], dtype=tf.int32, trainable=False)
    var(tf, rec, 1.0, name="v", trainable=False)
    rec.coll(tf.global_variables())
    rec.coll(tf.trainable_variables())


@program
def coll_local_variables(tf, rec):
    """collections=[LOCAL_VARIABLES] keeps it out of global_variables."""
    gv(tf, rec, "l", [1], collections=[tf.GraphKeys.LOCAL_VARIABLES], trainable=False)
    gv(tf, rec, "g", [1])
    rec.coll(tf.global_variables())
    rec.coll(tf.local_variables())
    rec.coll(tf.trainable_variables())


@program
def coll_local_trainable(tf, rec):
    """A local variable that is trainable is in TRAINABLE_VARIABLES too."""
    gv(tf, rec, "l", [1], collections=[tf.GraphKeys.LOCAL_VARIABLES])
    rec.coll(tf.local_variables())
    rec.coll(tf.trainable_variables())
    rec.coll(tf.global_variables())


@program
def coll_custom(tf, rec):
    """A custom collection replaces GLOBAL_VARIABLES unless listed."""
    gv(tf, rec, "a", [1], collections=["mine"])
    gv(tf, rec, "b", [1], collections=["mine", tf.GraphKeys.GLOBAL_VARIABLES])
    var(tf, rec, 1.0, name="c", collections=["mine"])
    rec.coll(tf.get_collection("mine"))
    rec.coll(tf.global_variables())
    rec.coll(tf.trainable_variables())


@program
def coll_empty_collections(tf, rec):
    """collections=[] creates a variable in no collection but TRAINABLE."""
    gv(tf, rec, "a", [1], collections=[])
    gv(tf, rec, "b", [1], collections=[], trainable=False)
    rec.coll(tf.global_variables())
    rec.coll(tf.trainable_variables())


@program
def coll_scope_filter(tf, rec):
    """scope= filters by re.match on the name: a matches a/, ab/ and a_1/."""
    with tf.variable_scope("a"):
        gv(tf, rec, "w", [1])
    with tf.variable_scope("ab"):
        gv(tf, rec, "w", [1])
    with tf.variable_scope("b"):
        with tf.variable_scope("a"):
            gv(tf, rec, "w", [1])
    with tf.name_scope("a"):
        var(tf, rec, 1.0, name="v")
    rec.coll(tf.global_variables("a"))
    rec.coll(tf.global_variables("a/"))
    rec.coll(tf.trainable_variables(".*a/"))
    rec.coll(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="b"))


@program
def coll_add_to_collection(tf, rec):
    """add_to_collection appends, in order, duplicates allowed."""
    w = gv(tf, rec, "w", [1])
    v = gv(tf, rec, "v", [1])
    tf.add_to_collection("c", v)
    tf.add_to_collection("c", w)
    tf.add_to_collection("c", v)
    rec.coll(tf.get_collection("c"))
    rec.coll(tf.get_collection("c", scope="w"))


@program
def coll_plain_items(tf, rec):
    """Collections hold any value; a scope filter drops items without a name."""
    tf.add_to_collection("c", "hello")
    tf.add_to_collection("c", 3)
    w = gv(tf, rec, "w", [1])
    tf.add_to_collection("c", w)
    rec.coll(tf.get_collection("c"))
    rec.coll(tf.get_collection("c", scope="w"))
    rec.coll(tf.get_collection("missing"))


@program
def coll_get_collection_copy(tf, rec):
    """get_collection returns a copy."""
    gv(tf, rec, "w", [1])
    got = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
    got.append("extra")
    rec.coll(tf.global_variables())


@program
def coll_variable_scope_methods(tf, rec):
    """VariableScope.global_variables()/trainable_variables() filter by its name."""
    with tf.variable_scope("a") as a:
        gv(tf, rec, "w", [1])
        gv(tf, rec, "s", [1], trainable=False)
    with tf.variable_scope("ab"):
        gv(tf, rec, "w", [1])
    rec.coll(a.global_variables())
    rec.coll(a.trainable_variables())
    rec.coll(tf.get_variable_scope().global_variables())


@program
def coll_failed_creation_not_listed(tf, rec):
    """Errors add nothing to collections."""
    gv(tf, rec, "w", [1])
    gv(tf, rec, "w", [1])
    gv(tf, rec, "x")
    rec.coll(tf.global_variables())


@program
def coll_graphkeys_values(tf, rec):
    """GraphKeys are TF's strings."""
    rec.log(
        tf.GraphKeys.GLOBAL_VARIABLES,
        tf.GraphKeys.TRAINABLE_VARIABLES,
        tf.GraphKeys.LOCAL_VARIABLES,
        tf.GraphKeys.MODEL_VARIABLES,
        tf.GraphKeys.REGULARIZATION_LOSSES,
        tf.GraphKeys.UPDATE_OPS,
    )


@program
def coll_model_variables(tf, rec):
    """MODEL_VARIABLES is a plain collection name."""
    gv(tf, rec, "m", [1], collections=[tf.GraphKeys.MODEL_VARIABLES, "variables"])
    rec.coll(tf.get_collection(tf.GraphKeys.MODEL_VARIABLES))
    rec.coll(tf.global_variables())


@program
def coll_tutorial_full_listing(tf, rec):
    """The tutorial's variables listed: tf.Variable and get_variable interleaved."""
    with tf.name_scope("conv1"):
        tf.Variable([1.0, 2.0], name="weights")
    with tf.variable_scope("v_scope"):
        tf.get_variable("Weights", shape=[2, 3])
        tf.Variable([0.52], name="bias")
    with tf.variable_scope("v_scope", reuse=True):
        tf.get_variable("Weights")
        tf.Variable([0.52], name="bias")
    rec.coll(tf.global_variables())
    rec.coll(tf.global_variables("v_scope"))


# =====================================================================================
topic("template")
# make_template: sharing across calls, scopes, unique names, errors.
# =====================================================================================


def _linear(tf, rec, n=2):
    w = tf.get_variable("w", [n], initializer=tf.ones_initializer())
    b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
    rec.var(w)
    rec.var(b)
    rec.cur()
    with tf.name_scope("inner") as s:
        rec.ns(s)
    return w


@program
def template_shares(tf, rec):
    """Two calls of a template share variables; the second is in name scope lin_1."""
    lin = tf.make_template("lin", _linear, tf=tf, rec=rec)
    a = lin()
    b = lin()
    rec.same(a, b)
    rec.coll(tf.global_variables())


@program
def template_two_templates(tf, rec):
    """Two templates with one name get lin and lin_1."""
    t1 = tf.make_template("lin", _linear, tf=tf, rec=rec)
    t2 = tf.make_template("lin", _linear, tf=tf, rec=rec)
    t1()
    t2()
    t1()
    rec.coll(tf.global_variables())


@program
def template_in_scope(tf, rec):
    """The scope is captured at the first call; later calls elsewhere reuse it."""
    lin = tf.make_template("lin", _linear, tf=tf, rec=rec)
    with tf.variable_scope("outer"):
        lin()
    lin()
    with tf.variable_scope("other"):
        lin()
    rec.scope(lin.variable_scope)


@program
def template_create_scope_now(tf, rec):
    """create_scope_now_=True captures the scope at make_template time."""
    with tf.variable_scope("outer"):
        lin = tf.make_template("lin", _linear, create_scope_now_=True, tf=tf, rec=rec)
    rec.scope(lin.variable_scope)
    lin()
    lin()
    with tf.variable_scope(None, default_name="lin") as s:
        rec.scope(s)


@program
def template_unique_name(tf, rec):
    """unique_name_ overrides the name and is not uniquified."""
    lin = tf.make_template("lin", _linear, unique_name_="custom", tf=tf, rec=rec)
    lin()
    lin()
    rec.scope(lin.variable_scope)


@program
def template_unique_name_clash(tf, rec):
    """Two templates with the same unique_name_: the second first call fails."""
    t1 = tf.make_template("lin", _linear, unique_name_="u", tf=tf, rec=rec)
    t2 = tf.make_template("lin", _linear, unique_name_="u", tf=tf, rec=rec)
    t1()
    rec.error(lambda: t2())


@program
def template_variable_on_second_call(tf, rec):
    """A trainable tf.Variable created on a later call is an error."""

    def fn():
        rec.var(tf.Variable(1.0, name="v"))

    t = tf.make_template("t", fn)
    rec.error(t)
    rec.error(t)


@program
def template_kwargs(tf, rec):
    """Keyword arguments of make_template are passed to the function."""
    t = tf.make_template("t", _linear, n=5, tf=tf, rec=rec)
    t()
    t()


@program
def template_name_property(tf, rec):
    """Template.name and variable_scope_name."""
    t = tf.make_template("tmpl", _linear, tf=tf, rec=rec)
    rec.log(t.name)
    t()
    rec.log(t.name, t.variable_scope_name, t.variable_scope.name)


@program
def template_variables_property(tf, rec):
    """Template.trainable_variables / global_variables list its variables."""

    def fn():
        tf.get_variable("w", [1])
        tf.get_variable("s", [1], trainable=False)

    t = tf.make_template("t", fn)
    rec.coll(t.trainable_variables)
    t()
    with tf.variable_scope("tt"):
        tf.get_variable("w", [1])
    rec.coll(t.trainable_variables)
    rec.coll(t.global_variables)


@program
def template_error_on_first_call_retries(tf, rec):
    """An error on the first call leaves the template uncalled; a retry creates."""

    def fn(shape):
        return rec.var(tf.get_variable("w", shape))

    t = tf.make_template("t", fn)
    rec.error(lambda: t(None))
    rec.error(lambda: t([2]))
    rec.error(lambda: t([2]))
    rec.error(lambda: t([3]))


@program
def template_nested(tf, rec):
    """A template called inside another template."""
    inner = tf.make_template("inner", _linear, tf=tf, rec=rec)

    def outer_fn():
        inner()
        return rec.var(tf.get_variable("v", [1]))

    outer = tf.make_template("outer", outer_fn)
    outer()
    outer()
    rec.coll(tf.global_variables())


@program
def template_with_variable_scope_inside(tf, rec):
    """variable_scope inside a template function nests under the template scope."""

    def fn():
        with tf.variable_scope("layer") as s:
            rec.scope(s)
            return rec.var(tf.get_variable("w", [1]))

    t = tf.make_template("net", fn)
    t()
    t()


@program
def template_default_name_inside(tf, rec):
    """default_name scopes inside a template repeat their names on each call."""

    def fn():
        with tf.variable_scope(None, default_name="dense") as s:
            rec.scope(s)
            rec.var(tf.get_variable("w", [1]))

    t = tf.make_template("net", fn)
    t()
    t()


@program
def template_name_none(tf, rec):
    """make_template with name None is an error."""
    rec.error(lambda: tf.make_template(None, _linear))


@program
def template_create_scope_now_in_name_scope(tf, rec):
    """create_scope_now_ opens no name scope at creation."""
    with tf.name_scope("n"):
        t = tf.make_template("lin", _linear, create_scope_now_=True, tf=tf, rec=rec)
    with tf.name_scope("lin") as s:
        rec.ns(s)
    t()


@program
def template_reuse_scope_around(tf, rec):
    """A template's first call under an enclosing reuse=True scope."""
    with tf.variable_scope("r"):
        tf.get_variable("x", [1])
    t = tf.make_template("lin", _linear, tf=tf, rec=rec)
    with tf.variable_scope("r", reuse=True):
        rec.error(t)


# =====================================================================================
topic("custom_getter")
# custom_getter on variable_scope and get_variable.
# =====================================================================================


def _renaming_getter(rec, suffix):
    def getter(getter, name, *args, **kwargs):
        rec.log("getter", suffix, name)
        return getter(name + suffix, *args, **kwargs)

    return getter


@program
def getter_renames(tf, rec):
    """A scope custom getter can rename variables."""
    with tf.variable_scope("a", custom_getter=_renaming_getter(rec, "_x")):
        gv(tf, rec, "w", [1])
        gv(tf, rec, "w", [1])


@program
def getter_nested_compose(tf, rec):
    """Nested scope getters compose: the inner is called first."""
    with tf.variable_scope("a", custom_getter=_renaming_getter(rec, "_outer")):
        with tf.variable_scope("b", custom_getter=_renaming_getter(rec, "_inner")):
            gv(tf, rec, "w", [1])


@program
def getter_inherited(tf, rec):
    """Sub-scopes inherit the getter; object re-entry keeps it."""
    with tf.variable_scope("a", custom_getter=_renaming_getter(rec, "_g")) as a:
        with tf.variable_scope("b"):
            gv(tf, rec, "w", [1])
    with tf.variable_scope(a):
        gv(tf, rec, "v", [1])
    with tf.variable_scope("a"):
        gv(tf, rec, "u", [1])


@program
def getter_per_call_replaces_scope(tf, rec):
    """A get_variable custom_getter replaces the scope's (it does not compose)."""
    with tf.variable_scope("a", custom_getter=_renaming_getter(rec, "_scope")):
        gv(tf, rec, "w", [1], custom_getter=_renaming_getter(rec, "_call"))


@program
def getter_sees_arguments(tf, rec):
    """The getter receives shape, dtype and the scope's reuse."""

    def getter(getter, name, *args, **kwargs):
        shape = kwargs["shape"]
        reuse = kwargs["reuse"]
        rec.log(
            name,
            list(shape) if shape is not None else None,
            kwargs["dtype"].name,
            "AUTO_REUSE" if reuse is tf.AUTO_REUSE else repr(reuse),
        )
        return getter(name, *args, **kwargs)

    with tf.variable_scope("a", custom_getter=getter):
        gv(tf, rec, "w", [2, 3])
        gv(tf, rec, "i", [1], dtype=tf.int32)
    with tf.variable_scope("a", reuse=True):
        gv(tf, rec, "w")
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE, custom_getter=getter):
        gv(tf, rec, "w")


@program
def getter_aliasing(tf, rec):
    """A getter can map two names to one variable under AUTO_REUSE."""

    def getter(getter, name, *args, **kwargs):
        return getter(name.replace("w2", "w1"), *args, **kwargs)

    with tf.variable_scope("a", custom_getter=getter, reuse=tf.AUTO_REUSE):
        w1 = gv(tf, rec, "w1", [1])
        w2 = gv(tf, rec, "w2", [1])
    rec.same(w1, w2)


@program
def getter_not_callable(tf, rec):
    """A non-callable custom_getter on get_variable is a ValueError."""
    gv(tf, rec, "w", [1], custom_getter=3)


@program
def getter_trainable_override(tf, rec):
    """A getter can change keyword arguments (trainable=False)."""

    def getter(getter, name, *args, **kwargs):
        kwargs["trainable"] = False
        return getter(name, *args, **kwargs)

    with tf.variable_scope("a", custom_getter=getter):
        gv(tf, rec, "w", [1])
    rec.coll(tf.trainable_variables())
    rec.coll(tf.global_variables())


@program
def getter_in_template(tf, rec):
    """make_template's custom_getter_."""
    t = tf.make_template("t", _linear, custom_getter_=_renaming_getter(rec, "_t"), tf=tf, rec=rec)
    t()
    t()


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
    t = tf.make_template("t", _linear, tf=tf, rec=rec)
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
    t = tf.make_template("t", _linear, tf=tf, rec=rec)
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
    t1 = tf.make_template("m", _linear, create_scope_now_=True, tf=tf, rec=rec)
    t2 = tf.make_template("m", _linear, tf=tf, rec=rec)
    t2()
    t1()
    rec.scope(t1.variable_scope)
    rec.scope(t2.variable_scope)


# =====================================================================================
# Programs that need 64-bit types: JAX has them only with jax_enable_x64 (they are run
# only then; under the default 32-bit mode JAX truncates float64 to float32).
# =====================================================================================

X64_PROGRAMS: list[Case] = []


def x64_program(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    X64_PROGRAMS.append(Case("x64", fn.__name__, fn))
    return fn


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
