"""TF1 partitioners and name-based sharding rules on JAX's SPMD engine.

TF1 split a big variable into ``part_0 .. part_k`` with ``partitioner=`` and placed the parts
on parameter servers. On JAX the engine for that exists already (``Mesh``,
``NamedSharding``, ``jax.jit`` with shardings), so a partitioner here does not create parts:
the variable stays ONE logical array under its TF1 name (as TF1 saves it in a checkpoint),
and the partitioner decides which axis is split over the mesh's model axis:

* the axis the partitioner gives more than one partition is sharded over ``model_axis``;
  the mesh, not the partition count, decides into how many pieces (a TF1 partition count
  that does not divide the mesh is fine; a dimension the mesh size does not divide stays
  whole, with a warning);
* a partitioner that answers one partition everywhere leaves the variable replicated.

Variables whose TF1 code had no partitioner are placed by :func:`sharding_rules`: a list
of ``(regex, PartitionSpec)``, matched with ``re.search`` against the TF name, first match
wins. Without a rule or partitioner a variable is replicated.
"""

from __future__ import annotations

import contextvars
import math
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from flaxscope.dtypes import as_dtype

__all__ = [
    "Layout",
    "ShardingRules",
    "fixed_size_partitioner",
    "min_max_variable_partitioner",
    "partition_spec",
    "sharding_rules",
    "shardings",
    "variable_axis_size_partitioner",
]


# --- TF's partitioners, with TF's arithmetic ------------------------------------------------
class _Dim:
    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value


class TensorShapeView:
    """What a TF1 partitioner is handed as ``shape``: enough of ``tf.TensorShape``."""

    def __init__(self, dims: Sequence[int]) -> None:
        self._dims = tuple(int(d) for d in dims)

    dims = property(lambda self: [_Dim(d) for d in self._dims])
    ndims = property(lambda self: len(self._dims))

    def num_elements(self) -> int:
        return math.prod(self._dims)

    def is_fully_defined(self) -> bool:
        return True

    def as_list(self) -> list[int]:
        return list(self._dims)

    def __len__(self) -> int:
        return len(self._dims)

    def __iter__(self) -> Iterator[int]:
        return iter(self._dims)

    def __getitem__(self, i: int) -> int:
        return self._dims[i]

    def __repr__(self) -> str:
        return f"TensorShape({list(self._dims)})"


class DTypeView:
    """What a TF1 partitioner is handed as ``dtype``: ``.base_dtype``, ``.size``, ``.name``."""

    def __init__(self, dtype: Any) -> None:
        self._dtype = as_dtype(dtype)

    base_dtype = property(lambda self: self)
    size = property(lambda self: self._dtype.itemsize)
    name = property(lambda self: self._dtype.name)

    def __eq__(self, other: object) -> bool:
        try:
            return self._dtype == as_dtype(other)
        except TypeError:
            return False

    __hash__ = None  # type: ignore[assignment]


def _along(axis: int, rank: int, count: int) -> list[int]:
    """A partition list that splits only ``axis`` into ``count`` parts."""
    return [count if i == axis else 1 for i in range(rank)]


def fixed_size_partitioner(num_shards: int, axis: int = 0) -> Callable[..., list[int]]:
    """``tf.compat.v1.fixed_size_partitioner``: ``num_shards`` parts along ``axis``."""

    def split_evenly(shape: Any, **_: Any) -> list[int]:
        length = shape.dims[axis].value
        return _along(axis, len(shape), min(num_shards, length))

    return split_evenly


def variable_axis_size_partitioner(
    max_shard_bytes: int,
    axis: int = 0,
    bytes_per_string_element: int = 16,
    max_shards: int | None = None,
) -> Callable[..., list[int]]:
    """``tf.compat.v1.variable_axis_size_partitioner``: shards of at most ``max_shard_bytes``."""
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError(
            "Both max_shard_bytes and bytes_per_string_element must be positive. "
            f"Currently, max_shard_bytes is {max_shard_bytes} and"
            f"bytes_per_string_element is {bytes_per_string_element}"
        )
    if max_shards and max_shards < 1:
        raise ValueError("max_shards must be positive.")

    def split_by_bytes(shape: Any, dtype: Any) -> list[int]:
        length = shape.dims[axis].value
        # One slice is everything at one index of `axis`; a shard holds whole slices.
        slice_bytes = float(shape.num_elements() / length) * dtype.size
        per_shard = max(1, math.floor(max_shard_bytes / slice_bytes))
        count = math.ceil(float(length) / per_shard)
        if max_shards:
            count = min(count, max_shards)
        return _along(axis, shape.ndims, int(count))

    return split_by_bytes


def min_max_variable_partitioner(
    max_partitions: int = 1,
    axis: int = 0,
    min_slice_size: int = 256 << 10,
    bytes_per_string_element: int = 16,
) -> Callable[..., list[int]]:
    """``tf.compat.v1.min_max_variable_partitioner``: slices of at least ``min_slice_size``."""

    def split_by_minimum(shape: Any, dtype: Any) -> list[int]:
        rank = len(shape)
        if axis >= rank:
            raise ValueError(
                f"Cannot partition variable along axis {axis} when shape is only {shape}"
            )
        wanted = math.ceil(shape.num_elements() * dtype.size / min_slice_size)
        count = min(shape.dims[axis].value, max_partitions, int(wanted))
        return _along(axis, rank, max(1, count))

    return split_by_minimum


def tf_partitions(partitioner: Callable, shape: Sequence[int], dtype: Any) -> list[int]:
    """Calls a TF1-style partitioner the way TF does (``shape=``, ``dtype=`` keywords)."""
    partitions = list(partitioner(shape=TensorShapeView(shape), dtype=DTypeView(dtype)))
    if len(partitions) != len(shape) or any(int(p) < 1 for p in partitions):
        raise ValueError(
            f"The partitioner returned {partitions} for shape {tuple(shape)}: it must give one "
            "positive partition count per dimension."
        )
    if sum(1 for p in partitions if p > 1) > 1:
        raise ValueError(
            f"The partitioner returned {partitions}: TF1 (and flaxscope) split variables along "
            "one axis only."
        )
    return [int(p) for p in partitions]


# --- from partitions and rules to PartitionSpecs ------------------------------------------
class ShardingRules:
    """Name-based sharding rules: ``[(regex, PartitionSpec), ...]``, first match wins.

    Pass one to ``transform(..., rules=...)`` or use it as a context manager (with the mesh)
    around ``init``/``apply`` calls.
    """

    def __init__(
        self,
        rules: Sequence[tuple[str, PartitionSpec | Sequence[Any] | None]] = (),
        mesh: Mesh | None = None,
        model_axis: str = "model",
    ) -> None:
        self.rules = [
            (re.compile(pattern), spec if isinstance(spec, PartitionSpec) else _as_spec(spec))
            for pattern, spec in rules
        ]
        self.mesh = mesh
        self.model_axis = model_axis
        self._token: contextvars.Token | None = None

    def match(self, name: str) -> PartitionSpec | None:
        for regex, spec in self.rules:
            if regex.search(name):
                return spec
        return None

    def __enter__(self) -> ShardingRules:
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._token is not None
        _ACTIVE.reset(self._token)
        self._token = None


def _as_spec(spec: Sequence[Any] | None) -> PartitionSpec:
    return PartitionSpec() if spec is None else PartitionSpec(*spec)


_ACTIVE: contextvars.ContextVar[ShardingRules | None] = contextvars.ContextVar(
    "flaxscope_sharding_rules", default=None
)


def sharding_rules(
    rules: Sequence[tuple[str, Any]] = (), mesh: Mesh | None = None, model_axis: str = "model"
) -> ShardingRules:
    """``flaxscope.sharding_rules([(regex, PartitionSpec), ...], mesh=None)``.

    TF1 had no counterpart (placement was by ``tf.device`` and partitioners); this is for
    models whose TF1 code had no partitioner.
    """
    return ShardingRules(rules, mesh=mesh, model_axis=model_axis)


def partition_spec(
    name: str,
    shape: Sequence[int],
    dtype: Any,
    partitioner: Callable | None = None,
    rules: ShardingRules | None = None,
    mesh: Mesh | None = None,
    model_axis: str = "model",
) -> PartitionSpec:
    """The ``PartitionSpec`` of variable ``name``: from its partitioner, else the rules."""
    if partitioner is not None and len(shape) > 0:
        partitions = tf_partitions(partitioner, shape, dtype)
        spec: list[Any] = [None] * len(shape)
        for axis, parts in enumerate(partitions):
            if parts > 1:
                spec[axis] = model_axis
        spec_ = PartitionSpec(*spec) if any(s is not None for s in spec) else PartitionSpec()
    else:
        spec_ = (rules.match(name) if rules is not None else None) or PartitionSpec()
    if mesh is not None:
        spec_ = _fit_to_mesh(name, shape, spec_, mesh)
    return spec_


def _fit_to_mesh(name: str, shape: Sequence[int], spec: PartitionSpec, mesh: Mesh) -> PartitionSpec:
    fitted: list[Any] = []
    for axis, entry in enumerate(tuple(spec) + (None,) * (len(shape) - len(spec))):
        if entry is None:
            fitted.append(None)
            continue
        names = entry if isinstance(entry, tuple) else (entry,)
        missing = [n for n in names if n not in mesh.shape]
        size = math.prod(mesh.shape[n] for n in names if n in mesh.shape)
        if missing or shape[axis] % size:
            warnings.warn(
                f"Variable {name}: cannot shard axis {axis} (size {shape[axis]}) over mesh axes "
                f"{names} of {dict(mesh.shape)}; it stays whole on that axis. Choose a mesh "
                "size that divides it, or a rule for another axis.",
                UserWarning,
                stacklevel=4,
            )
            fitted.append(None)
        else:
            fitted.append(entry)
    while fitted and fitted[-1] is None:
        fitted.pop()
    return PartitionSpec(*fitted)


class Layout:
    """Where the variables of one call go: a mesh plus rules (and the model axis name)."""

    def __init__(self, mesh: Mesh, rules: ShardingRules | None, model_axis: str) -> None:
        self.mesh = mesh
        self.rules = rules
        self.model_axis = model_axis

    def sharding(
        self, name: str, shape: Sequence[int], dtype: Any, partitioner: Callable | None
    ) -> NamedSharding:
        spec = partition_spec(
            name, shape, dtype, partitioner, self.rules, self.mesh, self.model_axis
        )
        return NamedSharding(self.mesh, spec)

    def constrain(
        self, name: str, value: jax.Array, dtype: Any, partitioner: Callable | None
    ) -> jax.Array:
        """Adds the sharding constraint XLA partitions the computation by."""
        sharding = self.sharding(name, value.shape, dtype, partitioner)
        if isinstance(value, jax.core.Tracer):
            return jax.lax.with_sharding_constraint(value, sharding)
        return jax.device_put(value, sharding)


def active_layout(mesh: Mesh | None, rules: ShardingRules | None, model_axis: str) -> Layout | None:
    """The layout in force for a call: the transform's arguments, else the active context."""
    context = _ACTIVE.get()
    if rules is None:
        rules = context
    if mesh is None and rules is not None:
        mesh = rules.mesh
    if mesh is None:
        return None
    if rules is not None and model_axis == "model":
        model_axis = rules.model_axis
    return Layout(mesh, rules, model_axis)


def shardings(variables: Any, mesh: Mesh | None = None) -> Any:
    """The ``NamedSharding`` of every leaf of a variables tree (for ``jax.jit``'s shardings).

    Leaves laid out by ``init`` on a mesh (or ``jax.eval_shape`` of such an ``init``) carry
    their sharding; other leaves are replicated over ``mesh``.
    """

    def one(leaf: Any) -> NamedSharding:
        sharding = getattr(leaf, "sharding", None)
        if isinstance(sharding, NamedSharding):
            return sharding
        if mesh is None:
            raise ValueError(
                f"A leaf of shape {np.shape(leaf)} has no NamedSharding: pass mesh= to "
                "flaxscope.shardings, or build the tree with transform(..., mesh=...)."
            )
        return NamedSharding(mesh, PartitionSpec())

    return jax.tree.map(one, variables)
