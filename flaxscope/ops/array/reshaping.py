"""TF1's reshaping ops: ``tf.reshape``, ``expand_dims``, ``squeeze``, ``transpose``,
``concat``, ``stack``/``unstack``, ``split``, ``tile``, ``broadcast_to``, ``pad``,
``reverse``, ``roll`` and the space/depth/batch rearrangements.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops._convert import renamed
from flaxscope.ops._registry import tf_op
from flaxscope.ops.array._common import (
    array_module,
    check_same_dtypes,
    convert,
    convert_list,
    int_list,
    merge_shapes,
    normalize_axis,
    shape_str,
    static_int,
)


@tf_op("reshape", "manip.reshape", family="array", default_name="Reshape")
def reshape(tensor: Any, shape: Any, name: str | None = None) -> Any:
    """``tf.reshape``: one ``-1`` in ``shape`` takes the remaining size."""
    tensor = convert(tensor)
    dims = int_list(shape, "shape")
    count = int(np.size(tensor))
    known = math.prod(d for d in dims if d != -1)
    if dims.count(-1) > 1:
        raise ValueError(f"Cannot infer multiple unknown dimensions in shape {shape_str(dims)}")
    if -1 in dims:
        if known == 0 or count % known:
            raise ValueError(f"Dimension size must be evenly divisible by {known} but is {count}")
    elif known != count:
        raise ValueError(
            f"Cannot reshape a tensor with {count} elements to shape {shape_str(dims)} "
            f"({known} elements)"
        )
    return array_module(tensor).reshape(tensor, dims)


@tf_op("expand_dims", family="array", default_name="ExpandDims")
def expand_dims(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    dim: Any = None,
) -> Any:
    """``tf.expand_dims``: a size-1 axis at ``axis`` (TF1's ``dim`` accepted)."""
    axis = renamed("axis", axis, "dim", dim)
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    input = convert(input)
    ndim = np.ndim(input)
    axis = static_int(axis, "axis")
    if not -ndim - 1 <= axis <= ndim:
        raise ValueError(f"dim {axis} not in the interval [{-ndim - 1}, {ndim}].")
    return array_module(input).expand_dims(input, axis)


@tf_op("squeeze", family="array", default_name="Squeeze")
def squeeze(
    input: Any,
    axis: Any = None,
    name: str | None = None,
    squeeze_dims: Any = None,
) -> Any:
    """``tf.squeeze``: drops the size-1 axes (all, or those in ``axis``/``squeeze_dims``)."""
    axis = renamed("axis", axis, "squeeze_dims", squeeze_dims)
    input = convert(input)
    shape_ = np.shape(input)
    if axis is None or (isinstance(axis, (list, tuple)) and not axis):
        axes = tuple(i for i, d in enumerate(shape_) if d == 1)
    else:
        axes = tuple(normalize_axis(a, len(shape_), "dim") for a in int_list(axis, "axis"))
        for a in axes:
            if shape_[a] != 1:
                raise ValueError(
                    f"Can not squeeze dim[{a}], expected a dimension of 1, got {shape_[a]}"
                )
    return array_module(input).squeeze(input, axes)


@tf_op("transpose", family="array", default_name="transpose")
def transpose(a: Any, perm: Any = None, name: str = "transpose", conjugate: bool = False) -> Any:
    """``tf.transpose``: axes permuted by ``perm`` (reversed by default); ``conjugate``
    also conjugates complex values."""
    a = convert(a)
    ndim = np.ndim(a)
    if perm is None:
        axes = list(builtins.range(ndim))[::-1]
    else:
        axes = int_list(perm, "perm")
        if len(axes) != ndim:
            raise ValueError(f"Dimension must be {ndim} but is {len(axes)}")
    out = array_module(a).transpose(a, axes)
    if conjugate and jnp.iscomplexobj(out):
        out = jnp.conj(out)
    return out


@tf_op("concat", family="array", default_name="concat")
def concat(values: Any, axis: Any, name: str = "concat") -> Any:
    """``tf.concat``: ``values`` joined along ``axis`` (negative counts from the end)."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    values = convert_list(values)
    axis = static_int(axis, "axis")
    if len(values) == 1:
        return values[0]
    check_same_dtypes(values, "values", "ConcatV2")
    ndim = np.ndim(values[0])
    for v in values[1:]:
        if np.ndim(v) != ndim:
            raise ValueError(f"Shape must be rank {ndim} but is rank {np.ndim(v)}")
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"ConcatOp : Expected concatenating dimensions in the range [{-ndim}, {ndim}), "
            f"but got {axis}"
        )
    axis %= ndim
    rest = [np.shape(v)[:axis] + np.shape(v)[axis + 1 :] for v in values]
    for other in rest[1:]:
        merge_shapes(rest[0], other)
    return array_module(*values).concatenate(values, axis=axis)


@tf_op("stack", family="array", default_name="stack")
def stack(values: Sequence[Any], axis: int = 0, name: str = "stack") -> Any:
    """``tf.stack``: arrays of one shape joined along a new axis ``axis``."""
    values = convert_list(values)
    check_same_dtypes(values, "values", "Pack")
    first = np.shape(values[0])
    for v in values[1:]:
        merge_shapes(first, np.shape(v))
    ndim = len(first) + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-ndim}, {ndim})")
    return array_module(*values).stack(values, axis=axis)


@tf_op("parallel_stack", family="array", default_name="parallel_stack")
def parallel_stack(values: Sequence[Any], name: str = "parallel_stack") -> Any:
    """``tf.parallel_stack``: ``tf.stack(values, axis=0)``."""
    values = convert_list(values)
    return array_module(*values).stack(values, axis=0)


@tf_op("unstack", family="array", default_name="unstack")
def unstack(value: Any, num: Any = None, axis: int = 0, name: str = "unstack") -> list:
    """``tf.unstack``: the slices of ``value`` along ``axis``, as a list."""
    value = convert(value)
    shape_ = np.shape(value)
    axis = normalize_axis(axis, len(shape_), "axis")
    if num is not None and num != shape_[axis]:
        raise ValueError(f"Dimension must be {num} but is {shape_[axis]}")
    xp = array_module(value)
    return [xp.take(value, i, axis=axis) for i in builtins.range(shape_[axis])]


@tf_op("split", family="array", default_name="split")
def split(
    value: Any,
    num_or_size_splits: Any,
    axis: Any = 0,
    num: Any = None,
    name: str = "split",
) -> list:
    """``tf.split``: ``value`` cut along ``axis`` into equal pieces (an int) or pieces of
    the given sizes (a list; one ``-1`` takes the rest)."""
    value = convert(value)
    shape_ = np.shape(value)
    axis = normalize_axis(static_int(axis, "axis"), len(shape_), "axis")
    total = shape_[axis]
    if isinstance(num_or_size_splits, (int, np.integer)) or np.ndim(num_or_size_splits) == 0:
        pieces = static_int(num_or_size_splits, "num_or_size_splits")
        if pieces <= 0 or total % pieces:
            raise ValueError(f"Dimension size must be evenly divisible by {pieces} but is {total}")
        sizes = [total // pieces] * pieces
    else:
        sizes = int_list(num_or_size_splits, "num_or_size_splits")
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = total - (sum(sizes) + 1)
        if sum(sizes) != total or min(sizes, default=0) < 0:
            raise ValueError(
                f"can't split axis of size {total} into pieces of size "
                f"{shape_str(int_list(num_or_size_splits, 'num_or_size_splits'))}"
            )
    xp = array_module(value)
    cuts = np.cumsum(sizes)[:-1].tolist()
    return list(xp.split(value, cuts, axis=axis))


@tf_op("tile", "manip.tile", family="array", default_name="Tile")
def tile(input: Any, multiples: Any, name: str | None = None) -> Any:
    """``tf.tile``: ``input`` repeated ``multiples[i]`` times along axis ``i``."""
    input = convert(input)
    reps = int_list(multiples, "multiples")
    if len(reps) != np.ndim(input):
        raise ValueError(f"Shape must be rank {np.ndim(input)} but is rank {len(reps)}")
    return array_module(input).tile(input, reps)


@tf_op("broadcast_to", family="array", default_name="BroadcastTo")
def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Any:
    """``tf.broadcast_to``: ``input`` broadcast to ``shape``."""
    input = convert(input)
    dims = int_list(shape, "shape")
    have = np.shape(input)
    for a, b in zip(reversed(have), reversed(dims), strict=False):
        if a not in (1, b):
            raise ValueError(f"Dimensions must be equal, but are {a} and {b}")
    if len(have) > len(dims):
        raise ValueError(f"Shape must be at most rank {len(dims)} but is rank {len(have)}")
    return array_module(input).broadcast_to(input, dims)


@tf_op("pad", family="array", default_name="Pad")
def pad(
    tensor: Any,
    paddings: Any,
    mode: str = "CONSTANT",
    name: str | None = None,
    constant_values: Any = 0,
) -> jax.Array:
    """``tf.pad``: ``paddings[i] = [before, after]`` for axis ``i``; ``mode`` is
    ``"CONSTANT"`` (with ``constant_values``), ``"REFLECT"`` or ``"SYMMETRIC"``."""
    tensor = convert(tensor)
    widths = np.asarray(int_list(paddings, "paddings")).reshape(-1, 2)
    if widths.shape[0] != np.ndim(tensor):
        raise ValueError(
            f"The first dimension of paddings must be the rank of inputs"
            f"{shape_str(widths.shape)}, {shape_str(np.shape(tensor))}"
        )
    key = mode.upper() if isinstance(mode, str) else mode
    pairs = [tuple(w) for w in widths.tolist()]
    if key == "CONSTANT":
        return jnp.pad(tensor, pairs, mode="constant", constant_values=constant_values)
    if key in ("REFLECT", "SYMMETRIC"):
        # TF's MirrorPad reflects once: a side may take at most size - 1 (REFLECT) or size
        # (SYMMETRIC) elements
        for (before, after), size in zip(pairs, np.shape(tensor), strict=True):
            if key == "REFLECT" and max(before, after) >= size:
                raise InvalidArgumentError(
                    "paddings must be less than the dimension size: "
                    f"{before}, {after} not less than {size}"
                )
            if key == "SYMMETRIC" and max(before, after) > size:
                raise InvalidArgumentError(
                    "paddings must be no greater than the dimension size: "
                    f"{before}, {after} greater than {size}"
                )
        return jnp.pad(tensor, pairs, mode=key.lower())
    raise ValueError(
        'Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", or '
        f'"SYMMETRIC". Received `mode` = {mode}'
    )


@tf_op("reverse", "reverse_v2", "manip.reverse", family="array", default_name="ReverseV2")
def reverse(tensor: Any, axis: Any, name: str | None = None) -> Any:
    """``tf.reverse``/``tf.reverse_v2``: ``tensor`` flipped along the axes in ``axis``."""
    tensor = convert(tensor)
    ndim = np.ndim(tensor)
    axes = tuple(normalize_axis(a, ndim, "axis") for a in int_list(axis, "axis"))
    return array_module(tensor).flip(tensor, axes)


@tf_op("reverse_sequence", family="array", default_name="ReverseSequence")
def reverse_sequence(
    input: Any,
    seq_lengths: Any,
    seq_axis: int | None = None,
    batch_axis: int | None = None,
    name: str | None = None,
    seq_dim: int | None = None,
    batch_dim: int | None = None,
) -> jax.Array:
    """``tf.reverse_sequence``: for each ``b`` along ``batch_axis``, the first
    ``seq_lengths[b]`` entries along ``seq_axis`` reversed (``seq_dim``/``batch_dim`` are
    TF1's names)."""
    seq_axis = renamed("seq_axis", seq_axis, "seq_dim", seq_dim)
    batch_axis = renamed("batch_axis", batch_axis, "batch_dim", batch_dim)
    if batch_axis is None:
        batch_axis = 0
    x = jnp.asarray(convert(input))
    ndim = x.ndim
    seq_axis, batch_axis = seq_axis % ndim, batch_axis % ndim
    lengths = jnp.asarray(convert(seq_lengths))
    steps = jnp.arange(x.shape[seq_axis])
    shape_ = [1] * ndim
    shape_[seq_axis] = x.shape[seq_axis]
    lshape = [1] * ndim
    lshape[batch_axis] = x.shape[batch_axis]
    t = steps.reshape(shape_)
    length = lengths.astype(steps.dtype).reshape(lshape)
    index = jnp.where(t < length, length - 1 - t, t)
    index = jnp.broadcast_to(index, x.shape)
    return jnp.take_along_axis(x, index, axis=seq_axis)


@tf_op("roll", "manip.roll", family="array", default_name="Roll")
def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> jax.Array:
    """``tf.roll``: elements shifted along ``axis`` by ``shift``, wrapping around."""
    input = convert(input)
    if np.ndim(shift) == 0:
        return jnp.roll(input, static_int(shift, "shift"), static_int(axis, "axis"))
    return jnp.roll(input, tuple(int_list(shift, "shift")), tuple(int_list(axis, "axis")))


@tf_op("depth_to_space", "nn.depth_to_space", family="array", default_name="DepthToSpace")
def depth_to_space(
    input: Any, block_size: int, name: str | None = None, data_format: str = "NHWC"
) -> jax.Array:
    """``tf.depth_to_space`` (``NHWC``): channel blocks moved into ``block_size`` x
    ``block_size`` spatial blocks."""
    x = jnp.asarray(convert(input))
    if data_format != "NHWC":
        raise ValueError(f"flaxscope's tf.depth_to_space supports NHWC, not {data_format}")
    n, h, w, c = x.shape
    b = block_size
    if c % (b * b):
        raise ValueError(f"Dimension size must be evenly divisible by {b * b} but is {c}")
    x = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h * b, w * b, c // (b * b))


@tf_op("space_to_depth", "nn.space_to_depth", family="array", default_name="SpaceToDepth")
def space_to_depth(
    input: Any, block_size: int, name: str | None = None, data_format: str = "NHWC"
) -> jax.Array:
    """``tf.space_to_depth`` (``NHWC``): ``block_size`` x ``block_size`` spatial blocks
    moved into channels."""
    x = jnp.asarray(convert(input))
    if data_format != "NHWC":
        raise ValueError(f"flaxscope's tf.space_to_depth supports NHWC, not {data_format}")
    n, h, w, c = x.shape
    b = block_size
    if h % b or w % b:
        raise ValueError(f"Image width {w} and height {h} should be divisible by block_size: {b}")
    x = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    return x.reshape(n, h // b, w // b, b * b * c)


def _space_to_batch(x: Any, block: list[int], paddings: Any) -> jax.Array:
    x = jnp.asarray(convert(x))
    m = len(block)
    pads = np.asarray(int_list(paddings, "paddings")).reshape(m, 2).tolist()
    x = jnp.pad(x, [(0, 0), *map(tuple, pads)] + [(0, 0)] * (x.ndim - 1 - m))
    batch, spatial, rest = x.shape[0], x.shape[1 : 1 + m], x.shape[1 + m :]
    for i, (size_, b) in enumerate(zip(spatial, block, strict=True)):
        if size_ % b:
            raise ValueError(f"padded_shape[{i}]={size_} is not divisible by block_shape[{i}]={b}")
    split = [batch] + [d for size_, b in zip(spatial, block, strict=True) for d in (size_ // b, b)]
    x = x.reshape(split + list(rest))
    order = [2 + 2 * i for i in builtins.range(m)] + [0] + [1 + 2 * i for i in builtins.range(m)]
    order += list(builtins.range(1 + 2 * m, x.ndim))
    x = x.transpose(order)
    out = [batch * math.prod(block)] + [size_ // b for size_, b in zip(spatial, block, strict=True)]
    return x.reshape(out + list(rest))


def _batch_to_space(x: Any, block: list[int], crops: Any) -> jax.Array:
    x = jnp.asarray(convert(x))
    m = len(block)
    crop = np.asarray(int_list(crops, "crops")).reshape(m, 2).tolist()
    total = math.prod(block)
    if x.shape[0] % total:
        raise ValueError(f"Dimension size must be evenly divisible by {total} but is {x.shape[0]}")
    batch, spatial, rest = x.shape[0] // total, x.shape[1 : 1 + m], x.shape[1 + m :]
    x = x.reshape(list(block) + [batch] + list(spatial) + list(rest))
    order = [m]
    for i in builtins.range(m):
        order += [m + 1 + i, i]
    order += list(builtins.range(2 * m + 1, x.ndim))
    x = x.transpose(order)
    x = x.reshape([batch] + [d * b for d, b in zip(spatial, block, strict=True)] + list(rest))
    index = [builtins.slice(None)] + [
        builtins.slice(lo, x.shape[1 + i] - hi) for i, (lo, hi) in enumerate(crop)
    ]
    return x[tuple(index)]


@tf_op(
    "space_to_batch_nd", "manip.space_to_batch_nd", family="array", default_name="SpaceToBatchND"
)
def space_to_batch_nd(
    input: Any, block_shape: Any, paddings: Any, name: str | None = None
) -> jax.Array:
    """``tf.space_to_batch_nd``: the spatial axes (after the batch axis), padded, cut into
    ``block_shape`` blocks that move into the batch axis."""
    return _space_to_batch(input, int_list(block_shape, "block_shape"), paddings)


@tf_op(
    "batch_to_space_nd", "manip.batch_to_space_nd", family="array", default_name="BatchToSpaceND"
)
def batch_to_space_nd(
    input: Any, block_shape: Any, crops: Any, name: str | None = None
) -> jax.Array:
    """``tf.batch_to_space_nd``: the inverse of ``space_to_batch_nd``, then ``crops``."""
    return _batch_to_space(input, int_list(block_shape, "block_shape"), crops)


@tf_op("space_to_batch", family="array", default_name="SpaceToBatchND")
def space_to_batch(
    input: Any,
    paddings: Any,
    block_size: Any = None,
    name: str | None = None,
    block_shape: Any = None,
) -> jax.Array:
    """``tf.space_to_batch`` (TF1): ``space_to_batch_nd`` with a square ``block_size``
    over the two spatial axes of an NHWC batch."""
    size_ = static_int(renamed("block_shape", block_shape, "block_size", block_size), "block_size")
    return _space_to_batch(input, [size_, size_], paddings)


@tf_op("batch_to_space", family="array", default_name="BatchToSpaceND")
def batch_to_space(
    input: Any,
    crops: Any,
    block_size: Any = None,
    name: str | None = None,
    block_shape: Any = None,
) -> jax.Array:
    """``tf.batch_to_space`` (TF1): ``batch_to_space_nd`` with a square ``block_size``
    over the two spatial axes of an NHWC batch."""
    size_ = static_int(renamed("block_shape", block_shape, "block_size", block_size), "block_size")
    return _batch_to_space(input, [size_, size_], crops)
