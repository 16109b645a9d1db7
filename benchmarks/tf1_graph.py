"""flaxscope against TensorFlow 1 graph mode (``sess.run``) on the same TF1 programs.

The programs below are written once, against a ``tf`` module argument: the benchmark runs
them with ``tensorflow.compat.v1`` (graph mode, ``tf.train.*Optimizer.minimize`` and
``sess.run``) and with ``flaxscope.compat.v1`` (``transform`` + ``jax.jit`` + flaxscope's
TF1 optimizers). Only the training drivers differ.

* ``lstm``: the word LSTM language model (embedding, ``BasicLSTMCell``, ``dynamic_rnn``,
  softmax, Adam), at the three sizes of issue 15 (batch x steps x hidden, vocabulary);
* ``cnn``: a small image classifier (``tf.layers.conv2d``, batch norm in training mode with
  its moving averages, ``tf.nn.conv2d``, pooling, dense; momentum);
* ``gan``: one GAN step (generator and discriminator under ``variable_scope`` reuse, two
  Adam optimizers on their own variables).

Each side runs in its own subprocess (TF1 twice: ``TF_ENABLE_ONEDNN_OPTS=1`` and ``=0``),
round robin over ``--rounds`` rounds, and reports per program the median step time and the
time to first step (building the graph or transform, initialising, compiling, first
step; imports excluded). Ratios are flaxscope / TF1.

Run: python benchmarks/tf1_graph.py [--quick | --tiny] [--rounds 3 --steps 30]
     [--compilation-cache DIR]  (flaxscope's persistent XLA cache, see README)
     [--keep-cpu-memory]  (flaxscope side: freed CPU memory kept, fs.keep_cpu_memory)
     [--pin-cpu-threads]  (flaxscope side: XLA's workers one per core, fs.pin_cpu_threads)
     [--xla-cpu-convolutions {default,eigen}]  (flaxscope side: fs.xla_cpu_convolutions)
     python benchmarks/tf1_graph.py --cache-effect [--quick]: flaxscope's time to first
     step with no cache, with an empty cache (first run) and with it filled (second run).
     python benchmarks/tf1_graph.py --check [--tiny] --steps 3: both frameworks in one
     process from the same initial values; the losses must agree (see ``check``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

LSTM_CONFIGS = [(16, 50, 128, 64), (32, 64, 128, 103), (64, 100, 256, 128)]
QUICK_LSTM_CONFIGS = [(16, 20, 64, 64)]
TINY_LSTM_CONFIGS = [(4, 6, 16, 24)]  # --tiny: the smoke test's sizes (seconds, no timing)
CNN_BATCH, QUICK_CNN_BATCH, TINY_CNN_BATCH = 64, 16, 4
GAN_BATCH, Z_DIM, X_DIM = 64, 32, 64


# --- the TF1 programs (one text, two tf modules) -----------------------------------------
def lstm_lm(tf: Any, tokens: Any, targets: Any, vocab: int, hidden: int) -> Any:
    embedding = tf.get_variable("embedding", [vocab, hidden])
    inputs = tf.nn.embedding_lookup(embedding, tokens)
    cell = tf.nn.rnn_cell.BasicLSTMCell(hidden)
    outputs, _ = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
    w = tf.get_variable("softmax_w", [hidden, vocab])
    b = tf.get_variable("softmax_b", [vocab], initializer=tf.zeros_initializer())
    logits = tf.matmul(tf.reshape(outputs, [-1, hidden]), w) + b
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(targets, [-1]), logits=logits
        )
    )


def cnn(tf: Any, images: Any, labels: Any) -> Any:
    x = tf.layers.conv2d(images, 32, 3, padding="same", activation=tf.nn.relu, name="conv1")
    x = tf.layers.batch_normalization(x, training=True, name="bn1")
    x = tf.layers.max_pooling2d(x, 2, 2)
    with tf.variable_scope("conv2"):
        kernel = tf.get_variable("kernel", [3, 3, 32, 64])
    x = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=[1, 1, 1, 1], padding="SAME"))
    x = tf.layers.max_pooling2d(x, 2, 2)
    logits = tf.layers.dense(tf.layers.flatten(x), 10, name="logits")
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def gan(tf: Any, z: Any, real: Any) -> tuple[Any, Any]:
    def discriminator(x):
        h = tf.layers.dense(x, 128, activation=tf.nn.leaky_relu, name="hidden")
        return tf.layers.dense(h, 1, name="logit")

    with tf.variable_scope("generator"):
        h = tf.layers.dense(z, 128, activation=tf.nn.relu, name="hidden")
        fake = tf.layers.dense(h, X_DIM, activation=tf.nn.tanh, name="out")
    with tf.variable_scope("discriminator"):
        d_real = discriminator(real)
    with tf.variable_scope("discriminator", reuse=True):
        d_fake = discriminator(fake)
    xent = tf.nn.sigmoid_cross_entropy_with_logits
    d_loss = tf.reduce_mean(xent(labels=tf.ones_like(d_real), logits=d_real)) + tf.reduce_mean(
        xent(labels=tf.zeros_like(d_fake), logits=d_fake)
    )
    g_loss = tf.reduce_mean(xent(labels=tf.ones_like(d_fake), logits=d_fake))
    return d_loss, g_loss


# --- data -----------------------------------------------------------------------------------
def batches(program: str, config: tuple, count: int = 4) -> list[tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(0)
    out = []
    for _ in range(count):
        if program == "lstm":
            batch, steps, _, vocab = config
            ids = rng.integers(0, vocab, (batch, steps + 1)).astype(np.int32)
            out.append((ids[:, :-1], ids[:, 1:]))
        elif program == "cnn":
            (batch,) = config
            images = rng.standard_normal((batch, 28, 28, 1)).astype(np.float32)
            out.append((images, rng.integers(0, 10, batch).astype(np.int32)))
        else:
            (batch,) = config
            z = rng.standard_normal((batch, Z_DIM)).astype(np.float32)
            out.append((z, np.tanh(rng.standard_normal((batch, X_DIM))).astype(np.float32)))
    return out


def programs(size: str, only: Sequence[str] = ()) -> list[tuple[str, tuple]]:
    """``(program, config)`` pairs at ``size``: ``"full"``, ``"quick"`` or ``"tiny"``."""
    lstm = {"full": LSTM_CONFIGS, "quick": QUICK_LSTM_CONFIGS, "tiny": TINY_LSTM_CONFIGS}[size]
    cnn_batch = {"full": CNN_BATCH, "quick": QUICK_CNN_BATCH, "tiny": TINY_CNN_BATCH}[size]
    every = [
        *(("lstm", c) for c in lstm),
        ("cnn", (cnn_batch,)),
        ("gan", (8 if size == "tiny" else GAN_BATCH,)),
    ]
    return [(p, c) for p, c in every if not only or p in only]


# --- workers: one framework, every program; prints JSON ----------------------------------
def run_tf1(
    program: str, config: tuple, steps: int, initial: dict[str, np.ndarray] | None = None
) -> dict[str, Any]:
    """TF1 graph mode: times, and the loss of every step. ``initial``: ``{TF name: value}``
    loaded into the variables after their initialisers (``--check``)."""
    import tensorflow as tf_

    tf = tf_.compat.v1
    data = batches(program, config)
    start = time.perf_counter()
    graph = tf_.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        if program == "lstm":
            batch, length, hidden, vocab = config
            a = tf.placeholder(tf.int32, [batch, length])
            b = tf.placeholder(tf.int32, [batch, length])
            loss = lstm_lm(tf, a, b, vocab, hidden)
            train = tf.train.AdamOptimizer(1e-3).minimize(loss)
        elif program == "cnn":
            a = tf.placeholder(tf.float32, [config[0], 28, 28, 1])
            b = tf.placeholder(tf.int32, [config[0]])
            loss = cnn(tf, a, b)
            with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
                train = tf.train.MomentumOptimizer(0.01, 0.9).minimize(loss)
        else:
            a = tf.placeholder(tf.float32, [config[0], Z_DIM])
            b = tf.placeholder(tf.float32, [config[0], X_DIM])
            d_loss, g_loss = gan(tf, a, b)
            d_vars = tf.trainable_variables("discriminator")
            g_vars = tf.trainable_variables("generator")
            train = tf.group(
                tf.train.AdamOptimizer(2e-4, 0.5, name="d_adam").minimize(d_loss, var_list=d_vars),
                tf.train.AdamOptimizer(2e-4, 0.5, name="g_adam").minimize(g_loss, var_list=g_vars),
            )
            loss = d_loss
        sess = tf.Session(graph=graph)
        sess.run(tf.global_variables_initializer())
        if initial is not None:
            _load_tf1(tf, sess, initial)
        times, losses = [], []
        for i in range(steps + 1):
            t = time.perf_counter()
            x, y = data[i % len(data)]
            _, value = sess.run([train, loss], {a: x, b: y})
            if i == 0:
                first = time.perf_counter() - start
            else:
                times.append(time.perf_counter() - t)
            losses.append(float(value))
        sess.close()
    return {"first": first, "step": statistics.median(times), "losses": losses}


def _load_tf1(tf: Any, sess: Any, initial: dict[str, np.ndarray]) -> None:
    """Gives every model variable of the session's graph the value flaxscope's init gave it."""
    model_vars = {v.op.name: v for v in tf.global_variables()}
    missing = sorted(set(initial) - set(model_vars))
    if missing:
        raise KeyError(f"flaxscope created variables TF1 did not: {missing}")
    for name, value in initial.items():
        model_vars[name].load(value, sess)


def run_flaxscope(
    program: str, config: tuple, steps: int, export_initial: bool = False
) -> dict[str, Any]:
    """flaxscope: times, and the loss of every step; with ``export_initial``, also the
    initial variables as ``{TF name: numpy array}`` (``"initial"``, for ``--check``)."""
    import jax
    import optax

    import flaxscope as fs
    import flaxscope.compat.v1 as tf

    fs.enable_compilation_cache()  # $FLAXSCOPE_COMPILATION_CACHE (--compilation-cache)
    kept = fs.keep_cpu_memory()  # on when $FLAXSCOPE_KEEP_CPU_MEMORY=1
    convolutions = fs.xla_cpu_convolutions()  # $FLAXSCOPE_XLA_CPU_CONVOLUTIONS
    pinned = fs.pin_cpu_threads()  # on when $FLAXSCOPE_PIN_CPU_THREADS=1
    jit_init = os.environ.get("TF1_GRAPH_INIT", "compiled") == "compiled"  # (--init)
    data = batches(program, config)
    start = time.perf_counter()
    if program == "lstm":
        _, _, hidden, vocab = config
        model = fs.transform(lambda a, b: lstm_lm(tf, a, b, vocab, hidden), jit_init=jit_init)
        opts = {"all": tf.train.AdamOptimizer(1e-3)}
    elif program == "cnn":
        model = fs.transform(lambda a, b: cnn(tf, a, b), jit_init=jit_init)
        opts = {"all": tf.train.MomentumOptimizer(0.01, 0.9)}
    else:
        model = fs.transform(lambda a, b: gan(tf, a, b), jit_init=jit_init)
        opts = {
            "discriminator": tf.train.AdamOptimizer(2e-4, 0.5, name="d_adam"),
            "generator": tf.train.AdamOptimizer(2e-4, 0.5, name="g_adam"),
        }
    variables = model.init(jax.random.key(0), *data[0])
    params = variables["params"]
    state = variables.get("state", {})

    def part(tree: dict, which: str) -> dict:
        return tree if which == "all" else {n: v for n, v in tree.items() if n.startswith(which)}

    opt_states = {k: o.init(part(params, k)) for k, o in opts.items()}

    @jax.jit
    def step(params, state, opt_states, a, b):
        new_params, new_opt, outs = dict(params), {}, []
        for i, (key, opt) in enumerate(opts.items()):

            def loss_i(p, key=key, i=i):
                out, new_state = model.apply(
                    {"params": {**params, **p}, "state": state}, a, b, mutable=True
                )
                return (out[i] if isinstance(out, tuple) else out), new_state

            (loss, new_state), grads = jax.value_and_grad(loss_i, has_aux=True)(part(params, key))
            updates, new_opt[key] = opt.update(grads, opt_states[key], part(params, key))
            new_params.update(optax.apply_updates(part(params, key), updates))
            outs.append((loss, new_state))
        loss, new_state = outs[0]
        return new_params, new_state.get("state", state), new_opt, loss

    out: dict[str, Any] = {}
    if export_initial:
        out["initial"] = {n: np.asarray(v) for n, v in {**params, **state}.items()}
    times, losses = [], []
    for i in range(steps + 1):
        t = time.perf_counter()
        x, y = data[i % len(data)]
        params, state, opt_states, loss = step(params, state, opt_states, x, y)
        loss.block_until_ready()
        if i == 0:
            first = time.perf_counter() - start
        else:
            times.append(time.perf_counter() - t)
        losses.append(float(loss))
    settings = {
        "xla_cpu_convolutions": convolutions,
        "keep_cpu_memory": kept,
        "pinned_threads": pinned,
        "init": "compiled" if jit_init else "eager",
        "XLA_FLAGS": os.environ.get("XLA_FLAGS", ""),
        "jaxlib": jax.lib.__version__,
    }
    out["settings"] = settings
    return {**out, "first": first, "step": statistics.median(times), "losses": losses}


def worker(side: str, size: str, steps: int, only: Sequence[str] = ()) -> None:
    run = run_flaxscope if side == "flaxscope" else run_tf1
    out = {}
    for program, config in programs(size, only):
        out[f"{program} {'x'.join(map(str, config))}"] = run(program, config, steps)
    print("RESULT " + json.dumps(out), flush=True)


# --- the driver -----------------------------------------------------------------------------
SIDES = {
    "flaxscope": {},
    "tf1 oneDNN on": {"TF_ENABLE_ONEDNN_OPTS": "1"},
    "tf1 oneDNN off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}


def _spawn(side: str, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu")
    env.update(SIDES[side])
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env.get("PYTHONPATH", "")]
    )
    if args.compilation_cache and side == "flaxscope":
        env["FLAXSCOPE_COMPILATION_CACHE"] = args.compilation_cache
    if args.keep_cpu_memory and side == "flaxscope":
        env["FLAXSCOPE_KEEP_CPU_MEMORY"] = "1"
    if args.pin_cpu_threads and side == "flaxscope":
        env["FLAXSCOPE_PIN_CPU_THREADS"] = "1"
    if side == "flaxscope":
        env["FLAXSCOPE_XLA_CPU_CONVOLUTIONS"] = args.xla_cpu_convolutions
    env["TF1_GRAPH_INIT"] = args.init.split(",")[0]
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", side.split()[0]]
    cmd += ["--steps", str(args.steps)] + {"full": [], "quick": ["--quick"], "tiny": ["--tiny"]}[
        _size(args)
    ]
    cmd += [f"--only={p}" for p in args.only or ()]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"{side} worker failed (rc {proc.returncode}):\n{proc.stderr[-3000:]}")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small configs, 1 round, 5 steps")
    parser.add_argument(
        "--tiny", action="store_true", help="the smoke test's configs (checks, not timings)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="run each program in both frameworks in this process from the same initial "
        "values and compare the losses of --steps steps",
    )
    parser.add_argument("--rounds", type=int, default=3, help="round-robin rounds")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per program")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per worker")
    parser.add_argument("--compilation-cache", metavar="DIR", help="flaxscope's XLA cache")
    parser.add_argument(
        "--keep-cpu-memory",
        action="store_true",
        help="flaxscope side with fs.keep_cpu_memory (freed CPU memory kept, as TF1's allocator)",
    )
    parser.add_argument(
        "--pin-cpu-threads",
        action="store_true",
        help="flaxscope side with fs.pin_cpu_threads (XLA:CPU's worker threads one per core)",
    )
    parser.add_argument(
        "--xla-cpu-convolutions",
        choices=["default", "eigen"],
        default="default",
        help="flaxscope side: the library XLA:CPU runs convolutions with "
        "(fs.xla_cpu_convolutions; 'eigen' uses every core, see benchmarks/RESULTS.md)",
    )
    parser.add_argument(
        "--init",
        default="compiled",
        help="flaxscope's init: 'compiled' (transform(..., jit_init=True)) or 'eager'; "
        "--cache-effect takes both, 'compiled,eager', and compares them round robin",
    )
    parser.add_argument(
        "--cache-effect", action="store_true", help="time to first step with/without the cache"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=["lstm", "cnn", "gan"],
        help="run only this program (repeatable; default: all)",
    )
    parser.add_argument("--worker", choices=["flaxscope", "tf1"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.steps = 1, 5
    if args.worker:
        worker(args.worker, _size(args), args.steps, args.only or ())
        return {}
    if args.check:
        return check(args)
    if args.cache_effect:
        return cache_effect(args)
    runs: dict[str, list[dict]] = {side: [] for side in SIDES}
    for r in range(args.rounds):
        for side in SIDES:
            runs[side].append(_spawn(side, args))
            print(f"round {r + 1}/{args.rounds}: {side} done", file=sys.stderr, flush=True)
    keys = list(runs["flaxscope"][0])
    med: dict[str, dict[str, dict[str, float]]] = {
        side: {
            k: {m: statistics.median(run[k][m] for run in runs[side]) for m in ("first", "step")}
            for k in keys
        }
        for side in SIDES
    }
    report(med, args)
    print(f"flaxscope settings: {runs['flaxscope'][0][keys[0]].get('settings')}")
    return med


def _size(args: argparse.Namespace) -> str:
    return "tiny" if args.tiny else "quick" if args.quick else "full"


def check(args: argparse.Namespace) -> dict[str, Any]:
    """The same TF1 text computes the same losses on both sides, from the same values.

    Per program (in this process): flaxscope's ``init`` gives the initial values, TF1's
    graph gets them through ``Variable.load``, and both train ``--steps`` steps on the same
    batches. Step 1's loss must agree to float32 rounding; later steps drift only by
    rounding (the GAN's later steps are not compared: TF1's ``tf.group`` of the two
    ``minimize`` ops lets the generator's gradient read the discriminator before or after
    its update, so TF1 itself is not deterministic there).
    """
    out = {}
    for program, config in programs(_size(args), args.only or ()):
        key = f"{program} {'x'.join(map(str, config))}"
        ours = run_flaxscope(program, config, args.steps, export_initial=True)
        theirs = run_tf1(program, config, args.steps, initial=ours.pop("initial"))
        a, b = np.array(ours["losses"]), np.array(theirs["losses"])
        compared = 1 if program == "gan" else len(a)
        diff = float(np.max(np.abs(a[:compared] - b[:compared]) / np.abs(b[:compared])))
        out[key] = {"flaxscope": ours, "tf1": theirs, "max_rel_diff": diff}
        print(f"{key:<24} losses flaxscope {np.round(a, 5).tolist()}")
        print(f"{'':<24}        tf1       {np.round(b, 5).tolist()}")
        print(f"{'':<24} max relative difference over {compared} step(s): {diff:.2e}")
    return out


def cache_effect(args: argparse.Namespace) -> dict[str, Any]:
    """flaxscope's time to first step: no cache, empty cache, filled cache (round robin)."""
    import tempfile

    labels = ["no cache", "first run (empty cache)", "second run (filled cache)"]
    modes = args.init.split(",")
    runs: dict[tuple[str, str], list[dict]] = {(m, label): [] for m in modes for label in labels}
    every_init = args.init
    for r in range(args.rounds):
        for mode in modes:
            args.init = mode
            with tempfile.TemporaryDirectory() as cache:
                for label in labels:
                    args.compilation_cache = None if label == "no cache" else cache
                    runs[(mode, label)].append(_spawn("flaxscope", args))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    args.init = every_init
    keys = list(runs[(modes[0], labels[0])][0])
    med = {
        f"{mode} init, {label}": {
            k: statistics.median(run[k]["first"] for run in runs[(mode, label)]) for k in keys
        }
        for mode in modes
        for label in labels
    }
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()}; rounds {args.rounds}, medians")
    print("time to first step, s            no cache   empty  filled  filled/no cache")
    for k in keys:
        for mode in modes:
            none, cold, warm = (med[f"{mode} init, {label}"][k] for label in labels)
            row = f"{k + ' (' + mode + ')':<32}{none:9.2f}{cold:8.2f}{warm:8.2f}"
            print(f"{row}{warm / none:10.2f}")
    return med


def report(med: dict, args: argparse.Namespace) -> None:
    import platform

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print(f"rounds {args.rounds}, {args.steps} timed steps per program, medians")
    head = "program (config)          fs ms  tf1on ms tf1off ms  fs/on fs/off"
    head += "   first: fs s  on s  off s"
    print(head)
    fs_, on, off = (med[s] for s in SIDES)
    for k in fs_:
        row = (
            f"{k:<24}{fs_[k]['step'] * 1e3:7.2f}{on[k]['step'] * 1e3:10.2f}"
            f"{off[k]['step'] * 1e3:10.2f}{fs_[k]['step'] / on[k]['step']:7.2f}"
            f"{fs_[k]['step'] / off[k]['step']:7.2f}"
            f"{fs_[k]['first']:13.2f}{on[k]['first']:6.2f}{off[k]['first']:7.2f}"
        )
        print(row)


if __name__ == "__main__":
    main()
