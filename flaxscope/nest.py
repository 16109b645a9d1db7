"""``tf.nest``: flatten, rebuild and map over nested structures by TensorFlow's rules.

TF1 code reaches these functions as ``tf.nest`` (TF 1.13 and later) or as
``tf.contrib.framework.nest``; they behave here as TensorFlow's do, errors and their
messages included.

A *nested structure* is a list, a tuple, a namedtuple, any other
``collections.abc.Sequence`` except ``str`` and ``bytes``, a ``Mapping`` (``dict``,
``OrderedDict``, ``defaultdict`` ...), a mapping view, or an instance of an attrs class.
Everything else is a leaf (TensorFlow calls it an atom): ``None``, strings, bytes,
numbers, sets, NumPy and JAX arrays.

The rules differ from ``jax.tree_util``'s: ``None`` is a leaf, not an empty node; a
mapping is walked in sorted key order, whatever its insertion order, and a rebuilt
mapping keeps the key order of the structure it copies (so an ``OrderedDict`` keeps its
order); two namedtuple classes with the same name and fields count as the same type.

``expand_composites`` is accepted everywhere TensorFlow accepts it and ignored: it
expands composite tensors (``tf.SparseTensor``, ``tf.RaggedTensor``), which flaxscope
does not have.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator, Mapping, MappingView, MutableMapping, Sequence
from typing import Any

__all__ = [
    "assert_same_structure",
    "flatten",
    "flatten_up_to",
    "flatten_with_joined_string_paths",
    "flatten_with_tuple_paths",
    "is_nested",
    "is_sequence",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
]

_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made at run time (a class statement)


def is_nested(seq: Any) -> bool:
    """Whether ``seq`` is a nested structure rather than a leaf.

    TF1: ``tf.nest.is_nested`` (``tf.contrib.framework.nest.is_sequence``). A set is a leaf.
    """
    if isinstance(seq, (Mapping, MappingView)) or _is_attrs(seq):
        return True
    return isinstance(seq, Sequence) and not isinstance(seq, (str, bytes))


is_sequence = is_nested  # TF1's name (tf.contrib.framework.nest.is_sequence)


def flatten(structure: Any, expand_composites: bool = False) -> list[Any]:
    """The leaves of ``structure``, depth first, mappings in sorted key order.

    A leaf flattens to ``[leaf]``. TF1: ``tf.nest.flatten``.
    """
    flat: list[Any] = []
    _flatten_into(structure, flat)
    return flat


def pack_sequence_as(structure: Any, flat_sequence: Any, expand_composites: bool = False) -> Any:
    """``flat_sequence`` rebuilt in the shape of ``structure`` (the inverse of ``flatten``).

    TF1: ``tf.nest.pack_sequence_as``.
    """
    if not is_nested(flat_sequence):
        raise TypeError(
            f"Attempted to pack value:\n  {_truncate(flat_sequence)}\ninto a structure, but "
            f"found incompatible type `{type(flat_sequence)}` instead."
        )
    if not is_nested(structure):
        if len(flat_sequence) != 1:
            raise ValueError(
                f"The target structure is of type `{type(structure)}`\n  {_truncate(structure)}"
                f"\nHowever the input is a sequence ({type(flat_sequence)}) of length "
                f"{len(flat_sequence)}.\n  {_truncate(flat_sequence)}\nnest cannot guarantee "
                "that it is safe to map one to the other."
            )
        return flat_sequence[0]
    try:
        used, packed = _pack(structure, flat_sequence, 0)
    except IndexError:
        used = None
    if used != len(flat_sequence):
        raise ValueError(
            f"Could not pack sequence. Structure had {len(flatten(structure))} atoms, but "
            f"flat_sequence had {len(flat_sequence)} items.  Structure: {structure}, "
            f"flat_sequence: {flat_sequence}."
        )
    return _sequence_like(structure, packed)


def assert_same_structure(
    nest1: Any, nest2: Any, check_types: bool = True, expand_composites: bool = False
) -> None:
    """Raises unless ``nest1`` and ``nest2`` have the same nesting and leaf counts.

    With ``check_types`` the sequence types must match too (any two lists, any two
    mappings, and namedtuples of the same name and fields count as matching) and mappings
    must have the same keys. ``ValueError`` for a structural difference, ``TypeError`` for
    a type difference. TF1: ``tf.nest.assert_same_structure``.
    """
    found = _difference(nest1, nest2, bool(check_types))
    if found is None:
        return
    error_class, detail = found
    raise error_class(
        "The two structures don't have the same nested structure.\n\n"
        f"First structure: {_describe(nest1)}\n\nSecond structure: {_describe(nest2)}\n\n"
        f"More specifically: {detail}\n"
        f"Entire first structure:\n{_outline(nest1)}\n"
        f"Entire second structure:\n{_outline(nest2)}"
    )


def map_structure(
    func: Callable[..., Any],
    *structure: Any,
    check_types: bool = True,
    expand_composites: bool = False,
    **kwargs: Any,
) -> Any:
    """``func`` applied to the corresponding leaves of the structures, packed like the first.

    The structures must match (see ``assert_same_structure``; ``check_types=False`` lets
    a list stand for a tuple). Any keyword other than ``check_types`` and
    ``expand_composites`` is a ``ValueError``, as in TF1. TF1: ``tf.nest.map_structure``.
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got: {func}")
    if not structure:
        raise ValueError("Must provide at least one structure")
    if kwargs:
        raise ValueError(
            "Only valid keyword arguments are `check_types` and `expand_composites`, not: `"
            + "`, `".join(kwargs)
            + "`"
        )
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*leaves) for leaves in zip(*flats, strict=True)])


def flatten_up_to(
    shallow_tree: Any, input_tree: Any, check_types: bool = True, expand_composites: bool = False
) -> list[Any]:
    """``input_tree`` flattened only as deep as ``shallow_tree`` goes.

    Where ``shallow_tree`` has a leaf, the whole corresponding subtree of ``input_tree`` is
    one item of the result. TF1: ``tf.contrib.framework.nest.flatten_up_to``.
    """
    _assert_shallow_structure(shallow_tree, input_tree, bool(check_types))
    return [value for _, value in _flat_up_to(shallow_tree, input_tree)]


def map_structure_up_to(
    shallow_tree: Any,
    func: Callable[..., Any],
    *inputs: Any,
    check_types: bool = True,
    expand_composites: bool = False,
) -> Any:
    """``func`` applied to the ``flatten_up_to`` items of the inputs, packed like ``shallow_tree``.

    TF1: ``tf.contrib.framework.nest.map_structure_up_to``.
    """
    if not inputs:
        raise ValueError("Cannot map over no sequences")
    for input_tree in inputs:
        _assert_shallow_structure(shallow_tree, input_tree, bool(check_types))
    flats = [flatten_up_to(shallow_tree, x, check_types) for x in inputs]
    return pack_sequence_as(shallow_tree, [func(*items) for items in zip(*flats, strict=True)])


def flatten_with_tuple_paths(
    structure: Any, expand_composites: bool = False
) -> list[tuple[Any, Any]]:
    """``(path, leaf)`` pairs in ``flatten`` order; a path is the tuple of keys, indices and
    field names that leads to the leaf. TF1: ``tf.contrib.framework.nest.flatten_with_tuple_paths``.
    """
    leaves = flatten(structure)
    return list(zip((path for path, _ in _flat_up_to(structure, structure)), leaves, strict=True))


def flatten_with_joined_string_paths(
    structure: Any, separator: str = "/", expand_composites: bool = False
) -> list[tuple[str, Any]]:
    """``(path, leaf)`` pairs in ``flatten`` order, each path's parts joined by ``separator``.

    TF1: ``tf.contrib.framework.nest.flatten_with_joined_string_paths``.
    """
    return [
        (separator.join(str(part) for part in path), leaf)
        for path, leaf in flatten_with_tuple_paths(structure)
    ]


# --- traversal ---------------------------------------------------------------------------


def _is_attrs(value: Any) -> bool:
    return hasattr(type(value), "__attrs_attrs__")


def _is_namedtuple(value: Any, strict: bool = False) -> bool:
    """A tuple with string ``_fields``; ``strict``: a direct subclass of ``tuple``."""
    if not isinstance(value, tuple) or (strict and type(value).__bases__ != (tuple,)):
        return False
    try:
        fields = value._fields  # namedtuple's documented attribute
    except AttributeError:
        return False
    return isinstance(fields, Sequence) and all(isinstance(f, str) for f in fields)


def _same_namedtuples(a: Any, b: Any) -> bool:
    return type(a).__name__ == type(b).__name__ and tuple(a._fields) == tuple(b._fields)


def _sorted_keys(mapping: Mapping) -> list[Any]:
    try:
        return sorted(mapping)
    except TypeError:
        raise TypeError("nest only supports dicts with sortable keys.") from None


def _items(structure: Any, sort_keys: Callable[[Any], list[Any]] = _sorted_keys) -> list:
    """``(key, child)`` pairs of a nested structure, in nest order."""
    if isinstance(structure, Mapping):
        return [(key, structure[key]) for key in sort_keys(structure)]
    if _is_attrs(structure):
        names = [a.name for a in type(structure).__attrs_attrs__]
        return [(name, getattr(structure, name)) for name in names]
    if _is_namedtuple(structure):
        return [(field, getattr(structure, field)) for field in structure._fields]
    return list(enumerate(structure))


def _children(structure: Any) -> list[Any]:
    # flatten and assert_same_structure let an unsortable key's own TypeError through
    # (TensorFlow's C++ path does); the other functions reword it, as TensorFlow's do.
    return [child for _, child in _items(structure, sorted)]


def _flatten_into(structure: Any, flat: list[Any]) -> None:
    if is_nested(structure):
        for child in _children(structure):
            _flatten_into(child, flat)
    else:
        flat.append(structure)


def _sequence_like(instance: Any, children: list[Any]) -> Any:
    """A structure like ``instance`` holding ``children`` (given in nest order)."""
    if isinstance(instance, Mapping):
        by_key = dict(zip(_sorted_keys(instance), children, strict=True))
        if isinstance(instance, MutableMapping):
            if type(instance) is collections.defaultdict:
                result = collections.defaultdict(instance.default_factory)
            else:
                result = type(instance)()
            for key in instance:  # the instance's own key order
                result[key] = by_key[key]
            return result
        try:
            return type(instance)((key, by_key[key]) for key in instance)
        except TypeError as err:
            raise TypeError(
                f"Error creating an object of type {type(instance)} like {instance}. Note "
                "that it must accept a single positional argument representing an iterable "
                f"of key-value pairs, in addition to self. Cause: {err}"
            ) from err
    if isinstance(instance, (MappingView, range)):
        return list(children)
    if _is_namedtuple(instance) or _is_attrs(instance):
        return type(instance)(*children)
    return type(instance)(children)


def _pack(structure: Any, flat: Any, index: int) -> tuple[int, list[Any]]:
    packed = []
    for _, child in _items(structure):
        if is_nested(child):
            index, grandchildren = _pack(child, flat, index)
            packed.append(_sequence_like(child, grandchildren))
        else:
            packed.append(flat[index])
            index += 1
    return index, packed


def _flat_up_to(shallow: Any, input_tree: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """``(path, subtree of input_tree)`` for each leaf of ``shallow``; lookups by key."""
    if not is_nested(shallow):
        yield path, input_tree
        return
    input_children = dict(_items(input_tree))
    for key, shallow_child in _items(shallow):
        yield from _flat_up_to(shallow_child, input_children[key], path + (key,))


# --- structure checks ----------------------------------------------------------------------


def _type_name(cls: type) -> str:
    """The class's C-level name (``tp_name``): dotted for built-in extension types."""
    if cls.__flags__ & _HEAP_TYPE or cls.__module__ == "builtins":
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


def _describe(value: Any) -> str:
    return f"type={type(value).__name__} str={value}"


class _Dot:
    def __repr__(self) -> str:
        return "."


def _outline(structure: Any) -> str:
    """The structure with every leaf shown as ``.``."""
    return str(map_structure(lambda _: _Dot(), structure))


def _difference(a: Any, b: Any, check_types: bool) -> tuple[type[Exception], str] | None:
    """The first difference between two structures: the error class and its detail."""
    a_nested, b_nested = is_nested(a), is_nested(b)
    if a_nested != b_nested:
        nested, leaf = (a, b) if a_nested else (b, a)
        return ValueError, (
            f'Substructure "{_describe(nested)}" is a sequence, while substructure '
            f'"{_describe(leaf)}" is not'
        )
    if not a_nested:
        return None
    both_mappings = isinstance(a, Mapping) and isinstance(b, Mapping)
    if check_types:
        if _is_namedtuple(a, strict=True) and _is_namedtuple(b, strict=True):
            same_type = _same_namedtuples(a, b)
        else:
            same_type = (
                type(a) is type(b) or (isinstance(a, list) and isinstance(b, list)) or both_mappings
            )
        if not same_type:
            return TypeError, (
                "The two namedtuples don't have the same sequence type. First structure "
                f"{_describe(a)} has type {_type_name(type(a))}, while second structure "
                f"{_describe(b)} has type {_type_name(type(b))}"
            )
        if both_mappings and (len(a) != len(b) or any(key not in b for key in a)):
            return ValueError, (
                "The two dictionaries don't have the same set of keys. First structure has "
                f"keys {_describe(list(a))}, while second structure has keys {_describe(list(b))}"
            )
    a_children, b_children = _children(a), _children(b)
    # Pairs up to the shorter: a difference inside comes before a length difference.
    for a_child, b_child in zip(a_children, b_children, strict=False):
        found = _difference(a_child, b_child, check_types)
        if found is not None:
            return found
    if len(a_children) != len(b_children):
        return ValueError, (
            "The two structures don't have the same number of elements. First structure: "
            f"{_describe(a)}. Second structure: {_describe(b)}"
        )
    return None


def _assert_shallow_structure(shallow: Any, input_tree: Any, check_types: bool) -> None:
    if not is_nested(shallow):
        return
    if not is_nested(input_tree):
        raise TypeError(
            "If shallow structure is a sequence, input must also be a sequence. Input has "
            f"type: {type(input_tree)}."
        )
    if check_types and not isinstance(input_tree, type(shallow)):
        if _is_namedtuple(shallow) and _is_namedtuple(input_tree):
            same_type = _same_namedtuples(shallow, input_tree)
        else:
            same_type = (isinstance(shallow, list) and isinstance(input_tree, list)) or (
                isinstance(shallow, Mapping) and isinstance(input_tree, Mapping)
            )
        if not same_type:
            raise TypeError(
                "The two structures don't have the same sequence type. Input structure has "
                f"type {type(input_tree)}, while shallow structure has type {type(shallow)}."
            )
    if len(input_tree) != len(shallow):
        raise ValueError(
            "The two structures don't have the same sequence length. Input structure has "
            f"length {len(input_tree)}, while shallow structure has length {len(shallow)}."
        )
    if isinstance(shallow, Mapping):
        absent = set(shallow) - set(input_tree)
        if absent:
            raise ValueError(
                "The shallow_tree's keys are not a subset of the input_tree's keys. The "
                "shallow_tree has the following keys that are not in the input_tree: "
                f"{sorted(absent)}."
            )
    for (_, shallow_child), (_, input_child) in zip(
        _items(shallow), _items(input_tree), strict=False
    ):
        _assert_shallow_structure(shallow_child, input_child, check_types)


def _truncate(value: Any, length: int = 100) -> str:
    text = str(value)
    return text[:length] + ("..." if len(text) > length else "")
