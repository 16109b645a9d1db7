"""The LSTM train step of ``benchmarks/lstm.py`` over ``lax.scan`` unroll factors.

Issue #7's target is "at least as fast as the best hand-written JAX variant and as
cuDNN": the best hand-written variant depends on the unroll factor (on an H200, unroll 8
won the small configs and unroll 2 the large one), so this times hand-written JAX (input
projection hoisted) and flaxscope (with its hand-written backward loop, and with JAX's
own) at every unroll factor in one round-robin, with cuDNN beside them, and prints:

- the time of every (implementation, unroll) pair;
- the best of each implementation, and flaxscope's best and its default (the unroll
  ``flaxscope.nn.rnn.DEFAULT_UNROLL`` gives this backend) against the best hand-written
  variant and cuDNN: the ratios the issue asks for;
- the unroll factor to put in ``DEFAULT_UNROLL`` for this backend.

Run:  python benchmarks/lstm_sweep.py --json out/sweep.json      # the issue's configs
      python benchmarks/lstm_sweep.py --quick --iters 3          # CPU smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections.abc import Sequence

import jax

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _lstm_baselines as bl  # noqa: E402
import lstm  # noqa: E402

UNROLLS = [1, 2, 4, 8, 16]
SWEPT = {"jax": "jax", "fs": "flaxscope", "fs-autodiff": "flaxscope-autodiff"}


def unrolls_for(steps: int, unrolls: Sequence[int], full_up_to: int) -> list[int]:
    """The factors below ``steps``, plus full unrolling (``steps``) for short sequences."""
    out = sorted({u for u in unrolls if u < steps})
    if steps <= full_up_to:
        out.append(steps)
    return out


def sweep_config(batch, steps, hidden, vocab, args) -> dict:
    tokens = batch * steps
    runners, info = {}, {}
    if bl.torch_available():
        runners["cudnn"], c, loss = lstm.torch_runner(batch, steps, hidden, vocab)
        info["cudnn"] = (c, loss)
    for u in unrolls_for(steps, args.unrolls, args.full_unroll_up_to):
        for short in args.impls:
            name = f"{short}@{u}"
            setup = bl.JAX_IMPLS[SWEPT[short]]
            runners[name], c, loss = lstm.jax_runner(setup, batch, steps, hidden, vocab, u)
            info[name] = (c, loss)
    times = lstm.time_round_robin(runners, args.iters, args.warmup)
    rows = {}
    for name, ts in times.items():
        c, loss = info[name]
        rows[name] = {"step_s": statistics.median(ts), "min_step_s": min(ts), "compile_s": c}
        rows[name]["loss"] = loss

    def best(prefix: str) -> tuple[str, float]:
        cands = {n: r["step_s"] for n, r in rows.items() if n.split("@")[0] == prefix}
        name = min(cands, key=cands.get)
        return name, cands[name]

    default_u = min(lstm.fs_default_unroll(), steps)
    summary = {name: best(name) for name in args.impls}
    fs_default = rows.get(f"fs@{default_u}", {}).get("step_s")
    print(f"\n== batch {batch}, time {steps}, hidden {hidden}, vocab {vocab} "
          f"({tokens:,} tokens/step) ==")  # fmt: skip
    print(f"   {'implementation':22s} {'ms/step':>9s} {'min':>8s} {'compile s':>10s}")
    for name, r in sorted(rows.items(), key=lambda kv: kv[1]["step_s"]):
        print(
            f"   {name:22s} {r['step_s'] * 1e3:9.2f} {r['min_step_s'] * 1e3:8.2f} "
            f"{r['compile_s']:10.1f}"
        )
    jax_best = summary.get("jax")
    cudnn = rows.get("cudnn", {}).get("step_s")
    lines = []
    for label, t in [("flaxscope best", summary.get("fs", (None, None))[1]),
                     (f"flaxscope default (unroll {default_u})", fs_default)]:  # fmt: skip
        if t is None:
            continue
        parts = [f"{label}: {t * 1e3:.2f} ms"]
        if jax_best:
            parts.append(f"{t / jax_best[1]:.2f}x best hand-written JAX ({jax_best[0]})")
        if cudnn:
            parts.append(f"{t / cudnn:.2f}x cuDNN")
        lines.append(", ".join(parts))
    for line in lines:
        print("   " + line)
    if "fs" in summary:
        print(f"   best flaxscope unroll here: {summary['fs'][0].split('@')[1]}")
    return {
        "config": [batch, steps, hidden, vocab],
        "rows": rows,
        "best": {k: list(v) for k, v in summary.items()},
        "fs_default_unroll": default_u,
        "fs_default_vs_best_jax": (fs_default / jax_best[1]) if fs_default and jax_best else None,
        "fs_default_vs_cudnn": (fs_default / cudnn) if fs_default and cudnn else None,
    }


def main(argv: Sequence[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--configs", nargs="+", default=None, help="batch x time x hidden x vocab")
    p.add_argument("--quick", action="store_true", help="small configs (CPU smoke run)")
    p.add_argument("--unrolls", nargs="+", type=int, default=UNROLLS)
    p.add_argument(
        "--full-unroll-up-to",
        type=int,
        default=64,
        help="also time full unrolling for sequences up to this length",
    )
    p.add_argument("--impls", nargs="+", default=list(SWEPT), choices=list(SWEPT))
    p.add_argument("--iters", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    configs = [
        lstm.parse_config(c)
        for c in (args.configs or (lstm.QUICK_CONFIGS if args.quick else lstm.DEFAULT_CONFIGS))
    ]
    print(f"device: {lstm.device_name()}; jax {jax.__version__}; unrolls {args.unrolls}")
    if not bl.torch_available():
        print("cuDNN: skipped (needs torch and a CUDA GPU)")
    results = [sweep_config(*c, args) for c in configs]
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": lstm.device_name(), "configs": results}, f, indent=1)
    return results


if __name__ == "__main__":
    main()
