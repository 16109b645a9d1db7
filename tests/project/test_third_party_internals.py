"""The private parts of JAX, Flax and LibCST flaxscope relies on, each read in one function.

None of them has a public equivalent (see each function's docstring). If a release moves
one, these tests fail by name, before the behaviour that depends on it changes quietly.
"""

from __future__ import annotations

import ast
import pathlib
import sys

import jax
import jax.extend.core as jex_core
import jax.numpy as jnp
import pytest

import flaxscope
from flaxscope import store


def test_jax_tracer_trace_and_parent_trace() -> None:
    """store.tracer_trace (``Tracer._trace``) and ``parent_trace`` (the trace guard's walk)."""
    seen: dict[str, bool] = {}

    @jax.jit
    def outer_fn(x: jax.Array) -> jax.Array:
        with jex_core.take_current_trace() as outer:
            pass

        def inner_fn(y: jax.Array) -> jax.Array:
            with jex_core.take_current_trace() as inner:
                pass
            seen["inner"] = store.tracer_trace(y) is inner
            seen["parent"] = getattr(inner, "parent_trace", None) is outer
            return y

        seen["outer"] = store.tracer_trace(x) is outer
        return jax.vmap(inner_fn)(x)

    outer_fn(jnp.ones(3))
    assert seen == {"outer": True, "inner": True, "parent": True}, (
        "JAX moved Tracer._trace or BatchTrace.parent_trace: update store.tracer_trace and "
        "store._of_outer_trace"
    )
    assert store.tracer_trace(jnp.ones(2)) is None


def test_flax_module_stack() -> None:
    """flaxscope.linen.linen_module_stack (``flax.linen.module._context.module_stack``)."""
    pytest.importorskip("flax", reason="flaxscope.linen needs flax")
    from flaxscope import linen

    stack = linen.linen_module_stack()
    assert isinstance(stack, list) and stack[-1] is None, (
        "Flax moved linen's module stack: update flaxscope.linen.linen_module_stack"
    )


def test_libcst_codegen_hook() -> None:
    """flaxscope.upgrade.positions (``CodegenState`` and ``Module._codegen``)."""
    cst = pytest.importorskip("libcst", reason="the upgrade tool needs libcst")
    from libcst._nodes.internal import CodegenState

    from flaxscope.upgrade.positions import locate

    assert callable(getattr(cst.Module, "_codegen", None)), "LibCST removed Module._codegen"
    assert "add_token" in dir(CodegenState) and "before_codegen" in dir(CodegenState)
    module = cst.parse_module("x = 1\nif x:\n    y = 2\n")
    node = module.body[1].body.body[0]
    assert locate(module, [node]) == {id(node): (3, 4)}


def test_xla_bridge_backends() -> None:
    """flaxscope.xla_cpu.xla_started (``jax._src.xla_bridge._backends``)."""
    from flaxscope.xla_cpu import xla_started

    jax.devices()
    bridge = sys.modules["jax._src.xla_bridge"]
    assert "_backends" in vars(bridge), "JAX moved xla_bridge._backends: update xla_started"
    assert xla_started()


# Where flaxscope may reach into another library's private parts: the functions above.
_ALLOWED = {
    "store.py": {"getattr _trace"},
    "linen.py": {"getattr _context"},
    "xla_cpu.py": {"getattr _backends", "module jax._src.xla_bridge"},
    "upgrade/positions.py": {"import libcst._nodes.internal", "attribute _codegen"},
}
# Underscored by convention only, documented as public: namedtuple's methods, sys._getframe.
_DOCUMENTED = {"attribute _asdict", "attribute _fields", "attribute _replace", "attribute _make"}
_DOCUMENTED |= {"attribute _getframe"}


def _third_party_privates(source: str, own: set[str]) -> set[str]:
    """What ``source`` reads of other libraries' private parts: imports of their private
    modules, ``getattr(x, "_name")`` with a literal, ``sys.modules`` lookups of private
    modules, and ``._name`` attributes of anything but ``self``/``cls`` and flaxscope's own
    private names (``own``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if not node.module.startswith("flaxscope") and any(
                part.startswith("_") and not part.startswith("__")
                for part in node.module.split(".")
            ):
                found.add(f"import {node.module}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = node.args
            if node.func.id == "getattr" and len(args) >= 2 and isinstance(args[1], ast.Constant):
                name = args[1].value
                if isinstance(name, str) and name.startswith("_") and not name.startswith("__"):
                    found.add(f"getattr {name}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "._" in node.value and " " not in node.value and node.value.count(".") >= 2:
                found.add(f"module {node.value}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            if node.attr.startswith("__") or node.attr in own:
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            found.add(f"attribute {node.attr}")
    return found


def test_no_other_reads_of_third_party_internals() -> None:
    root = pathlib.Path(flaxscope.__file__).parent
    sources = {p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*.py")}
    own = set()
    for source in sources.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id in ("self", "cls"):
                    own.add(node.attr)
            elif isinstance(node, ast.Name):
                own.add(node.id)
            elif isinstance(node, ast.arg):
                own.add(node.arg)
    unexpected = {
        path: sorted(found)
        for path, source in sorted(sources.items())
        if (found := _third_party_privates(source, own) - _ALLOWED.get(path, set()) - _DOCUMENTED)
    }
    assert unexpected == {}, (
        "a new read of another library's private parts: isolate it in one function that "
        f"says why, test it above, and list it in _ALLOWED: {unexpected}"
    )
    for path, allowed in _ALLOWED.items():
        assert allowed <= _third_party_privates(sources[path], own), f"stale _ALLOWED: {path}"
    assert _third_party_privates("import jax\njax._src.core.x\n", set()) == {"attribute _src"}
