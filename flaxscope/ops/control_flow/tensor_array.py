"""``tf.TensorArray`` (``tf.compat.v1.TensorArray``) as a JAX pytree.

TF1's ``TensorArray`` is already functional: ``write``/``scatter``/``unstack``/``split``
return a new ``TensorArray`` and the caller keeps it. Here a ``TensorArray`` is a pytree
whose one leaf is a buffer ``[size, *element_shape]``; dtype, size, flags and the known
element shape are static metadata. ``write`` is ``buffer.at[i].set(value)``, ``read``
is ``buffer[i]``, ``stack`` is the buffer, so ``jax.jit``, ``jax.grad`` and ``jax.vmap``
see ordinary array code and gradients through writes and reads are exact.

Where the index is a Python or concrete value the TF1 checks run, with TF's texts
(already written, out of range, wrong dtype, inconsistent shapes, reading an element
that was never written while the element shape is not fully defined). Under a trace
(a ``tf.while_loop`` counter, an index computed under ``jit``) they cannot: an
out-of-range traced write is dropped and a traced read is clamped, as JAX indexing does,
and a negative traced index counts from the end. The record of written indices is kept
in Python only; after a pytree round trip (a loop variable, a ``jit`` output) it is
unknown and unwritten elements read as zeros.

The buffer is made at construction when ``element_shape`` is fully defined, otherwise
by the first write. A ``tf.while_loop`` carry must keep its structure, so a loop
variable without a buffer is handled by running the loop, not by guessing: the loop body
reports (:func:`check_loop_body`) which loop-variable arrays it gave a first element,
the naming and variable tables are put back, and the loop runs again with zero buffers
of the element shapes the body produced (:func:`run_with_buffers`). This reuses the loop
machinery unchanged (variables created in the body, ``init`` and ``apply``), at the cost
of tracing the body twice in that case only; pass ``element_shape=`` to skip it. (Tracing
the body once with ``jax.eval_shape`` instead would run its ``get_variable`` calls outside
the loop's lifting.) ``tf.cond`` has no such step: when only one branch writes an array
that has no buffer yet, the branches' results differ in structure; give it
``element_shape=``.

``dynamic_size=True`` grows the buffer for concrete indices (eager code, Python loops).
Inside ``tf.while_loop`` shapes are fixed, so its ``size`` is the capacity: give an upper
bound (``size=n``); the array then stacks all ``n`` rows. Elements may differ in their
first dimension only (``split`` with uneven lengths, then ``concat``), with concrete
indices. ``clear_after_read`` is accepted, and reads never clear (TF1 raises on a second
read of a cleared element): a read has no result to carry such a mark, and lifted loops
run a body more than once, so a mark kept in Python would fire falsely.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import dtypes, scopes, store
from flaxscope.errors import InvalidArgumentError, UnimplementedError
from flaxscope.ops._registry import reserve_op_name
from flaxscope.ops.array._common import canonical_dtype, tf_dtype_of_python
from flaxscope.tensor_shape import TensorShape

_Dims = tuple[int | None, ...] | None


def _concrete_int(value: Any) -> int | None:
    """``value`` as an int when it is known now (not a tracer), else ``None``."""
    if isinstance(value, jax.core.Tracer):
        return None
    return int(np.asarray(value))


def _concrete_ints(values: Any) -> list[int] | None:
    if isinstance(values, jax.core.Tracer):
        return None
    return [int(v) for v in np.asarray(values).reshape(-1)]


def _bracketed(shape: Sequence[int]) -> str:
    """A shape as TF's kernels print it: ``[6,2]``."""
    return "[" + ",".join(map(str, shape)) + "]"


def _as_dims(shape: Any) -> _Dims:
    return TensorShape(shape)._dims if shape is not None else None


def _compatible(a: _Dims, b: _Dims) -> bool:
    if a is None or b is None:
        return True
    return len(a) == len(b) and all(
        x is None or y is None or x == y for x, y in zip(a, b, strict=True)
    )


def _merged(a: _Dims, b: _Dims) -> _Dims:
    if a is None or b is None:
        return b if a is None else a
    return tuple(x if x is not None else y for x, y in zip(a, b, strict=True))


def _fully_defined(dims: _Dims) -> bool:
    return dims is not None and all(d is not None for d in dims)


def _pad_axis(x: jax.Array, axis: int, size: int) -> jax.Array:
    """``x`` with zeros appended along ``axis`` up to ``size``."""
    if x.shape[axis] >= size:
        return x
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, size - x.shape[axis])
    return jnp.pad(x, widths)


def _dynamic_size_error() -> ValueError:
    return ValueError(
        "A TensorArray cannot grow inside tf.while_loop or under a traced index: JAX keeps "
        "every loop variable's shape fixed. Give size= an upper bound of the number of "
        "elements written, e.g. tf.TensorArray(tf.float32, size=n, dynamic_size=True); "
        "stack() then returns all n rows (unwritten ones are zeros)."
    )


@jax.tree_util.register_pytree_node_class
class TensorArray:
    """``tf.compat.v1.TensorArray``: a list of same-dtype tensors, written once each.

    ``tf.TensorArray(dtype, size=None, dynamic_size=None, clear_after_read=None,
    tensor_array_name=None, handle=None, flow=None, infer_shape=True, element_shape=None,
    colocate_with_first_write_call=True, name=None)``. ``size`` must be known when traced
    (a Python int or a concrete array). ``handle`` and ``flow`` (TF's resource plumbing)
    are not supported; ``flow`` is accepted and ignored, as is
    ``colocate_with_first_write_call``.
    """

    def __init__(
        self,
        dtype: Any,
        size: Any = None,
        dynamic_size: bool | None = None,
        clear_after_read: bool | None = None,
        tensor_array_name: str | None = None,
        handle: Any = None,
        flow: Any = None,
        infer_shape: bool = True,
        element_shape: Any = None,
        colocate_with_first_write_call: bool = True,
        name: str | None = None,
    ) -> None:
        del flow, colocate_with_first_write_call
        _check_handle(handle, size, tensor_array_name)
        self._dtype = dtypes.as_dtype(dtype)
        self._size = _static_size(size)
        self._dynamic = bool(dynamic_size)
        self._clear = True if clear_after_read is None else bool(clear_after_read)
        self._infer = bool(infer_shape)
        self._shape: _Dims = _as_dims(element_shape)
        self._name = tensor_array_name or reserve_op_name(name or "TensorArray")
        self._lengths: tuple[int, ...] | None = None  # first dims, when elements differ
        self._written: frozenset[int] | None = frozenset()
        self._buffer: jax.Array | None = None
        if _fully_defined(self._shape):
            self._buffer = jnp.zeros((self._size, *self._shape), self._storage_dtype)

    # --- pytree -----------------------------------------------------------------------
    def tree_flatten(self) -> tuple[tuple, tuple]:
        children = () if self._buffer is None else (self._buffer,)
        aux = (
            self._dtype,
            self._size,
            self._dynamic,
            self._clear,
            self._infer,
            self._shape,
            self._name,
            self._lengths,
        )
        return children, aux

    @classmethod
    def tree_unflatten(cls, aux: tuple, children: tuple) -> TensorArray:
        ta = object.__new__(cls)
        (ta._dtype, ta._size, ta._dynamic, ta._clear, ta._infer) = aux[:5]
        ta._shape, ta._name, ta._lengths = aux[5:]
        ta._buffer = children[0] if children else None
        ta._written = None  # what was written is not part of the pytree
        return ta

    def _replace(self, **changes: Any) -> TensorArray:
        ta = object.__new__(type(self))
        ta.__dict__.update(self.__dict__)
        for key, value in changes.items():
            setattr(ta, f"_{key}", value)
        return ta

    # --- properties -------------------------------------------------------------------
    @property
    def dtype(self) -> np.dtype:
        """The elements' dtype (``ta.dtype``)."""
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        """The elements' shape as far as known (``ta.element_shape``)."""
        return TensorShape(self._shape)

    @property
    def dynamic_size(self) -> bool:
        """Whether writes past the end grow the array (``ta.dynamic_size``)."""
        return self._dynamic

    @property
    def flow(self) -> jax.Array:
        """TF's scalar ``float32`` flow tensor; data flow orders JAX's ops, so it is 0."""
        return jnp.zeros((), jnp.float32)

    @property
    def _storage_dtype(self) -> np.dtype:
        return canonical_dtype(self._dtype)

    def __repr__(self) -> str:
        return (
            f"<flaxscope TensorArray {self._name!r} dtype={self._dtype.name} size={self._size} "
            f"element_shape={self.element_shape}>"
        )

    # --- conversions and checks -------------------------------------------------------
    def _convert(self, value: Any) -> jax.Array:
        """``value`` as this array's dtype: Python values are cast, arrays must match."""
        python_dtype = tf_dtype_of_python(value)
        if python_dtype is not None:
            if dtypes.is_integer(self._dtype) and python_dtype.kind == "f":
                raise TypeError(f"Expected {self._dtype.name}, but got {value!r} of type 'float'.")
            return jnp.asarray(np.asarray(value, self._dtype), self._storage_dtype)
        array = jnp.asarray(value)
        if canonical_dtype(array.dtype) != self._storage_dtype:
            raise InvalidArgumentError(
                f"TensorArray dtype is {dtypes.kernel_type_name(self._dtype)} but Op is trying to "
                f"write dtype {dtypes.kernel_type_name(array.dtype)}."
            )
        return array

    def _merge_shape(self, shape: _Dims) -> _Dims:
        """The element shape after seeing an element of ``shape`` (TF's check)."""
        if not _compatible(shape, self._shape):
            raise ValueError(
                f"Inconsistent shapes: saw {TensorShape(shape)} but expected {self.element_shape} "
            )
        return _merged(self._shape, shape) if self._infer else self._shape

    def _error(self, text: str) -> InvalidArgumentError:
        return InvalidArgumentError(f"TensorArray {self._name}: {text}")

    def _check_write(self, index: int) -> None:
        if index < 0 or (index >= self._size and not self._dynamic):
            raise self._error(
                f"Tried to write to index {index} but array is not resizeable and size "
                f"is: {self._size}"
            )
        if self._written is not None and index in self._written:
            raise self._error(
                f"Could not write to TensorArray index {index} because it has already been "
                "written to."
            )

    def _check_read(self, index: int) -> None:
        if index < 0 or index >= self._size:
            raise InvalidArgumentError(
                f"Tried to read from index {index} but array size is: {self._size}"
            )
        unwritten = self._buffer is None or (
            self._written is not None and index not in self._written
        )
        if unwritten and not _fully_defined(self._shape):
            raise self._unwritten_error(index)

    def _unwritten_error(self, index: int | None) -> InvalidArgumentError:
        where = f" index {index}" if index is not None else ""
        return self._error(
            f"Could not read from TensorArray{where}.  Furthermore, the element shape is "
            f"not fully defined: {self.element_shape}.  Nothing was written there, so "
            "flaxscope cannot tell the shape of the zeros to return: pass a fully defined "
            "element_shape= to the TensorArray."
        )

    def _uniform_buffer(self, what: str) -> jax.Array:
        if self._lengths is not None:
            raise ValueError(
                f"TensorArray.{what}: the elements have different first dimensions "
                f"{list(self._lengths)}; use concat(), or read(i) with a concrete index."
            )
        if self._buffer is None:
            raise self._unwritten_error(None)
        return self._buffer

    # --- writing ----------------------------------------------------------------------
    def _grown(self, size: int) -> TensorArray:
        """This array with ``size`` slots (``dynamic_size``, concrete indices only)."""
        if size <= self._size:
            return self
        buffer = None if self._buffer is None else _pad_axis(self._buffer, 0, size)
        lengths = self._lengths
        if lengths is not None:
            lengths = lengths + (self._buffer.shape[1],) * (size - self._size)
        return self._replace(size=size, buffer=buffer, lengths=lengths)

    def _with_buffer(self, row_shape: tuple[int, ...]) -> TensorArray:
        if self._buffer is not None:
            return self
        return self._replace(buffer=jnp.zeros((self._size, *row_shape), self._storage_dtype))

    def _put(self, index: int, value: jax.Array, shape: _Dims) -> TensorArray:
        """Stores ``value`` at the concrete ``index`` (checked by the caller)."""
        ta = self._grown(index + 1)._with_buffer(value.shape)
        written = None if ta._written is None else ta._written | {index}
        row = ta._buffer.shape[1:]
        if value.shape == row and ta._lengths is None:
            buffer = ta._buffer.at[index].set(value)
            return ta._replace(buffer=buffer, written=written, shape=shape)
        return ta._put_ragged(index, value)._replace(written=written, shape=shape)

    def _put_ragged(self, index: int, value: jax.Array) -> TensorArray:
        """Stores an element whose first dimension differs from the others'."""
        row = self._buffer.shape[1:]
        if value.ndim == 0 or value.shape[1:] != row[1:]:
            raise ValueError(
                f"flaxscope's TensorArray stores elements that differ in their first "
                f"dimension only; element {index} has shape {TensorShape(value.shape)} and "
                f"the others {TensorShape(row)}."
            )
        lengths = list(self._lengths or (row[0],) * self._size)
        lengths[index] = value.shape[0]
        width = max(row[0], value.shape[0])
        buffer = _pad_axis(self._buffer, 1, width)
        buffer = buffer.at[index].set(_pad_axis(value, 0, width))
        uniform = all(n == width for n in lengths)
        return self._replace(buffer=buffer, lengths=None if uniform else tuple(lengths))

    def _put_traced(
        self, index: Any, value: jax.Array, row: tuple[int, ...], shape: _Dims
    ) -> TensorArray:
        """Stores ``value`` (elements of shape ``row``) at a traced ``index`` or indices:
        nothing can be checked or grown."""
        if self._size == 0:
            raise _dynamic_size_error()
        if self._lengths is not None:
            raise ValueError(
                "A TensorArray whose elements differ in their first dimension can be "
                "written only at concrete (Python or NumPy) indices."
            )
        ta = self._with_buffer(row)
        if row != ta._buffer.shape[1:]:
            raise ValueError(
                f"Inconsistent shapes: saw {TensorShape(row)} but expected "
                f"{TensorShape(ta._buffer.shape[1:])} "
            )
        return ta._replace(buffer=ta._buffer.at[index].set(value), written=None, shape=shape)

    def write(self, index: Any, value: Any, name: str | None = None) -> TensorArray:
        """``ta.write(index, value)``: a new ``TensorArray`` with ``value`` at ``index``."""
        del name
        value = self._convert(value)
        shape = self._merge_shape(value.shape)
        i = _concrete_int(index)
        if i is None:
            return self._put_traced(index, value, value.shape, shape)
        self._check_write(i)
        return self._put(i, value, shape)

    def scatter(self, indices: Any, value: Any, name: str | None = None) -> TensorArray:
        """``ta.scatter(indices, value)``: ``value[k]`` written at ``indices[k]``."""
        del name
        value = self._convert(value)
        shape = self._merge_shape(value.shape[1:])
        where = _concrete_ints(indices)
        if where is None:
            return self._put_traced(jnp.asarray(indices), value, value.shape[1:], shape)
        if where and max(where) >= self._size and not self._dynamic:
            raise InvalidArgumentError(
                f"Max scatter index must be < array size ({max(where)} vs. {self._size})"
            )
        ta = self
        for k, i in enumerate(where):
            ta._check_write(i)
            ta = ta._put(i, value[k], shape)
        return ta

    def unstack(self, value: Any, name: str | None = None) -> TensorArray:
        """``ta.unstack(value)``: ``value[k]`` written at index ``k``."""
        del name
        value = self._convert(value)
        if value.ndim == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0")
        return self.scatter(np.arange(value.shape[0]), value)

    def split(self, value: Any, lengths: Any, name: str | None = None) -> TensorArray:
        """``ta.split(value, lengths)``: ``value`` cut along axis 0 into pieces of
        ``lengths`` (concrete), piece ``k`` written at index ``k``."""
        del name
        value = self._convert(value)
        sizes = _concrete_ints(lengths)
        if sizes is None:
            raise ValueError(
                "TensorArray.split needs concrete lengths (the pieces' shapes must be known "
                "when traced); pass a Python list or NumPy array."
            )
        self._check_split(value, sizes)
        first = sizes[0] if sizes and len(set(sizes)) == 1 else None
        shape = self._merge_shape((first, *value.shape[1:]))
        ta, start = self._grown(len(sizes)), 0
        for k, n in enumerate(sizes):
            ta._check_write(k)
            ta = ta._put(k, value[start : start + n], shape)
            start += n
        return ta

    def _check_split(self, value: jax.Array, sizes: Sequence[int]) -> None:
        if value.ndim == 0 or sum(sizes) != value.shape[0]:
            raise InvalidArgumentError(
                "Expected sum of lengths to be equal to values.shape[0], but sum of lengths "
                f"is {sum(sizes)} and value's shape is: {_bracketed(value.shape)}"
            )
        if len(sizes) != self._size and not self._dynamic:
            raise InvalidArgumentError(
                f"TensorArray's size is not equal to the size of lengths ({self._size} vs. "
                f"{len(sizes)}), and the TensorArray is not marked as dynamically resizeable"
            )
        if self._infer and len(set(sizes)) > 1:
            k = next(k for k, n in enumerate(sizes) if n != sizes[0])
            rest = value.shape[1:]
            raise self._error(
                f"Could not write to TensorArray index {k} because the value shape is "
                f"{_bracketed((sizes[k], *rest))} which is incompatible with the "
                f"TensorArray's inferred element shape: {_bracketed((sizes[0], *rest))} "
                "(consider setting infer_shape=False)."
            )

    # --- reading ----------------------------------------------------------------------
    def read(self, index: Any, name: str | None = None) -> jax.Array:
        """``ta.read(index)``: the element at ``index`` (zeros if never written and the
        element shape is fully defined)."""
        del name
        i = _concrete_int(index)
        if i is None:
            return self._uniform_buffer("read at a traced index")[index]
        self._check_read(i)
        if self._lengths is not None:
            return self._buffer[i, : self._lengths[i]]
        return self._buffer[i]

    def gather(self, indices: Any, name: str | None = None) -> jax.Array:
        """``ta.gather(indices)``: the elements at ``indices``, stacked."""
        del name
        where = _concrete_ints(indices)
        for i in where or ():
            self._check_read(i)
        return self._uniform_buffer("gather")[jnp.asarray(indices)]

    def stack(self, name: str | None = None) -> jax.Array:
        """``ta.stack()``: every element stacked along a new axis 0."""
        del name
        if self._size == 0 and self._buffer is None:
            raise UnimplementedError(
                f"TensorArray has size zero, but element shape {self.element_shape} is not "
                "fully defined. Currently only static shapes are supported when packing "
                "zero-size TensorArrays."
            )
        for i in range(self._size):
            self._check_read(i)
        return self._uniform_buffer("stack")

    def concat(self, name: str | None = None) -> jax.Array:
        """``ta.concat()``: the elements concatenated along their axis 0."""
        del name
        for i in range(self._size):
            self._check_read(i)
        buffer = self._buffer
        if buffer is None:
            raise self._unwritten_error(None)
        if buffer.ndim < 2:
            raise InvalidArgumentError(
                "Concat saw a scalar shape at index 0 but requires at least vectors."
            )
        if self._lengths is None:
            return buffer.reshape((-1, *buffer.shape[2:]))
        return jnp.concatenate([buffer[i, :n] for i, n in enumerate(self._lengths)])

    def size(self, name: str | None = None) -> jax.Array:
        """``ta.size()``: the number of elements, an ``int32`` scalar."""
        del name
        return jnp.asarray(self._size, jnp.int32)

    def identity(self) -> TensorArray:
        """``ta.identity()``: the same array (TF1 gave it a new flow)."""
        return self._replace()

    def close(self, name: str | None = None) -> None:
        """``ta.close()``: nothing to release in JAX."""
        del name

    def grad(self, source: Any, flow: Any = None, name: str | None = None) -> TensorArray:
        """``ta.grad``: TF's gradient plumbing; use ``jax.grad`` on the function instead."""
        del source, flow, name
        raise NotImplementedError(
            "TensorArray.grad is TF's internal gradient plumbing. Gradients through "
            "write/read/stack come from jax.grad of the function that uses the array."
        )


def _check_handle(handle: Any, size: Any, tensor_array_name: Any) -> None:
    if handle is not None and tensor_array_name:
        raise ValueError(
            "Cannot provide both `handle` and `tensor_array_name` arguments at the same time."
        )
    if handle is None and size is None:
        raise ValueError("Argument `size` must be provided if handle is not provided.")
    if handle is not None and size is not None:
        raise ValueError("Cannot provide both a `handle` and `size` arguments at the same time.")
    if handle is not None:
        raise NotImplementedError(
            "flaxscope's TensorArray has no resource handle; build it with "
            "tf.TensorArray(dtype, size=..., element_shape=...) instead."
        )


def _static_size(size: Any) -> int:
    value = _concrete_int(size)
    if value is None:
        raise ValueError(
            "TensorArray size must be known when traced (JAX arrays have static shapes): "
            "pass a Python int, or an upper bound with dynamic_size=True."
        )
    if value < 0:
        raise InvalidArgumentError(f"Size should be >= 0, got {value}")
    return value


# --- tf.while_loop support ----------------------------------------------------------
def _is_tensor_array(x: Any) -> bool:
    return isinstance(x, TensorArray)


def loop_leaves(tree: Any) -> list[Any]:
    """``tree``'s leaves with each ``TensorArray`` as one leaf."""
    return jax.tree.leaves(tree, is_leaf=_is_tensor_array)


class _FirstElements(Exception):
    """A loop body gave its first elements to loop-variable arrays that had no buffer."""

    def __init__(self, found: dict[int, TensorArray]) -> None:
        super().__init__("TensorArray element shapes learned from the loop body")
        self.found = found


def check_loop_body(new: Any, old: Any) -> None:
    """Called by ``tf.while_loop`` with a body's result and its loop variables: refuses an
    array that grew, and reports the first element shapes of arrays that had no buffer."""
    new_leaves, old_leaves = loop_leaves(new), loop_leaves(old)
    if len(new_leaves) != len(old_leaves):
        return  # the loop reports the mismatch itself
    found = {}
    for k, (n, o) in enumerate(zip(new_leaves, old_leaves, strict=True)):
        if not (_is_tensor_array(n) and _is_tensor_array(o)):
            continue
        if n._size != o._size:
            raise _dynamic_size_error()
        if o._buffer is None and n._buffer is not None:
            found[k] = n
    if found:
        raise _FirstElements(found)


def _given_buffers(loop_vars: Any, found: dict[int, TensorArray]) -> Any:
    leaves, treedef = jax.tree.flatten(loop_vars, is_leaf=_is_tensor_array)
    for k, learned in found.items():
        row = learned._buffer.shape[1:]
        shape = learned._shape if _compatible(learned._shape, row) else leaves[k]._shape
        leaves[k] = leaves[k]._replace(shape=shape)._with_buffer(row)
    return jax.tree.unflatten(treedef, leaves)


def run_with_buffers(run: Callable[[Any], Any], loop_vars: Any) -> Any:
    """``run(loop_vars)``; if the loop body gives loop-variable arrays their first element
    (:func:`check_loop_body`), the naming and variable tables are put back and ``run``
    goes again with those arrays holding zero buffers of the shapes the body wrote."""
    pending = [x for x in loop_leaves(loop_vars) if _is_tensor_array(x) and x._buffer is None]
    if not pending:
        return run(loop_vars)
    frame, state = store.current_frame(), scopes.current()
    saved = frame.snapshot(), dict(state.scope_counts), frame.rng_state()
    for _ in range(len(pending)):
        try:
            return run(loop_vars)
        except _FirstElements as e:
            frame.restore(saved[0])
            state.scope_counts = dict(saved[1])
            frame.set_rng_state(saved[2])
            loop_vars = _given_buffers(loop_vars, e.found)
    return run(loop_vars)
