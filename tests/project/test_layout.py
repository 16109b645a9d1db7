"""The layout of tests/: folders that mirror the package, files pytest can import by basename."""

from __future__ import annotations

import collections
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# The differential programs import one another as the package tests.differential.
PACKAGES = {TESTS / "differential", TESTS / "differential" / "programs"}


def test_tests_live_in_topic_folders_with_unique_basenames() -> None:
    files = sorted(TESTS.rglob("test_*.py"))
    assert files, "no test files found"
    top_level = [f.name for f in files if f.parent == TESTS]
    assert not top_level, f"move these into the folder of what they test: {top_level}"
    by_name = collections.defaultdict(list)
    for f in files:
        by_name[f.name].append(str(f.relative_to(TESTS)))
    clashes = {name: where for name, where in by_name.items() if len(where) > 1}
    assert not clashes, f"pytest imports test files by basename; rename one of: {clashes}"
    stray = [
        str(init.relative_to(TESTS))
        for init in TESTS.rglob("__init__.py")
        if init.parent not in PACKAGES
    ]
    assert not stray, f"test folders are not packages here; remove {stray}"
