"""Trace-time cost per variable: flaxscope vs Haiku ``hk.get_parameter`` vs ``flax.core``.

For N variables (default 100, 1,000, 10,000) it times, in one run on the same machine
(each repetition traces a fresh closure, so JAX's trace cache never answers for it):
  create  init traced with jax.make_jaxpr (creation path, no execution)
  lookup  apply traced with jax.make_jaxpr (every variable read from the given tree)
  reuse   (flaxscope only) a second get_variable of each variable under reuse=True
  eager   init run eagerly, not traced (N <= 1,000: Haiku/flax dispatch op by op)
  bare    apply run eagerly with no computation at all: the library's own cost per lookup
The "plain" floor (the same computation on a dict of arrays, no library) shows how much of
the growth is JAX's own tracing.
and prints microseconds per variable, ratios to Haiku, and the 10x-N growth factor.
Medians of --reps repetitions. Usage: python benchmarks/overhead.py [--sizes 100 1000 10000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax

import flaxscope as fs
import flaxscope.compat.v1 as tf

SHAPE = (4, 4)


def _median_time(fn, reps: int) -> float:
    fn()  # warm-up (caches, first-call compilation)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def flaxscope_cases(n: int, fs=fs, tf=tf):
    """The cases for ``flaxscope`` (or another version of it, given as ``fs`` and its
    ``compat.v1`` as ``tf``: ``overhead_compare.py``)."""

    def create():
        total = 0.0
        with tf.variable_scope("model"):
            for i in range(n):
                total = total + tf.get_variable(f"v{i}", SHAPE)[0, 0]
        return total

    def reuse():
        with tf.variable_scope("model"):
            for i in range(n):
                tf.get_variable(f"v{i}", SHAPE)
        with tf.variable_scope("model", reuse=True):
            total = 0.0
            for i in range(n):
                total = total + tf.get_variable(f"v{i}", SHAPE)[0, 0]
        return total

    def bare():
        with tf.variable_scope("model"):
            for i in range(n):
                tf.get_variable(f"v{i}", SHAPE)

    f = fs.transform(create)
    g = fs.transform(reuse)
    b = fs.transform(bare)
    key = jax.random.key(0)
    variables = f.init(key)
    return {
        "create": lambda: jax.make_jaxpr(lambda k: f.init(k))(key),
        "lookup": lambda: jax.make_jaxpr(lambda v: f.apply(v))(variables),
        "reuse": lambda: jax.make_jaxpr(lambda v: g.apply(v))(variables),
        "eager": lambda: jax.block_until_ready(f.init(key)),
        "bare": lambda: b.apply(variables),
    }


def haiku_cases(n: int):
    import haiku as hk

    init = hk.initializers.VarianceScaling(1.0, "fan_avg", "uniform")

    def fn():
        total = 0.0
        for i in range(n):
            total = total + hk.get_parameter(f"v{i}", SHAPE, init=init)[0, 0]
        return total

    def bare_fn():
        for i in range(n):
            hk.get_parameter(f"v{i}", SHAPE, init=init)

    f = hk.transform(fn)
    b = hk.transform(bare_fn)
    key = jax.random.key(0)
    params = f.init(key)
    return {
        "create": lambda: jax.make_jaxpr(lambda k: f.init(k))(key),
        "lookup": lambda: jax.make_jaxpr(lambda p: f.apply(p, None))(params),
        "eager": lambda: jax.block_until_ready(f.init(key)),
        "bare": lambda: b.apply(params, None),
    }


def flax_core_cases(n: int):
    import flax.core
    from flax import linen as nn

    init = nn.initializers.glorot_uniform()

    def fn(scope):
        total = 0.0
        for i in range(n):
            total = total + scope.param(f"v{i}", init, SHAPE)[0, 0]
        return total

    key = jax.random.key(0)
    _, variables = flax.core.init(fn)(key)
    return {
        "create": lambda: jax.make_jaxpr(lambda k: flax.core.init(fn)(k))(key),
        "lookup": lambda: jax.make_jaxpr(lambda v: flax.core.apply(fn)(v))(variables),
        "eager": lambda: jax.block_until_ready(flax.core.init(fn)(key)),
    }


def plain_cases(n: int):
    """No library: the same per-variable computation on a dict of arrays (the floor)."""
    key = jax.random.key(0)
    params = {f"model/v{i}": jax.numpy.zeros(SHAPE) for i in range(n)}

    def fn(p):
        total = 0.0
        for i in range(n):
            total = total + p[f"model/v{i}"][0, 0]
        return total

    init = jax.nn.initializers.glorot_uniform()

    def create(k):
        return fn({f"model/v{i}": init(jax.random.fold_in(k, i), SHAPE) for i in range(n)})

    return {
        "create": lambda: jax.make_jaxpr(lambda k: create(k))(key),
        "lookup": lambda: jax.make_jaxpr(lambda p: fn(p))(params),
    }


LIBS = {"flaxscope": flaxscope_cases, "haiku": haiku_cases, "flax.core": flax_core_cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--eager-max", type=int, default=1000)
    args = parser.parse_args()

    results: dict[tuple[str, str, int], float] = {}
    for n in args.sizes:
        for lib, make in {**LIBS, "plain": plain_cases}.items():
            cases = make(n)
            reps = args.reps if n <= 1000 else max(1, args.reps // 2)
            for case, fn in cases.items():
                if case == "eager" and n > args.eager_max:
                    continue
                results[(lib, case, n)] = _median_time(fn, reps) / n * 1e6

    print(f"jax {jax.__version__}, backend {jax.default_backend()}, devices {jax.devices()}")
    print("\nmicroseconds per variable (median)")
    header = f"{'case':8} {'N':>6} " + " ".join(f"{lib:>10}" for lib in LIBS)
    header += "   fs/haiku  fs/flax.core"
    print(header)
    for case in ("create", "lookup", "reuse", "eager", "bare"):
        for n in args.sizes:
            row = [results.get((lib, case, n)) for lib in LIBS]
            if row[0] is None:
                continue
            cells = " ".join(f"{v:10.1f}" if v is not None else f"{'-':>10}" for v in row)
            ratios = ""
            if row[1] is not None:
                ratios += f"   {row[0] / row[1]:8.2f}"
            if row[2] is not None:
                ratios += f"  {row[0] / row[2]:11.2f}"
            print(f"{case:8} {n:>6} {cells}{ratios}")
    sizes = sorted(args.sizes)
    print("\ngrowth of total time for 10x the variables (linear = 10.0)")
    for case in ("create", "lookup", "reuse", "bare"):
        for small, big in zip(sizes, sizes[1:], strict=False):
            if big != 10 * small:
                continue
            cells = []
            for lib in ("flaxscope", "haiku", "plain"):
                if (lib, case, big) in results and (lib, case, small) in results:
                    growth = results[(lib, case, big)] * big / (results[(lib, case, small)] * small)
                    cells.append(f"{lib} {growth:5.2f}x")
            print(f"  {case:7} N={small}->{big}: " + ", ".join(cells))


if __name__ == "__main__":
    main()
