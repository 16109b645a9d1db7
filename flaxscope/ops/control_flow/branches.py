"""TF1's branch ops: ``tf.cond``, ``tf.case`` and ``tf.switch_case``, on the lifted
branches of :mod:`flaxscope.lift`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import lift
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


def as_pred(pred: Any, what: str = "pred") -> jax.Array:
    """``pred`` as a scalar bool array, or TF's error naming ``what`` (shared with the loops)."""
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
        pred = as_pred(pred)
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
        preds = [as_pred(p, f"pred_fn_pairs[{i}][0]") for i, (p, _) in enumerate(pairs)]
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
