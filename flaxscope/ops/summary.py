"""``tf.summary`` (TF1's summary ops and ``FileWriter``), registered with
:func:`~flaxscope.ops._registry.tf_op` (family ``summary``).

A summary op returns a :class:`SummaryValue` (a JAX pytree holding the array, so it can
leave a jitted function) and adds it to the ``summaries`` collection, as TF1's ops added
their string tensors to ``GraphKeys.SUMMARIES``. ``merge_all()`` gathers the call's
summaries into a :class:`MergedSummary`; the transformed function returns it, and
``FileWriter.add_summary(merged, global_step)`` writes the same TensorBoard records TF1
wrote (``simple_value`` scalars, TF1's histogram buckets, PNG images, WAV audio, text)
to a real event file, so TensorBoard shows a ported model's curves unchanged.

The event file is written with ``tensorboardX`` (optional extra ``flaxscope[summary]``):
a small, maintained writer of TensorBoard's format that needs neither TensorFlow nor the
TensorBoard server (the ``tensorboard`` package brings a web server and its dependencies).
This module is unrelated to :func:`flaxscope.summary`, which tabulates variables.
"""

from __future__ import annotations

import bisect
import functools
import importlib
import io
import re
import struct
import wave
import zlib
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from flaxscope import store
from flaxscope.ops import logging as _tf_logging
from flaxscope.ops._registry import tf_op
from flaxscope.scopes import name_scope
from flaxscope.variables import add_to_collection, get_collection

SUMMARIES = store.GraphKeys.SUMMARIES


@jax.tree_util.register_pytree_node_class
class SummaryValue:
    """One summary of one call: ``kind`` (``scalar``, ``histogram``, ``image``, ``audio``,
    ``text``), its TensorBoard ``tag``, the ``value`` and static options (``max_outputs``,
    ``sample_rate``). TF1's equivalent is the serialized ``Summary`` string tensor."""

    def __init__(self, kind: str, tag: str, value: Any, options: tuple = ()) -> None:
        self.kind = kind
        self.tag = tag
        self.value = value
        self.options = options

    def tree_flatten(self) -> tuple[tuple, tuple]:
        if self.kind == "text":
            return (), (self.kind, self.tag, self.options, self.value)
        return (self.value,), (self.kind, self.tag, self.options, None)

    @classmethod
    def tree_unflatten(cls, aux: tuple, children: tuple) -> SummaryValue:
        kind, tag, options, text = aux
        return cls(kind, tag, text if kind == "text" else children[0], options)

    def __repr__(self) -> str:
        return f"SummaryValue({self.kind}, tag={self.tag!r})"


@jax.tree_util.register_pytree_node_class
class MergedSummary:
    """``tf.summary.merge``'s result: several :class:`SummaryValue`\\ s written together."""

    def __init__(self, values: Sequence[SummaryValue]) -> None:
        self.values = tuple(values)

    def tree_flatten(self) -> tuple[tuple, None]:
        return self.values, None

    @classmethod
    def tree_unflatten(cls, aux: None, children: tuple) -> MergedSummary:
        return cls(children)

    def __repr__(self) -> str:
        return f"MergedSummary({[v.tag for v in self.values]})"


_INVALID_TAG = re.compile(r"[^-/\w\.]")


def _clean_tag(name: str | None) -> str | None:
    if name is None:
        return None
    cleaned = _INVALID_TAG.sub("_", name).lstrip("/")
    if cleaned != name:
        _tf_logging.get_logger().info(
            "Summary name %s is illegal; using %s instead.", name, cleaned
        )
    return cleaned


def _summary(kind: str, name: str, value: Any, collections: Any, family: str | None, options=()):
    name, family = _clean_tag(name), _clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    with name_scope(base) as scope:
        tag = scope.rstrip("/") if family is None else f"{family}/{scope.rstrip('/')}"
    result = SummaryValue(kind, tag, value, options)
    for key in [SUMMARIES] if collections is None else collections:
        add_to_collection(key, result)
    return result


@tf_op("summary.scalar", family="summary", default_name=None)
def scalar(
    name: str, tensor: Any, collections: Any = None, family: str | None = None
) -> SummaryValue:
    """``tf.summary.scalar``: a scalar's value under the tag ``name`` (in the current name
    scope, made unique), added to ``collections`` (``[GraphKeys.SUMMARIES]``)."""
    value = jax.numpy.asarray(tensor)
    if value.shape != ():
        raise ValueError(f"tags and values not the same shape: [] != {list(value.shape)}")
    if not jax.numpy.issubdtype(value.dtype, jax.numpy.number):
        raise TypeError(f"tf.summary.scalar needs a real number, got {value.dtype.name}")
    return _summary("scalar", name, value, collections, family)


@tf_op("summary.histogram", family="summary", default_name=None)
def histogram(
    name: str, values: Any, collections: Any = None, family: str | None = None
) -> SummaryValue:
    """``tf.summary.histogram``: TF1's histogram (its exponential buckets) of ``values``."""
    return _summary("histogram", name, jax.numpy.asarray(values), collections, family)


@tf_op("summary.image", family="summary", default_name=None)
def image(
    name: str, tensor: Any, max_outputs: int = 3, collections: Any = None, family: str | None = None
) -> SummaryValue:
    """``tf.summary.image``: up to ``max_outputs`` images of a ``[batch, h, w, c]`` tensor
    (``c`` in 1, 3, 4), tags ``name/image/i`` (``name/image`` for one); float images are
    rescaled per image as TF1 does (``255 / max``, or ``127 / max|x|`` around 128)."""
    value = jax.numpy.asarray(tensor)
    if value.ndim != 4 or value.shape[-1] not in (1, 3, 4):
        raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {list(value.shape)}")
    return _summary("image", name, value, collections, family, (int(max_outputs),))


@tf_op("summary.audio", family="summary", default_name=None)
def audio(
    name: str,
    tensor: Any,
    sample_rate: Any,
    max_outputs: int = 3,
    collections: Any = None,
    family: str | None = None,
) -> SummaryValue:
    """``tf.summary.audio``: up to ``max_outputs`` clips of a ``[batch, frames(, channels)]``
    float tensor in ``[-1, 1]``, as 16-bit WAV at ``sample_rate``."""
    value = jax.numpy.asarray(tensor, jax.numpy.float32)
    if value.ndim not in (2, 3):
        raise ValueError(
            f"Tensor must be 3-D or 2-D (batch, frames[, channels]), got {list(value.shape)}"
        )
    options = (float(sample_rate), int(max_outputs))
    return _summary("audio", name, value, collections, family, options)


@tf_op("summary.text", family="summary", default_name=None)
def text(name: str, tensor: Any, collections: Any = None) -> SummaryValue:
    """``tf.summary.text``: strings (a ``str``, a list of them, or a numpy string array;
    JAX arrays cannot hold strings) shown by TensorBoard's text dashboard."""
    strings = np.asarray(tensor)
    if strings.dtype.kind not in "USO":
        raise ValueError(f"tf.summary.text needs strings, got dtype {strings.dtype.name}")
    frozen = (
        tuple(strings.shape),
        tuple(str(s) if not isinstance(s, bytes) else s.decode() for s in strings.ravel()),
    )
    return _summary("text", name, frozen, collections, None)


def _flatten(inputs: Any) -> list[SummaryValue]:
    out: list[SummaryValue] = []
    for item in inputs:
        if isinstance(item, MergedSummary):
            out.extend(item.values)
        elif isinstance(item, SummaryValue):
            out.append(item)
        elif item is None:
            continue
        else:
            raise TypeError(
                f"tf.summary.merge takes summaries (what tf.summary.scalar & co. return), got "
                f"{type(item).__name__}."
            )
    return out


@tf_op("summary.merge", family="summary", default_name=None)
def merge(inputs: Sequence[Any], collections: Any = None, name: str | None = None) -> MergedSummary:
    """``tf.summary.merge``: one summary holding all of ``inputs``."""
    del name
    merged = MergedSummary(_flatten(inputs))
    for key in collections or ():
        add_to_collection(key, merged)
    return merged


@tf_op("summary.merge_all", family="summary", default_name=None)
def merge_all(key: str = SUMMARIES, scope: str | None = None, name: str | None = None):
    """``tf.summary.merge_all``: the summaries of collection ``key`` in this call (those
    whose tag starts with ``scope`` when given), merged; ``None`` when there are none, as
    in TF1. Return it from the transformed function and give it to
    :meth:`FileWriter.add_summary`."""
    del name
    found = [s for s in get_collection(key) if isinstance(s, (SummaryValue, MergedSummary))]
    if scope is not None:
        pattern = re.compile(scope)
        found = [s for s in found if isinstance(s, MergedSummary) or pattern.match(s.tag)]
    return MergedSummary(_flatten(found)) if found else None


# --- encoding TF1's records ---------------------------------------------------------------
@functools.cache
def _tf1_bucket_limits() -> list[float]:
    """TF1's default histogram bucket limits: +-1e-12 growing by 10% to 1e20, 0, +-DBL_MAX."""
    positive = []
    v = 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    big = float(np.finfo(np.float64).max)
    return [-big, *(-p for p in reversed(positive)), 0.0, *positive, big]


def _histogram_fields(values: np.ndarray) -> dict[str, Any]:
    flat = np.asarray(values, np.float64).ravel()
    limits = _tf1_bucket_limits()
    counts = [0.0] * len(limits)
    for x in flat:
        counts[min(bisect.bisect_right(limits, x), len(limits) - 1)] += 1.0
    out_limits, out_counts = [], []
    i = 0
    while i < len(counts):
        end, count = limits[i], counts[i]
        i += 1
        if count == 0.0:  # a run of empty buckets becomes one
            while i < len(counts) and counts[i] == 0.0:
                end = limits[i]
                i += 1
        out_limits.append(end)
        out_counts.append(count)
    if not out_counts:
        out_limits, out_counts = [limits[-1]], [0.0]
    return {
        "min": float(flat.min()) if flat.size else float("inf"),
        "max": float(flat.max()) if flat.size else float("-inf"),
        "num": float(flat.size),
        "sum": float(flat.sum()),
        "sum_squares": float(np.dot(flat, flat)),
        "bucket_limit": out_limits,
        "bucket": out_counts,
    }


def _to_uint8(img: np.ndarray) -> np.ndarray:
    """TF1's image summary: float images rescaled per image into uint8."""
    if img.dtype == np.uint8:
        return img
    img = img.astype(np.float32)
    finite = np.isfinite(img).all(axis=-1)
    valid = img[finite]
    low = float(valid.min()) if valid.size else np.inf
    high = float(valid.max()) if valid.size else -np.inf
    if low < 0:
        top = max(abs(low), abs(high))
        scale, offset = (0.0 if top < 1e-6 else 127.0 / top), 128.0
    else:
        scale, offset = (0.0 if high < 1e-6 else 255.0 / high), 0.0
    img = np.where(finite[..., None], img, np.float32(0))  # painted red below, not cast
    out = (img * np.float32(scale) + np.float32(offset)).astype(np.uint8)
    bad = np.array([255, 0, 0, 255][: img.shape[-1]], np.uint8)
    out[~finite] = bad
    return out


def _png(img: np.ndarray) -> bytes:
    """A PNG file of an ``[h, w, c]`` uint8 image (c: 1 gray, 3 RGB, 4 RGBA)."""
    h, w, c = img.shape
    color_type = {1: 0, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + img[row].tobytes() for row in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _wav(clip: np.ndarray, rate: float) -> bytes:
    """16-bit PCM WAV of a ``[frames, channels]`` float clip (samples * 32768, clamped)."""
    samples = np.clip(np.round(clip * 32768.0), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(clip.shape[1])
        out.setsampwidth(2)
        out.setframerate(int(rate))
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def _protos() -> Any:
    try:
        summary_pb2 = importlib.import_module("tensorboardX.proto.summary_pb2")
        tensor_pb2 = importlib.import_module("tensorboardX.proto.tensor_pb2")
        tensor_shape_pb2 = importlib.import_module("tensorboardX.proto.tensor_shape_pb2")
    except ImportError as e:
        raise ImportError(
            "Writing TensorBoard event files needs tensorboardX: pip install "
            "'flaxscope[summary]' (or pip install tensorboardX)."
        ) from e
    return summary_pb2, tensor_pb2, tensor_shape_pb2


def _as_values(s: SummaryValue) -> list[Any]:
    summary_pb2, tensor_pb2, tensor_shape_pb2 = _protos()
    value = s.value if s.kind == "text" else np.asarray(s.value)
    if s.kind == "scalar":
        return [summary_pb2.Summary.Value(tag=s.tag, simple_value=float(value))]
    if s.kind == "histogram":
        histo = summary_pb2.HistogramProto(**_histogram_fields(value))
        return [summary_pb2.Summary.Value(tag=s.tag, histo=histo)]
    if s.kind == "image":
        (max_outputs,) = s.options
        n = min(max_outputs, value.shape[0])
        out = []
        for i in range(n):
            img = _to_uint8(value[i])
            tag = f"{s.tag}/image" if max_outputs == 1 else f"{s.tag}/image/{i}"
            proto = summary_pb2.Summary.Image(
                height=img.shape[0],
                width=img.shape[1],
                colorspace=img.shape[2],
                encoded_image_string=_png(img),
            )
            out.append(summary_pb2.Summary.Value(tag=tag, image=proto))
        return out
    if s.kind == "audio":
        rate, max_outputs = s.options
        clips = value if value.ndim == 3 else value[..., None]
        out = []
        for i in range(min(max_outputs, clips.shape[0])):
            tag = f"{s.tag}/audio" if max_outputs == 1 else f"{s.tag}/audio/{i}"
            proto = summary_pb2.Summary.Audio(
                sample_rate=rate,
                num_channels=clips.shape[2],
                length_frames=clips.shape[1],
                encoded_audio_string=_wav(clips[i], rate),
                content_type="audio/wav",
            )
            out.append(summary_pb2.Summary.Value(tag=tag, audio=proto))
        return out
    shape, strings = value
    tensor = tensor_pb2.TensorProto(
        dtype=7,  # DT_STRING
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in shape]
        ),
        string_val=[t.encode() for t in strings],
    )
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text")
    )
    return [summary_pb2.Summary.Value(tag=s.tag, tensor=tensor, metadata=metadata)]


def to_proto(summary: Any) -> Any:
    """The TensorBoard ``Summary`` protocol buffer of a summary, a merged summary, a list
    of them, serialized ``Summary`` bytes, or a ``Summary`` proto (returned as is)."""
    summary_pb2, _, _ = _protos()
    if isinstance(summary, summary_pb2.Summary):
        return summary
    if isinstance(summary, bytes):
        return summary_pb2.Summary.FromString(summary)
    if hasattr(summary, "SerializeToString"):  # TF's own Summary proto
        return summary_pb2.Summary.FromString(summary.SerializeToString())
    items = [summary] if isinstance(summary, (SummaryValue, MergedSummary)) else list(summary)
    return summary_pb2.Summary(value=[v for s in _flatten(items) for v in _as_values(s)])


class _ProtoNamespace(type):
    def __getattr__(cls, name: str) -> Any:
        return getattr(_protos()[0].Summary, name)


class Summary(metaclass=_ProtoNamespace):
    """``tf.Summary``: TensorBoard's ``Summary`` protocol buffer (tensorboardX's copy), so
    TF1 code that builds one by hand works: ``tf.Summary(value=[tf.Summary.Value(tag="acc",
    simple_value=0.9)])``, then ``writer.add_summary(summary, step)``."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return _protos()[0].Summary(*args, **kwargs)


@tf_op("Summary", "summary.Summary", family="summary", default_name=None, reads_variables=False)
def summary_proto(*args: Any, **kwargs: Any) -> Any:
    """``tf.Summary(...)``: see :class:`Summary`."""
    return Summary(*args, **kwargs)


class FileWriter:
    """``tf.summary.FileWriter``: writes summaries to a TensorBoard event file in ``logdir``.

    ``add_summary(summary, global_step)`` takes what the summary ops, ``merge`` and
    ``merge_all`` return (after the transformed function returned them), serialized
    ``Summary`` bytes or a ``tf.Summary`` proto. ``graph``/``graph_def``/``session`` are
    accepted and ignored (there is no graph to draw).
    """

    def __init__(
        self,
        logdir: str,
        graph: Any = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        graph_def: Any = None,
        filename_suffix: str | None = None,
        session: Any = None,
    ) -> None:
        del graph, graph_def, session
        _protos()
        writer_class = importlib.import_module("tensorboardX").FileWriter
        self._writer = writer_class(
            str(logdir),
            max_queue=max_queue,
            flush_secs=flush_secs,
            filename_suffix=filename_suffix or "",
        )

    def add_summary(self, summary: Any, global_step: Any = None) -> None:
        """Writes ``summary`` at step ``global_step`` (an int or a scalar array)."""
        step = None if global_step is None else int(np.asarray(global_step))
        self._writer.add_summary(to_proto(summary), step)

    def add_graph(self, graph: Any = None, global_step: Any = None, graph_def: Any = None) -> None:
        """Accepted for TF1 code; flaxscope has no graph to write."""

    def get_logdir(self) -> str:
        return self._writer.get_logdir()

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()

    def reopen(self) -> None:
        self._writer.reopen()

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


@tf_op("summary.FileWriter", family="summary", default_name=None, reads_variables=False)
def file_writer(*args: Any, **kwargs: Any) -> FileWriter:
    """``tf.summary.FileWriter(logdir, ...)``: see :class:`FileWriter`."""
    return FileWriter(*args, **kwargs)
