"""Which library XLA:CPU runs convolutions with: one documented, opt-in switch.

TF1 on CPU runs ``tf.nn.conv2d`` and its gradients through oneDNN (on by default since TF
2.9), on every core. XLA:CPU (jaxlib 0.10) hands each convolution to YNNPACK, which on the
2-core machine of ``benchmarks/RESULTS.md`` ran a 3x3, 32 -> 64 channel convolution on one
core only; its older Eigen path uses the whole thread pool. The switch moves convolutions
(forward and both gradients) to Eigen and leaves matrix products and reductions on YNNPACK:

* ``flaxscope.xla_cpu_convolutions("eigen")`` at the top of a script, or
* ``FLAXSCOPE_XLA_CPU_CONVOLUTIONS=eigen`` in the environment and a call of
  ``flaxscope.xla_cpu_convolutions()`` (``benchmarks/tf1_graph.py`` makes it).

It appends XLA's ``--xla_cpu_experimental_ynn_fusion_type=-individual_convolution`` to
``XLA_FLAGS``, which XLA reads once, when JAX starts its CPU backend; so the call must come
before the first JAX computation, and it refuses afterwards. XLA aborts the whole process on
a flag value it does not know, so the flag is only written for the jaxlib versions it was
checked against (``VERIFIED``); on any other the call warns and changes nothing.

For one compiled function instead of the process (and after the backend started):
``jax.jit(step, compiler_options=flaxscope.xla_cpu_compiler_options("eigen"))``.
"""

from __future__ import annotations

import os
import shlex
import sys
import warnings

import jaxlib

__all__ = [
    "ENV_VAR",
    "FLAG",
    "LIBRARIES",
    "VERIFIED",
    "VERIFIED_LISTS",
    "eigen_convolutions",
    "xla_cpu_compiler_options",
    "xla_cpu_convolutions",
    "xla_started",
]

ENV_VAR = "FLAXSCOPE_XLA_CPU_CONVOLUTIONS"
FLAG = "--xla_cpu_experimental_ynn_fusion_type"
LIBRARIES = ("default", "eigen")
# jaxlib version -> the flag's value that takes convolutions (and only them) off YNNPACK.
# Checked by compiling the CNN train step of benchmarks/tf1_graph.py both ways.
VERIFIED = {"0.10.2": "-individual_convolution"}
# The same for one jax.jit: compiler options name the enum in full and replace the whole
# list, so this is the version's default list without convolutions (same optimized HLO).
VERIFIED_LISTS = {"0.10.2": "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE"}

_applied: str | None = None  # the XLA_FLAGS item this module added


def xla_started() -> bool:
    """Whether JAX has started its XLA backends (and read ``XLA_FLAGS``) in this process.

    JAX has no public way to ask without starting them (``jax.devices()`` would), so this
    reads ``jax._src.xla_bridge._backends``, flaxscope's one read of that JAX internal; a
    JAX without it counts as started (the safe answer), and
    tests/project/test_third_party_internals.py fails loudly.
    """
    bridge = sys.modules.get("jax._src.xla_bridge")
    return bridge is not None and bool(getattr(bridge, "_backends", True))


def _users_setting(flags: str) -> str | None:
    """The value the user's own ``XLA_FLAGS`` give the flag (the last one wins), if any."""
    value = None
    for item in shlex.split(flags):
        if item == _applied:
            continue
        name, _, rest = item.partition("=")
        if name == FLAG:
            value = rest
    return value


def xla_cpu_compiler_options(library: str = "eigen") -> dict[str, str]:
    """``jax.jit`` compiler options that run one function's convolutions on ``library``.

    ``jax.jit(step, compiler_options=flaxscope.xla_cpu_compiler_options("eigen"))`` does for
    one compiled function what ``xla_cpu_convolutions("eigen")`` does for the process, and
    works after the backend started. ``"default"`` gives ``{}``. On a jaxlib not in
    ``VERIFIED_LISTS`` it warns and returns ``{}``. flaxscope's own formulations (the
    chunked kernel gradient) cannot see these options and stay as for YNNPACK.

    TF1 equivalent: none (TF's convolutions ran on oneDNN on every core).
    """
    if library not in LIBRARIES:
        raise ValueError(
            f"xla_cpu_compiler_options: unknown library {library!r}; use one of {LIBRARIES}."
        )
    listed = VERIFIED_LISTS.get(jaxlib.__version__)
    if library == "default":
        return {}
    if listed is None:
        warnings.warn(
            f"xla_cpu_compiler_options('eigen') leaves XLA's default: jaxlib "
            f"{jaxlib.__version__} is not one it was checked with "
            f"({', '.join(sorted(VERIFIED_LISTS))}).",
            RuntimeWarning,
            stacklevel=2,
        )
        return {}
    return {FLAG.lstrip("-"): listed}


def eigen_convolutions() -> bool:
    """Whether XLA:CPU runs convolutions on Eigen in this process, as far as ``XLA_FLAGS``
    (this module's setting or the user's own) tells; flaxscope's CPU formulations of the
    convolution's gradients follow it."""
    if _applied is not None:
        return True
    users = _users_setting(os.environ.get("XLA_FLAGS", ""))
    return users is not None and "-individual_convolution" in users.split(",")


def xla_cpu_convolutions(library: str | None = None) -> str:
    """Chooses the library XLA:CPU runs convolutions with: ``"eigen"`` or ``"default"``.

    ``library=None`` reads ``$FLAXSCOPE_XLA_CPU_CONVOLUTIONS`` (unset or empty means
    ``"default"``). ``"eigen"`` runs every convolution and its gradients on Eigen's
    multi-threaded kernels instead of YNNPACK's (XLA's default in jaxlib 0.10); matrix
    products, reductions and elementwise code are unchanged. Values change only by float32
    rounding. Call it before the first JAX computation of the process.

    Returns the setting in effect: ``"eigen"``, ``"default"``, or ``"XLA_FLAGS"`` when the
    user's own ``XLA_FLAGS`` already set ``--xla_cpu_experimental_ynn_fusion_type`` to
    something else (that setting is kept as it is). On a jaxlib not in ``VERIFIED`` it warns
    and returns ``"default"`` without touching ``XLA_FLAGS``.

    Raises ``RuntimeError`` when the setting would change after JAX started its CPU backend,
    and ``ValueError`` for an unknown ``library``.

    TF1 equivalent: none needed, as TF's convolutions ran on oneDNN on all cores by default
    (``TF_ENABLE_ONEDNN_OPTS=1``); this is the nearest XLA:CPU setting.
    """
    global _applied
    if library is None:
        library = os.environ.get(ENV_VAR, "").strip().lower() or "default"
    if library not in LIBRARIES:
        raise ValueError(
            f"xla_cpu_convolutions: unknown library {library!r}; use one of {LIBRARIES} "
            f"(or set ${ENV_VAR} to one of them)."
        )
    flags = os.environ.get("XLA_FLAGS", "")
    users = _users_setting(flags)
    value = VERIFIED.get(jaxlib.__version__)
    if users is not None:
        return "eigen" if value is not None and users == value else "XLA_FLAGS"
    current = "eigen" if _applied is not None else "default"
    if library == current:
        return current
    if library == "eigen" and value is None:
        warnings.warn(
            f"xla_cpu_convolutions('eigen') leaves XLA's default: jaxlib {jaxlib.__version__} "
            f"is not one it was checked with ({', '.join(sorted(VERIFIED))}), and XLA aborts "
            f"the process on a flag value it does not know. To try it anyway, set "
            f"XLA_FLAGS={FLAG}=-individual_convolution before starting Python.",
            RuntimeWarning,
            stacklevel=2,
        )
        return "default"
    if xla_started():
        raise RuntimeError(
            f"xla_cpu_convolutions({library!r}): JAX's CPU backend has already started in "
            f"this process, and XLA reads XLA_FLAGS only then. Call it (or set ${ENV_VAR} "
            f"and call flaxscope.xla_cpu_convolutions()) before the first JAX computation, "
            f"e.g. right after the imports."
        )
    if library == "eigen":
        _applied = f"{FLAG}={value}"
        os.environ["XLA_FLAGS"] = f"{flags} {_applied}".strip()
    else:
        os.environ["XLA_FLAGS"] = " ".join(flags.replace(_applied, " ").split())
        _applied = None
    return library
