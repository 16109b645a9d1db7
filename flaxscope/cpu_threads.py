"""XLA:CPU's worker threads, one per core: an opt-in thread-affinity switch.

XLA:CPU runs a program's kernels on a pool of worker threads, one per core, which the Linux
scheduler may move freely. This switch fixes each worker on its own core, the counterpart
of the thread affinity TF1 users set for oneDNN (``KMP_AFFINITY``/``OMP_PROC_BIND``), for
machines where the scheduler places the workers badly. On the 2-core machine of
``benchmarks/RESULTS.md`` it made no measurable difference (pinned and unpinned blocks of
steps interleaved in one process: 0.99 for the LSTM LM and for the CNN); the two step
speeds seen there come from the machine and slow TF1 alike.

* ``flaxscope.pin_cpu_threads(True)`` after ``import jax``, or
* ``FLAXSCOPE_PIN_CPU_THREADS=1`` and a call of ``flaxscope.pin_cpu_threads()`` (the
  single-process LSTM examples and ``benchmarks/tf1_graph.py`` make it). Call it after
  ``jax.distributed.initialize`` in a multi-process run: it starts the backend.

The workers are found by the name XLA gives them (``tf_XLAEigen``); a jaxlib that names
them otherwise gets a warning and no change. Only Linux has per-thread affinity; elsewhere
nothing happens. The pinning lasts for the process and only touches XLA's worker threads,
each pinned to one of the cores the process may use, in turn.
"""

from __future__ import annotations

import os
import sys
import warnings

import jax
import jax.numpy as jnp

__all__ = ["ENV_VAR", "WORKER_THREAD_NAME", "pin_cpu_threads", "xla_worker_threads"]

ENV_VAR = "FLAXSCOPE_PIN_CPU_THREADS"
WORKER_THREAD_NAME = "tf_XLAEigen"  # what XLA:CPU's intra-op pool calls its threads

_TASKS = "/proc/self/task"


def xla_worker_threads() -> list[int]:
    """The Linux thread ids of XLA:CPU's worker threads in this process (``[]`` elsewhere)."""
    if not os.path.isdir(_TASKS):
        return []
    tids = []
    for entry in os.listdir(_TASKS):
        try:
            with open(os.path.join(_TASKS, entry, "comm")) as f:
                name = f.read().strip()
        except OSError:  # the thread ended while we looked
            continue
        if name == WORKER_THREAD_NAME:
            tids.append(int(entry))
    return sorted(tids)


def pin_cpu_threads(enable: bool | None = None) -> int:
    """Pins each of XLA:CPU's worker threads to one core; returns how many it pinned.

    ``enable=None`` reads ``$FLAXSCOPE_PIN_CPU_THREADS`` (``1``/``true``/``yes`` turn it
    on); ``False`` changes nothing and returns 0. Starts JAX's CPU backend if it has not
    started (its workers exist from then on). The ``i``-th worker goes to the ``i``-th core
    this process may run on (``os.sched_getaffinity``), round robin. Returns 0, changing
    nothing, where threads cannot be pinned (not Linux) or no worker was found (with a
    warning: this jaxlib names its threads differently).

    TF1 equivalent: none in TF1 itself; TF1 with oneDNN took thread affinity from
    ``KMP_AFFINITY`` or ``OMP_PROC_BIND`` in the environment.
    """
    if enable is None:
        enable = os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes")
    if not enable or not sys.platform.startswith("linux"):
        return 0
    cpu = jax.devices("cpu")[0]
    jax.block_until_ready(jax.device_put(jnp.zeros(()), cpu) + 1)  # the pool is running
    tids = xla_worker_threads()
    if not tids:
        warnings.warn(
            f"pin_cpu_threads: no XLA:CPU worker thread named {WORKER_THREAD_NAME!r} in this "
            f"process (jax {jax.__version__}); nothing was pinned. Unset ${ENV_VAR} to "
            "silence this.",
            stacklevel=2,
        )
        return 0
    cores = sorted(os.sched_getaffinity(0))
    for i, tid in enumerate(tids):
        os.sched_setaffinity(tid, {cores[i % len(cores)]})
    return len(tids)
