"""Array ops against TF1 graph mode: the names an op takes in the graph (a later
``tf.Variable`` of that name is uniquified the same way) and the errors of bad calls
(TF's type and message, as TF raises them while building the graph)."""

from __future__ import annotations

import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as fst

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
I = np.arange(6, dtype=np.int32).reshape(2, 3)  # noqa: E741
B = I % 2 == 0

NAMED = {
    "reshape": lambda tf, x, i, b: tf.reshape(x, [6, 4]),
    "concat": lambda tf, x, i, b: tf.concat([x, x], 1),
    "split": lambda tf, x, i, b: tf.split(x, 3, 1),
    "stack": lambda tf, x, i, b: tf.stack([x, x]),
    "unstack": lambda tf, x, i, b: tf.unstack(x),
    "transpose": lambda tf, x, i, b: tf.transpose(x),
    "expand_dims": lambda tf, x, i, b: tf.expand_dims(x, 0),
    "squeeze": lambda tf, x, i, b: tf.squeeze(tf.expand_dims(x, 0)),
    "gather": lambda tf, x, i, b: tf.gather(x, i),
    "gather_nd": lambda tf, x, i, b: tf.gather_nd(x, [[0, 1], [1, 2]]),
    "slice": lambda tf, x, i, b: tf.slice(x, [0, 0, 0], [1, -1, 2]),
    "tile": lambda tf, x, i, b: tf.tile(x, [1, 2, 1]),
    "pad": lambda tf, x, i, b: tf.pad(x, [[0, 0], [1, 1], [0, 0]]),
    "fill": lambda tf, x, i, b: tf.fill([2, 3], 1.0),
    "zeros": lambda tf, x, i, b: tf.zeros([2, 3]),
    "ones_like": lambda tf, x, i, b: tf.ones_like(x),
    "constant": lambda tf, x, i, b: tf.constant([1, 2]),
    "identity": lambda tf, x, i, b: tf.identity(x),
    "one_hot": lambda tf, x, i, b: tf.one_hot(i, 3),
    "where3": lambda tf, x, i, b: tf.where(b, i, i),
    "where_v2": lambda tf, x, i, b: tf.where_v2(b, i, 0),
    "reverse": lambda tf, x, i, b: tf.reverse(x, [1]),
    "range": lambda tf, x, i, b: tf.range(3),
    "sequence_mask": lambda tf, x, i, b: tf.sequence_mask([1, 2], 3),
    "shape": lambda tf, x, i, b: tf.shape(x),
    "size": lambda tf, x, i, b: tf.size(x),
    "broadcast_to": lambda tf, x, i, b: tf.broadcast_to(i, [4, 2, 3]),
    "stop_gradient": lambda tf, x, i, b: tf.stop_gradient(x),
    "sort": lambda tf, x, i, b: tf.sort(x),
    "named": lambda tf, x, i, b: tf.reshape(x, [-1], name="flat"),
    "named twice": lambda tf, x, i, b: [tf.concat([x, x], 0, name="c"), tf.identity(x, name="c")],
    "in a scope": lambda tf, x, i, b: _in_scope(tf, lambda: [tf.transpose(x), tf.zeros([1])]),
    "where 1-arg": lambda tf, x, i, b: tf.where([True, False]),
    "no_op": lambda tf, x, i, b: tf.no_op(),
}


def _in_scope(tf, build):
    with tf.name_scope("outer"):
        build()
    with tf.name_scope("outer"):  # TF1: "outer_1"
        return build()


def _tf1_names(tf1, fn):
    """The top-level names ``fn``'s ops take in a TF1 graph, and the names that
    ``tf.Variable`` then gives to variables asked to take each of them."""
    graph = tf1.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf1.float32, X.shape, name="in_x")
        i = tf1.placeholder(tf1.int32, I.shape, name="in_i")
        b = tf1.placeholder(tf1.bool, B.shape, name="in_b")
        fn(tf1, x, i, b)
        taken = []
        for op in graph.get_operations():
            top = op.name.split("/")[0]
            if not top.startswith("in_") and top not in taken:
                taken.append(top)
        return taken, [tf1.Variable(0.0, name=n).name for n in taken]


def _flaxscope_names(fn, taken):
    fs.reset_default_graph()
    fn(fst, X, I, B)
    return [fs.name_of(fst.Variable(0.0, name=n)) for n in taken]


def test_op_names_take_their_place_in_the_graph_as_in_tf1(tf1):
    mismatches = []
    for label, fn in NAMED.items():
        taken, expected = _tf1_names(tf1, fn)
        got = _flaxscope_names(fn, taken)
        if got != expected:
            mismatches.append(f"{label}: took {taken}; variables {got}, TF1 {expected}")
    assert not mismatches, "\n".join(mismatches)


BAD = {
    "reshape size": lambda tf, x, i, b: tf.reshape(x, [5, 4]),
    "reshape -1": lambda tf, x, i, b: tf.reshape(x, [5, -1]),
    "concat rank": lambda tf, x, i, b: tf.concat([x, x[0]], 1),
    "concat dim": lambda tf, x, i, b: tf.concat([x, x[:, :2]], 0),
    "concat dtypes": lambda tf, x, i, b: tf.concat([i, x[0]], 0),
    "split not divisible": lambda tf, x, i, b: tf.split(x, 2, 1),
    "split sizes": lambda tf, x, i, b: tf.split(x, [1, 1], 1),
    "stack shapes": lambda tf, x, i, b: tf.stack([x, x[:, :2]]),
    "stack dtypes": lambda tf, x, i, b: tf.stack([i, x[0]]),
    "unstack num": lambda tf, x, i, b: tf.unstack(x, num=3),
    "transpose perm": lambda tf, x, i, b: tf.transpose(x, [0, 1]),
    "expand_dims axis": lambda tf, x, i, b: tf.expand_dims(x, 5),
    "expand_dims both": lambda tf, x, i, b: tf.expand_dims(x, 0, dim=0),
    "squeeze not 1": lambda tf, x, i, b: tf.squeeze(x, [1]),
    "squeeze both": lambda tf, x, i, b: tf.squeeze(x, [1], squeeze_dims=[1]),
    "gather axis": lambda tf, x, i, b: tf.gather(x, [0], axis=3),
    "tile multiples": lambda tf, x, i, b: tf.tile(x, [1, 2]),
    "pad mode": lambda tf, x, i, b: tf.pad(x, [[0, 0], [1, 1], [0, 0]], "FOO"),
    "one_hot float": lambda tf, x, i, b: tf.one_hot(x, 3),
    "where rank": lambda tf, x, i, b: tf.where(b, x, x),
    "where x only": lambda tf, x, i, b: tf.where(b, i),
    "where x y shapes": lambda tf, x, i, b: tf.where(b, i, i[:, :2]),
    "broadcast_to": lambda tf, x, i, b: tf.broadcast_to(i, [4, 2, 2]),
    "constant too many": lambda tf, x, i, b: tf.constant([1, 2, 3], shape=[2]),
    "ensure_shape": lambda tf, x, i, b: tf.ensure_shape(x, [2, 3, 5]),
    "sort direction": lambda tf, x, i, b: tf.sort(x, direction="UP"),
    "convert dtype": lambda tf, x, i, b: tf.convert_to_tensor(i, dtype=tf.float32),
}


def _head(message: str) -> str:
    """TF's message without the node description it appends while building a graph."""
    return message.split(" for '{{node")[0].split("\n")[0].rstrip(".")


@pytest.mark.parametrize("label", list(BAD))
def test_bad_calls_raise_tf1s_error(tf1, label):
    fn = BAD[label]
    graph = tf1.Graph()
    with graph.as_default():
        x = tf1.placeholder(tf1.float32, X.shape)
        i = tf1.placeholder(tf1.int32, I.shape)
        b = tf1.placeholder(tf1.bool, B.shape)
        with pytest.raises((ValueError, TypeError)) as expected:
            fn(tf1, x, i, b)
    with pytest.raises(expected.type) as got:
        fn(fst, X, I, B)
    want = _head(str(expected.value))
    if label == "convert dtype":  # TF prints its own tensor after the colon
        want = want.split(":")[0]
    assert want in str(got.value)


def test_every_registered_array_op_is_compared_with_tf1():
    """Each tf path of the array family is called somewhere in the differential tests."""
    from pathlib import Path

    from flaxscope.ops import registry

    here = Path(__file__).parent
    sources = "".join(
        p.read_text(encoding="utf-8")
        for p in [
            *here.glob("test_ops_array*.py"),
            here / "test_ops_patches.py",
            here.parent / "compat" / "test_compat_tensor_shape.py",
        ]
    )
    untested = [
        path
        for path, spec in registry().items()
        if spec.family == "array" and f".{path}(" not in sources and f'"{path}"' not in sources
    ]
    assert not untested, f"array ops without a TF1 comparison: {untested}"


@pytest.mark.parametrize(
    "mode, widths", [("REFLECT", [[0, 0], [3, 0]]), ("SYMMETRIC", [[4, 0], [0, 0]])]
)
def test_mirror_padding_wider_than_the_input_is_refused_as_in_tf1(tf1, mode, widths):
    """TF checks this when the graph runs (InvalidArgumentError); flaxscope when it traces."""
    value = np.ones((3, 3), np.float32)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        with pytest.raises(tf1.errors.InvalidArgumentError) as expected:
            sess.run(tf1.pad(value, widths, mode))
    with pytest.raises(fst.errors.InvalidArgumentError) as got:
        fst.pad(value, widths, mode)
    assert str(got.value) in expected.value.message
    assert fst.pad(value, (np.array(widths) > 0) * 2, mode).shape in ((5, 3), (3, 5))
