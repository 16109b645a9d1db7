"""TF1's shape ops: ``tf.shape``, ``shape_n``, ``rank``, ``size``, ``ensure_shape`` and
the broadcast-shape functions. Shapes are static in JAX, so these return NumPy values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from flaxscope import dtypes
from flaxscope.ops._registry import tf_op
from flaxscope.ops.array._common import (
    canonical_dtype,
    convert,
    int_list,
    shape_str,
)
from flaxscope.tensor_shape import TensorShape


@tf_op("shape", family="array", default_name="Shape")
def shape(input: Any, name: str | None = None, out_type: Any = dtypes.int32) -> np.ndarray:
    """``tf.shape``: the shape as a 1-D integer array (``out_type``, ``int32`` by default).

    A NumPy array: JAX's shapes are static, so TF1's ``tf.shape(x)[0]`` is a plain
    number under ``jax.jit`` too and can build other shapes.
    """
    return np.asarray(np.shape(input), dtype=canonical_dtype(out_type))


@tf_op("shape_n", family="array", default_name="ShapeN")
def shape_n(input: Sequence[Any], out_type: Any = dtypes.int32, name: str | None = None) -> list:
    """``tf.shape_n``: ``[tf.shape(t) for t in input]``."""
    dtype = canonical_dtype(out_type)
    return [np.asarray(np.shape(t), dtype=dtype) for t in input]


@tf_op("rank", family="array", default_name="Rank")
def rank(input: Any, name: str | None = None) -> np.ndarray:
    """``tf.rank``: the number of dimensions, an ``int32`` scalar (static)."""
    return np.int32(np.ndim(input))


@tf_op("size", family="array", default_name="Size")
def size(input: Any, name: str | None = None, out_type: Any = dtypes.int32) -> np.ndarray:
    """``tf.size``: the number of elements (``out_type``, ``int32`` by default; static)."""
    return np.asarray(np.size(input), dtype=canonical_dtype(out_type))[()]


@tf_op("ensure_shape", family="array", default_name="EnsureShape")
def ensure_shape(x: Any, shape: Any, name: str | None = None) -> Any:
    """``tf.ensure_shape``: ``x`` after checking its shape against ``shape`` (``None``
    sizes match anything). Also what TF1's ``x.set_shape(shape)`` becomes:
    ``x = tf.ensure_shape(x, shape)``."""
    x = convert(x)
    expected = TensorShape(shape)
    if expected.rank is not None:
        actual = list(np.shape(x))
        want = expected.as_list()
        if len(want) != len(actual):
            raise ValueError(f"Shapes must be equal rank, but are {len(want)} and {len(actual)}")
        for i, (w, a) in enumerate(zip(want, actual, strict=False)):
            if w is not None and w != a:
                raise ValueError(
                    f"Dimension {i} in both shapes must be equal, but are {w} and {a}. "
                    f"Shapes are {shape_str(['?' if d is None else d for d in want])} and "
                    f"{shape_str(actual)}."
                )
    return x


@tf_op("broadcast_static_shape", family="array")
def broadcast_static_shape(shape_x: Any, shape_y: Any) -> TensorShape:
    """``tf.broadcast_static_shape``: the broadcast of two ``TensorShape``s."""
    a, b = TensorShape(shape_x), TensorShape(shape_y)
    try:
        return TensorShape(np.broadcast_shapes(tuple(a.as_list()), tuple(b.as_list())))
    except ValueError as e:
        raise ValueError(
            "Incompatible shapes for broadcasting. Two shapes are compatible if for each "
            "dimension pair they are either equal or one of them is 1. Received: "
            f"{tuple(a.as_list())} and {tuple(b.as_list())}."
        ) from e


@tf_op("broadcast_dynamic_shape", family="array", default_name="BroadcastArgs")
def broadcast_dynamic_shape(shape_x: Any, shape_y: Any) -> np.ndarray:
    """``tf.broadcast_dynamic_shape``: the broadcast of two shape vectors (static here)."""
    a, b = int_list(shape_x, "shape_x"), int_list(shape_y, "shape_y")
    dtype = np.asarray(convert(shape_x)).dtype
    return np.asarray(np.broadcast_shapes(tuple(a), tuple(b)), dtype=dtype)
