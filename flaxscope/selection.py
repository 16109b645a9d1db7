"""Scope-based selection on a variables tree, and optax masks and labels built from it.

TF1 picked variables by scope with ``tf.compat.v1.get_collection(key, scope)``, which keeps
the variables whose name (``"encoder/dense/kernel:0"``) matches ``re.match(scope, name)``,
and trained a subset with ``optimizer.minimize(loss, var_list=...)``. Here the same regexes
select leaves of a tree, outside any ``init``/``apply`` call:

- :func:`select`, :func:`trainable_variables`, :func:`global_variables`: the matching part
  of a tree, as a flat ``{name: value}`` dict.
- :func:`scope_labels`: a label per leaf for ``optax.multi_transform``; :func:`scope_mask`:
  a boolean per leaf for ``optax.masked``; :func:`train_only`: TF1's ``var_list=``.

A leaf's name is its TF name: the key of a flaxscope tree (``"encoder/w"``), or for a
nested tree (linen's) its path joined by ``/`` (``"Dense_0/kernel"``). Regexes are matched
against the name with ``:0`` appended, as TF1 matched ``Variable.name``, so every regex
selects what it selected in TF1: ``"encoder/"`` matches ``encoder/w``, and an anchored one
is written as it was there, ``"encoder/w:0$"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import optax

from flaxscope.trees import is_variables_tree, leaf_names, path_name

__all__ = [
    "global_variables",
    "leaf_names",
    "scope_labels",
    "scope_mask",
    "select",
    "train_only",
    "trainable_variables",
]

Scope = str | re.Pattern[str]


def _compile(scope: Scope | None) -> re.Pattern[str] | None:
    if scope is None or isinstance(scope, re.Pattern):
        return scope
    if not isinstance(scope, str):
        raise TypeError(f"scope must be a regex string, got {type(scope).__name__}: {scope!r}")
    return re.compile(scope)


def _matches(regex: re.Pattern[str] | None, name: str) -> bool:
    return regex is None or regex.match(name + ":0") is not None


def select(tree: Any, scope: Scope | None = None) -> dict[str, Any]:
    """The leaves of ``tree`` whose TF name matches ``re.match(scope, name + ":0")``.

    ``tree`` is a params dict (``variables["params"]``), any nested tree (a linen params
    tree), or a whole variables tree ``{"params": ..., "state": ...}``, whose collections
    are merged (TF1's global variables). Returns a flat ``{name: value}`` dict in the
    tree's order; ``scope=None`` keeps everything.

    TF1 equivalent: ``tf.compat.v1.get_collection(GraphKeys.GLOBAL_VARIABLES, scope)``.
    """
    regex = _compile(scope)
    parts = list(tree.values()) if is_variables_tree(tree) else [tree]
    out: dict[str, Any] = {}
    for part in parts:
        for path, leaf in jax.tree_util.tree_flatten_with_path(part)[0]:
            name = path_name(path)
            if _matches(regex, name):
                out[name] = leaf
    return out


def trainable_variables(tree: Any, scope: Scope | None = None) -> dict[str, Any]:
    """The trainable variables of ``tree`` under ``scope``, as a flat ``{name: value}`` dict.

    ``tree`` is a variables tree (only its ``params`` count) or a params tree.

    TF1 equivalent: ``tf.compat.v1.trainable_variables(scope)``, here on a tree rather than
    inside a call (inside one, ``flaxscope.trainable_variables(scope)`` lists the records).
    """
    params = tree["params"] if is_variables_tree(tree) else tree
    return select(params, scope)


def global_variables(tree: Any, scope: Scope | None = None) -> dict[str, Any]:
    """Every variable of ``tree`` (``params`` and ``state``) under ``scope``.

    TF1 equivalent: ``tf.compat.v1.global_variables(scope)``.
    """
    return select(tree, scope)


def _rules(rules: Mapping[Scope, Any] | Sequence[tuple[Scope, Any]]) -> list[tuple[Any, Any]]:
    items = list(rules.items()) if isinstance(rules, Mapping) else list(rules)
    return [(_compile(scope), label) for scope, label in items]


def scope_labels(
    params: Any,
    rules: Mapping[Scope, Any] | Sequence[tuple[Scope, Any]],
    default: Any = None,
) -> Any:
    """A tree like ``params`` with a label per leaf, for ``optax.multi_transform``.

    Each leaf gets the label of the first rule whose regex matches its TF name (rules in
    order; TF1's ``re.match`` on ``name + ":0"``), else ``default``. With no ``default``, a
    leaf no rule matches is an error that names it, so no variable is trained, or frozen,
    by accident::

        labels = scope_labels(params, {"encoder/": "frozen", "decoder/": "train"})
        tx = optax.multi_transform({"train": optax.adam(1e-3),
                                    "frozen": optax.set_to_zero()}, labels)

    TF1 equivalent: one ``minimize(loss, var_list=tf.trainable_variables(scope))`` per
    optimizer.
    """
    compiled = _rules(rules)
    unmatched: list[str] = []

    def label(path: Sequence[Any], _leaf: Any) -> Any:
        name = path_name(path)
        for regex, value in compiled:
            if _matches(regex, name):
                return value
        if default is None:
            unmatched.append(name)
        return default

    labels = jax.tree_util.tree_map_with_path(label, params)
    if unmatched:
        shown = ", ".join(unmatched[:10]) + (" ..." if len(unmatched) > 10 else "")
        raise ValueError(
            f"scope_labels: {len(unmatched)} variable(s) match no rule and there is no "
            f"default: {shown}. Add a rule for them or pass default=<label>. Rules: "
            f"{[getattr(r, 'pattern', r) for r, _ in compiled]}."
        )
    return labels


def _as_list(scopes: Scope | Sequence[Scope] | None) -> list[re.Pattern[str]] | None:
    if scopes is None:
        return None
    if isinstance(scopes, (str, re.Pattern)):
        scopes = [scopes]
    return [_compile(s) for s in scopes]  # type: ignore[misc]


def scope_mask(
    params: Any,
    include: Scope | Sequence[Scope] | None = None,
    exclude: Scope | Sequence[Scope] | None = None,
) -> Any:
    """A tree like ``params`` of booleans for ``optax.masked``: True where the name matches.

    A leaf is True when it matches one of ``include`` (all leaves if ``None``) and none of
    ``exclude``; each is a regex or a list of them, matched as TF1's ``scope`` argument
    (``re.match`` on ``name + ":0"``).

    TF1 equivalent: ``var_list=tf.trainable_variables(include)`` (minus ``exclude``).
    """
    inc, exc = _as_list(include), _as_list(exclude)

    def keep(path: Sequence[Any], _leaf: Any) -> bool:
        name = path_name(path)
        if inc is not None and not any(_matches(r, name) for r in inc):
            return False
        return not (exc and any(_matches(r, name) for r in exc))

    return jax.tree_util.tree_map_with_path(keep, params)


def train_only(
    tx: optax.GradientTransformation,
    params: Any,
    include: Scope | Sequence[Scope] | None = None,
    exclude: Scope | Sequence[Scope] | None = None,
) -> optax.GradientTransformation:
    """``tx`` on the variables :func:`scope_mask` selects; every other variable frozen.

    The other variables get a zero update (``optax.set_to_zero``) and no optimizer state,
    as variables outside ``var_list`` had no slots in TF1. ``optax.apply_updates`` adds that
    zero, which leaves every value bit for bit except ``-0.0`` (which becomes ``+0.0``).

    TF1 equivalent: ``optimizer.minimize(loss, var_list=tf.trainable_variables(include))``.
    """
    mask = scope_mask(params, include, exclude)
    if not any(jax.tree.leaves(mask)):
        raise ValueError(
            f"train_only: no variable matches include={include!r} (exclude={exclude!r}); "
            f"the variables are {leaf_names(params)[:10]}."
        )
    labels = jax.tree.map(lambda m: "train" if m else "frozen", mask)
    return optax.multi_transform({"train": tx, "frozen": optax.set_to_zero()}, labels)
