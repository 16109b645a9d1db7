"""flaxscope.nest against TensorFlow's nest: results (type and repr, so key order and
container types count), and the class and text of every error.

The oracle is ``tf.compat.v1.nest`` for the five functions it exports and TensorFlow's
``tensorflow.python.util.nest`` (TF1's ``tf.contrib.framework.nest``) for the rest."""

from __future__ import annotations

import collections
import inspect
from collections.abc import Mapping

import jax.numpy as jnp
import numpy as np
import pytest

from flaxscope import nest

NT = collections.namedtuple("NT", "b a")
NTSame = collections.namedtuple("NT", "b a")  # another class, same name and fields
NTSwapped = collections.namedtuple("NT", "a b")
Pair = collections.namedtuple("Pair", "x y")


class SubNT(NT):
    pass


class MyList(list):
    pass


class Frozen(Mapping):
    """A read-only Mapping, built from (key, value) pairs."""

    def __init__(self, *args, **kwargs):
        self._data = dict(*args, **kwargs)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __repr__(self):
        return f"Frozen({self._data})"


class _Field:
    def __init__(self, name):
        self.name = name


class AttrsLike:
    """What nest looks for in an attrs class: ``__attrs_attrs__`` naming the fields."""

    __attrs_attrs__ = (_Field("y"), _Field("x"))

    def __init__(self, y, x):
        self.y, self.x = y, x

    def __repr__(self):
        return f"AttrsLike(y={self.y!r}, x={self.x!r})"


@pytest.fixture(scope="module")
def oracle(tf1):
    from tensorflow.python.util import nest as tf_nest

    def get(name):
        return getattr(tf1.nest, name, None) or getattr(tf_nest, name)

    return get


def outcome(fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - the error is the result compared
        return type(err), str(err)
    return type(result), repr(result)


def check(oracle, name, *args, **kwargs):
    ours = outcome(getattr(nest, name), *args, **kwargs)
    theirs = outcome(oracle(name), *args, **kwargs)
    assert ours == theirs
    return ours


STRUCTURES = {
    "dict_unsorted": {"b": 1, "a": [2, (3, None)], "c": {}},
    "dict_nested": {"z": {"d": "s", "c": b"b"}, "y": [{"k": 1, "j": 2}], "x": None},
    "ordered": collections.OrderedDict([("b", 1), ("a", {"d": 2, "c": 3})]),
    "ordered_in_dict": {"q": collections.OrderedDict([("b", [1]), ("a", 2)]), "p": 3},
    "defaultdict": collections.defaultdict(list, {"b": 1, "a": [2]}),
    "namedtuple": NT(b=1, a=[2, NT(3, 4)]),
    "namedtuple_subclass": SubNT([1], 2),
    "attrs_like": AttrsLike(1, [2, {"b": 3, "a": 4}]),
    "frozen_mapping": Frozen(b=1, a=(2, 3)),
    "list_subclass": MyList([1, [2]]),
    "int_keys": {3: "c", 1: "a", 2: ["b"]},
    "tuple_keys": {(2, "b"): 1, (1, "z"): 2},
    "empties": [[], (), {}, [[]], {"a": ()}],
    "empty_list": [],
    "empty_dict": {},
    "range": range(3),
    "values_view": {"b": 1, "a": 2}.values(),
    "keys_view": {"b": 1, "a": 2}.keys(),
    "items_view": {"b": 1, "a": 2}.items(),
    "bytearray": bytearray(b"xy"),
    "strings": ["abc", b"xyz", ("", b"")],
    "none": None,
    "str": "abc",
    "bytes": b"abc",
    "int": 5,
    "float": 2.5,
    "set": {1, 2},
    "frozenset_in_list": [frozenset({1}), None],
    "numpy": np.zeros(3),
    "numpy_in_dict": {"w": np.ones(2), "b": np.float32(1.0)},
    "jax": jnp.zeros(2),
}
IDS = list(STRUCTURES)


@pytest.mark.parametrize("key", IDS)
def test_is_nested_and_flatten(oracle, key):
    structure = STRUCTURES[key]
    check(oracle, "is_nested", structure)
    check(oracle, "flatten", structure)


@pytest.mark.parametrize("key", IDS)
def test_pack_sequence_as_and_map_structure(oracle, key):
    structure = STRUCTURES[key]
    count = len(oracle("flatten")(structure))
    check(oracle, "pack_sequence_as", structure, [f"v{i}" for i in range(count)])
    check(oracle, "map_structure", lambda leaf: ("leaf", leaf), structure)


@pytest.mark.parametrize("key", IDS)
def test_paths(oracle, key):
    structure = STRUCTURES[key]
    check(oracle, "flatten_with_tuple_paths", structure)
    check(oracle, "flatten_with_joined_string_paths", structure)
    check(oracle, "flatten_with_joined_string_paths", structure, separator="::")


def test_leaves_are_the_same_objects():
    array, jax_array = np.zeros(2), jnp.ones(2)
    flat = nest.flatten({"b": array, "a": [jax_array]})
    assert flat[0] is jax_array and flat[1] is array
    packed = nest.pack_sequence_as([None, {"k": None}], [array, jax_array])
    assert packed[0] is array and packed[1]["k"] is jax_array


def test_ordered_dict_keeps_its_order():
    packed = nest.pack_sequence_as(collections.OrderedDict([("b", 0), ("a", 0)]), [1, 2])
    assert type(packed) is collections.OrderedDict and list(packed.items()) == [("b", 2), ("a", 1)]


def test_is_sequence_is_the_tf1_name():
    assert nest.is_sequence is nest.is_nested


def test_signatures_match(oracle):
    names = [
        "is_nested",
        "flatten",
        "pack_sequence_as",
        "assert_same_structure",
        "flatten_up_to",
        "flatten_with_tuple_paths",
        "flatten_with_joined_string_paths",
    ]
    for name in names:
        ours = inspect.signature(getattr(nest, name)).parameters
        theirs = inspect.signature(oracle(name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()
        ], name


PACK_CASES = [
    ([1, [2]], [1]),
    ([1, [2]], [1, 2, 3]),
    ([1, [2]], 5),
    ([1, [2]], (5, 6)),
    ([1, [2]], "ab"),
    ([1, [2]], np.zeros(2)),
    ([1, [2]], {5, 6}),
    (1, [5]),
    (1, [5, 6]),
    (1, 5),
    ("x" * 200, list(range(3))),
    (["x" * 200], list(range(3))),
    ([], []),
    ([[], {}], []),
    ([], [1]),
    (None, [None]),
    ("x", {"a": 5}),
    ([1, 2], {"b": 5, "a": 6}),
    ({1: 1, "a": 2}, [1, 2]),
]


@pytest.mark.parametrize("structure, flat", PACK_CASES)
def test_pack_sequence_as_cases(oracle, structure, flat):
    check(oracle, "pack_sequence_as", structure, flat)


SAME_STRUCTURE_CASES = [
    ([1, 2], [3, 4]),
    ([1, 2], (1, 2)),
    ([1, 2], [1, 2, 3]),
    ([1, 2], [1]),
    ([1, 2], [1, [2]]),
    ([1, [2, 3]], [1, [2, [3]]]),
    ([[1], 2], [[1, [3]]]),
    ([1, [2]], [[1]]),
    ({"a": [1, 2]}, {"a": (1, 2)}),
    ({"a": [1, 2], "b": 1}, {"b": 1, "a": [1, 2, 3]}),
    ({"a": 1}, {"b": 1}),
    ({"b": 1, "a": 2}, {"c": 1, "a": 2, "d": 3}),
    ({"a": 1, "b": 2}, collections.OrderedDict(b=1, a=2)),
    ({"a": 1}, collections.defaultdict(int, a=1)),
    (Frozen(b=1, a=2), {"a": 1, "b": 2}),
    (Frozen(b=1, a=2), {"a": 1, "c": 2}),
    ({"a": 1}, {"a": 1, "b": 2}),
    ({}, []),
    ([], []),
    (([],), ((),)),
    (NT(1, 2), (1, 2)),
    (NT(1, 2), NTSame(1, 2)),
    (NT(1, 2), NTSwapped(1, 2)),
    (NT(1, 2), Pair(1, 2)),
    (SubNT(1, 2), NT(1, 2)),
    (SubNT(1, 2), SubNT(1, 2)),
    (MyList([1]), [1]),
    (AttrsLike(1, 2), AttrsLike(1, [2])),
    (AttrsLike(1, 2), (1, 2)),
    (collections.deque([1]), [1]),
    (range(2), [1, 2]),
    ([1], {}.keys()),
    (np.zeros(2), [1]),
    ([1], jnp.zeros(2)),
    (["ab"], [[1]]),
    ("abc", [1]),
    (b"ab", (1,)),
    (None, []),
    ([None], [{}]),
    ({1, 2}, [1]),
    ({1, 2}, {3}),
    (None, 5),
    ({1: 1, "a": 2}, {1: 1, "a": 2}),
]


@pytest.mark.parametrize("check_types", [True, False])
@pytest.mark.parametrize("nest1, nest2", SAME_STRUCTURE_CASES)
def test_assert_same_structure(oracle, nest1, nest2, check_types):
    check(oracle, "assert_same_structure", nest1, nest2, check_types=check_types)
    check(oracle, "assert_same_structure", nest2, nest1, check_types)


def test_assert_same_structure_errors_are_tfs():
    with pytest.raises(TypeError, match="don't have the same sequence type"):
        nest.assert_same_structure([1, 2], (1, 2))
    with pytest.raises(ValueError, match="don't have the same number of elements"):
        nest.assert_same_structure([1, 2], [1])


def add(*args):
    return sum(args)


MAP_CASES = [
    ((add, [1, 2], [3, 4]), {}),
    ((add, [1, 2], (3, 4)), {}),
    ((add, [1, 2], (3, 4)), {"check_types": False}),
    ((add, [1, (2, 3)], ([4, 5], 6)), {}),
    ((add, [1, (2, 3)], ([4, 5], 6)), {"check_types": False}),
    ((add, {"b": 1, "a": 2}, collections.OrderedDict([("b", 3), ("a", 4)])), {}),
    ((add, collections.OrderedDict([("b", 3), ("a", 4)]), {"a": 2, "b": 1}), {}),
    ((add, NT(1, 2), NTSame(3, 4), NT(5, 6)), {}),
    ((add, NT(1, 2), (3, 4)), {}),
    ((add, NT(1, 2), (3, 4)), {"check_types": False}),
    ((add, NT(1, 2), {"b": 3, "a": 4}), {"check_types": False}),
    ((add, {"b": 1, "a": 2}, {"c": 1, "a": 2}), {"check_types": False}),
    ((add, [1, 2], [1, 2, 3]), {}),
    ((add, 1, 2, 3), {}),
    ((add, [None], [1]), {}),
    ((lambda x: x, {"b": {"d": 1, "c": 2}, "a": None}), {}),
    ((lambda x: x, 5), {}),
    (
        (
            lambda x: x,
            [],
        ),
        {},
    ),
    ((lambda x: x,), {}),
    ((3, [1]), {}),
    ((lambda x: x, [1]), {"foo": 1}),
    ((lambda x, y: x, [1], [2]), {"foo": 1, "bar": 2}),
    ((lambda x: x, [1]), {"expand_composites": False}),
    ((add, 1, 2), {"check_types": "yes"}),
]


@pytest.mark.parametrize("args, kwargs", MAP_CASES)
def test_map_structure(oracle, args, kwargs):
    check(oracle, "map_structure", *args, **kwargs)


UP_TO_CASES = [
    ([1, [2]], [[1, 2], [3, [4]]]),
    ([1, [2]], [[1, 2], 3]),
    ([1, [2]], [[1, 2]]),
    ([1, 2], (1, 2)),
    ([1, 2], [1, 2, 3]),
    ([1, 2], 3),
    ([1, 2], "ab"),
    ({"a": 1}, {"b": 1}),
    ({"a": 1, "b": 2}, {"b": 1, "a": 3, "c": 4}),
    ({"b": 1, "a": 2}, {"a": [1], "b": {"y": 2, "x": 3}}),
    ({"a": 1}, collections.OrderedDict(a=[1])),
    (collections.OrderedDict([("b", 3), ("a", 4)]), {"a": [1], "b": 2}),
    ({"a": 1}, ["a"]),
    (1, [1, 2]),
    (None, [1, 2]),
    ([None], [[1, 2]]),
    (NT(1, 2), (1, 2)),
    (NT(1, 2), NTSame([1], 2)),
    ((1, 2), NT(1, 2)),
    (SubNT(1, 2), NT(1, 2)),
    (NT(1, 2), SubNT(1, 2)),
    ([], []),
    ({1: 1, "a": 2}, {1: 1, "a": 2}),
    ([1], [{1: 1, "a": 2}]),
]


@pytest.mark.parametrize("check_types", [True, False])
@pytest.mark.parametrize("shallow, tree", UP_TO_CASES)
def test_flatten_up_to(oracle, shallow, tree, check_types):
    check(oracle, "flatten_up_to", shallow, tree, check_types=check_types)
    check(
        oracle, "map_structure_up_to", shallow, lambda x: ("up", x), tree, check_types=check_types
    )


MAP_UP_TO_CASES = [
    ([1, [2]], [[1, 2], [3, [4]]], [5, [6]]),
    ([1, [2]], [[1, 2], [3, [4]]], [5, [6, 7]]),
    ((1, [2]), [1, [2]]),
    (1, [1], {"x": 2}),
    ({"b": 1, "a": 2}, collections.OrderedDict([("b", [3]), ("a", 4)]), {"a": 5, "b": 6}),
    ([1, [2]],),
    ([],),
]


@pytest.mark.parametrize("check_types", [True, False])
@pytest.mark.parametrize("args", MAP_UP_TO_CASES)
def test_map_structure_up_to(oracle, args, check_types):
    shallow, *inputs = args
    check(oracle, "map_structure_up_to", shallow, lambda *xs: xs, *inputs, check_types=check_types)


def test_map_structure_up_to_rejects_unknown_keywords(oracle):
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        oracle("map_structure_up_to")([1], lambda x: x, [1], foo=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        nest.map_structure_up_to([1], lambda x: x, [1], foo=3)
