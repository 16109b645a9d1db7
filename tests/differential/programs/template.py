"""Differential programs: template (see ``common.py`` for how a program is written)."""

from __future__ import annotations

from tests.differential.programs.common import linear_layer, program, topic

# =====================================================================================
topic("template")
# make_template: sharing across calls, scopes, unique names, errors.
# =====================================================================================


@program
def template_shares(tf, rec):
    """Two calls of a template share variables; the second is in name scope lin_1."""
    lin = tf.make_template("lin", linear_layer, tf=tf, rec=rec)
    a = lin()
    b = lin()
    rec.same(a, b)
    rec.coll(tf.global_variables())


@program
def template_two_templates(tf, rec):
    """Two templates with one name get lin and lin_1."""
    t1 = tf.make_template("lin", linear_layer, tf=tf, rec=rec)
    t2 = tf.make_template("lin", linear_layer, tf=tf, rec=rec)
    t1()
    t2()
    t1()
    rec.coll(tf.global_variables())


@program
def template_in_scope(tf, rec):
    """The scope is captured at the first call; later calls elsewhere reuse it."""
    lin = tf.make_template("lin", linear_layer, tf=tf, rec=rec)
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
        lin = tf.make_template("lin", linear_layer, create_scope_now_=True, tf=tf, rec=rec)
    rec.scope(lin.variable_scope)
    lin()
    lin()
    with tf.variable_scope(None, default_name="lin") as s:
        rec.scope(s)


@program
def template_unique_name(tf, rec):
    """unique_name_ overrides the name and is not uniquified."""
    lin = tf.make_template("lin", linear_layer, unique_name_="custom", tf=tf, rec=rec)
    lin()
    lin()
    rec.scope(lin.variable_scope)


@program
def template_unique_name_clash(tf, rec):
    """Two templates with the same unique_name_: the second first call fails."""
    t1 = tf.make_template("lin", linear_layer, unique_name_="u", tf=tf, rec=rec)
    t2 = tf.make_template("lin", linear_layer, unique_name_="u", tf=tf, rec=rec)
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
    t = tf.make_template("t", linear_layer, n=5, tf=tf, rec=rec)
    t()
    t()


@program
def template_name_property(tf, rec):
    """Template.name and variable_scope_name."""
    t = tf.make_template("tmpl", linear_layer, tf=tf, rec=rec)
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
    inner = tf.make_template("inner", linear_layer, tf=tf, rec=rec)

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
    rec.error(lambda: tf.make_template(None, linear_layer))


@program
def template_create_scope_now_in_name_scope(tf, rec):
    """create_scope_now_ opens no name scope at creation."""
    with tf.name_scope("n"):
        t = tf.make_template("lin", linear_layer, create_scope_now_=True, tf=tf, rec=rec)
    with tf.name_scope("lin") as s:
        rec.ns(s)
    t()


@program
def template_reuse_scope_around(tf, rec):
    """A template's first call under an enclosing reuse=True scope."""
    with tf.variable_scope("r"):
        tf.get_variable("x", [1])
    t = tf.make_template("lin", linear_layer, tf=tf, rec=rec)
    with tf.variable_scope("r", reuse=True):
        rec.error(t)
