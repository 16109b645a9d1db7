"""The hand-written differential programs: flaxscope must match ``tf.compat.v1`` exactly."""

from __future__ import annotations

import pytest

pytest.importorskip(
    "tensorflow", reason="oracle tensorflow-cpu not installed; pip install -e .[oracle]"
)

from tests.differential import harness  # noqa: E402
from tests.differential.programs import PROGRAMS, X64_PROGRAMS  # noqa: E402


def test_enough_programs() -> None:
    assert len(PROGRAMS) >= 150
    assert len({case.id for case in PROGRAMS}) == len(PROGRAMS)


@pytest.mark.parametrize("case", PROGRAMS, ids=[case.id for case in PROGRAMS])
def test_program(case) -> None:
    problem = harness.check_program(case.fn, strict_values=True)
    assert problem is None, f"{case.id}: {case.fn.__doc__}\n{problem}"


@pytest.mark.parametrize("case", X64_PROGRAMS, ids=[case.id for case in X64_PROGRAMS])
def test_x64_program(case) -> None:
    import jax

    if not jax.config.jax_enable_x64:
        pytest.skip("64-bit dtypes need JAX_ENABLE_X64=1 (JAX truncates them to 32 bits)")
    problem = harness.check_program(case.fn, strict_values=True)
    assert problem is None, f"{case.id}: {case.fn.__doc__}\n{problem}"
