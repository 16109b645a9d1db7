"""flaxscope as users get it: a built wheel installed in a fresh environment, and the
editable install of scripts/setup.sh run from an awkward directory.

The wheel test builds the sdist and the wheel (``python -m build``, offline: the test venv's
setuptools), installs the wheel into a new virtual environment that sees this environment's
dependencies but not the source tree, and from a scratch directory runs the README's first
code block and ``examples/char_lstm.py --smoke``. It takes about a minute (marked
``packaging``: ``-m "not packaging"`` leaves it out of a quick local run; scripts/test.sh
runs it).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that puts a source tree on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3", **extra)
    return env


def run(args: list[str], cwd: Path, timeout: int = 300, **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def readme_snippet() -> str:
    """The README's first ```python block: what a new user runs first."""
    match = re.search(
        r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S
    )
    assert match, "README.md has no python block"
    return match.group(1)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, built from this checkout."""
    pytest.importorskip("build", reason="`build` is not installed (the `test` extra has it)")
    setuptools = pytest.importorskip("setuptools", reason="setuptools is not installed")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} < 77 cannot build the SPDX license")
    out = tmp_path_factory.mktemp("dist")
    done = run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)], out
    )
    assert "SetuptoolsDeprecationWarning" not in done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def wheel_venv(dist, tmp_path_factory) -> Path:
    """A new virtual environment holding the wheel; this one's packages (jax, ...) visible
    through a .pth file, which adds paths but runs none of their .pth files (so not the
    editable install's)."""
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], venv)
    python = venv / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            env=clean_env(),
        ).stdout.strip()
    )
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "_parent_env.pth").write_text("\n".join(sorted(ours)) + "\n")
    (wheel,) = dist.glob("flaxscope-*.whl")
    run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
         "--no-deps", "--no-index", "--ignore-installed", "--disable-pip-version-check",
         str(wheel)],
        venv,
    )  # fmt: skip
    return venv


@pytest.mark.packaging
def test_sdist_and_wheel_carry_the_package_its_types_and_one_version(dist):
    version = re.search(
        r'^__version__ = "([^"]+)"', (ROOT / "flaxscope" / "__init__.py").read_text(), re.M
    )[1]
    (wheel,) = dist.glob(f"flaxscope-{version}-py3-none-any.whl")
    (sdist,) = dist.glob(f"flaxscope-{version}.tar.gz")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read(f"flaxscope-{version}.dist-info/METADATA").decode()
    assert "flaxscope/py.typed" in names and "flaxscope/compat/v1/__init__.py" in names
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/"))]
    assert f"Version: {version}" in metadata and "License-Expression: Apache-2.0" in metadata
    for extra in ("oracle", "examples", "orbax", "bench", "test", "upgrade", "summary"):
        assert f"Provides-Extra: {extra}" in metadata
    with tarfile.open(sdist) as t:
        members = {m.name.split("/", 1)[1] for m in t.getmembers() if "/" in m.name}
    assert {"pyproject.toml", "README.md", "flaxscope/py.typed"} <= members


@pytest.mark.packaging
def test_the_installed_wheel_runs_the_readme_and_an_example(wheel_venv, tmp_path):
    python = str(wheel_venv / "bin" / "python")
    where = run(
        [python, "-c", "import flaxscope, importlib.metadata as m; "
         "print(flaxscope.__file__, m.version('flaxscope'), flaxscope.__version__)"],
        tmp_path,
    ).stdout.split()  # fmt: skip
    assert where[0].startswith(str(wheel_venv)) and where[1] == where[2]
    assert (Path(where[0]).parent / "py.typed").is_file()

    (tmp_path / "snippet.py").write_text(readme_snippet())
    run([python, "snippet.py"], tmp_path)

    shutil.copy(ROOT / "examples" / "char_lstm.py", tmp_path / "char_lstm.py")
    out = tmp_path / "out"
    done = run([python, "char_lstm.py", "--smoke", "--out", str(out)], tmp_path, MPLBACKEND="Agg")
    assert "step 20: valid loss" in done.stdout
    assert (out / "loss.png").is_file() and list(out.glob("model.ckpt-20.index"))
    assert "\r" not in done.stdout  # no progress bar: the output is not a terminal


def test_the_editable_install_wins_over_a_folder_named_flaxscope(tmp_path):
    """Python started in the folder that holds the clone (itself called ``flaxscope``) must
    import the package, not the clone's folder as an empty namespace package."""
    installs = list(importlib.metadata.distributions(name="flaxscope"))
    if not installs:
        pytest.skip("flaxscope is not installed in this environment (scripts/setup.sh does it)")
    urls = [json.loads(d.read_text("direct_url.json") or "{}") for d in installs]
    if not any(url.get("dir_info", {}).get("editable") for url in urls):
        pytest.skip("flaxscope is installed, but not as an editable install of a checkout")
    (tmp_path / "flaxscope" / "examples").mkdir(parents=True)  # what a clone looks like here
    done = subprocess.run(
        [sys.executable, "-c", "import flaxscope; print(flaxscope.__file__); flaxscope.transform"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("__init__.py"), (
        f"{done.stdout}{done.stderr[-1500:]}\nthe editable install lost to the folder "
        "'flaxscope' in the working directory: reinstall with scripts/setup.sh "
        "(pip install --config-settings editable_mode=compat -e .)"
    )
