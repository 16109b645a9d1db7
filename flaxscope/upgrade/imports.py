"""Import rules: ``import tensorflow as tf`` and its spellings become
``import flaxscope.compat.v1 as tf``; ``tf.contrib`` modules and names with an equivalent
import it from flaxscope (``from tensorflow.contrib import rnn`` ->
``from flaxscope.compat.v1.nn import rnn_cell as rnn``); the rest stays and is reported.

Every name an import binds is recorded (:class:`Binder.bind`) with the TF1 path it meant
and the flaxscope path it means after conversion, so later uses (``rnn.static_rnn``) are
converted through the same table.
"""

from __future__ import annotations

from typing import Protocol

import libcst as cst

from flaxscope.upgrade import _cst as c
from flaxscope.upgrade import renames
from flaxscope.upgrade.namespace import ROOT_MODULE, Namespace


class Binder(Protocol):
    ns: Namespace

    def bind(self, local: str, tf_path: str, new_path: str | None,
             node: cst.CSTNode | None = None) -> None: ...

    def unconverted(self, node: cst.CSTNode, path: str, entry: renames.Rename | None,
                    reason: str | None) -> object: ...

    def not_converted(self, node: cst.CSTNode, path: str, note: str) -> None: ...


def strip_compat(path: str) -> str:
    """``compat.v1.nn.relu`` -> ``nn.relu``: TF2's ``tf.compat.v1`` is TF1's ``tf``."""
    if path == "compat.v1":
        return ""
    if path.startswith("compat.v1."):
        return path[len("compat.v1.") :]
    return path


def tf_path(module: str) -> tuple[str, bool] | None:
    """The ``tf.`` path a module name stands for, and whether it is flaxscope's own
    (``flaxscope.compat.v1.nn`` -> ``("nn", True)``); ``None`` for other modules."""
    if module == "tensorflow" or module.startswith("tensorflow."):
        return strip_compat(module[len("tensorflow") :].lstrip(".")), False
    if module == "tf_slim" or module.startswith("tf_slim."):  # TF-Slim's own package
        rest = module[len("tf_slim") :].lstrip(".")
        return "contrib.slim" + (f".{rest}" if rest else ""), False
    if module == ROOT_MODULE or module.startswith(ROOT_MODULE + "."):
        return module[len(ROOT_MODULE) :].lstrip("."), True
    return None


def _join(a: str, b: str) -> str:
    return f"{a}.{b}" if a else b


def _alias(name: str, local: str) -> cst.ImportAlias:
    asname = None if local == name.split(".")[-1] and "." not in name else cst.AsName(
        name=cst.Name(local))
    return cst.ImportAlias(name=c.chain(name), asname=asname)  # type: ignore[arg-type]


def module_import(ns: Namespace, path: str, local: str) -> cst.BaseSmallStatement | None:
    """The statement binding ``local`` to the flaxscope module ``tf.<path>``."""
    if ns.module_name(path) is None:
        return None
    if not path:
        return cst.Import(names=[cst.ImportAlias(
            name=c.chain(ROOT_MODULE), asname=cst.AsName(name=cst.Name(local)))])  # type: ignore[arg-type]
    parent, _, leaf = path.rpartition(".")
    parent_module = ns.module_name(parent)
    if parent_module is None:
        return None
    return cst.ImportFrom(module=c.chain(parent_module),  # type: ignore[arg-type]
                          names=[_alias(leaf, local)])


def kept_contrib(ns: Namespace, path: str) -> bool:
    """Whether ``tf.<path>`` is a ``tf.contrib`` name flaxscope has and the table does not
    rename to a TF1 core name (``contrib.slim.*``, ``contrib.layers.fully_connected``):
    it stays as written, with contrib's variable names and defaults."""
    if not path.startswith("contrib") or ns.missing(path) is not None:
        return False
    hit = renames.lookup(path)
    return hit is None or hit[1].new is None


def target(ns: Namespace, path: str) -> tuple[str | None, renames.Rename | None, str | None]:
    """``(new path or None, table entry, why not)`` for the TF1 path ``path``.

    A ``tf.contrib`` name flaxscope has itself (``contrib.slim``, ``contrib.layers``, ...)
    stays as written: it keeps contrib's variable names and defaults, which a rewrite to
    the TF1 core layer would change.
    """
    if kept_contrib(ns, path):
        return path, None, None
    new, entry = renames.renamed(path)
    if new is None:
        return None, entry, None
    if entry is None and path.startswith("contrib"):
        return None, None, None
    missing = ns.missing(new)
    if missing is not None:
        return None, entry, missing
    return new, entry, None


def convert(node: cst.Import | cst.ImportFrom, b: Binder) -> list[cst.BaseSmallStatement] | None:
    """The statements replacing an import (``None``: it stays as written)."""
    if isinstance(node, cst.Import):
        return _convert_import(node, b)
    return _convert_from(node, b)


def _convert_import(node: cst.Import, b: Binder) -> list[cst.BaseSmallStatement] | None:
    out: list[cst.BaseSmallStatement] = []
    kept: list[cst.ImportAlias] = []
    changed = False
    for alias in node.names:
        found = tf_path(c.module_path(alias))
        if found is None:
            kept.append(alias)
            continue
        path, own = found
        if alias.asname is None:
            # `import tensorflow[.x.y]` binds the name `tensorflow` to TF's root
            root = c.module_path(alias).split(".")[0]
            if root != "tensorflow":
                kept.append(alias)
                continue
            b.bind("tensorflow", "", "")
            out.append(module_import(b.ns, "", "tensorflow"))  # type: ignore[arg-type]
            changed = True
            continue
        local = alias.asname.name.value  # type: ignore[union-attr]
        if own:
            b.bind(local, path, path)
            kept.append(alias)
            continue
        new, entry, why = target(b.ns, path)
        stmt = None if new is None else module_import(b.ns, new, local)
        if stmt is None:
            b.bind(local, path, None, alias)
            b.unconverted(alias, path, entry, why)
            kept.append(alias)
            continue
        b.bind(local, path, new)
        out.append(stmt)
        changed = True
    if not changed:
        return None
    if kept:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        out.insert(0, node.with_changes(names=kept))
    return _dedupe(out)


def _convert_from(node: cst.ImportFrom, b: Binder) -> list[cst.BaseSmallStatement] | None:
    if node.relative or node.module is None:
        return None
    found = tf_path(c.dotted(node.module) or "")
    if found is None:
        return None
    base, own = found
    if isinstance(node.names, cst.ImportStar):
        b.not_converted(node, base or "*", "`import *` from TensorFlow: import the names you "
                        "use from flaxscope.compat.v1")
        return None
    out: list[cst.BaseSmallStatement] = []
    kept: list[cst.ImportAlias] = []
    for alias in node.names:
        name = c.module_path(alias)
        local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
        path = strip_compat(_join(base, name))
        if own:
            b.bind(local, path, path)
            kept.append(alias)
            continue
        new, entry, why = target(b.ns, path)
        stmt = None
        if new is not None:
            stmt = module_import(b.ns, new, local)
            if stmt is None:
                parent, _, leaf = new.rpartition(".")
                parent_module = b.ns.module_name(parent)
                if parent_module is not None:
                    stmt = cst.ImportFrom(module=c.chain(parent_module),  # type: ignore[arg-type]
                                          names=[_alias(leaf, local)])
        if stmt is None:
            b.bind(local, path, None, alias)
            b.unconverted(alias, path, entry, why)
            kept.append(alias)
            continue
        b.bind(local, path, new)
        out.append(stmt)
    if len(kept) == len(node.names):
        return None
    if kept:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        out.insert(0, node.with_changes(names=kept))
    return _merge_from(_dedupe(out))


def _dedupe(stmts: list[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement]:
    seen, out = set(), []
    for s in stmts:
        key = cst.Module([]).code_for_node(s)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _merge_from(stmts: list[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement]:
    """``from m import a`` + ``from m import b`` -> ``from m import a, b``."""
    out: list[cst.BaseSmallStatement] = []
    by_module: dict[str, int] = {}
    for s in stmts:
        if isinstance(s, cst.ImportFrom) and s.module is not None and not isinstance(
                s.names, cst.ImportStar):
            key = c.dotted(s.module) or ""
            if key in by_module:
                prev = out[by_module[key]]
                names = [*prev.names, *s.names]  # type: ignore[union-attr]
                names = [n.with_changes(comma=cst.MaybeSentinel.DEFAULT) for n in names]
                out[by_module[key]] = prev.with_changes(names=names, lpar=None, rpar=None)
                continue
            by_module[key] = len(out)
        out.append(s)
    return out
