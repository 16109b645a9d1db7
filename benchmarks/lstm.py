"""One LSTM language-model train step (forward, backward, Adam), side by side.

Implementations (see ``_lstm_baselines.py``): flaxscope (TF1 code: ``tf.nn.embedding_lookup``,
``BasicLSTMCell`` + ``dynamic_rnn``; also with JAX's own backward pass of the loop, without
the embedding fold, and with the input projection forced out of or into the loop), hand-written JAX ``lax.scan`` with the input projection
hoisted, the textbook hand-written JAX step, ``flax.linen.RNN(OptimizedLSTMCell)``, and PyTorch
``nn.LSTM`` (cuDNN) when torch and a CUDA GPU are present. Prints time per step, tokens/s,
and each implementation's time relative to hand-written JAX and to cuDNN.

Configs are ``batch x time x hidden x vocab``; the defaults are the issue's three:
64x100x512x128, 256x50x1024x128, 32x200x256x128.

Run:  python benchmarks/lstm.py                       # all configs, all implementations
      python benchmarks/lstm.py --configs 32x200x256x128 --iters 5
      python benchmarks/lstm.py --quick                # small shapes: a CPU smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence

import jax
import jax.numpy as jnp
import optax

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lstm_baselines as bl  # noqa: E402

DEFAULT_CONFIGS = ["64x100x512x128", "256x50x1024x128", "32x200x256x128"]
QUICK_CONFIGS = ["16x50x128x128", "32x25x256x128", "8x100x64x128"]
IMPLS = ["flaxscope", "flaxscope-autodiff", "jax", "jax-naive", "flax", "torch"]
EXTRA_IMPLS = [
    "flaxscope-nofold",
    "flaxscope-fold",
    "flaxscope-hoisted",
    "flaxscope-inloop",
]  # only with --impls


def parse_config(s: str) -> tuple[int, int, int, int]:
    parts = tuple(int(p) for p in s.lower().split("x"))
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"config {s!r} is not batch x time x hidden x vocab")
    return parts  # type: ignore[return-value]


def device_name() -> str:
    d = jax.devices()[0]
    if d.platform == "cpu":
        return f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    return f"{d.platform.upper()}: {getattr(d, 'device_kind', str(d))}"


def jax_runner(setup, batch, steps, hidden, vocab, unroll, seed=0):
    """Compiles one implementation's train step; returns (run_one_step, compile_s, loss)."""
    key = jax.random.key(seed)
    tokens = jax.random.randint(jax.random.fold_in(key, 1), (batch, steps + 1), 0, vocab)
    params, loss_fn = setup(key, tokens, vocab, hidden, unroll)
    optimizer = optax.adam(1e-3)
    step = bl.make_jax_step(loss_fn, optimizer)
    state = {"params": params, "opt": optimizer.init(params)}

    def run() -> float:
        state["params"], state["opt"], loss = step(state["params"], state["opt"], tokens)
        loss.block_until_ready()
        return loss

    t0 = time.perf_counter()
    loss = run()
    return run, time.perf_counter() - t0, float(loss)


def torch_runner(batch, steps, hidden, vocab):
    step, sync = bl.torch_step_fn(batch, steps, hidden, vocab)

    def run():
        loss = step()
        sync()
        return loss

    t0 = time.perf_counter()
    loss = run()
    return run, time.perf_counter() - t0, float(loss)


def time_round_robin(runners: dict, iters: int, warmup: int) -> dict[str, list[float]]:
    """Times the implementations in turn, step by step, so that load from other processes
    and clock changes hit them all alike."""
    for run in runners.values():
        for _ in range(warmup):
            run()
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(iters):
        for name, run in runners.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    return times


def check_same_loss(batch, steps, hidden, vocab) -> float:
    """flaxscope and hand-written JAX on the same params: the same loss."""
    key = jax.random.key(0)
    tokens = jax.random.randint(key, (batch, min(steps, 20) + 1), 0, vocab)
    params, fs_loss = bl.flaxscope_setup(key, tokens, vocab, hidden, None)
    a = jax.jit(fs_loss)(params, tokens)
    b = jax.jit(bl.handwritten_loss)(params, tokens)
    return float(jnp.abs(a - b) / jnp.abs(b))


def main(argv: Sequence[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--configs", nargs="+", default=None, help="batch x time x hidden x vocab")
    p.add_argument("--quick", action="store_true", help=f"small configs: {QUICK_CONFIGS}")
    p.add_argument("--impls", nargs="+", default=IMPLS, choices=IMPLS + EXTRA_IMPLS)
    p.add_argument("--iters", type=int, default=20, help="timed steps (median reported)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps after compiling")
    p.add_argument(
        "--unroll",
        type=int,
        default=None,
        help="lax.scan unroll for every JAX implementation (default: flaxscope.nn's "
        "per-backend default)",
    )
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args(argv)

    configs = [
        parse_config(c)
        for c in (args.configs or (QUICK_CONFIGS if args.quick else DEFAULT_CONFIGS))
    ]
    unroll = args.unroll or fs_default_unroll()
    have_torch = bl.torch_available()
    print(f"device: {device_name()}; jax {jax.__version__}; lax.scan unroll={unroll}")
    if "torch" in args.impls and not have_torch:
        print("torch: skipped (needs torch and a CUDA GPU)")
    results = []
    for batch, steps, hidden, vocab in configs:
        tokens = batch * steps
        print(f"\n== batch {batch}, time {steps}, hidden {hidden}, vocab {vocab} ==")
        print(
            f"   flaxscope vs hand-written JAX loss, rel. diff: "
            f"{check_same_loss(batch, steps, hidden, vocab):.1e}"
        )
        runners, info = {}, {}
        for impl in args.impls:
            if impl == "torch":
                if not have_torch:
                    continue
                runners[impl], c, loss = torch_runner(batch, steps, hidden, vocab)
            else:
                setup = bl.JAX_IMPLS[impl]
                runners[impl], c, loss = jax_runner(setup, batch, steps, hidden, vocab, unroll)
            info[impl] = (c, loss)
        times = time_round_robin(runners, args.iters, args.warmup)
        rows = {}
        for impl, ts in times.items():
            t = statistics.median(ts)
            c, loss = info[impl]
            rows[impl] = {"step_s": t, "min_step_s": min(ts), "compile_s": c, "loss": loss}
            print(
                f"   {impl:18s} {t * 1e3:10.2f} ms/step (min {min(ts) * 1e3:.2f})"
                f"  {tokens / t:12,.0f} tokens/s   (first step incl. compile {c:.1f}s)"
            )
        base = rows.get("jax", {}).get("step_s")
        cudnn = rows.get("torch", {}).get("step_s")
        for r in rows.values():
            r["vs_jax"] = r["step_s"] / base if base else None
            r["vs_cudnn"] = r["step_s"] / cudnn if cudnn else None
        print("   time relative to:  " + "  ".join(
            f"{impl}: jax {r['vs_jax']:.2f}x" + (f", cuDNN {r['vs_cudnn']:.2f}x" if cudnn else "")
            for impl, r in rows.items() if base))  # fmt: skip
        results.append({"config": [batch, steps, hidden, vocab], "results": rows})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": device_name(), "unroll": unroll, "configs": results}, f, indent=1)
    return results


def fs_default_unroll() -> int:
    from flaxscope.nn.rnn import _default_unroll

    return _default_unroll()


if __name__ == "__main__":
    main()
