"""Time to first step: JAX's persistent compilation cache behind one documented switch.

TF1 builds a graph and starts running it in about a second; JAX compiles each jitted
function with XLA first, which for a training step can take many seconds. JAX can keep the
compiled executables on disk and reuse them in the next process that compiles the same
program (same shapes, same code, same jax/jaxlib and machine). This module turns that on:

* ``flaxscope.enable_compilation_cache("~/.cache/flaxscope-xla")`` in a script, or
* ``FLAXSCOPE_COMPILATION_CACHE=dir`` in the environment and a call of
  ``flaxscope.enable_compilation_cache()`` (the examples and benchmarks make it).

TF1 had no counterpart (graphs were not compiled ahead); this is JAX's
``jax_compilation_cache_dir`` with thresholds set so that every step function is kept.
"""

from __future__ import annotations

import os

import jax

__all__ = ["ENV_VAR", "enable_compilation_cache"]

ENV_VAR = "FLAXSCOPE_COMPILATION_CACHE"


def enable_compilation_cache(path: str | os.PathLike | None = None) -> str | None:
    """Caches XLA executables in directory ``path`` (or ``$FLAXSCOPE_COMPILATION_CACHE``).

    Returns the directory in use, or ``None`` when neither ``path`` nor the variable is
    set (then nothing changes). Call it before the first ``jax.jit`` compilation; a later
    process with the same directory loads the executables instead of compiling them.
    Every executable is kept, however fast it compiled (JAX's default keeps only those
    that took over a second). The directory is created if missing.
    """
    if path is None:
        path = os.environ.get(ENV_VAR) or None
    if path is None:
        return None
    directory = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise ValueError(
            f"enable_compilation_cache: {directory!r} is a file; give a directory for the "
            f"compiled executables (or unset ${ENV_VAR})."
        )
    os.makedirs(directory, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", directory)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return directory
