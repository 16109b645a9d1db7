"""``fs.pin_cpu_threads``: XLA:CPU's worker threads end up one per core, in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import flaxscope as fs

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread affinity is Linux only"
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROBE = textwrap.dedent(
    """
    import json, os, warnings
    import jax, jax.numpy as jnp
    import flaxscope as fs
    from flaxscope import cpu_threads
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pinned = fs.pin_cpu_threads()
    x = jnp.arange(12.0).reshape(3, 4)
    value = float(jnp.sum(x @ x.T))
    tids = cpu_threads.xla_worker_threads()
    affinity = {str(t): sorted(os.sched_getaffinity(t)) for t in tids}
    print(json.dumps({"pinned": pinned, "workers": len(tids), "affinity": affinity,
                      "cores": sorted(os.sched_getaffinity(0)), "value": value,
                      "warnings": [str(w.message) for w in caught]}))
    """
)


def run_probe(env_value: str | None) -> dict:
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=ROOT)
    env.pop(fs.cpu_threads.ENV_VAR, None)
    if env_value is not None:
        env[fs.cpu_threads.ENV_VAR] = env_value
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_workers_pinned_one_per_core_round_robin():
    result = run_probe("1")
    cores = result["cores"]
    if result["workers"] == 0:
        # A jaxlib that names its workers otherwise: nothing pinned, and a warning says so.
        assert result["pinned"] == 0
        assert any("no XLA:CPU worker thread" in w for w in result["warnings"])
        pytest.skip(f"this jaxlib has no {fs.cpu_threads.WORKER_THREAD_NAME!r} threads")
    assert result["pinned"] == result["workers"]
    assert not result["warnings"]
    sets = [tuple(a) for a in result["affinity"].values()]
    assert all(len(s) == 1 and s[0] in cores for s in sets)
    # Round robin over the allowed cores: as many distinct cores as workers allow.
    assert len(set(sets)) == min(len(sets), len(cores))
    assert result["value"] == 1134.0  # the computation is unchanged


def test_off_by_default_and_when_disabled():
    for value in (None, "0"):
        result = run_probe(value)
        assert result["pinned"] == 0
        if len(result["cores"]) > 1:
            assert all(len(a) > 1 for a in result["affinity"].values())
    assert fs.pin_cpu_threads(False) == 0
