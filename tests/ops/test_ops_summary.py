"""tf.summary ops and FileWriter against tf.compat.v1: tags, the SUMMARIES collection,
TF1's encoded records (scalars, histogram buckets, images, audio, text), event files read
back with TF's own reader; tf.logging on Python's logging."""

import io
import logging
import wave

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

pytest.importorskip("tensorboardX", reason="pip install 'flaxscope[summary]'")

RNG = np.random.default_rng(3)
HIST = np.concatenate([RNG.normal(size=200) * 5, [0.0, 3e-13, -1e25, 7.0, 7.0]]).astype(np.float32)
IMGS = (RNG.random((3, 4, 5, 3)) - 0.3).astype(np.float32)
IMGS[0, 0, 0, 1] = np.nan
GRAY_U8 = RNG.integers(0, 256, (2, 3, 3, 1)).astype(np.uint8)
CLIPS = np.clip(RNG.normal(size=(2, 50, 2)) * 0.6, -1.2, 1.2).astype(np.float32)


def _summaries(t, x):
    """The same summary calls for TF1 and flaxscope; returns merge_all()."""
    t.summary.scalar("loss", x * 2.0)
    with t.name_scope("train"):
        t.summary.scalar("loss", x + 1.0)
        t.summary.scalar("bad name!", x, family="fam")
        t.summary.histogram("weights", HIST * x)
    t.summary.scalar("loss", x)  # a second "loss": tag loss_1
    t.summary.scalar("hidden", x, collections=[])
    t.summary.image("img", IMGS * x, max_outputs=2)
    t.summary.image("gray", GRAY_U8, max_outputs=1)
    t.summary.audio("clip", CLIPS * x, 8000, max_outputs=5)
    t.summary.text("note", np.array(["hello", "world"]))
    return t.summary.merge_all()


@pytest.fixture(scope="module")
def tf1_summary(tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        merged = _summaries(tf1, tf1.constant(1.5))
        from tensorflow.core.framework import summary_pb2

        return summary_pb2.Summary.FromString(sess.run(merged))


def _ours():
    f = fs.transform(lambda x: _summaries(tf, x))
    return jax.jit(f.apply)({"params": {}}, jnp.float32(1.5))


def _decode_png(data, tf1):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        return sess.run(tf1.image.decode_png(data))


def _decode_wav(data):
    with wave.open(io.BytesIO(data)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        return w.getframerate(), w.getnchannels(), frames


def test_records_match_tf1(tf1, tf1_summary):
    from flaxscope.ops.summary import to_proto

    merged = _ours()
    ours = to_proto(merged)
    assert [v.tag for v in ours.value] == [v.tag for v in tf1_summary.value]
    for mine, theirs in zip(ours.value, tf1_summary.value, strict=True):
        kind = theirs.WhichOneof("value")
        assert mine.WhichOneof("value") == kind, theirs.tag
        if kind == "simple_value":
            np.testing.assert_allclose(mine.simple_value, theirs.simple_value, rtol=1e-6)
        elif kind == "histo":
            a, b = mine.histo, theirs.histo
            for field in ("min", "max", "num"):
                assert getattr(a, field) == getattr(b, field), field
            np.testing.assert_allclose([a.sum, a.sum_squares], [b.sum, b.sum_squares], rtol=1e-6)
            assert list(a.bucket_limit) == pytest.approx(list(b.bucket_limit), rel=1e-12)
            assert list(a.bucket) == list(b.bucket)
        elif kind == "image":
            a, b = mine.image, theirs.image
            assert (a.height, a.width, a.colorspace) == (b.height, b.width, b.colorspace)
            pa, pb = (
                _decode_png(a.encoded_image_string, tf1),
                _decode_png(b.encoded_image_string, tf1),
            )
            assert np.abs(pa.astype(int) - pb.astype(int)).max() <= 1, theirs.tag
        elif kind == "audio":
            a, b = mine.audio, theirs.audio
            assert (a.sample_rate, a.num_channels, a.length_frames, a.content_type) == (
                b.sample_rate,
                b.num_channels,
                b.length_frames,
                b.content_type,
            )
            ra, ca, fa = _decode_wav(a.encoded_audio_string)
            rb, cb, fb = _decode_wav(b.encoded_audio_string)
            assert (ra, ca) == (rb, cb)
            assert np.abs(fa.astype(int) - fb.astype(int)).max() <= 1
        else:
            assert mine.metadata.plugin_data.plugin_name == "text"
            assert list(mine.tensor.string_val) == list(theirs.tensor.string_val)
            assert [d.size for d in mine.tensor.tensor_shape.dim] == [
                d.size for d in theirs.tensor.tensor_shape.dim
            ]


def test_collection_merge_and_default_graph():
    def model():
        a = tf.summary.scalar("a", jnp.float32(1))
        tf.summary.histogram("h", jnp.ones(3), collections=["mine"])
        assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [a]
        assert tf.summary.merge_all("nothing") is None
        both = tf.summary.merge([a, tf.summary.merge_all("mine")])
        return both, tf.summary.merge_all(scope="a")

    both, scoped = fs.transform(model).apply({"params": {}})
    assert [v.tag for v in both.values] == ["a", "h"]
    assert [v.tag for v in scoped.values] == ["a"]
    # The default graph keeps its summaries until reset, like TF1's.
    tf.summary.scalar("x", 1.0)
    assert [v.tag for v in tf.summary.merge_all().values] == ["x"]
    with pytest.raises(ValueError, match=r"tags and values not the same shape: \[\] != \[2\]"):
        tf.summary.scalar("v", jnp.ones(2))
    with pytest.raises(TypeError, match="tf.summary.merge takes summaries"):
        tf.summary.merge([1.0])


def test_file_writer_events_read_back_with_tf(tf1, tmp_path):
    f = fs.transform(lambda x: _summaries(tf, x))
    apply = jax.jit(f.apply)
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        assert isinstance(writer, tf.summary.FileWriter)
        for step in range(3):
            writer.add_summary(apply({"params": {}}, jnp.float32(step)), global_step=step)
        writer.add_summary(tf.summary.scalar("eager", 4.0), jnp.asarray(10))
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("events.out.tfevents.")
    seen = {}
    for event in tf1.train.summary_iterator(str(files[0])):
        for value in event.summary.value:
            seen.setdefault(value.tag, []).append((event.step, value))
    assert [s for s, _ in seen["loss"]] == [0, 1, 2]
    assert [v.simple_value for _, v in seen["train/loss"]] == [1.0, 2.0, 3.0]
    assert [v.simple_value for _, v in seen["loss_1"]] == [0.0, 1.0, 2.0]
    assert seen["fam/train/fam/bad_name_"][2][1].simple_value == 2.0
    assert seen["train/weights"][1][1].histo.num == HIST.size
    assert {
        "img/image/0",
        "img/image/1",
        "gray/image",
        "clip/audio/0",
        "clip/audio/1",
        "note",
    } <= set(seen)
    assert "hidden" not in seen
    assert seen["eager"] == [(10, seen["eager"][0][1])] and seen["eager"][0][1].simple_value == 4.0


def test_tags_match_tf1(tf1, tf1_summary):
    want = [v.tag for v in tf1_summary.value]
    assert want[:4] == ["loss", "train/loss", "fam/train/fam/bad_name_", "train/weights"]


def test_logging(tf1, caplog):
    assert (
        tf.logging.DEBUG,
        tf.logging.INFO,
        tf.logging.WARN,
        tf.logging.ERROR,
        tf.logging.FATAL,
    ) == (
        tf1.logging.DEBUG,
        tf1.logging.INFO,
        tf1.logging.WARN,
        tf1.logging.ERROR,
        tf1.logging.FATAL,
    )
    old = tf.logging.get_verbosity()
    try:
        tf.logging.set_verbosity(tf.logging.INFO)
        assert tf.logging.get_verbosity() == tf.logging.INFO
        with caplog.at_level(logging.DEBUG, logger="tensorflow"):
            tf.logging.info("step %d loss %.2f", 3, 0.5)
            tf.logging.warn("careful")
            tf.logging.warning("careful too")
            tf.logging.error("bad")
            tf.logging.fatal("worse")
            tf.logging.debug("hidden detail")
            for i in range(7):
                tf.logging.log_every_n(tf.logging.INFO, "every %d", 3, i)
                tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, i)
        records = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
        assert ("tensorflow", logging.INFO, "step 3 loss 0.50") in records
        assert ("tensorflow", logging.WARN, "careful") in records
        assert ("tensorflow", logging.WARN, "careful too") in records
        assert ("tensorflow", logging.ERROR, "bad") in records
        assert ("tensorflow", logging.FATAL, "worse") in records
        messages = [m for _, _, m in records]
        assert [m for m in messages if m.startswith("every")] == ["every 0", "every 3", "every 6"]
        assert [m for m in messages if m.startswith("first")] == ["first 0", "first 1"]
    finally:
        tf.logging.set_verbosity(old)


def test_hand_built_summary_proto(tf1, tmp_path):
    proto = tf.Summary(value=[tf.Summary.Value(tag="accuracy", simple_value=0.75)])
    with tf.summary.FileWriter(str(tmp_path)) as writer:
        writer.add_summary(proto, 5)
        writer.add_summary(proto.SerializeToString(), 6)
    (path,) = tmp_path.iterdir()
    got = [
        (e.step, v.tag, v.simple_value)
        for e in tf1.train.summary_iterator(str(path))
        for v in e.summary.value
    ]
    assert got == [(5, "accuracy", 0.75), (6, "accuracy", 0.75)]
