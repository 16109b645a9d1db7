"""TF1's box ops: ``tf.image.crop_and_resize`` (bilinear or nearest sampling of boxes) and
``non_max_suppression`` (plain and padded)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._registry import tf_op
from flaxscope.ops.image.resize import static_size


@tf_op("image.crop_and_resize", family="image", default_name="CropAndResize")
def crop_and_resize(
    image: Any,
    boxes: Any,
    box_ind: Any = None,
    crop_size: Any = None,
    method: str = "bilinear",
    extrapolation_value: float = 0.0,
    name: str | None = None,
    box_indices: Any = None,
) -> jax.Array:
    """``tf.image.crop_and_resize``: for each box ``[y1, x1, y2, x2]`` (normalized
    coordinates; flipped and out-of-image boxes allowed) of image ``box_ind[i]`` of the
    batch, the crop sampled on a ``crop_size`` grid, bilinear or nearest, with
    ``extrapolation_value`` outside the image; float32 ``[boxes, h, w, depth]``. As TF's
    kernel: sample ``j`` of a box lies at ``y1 * (H - 1) + j * (y2 - y1) * (H - 1) /
    (h - 1)`` (the box's center when ``h == 1``). Nearest rounds halves up as TF does; a
    sample that lands within float rounding of a half may round the other way (XLA may
    fuse the coordinate's multiply-add)."""
    del name
    if box_ind is None:
        box_ind = box_indices
    if box_ind is None or crop_size is None:
        raise TypeError("crop_and_resize needs box_ind (box_indices) and crop_size.")
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"method must be 'bilinear' or 'nearest', got {method!r}")
    image = jnp.asarray(image)
    if image.ndim != 4:
        raise ValueError(f"input image must be 4-D, got shape {list(image.shape)}")
    boxes = jnp.asarray(boxes, jnp.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must be 2-D [num_boxes, 4], got shape {list(boxes.shape)}")
    box_ind = jnp.asarray(box_ind, jnp.int32)
    ch, cw = static_size(crop_size)
    _, height, width, _ = image.shape
    images = image.astype(jnp.float32)[box_ind]  # [n, H, W, C]

    def coords(start: jax.Array, end: jax.Array, size: int, out: int) -> jax.Array:
        start, end = start[:, None], end[:, None]
        if out > 1:
            step = (end - start) * np.float32(size - 1) / np.float32(out - 1)
            return start * np.float32(size - 1) + jnp.arange(out, dtype=jnp.float32) * step
        return jnp.broadcast_to(
            np.float32(0.5) * (start + end) * np.float32(size - 1), (start.shape[0], 1)
        )

    in_y = coords(boxes[:, 0], boxes[:, 2], height, ch)  # [n, ch]
    in_x = coords(boxes[:, 1], boxes[:, 3], width, cw)  # [n, cw]
    valid = ((in_y >= 0) & (in_y <= height - 1))[:, :, None] & ((in_x >= 0) & (in_x <= width - 1))[
        :, None, :
    ]
    rows = jnp.arange(images.shape[0])[:, None, None]

    def pick(ys: jax.Array, xs: jax.Array) -> jax.Array:
        ys = jnp.clip(ys, 0, height - 1)[:, :, None]
        xs = jnp.clip(xs, 0, width - 1)[:, None, :]
        return images[rows, ys, xs]  # [n, ch, cw, C]

    if method == "nearest":

        def round_half_up(v: jax.Array) -> jax.Array:  # C's roundf on the valid (>= 0) range
            low = jnp.floor(v)
            return jnp.where(v - low >= 0.5, low + 1, low).astype(jnp.int32)

        out = pick(round_half_up(in_y), round_half_up(in_x))
    else:
        top, left = jnp.floor(in_y), jnp.floor(in_x)
        y_lerp = (in_y - top)[:, :, None, None]
        x_lerp = (in_x - left)[:, None, :, None]
        t, b = top.astype(jnp.int32), jnp.ceil(in_y).astype(jnp.int32)
        lft, r = left.astype(jnp.int32), jnp.ceil(in_x).astype(jnp.int32)
        upper = pick(t, lft) + (pick(t, r) - pick(t, lft)) * x_lerp
        lower = pick(b, lft) + (pick(b, r) - pick(b, lft)) * x_lerp
        out = upper + (lower - upper) * y_lerp
    return jnp.where(valid[..., None], out, jnp.float32(extrapolation_value))


def _nms(boxes: Any, scores: Any, max_output_size: int, iou_threshold: Any, score_threshold: Any):
    """Greedy non-maximum suppression on a fixed-size buffer: ``(indices padded with 0,
    number of valid indices)``."""
    boxes = jnp.asarray(boxes, jnp.float32)
    scores = jnp.asarray(scores, jnp.float32)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes must be 2-D [num_boxes, 4], got shape {list(boxes.shape)}")
    if scores.shape != (boxes.shape[0],):
        raise ValueError(
            f"scores must be 1-D [num_boxes] = [{boxes.shape[0]}], got shape {list(scores.shape)}"
        )
    n = boxes.shape[0]
    y_lo, y_hi = jnp.minimum(boxes[:, 0], boxes[:, 2]), jnp.maximum(boxes[:, 0], boxes[:, 2])
    x_lo, x_hi = jnp.minimum(boxes[:, 1], boxes[:, 3]), jnp.maximum(boxes[:, 1], boxes[:, 3])
    area = (y_hi - y_lo) * (x_hi - x_lo)
    inter_h = jnp.maximum(jnp.minimum(y_hi[:, None], y_hi) - jnp.maximum(y_lo[:, None], y_lo), 0)
    inter_w = jnp.maximum(jnp.minimum(x_hi[:, None], x_hi) - jnp.maximum(x_lo[:, None], x_lo), 0)
    inter = inter_h * inter_w
    union = area[:, None] + area[None, :] - inter
    positive = (area[:, None] > 0) & (area[None, :] > 0)
    iou = jnp.where(positive, inter / jnp.where(positive, union, 1), 0.0)
    alive = scores > jnp.float32(score_threshold)

    def step(k: jax.Array, state: tuple) -> tuple:
        alive, selected, count = state
        best = jnp.argmax(jnp.where(alive, scores, -jnp.inf))
        ok = alive[best]
        selected = selected.at[k].set(jnp.where(ok, best, 0).astype(jnp.int32))
        drop = (iou[best] > jnp.float32(iou_threshold)) | (jnp.arange(n) == best)
        alive = jnp.where(ok, alive & ~drop, alive)
        return alive, selected, count + ok.astype(jnp.int32)

    init = (alive, jnp.zeros((max_output_size,), jnp.int32), jnp.int32(0))
    _, selected, count = jax.lax.fori_loop(0, max_output_size, step, init)
    return selected, count


@tf_op("image.non_max_suppression", family="image", default_name="non_max_suppression")
def non_max_suppression(
    boxes: Any,
    scores: Any,
    max_output_size: Any,
    iou_threshold: Any = 0.5,
    score_threshold: Any = float("-inf"),
    name: str | None = None,
) -> jax.Array:
    """``tf.image.non_max_suppression``: indices (int32) of the boxes greedy NMS keeps, by
    decreasing score, at most ``max_output_size``; a box goes when its IoU with a kept one
    is above ``iou_threshold``, or its score is not above ``score_threshold``. The result's
    length depends on the values, so it needs concrete inputs: under ``jax.jit`` use
    :func:`non_max_suppression_padded` (fixed size plus a count)."""
    del name
    if any(isinstance(v, jax.core.Tracer) for v in (boxes, scores)):
        raise TypeError(
            "tf.image.non_max_suppression returns as many indices as boxes survive, a shape "
            "JAX cannot trace: under jax.jit use tf.image.non_max_suppression_padded(..., "
            "pad_to_max_output_size=True), which returns (indices, valid_count)."
        )
    selected, count = _nms(boxes, scores, int(max_output_size), iou_threshold, score_threshold)
    return selected[: int(count)]


@tf_op(
    "image.non_max_suppression_padded", family="image", default_name="non_max_suppression_padded"
)
def non_max_suppression_padded(
    boxes: Any,
    scores: Any,
    max_output_size: Any,
    iou_threshold: Any = 0.5,
    score_threshold: Any = float("-inf"),
    pad_to_max_output_size: bool = False,
    name: str | None = None,
    sorted_input: bool = False,
    canonicalized_coordinates: bool = False,
    tile_size: int = 512,
) -> tuple[jax.Array, jax.Array]:
    """``tf.image.non_max_suppression_padded`` (2-D ``boxes``): ``(indices, valid_count)``,
    the indices padded with 0 to ``max_output_size`` when ``pad_to_max_output_size`` (the
    form that works under ``jax.jit``), else cut to ``valid_count``."""
    del name, sorted_input, canonicalized_coordinates, tile_size
    selected, count = _nms(boxes, scores, int(max_output_size), iou_threshold, score_threshold)
    if pad_to_max_output_size:
        return selected, count
    if isinstance(count, jax.core.Tracer):
        raise TypeError(
            "non_max_suppression_padded(pad_to_max_output_size=False) has a data-dependent "
            "length; under jax.jit pass pad_to_max_output_size=True."
        )
    return selected[: int(count)], count
