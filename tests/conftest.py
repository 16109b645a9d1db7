"""Shared test set-up: the TF1 oracle's environment, and a fresh default store per test."""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# 8 simulated CPU devices for the sharding tests; set before JAX starts its backend.
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
    ).strip()

import pytest  # noqa: E402

import flaxscope as fs  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_default_graph():
    fs.reset_default_graph()
    yield
    fs.reset_default_graph()


@pytest.fixture(scope="session")
def tf1():
    """``tf.compat.v1`` (the oracle), or a skip saying why it is missing."""
    tf = pytest.importorskip(
        "tensorflow",
        reason="oracle tensorflow-cpu is not installed (pip install -e '.[oracle]')",
    )
    return tf.compat.v1
