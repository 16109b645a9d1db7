"""Walking a jaxpr for the structural tests of tests/nn: every equation, nested ones
(scan and custom-derivative bodies, cond branches) included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def equations(jaxpr: Any) -> Iterator[Any]:
    """The equations of ``jaxpr`` (a ``Jaxpr`` or ``ClosedJaxpr``) and of every jaxpr in
    their parameters, depth first."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
    for eqn in jaxpr.eqns:
        yield eqn
        for value in eqn.params.values():
            for sub in value if isinstance(value, (list, tuple)) else [value]:
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    yield from equations(inner)
