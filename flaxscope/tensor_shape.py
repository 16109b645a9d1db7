"""``tf.TensorShape`` and ``tf.Dimension`` with TF1's behaviour.

JAX arrays have plain tuples for shapes, and every shape is known when a function is
traced. TF1 code still builds and inspects shapes through these two classes (``shape[i]``
is a ``Dimension`` whose ``.value`` is an int or ``None``), so they are provided as TF1
behaves with its V1 shape behaviour: indexing gives a ``Dimension``, unknown sizes print
as ``?``, and the errors carry TensorFlow's messages.

For a JAX array ``x``, TF1's ``x.get_shape()`` is ``tf.TensorShape(x.shape)``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from typing import Any


def _dimension_value(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, Dimension):
        return value.value
    if isinstance(value, bool):
        return value  # TF1 keeps a bool size as given
    if not hasattr(value, "__index__"):
        raise TypeError(
            "Dimension value must be integer or None or have an __index__ method, got "
            f"value '{value!r}' with type '{type(value)!r}'"
        )
    number = operator.index(value)
    if number < 0:
        raise ValueError(f"Dimension {number} must be >= 0")
    return number


class Dimension:
    """``tf.Dimension``: one size of a shape, an ``int`` or unknown (``None``).

    Arithmetic and comparisons with an unknown size give an unknown result (``None`` for
    comparisons), as in TF1.
    """

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = _dimension_value(value)

    @property
    def value(self) -> int | None:
        """The size, or ``None`` when it is unknown."""
        return self._value

    def __repr__(self) -> str:
        return f"Dimension({self._value})"

    def __str__(self) -> str:
        return "?" if self._value is None else str(self._value)

    def __int__(self) -> int:
        return self._value  # type: ignore[return-value]  (TF1 raises the same TypeError)

    def __index__(self) -> int:
        return self._value  # type: ignore[return-value]

    def __bool__(self) -> bool:
        return bool(self._value)

    __hash__ = None  # type: ignore[assignment]  (unhashable, as TF1's: __eq__ may be None)

    def _known_pair(self, other: Any) -> tuple[int, int] | None:
        """Both sizes when known; ``None`` when either is unknown. Raises ``TypeError``
        for an operand that is no size at all."""
        value = other.value if isinstance(other, Dimension) else _dimension_value(other)
        return None if value is None or self._value is None else (self._value, value)

    def _compare(self, other: Any, op: Any) -> bool | None:
        try:
            pair = self._known_pair(other)
        except (TypeError, ValueError):
            return NotImplemented  # type: ignore[return-value]
        return None if pair is None else op(*pair)

    def __eq__(self, other: Any) -> bool | None:  # type: ignore[override]
        return self._compare(other, operator.eq)

    def __ne__(self, other: Any) -> bool | None:  # type: ignore[override]
        return self._compare(other, operator.ne)

    def __lt__(self, other: Any) -> bool | None:
        return self._compare(other, operator.lt)

    def __le__(self, other: Any) -> bool | None:
        return self._compare(other, operator.le)

    def __gt__(self, other: Any) -> bool | None:
        return self._compare(other, operator.gt)

    def __ge__(self, other: Any) -> bool | None:
        return self._compare(other, operator.ge)

    def is_compatible_with(self, other: Any) -> bool:
        """True when both sizes are equal or either is unknown."""
        other = as_dimension(other)
        return self._value is None or other.value is None or self._value == other.value

    def assert_is_compatible_with(self, other: Any) -> None:
        """Raises TF's ``ValueError`` when :meth:`is_compatible_with` is false."""
        if not self.is_compatible_with(other):
            raise ValueError(f"Dimensions {self} and {other} are not compatible")

    def merge_with(self, other: Any) -> Dimension:
        """The known one of two compatible sizes (TF's ``Dimension.merge_with``)."""
        other = as_dimension(other)
        self.assert_is_compatible_with(other)
        return Dimension(other.value if self._value is None else self._value)

    def _arith(self, other: Any, op: Any, reverse: bool = False) -> Dimension:
        try:
            pair = self._known_pair(other)
        except (TypeError, ValueError):
            return NotImplemented  # type: ignore[return-value]
        if pair is None:
            return Dimension(None)
        return Dimension(op(*reversed(pair)) if reverse else op(*pair))

    def __add__(self, other: Any) -> Dimension:
        return self._arith(other, operator.add)

    def __radd__(self, other: Any) -> Dimension:
        return self._arith(other, operator.add, reverse=True)

    def __sub__(self, other: Any) -> Dimension:
        return self._arith(other, operator.sub)

    def __rsub__(self, other: Any) -> Dimension:
        return self._arith(other, operator.sub, reverse=True)

    def __mul__(self, other: Any) -> Dimension:
        return self._arith(other, operator.mul)

    def __rmul__(self, other: Any) -> Dimension:
        return self._arith(other, operator.mul, reverse=True)

    def __floordiv__(self, other: Any) -> Dimension:
        return self._arith(other, operator.floordiv)

    def __rfloordiv__(self, other: Any) -> Dimension:
        return self._arith(other, operator.floordiv, reverse=True)

    def __mod__(self, other: Any) -> Dimension:
        return self._arith(other, operator.mod)

    def __rmod__(self, other: Any) -> Dimension:
        return self._arith(other, operator.mod, reverse=True)

    def __truediv__(self, other: Any) -> Dimension:
        raise TypeError(
            "unsupported operand type(s) for /: 'Dimension' and "
            f"'{type(other).__name__}', please use // instead"
        )

    def __rtruediv__(self, other: Any) -> Dimension:
        raise TypeError(
            f"unsupported operand type(s) for /: '{type(other).__name__}' and "
            "'Dimension', please use // instead"
        )


def as_dimension(value: Any) -> Dimension:
    """``value`` as a :class:`Dimension` (a ``Dimension`` is returned as it is)."""
    return value if isinstance(value, Dimension) else Dimension(value)


def dimension_value(dimension: Any) -> int | None:
    """``tf.dimension_value``: the int (or ``None``) of a ``Dimension`` or of an int."""
    return dimension.value if isinstance(dimension, Dimension) else dimension


def dimension_at_index(shape: Any, index: int) -> Dimension:
    """``tf.dimension_at_index``: ``shape[index]`` as a ``Dimension``, unknown when the
    rank is."""
    shape = as_shape(shape)
    if shape.rank is None:
        return Dimension(None)
    return shape[index]


class TensorShape:
    """``tf.TensorShape``: a shape whose rank and sizes may be unknown.

    TF1 behaviour: ``shape[i]`` is a :class:`Dimension`, ``shape[i:j]`` a ``TensorShape``,
    ``str`` writes unknown sizes as ``?``. A JAX array's ``x.shape`` converts as it is:
    ``tf.TensorShape(x.shape).as_list()`` is TF1's ``x.get_shape().as_list()``.
    """

    __slots__ = ("_dims",)

    def __init__(self, dims: Any) -> None:
        if dims is None:
            self._dims: tuple[int | None, ...] | None = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        else:
            try:
                items = list(dims)
            except TypeError:  # one size: TF makes it a shape of rank 1
                items = [dims]
            self._dims = tuple(_dimension_value(d) for d in items)

    # -- what TF1 code reads ------------------------------------------------------------
    @property
    def dims(self) -> list[Dimension] | None:
        """The sizes as ``Dimension`` objects, ``None`` for an unknown rank."""
        return None if self._dims is None else [Dimension(d) for d in self._dims]

    @property
    def ndims(self) -> int | None:
        """The rank, ``None`` when unknown."""
        return None if self._dims is None else len(self._dims)

    rank = ndims

    def as_list(self) -> list[int | None]:
        """The sizes as ints (``None`` for unknown ones): TF1's ``shape.as_list()``."""
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def num_elements(self) -> int | None:
        """The number of elements, ``None`` unless the shape is fully defined."""
        if not self.is_fully_defined():
            return None
        count = 1
        for d in self._dims:  # type: ignore[union-attr]
            count *= d  # type: ignore[operator]
        return count

    def is_fully_defined(self) -> bool:
        return self._dims is not None and all(d is not None for d in self._dims)

    def assert_is_fully_defined(self) -> None:
        if not self.is_fully_defined():
            raise ValueError(f"Shape {self} is not fully defined")

    def __len__(self) -> int:
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __bool__(self) -> bool:
        return self._dims is not None

    def __iter__(self) -> Iterator[Dimension]:
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter([Dimension(d) for d in self._dims])

    def __getitem__(self, key: Any) -> Any:
        if self._dims is None:
            if isinstance(key, slice):
                return TensorShape(None)
            return Dimension(None)
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return Dimension(list(self._dims)[key])

    # -- comparing and combining --------------------------------------------------------
    def is_compatible_with(self, other: Any) -> bool:
        """True when the shapes could be the same (unknown ranks and sizes match anything)."""
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(
            Dimension(a).is_compatible_with(b)
            for a, b in zip(self._dims, other._dims, strict=False)
        )

    def assert_is_compatible_with(self, other: Any) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are incompatible")

    def merge_with(self, other: Any) -> TensorShape:
        """The shape that has what either knows (TF's ``TensorShape.merge_with``)."""
        other = as_shape(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        if len(self._dims) != len(other._dims):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        try:
            return TensorShape(
                [Dimension(a).merge_with(b) for a, b in zip(self._dims, other._dims, strict=False)]
            )
        except ValueError as e:
            raise ValueError(f"Shapes {self} and {other} are not compatible") from e

    def most_specific_compatible_shape(self, other: Any) -> TensorShape:
        """The most specific shape compatible with both (unknown where they differ)."""
        other = as_shape(other)
        if self._dims is None or other._dims is None or len(self._dims) != len(other._dims):
            return TensorShape(None)
        return TensorShape(
            [a if a == b else None for a, b in zip(self._dims, other._dims, strict=False)]
        )

    def concatenate(self, other: Any) -> TensorShape:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def __add__(self, other: Any) -> TensorShape:
        return self.concatenate(other)

    def __radd__(self, other: Any) -> TensorShape:
        return as_shape(other).concatenate(self)

    def assert_has_rank(self, rank: int) -> None:
        if self._dims is not None and len(self._dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")

    def with_rank(self, rank: int) -> TensorShape:
        try:
            return self.merge_with(unknown_shape(rank))
        except ValueError as e:
            raise ValueError(f"Shape {self} must have rank {rank}") from e

    def with_rank_at_least(self, rank: int) -> TensorShape:
        if self._dims is not None and len(self._dims) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def with_rank_at_most(self, rank: int) -> TensorShape:
        if self._dims is not None and len(self._dims) > rank:
            raise ValueError(f"Shape {self} must have rank at most {rank}")
        return self

    def __eq__(self, other: Any) -> bool:
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __ne__(self, other: Any) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self._dims)

    def __repr__(self) -> str:
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({[Dimension(d) for d in self._dims]!r})"

    def __str__(self) -> str:
        if self._dims is None:
            return "<unknown>"
        sizes = ["?" if d is None else str(d) for d in self._dims]
        if len(sizes) == 1:
            return f"({sizes[0]},)"
        return f"({', '.join(sizes)})"


def as_shape(shape: Any) -> TensorShape:
    """``shape`` as a :class:`TensorShape` (one is returned as it is)."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def unknown_shape(rank: int | None = None, **kwargs: Any) -> TensorShape:
    """``tf.TensorShape`` of unknown sizes (``rank`` of them), or of unknown rank."""
    if "ndims" in kwargs:  # TF1's older spelling
        rank = kwargs.pop("ndims")
    if kwargs:
        raise TypeError(f"Unknown argument: {sorted(kwargs)[0]}")
    return TensorShape(None if rank is None else [None] * rank)


def static_dims(shape: Iterable[Any]) -> list[int | None]:
    """A shape's sizes as ints or ``None``, from a ``TensorShape``, a tuple or a list."""
    return as_shape(shape).as_list()
