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


class _HideTensorFlow:
    """A meta-path finder that makes ``import tensorflow`` (and tf_keras) fail."""

    HIDDEN = ("tensorflow", "tf_keras", "tf_slim")

    def find_spec(self, name, path=None, target=None):  # noqa: ARG002
        if name.split(".")[0] in self.HIDDEN:
            raise ModuleNotFoundError(
                f"{name} is hidden by --hide-tf (FLAXSCOPE_HIDE_TF=1)", name=name
            )
        return None


def pytest_addoption(parser):
    parser.addoption(
        "--hide-tf",
        action="store_true",
        help="run as if TensorFlow were not installed: the oracle tests skip and the "
        "differential programs compare with their golden files only",
    )


def pytest_configure(config):
    if config.getoption("--hide-tf") or os.environ.get("FLAXSCOPE_HIDE_TF") == "1":
        import sys

        if any(m.split(".")[0] in _HideTensorFlow.HIDDEN for m in sys.modules):
            raise pytest.UsageError("--hide-tf: TensorFlow was imported before the tests ran.")
        sys.meta_path.insert(0, _HideTensorFlow())
