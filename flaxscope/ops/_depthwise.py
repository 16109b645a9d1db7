"""The depthwise 2-D convolution on CPU as a sum of shifted, weighted copies of the input.

``tf.nn.depthwise_conv2d`` is a grouped convolution with one group per input channel. XLA:CPU
(jaxlib 0.10.2) runs that shape slowly: 120-130 ms for a 3x3 depthwise convolution of 32
images of 56x56x64, where TF1's oneDNN takes 2-3.4 ms (benchmarks/RESULTS.md, "Session
7"). Written instead as ``kh * kw`` strided slices of the padded input, each times its
tap's per-channel weights, summed, XLA fuses the whole convolution into one elementwise
loop over the output on every core: 8-11 ms there, 4-40x faster than the grouped
convolution over five shapes, and the input gradient, the transpose of those slices, is one
such loop too. The kernel gradient (a reduction over the batch and the image per tap) is
what autodiff makes of it, still 6-26x TF1's time with the rest of the gradient.

Other backends keep the grouped convolution (cuDNN and XLA:TPU have depthwise kernels).
The values are the grouped convolution's to float32 rounding (the taps are summed in
another order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

Array = jax.Array


def depthwise(
    x: Array,
    w: Array,
    strides: Sequence[int],
    padding: Any,
    dilations: Sequence[int],
    channels_first: bool,
    grouped: Callable[[Array, Array], Array],
) -> Array:
    """``x`` ``[N, H, W, C]`` (``[N, C, H, W]`` when ``channels_first``) convolved channel by
    channel with ``w`` ``[kh, kw, C, multiplier]``; output channel ``c * multiplier + k``.
    ``padding`` is ``"SAME"``, ``"VALID"`` or two ``(low, high)`` pairs. ``grouped(x, w)``
    is the same convolution as the grouped one, used off CPU, for other dtypes and for an
    empty output."""
    kh, kw, channels, mult = w.shape
    pads = padding if isinstance(padding, str) else tuple(tuple(p) for p in padding)
    if x.dtype != jnp.float32 or w.dtype != jnp.float32:
        return grouped(x, w)
    axes = (2, 3) if channels_first else (1, 2)
    sizes = [x.shape[a] for a in axes]
    extents = [(k - 1) * d + 1 for k, d in zip((kh, kw), dilations, strict=True)]
    if isinstance(pads, str):
        pads = tuple(lax.padtype_to_pads(sizes, extents, strides, pads))
    outs = [
        (size + low + high - extent) // stride + 1
        for size, (low, high), extent, stride in zip(sizes, pads, extents, strides, strict=True)
    ]
    if min(outs) <= 0:
        return grouped(x, w)

    def shifted(x: Array, w: Array) -> Array:
        widths = [(0, 0, 0)] * 4
        for axis, (low, high) in zip(axes, pads, strict=True):
            widths[axis] = (low, high, 0)
        padded = lax.pad(x, jnp.zeros((), x.dtype), widths)
        total = None
        for i in range(kh):
            for j in range(kw):
                start, limit, step = [0] * 4, list(padded.shape), [1] * 4
                for axis, tap, d, s, n in zip(axes, (i, j), dilations, strides, outs, strict=True):
                    start[axis] = tap * d
                    limit[axis] = tap * d + (n - 1) * s + 1
                    step[axis] = s
                term = _weighted(lax.slice(padded, start, limit, step), w[i, j], channels_first)
                total = term if total is None else total + term
        if mult == 1:
            return total
        shape = list(total.shape)
        c_axis = 1 if channels_first else 3
        return total.reshape(shape[:c_axis] + [channels * mult] + shape[c_axis + 2 :])

    return lax.platform_dependent(x, w, cpu=shifted, default=grouped)


def _weighted(tap: Array, weights: Array, channels_first: bool) -> Array:
    """One tap of the input times its weights ``[C, multiplier]``: ``[..., C]`` for a
    multiplier of 1, else with a multiplier axis after the channel axis."""
    if weights.shape[1] == 1:
        scale = weights[:, 0]
        return tap * (scale[:, None, None] if channels_first else scale)
    if channels_first:
        return tap[:, :, None] * weights[:, :, None, None]
    return tap[..., None] * weights
