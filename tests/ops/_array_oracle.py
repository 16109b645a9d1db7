"""Shared by the array-op tests: input arrays and the TF1-vs-flaxscope comparison."""

from __future__ import annotations

import jax
import numpy as np

import flaxscope.compat.v1 as fst

RNG = np.random.default_rng(0)
X234 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
X5 = RNG.standard_normal(5).astype(np.float32)
X131 = RNG.standard_normal((1, 3, 1)).astype(np.float32)
I23 = RNG.integers(-5, 5, (2, 3)).astype(np.int32)
B23 = RNG.random((2, 3)) > 0.5
ARRAYS = {"f234": X234, "f5": X5, "f131": X131, "i23": I23}


def _flatten(value):
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _flatten(v)]
    return [value]


def compare(tf1, cases):
    """Runs every case on TF1 (one graph, one session) and on flaxscope; compares."""
    graph = tf1.Graph()
    with graph.as_default():
        built = [_flatten(fn(tf1)) for _, fn in cases]
        with tf1.Session(graph=graph) as sess:
            expected = sess.run(built)
    failures = []
    for (label, fn), want in zip(cases, expected, strict=True):
        got = _flatten(fn(fst))
        if len(got) != len(want):
            failures.append(f"{label}: {len(got)} outputs, TF {len(want)}")
            continue
        for g, w in zip(got, want, strict=True):
            g, w = np.asarray(g), np.asarray(w)
            want_dtype = jax.dtypes.canonicalize_dtype(w.dtype)
            if g.dtype != want_dtype:
                failures.append(f"{label}: dtype {g.dtype}, TF {w.dtype}")
            elif g.shape != w.shape:
                failures.append(f"{label}: shape {g.shape}, TF {w.shape}")
            elif not np.allclose(g, w, rtol=1e-6, atol=1e-6, equal_nan=True):
                failures.append(f"{label}: values differ\n{g}\nTF:\n{w}")
    assert not failures, f"{len(failures)} of {len(cases)} cases differ:\n" + "\n".join(
        failures[:20]
    )
    return len(cases)
