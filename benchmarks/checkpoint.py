"""Checkpoint load/save throughput: flaxscope.checkpoint vs TensorFlow's own reader/writer.

    python benchmarks/checkpoint.py                 # 1 GiB checkpoint
    python benchmarks/checkpoint.py --size-mb 64    # quick run

Each measurement runs in its own subprocess, so its peak RSS is its own. "extra RSS" is
the peak minus the RSS just before the timed call (after imports, and after the tensors
exist for saves): the memory the call itself needed. A load must hold the tensors once
(``extra / size`` about 1.0); a save should need next to nothing beyond them.

Compared:
- load: ``flaxscope.checkpoint.load_variables(prefix)`` vs
  ``r = tf.train.load_checkpoint(prefix); {n: r.get_tensor(n) for n in names}``, both on the
  checkpoint TensorFlow wrote, both checking every CRC32C; a third row runs flaxscope with
  its numpy CRC32C (no ``google-crc32c``).
- save: ``flaxscope.checkpoint.save(prefix, arrays)`` vs ``tf.raw_ops.SaveV2`` (what
  ``tf.train.Saver`` runs) on eager tensors made from the same arrays before timing.

Both loads read files the previous step just wrote, i.e. from the page cache: this measures
the CPU side (copy + CRC), which is what differs between the two implementations. Rows are
the best of ``--repeats`` interleaved rounds; on a shared machine, compare ratios, not
absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def start_measuring(warm_mb: int) -> float:
    """Prepares a timed call; returns the RSS it starts from.

    On a VM the first touch of guest memory is slow (several times a memcpy), and a write
    needs fresh page-cache pages: whichever phase had just freed memory would write fast.
    So every phase first touches and frees ``warm_mb``, then resets the peak-RSS mark
    (``/proc/self/clear_refs``) so the ballast is not counted.
    """
    ballast = np.ones(warm_mb << 20, np.uint8)
    del ballast
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # peak then includes the ballast; extra RSS is an over-estimate
    return rss_mb()


def make_arrays(size_mb: int, num_tensors: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    per = size_mb * (1 << 20) // 4 // num_tensors
    cols = 1024
    rows = max(per // cols, 1)
    return {
        f"layer_{i:03d}/kernel": rng.standard_normal((rows, cols), dtype=np.float32)
        for i in range(num_tensors)
    }


def nbytes(arrays) -> int:
    return sum(a.nbytes for a in arrays.values())


def phase(args) -> dict:
    if args.phase.startswith("load"):
        if args.phase == "load-tf":
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            import tensorflow as tf

            before = start_measuring(args.size_mb * 3 // 2)
            t = time.perf_counter()
            reader = tf.train.load_checkpoint(args.prefix)
            names = sorted(reader.get_variable_to_shape_map())
            values = {n: reader.get_tensor(n) for n in names}
            seconds = time.perf_counter() - t
        else:
            from flaxscope import checkpoint
            from flaxscope.checkpoint import _crc32c

            if args.phase == "load-flaxscope-numpy-crc":
                _crc32c._google_crc32c = None
            before = start_measuring(args.size_mb * 3 // 2)
            t = time.perf_counter()
            values = checkpoint.load_variables(args.prefix)
            seconds = time.perf_counter() - t
        size = nbytes(values)
    else:
        arrays = make_arrays(args.size_mb, args.num_tensors)
        size = nbytes(arrays)
        if args.phase == "save-tf":
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
            import tensorflow as tf

            names = sorted(arrays)
            tensors = [tf.constant(arrays[n]) for n in names]
            del arrays
            before = start_measuring(args.size_mb * 3 // 2)
            t = time.perf_counter()
            tf.raw_ops.SaveV2(
                prefix=args.prefix,
                tensor_names=names,
                shape_and_slices=[""] * len(names),
                tensors=tensors,
            )
            seconds = time.perf_counter() - t
        else:
            from flaxscope import checkpoint

            before = start_measuring(args.size_mb * 3 // 2)
            t = time.perf_counter()
            checkpoint.save(args.prefix, arrays, write_state=False)
            seconds = time.perf_counter() - t
    return {
        "phase": args.phase,
        "seconds": seconds,
        "bytes": size,
        "extra_rss_mb": peak_rss_mb() - before,
    }


def run_phase(name: str, prefix: str, args) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        name,
        "--prefix",
        prefix,
        "--size-mb",
        str(args.size_mb),
        "--num-tensors",
        str(args.num_tensors),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="checkpoint size (MiB)")
    parser.add_argument("--num-tensors", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="best of N for each row")
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args)))
        return

    directory = tempfile.mkdtemp(prefix="flaxscope-bench-", dir=args.dir)
    try:
        ours, theirs = os.path.join(directory, "ours"), os.path.join(directory, "tf")
        plan = [
            ("save", "flaxscope", "save-flaxscope", ours),
            ("save", "tf.raw_ops.SaveV2", "save-tf", theirs),
            ("load", "flaxscope", "load-flaxscope", theirs),
            ("load", "flaxscope (numpy crc)", "load-flaxscope-numpy-crc", theirs),
            ("load", "tf.train.load_checkpoint", "load-tf", theirs),
        ]
        results: dict[str, list[dict]] = {name: [] for _, _, name, _ in plan}
        # Rounds interleave the implementations, so a busy moment on the machine does not
        # land on one of them only; dirty pages of the previous write are flushed first.
        for _ in range(args.repeats):
            for _, _, name, prefix in plan:
                os.sync()
                results[name].append(run_phase(name, prefix, args))
        rows = []
        for op, impl, name, _ in plan:
            best = min(results[name], key=lambda r: r["seconds"])
            best["extra_rss_mb"] = max(r["extra_rss_mb"] for r in results[name])
            rows.append((op, impl, best))
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    size_mb = rows[0][2]["bytes"] / (1 << 20)
    tf_speed = {op: r["bytes"] / r["seconds"] for op, impl, r in rows if impl.startswith("tf")}
    print(
        f"checkpoint: {size_mb:.0f} MiB in {args.num_tensors} float32 tensors; best of {args.repeats}"
    )
    print(
        f"{'op':<5} {'implementation':<26} {'seconds':>8} {'MB/s':>8} {'vs TF':>6} {'extra RSS MB':>13} {'/ size':>7}"
    )
    for op, impl, r in rows:
        speed = r["bytes"] / r["seconds"]
        print(
            f"{op:<5} {impl:<26} {r['seconds']:8.3f} {speed / 1e6:8.0f} "
            f"{speed / tf_speed[op]:6.2f} {r['extra_rss_mb']:13.0f} {r['extra_rss_mb'] / size_mb:7.2f}"
        )


if __name__ == "__main__":
    main()
