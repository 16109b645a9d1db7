"""Step time and per-device memory of a sharded LSTM language model on 1, 2, 4, 8 devices.

The model is TF1 code: an embedding and a softmax split with ``fixed_size_partitioner``
(so they shard over the mesh's ``model`` axis) around a ``MultiRNNCell`` of
``BasicLSTMCell``s. For each device count n it builds a (1 data x n model) mesh, inits the
variables laid out on it, and times one jitted Adam step (median of --reps). It prints
the bytes of the variables each device holds (which should fall as 1/n for the sharded
ones), XLA's per-device memory estimate for the step, and ratios to n = 1.

On a CPU-only machine it simulates 8 devices (XLA_FLAGS=--xla_force_host_platform_device_count=8,
set here before JAX starts); the step times then measure partitioning overhead, not speed-up.
Usage: python benchmarks/scaling.py [--vocab 8192 --hidden 256 --batch 16 --steps 32]
"""

from __future__ import annotations

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from jax.sharding import AxisType, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

import flaxscope as fs  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from sharded_lstm import sharded_char_rnn  # noqa: E402  (the model of the example)


def make_model(vocab: int, hidden: int, layers: int, shards: int):
    """The sharded LSTM LM of ``examples/sharded_lstm.py``, with its loss."""

    def lm(tokens, targets):
        logits = sharded_char_rnn(
            tokens, vocab_size=vocab, hidden=hidden, layers=layers, shards=shards
        )
        return optax.softmax_cross_entropy_with_integer_labels(logits, targets).mean()

    return lm


def run(n: int, args) -> dict:
    mesh = jax.make_mesh(
        (1, n), ("data", "model"), axis_types=(AxisType.Auto,) * 2, devices=jax.devices()[:n]
    )
    model = fs.transform(make_model(args.vocab, args.hidden, args.layers, max(n, 2)), mesh=mesh)
    key = jax.random.key(0)
    tokens = jax.random.randint(key, (args.batch, args.steps), 0, args.vocab)
    targets = jnp.roll(tokens, -1, axis=1)
    batch = NamedSharding(mesh, P("data"))
    tokens, targets = jax.device_put((tokens, targets), batch)
    params = model.init(key, tokens, targets)["params"]
    opt = optax.adam(1e-3)
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state, tokens, targets):
        loss, grads = jax.value_and_grad(lambda p: model.apply({"params": p}, tokens, targets))(
            params
        )
        updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    compiled = step.lower(params, opt_state, tokens, targets).compile()
    memory = compiled.memory_analysis()
    device0 = jax.devices()[0]

    def bytes_on_device0(names):
        return sum(
            s.data.nbytes
            for name in names
            for s in params[name].addressable_shards
            if s.device == device0
        )

    sharded = ["embedding/embedding", "softmax/w"]
    replicated = [k for k in params if k not in sharded]
    state = (params, opt_state)
    times = []
    loss = None
    for i in range(args.reps + 1):
        t0 = time.perf_counter()
        *state, loss = step(*state, tokens, targets)
        jax.block_until_ready(loss)
        if i:  # the first call includes dispatch warm-up
            times.append(time.perf_counter() - t0)
    return {
        "n": n,
        "step_ms": statistics.median(times) * 1e3,
        "sharded_bytes": bytes_on_device0(sharded),
        "replicated_bytes": bytes_on_device0(replicated),
        "xla_bytes": (memory.argument_size_in_bytes + memory.temp_size_in_bytes)
        if memory is not None
        else float("nan"),
        "loss": float(loss),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", type=int, default=8192)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 2, 4, 8])
    args = parser.parse_args()
    counts = [n for n in args.devices if n <= jax.device_count()]
    print(f"jax {jax.__version__}, {jax.device_count()} x {jax.devices()[0].device_kind}")
    print(
        f"model: vocab {args.vocab}, hidden {args.hidden}, {args.layers} LSTM layers, "
        f"batch {args.batch} x {args.steps} steps"
    )
    rows = [run(n, args) for n in counts]
    base = rows[0]
    print(
        f"\n{'devices':>7} {'step ms':>9} {'x n=1':>7} {'sharded MiB/dev':>16} {'x n=1':>7} "
        f"{'replicated MiB/dev':>19} {'XLA MiB/dev':>12} {'loss':>9}"
    )
    for r in rows:
        print(
            f"{r['n']:>7} {r['step_ms']:9.2f} {r['step_ms'] / base['step_ms']:7.2f} "
            f"{r['sharded_bytes'] / 2**20:16.2f} {r['sharded_bytes'] / base['sharded_bytes']:7.3f} "
            f"{r['replicated_bytes'] / 2**20:19.2f} {r['xla_bytes'] / 2**20:12.2f} {r['loss']:9.5f}"
        )
    losses = np.array([r["loss"] for r in rows])
    print(
        f"\nloss after {args.reps + 1} steps agrees across device counts: max rel diff "
        f"{np.max(np.abs(losses - losses[0]) / abs(losses[0])):.2e}"
    )


if __name__ == "__main__":
    main()
