"""The golden files hold exactly what ``tf.compat.v1`` logs for every differential program.

With ``FLAXSCOPE_REFRESH_GOLDEN=1`` this rewrites them instead (see ``golden.py``).
"""

from __future__ import annotations

import collections

import pytest

pytest.importorskip(
    "tensorflow", reason="oracle tensorflow-cpu not installed; pip install -e .[oracle]"
)

from tests.differential import generator, golden, harness  # noqa: E402
from tests.differential.programs import PROGRAMS, X64_PROGRAMS  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:`tf.*is deprecated:UserWarning", "ignore:.*is deprecated:DeprecationWarning"
)


def test_golden_files_agree_with_tf() -> None:
    fresh: dict[str, dict[str, harness.TFResult]] = collections.defaultdict(dict)
    for case in PROGRAMS + X64_PROGRAMS:
        fresh[case.topic][case.name] = harness.run_tf(case.fn)
    if golden.refreshing():
        for topic, results in fresh.items():
            golden.save(topic, results)
        return
    problems = []
    for topic, results in sorted(fresh.items()):
        recorded = golden.load(topic)
        extra = sorted(set(recorded) - set(results))
        if extra:
            problems.append(f"{golden.path(topic).name}: records of no program: {extra}")
        for name, result in results.items():
            if name not in recorded:
                problems.append(f"{topic}-{name}: no record")
            elif golden.canonical(recorded[name]) != golden.canonical(result):
                problems.append(f"{topic}-{name}: the record differs from what TF logs now")
    assert not problems, (
        "\n".join(problems[:20]) + "\nRefresh with FLAXSCOPE_REFRESH_GOLDEN=1 if TF is right."
    )


RANDOM_COUNT = 1000  # the default seed's programs recorded


def test_random_program_records_agree_with_tf() -> None:
    seed = generator.DEFAULT_SEED
    fresh = {
        index: harness.run_tf(generator.as_program(nodes))
        for index, nodes in generator.generate_many(seed, 0, RANDOM_COUNT)
    }
    if golden.refreshing():
        golden.save_random(seed, fresh)
        return
    recorded = golden.load_random(seed)
    differ = [
        i
        for i in fresh
        if i not in recorded or golden.canonical(recorded[i]) != golden.canonical(fresh[i])
    ]
    assert not differ, (
        f"{len(differ)} random programs of seed {seed} are recorded differently from what "
        f"TF logs now (first: {differ[:10]}); refresh with FLAXSCOPE_REFRESH_GOLDEN=1."
    )


def test_a_record_reads_back_bit_for_bit() -> None:
    import numpy as np

    result = harness.TFResult(
        [("var", "a/w:0", [2], "float32"), ("value", np.arange(3, dtype=np.float16)), ("ok",)],
        ["a/w"],
        [],
    )
    back = golden.decode(golden.encode(result))
    assert back.events[1][1].dtype == np.float16
    assert golden.canonical(back) == golden.canonical(result)
