"""Hardening (issue 12), correctness: shapes, root names, variables_exist under jit.

Each grid runs the same calls on TF1 (the oracle) and on flaxscope and compares the
outcome: the name and shape made, or the exception's class and exact text.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs


def _outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001  (the class and text are what is compared)
        return (type(e).__name__, str(e))


# --- shapes ---------------------------------------------------------------------------

SHAPES = [
    [2.5, 3],
    (2.5,),
    2.5,
    [True, 3],
    (True, 3),
    [3, False],
    True,
    [True, 2.5],
    [True, -1],
    [None, 2.5],
    "abc",
    "3",
    [[1]],
    [np.float32(2), 3],
    [np.array(2), 3],
    [np.int64(2), 3],
    3,
]


def _fs_shape(shape):
    fs.reset_default_graph()
    return tuple(fs.variable_record(fs.get_variable("w", shape)).shape)


def test_get_variable_shape_types_match_tf1(tf1):
    ours = [_outcome(lambda s=s: _fs_shape(s)) for s in SHAPES]
    theirs = []
    for s in SHAPES:
        with tf1.Graph().as_default():
            theirs.append(_outcome(lambda s=s: tuple(tf1.get_variable("w", s).shape.as_list())))
    for shape, a, b in zip(SHAPES, ours, theirs, strict=True):
        assert a == b, shape
    # The cases of the issue, spelled out: TypeError, never a (2, 3) or (1, 3) variable.
    assert ours[0][0] == "TypeError" and ours[3][0] == "TypeError" and ours[10][0] == "TypeError"


def test_variable_shape_argument_is_checked_too(tf1):
    with pytest.raises(TypeError, match="Dimension value must be integer"):
        fs.Variable(np.zeros([2], np.float32), shape=[2.5])


# --- names that TF1's graph refuses at the root --------------------------------------


def _root_name_cases(tf, name_of):
    def under(scope_kw, make):
        def run():
            with tf.variable_scope(**scope_kw):
                return name_of(make())

        return run

    return [
        under({"name_or_scope": "_u"}, lambda: tf.get_variable("b", [1])),
        under({"name_or_scope": "_u"}, lambda: tf.Variable(1.0, name="b")),
        under(
            {"name_or_scope": "_u", "auxiliary_name_scope": False},
            lambda: tf.get_variable("b", [1]),
        ),
        under(
            {"name_or_scope": "_u", "auxiliary_name_scope": False},
            lambda: tf.Variable(1.0, name="b"),
        ),
        under({"name_or_scope": "a"}, lambda: tf.get_variable("_b", [1])),
        lambda: name_of(tf.get_variable("_b", [1])),
        lambda: name_of(tf.Variable(1.0, name="_b")),
        lambda: name_of(tf.get_variable("u/_b", [1])),
        lambda: name_of(tf.get_variable("_u/b", [1], dtype=tf.int32)),
        lambda: name_of(tf.get_variable("-b", [1])),
    ]


def _nested_cases(tf, name_of):
    def ns_then_vs(make):
        def run():
            with tf.name_scope("a"), tf.variable_scope("_u"):
                return name_of(make())

        return run

    return [
        ns_then_vs(lambda: tf.get_variable("b", [1])),
        ns_then_vs(lambda: tf.Variable(1.0, name="b")),
        ns_then_vs(lambda: tf.get_variable("b", initializer=[1.0])),
    ]


def test_underscore_root_names_match_tf1(tf1):
    import flaxscope.compat.v1 as tf

    theirs = []
    for i in range(13):
        with tf1.Graph().as_default():
            cases = _root_name_cases(tf1, lambda v: v.name) + _nested_cases(tf1, lambda v: v.name)
            theirs.append(_outcome(cases[i]))

    ours = []
    for i in range(13):
        fs.reset_default_graph()
        cases = _root_name_cases(tf, fs.name_of) + _nested_cases(tf, fs.name_of)
        ours.append(_outcome(cases[i]))
        # The same inside transform (each init is a fresh graph).
        inside = []
        fs.transform(
            lambda i=i, inside=inside: inside.append(
                _outcome((_root_name_cases(tf, fs.name_of) + _nested_cases(tf, fs.name_of))[i])
            )
        ).init(jax.random.key(0))
        assert inside[0] == ours[-1]
    assert ours == theirs
    # A variable whose full name starts with "_" at the root is never created.
    assert ours[0][0] == "ValueError" and "not a valid root scope name" in ours[0][1]


# --- variables_exist under jit -------------------------------------------------------


def test_variables_exist_apply_jits_with_a_scalar_step_in_state():
    def train():
        fs.train.get_or_create_global_step()
        with fs.variable_scope("m"):
            return fs.get_variable("w", [2])

    variables = fs.transform(train).init(jax.random.key(0))
    assert "global_step" in variables["state"]

    def evaluate():
        with fs.variable_scope("m", reuse=True):
            return fs.get_variable("w") * 2.0, fs.train.get_global_step()

    model = fs.transform(evaluate, variables_exist=True)
    out, step = jax.jit(model.apply)(variables)
    np.testing.assert_allclose(out, variables["params"]["m/w"] * 2.0)
    assert int(step) == 0 and step.dtype == jnp.int32
    # Also a Python scalar in the tree, and the same under grad.
    tree = {"params": variables["params"], "state": {"global_step": 3}}
    assert int(model.apply(tree)[1]) == 3
    grads = jax.grad(lambda p: model.apply({"params": p, "state": tree["state"]})[0].sum())(
        tree["params"]
    )
    np.testing.assert_allclose(grads["m/w"], [2.0, 2.0])
