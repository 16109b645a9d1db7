"""Time to first step, phase by phase, with ``init`` run eagerly and compiled.

For each of ``tf1_graph.py``'s programs (flaxscope side) and ``examples/char_lstm.py``'s
model at its defaults, one fresh subprocess per measurement (round robin) times:

* ``init``: ``model.init`` of ``transform(fn)`` (``eager``: the function run op by op,
  the default) or of ``transform(fn, jit_init=True)`` (``compiled``: one ``jax.jit``
  trace);
* ``opt_init``: the optimizer's ``init``;
* ``step_trace`` / ``step_compile`` / ``step_run``: ``jax.jit(step).lower(...)``,
  ``.compile()`` and the first call of the train step;
* ``first``: all of the above (imports and data excluded);

and counts the calls of the model function during ``init`` and the step's trace.

Run: python benchmarks/first_step.py [--rounds 3] [--programs "cnn 64,char_lstm"]
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = [
    "lstm 16x50x128x64",
    "lstm 32x64x128x103",
    "lstm 64x100x256x128",
    "cnn 64",
    "gan 64",
    "char_lstm",
]
MODES = ("eager", "compiled")
PHASES = ("init", "opt_init", "step_trace", "step_compile", "step_run", "first")


def _model(program: str) -> tuple[Any, tuple, Any, Any]:
    """``(model function, its arguments, optimizer, loss of the function's output)``."""
    import optax

    import flaxscope.compat.v1 as tf

    if program == "char_lstm":
        sys.path.insert(0, os.path.join(ROOT, "examples"))
        import char_lstm
        import numpy as np

        data = char_lstm.CharData(char_lstm.python_reference_text())
        batch = data.batch(np.random.default_rng(0), 32, 64)
        fn = functools.partial(char_lstm.char_rnn, vocab_size=data.vocab_size, hidden=128, layers=2)

        def loss(out: Any) -> Any:
            return tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=batch[:, 1:], logits=out[0])
            )

        optimizer = optax.chain(optax.clip_by_global_norm(5.0), optax.adam(1e-3))
        return fn, (batch[:, :-1],), optimizer, loss
    spec = importlib.util.spec_from_file_location(
        "tf1_graph", os.path.join(ROOT, "benchmarks", "tf1_graph.py")
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    name, size = program.split()
    config = tuple(int(x) for x in size.split("x"))
    args = bench.batches(name, config)[0]
    if name == "lstm":
        _, _, hidden, vocab = config
        return (
            lambda a, b: bench.lstm_lm(tf, a, b, vocab, hidden),
            args,
            tf.train.AdamOptimizer(1e-3),
            lambda out: out,
        )
    if name == "cnn":
        return (
            lambda a, b: bench.cnn(tf, a, b),
            args,
            tf.train.MomentumOptimizer(0.01, 0.9),
            (lambda out: out),
        )
    return (
        lambda a, b: bench.gan(tf, a, b)[0],
        args,
        tf.train.AdamOptimizer(2e-4, 0.5),
        (lambda out: out),
    )


def worker(mode: str, program: str) -> dict[str, Any]:
    import jax
    import optax

    import flaxscope as fs

    fn, args, optimizer, loss_of = _model(program)
    calls = [0]

    def counted(*a: Any) -> Any:
        calls[0] += 1
        return fn(*a)

    out: dict[str, Any] = {}
    start = time.perf_counter()
    model = fs.transform(counted, jit_init=mode == "compiled")
    key = jax.random.key(0)
    t = time.perf_counter()
    variables = jax.block_until_ready(model.init(key, *args))
    out["init"], out["init_calls"] = time.perf_counter() - t, calls[0]
    params, state = variables["params"], variables.get("state", {})
    t = time.perf_counter()
    opt_state = jax.block_until_ready(optimizer.init(params))
    out["opt_init"] = time.perf_counter() - t

    def step(params: Any, state: Any, opt_state: Any, *batch: Any) -> Any:
        def loss_fn(p: Any) -> Any:
            result, new = model.apply({"params": p, "state": state}, *batch, mutable=True)
            return loss_of(result), new

        (loss, new), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), new.get("state", state), opt_state, loss

    t = time.perf_counter()
    lowered = jax.jit(step).lower(params, state, opt_state, *args)
    out["step_trace"], out["step_calls"] = time.perf_counter() - t, calls[0] - out["init_calls"]
    t = time.perf_counter()
    compiled = lowered.compile()
    out["step_compile"] = time.perf_counter() - t
    t = time.perf_counter()
    jax.block_until_ready(compiled(params, state, opt_state, *args))
    out["step_run"] = time.perf_counter() - t
    out["first"] = time.perf_counter() - start
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--programs", default=",".join(PROGRAMS), help="comma-separated")
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "PROGRAM"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(worker(*args.worker)), flush=True)
        return {}
    programs = args.programs.split(",")
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
    runs: dict[tuple[str, str], list[dict]] = {}
    for r in range(args.rounds):
        for program in programs:
            for mode in MODES:
                cmd = [sys.executable, os.path.abspath(__file__), "--worker", mode, program]
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
                lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
                if not lines:
                    raise RuntimeError(f"{mode} {program} failed:\n{proc.stderr[-3000:]}")
                runs.setdefault((program, mode), []).append(json.loads(lines[0][7:]))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()}, rounds {args.rounds}, medians (s)")
    print(f"{'program':<21}{'init is':<9}" + "".join(f"{k:>13}" for k in PHASES) + "  fn calls")
    med = {}
    for program in programs:
        for mode in MODES:
            rs = runs[(program, mode)]
            med[(program, mode)] = {k: statistics.median(x[k] for x in rs) for k in PHASES}
            row = "".join(f"{med[(program, mode)][k]:13.3f}" for k in PHASES)
            calls = f"{rs[0]['init_calls']}+{rs[0]['step_calls']}"
            print(f"{program:<21}{mode:<9}{row}  {calls}")
        ratio = med[(program, "compiled")]["first"] / med[(program, "eager")]["first"]
        print(f"{'':<21}first step, compiled / eager init: {ratio:.2f}")
    return {f"{p} {m}": v for (p, m), v in med.items()}


if __name__ == "__main__":
    main()
