"""The package's import graph: one way, no cycles, counting imports inside functions."""

from __future__ import annotations

import ast
import pathlib

import flaxscope

ROOT = pathlib.Path(flaxscope.__file__).parent


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: pathlib.Path, known: set[str]) -> set[str]:
    """The flaxscope modules ``name`` imports anywhere in its body (functions included).

    ``from a.b import c`` depends on ``a.b.c`` when that is a module, else on ``a.b``; the
    package's own ``__init__`` (the public facade) is left out of module dependencies.
    """
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) - {"flaxscope"} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walker_sees_function_level_imports() -> None:
    source = "def f():\n    from flaxscope import store\n"
    tree = ast.parse(source)
    assert any(isinstance(n, ast.ImportFrom) for n in ast.walk(tree))
    graph = _graph()
    assert "flaxscope.store" in graph["flaxscope.scopes"]
    assert "flaxscope.checkpoint.bundle" in graph["flaxscope.checkpoint.reader"]


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_core_layers_import_one_way() -> None:
    """store -> scopes -> variables -> transform/lift -> layers, nn, ops, train -> compat."""
    order = [
        "flaxscope.store",
        "flaxscope.scopes",
        "flaxscope.variables",
        "flaxscope.transform",
        "flaxscope.lift",
    ]
    graph = _graph()
    for i, lower in enumerate(order):
        for upper in order[i + 1 :]:
            assert upper not in graph[lower], f"{lower} imports {upper}"
    for name, deps in graph.items():
        if not name.startswith("flaxscope.compat"):
            assert not any(d.startswith("flaxscope.compat") for d in deps), name
    # leaf modules only: errors, and TensorShape (a record's get_shape())
    leaves = {"flaxscope.errors", "flaxscope.tensor_shape"}
    assert not graph["flaxscope.store"] - leaves, graph["flaxscope.store"]
    assert not graph["flaxscope.tensor_shape"], graph["flaxscope.tensor_shape"]


def test_a_cycle_is_found() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# Private names still imported across modules, each with the reason it waits (none now).
_PRIVATE_IMPORTS_ALLOWED: dict[str, set[str]] = {}


def _private_imports(name: str, source: str, known: set[str]) -> list[str]:
    """``from flaxscope.a import _b`` where ``_b`` is a private name, not a module, and
    ``a._b`` through an imported flaxscope module ``a``.

    Private modules (``flaxscope.ops._registry``) may be imported and their public names
    used: that is how the package shares helpers. A module's own ``_name`` is its business.
    """
    package = name if name in _PACKAGES else name.rpartition(".")[0]
    allowed = _PRIVATE_IMPORTS_ALLOWED.get(name, set())
    tree = ast.parse(source)
    out = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    aliases[alias.asname or alias.name] = alias.name
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        if not base.startswith("flaxscope") or base in allowed:
            continue
        for alias in node.names:
            full = f"{base}.{alias.name}"
            if full in known:
                aliases[alias.asname or alias.name] = full
            elif alias.name.startswith("_") and not alias.name.startswith("__"):
                out.append(f"{name} imports {alias.name} from {base}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and f"{aliases[node.value.id]}.{node.attr}" not in known
            and aliases[node.value.id] not in allowed
        ):
            out.append(f"{name} reads {node.attr} of {aliases[node.value.id]}")
    return out


_PACKAGES = {n for n, p in _modules().items() if p.name == "__init__.py"}


def test_no_module_imports_another_modules_private_names() -> None:
    modules = _modules()
    known = set(modules)
    found = [
        line
        for name, path in sorted(modules.items())
        for line in _private_imports(name, path.read_text(encoding="utf-8"), known)
    ]
    assert found == [], (
        "Share a helper as a public name of an internal module (ops/_convert.py, "
        "layers/_args.py, checkpoint/_files.py) instead:\n" + "\n".join(found)
    )


def test_the_private_import_check_sees_one() -> None:
    known = set(_modules())
    bad = "from flaxscope.layers.base import _hidden\nfrom flaxscope.ops import _registry\n"
    assert _private_imports("flaxscope.layers.core", bad, known) == [
        "flaxscope.layers.core imports _hidden from flaxscope.layers.base"
    ]
    attribute = "from flaxscope import initializers as _init\n_init._hidden(1)\n"
    assert _private_imports("flaxscope.variables", attribute, known) == [
        "flaxscope.variables reads _hidden of flaxscope.initializers"
    ]
    relative = "from .base import _hidden\n"
    assert _private_imports("flaxscope.layers.core", relative, known) == [
        "flaxscope.layers.core imports _hidden from flaxscope.layers.base"
    ]
    for name in _PRIVATE_IMPORTS_ALLOWED:
        assert name in known, f"{name} is gone: drop it from _PRIVATE_IMPORTS_ALLOWED"
