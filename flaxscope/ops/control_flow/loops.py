"""TF1's loop ops: ``tf.while_loop``, ``map_fn``, ``scan``, ``foldl``, ``foldr`` (on the lifted
loops of :mod:`flaxscope.lift`), and ``group``/``tuple``, which order nothing in JAX."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import lift
from flaxscope.ops._registry import tf_op
from flaxscope.ops.control_flow import tensor_array
from flaxscope.ops.control_flow.branches import as_pred
from flaxscope.scopes import name_scope


def _static_int(value: Any) -> int | None:
    if value is None or isinstance(value, jax.core.Tracer):
        return None
    return int(np.asarray(value))


@tf_op("while_loop", family="control_flow", default_name=None, reads_variables=False)
def while_loop(
    cond: Callable[..., Any],
    body: Callable[..., Any],
    loop_vars: Any,
    shape_invariants: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
    maximum_iterations: Any = None,
    return_same_structure: bool = False,
) -> Any:
    """``tf.compat.v1.while_loop``: repeats ``body`` while ``cond`` holds.

    ``cond(*loop_vars)`` and ``body(*loop_vars)`` (``loop_vars`` a list or tuple; a single
    loop variable unpacked from a one-element list unless ``return_same_structure``) are
    built once each, in that order, inside name scope ``while``; variables they create
    are lifted (:func:`flaxscope.lift.while_loop`). Loop variables keep their shapes and
    dtypes (JAX's rule; ``shape_invariants`` is accepted and not needed for fixed shapes).
    With ``maximum_iterations`` known at trace time the loop is reverse-differentiable
    (``jax.grad``), as TF1's; without it ``jax.grad`` through the loop fails (JAX cannot
    reverse-differentiate a loop of unknown length): pass ``maximum_iterations``.
    ``back_prop=False`` stops gradients at the result. ``parallel_iterations`` and
    ``swap_memory`` have no JAX counterpart and are ignored.
    """
    del shape_invariants, swap_memory
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if not isinstance(loop_vars, (list, tuple)):
        loop_vars = [loop_vars]  # TF1 needs a sequence; one value is taken as [value]
    with name_scope(name, "while"):
        if not loop_vars:
            raise ValueError("'loop_vars' must be provided.")
        if maximum_iterations is not None and np.ndim(maximum_iterations) != 0:
            raise ValueError(
                "'maximum_iterations' must be a scalar. "
                f"Received shape: {list(np.shape(maximum_iterations))}"
            )
        # TF converts Python numbers to tensors (int32, float32); JAX's carry needs dtypes.
        init = jax.tree.map(_to_loop_value, list(loop_vars))
        result_type = [list]  # TF1 returns the loop variables packed as the body packs them

        def body_fn(val: list) -> list:
            out = body(*val)
            result_type[0] = type(out) if isinstance(out, (list, tuple)) else list
            out = list(out) if isinstance(out, (list, tuple)) else [out]
            tensor_array.check_loop_body(out, val)
            try:
                return jax.tree.map(lambda n, o: jnp.asarray(n, dtype=o.dtype), out, val)
            except ValueError as e:
                raise ValueError(
                    "The two structures don't have the same nested structure: the loop "
                    f"variables {jax.tree.structure(val)} and the body's result "
                    f"{jax.tree.structure(out)}. The body must return one value per loop "
                    "variable."
                ) from e

        def cond_fn(val: list) -> jax.Array:
            return as_pred(cond(*val), "cond's result")

        limit = _static_int(maximum_iterations)

        def run(init: list) -> list:
            if maximum_iterations is None or limit is not None:
                return lift.while_loop(cond_fn, body_fn, init, limit, differentiable=back_prop)
            return _traced_limit_loop(cond_fn, body_fn, init, maximum_iterations)

        # a TensorArray loop variable gets its buffer from the body's first write
        out = tensor_array.run_with_buffers(run, init)
        if not back_prop:
            out = jax.lax.stop_gradient(out)
    if result_type[0] is not list:
        out = result_type[0](out)
    leaves = tensor_array.loop_leaves(out)
    if not return_same_structure and len(leaves) == 1:
        return leaves[0]
    return out


def _traced_limit_loop(cond_fn: Callable, body_fn: Callable, init: Any, limit: Any) -> Any:
    """A loop whose ``maximum_iterations`` is only known at run time (forward-only)."""
    limit = jnp.asarray(limit)

    def c(val: Any) -> jax.Array:
        i, v = val
        return jnp.logical_and(i < limit, cond_fn(v))

    def b(val: Any) -> Any:
        i, v = val
        return i + 1, body_fn(v)

    return lift.while_loop(c, b, (jnp.asarray(0, limit.dtype), init), differentiable=False)[1]


def _to_loop_value(x: Any) -> Any:
    if isinstance(x, bool):
        return jnp.asarray(x)
    if isinstance(x, int):
        return jnp.asarray(x, jnp.int32)
    if isinstance(x, float):
        return jnp.asarray(x, jnp.float32)
    return jnp.asarray(x)


def _first_dim(elems: Any) -> int:
    leaves = jax.tree.leaves(elems)
    if not leaves:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of Tensors.")
    sizes = {jnp.shape(x)[0] if jnp.ndim(x) else None for x in leaves}
    if None in sizes:
        raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    if len(sizes) > 1:
        raise ValueError(
            f"All elements of elems must have the same first dimension, got {sorted(sizes)}."
        )
    return sizes.pop()


def _cast_to(value: Any, dtype: Any) -> Any:
    """Casts ``value``'s leaves to the dtypes of TF's ``dtype`` (a structure of dtypes)."""
    if dtype is None:
        return value
    if not isinstance(dtype, (list, tuple, dict)):
        return jax.tree.map(lambda v: jnp.asarray(v, _np_dtype(dtype)), value)
    return jax.tree.map(lambda d, v: jnp.asarray(v, _np_dtype(d)), dtype, value)


def _np_dtype(dtype: Any) -> Any:
    return np.dtype(getattr(dtype, "as_numpy_dtype", dtype))


@tf_op("map_fn", family="control_flow", default_name=None, reads_variables=False)
def map_fn(
    fn: Callable[[Any], Any],
    elems: Any,
    dtype: Any = None,
    parallel_iterations: int | None = None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name: str | None = None,
    fn_output_signature: Any = None,
) -> Any:
    """``tf.compat.v1.map_fn``: ``fn`` applied to each slice of ``elems`` along axis 0,
    results stacked.

    Runs as :func:`flaxscope.scan` in name scope ``map`` (then ``while``, as TF1's loop),
    so ``fn`` may create variables (once, shared by all elements). ``dtype`` /
    ``fn_output_signature`` give the output dtypes when they differ from ``elems``'.
    """
    del parallel_iterations, swap_memory, infer_shape
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}.")
    if dtype is not None and fn_output_signature is not None:
        raise ValueError("Only one of dtype and fn_output_signature may be set.")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    elems = jax.tree.map(jnp.asarray, elems)
    _first_dim(elems)
    with name_scope(name, "map"), name_scope("while"):
        _, out = lift.scan(lambda c, x: (c, _cast_to(fn(x), signature)), None, elems)
    return out if back_prop else jax.lax.stop_gradient(out)


def _scan_like(
    fn: Callable[[Any, Any], Any], elems: Any, initializer: Any, reverse: bool, stack: bool
) -> Any:
    elems = jax.tree.map(jnp.asarray, elems)
    n = _first_dim(elems)
    if initializer is None:
        if n == 0:
            raise ValueError("elems must not be empty when no initializer is given.")
        at = n - 1 if reverse else 0
        init = jax.tree.map(lambda x: x[at], elems)
        rest = jax.tree.map(lambda x: x[:-1] if reverse else x[1:], elems)
    else:
        init, rest = jax.tree.map(_to_loop_value, initializer), elems

    def step(acc: Any, x: Any) -> tuple[Any, Any]:
        new = fn(acc, x)
        try:
            new = jax.tree.map(lambda n_, o: jnp.asarray(n_, dtype=jnp.result_type(o)), new, acc)
        except ValueError as e:
            raise ValueError(
                "fn must return a value with the structure of the accumulator "
                f"{jax.tree.structure(acc)}, got {jax.tree.structure(new)}."
            ) from e
        return new, (new if stack else None)

    if _first_dim(rest) == 0 if jax.tree.leaves(rest) else True:
        final, ys = init, jax.tree.map(lambda a: jnp.zeros((0, *jnp.shape(a)), a.dtype), init)
    else:
        final, ys = lift.scan(step, init, rest, reverse=reverse)
    if not stack:
        return final
    if initializer is None:
        first = jax.tree.map(lambda a: a[None], init)
        parts = (ys, first) if reverse else (first, ys)
        ys = jax.tree.map(lambda a, b: jnp.concatenate([a, b]), *parts)
    return ys


@tf_op("scan", family="control_flow", default_name=None, reads_variables=False)
def scan(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    reverse: bool = False,
    name: str | None = None,
) -> Any:
    """``tf.compat.v1.scan``: the accumulators ``fn(acc, x)`` over ``elems``' axis 0,
    stacked. Without ``initializer`` the first element (the last when ``reverse``) is
    the first accumulator and the first output. ``fn`` may create variables (lifted as
    :func:`flaxscope.scan`, in name scope ``scan``)."""
    del parallel_iterations, swap_memory, infer_shape
    with name_scope(name, "scan"):
        out = _scan_like(fn, elems, initializer, reverse, stack=True)
    return out if back_prop else jax.lax.stop_gradient(out)


@tf_op("foldl", family="control_flow", default_name=None, reads_variables=False)
def foldl(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
) -> Any:
    """``tf.compat.v1.foldl``: ``fn(acc, x)`` folded over ``elems``' axis 0 from the first
    element (itself the first accumulator without ``initializer``); the last accumulator."""
    del parallel_iterations, swap_memory
    with name_scope(name, "foldl"):
        out = _scan_like(fn, elems, initializer, False, stack=False)
    return out if back_prop else jax.lax.stop_gradient(out)


@tf_op("foldr", family="control_flow", default_name=None, reads_variables=False)
def foldr(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
) -> Any:
    """``tf.compat.v1.foldr``: :func:`foldl` from the last element to the first."""
    del parallel_iterations, swap_memory
    with name_scope(name, "foldr"):
        out = _scan_like(fn, elems, initializer, True, stack=False)
    return out if back_prop else jax.lax.stop_gradient(out)


@tf_op("group", family="control_flow", default_name="group_deps", reads_variables=False)
def group(*inputs: Any, **kwargs: Any) -> None:
    """``tf.group``: TF1's op that runs its inputs. JAX runs every value a function uses
    (and ``tf.assign`` has already taken effect), so it returns ``None``: return the values
    themselves from the transformed function to keep them."""
    unknown = set(kwargs) - {"name"}
    if unknown:
        raise TypeError(f"Unknown keyword arguments: {sorted(unknown)}")
    return None


@tf_op("tuple", family="control_flow", default_name="tuple", reads_variables=True)
def tuple_(tensors: Sequence[Any], control_inputs: Any = None, name: str | None = None) -> list:
    """``tf.tuple``: ``tensors`` as a list (TF1 added a joint control dependency, which JAX's
    data flow does not need)."""
    del control_inputs, name
    return list(tensors)
