"""fs.xla_cpu_convolutions: XLA:CPU's convolutions on Eigen, set before the backend starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jaxlib
import numpy as np
import pytest

import flaxscope as fs
from flaxscope import xla_cpu

ROOT = Path(__file__).resolve().parents[2]
verified_jaxlib = pytest.mark.skipif(
    jaxlib.__version__ not in xla_cpu.VERIFIED,
    reason=f"the flag's value is checked for jaxlib {sorted(xla_cpu.VERIFIED)} only",
)

# In a fresh process: the switch from the environment, the flag in XLA's compiled program
# (a lone convolution is no YNNPACK fusion any more), and the CNN of benchmarks/tf1_graph.py
# (batch 16: the chunked kernel gradient too), its loss before and after one momentum step
# from the same initial values as TF1 graph mode (oneDNN on, its default).
PROBE = textwrap.dedent(
    """
    import importlib.util, json, os, sys
    import flaxscope as fs
    import flaxscope.compat.v1 as tf
    first = fs.xla_cpu_convolutions()
    flags = os.environ.get("XLA_FLAGS", "")
    import jax, numpy as np
    x, k = np.ones((4, 14, 14, 32), np.float32), np.ones((3, 3, 32, 64), np.float32)
    conv = jax.jit(lambda x, k: tf.nn.conv2d(x, k, strides=[1, 1, 1, 1], padding="SAME"))
    hlo = conv.lower(x, k).compile().as_text()
    spec = importlib.util.spec_from_file_location("bench", sys.argv[1])
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ours = bench.run_flaxscope("cnn", (16,), 1, export_initial=True)
    theirs = bench.run_tf1("cnn", (16,), 1, initial=ours.pop("initial"))
    print("RESULT " + json.dumps({
        "first": first, "again": fs.xla_cpu_convolutions(), "flags": flags,
        "settings": ours["settings"], "conv_in_ynn": "__ynn_fusion" in hlo,
        "ours": ours["losses"], "theirs": theirs["losses"],
    }))
    """
)


def _probe(setting: str | None, xla_flags: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if k not in (xla_cpu.ENV_VAR, "XLA_FLAGS")}
    if setting is not None:
        env[xla_cpu.ENV_VAR] = setting
    if xla_flags:
        env["XLA_FLAGS"] = xla_flags
    env.update(JAX_PLATFORMS="cpu", TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    script = str(ROOT / "benchmarks" / "tf1_graph.py")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    line = [s for s in out.stdout.splitlines() if s.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


@verified_jaxlib
def test_eigen_reaches_xla_and_the_cnn_matches_tf1() -> None:
    pytest.importorskip("tensorflow", reason="the CNN's numbers are checked against TF1")
    flag = f"{xla_cpu.FLAG}={xla_cpu.VERIFIED[jaxlib.__version__]}"
    eigen, default = _probe("eigen"), _probe(None)
    assert (eigen["first"], eigen["again"], eigen["flags"]) == ("eigen", "eigen", flag)
    assert eigen["settings"]["xla_cpu_convolutions"] == "eigen"
    assert (default["first"], default["flags"], default["settings"]["XLA_FLAGS"]) == (
        "default",
        "",
        "",
    )
    # The flag reached XLA: the same convolution is a YNNPACK fusion only without it.
    assert not eigen["conv_in_ynn"] and default["conv_in_ynn"]
    for run in (eigen, default):
        ours, theirs = np.array(run["ours"]), np.array(run["theirs"])
        assert ours.shape == theirs.shape == (2,) and np.isfinite(ours).all()
        np.testing.assert_allclose(ours, theirs, rtol=2e-5)
    np.testing.assert_allclose(eigen["ours"], default["ours"], rtol=2e-5)


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(xla_cpu.ENV_VAR, raising=False)
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
    monkeypatch.setattr(xla_cpu, "_applied", None)
    return monkeypatch


def test_refuses_once_the_backend_started(clean: pytest.MonkeyPatch) -> None:
    jax.devices()
    assert xla_cpu.xla_started()
    assert fs.xla_cpu_convolutions() == fs.xla_cpu_convolutions("default") == "default"
    clean.setattr(xla_cpu, "VERIFIED", {jaxlib.__version__: "-individual_convolution"})
    with pytest.raises(RuntimeError, match=r"backend has already started.*before the first JAX"):
        fs.xla_cpu_convolutions("eigen")
    clean.setenv(xla_cpu.ENV_VAR, "eigen")
    with pytest.raises(RuntimeError, match=xla_cpu.ENV_VAR):
        fs.xla_cpu_convolutions()
    assert os.environ["XLA_FLAGS"] == "--xla_force_host_platform_device_count=8"


def test_unverified_jaxlib_warns_and_changes_nothing(clean: pytest.MonkeyPatch) -> None:
    clean.setattr(xla_cpu, "VERIFIED", {"0.0.1": "-individual_convolution"})
    with pytest.warns(RuntimeWarning, match=r"jaxlib .* is not one it was checked with"):
        assert fs.xla_cpu_convolutions("eigen") == "default"
    assert os.environ["XLA_FLAGS"] == "--xla_force_host_platform_device_count=8"


def test_the_users_flag_wins(clean: pytest.MonkeyPatch) -> None:
    clean.setattr(xla_cpu, "VERIFIED", {jaxlib.__version__: "-individual_convolution"})
    for own, said in [("-individual_convolution", "eigen"), ("+eltwise", "XLA_FLAGS")]:
        flags = f"--xla_force_host_platform_device_count=8 {xla_cpu.FLAG}={own}"
        clean.setenv("XLA_FLAGS", flags)
        for library in ("eigen", "default", None):
            assert fs.xla_cpu_convolutions(library) == said  # no refusal: nothing changes
        assert os.environ["XLA_FLAGS"] == flags


def test_unknown_library_is_refused(clean: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"unknown library 'onednn'.*\('default', 'eigen'\)"):
        fs.xla_cpu_convolutions("onednn")
    clean.setenv(xla_cpu.ENV_VAR, "Ynnpack")
    with pytest.raises(ValueError, match=xla_cpu.ENV_VAR):
        fs.xla_cpu_convolutions()


@verified_jaxlib
def test_compiler_options_for_one_jit() -> None:
    x = np.random.default_rng(0).normal(size=(4, 14, 14, 32)).astype(np.float32)
    k = np.random.default_rng(1).normal(size=(3, 3, 32, 64)).astype(np.float32)

    def conv(x, k):
        return jax.lax.conv_general_dilated(
            x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )

    assert fs.xla_cpu_compiler_options("default") == {}
    options = fs.xla_cpu_compiler_options()
    eigen = jax.jit(conv, compiler_options=options).lower(x, k).compile()
    default = jax.jit(conv).lower(x, k).compile()
    assert "__ynn_fusion" not in eigen.as_text() and "__ynn_fusion" in default.as_text()
    np.testing.assert_allclose(eigen(x, k), default(x, k), rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="unknown library 'onednn'"):
        fs.xla_cpu_compiler_options("onednn")


def test_compiler_options_unverified_jaxlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xla_cpu, "VERIFIED_LISTS", {})
    with pytest.warns(RuntimeWarning, match="is not one it was checked with"):
        assert fs.xla_cpu_compiler_options("eigen") == {}
