"""The hand-written differential programs: flaxscope must match ``tf.compat.v1`` exactly.

TF's answers come from the golden files (``golden/<topic>.json``), so these run without
TensorFlow; ``test_diff_golden.py`` checks the files against TF where it is installed.
"""

from __future__ import annotations

import functools

import pytest

from tests.differential import golden, harness
from tests.differential.programs import PROGRAMS, X64_PROGRAMS, Case


@functools.cache
def _records(topic: str) -> dict[str, harness.TFResult]:
    return golden.load(topic)


def _tf_answer(case: Case) -> harness.TFResult:
    recorded = _records(case.topic).get(case.name)
    if recorded is None:
        pytest.fail(
            f"{case.id} has no record in {golden.path(case.topic)}: run "
            "FLAXSCOPE_REFRESH_GOLDEN=1 python -m pytest tests/differential/test_diff_golden.py "
            "with TensorFlow installed."
        )
    return recorded


def test_enough_programs() -> None:
    assert len(PROGRAMS) >= 150
    assert len({case.id for case in PROGRAMS}) == len(PROGRAMS)


@pytest.mark.parametrize("case", PROGRAMS, ids=[case.id for case in PROGRAMS])
def test_program(case: Case) -> None:
    problem = harness.check_program(case.fn, strict_values=True, tf_result=_tf_answer(case))
    assert problem is None, f"{case.id}: {case.fn.__doc__}\n{problem}"


@pytest.mark.parametrize("case", X64_PROGRAMS, ids=[case.id for case in X64_PROGRAMS])
def test_x64_program(case: Case) -> None:
    import jax

    if not jax.config.jax_enable_x64:
        pytest.skip("64-bit dtypes need JAX_ENABLE_X64=1 (JAX truncates them to 32 bits)")
    problem = harness.check_program(case.fn, strict_values=True, tf_result=_tf_answer(case))
    assert problem is None, f"{case.id}: {case.fn.__doc__}\n{problem}"
