"""Differential programs: collections (see ``common.py`` for how a program is written)."""

from __future__ import annotations

from tests.differential.programs.common import gv, program, topic, var

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
