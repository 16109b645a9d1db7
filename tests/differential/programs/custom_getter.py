"""Differential programs: custom_getter (see ``common.py`` for how a program is written)."""

from __future__ import annotations

from tests.differential.programs.common import gv, linear_layer, program, renaming_getter, topic

# =====================================================================================
topic("custom_getter")
# custom_getter on variable_scope and get_variable.
# =====================================================================================


@program
def getter_renames(tf, rec):
    """A scope custom getter can rename variables."""
    with tf.variable_scope("a", custom_getter=renaming_getter(rec, "_x")):
        gv(tf, rec, "w", [1])
        gv(tf, rec, "w", [1])


@program
def getter_nested_compose(tf, rec):
    """Nested scope getters compose: the inner is called first."""
    with tf.variable_scope("a", custom_getter=renaming_getter(rec, "_outer")):
        with tf.variable_scope("b", custom_getter=renaming_getter(rec, "_inner")):
            gv(tf, rec, "w", [1])


@program
def getter_inherited(tf, rec):
    """Sub-scopes inherit the getter; object re-entry keeps it."""
    with tf.variable_scope("a", custom_getter=renaming_getter(rec, "_g")) as a:
        with tf.variable_scope("b"):
            gv(tf, rec, "w", [1])
    with tf.variable_scope(a):
        gv(tf, rec, "v", [1])
    with tf.variable_scope("a"):
        gv(tf, rec, "u", [1])


@program
def getter_per_call_replaces_scope(tf, rec):
    """A get_variable custom_getter replaces the scope's (it does not compose)."""
    with tf.variable_scope("a", custom_getter=renaming_getter(rec, "_scope")):
        gv(tf, rec, "w", [1], custom_getter=renaming_getter(rec, "_call"))


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
    t = tf.make_template(
        "t", linear_layer, custom_getter_=renaming_getter(rec, "_t"), tf=tf, rec=rec
    )
    t()
    t()
