"""Freed CPU memory kept for the next step: C-library allocator settings behind one switch.

XLA:CPU takes each step's temporary buffer (the intermediates of a whole train step; 88 MB
for the 64x100x256 LSTM LM of ``benchmarks/tf1_graph.py``) from the C library's ``malloc``.
glibc serves blocks that large with a fresh ``mmap`` and unmaps them on ``free``, so every
step touches new pages: tens of thousands of page faults per step, about a sixth of that
LSTM's step time on a 2-core CPU. TF1 never paid this: its own allocator keeps what it
freed. This module asks glibc to do the same:

* ``flaxscope.keep_cpu_memory(True)`` at the top of a script, or
* ``FLAXSCOPE_KEEP_CPU_MEMORY=1`` in the environment and a call of
  ``flaxscope.keep_cpu_memory()`` (the LSTM examples and ``benchmarks/tf1_graph.py`` make it).

The settings are glibc's ``mallopt``: no block is served by ``mmap`` (``M_MMAP_MAX=0``), a
freed heap top is returned to the system only above 1 GiB (``M_TRIM_THRESHOLD``), and all
threads share one arena (``M_ARENA_MAX=1``, which keeps XLA's worker threads on the heap
that keeps the memory). They last for the process. The cost: memory freed by the program is
kept by the process rather than returned to the system, as TF1's allocator keeps it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

__all__ = ["ENV_VAR", "keep_cpu_memory"]

ENV_VAR = "FLAXSCOPE_KEEP_CPU_MEMORY"

_M_TRIM_THRESHOLD = -1  # glibc's <malloc.h> parameter numbers
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
_TRIM_THRESHOLD = 1 << 30

_applied = False


def keep_cpu_memory(enable: bool | None = None) -> bool:
    """Makes the C library keep freed memory for reuse instead of unmapping it.

    ``enable=None`` reads ``$FLAXSCOPE_KEEP_CPU_MEMORY`` (``1``/``true``/``yes`` turn it
    on). Returns whether the setting is in effect: ``False`` when it is off, or where the C
    library is not glibc (macOS, musl), in which case nothing changes. Call it before the
    first JAX computation: threads that XLA has already started keep their own arenas.
    Turning it off again within a process is not supported (``enable=False`` changes
    nothing). TF1 had no counterpart: its BFC allocator always kept freed memory.
    """
    global _applied
    if enable is None:
        enable = os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes")
    if not enable:
        return _applied
    if _applied:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    settings = ((_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD), (_M_ARENA_MAX, 1))
    for param, value in settings:
        if libc.mallopt(ctypes.c_int(param), ctypes.c_int(value)) != 1:
            raise RuntimeError(
                f"keep_cpu_memory: glibc refused mallopt({param}, {value}); unset "
                f"${ENV_VAR} or leave keep_cpu_memory off on this system."
            )
    _applied = True
    return True
