"""The tutorial flaxscope began from, ported: name_scope vs variable_scope.

Ports "TensorFlow入门(四) name / variable_scope 的使用" (huangyongye, 2017), whose author
met ``ValueError: Variable rnn/basic_lstm_cell/weights already exists, disallowed.`` when
re-running an LSTM cell in a Jupyter notebook. Every TF1 line keeps its spelling; only
``import tensorflow as tf`` became ``import flaxscope.compat.v1 as tf`` and ``v.name``
became ``fs.name_of(v)`` (variables are plain JAX arrays here). The session/``ConfigProto``
lines have no counterpart: JAX needs no session (see docs/migration.md for GPU memory).

Run: python examples/seed_tutorial.py
"""

from __future__ import annotations

import argparse

import jax

import flaxscope as fs
import flaxscope.compat.v1 as tf


def name_scope_section() -> None:
    """1. tf.name_scope with tf.Variable: names are prefixed, and made unique on re-entry."""
    with tf.name_scope("conv1"):
        weights1 = tf.Variable([1.0, 2.0], name="weights")
        tf.Variable([0.3], name="bias")
    with tf.name_scope("conv2"):
        weights2 = tf.Variable([4.0, 2.0], name="weights")
        tf.Variable([0.33], name="bias")
    print(fs.name_of(weights1))
    print(fs.name_of(weights2))

    # Running the same code again opens new name scopes: conv1_1, conv2_1.
    with tf.name_scope("conv1"):
        weights1 = tf.Variable([1.0, 2.0], name="weights")
        tf.Variable([0.3], name="bias")
    with tf.name_scope("conv2"):
        weights2 = tf.Variable([4.0, 2.0], name="weights")
        tf.Variable([0.33], name="bias")
    print(fs.name_of(weights1))
    print(fs.name_of(weights2))


def variable_scope_section() -> None:
    """2. tf.variable_scope with tf.get_variable: the name identifies the variable."""
    with tf.variable_scope("v_scope"):
        Weights1 = tf.get_variable("Weights", shape=[2, 3])  # noqa: N806  (tutorial's names)
        tf.get_variable("bias", shape=[3])
    # Share the variable defined above: with reuse=True it must already exist.
    with tf.variable_scope("v_scope", reuse=True):
        Weights2 = tf.get_variable("Weights")  # noqa: N806
    print(fs.name_of(Weights1))
    print(fs.name_of(Weights2))
    print("same object:", Weights1 is Weights2)


def variable_with_get_variable() -> None:
    """tf.Variable in a variable_scope takes the *name* scope, which was made unique."""
    with tf.variable_scope("v_scope"):
        Weights1 = tf.get_variable("Weights", shape=[2, 3])  # noqa: N806
    with tf.variable_scope("v_scope", reuse=True):
        Weights2 = tf.get_variable("Weights")  # noqa: N806
        bias2 = tf.Variable([0.52], name="bias")
    print(fs.name_of(Weights1))
    print(fs.name_of(Weights2))
    print(fs.name_of(bias2))


def reuse_missing_variable() -> None:
    """reuse=True for a variable tf.get_variable never made: TF1's error."""
    with tf.variable_scope("v_scope"):
        Weights1 = tf.get_variable("Weights", shape=[2, 3])  # noqa: N806
        bias1 = tf.Variable([0.52], name="bias")
    print(fs.name_of(Weights1))
    print(fs.name_of(bias1))
    with tf.variable_scope("v_scope", reuse=True):
        Weights2 = tf.get_variable("Weights")  # noqa: N806
        print(fs.name_of(Weights2))
        bias2 = tf.get_variable("bias", [1])  # raises: bias was made with tf.Variable
        print(fs.name_of(bias2))


def lstm_cell_once() -> None:
    """What the notebook cell did: create an LSTM cell's weights (names as in the error)."""
    with tf.variable_scope("rnn"):
        with tf.variable_scope("basic_lstm_cell"):
            tf.get_variable("weights", shape=[8, 16])
            tf.get_variable("biases", shape=[16], initializer=tf.zeros_initializer())


def main() -> None:
    print("== 1. name_scope + Variable ==")
    name_scope_section()

    print("== 2. variable_scope + get_variable ==")
    fs.reset_default_graph()
    variable_scope_section()

    print("== 2b. Variable inside a reused variable_scope ==")
    fs.reset_default_graph()
    variable_with_get_variable()

    print("== 2c. reuse=True for a variable that get_variable never created ==")
    fs.reset_default_graph()
    try:
        reuse_missing_variable()
    except ValueError as e:
        print(f"ValueError: {e}")

    print("== 3. the notebook error: running the LSTM cell twice ==")
    fs.reset_default_graph()
    lstm_cell_once()  # first run of the cell: fine
    try:
        lstm_cell_once()  # re-running the cell in the same (default) graph
    except ValueError as e:
        print(f"ValueError: {e}")

    print("== 3b. the fix: build inside flaxscope.transform (a fresh graph every call) ==")
    model = fs.transform(lstm_cell_once)
    variables = model.init(jax.random.key(0))
    variables = model.init(jax.random.key(0))  # "re-running the cell": no error
    model.apply(variables)
    for name, value in sorted(variables["params"].items()):
        print(f"{name}: shape {tuple(value.shape)}")


if __name__ == "__main__":
    argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="It takes no options: it prints each section's variable names and errors.",
    ).parse_args()
    main()
