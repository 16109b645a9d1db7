"""fs.keep_cpu_memory: glibc keeps freed blocks, so reusing one touches no new pages."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

import flaxscope as fs

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="keep_cpu_memory sets glibc's malloc parameters; this C library is not glibc",
)

# A 64 MiB block (the size of an XLA:CPU step's temporary buffer for a mid-sized LSTM)
# freed and taken again: the page faults of its second use. (The effect on a whole train
# step is measured in benchmarks/RESULTS.md, not asserted here.)
PROBE = textwrap.dedent(
    """
    import ctypes, ctypes.util, resource, sys
    import flaxscope as fs
    on = fs.keep_cpu_memory()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    size = 64 << 20

    def faults():
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    libc.free(block)
    before = faults()
    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    again = faults() - before
    libc.free(block)
    print(on, again)
    """
)


def _probe(env_value: str | None) -> tuple[bool, int]:
    env = {k: v for k, v in os.environ.items() if k != fs.cpu_memory.ENV_VAR}
    if env_value is not None:
        env[fs.cpu_memory.ENV_VAR] = env_value
    env.setdefault("JAX_PLATFORMS", "cpu")
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    on, again = out.stdout.split()[-2:]
    return on == "True", int(again)


@glibc_only
def test_keep_cpu_memory_reuses_freed_blocks():
    off_on, off_again = _probe(None)
    on_on, on_again = _probe("1")
    assert (off_on, on_on) == (False, True)
    pages = (64 << 20) // os.sysconf("SC_PAGE_SIZE")
    # Off, glibc maps a block this large afresh: every page faults again.
    assert off_again >= pages // 2
    # On, the freed block is taken back from the heap: no new pages.
    assert on_again < pages // 100


def test_keep_cpu_memory_off_changes_nothing(monkeypatch):
    monkeypatch.delenv(fs.cpu_memory.ENV_VAR, raising=False)
    assert fs.keep_cpu_memory() in (False, True)  # True only if an earlier call turned it on
    assert fs.keep_cpu_memory(False) == fs.keep_cpu_memory()
