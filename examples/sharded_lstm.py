"""Data- plus model-parallel training of the char LSTM language model on every device.

The TF1 program it ports split its big variables with partitioners and placed them on
parameter servers::

    with tf.variable_scope("embedding", partitioner=tf.fixed_size_partitioner(4)):
        embedding = tf.get_variable("embedding", [vocab, hidden])
    ...
    with tf.variable_scope("softmax", partitioner=tf.fixed_size_partitioner(4, axis=1)):
        w = tf.get_variable("w", [hidden, vocab])

Here the same code runs on JAX's SPMD engine: ``fs.transform(model, mesh=mesh)`` maps each
partitioner to a ``PartitionSpec`` over the mesh's ``model`` axis, so the embedding and the
softmax are split over ``model`` while the batch is split over ``data``; the LSTM cells are
replicated. Each variable stays one logical array under its TF1 name, so a TF1 checkpoint
loads into it as is. ``--check`` also trains on one device and compares the loss curves.

On a machine without an accelerator it simulates ``--cpu-devices`` CPU devices (default 8).
Run: python examples/sharded_lstm.py [--steps 50 --check]

Many hosts (JAX's own multi-process runtime, ``jax.distributed``): start one process per
host with the same flags plus ``--coordinator host:port --num-processes N --process-id i``;
the mesh spans every process's devices and the loss curve is the one process's. On one
machine, two processes of 4 CPU devices each (gloo collectives)::

    python examples/sharded_lstm.py --cpu-devices 4 --coordinator localhost:12355 \
        --num-processes 2 --process-id 0 &
    python examples/sharded_lstm.py --cpu-devices 4 --coordinator localhost:12355 \
        --num-processes 2 --process-id 1

``--save PREFIX`` then writes a TF1 checkpoint in which each process writes only the
shards it holds (:func:`flaxscope.checkpoint.save_sharded`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=50, help="training steps")
    parser.add_argument("--batch", type=int, default=16, help="sequences per batch")
    parser.add_argument("--seq-len", type=int, default=32, help="characters per sequence")
    parser.add_argument("--hidden", type=int, default=128, help="LSTM units")
    parser.add_argument("--layers", type=int, default=2, help="stacked LSTM layers")
    parser.add_argument("--model-axis", type=int, default=4, help="devices on the model axis")
    parser.add_argument("--cpu-devices", type=int, default=8, help="simulated devices when on CPU")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    parser.add_argument("--check", action="store_true", help="compare with one device")
    parser.add_argument("--coordinator", help="host:port of process 0 (jax.distributed)")
    parser.add_argument("--num-processes", type=int, default=1, help="processes (hosts)")
    parser.add_argument("--process-id", type=int, default=0, help="this process's index")
    parser.add_argument("--save", metavar="PREFIX", help="save a TF1 checkpoint at the end")
    parser.add_argument("--json", metavar="PATH", help="write the losses to this JSON file")
    return parser.parse_args(argv)


ARGS = _parse(sys.argv[1:] if __name__ == "__main__" else [])
if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "")
        + f" --xla_force_host_platform_device_count={ARGS.cpu_devices}"
    )

import jax  # noqa: E402

if __name__ == "__main__" and ARGS.num_processes > 1:
    # Before anything touches a backend: every process joins the coordinator, then
    # jax.devices() lists all processes' devices. CPU collectives across processes use gloo.
    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU devices only
    jax.distributed.initialize(
        ARGS.coordinator or "localhost:12355",
        num_processes=ARGS.num_processes,
        process_id=ARGS.process_id,
        initialization_timeout=60,
    )

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from jax.sharding import AxisType, Mesh, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from char_lstm import CharData, python_reference_text  # noqa: E402

import flaxscope as fs  # noqa: E402
import flaxscope.compat.v1 as tf  # noqa: E402
from flaxscope import nn  # noqa: E402


def sharded_char_rnn(tokens, *, vocab_size: int, hidden: int, layers: int, shards: int):
    """Next-character logits; embedding and softmax carry TF1 partitioners."""
    with tf.variable_scope("embedding", partitioner=tf.fixed_size_partitioner(shards)):
        embedding = tf.get_variable("embedding", [vocab_size, hidden])
    # A one-hot matmul keeps the vocab-sharded embedding sharded; a gather would make XLA
    # all-gather the table onto every device.
    inputs = jax.nn.one_hot(tokens, vocab_size, dtype=embedding.dtype) @ embedding
    cell = nn.MultiRNNCell([nn.BasicLSTMCell(hidden) for _ in range(layers)])
    outputs, _ = nn.dynamic_rnn(cell, inputs, dtype=jnp.float32)
    with tf.variable_scope("softmax", partitioner=tf.fixed_size_partitioner(shards, axis=1)):
        w = tf.get_variable("w", [hidden, vocab_size])
    with tf.variable_scope("softmax"):
        b = tf.get_variable("b", [vocab_size], initializer=tf.zeros_initializer())
    return outputs @ w + b


def make_mesh(model_axis: int, devices=None) -> Mesh:
    devices = jax.devices() if devices is None else devices
    model_axis = max(1, min(model_axis, len(devices)))
    while len(devices) % model_axis:
        model_axis -= 1
    return jax.make_mesh(
        (len(devices) // model_axis, model_axis),
        ("data", "model"),
        axis_types=(AxisType.Auto,) * 2,
        devices=devices,
    )


def train(
    args: argparse.Namespace, mesh: Mesh, data: CharData, vocab: int
) -> tuple[list[float], dict[str, jax.Array]]:
    """Adam on the mesh; returns the loss of every step and the trained variables."""

    def loss_fn(tokens):
        logits = sharded_char_rnn(
            tokens[:, :-1],
            vocab_size=vocab,
            hidden=args.hidden,
            layers=args.layers,
            shards=args.model_axis,
        )
        return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean()

    model = fs.transform(loss_fn, mesh=mesh)
    batch_sharding = NamedSharding(mesh, P("data"))

    def global_batch(rng: np.random.Generator) -> jax.Array:
        # Every process draws the same batch and keeps the rows its devices hold.
        tokens = data.batch(rng, args.batch, args.seq_len)
        return jax.make_array_from_callback(tokens.shape, batch_sharding, lambda i: tokens[i])

    first = global_batch(np.random.default_rng(0))
    params = model.init(jax.random.key(0), first)["params"]
    optimizer = optax.adam(args.lr)
    opt_state = optimizer.init(params)

    @jax.jit
    def step(params, opt_state, tokens):
        loss, grads = jax.value_and_grad(lambda p: model.apply({"params": p}, tokens))(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    rng = np.random.default_rng(1)
    losses = []
    for _ in range(args.steps):
        params, opt_state, loss = step(params, opt_state, global_batch(rng))
        losses.append(float(loss))
    for name in ("embedding/embedding", "softmax/w"):
        print(f"  {name}: {params[name].shape} sharded as {params[name].sharding.spec}")
    return losses, params


def save_and_reload(path: str, params: dict[str, jax.Array]) -> bool:
    """Saves a TF1 checkpoint shard by shard, reads it back onto the same mesh, compares.

    Each process writes and reads only what its own devices hold.
    """
    prefix = fs.checkpoint.save_sharded(path, {"params": params})
    print(f"saved {prefix} (process {jax.process_index()} wrote its own shards)")
    restored = fs.checkpoint.restore_sharded(prefix, {"params": params})["params"]
    return all(
        restored[n].sharding == v.sharding
        and all(
            np.array_equal(np.asarray(a.data), np.asarray(b.data))
            for a, b in zip(restored[n].addressable_shards, v.addressable_shards, strict=True)
        )
        for n, v in params.items()
    )


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = _parse(argv) if argv is not None else ARGS
    fs.enable_compilation_cache()  # on when $FLAXSCOPE_COMPILATION_CACHE names a directory
    fs.keep_cpu_memory()  # on when $FLAXSCOPE_KEEP_CPU_MEMORY=1
    if args.check and jax.process_count() > 1:
        raise SystemExit("--check trains on one device: run it with one process.")
    data = CharData(python_reference_text()[:200_000])
    # Pad the vocabulary so the model axis divides it (the extra ids never occur).
    vocab = -(-data.vocab_size // 8) * 8
    mesh = make_mesh(args.model_axis)
    print(f"{jax.device_count()} devices ({jax.devices()[0].platform}); mesh {dict(mesh.shape)}")
    losses, params = train(args, mesh, data, vocab)
    print(f"loss: step 1 {losses[0]:.4f} -> step {len(losses)} {losses[-1]:.4f}")
    result: dict[str, Any] = {"sharded": losses}
    if args.save:
        result["reloaded_equal"] = save_and_reload(args.save, params)
        print(f"read back onto the mesh: {'equal' if result['reloaded_equal'] else 'DIFFERENT'}")
    if args.json:
        with open(args.json, "w") as f:
            info = {"process": jax.process_index(), "devices": jax.device_count()}
            json.dump({"losses": losses, **result, **info}, f)
    if args.check:
        single, _ = train(args, make_mesh(1, jax.devices()[:1]), data, vocab)
        diff = np.max(np.abs(np.array(losses) - np.array(single)) / np.abs(single))
        print(
            f"one device: step {len(single)} {single[-1]:.4f}; max relative difference {diff:.2e}"
        )
        result["single"] = single
    return result


if __name__ == "__main__":
    main()
