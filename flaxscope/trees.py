"""Variables trees: TF names of tree paths, flattening and rebuilding.

flaxscope's variables are ``{"params": {name: array}, "state": {name: array}}``: one flat
dict per collection, keyed by TF variable names. Optimizers, checkpoints, summaries and
selections also accept any nested tree (a linen params tree); its leaves are named by
their paths joined with ``/``, which is how TF names a variable inside nested scopes.
This module is the one place that knows those conventions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax

__all__ = [
    "flatten_variables",
    "is_collections",
    "is_variables_tree",
    "leaf_names",
    "path_name",
    "rebuild",
]


def _key_str(key: Any) -> str:
    if isinstance(key, jax.tree_util.DictKey):
        return str(key.key)
    if isinstance(key, jax.tree_util.SequenceKey):
        return str(key.idx)
    if isinstance(key, jax.tree_util.GetAttrKey):
        return key.name
    if isinstance(key, jax.tree_util.FlattenedIndexKey):
        return str(key.key)
    return str(key)


def path_name(path: Sequence[Any]) -> str:
    """The TF name of a leaf at ``path`` (from ``jax.tree_util``): its keys joined by ``/``."""
    return "/".join(_key_str(k) for k in path)


def leaf_names(tree: Any) -> list[str]:
    """The name of every leaf of ``tree``, in ``jax.tree.leaves`` order."""
    return [path_name(path) for path, _ in jax.tree_util.tree_flatten_with_path(tree)[0]]


def is_collections(variables: Any) -> bool:
    """Whether ``variables`` is split into collections (every value a dict), not flat."""
    return (
        isinstance(variables, Mapping)
        and bool(variables)
        and all(isinstance(v, Mapping) for v in variables.values())
    )


def is_variables_tree(tree: Any) -> bool:
    """``{"params": {...}, ...}``: a flaxscope (or linen) variables tree, not a params tree."""
    return is_collections(tree) and "params" in tree


def flatten_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: value}`` from a variables tree or a flat dict (TF1's global variables).

    A name found in two collections, or a nested dict inside a collection, is an error:
    a checkpoint or an optimizer needs one value per TF name.
    """
    if not isinstance(variables, Mapping):
        raise TypeError(
            "variables must be a variables tree {'params': {name: array}, 'state': {...}} "
            f"or a flat {{name: array}} dict, not {type(variables).__name__}."
        )
    if not is_collections(variables):
        return dict(variables)
    flat: dict[str, Any] = {}
    where: dict[str, str] = {}
    for collection, members in variables.items():
        for name, value in members.items():
            if isinstance(value, Mapping):
                raise TypeError(
                    f"variables[{collection!r}][{name!r}] is a dict; flaxscope trees are flat "
                    "per collection ({'params': {'scope/w': array}}), keyed by TF names."
                )
            if name in flat:
                raise ValueError(
                    f"Variable {name} is in both {where[name]!r} and {collection!r}; a "
                    "checkpoint has one value per name."
                )
            flat[name] = value
            where[name] = collection
    return flat


def rebuild(variables: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``variables`` with the values of ``new`` (a flat dict) put in place; same structure."""
    if not is_collections(variables):
        return {n: new.get(n, v) for n, v in variables.items()}
    return {c: {n: new.get(n, v) for n, v in m.items()} for c, m in variables.items()}
