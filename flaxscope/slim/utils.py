"""Named outputs: slim's ``outputs_collections`` and ``end_points``.

A slim layer called with ``outputs_collections=`` adds its output to those collections
under an *alias*, the name of its scope (``"vgg_16/conv1/conv1_1"``); a network then turns
the collection into its ``end_points`` dict with :func:`convert_collection_to_dict`. TF1
hung the aliases on the tensor object; JAX arrays take no attributes, so here they are kept
beside the collection, per ``init``/``apply`` call. TF1 equivalent: ``tf_slim.utils``
(``tf.contrib.layers.utils``).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from typing import Any

from flaxscope.store import current_frame, per_call_state
from flaxscope.variables import add_to_collections, get_collection

__all__ = [
    "append_tensor_alias",
    "collect_named_outputs",
    "convert_collection_to_dict",
    "get_tensor_aliases",
    "last_dimension",
]


class _Aliases:
    """The aliases of this call's named outputs: ``id(array) -> (array, [alias, ...])``."""

    def __init__(self) -> None:
        self.by_id: dict[int, tuple[Any, list[str]]] = {}


_KEY = _Aliases  # the per-call memory is keyed by this class object


def _aliases() -> _Aliases:
    return per_call_state(_KEY, _Aliases)


def append_tensor_alias(tensor: Any, alias: str) -> Any:
    """Records ``alias`` (a trailing ``/`` dropped) as a name of ``tensor``; returns it."""
    if alias.endswith("/"):
        alias = alias[:-1]
    entry = _aliases().by_id.setdefault(id(tensor), (tensor, []))
    entry[1].append(alias)
    return tensor


def get_tensor_aliases(tensor: Any) -> list[str]:
    """The aliases recorded for ``tensor`` (a variable's value: its name)."""
    entry = _aliases().by_id.get(id(tensor))
    if entry is not None:
        return list(entry[1])
    name = getattr(tensor, "name", None)
    if isinstance(name, str):
        return [name[:-2] if name.endswith(":0") else name]
    return []


def collect_named_outputs(
    collections_: str | Iterable[str] | None, alias: str, outputs: Any
) -> Any:
    """Adds ``outputs`` to ``collections_`` under ``alias`` (nothing without collections)."""
    if collections_:
        append_tensor_alias(outputs, alias)
        add_to_collections(collections_, outputs)
    return outputs


def convert_collection_to_dict(
    collection: str, clear_collection: bool = False
) -> collections.OrderedDict:
    """``{alias: output}`` for the outputs in ``collection``, in the order added."""
    out: collections.OrderedDict = collections.OrderedDict()
    for tensor in get_collection(collection):
        for alias in get_tensor_aliases(tensor):
            out[alias] = tensor
    if clear_collection:
        current_frame().collection_ref(collection).clear()
    return out


def last_dimension(shape: Any, min_rank: int = 1) -> int:
    """``slim.utils.last_dimension``: the last dimension of ``shape`` (a shape or an array),
    which must have at least ``min_rank`` dimensions."""
    dims = tuple(getattr(shape, "shape", shape))
    if len(dims) < min_rank:
        raise ValueError(f"rank of shape must be at least {min_rank} not: {len(dims)}")
    if dims[-1] is None:
        raise ValueError("last dimension shape must be known but is None")
    return int(dims[-1])
