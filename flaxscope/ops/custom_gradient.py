"""``tf.custom_gradient``: a function whose gradient is given by the function itself.

How it runs on JAX
------------------
TF1 builds ``f``'s ops once, then routes every output (and every input) through one
``IdentityN`` op whose registered gradient calls ``grad_fn``. This module does the same
with a :func:`jax.custom_vjp` identity:

1. ``f(*x)`` runs once, as ordinary code in the current scope, giving ``y`` and
   ``grad_fn``. Nothing is recomputed later, so ``f``'s ops (and any variable lookups)
   happen exactly once, as in TF1.
2. ``grad_fn`` is a closure over ``f``'s intermediates. It is traced right away, against
   abstract cotangents shaped like ``y``, into a jaxpr; the values it closes over (tracers
   of the current trace, or concrete arrays) become explicit operands, so nothing leaks
   when JAX runs the backward pass later (``jax.grad(jax.jit(...))`` included).
3. ``y`` is returned through an identity whose backward pass evaluates that jaxpr:
   the inputs receive ``grad_fn``'s gradients and nothing flows through ``f``'s own ops,
   which is TF1's rule (values ``f`` reads from its closure get no gradient from ``y``).

Because the gradient jaxpr keeps its dependence on the forward values, second derivatives
through ``grad_fn`` work as in TF1. It works under ``jax.jit``, ``jax.grad``,
``jax.vmap`` and inside ``flaxscope.transform``.

Not supported: a ``grad_fn`` that takes ``variables`` (TF1's form for functions that read
variables, returning ``(input_grads, variable_grads)``), and variables created inside
``f``. JAX differentiates only explicit operands of a custom rule, and a variable read
inside ``f`` is not one; both raise an error saying how to port the code: create the
variable outside ``f`` and pass it as an argument, returning its gradient with the others.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.extend import core as jex_core

from flaxscope import store
from flaxscope.ops._registry import tf_op

__all__ = ["custom_gradient"]

_PORTING_HINT = (
    "flaxscope differentiates only the arguments of a @tf.custom_gradient function: "
    "create the variable outside the decorated function, pass its value as an argument "
    "(f(x, w)), and have grad_fn return its gradient with the other inputs' gradients "
    "(return dx, dw)."
)


def _read(value: Any) -> Any:
    """The array behind a variable record (what ``tf.trainable_variables()`` lists)."""
    return value.value if isinstance(value, store.VariableRecord) else value


def _is_float(x: jax.Array) -> bool:
    return bool(jnp.issubdtype(x.dtype, jnp.inexact))


def _names_variables(grad_fn: Callable) -> bool:
    """Whether ``grad_fn`` declares a parameter named ``variables`` (TF1's signal that
    ``f`` reads variables and ``grad_fn`` returns their gradients too)."""
    try:
        params = inspect.signature(grad_fn).parameters
    except (TypeError, ValueError):
        return False
    return "variables" in params


class _Decorated:
    """The function ``tf.custom_gradient`` returns; binds like ``f`` when ``f`` is a
    method, so ``self`` is not taken for an input."""

    def __init__(self, f: Callable) -> None:
        self._f = f
        functools.update_wrapper(self, f)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return _Decorated(self._f.__get__(instance, owner))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = tuple(_read(a) for a in args)
        leaves, args_tree = jax.tree_util.tree_flatten(args)
        flat_args = [jnp.asarray(a) for a in leaves]
        args = jax.tree_util.tree_unflatten(args_tree, flat_args)

        fname = getattr(self._f, "__name__", "f")
        frame = store.current_frame()
        before = frame.op_names()
        result, grad_fn = self._f(*args, **kwargs)
        created = sorted(
            name
            for name in frame.op_names() - before
            if (record := frame.record(name)) is not None and record.trainable
        )
        if _names_variables(grad_fn):
            raise NotImplementedError(
                f"@tf.custom_gradient in {fname!r}: a grad_fn that takes "
                "'variables' (and returns (input_grads, variable_grads)) is not supported. "
                + _PORTING_HINT
            )
        if created:
            # TF1's error for a function that uses variables its grad_fn cannot be told of.
            raise TypeError(
                "@tf.custom_gradient grad_fn must accept keyword argument 'variables', "
                f"since function uses variables: {created}. " + _PORTING_HINT
            )

        flat_ys, ys_tree = jax.tree_util.tree_flatten(result)
        flat_ys = [jnp.asarray(y) for y in flat_ys]
        gradient = _trace_gradient(frame, grad_fn, flat_args, flat_ys, fname)
        out = _with_gradient(gradient, flat_args, flat_ys)
        return jax.tree_util.tree_unflatten(ys_tree, out)


def _trace_gradient(
    frame: store.Frame,
    grad_fn: Callable,
    flat_args: list[jax.Array],
    flat_ys: list[jax.Array],
    fname: str,
) -> tuple[Any, Any]:
    """``grad_fn`` as ``(jaxpr, output tree)``: a function of the hoisted values
    (``jaxpr.consts``) and one cotangent per output, giving one gradient per input (``None``
    where the input is not a float or ``grad_fn`` gave none)."""

    def flat_gradients(*dys: jax.Array) -> list[jax.Array | None]:
        grads = grad_fn(*dys)
        leaves = jax.tree_util.tree_leaves(grads, is_leaf=lambda g: g is None)
        if len(leaves) != len(flat_args):
            raise ValueError(
                f"custom_gradient function expected to return {len(flat_args)} gradients, "
                f"but returned {len(leaves)} instead."
            )
        out: list[jax.Array | None] = []
        for i, (g, x) in enumerate(zip(leaves, flat_args, strict=True)):
            if g is None or not _is_float(x):
                out.append(None)
                continue
            g = jnp.asarray(_read(g))
            if g.shape != x.shape:
                raise ValueError(
                    f"@tf.custom_gradient {fname!r}: grad_fn returned a gradient of shape "
                    f"{g.shape} for input {i}, whose shape is {x.shape}; return one gradient "
                    "of each input's shape."
                )
            out.append(g.astype(x.dtype))
        return out

    avals = [jax.ShapeDtypeStruct(y.shape, y.dtype) for y in flat_ys]
    # TF1 builds grad_fn's ops only when tf.gradients runs, under its own name scope:
    # tracing it here must not take names (or make variables) in the current graph.
    snapshot = frame.snapshot()
    try:
        closed, out_shape = jax.make_jaxpr(flat_gradients, return_shape=True)(*avals)
    finally:
        frame.restore(snapshot)
    out_tree = jax.tree_util.tree_structure(out_shape)  # None: no leaf, no output
    return closed, out_tree


def _with_gradient(
    gradient: tuple[Any, Any], flat_args: list[jax.Array], flat_ys: list[jax.Array]
) -> list[jax.Array]:
    """``flat_ys`` unchanged, with the backward pass of TF1's ``IdentityN`` trick: the
    inputs get ``grad_fn``'s gradients; the outputs' own ops and the hoisted values get
    none."""
    closed, out_tree = gradient
    consts = list(closed.consts)
    jaxpr = closed.jaxpr

    @jax.custom_vjp
    def identity(xs: list, ys: list, hoisted: list) -> list:
        del xs, hoisted
        return ys

    def forward(xs: list, ys: list, hoisted: list) -> tuple[list, list]:
        del xs
        return ys, hoisted

    def backward(hoisted: list, dys: list) -> tuple[Any, None, None]:
        # An integer output's cotangent is float0; grad_fn sees zeros of its dtype.
        dys = [
            dy if _is_float(y) else jnp.zeros(y.shape, y.dtype)
            for dy, y in zip(dys, flat_ys, strict=True)
        ]
        flat = jex_core.jaxpr_as_fun(jex_core.ClosedJaxpr(jaxpr, hoisted))(*dys)
        grads = jax.tree_util.tree_unflatten(out_tree, flat)
        return list(grads), None, None

    identity.defvjp(forward, backward)
    return identity(flat_args, flat_ys, consts)


@tf_op("custom_gradient", family="other", reads_variables=False)
def custom_gradient(f: Callable | None = None) -> Any:
    """``tf.custom_gradient`` (TF1: ``tf.compat.v1.custom_gradient``): decorates
    ``f(*x) -> (y, grad_fn)`` so that the gradient of ``y`` with respect to ``x`` is
    ``grad_fn(*dy)``, with one ``dy`` per (flattened) output of ``y`` and one gradient per
    (flattened) input (a single gradient for a single input; ``None`` for none).

    ``@tf.custom_gradient`` and ``@tf.custom_gradient()`` both work, on functions and
    methods. Keyword arguments of the call are passed to ``f`` and get no gradient (TF2's
    rule; TF1's graph mode refuses them). Integer inputs get no gradient. ``f`` runs once;
    ``grad_fn`` is traced when the decorated function is called, and evaluated in JAX's
    backward pass. A ``grad_fn`` taking ``variables`` is not supported (see the module
    docstring for how to port it).
    """
    if f is None:
        return custom_gradient
    return _Decorated(f)
