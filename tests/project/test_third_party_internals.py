"""The private parts of JAX, Flax and LibCST flaxscope relies on, each read in one function.

None of them has a public equivalent (see each function's docstring). If a release moves
one, these tests fail by name, before the behaviour that depends on it changes quietly.
"""

from __future__ import annotations

import sys

import jax
import jax.extend.core as jex_core
import jax.numpy as jnp
import pytest

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
    """flaxscope.upgrade.files.xla_started (``jax._src.xla_bridge._backends``)."""
    pytest.importorskip("libcst", reason="the upgrade tool needs libcst")
    from flaxscope.upgrade.files import xla_started

    jax.devices()
    bridge = sys.modules["jax._src.xla_bridge"]
    assert "_backends" in vars(bridge), "JAX moved xla_bridge._backends: update xla_started"
    assert xla_started()
