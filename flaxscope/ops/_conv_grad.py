"""The 2-D convolution on CPU: in a train step the forward pass in two halves of the batch,
the input gradient shaped for Eigen and the kernel gradient summed over chunks of the
batch; outside differentiation the forward pass shaped for Eigen.

``jax.grad`` of ``lax.conv_general_dilated`` with respect to the kernel is one convolution
whose window is the whole image and whose contraction runs over every image of the batch
(for a 3x3 kernel on 14x14 maps: a 14x14 window over 64 images). XLA:CPU's YNNPACK path
runs that shape at about half the speed of the forward convolution; the same gradient
computed as a sum of convolutions over 8 images at a time (at most 16 of them) takes about
0.75x the time (benchmarks/RESULTS.md, "The CNN on CPU against oneDNN"). Other backends
(cuDNN on GPU) keep the single convolution.

When XLA:CPU runs convolutions on Eigen instead (``flaxscope.xla_cpu_convolutions("eigen")``,
or the same flag in ``XLA_FLAGS``), the single convolution is as fast as the chunks or
faster, and compiles sooner, so there are none.

XLA:CPU's YNNPACK convolution runs on one core, and XLA can run independent operations of
a step on different cores at once. So the forward convolution of a kernel wider than 1x1
with at least ``MIN_FORWARD_DEPTH`` products per output is computed as two convolutions
over the two halves of the batch (``FORWARD_PARTS``), which run side by side in a train
step (XLA's executor hands work to a second core only when plenty is ready): 0.93-0.96 of
the benchmark CNN's train step time, 0.93-0.97 of a convolution's forward and backward at
other 3x3 and 5x5 shapes (benchmarks/RESULTS.md, "Session 6"). Each image's output is
computed by the same arithmetic either way.

XLA:CPU hands a convolution to YNNPACK (one core) unless, among other cases, its output
is larger than its input; those go to Eigen, which uses the whole thread pool. A stride-1
convolution that keeps the image size ("SAME") can be shaped for Eigen at the cost of one
row, when it has at least ``MIN_GROWN_WORK`` multiply-adds (``GROW_FOR_EIGEN``):

* its input gradient, a convolution of the output gradient with the same size in and out:
  the input's tangent is computed from the input padded by one zero row at the end of its
  first spatial dimension (and one row less of the convolution's own padding there), so
  its transpose comes out one row taller and is cropped. 0.75-1.00 of a convolution's
  forward and backward time at seven 3x3 and 5x5 shapes, 0.86-0.91 of the benchmark CNN's
  train step. Strided and "VALID" convolutions have a larger input gradient than output
  gradient already.
* the forward pass outside differentiation (inference): one more row of padding, then the
  last output row cropped: 0.61-0.68 of the time at eight shapes, batches 1 to 64, NCHW
  and dilated included. Under differentiation the forward pass stays the batch halves
  above, which run beside the backward pass's other work.

(benchmarks/RESULTS.md, "Session 7".) The values are the plain convolution's to float32
rounding.

All of it lives in a ``custom_jvp``: the primal is the (grown) forward convolution, the
jvp's primal output the split one, the input's tangent the (grown) convolution, and the
kernel's tangent the concatenation of per-chunk convolutions, whose transpose under
reverse mode is the chunked sum. Forward mode, ``vmap`` and higher derivatives keep
working, and the values equal the plain convolution's to float32 rounding (only the order
of the sum over the batch changes).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from jax.custom_derivatives import SymbolicZero

from flaxscope import xla_cpu

Array = jax.Array

# Images per kernel-gradient convolution on CPU, the smallest batch that is split, and the
# most convolutions one gradient is split into (each costs compile time: about 0.5 s more
# for the benchmark CNN's step at 8 chunks; larger batches get larger chunks instead).
CHUNK = 8
MIN_BATCH = 2 * CHUNK
MAX_CHUNKS = 16
# Batch parts of the forward convolution on CPU (measured on 2 cores only), for kernels
# wider than 1x1 whose every output sums at least MIN_FORWARD_DEPTH products (kh * kw *
# in_channels): a cheap convolution gains nothing, and XLA may then copy its large output
# whole to join the parts (2 ms for a 6.4 MB output in one probe) instead of writing it in
# place; a 1x1 one was 1.03x slower split.
FORWARD_PARTS = 2
MIN_FORWARD_DEPTH = 64
# Whether stride-1 convolutions are shaped for Eigen on CPU (the grown input gradient and,
# outside differentiation, the grown forward pass; see above), and the least multiply-adds
# (about batch * H * W * kh * kw * in * out) for it, at any batch size: below, Eigen's
# thread pool costs more than it gains (input gradient of 8 images of 14x14x32 -> 64, 29M:
# 1.12x; 16 images, 58M: 0.95x; 4 of 32x32x64 -> 64, 151M: 0.71x).
GROW_FOR_EIGEN = True
MIN_GROWN_WORK = 48 * 2**20


def conv(
    x: Array,
    w: Array,
    strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    dilations: Sequence[int],
    spec: tuple[str, str, str],
    groups: int,
) -> Array:
    """``lax.conv_general_dilated`` with batch dimension 0. On CPU, unless XLA:CPU runs
    convolutions on Eigen, a 2-D ungrouped convolution of a batch of at least ``MIN_BATCH``
    gets the split forward pass and the chunked kernel gradient, and one of at least
    ``MIN_GROWN_WORK`` multiply-adds the grown input tangent and forward pass."""
    padding = padding if isinstance(padding, str) else tuple(tuple(p) for p in padding)
    args = (tuple(strides), padding, tuple(dilations), tuple(spec))
    if w.ndim == 4 and groups == 1 and not xla_cpu.eigen_convolutions():
        if x.shape[0] >= MIN_BATCH or _work(x, w, spec) >= MIN_GROWN_WORK:
            return _cpu_conv(x, w, *args)
    return _plain(x, w, *args, groups)


def _work(x: Array, w: Array, spec) -> int:
    """Multiply-adds of a stride-1 convolution whose output is as large as its input."""
    rhs = spec[1]
    return x.size * math.prod(n for n, d in zip(w.shape, rhs, strict=True) if d != "I")


def _plain(x: Array, w: Array, strides, padding, dilations, spec, groups: int = 1) -> Array:
    return lax.conv_general_dilated(
        x,
        w,
        window_strides=strides,
        padding=padding,
        rhs_dilation=dilations,
        dimension_numbers=spec,
        feature_group_count=groups,
    )


def _on_cpu(cpu, x: Array, w: Array, args) -> Array:
    """``cpu(x, w)`` on CPU, the plain convolution of ``x`` and ``w`` on other backends."""
    return lax.platform_dependent(x, w, cpu=cpu, default=lambda x, w: _plain(x, w, *args))


def _forward(x: Array, w: Array, strides, padding, dilations, spec) -> Array:
    """The convolution; on CPU as ``FORWARD_PARTS`` convolutions over parts of the batch."""
    args = (strides, padding, dilations, spec)
    window = math.prod(n for n, d in zip(w.shape, spec[1], strict=True) if d not in "IO")
    deep = window > 1 and window * w.shape[spec[1].index("I")] >= MIN_FORWARD_DEPTH
    if not deep or x.shape[0] < MIN_BATCH:
        return _plain(x, w, *args)

    def parts(x: Array, w: Array) -> Array:
        size, extra = divmod(x.shape[0], FORWARD_PARTS)
        sizes = [size + (k < extra) for k in range(FORWARD_PARTS)]
        return jnp.concatenate([_plain(part, w, *args) for part in lax.split(x, sizes)], axis=0)

    return _on_cpu(parts, x, w, args)


def _growth(x: Array, w: Array, strides, padding, dilations, spec):
    """``(explicit padding, the first spatial dimension, the dilated window's extent in it)``
    when the convolution may be shaped for Eigen on CPU: stride 1, a kernel wider than 1x1,
    at least ``MIN_GROWN_WORK`` multiply-adds; otherwise ``None``."""
    if not GROW_FOR_EIGEN or any(s != 1 for s in strides):
        return None
    if _work(x, w, spec) < MIN_GROWN_WORK:
        return None
    lhs, rhs, _ = spec
    spatial = [d for d in rhs if d not in "IO"]
    window = [w.shape[rhs.index(d)] for d in spatial]
    if math.prod(window) == 1:
        return None
    dilated = [(k - 1) * r + 1 for k, r in zip(window, dilations, strict=True)]
    if isinstance(padding, str):
        sizes = [x.shape[lhs.index(d)] for d in spatial]
        padding = tuple(lax.padtype_to_pads(sizes, dilated, strides, padding))
    return tuple(padding), spatial[0], dilated[0]


def _inference(x: Array, w: Array, strides, padding, dilations, spec) -> Array:
    """The convolution outside differentiation; on CPU, when shaped for Eigen, computed one
    row taller (one more row of padding at the end of the first spatial dimension) and
    cropped: 0.61-0.68 of YNNPACK's time at eight 3x3 shapes, batches 1 to 64."""
    args = (strides, padding, dilations, spec)
    growth = _growth(x, w, *args)
    # one more output row is larger than the input only if the output is as large already
    if growth is None or sum(growth[0][0]) < growth[2] - 1:
        return _forward(x, w, *args)
    ((low, high), *rest), first, _ = growth
    axis = spec[2].index(first)

    def grown(x: Array, w: Array) -> Array:
        out = _plain(x, w, strides, ((low, high + 1), *rest), dilations, spec)
        return lax.slice_in_dim(out, 0, out.shape[axis] - 1, axis=axis)

    return _on_cpu(grown, x, w, args)


def _input_tangent(tx: Array, w: Array, strides, padding, dilations, spec) -> Array:
    """The convolution of the input's tangent; on CPU, when shaped for Eigen and some padding
    is left at the end of the first spatial dimension, of the tangent padded there by one
    zero row (and one row less of the convolution's own padding)."""
    args = (strides, padding, dilations, spec)
    growth = _growth(tx, w, *args)
    # the input gradient is larger than its input already when the output is smaller
    if growth is None or growth[0][0][1] < 1 or sum(growth[0][0]) >= growth[2]:
        return _plain(tx, w, *args)
    ((low, high), *rest), first, _ = growth
    widths = [(0, 0, 0)] * tx.ndim
    widths[spec[0].index(first)] = (0, 1, 0)

    def grown(tx: Array, w: Array) -> Array:
        taller = lax.pad(tx, jnp.zeros((), tx.dtype), widths)
        return _plain(taller, w, strides, ((low, high - 1), *rest), dilations, spec)

    return _on_cpu(grown, tx, w, args)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2, 3, 4, 5))
def _cpu_conv(x: Array, w: Array, strides, padding, dilations, spec) -> Array:
    return _inference(x, w, strides, padding, dilations, spec)


def _jvp(strides, padding, dilations, spec, primals, tangents) -> tuple[Array, Any]:
    x, w = primals
    tx, tw = tangents
    args = (strides, padding, dilations, spec)
    out = _forward(x, w, *args)
    parts = []
    if not isinstance(tx, SymbolicZero):
        parts.append(_input_tangent(tx, w, *args))
    if not isinstance(tw, SymbolicZero) and x.shape[0] < MIN_BATCH:
        parts.append(_plain(x, tw, *args))
    elif not isinstance(tw, SymbolicZero):
        size = max(CHUNK, -(-x.shape[0] // MAX_CHUNKS))

        def chunked(x: Array, tw: Array) -> Array:
            pieces = [
                _plain(x[start : start + size], tw, *args) for start in range(0, x.shape[0], size)
            ]
            return jnp.concatenate(pieces, axis=0)

        parts.append(_on_cpu(chunked, x, tw, args))
    if not parts:
        return out, jnp.zeros_like(out)
    return out, functools.reduce(lambda a, b: a + b, parts)


_cpu_conv.defjvp(_jvp, symbolic_zeros=True)
