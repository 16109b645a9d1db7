"""flaxscope.enable_compilation_cache: the second process loads the step, not compiles it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import flaxscope as fs

ROOT = Path(__file__).resolve().parents[2]

# A fresh process: a TF1-style model's jitted train step, counting JAX's cache events.
PROGRAM = r"""
import json, sys, time
import jax
from jax import monitoring

events = {"hits": 0}
def listen(event, **_):
    if event == "/jax/compilation_cache/cache_hits":
        events["hits"] += 1
monitoring.register_event_listener(listen)

import flaxscope as fs
import flaxscope.compat.v1 as tf

cache = fs.enable_compilation_cache()

def model(x):
    h = tf.layers.dense(x, 16, activation=tf.nn.relu, name="hidden")
    return tf.reduce_mean(tf.square(tf.layers.dense(h, 1, name="out")))

start = time.perf_counter()
f = fs.transform(model)
x = jax.numpy.ones((4, 8))
params = f.init(jax.random.key(0), x)["params"]
step = jax.jit(lambda p, x: jax.tree.map(lambda a, g: a - 0.1 * g, p, jax.grad(
    lambda p: f.apply({"params": p}, x))(p)))
jax.block_until_ready(step(params, x))
print(json.dumps({"cache": cache, "hits": events["hits"], "first": time.perf_counter() - start}))
"""


def _run(env_cache):
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    env.pop("FLAXSCOPE_COMPILATION_CACHE", None)
    if env_cache is not None:
        env["FLAXSCOPE_COMPILATION_CACHE"] = str(env_cache)
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_second_process_hits_the_cache(tmp_path):
    cache = tmp_path / "xla"
    first = _run(cache)
    assert first["cache"] == str(cache) and first["hits"] == 0
    written = sorted(p.name for p in cache.iterdir())
    assert written  # the executables went to disk
    second = _run(cache)
    assert second["hits"] >= 2  # the train step and the ops init ran, loaded from disk
    without = _run(None)
    assert without["cache"] is None and without["hits"] == 0


def test_switch_off_and_bad_path(tmp_path, monkeypatch):
    monkeypatch.delenv("FLAXSCOPE_COMPILATION_CACHE", raising=False)
    assert fs.enable_compilation_cache() is None
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(ValueError, match="is a file; give a directory"):
        fs.enable_compilation_cache(a_file)
