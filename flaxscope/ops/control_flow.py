"""TF1's control flow ops (``tf.*`` family ``control_flow``), registered with
:func:`~flaxscope.ops._registry.tf_op`.

Each op opens the name scope TF1's opens (``cond``, ``case``, ``while``, ``map``, ``scan``,
``foldl``, ``foldr``) and runs on the lifted forms of :mod:`flaxscope.lift`, so a branch or
loop body may call ``get_variable``/``Variable``: its variables are created once, with
TF1's names (``get_variable`` ignores name scopes; ``tf.Variable`` inside ``tf.cond`` in
scope ``m`` is ``m/cond/v``), and used in ``init`` and ``apply`` alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import errors, lift
from flaxscope.ops._registry import tf_op
from flaxscope.scopes import get_name_scope, name_scope


def _unpack_singleton(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return value[0]
    return value


def _concrete_bool(pred: Any) -> bool | None:
    """``pred``'s value when it is known now (not traced), else ``None``."""
    if isinstance(pred, jax.core.Tracer):
        return None
    return bool(np.asarray(pred))


def _as_pred(pred: Any, what: str = "pred") -> jax.Array:
    pred = jnp.asarray(pred)
    if pred.shape != ():
        raise ValueError(
            f"'{what}' must be a scalar boolean (shape []), got shape {list(pred.shape)}. "
            "Reduce it first (tf.reduce_all / tf.reduce_any)."
        )
    if pred.dtype != jnp.bool_:
        raise TypeError(
            f"'{what}' must be a boolean scalar, got dtype {pred.dtype.name}; compare it "
            "first (e.g. tf.greater(x, 0))."
        )
    return pred


def _branches(fns: Sequence[Callable[[], Any]], labels: Sequence[str], strict: bool):
    """Branch wrappers that check TF1's rules and remember each branch's output types."""
    seen: dict[int, Any] = {}

    def wrap(k: int) -> Callable[[], Any]:
        def run() -> Any:
            out = fns[k]()
            if out is None:
                raise ValueError(f"'{labels[k]}' must have a return value.")
            if not strict:
                out = _unpack_singleton(out)
            seen[k] = out
            return out

        return run

    return [wrap(k) for k in range(len(fns))], seen


def _mismatch_error(seen: dict[int, Any], labels: Sequence[str], cause: Exception) -> Exception:
    """TF1's message for branches whose results differ, from what each branch returned."""
    if 0 not in seen:
        return cause
    first = seen[0]
    for k in sorted(seen)[1:]:
        other = seen[k]
        if jax.tree.structure(first) != jax.tree.structure(other):
            return ValueError(
                f"Incompatible return values of '{labels[0]}' and '{labels[k]}': The two "
                "structures don't have the same nested structure.\n\nFirst structure: "
                f"{jax.tree.structure(first)}\n\nSecond structure: {jax.tree.structure(other)}"
            )
        for a, b in zip(jax.tree.leaves(first), jax.tree.leaves(other), strict=True):
            da, db = jnp.result_type(a), jnp.result_type(b)
            if da != db:
                return ValueError(
                    f"Outputs of '{labels[0]}' and '{labels[k]}' must have the same type(s). "
                    f"Received {da.name} from '{labels[0]}' and {db.name} from '{labels[k]}'."
                )
            if jnp.shape(a) != jnp.shape(b):
                return ValueError(
                    f"Outputs of '{labels[0]}' and '{labels[k]}' must have the same shapes "
                    f"here (JAX's cond has static shapes; TF1's Merge allowed them to differ): "
                    f"{list(jnp.shape(a))} from '{labels[0]}', {list(jnp.shape(b))} from "
                    f"'{labels[k]}'. Pad or reshape one branch's result."
                )
    return cause


def _run_switch(index: Any, fns: Sequence[Callable[[], Any]], labels: Sequence[str], strict: bool):
    wrapped, seen = _branches(fns, labels, strict)
    try:
        return lift.switch(index, wrapped)
    except TypeError as e:
        raise _mismatch_error(seen, labels, e) from e


def _branch_argument(name: str, value: Any, legacy_name: str, legacy: Any) -> Any:
    """One branch of ``tf.cond``, given by its name or by its TF1 legacy name, not both."""
    if legacy is None and value is None:
        raise TypeError(f"cond(): '{name}' argument required")
    if legacy is not None and value is not None:
        raise TypeError(f"cond(): '{name}' and '{legacy_name}' may not be set simultaneously.")
    return legacy if value is None else value


@tf_op("cond", family="control_flow", default_name=None, reads_variables=False)
def cond(
    pred: Any,
    true_fn: Callable[[], Any] | None = None,
    false_fn: Callable[[], Any] | None = None,
    strict: bool = False,
    name: str | None = None,
    fn1: Callable[[], Any] | None = None,
    fn2: Callable[[], Any] | None = None,
) -> Any:
    """``tf.compat.v1.cond``: ``true_fn()`` if ``pred`` else ``false_fn()``.

    Both branches are built (traced) once, in that order, inside name scope ``cond``, as
    TF1 builds both in the graph: variables either creates exist whatever ``pred`` is
    (lifted, see :func:`flaxscope.lift.switch`). ``pred`` is a boolean scalar array or
    (unlike TF1's graph mode, like its eager mode) a Python bool. Unless ``strict``, a
    one-element list or tuple result is unpacked. The branches must return the same
    structure, dtypes and (JAX's restriction) shapes. ``fn1``/``fn2`` are TF1's legacy
    names of ``true_fn``/``false_fn``.
    """
    branches = {
        "true_fn": _branch_argument("true_fn", true_fn, "fn1", fn1),
        "false_fn": _branch_argument("false_fn", false_fn, "fn2", fn2),
    }
    for label, branch in branches.items():
        if not callable(branch):
            raise TypeError(f"'{label}' must be callable.")
    true_fn, false_fn = branches["true_fn"], branches["false_fn"]
    with name_scope(name, "cond"):
        pred = _as_pred(pred)
        index = jnp.where(pred, 0, 1)  # TF1 builds the true branch first
        return _run_switch(index, [true_fn, false_fn], ["true_fn", "false_fn"], strict)


@tf_op("case", family="control_flow", default_name=None, reads_variables=False)
def case(
    pred_fn_pairs: Sequence[tuple[Any, Callable[[], Any]]] | Mapping[Any, Callable[[], Any]],
    default: Callable[[], Any] | None = None,
    exclusive: bool = False,
    strict: bool = False,
    name: str = "case",
) -> Any:
    """``tf.compat.v1.case``: the result of the first pair whose predicate is true, else
    ``default()``.

    Every function is built once, in order (the pairs', then ``default``), inside name
    scope ``case``; variables they create are lifted as in :func:`cond`. Without
    ``default`` the last pair's function is the default, as in TF1 (which asserts at run
    time that its predicate holds; here that is checked when the predicates are known
    without tracing). ``exclusive=True`` checks that at most one predicate is true, also
    only when they are known. A dict keeps its insertion order (TF1's graph mode sorted
    it by the predicates' tensor names, which arrays do not have).
    """
    if not isinstance(pred_fn_pairs, (list, tuple, dict)):
        raise TypeError(
            f"'pred_fn_pairs' must be a list, tuple, or dict. Received: {type(pred_fn_pairs)}"
        )
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else pred_fn_pairs
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in 'pred_fn_pairs' must be a 2-tuple. Received {pair}.")
        if not callable(pair[1]):
            raise TypeError(f"pred_fn_pairs[{pairs.index(pair)}][1] is not callable.")
    if default is not None and not callable(default):
        raise TypeError("'default' must be callable.")
    if not pairs:
        raise ValueError("tf.case needs at least one (predicate, function) pair.")
    with name_scope(name, "case"):
        preds = [_as_pred(p, f"pred_fn_pairs[{i}][0]") for i, (p, _) in enumerate(pairs)]
        fns = [fn for _, fn in pairs]
        known = [_concrete_bool(p) for p in preds]
        if exclusive and all(k is not None for k in known) and sum(known) > 1:
            raise ValueError(
                "Input error: exclusive=True and more than 1 conditions evaluated as True: "
                f"{[i for i, k in enumerate(known) if k]} (predicates of tf.case)."
            )
        if default is None:
            if all(k is not None for k in known) and not any(known):
                raise ValueError(
                    "Input error: None of conditions evaluated as True (tf.case without "
                    "default uses the last pair's function, which needs its predicate true)."
                )
            fns, preds, default = fns[:-1], preds[:-1], fns[-1]
        stacked = jnp.stack([*preds, jnp.asarray(True)])
        index = jnp.argmax(stacked)  # the first true predicate, else the default
        labels = [f"pred_fn_pairs[{i}]" for i in range(len(fns))] + ["default"]
        # TF1 nests one cond per pair: pair i is built in case/cond/.../cond (i + 1 deep),
        # the default in the innermost one.
        scopes = [store_scope()]
        with contextlib.ExitStack() as stack:
            for _ in fns:
                scopes.append(stack.enter_context(name_scope(None, "cond")))
        branches = [_in_scope(fn, scopes[min(k + 1, len(fns))]) for k, fn in enumerate(fns)]
        branches.append(_in_scope(default, scopes[-1]))
        return _run_switch(index, branches, labels, strict)


def store_scope() -> str:
    """The current name scope as a string ``name_scope`` re-enters (``"a/b/"``)."""
    stack = get_name_scope()
    return stack + "/" if stack else ""


def _in_scope(fn: Callable[[], Any], scope: str) -> Callable[[], Any]:
    def run() -> Any:
        with name_scope(scope or None):
            return fn()

    return run


@tf_op("switch_case", family="control_flow", default_name=None, reads_variables=False)
def switch_case(
    branch_index: Any,
    branch_fns: Sequence[Callable[[], Any]] | Mapping[int, Callable[[], Any]],
    default: Callable[[], Any] | None = None,
    name: str = "switch_case",
) -> Any:
    """``tf.compat.v1.switch_case``: ``branch_fns[branch_index]()``, or ``default()`` (the
    last branch when not given) for an index out of range. Branch variables are lifted as
    in :func:`cond`."""
    if isinstance(branch_fns, Mapping):
        keys = sorted(branch_fns)
        if keys != list(range(len(keys))):
            raise ValueError(
                f"branch_fns keys must be the integers 0..{len(keys) - 1}, got {keys}."
            )
        branch_fns = [branch_fns[k] for k in keys]
    fns = list(branch_fns)
    if not fns or not all(callable(f) for f in fns):
        raise TypeError("branch_fns must be a non-empty list of callables.")
    with name_scope(name, "switch_case"):
        index = jnp.asarray(branch_index)
        if not jnp.issubdtype(index.dtype, jnp.integer) or index.shape != ():
            raise TypeError(
                f"branch_index must be an integer scalar, got {index.dtype.name} with "
                f"shape {list(index.shape)}."
            )
        n = len(fns)
        if default is not None:
            fns.append(default)
        index = jnp.where((index < 0) | (index >= n), len(fns) - 1, index)
        labels = [f"branch_fns[{i}]" for i in range(n)] + (["default"] if default else [])
        return _run_switch(index, fns, labels, True)


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
            return _as_pred(cond(*val), "cond's result")

        limit = _static_int(maximum_iterations)
        if maximum_iterations is None or limit is not None:
            out = lift.while_loop(cond_fn, body_fn, init, limit, differentiable=back_prop)
        else:
            out = _traced_limit_loop(cond_fn, body_fn, init, maximum_iterations)
        if not back_prop:
            out = jax.lax.stop_gradient(out)
    if result_type[0] is not list:
        out = result_type[0](out)
    if not return_same_structure and len(jax.tree.leaves(out)) == 1:
        return jax.tree.leaves(out)[0]
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


# --- assertions ----------------------------------------------------------------------------
def _show(value: Any, summarize: int | None) -> str:
    if isinstance(value, (str, bytes)):
        return value.decode() if isinstance(value, bytes) else value
    flat = np.asarray(value).ravel()
    n = 3 if summarize is None else (flat.size if summarize < 0 else summarize)
    shown = " ".join(str(v) for v in flat[:n])
    return shown + ("..." if flat.size > n else "")


def _check(ok: Any, data: Sequence[Any], summarize: int | None, prefix: str) -> None:
    """Raises ``InvalidArgumentError`` now when ``ok`` is known, else when the computation
    runs (a host callback: under ``jax.jit`` the error surfaces from the call)."""
    texts = [d if isinstance(d, (str, bytes)) else None for d in data]
    arrays = [jnp.asarray(d) for d in data if not isinstance(d, (str, bytes))]

    def fail(ok: Any, *values: Any) -> None:
        if bool(np.all(np.asarray(ok))):
            return
        it = iter(values)
        shown = [_show(t if t is not None else next(it), summarize) for t in texts]
        raise errors.InvalidArgumentError(prefix + " ".join(f"[{s}]" for s in shown))

    if isinstance(ok, jax.core.Tracer) or any(isinstance(a, jax.core.Tracer) for a in arrays):
        jax.debug.callback(fail, ok, *arrays)
    else:
        fail(ok, *arrays)


@tf_op("Assert", family="control_flow", default_name="Assert", reads_variables=True)
def Assert(  # noqa: N802  (TF1's name)
    condition: Any, data: Sequence[Any], summarize: int | None = None, name: str | None = None
) -> None:
    """``tf.Assert``: raises ``tf.errors.InvalidArgumentError`` ("assertion failed: [...]")
    when ``condition`` is false: at once when it is known, else when the function runs
    (through a host callback, so it also fires under ``jax.jit``). Returns ``None``: JAX
    keeps the check without a control dependency."""
    del name
    _check(jnp.asarray(condition), list(data), summarize, "assertion failed: ")


def _binary_assert(symbol: str, test: Callable[[Any, Any], Any]):
    def assertion(
        x: Any,
        y: Any,
        data: Sequence[Any] | None = None,
        summarize: int | None = None,
        message: str | None = None,
        name: str | None = None,
    ) -> None:
        del name
        x, y = jnp.asarray(x), jnp.asarray(y)
        shown = (
            list(data)
            if data is not None
            else [f"Condition x {symbol} y did not hold element-wise:", "x = ", x, "y = ", y]
        )
        _check(test(x, y), shown, summarize, f"{message or ''}\n" if message else "")

    assertion.__doc__ = (
        f"``tf.assert_*``: raises ``InvalidArgumentError`` unless ``x {symbol} y`` holds "
        "element-wise (broadcasting), at once when known, else when run; returns ``None``."
    )
    return assertion


def _unary_assert(symbol: str, test: Callable[[Any], Any]):
    def assertion(
        x: Any,
        data: Sequence[Any] | None = None,
        summarize: int | None = None,
        message: str | None = None,
        name: str | None = None,
    ) -> None:
        del name
        x = jnp.asarray(x)
        shown = (
            list(data) if data is not None else [f"Condition x {symbol} did not hold:", "x = ", x]
        )
        _check(test(x), shown, summarize, f"{message or ''}\n" if message else "")

    assertion.__doc__ = (
        f"``tf.assert_*``: raises ``InvalidArgumentError`` unless ``x {symbol}`` holds "
        "element-wise, at once when known, else when run; returns ``None``."
    )
    return assertion


for _name, _symbol, _test in (
    ("assert_equal", "==", jnp.equal),
    ("assert_none_equal", "!=", jnp.not_equal),
    ("assert_less", "<", jnp.less),
    ("assert_less_equal", "<=", jnp.less_equal),
    ("assert_greater", ">", jnp.greater),
    ("assert_greater_equal", ">=", jnp.greater_equal),
):
    globals()[_name] = tf_op(_name, family="control_flow", default_name=_name)(
        _binary_assert(_symbol, _test)
    )
for _name, _symbol, _utest in (
    ("assert_positive", "> 0", lambda x: x > 0),
    ("assert_negative", "< 0", lambda x: x < 0),
    ("assert_non_negative", ">= 0", lambda x: x >= 0),
    ("assert_non_positive", "<= 0", lambda x: x <= 0),
):
    globals()[_name] = tf_op(_name, family="control_flow", default_name=_name)(
        _unary_assert(_symbol, _utest)
    )


@tf_op("assert_rank", family="control_flow", default_name="assert_rank")
def assert_rank(
    x: Any,
    rank: int,
    data: Any = None,
    summarize: Any = None,
    message: str | None = None,
    name: str | None = None,
) -> None:
    """``tf.assert_rank``: ``ValueError`` unless ``x`` has rank ``rank`` (JAX ranks are
    static, so the check is immediate)."""
    ndim = jnp.ndim(x)
    if ndim != int(rank):
        raise ValueError(
            f"{message or ''}Tensor must have rank {int(rank)}.  Received rank {ndim}, shape "
            f"{tuple(jnp.shape(x))}"
        )


@tf_op("assert_rank_at_least", family="control_flow", default_name="assert_rank_at_least")
def assert_rank_at_least(
    x: Any,
    rank: int,
    data: Any = None,
    summarize: Any = None,
    message: str | None = None,
    name: str | None = None,
) -> None:
    """``tf.assert_rank_at_least``: ``ValueError`` unless ``x``'s rank is at least ``rank``."""
    ndim = jnp.ndim(x)
    if ndim < int(rank):
        raise ValueError(
            f"{message or ''}Tensor must have rank at least {int(rank)}.  Received rank {ndim}, "
            f"shape {tuple(jnp.shape(x))}"
        )
