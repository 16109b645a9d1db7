"""The depthwise convolution on CPU: flaxscope against XLA's grouped convolution and TF1.

``tf.nn.depthwise_conv2d`` (and ``separable_conv2d``, which starts with it) in flaxscope on
CPU is a sum of shifted, weighted slices of the input (``flaxscope/ops/_depthwise.py``);
before, and on other backends, it is ``lax.conv_general_dilated`` with one feature group
per channel. For each config, the forward pass alone and the forward pass with the
gradients of ``sum(sin(y))`` with respect to the input and the filter, each jitted:

- ``flaxscope``: ``flaxscope.compat.v1.nn.depthwise_conv2d``;
- ``grouped``: the grouped ``lax`` convolution;
- ``tf1``: TF1 graph mode (``tf.compat.v1.nn.depthwise_conv2d`` and ``tf.gradients`` in a
  ``Session``; oneDNN on, TF's default), in the same process; ``nan`` without TensorFlow.

On a GPU flaxscope keeps the grouped convolution (cuDNN's depthwise kernels), so there
the flaxscope / grouped column checks that nothing was lost.

Medians over round-robin rounds, ratios flaxscope / grouped and flaxscope / tf1.

Run: python benchmarks/depthwise.py [--rounds 5] [--iters 5] [--configs 32x56x56x64 ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import flaxscope.compat.v1 as tf

# batch x height x width x channels [x stride [x multiplier]]; 3x3 filters, "SAME"
CONFIGS = ("32x56x56x64", "64x28x28x128", "8x112x112x32", "32x112x112x32x2", "64x14x14x256x1x2")


def parse(config: str) -> tuple[int, ...]:
    parts = [int(v) for v in config.split("x")]
    if len(parts) not in (4, 5, 6):
        raise argparse.ArgumentTypeError(f"{config!r} is not NxHxWxC[xstride[xmultiplier]]")
    return tuple(parts + [1] * (6 - len(parts)))


def _timer(fn: Callable[[], object], iters: int) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        for _ in range(iters):
            jax.block_until_ready(fn())
        return (time.perf_counter() - start) / iters

    return run


def sides(config: tuple[int, ...], iters: int) -> dict[str, Callable[[], float]]:
    n, h, w, c, stride, mult = config
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    k = (rng.standard_normal((3, 3, c, mult)) * 0.1).astype(np.float32)
    strides = [1, stride, stride, 1]

    def ours(x, k):
        return tf.nn.depthwise_conv2d(x, k, strides, "SAME")

    def grouped(x, k):
        spec = ("NHWC", "HWIO", "NHWC")
        kernel = k.reshape(3, 3, 1, c * mult)
        return lax.conv_general_dilated(
            x, kernel, (stride, stride), "SAME", dimension_numbers=spec, feature_group_count=c
        )

    def both(f):
        return jax.grad(lambda x, k: jnp.sum(jnp.sin(f(x, k))), (0, 1))

    xs, ks = jnp.asarray(x), jnp.asarray(k)
    # the same numbers on both JAX sides before any timing
    np.testing.assert_allclose(ours(xs, ks), grouped(xs, ks), rtol=1e-4, atol=1e-4)
    out = {}
    for name, f in (("flaxscope", ours), ("grouped", grouped)):
        for what, fn in (("fwd", jax.jit(f)), ("fwd+grad", jax.jit(both(f)))):
            start = time.perf_counter()
            jax.block_until_ready(fn(xs, ks))
            jax.block_until_ready(fn(xs, ks))
            # XLA's grouped convolution can take tens of seconds a call: one call per round
            calls = 1 if time.perf_counter() - start > 2.0 else iters
            out[f"{name} {what}"] = _timer(lambda fn=fn: fn(xs, ks), calls)
    try:
        out.update(_tf1(x, k, strides, iters))
    except ImportError:  # no TensorFlow (the GPU device image): the JAX columns only
        pass
    return out


def _tf1(x: np.ndarray, k: np.ndarray, strides: list[int], iters: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf2

    v1 = tf2.compat.v1
    graph = tf2.Graph()
    with graph.as_default():
        xs, ks = v1.constant(x), v1.Variable(k)
        y = v1.nn.depthwise_conv2d(xs, ks, strides, "SAME")
        grads = v1.gradients(v1.reduce_sum(v1.sin(y)), [xs, ks])
        sess = v1.Session(graph=graph)
        sess.run(v1.global_variables_initializer())
    sess.run([y.op, *(g.op for g in grads)])
    return {
        "tf1 fwd": _timer(lambda: sess.run(y.op), iters),
        "tf1 fwd+grad": _timer(lambda: sess.run([g.op for g in grads]), iters),
    }


def main(argv: Sequence[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--configs", nargs="+", type=parse, default=[parse(c) for c in CONFIGS])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--iters", type=int, default=5, help="calls per timing (1 if a call takes 1 s)")
    args = p.parse_args(argv)
    print(f"jax {jax.__version__}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print(f"rounds {args.rounds} x {args.iters} calls, medians in ms; 3x3 filters, SAME")
    header = "config (NxHxWxC stride mult)   pass       flaxscope  grouped     tf1   fs/grp  fs/tf1"
    print(header)
    rows = []
    for config in args.configs:
        timers = sides(config, args.iters)
        times: dict[str, list[float]] = {name: [] for name in timers}
        for r in range(args.rounds):
            names = list(timers) if r % 2 == 0 else list(timers)[::-1]
            for name in names:
                times[name].append(timers[name]())
        med = {name: 1e3 * statistics.median(v) for name, v in times.items()}
        label = "x".join(map(str, config[:4])) + f" s{config[4]} m{config[5]}"
        for what in ("fwd", "fwd+grad"):
            fs_, grp = med[f"flaxscope {what}"], med[f"grouped {what}"]
            tf1 = med.get(f"tf1 {what}", float("nan"))
            row = dict(config=label, what=what, flaxscope=fs_, grouped=grp, tf1=tf1)
            rows.append(row)
            print(
                f"{label:30s} {what:9s} {fs_:9.2f} {grp:9.2f} {tf1:7.2f} "
                f"{fs_ / grp:7.3f} {fs_ / tf1:7.2f}",
                flush=True,
            )
    return rows


if __name__ == "__main__":
    main()
