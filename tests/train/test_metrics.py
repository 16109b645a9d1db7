"""tf.metrics: TF1's streaming metrics against TF1 in graph mode, batch by batch.

TF1 side: build the metric once on placeholders, ``local_variables_initializer``, then per
batch ``sess.run(update_op)`` and ``sess.run(value)``. flaxscope side: the same line in a
transformed function, ``apply(..., mutable=True)`` under ``jax.jit`` per batch, threading
the state; call k's ``value`` is TF1's value after batch k - 1 and its ``update_op`` TF1's
``update_op`` of batch k.
"""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf
import flaxscope.metrics
from flaxscope.errors import InvalidArgumentError

N_BATCHES = 3
SHAPE = (4, 3)
N_CLASSES = 4


def _batches():
    rng = np.random.default_rng(7)
    out = []
    for _ in range(N_BATCHES):
        x = rng.normal(size=SHAPE).astype(np.float32)
        y = rng.normal(size=SHAPE).astype(np.float32)
        vec = rng.normal(size=SHAPE).astype(np.float32)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        vec2 = rng.normal(size=SHAPE).astype(np.float32)
        vec2 /= np.linalg.norm(vec2, axis=1, keepdims=True)
        score = rng.uniform(size=SHAPE).astype(np.float32)
        score[0, 0], score[1, 1] = 0.0, 1.0  # the endpoints TF nudges its grid around
        normalizer = np.abs(x) + 0.5
        normalizer[0] = 0.0
        out.append(
            {
                "bl": rng.integers(0, 2, SHAPE).astype(np.int32),
                "bp": rng.integers(0, 2, SHAPE).astype(np.int32),
                "score": score,
                "x": x,
                "y": y,
                "u": vec,
                "v": vec2,
                "norm": normalizer,
                "w": (rng.uniform(size=SHAPE) * (rng.uniform(size=SHAPE) > 0.3)).astype(np.float32),
                "wrow": rng.uniform(size=(SHAPE[0], 1)).astype(np.float32),
                "cl": rng.integers(0, N_CLASSES, 12).astype(np.int32),
                "cp": rng.integers(0, N_CLASSES, 12).astype(np.int32),
                "wc": rng.uniform(size=12).astype(np.float32),
            }
        )
    return out


BATCHES = _batches()

# (id, builder(metrics_namespace, data) -> (value, update_op))
SPECS = [
    ("accuracy", lambda m, d: m.accuracy(d["bl"], d["bp"])),
    ("accuracy_weighted", lambda m, d: m.accuracy(d["bl"], d["bp"], weights=d["w"])),
    ("accuracy_named", lambda m, d: m.accuracy(d["cl"], d["cp"], name="acc")),
    ("mean", lambda m, d: m.mean(d["x"])),
    ("mean_weighted", lambda m, d: m.mean(d["x"], weights=d["w"])),
    ("mean_row_weights", lambda m, d: m.mean(d["x"], weights=d["wrow"])),
    ("mean_tensor", lambda m, d: m.mean_tensor(d["x"], weights=d["w"])),
    ("mean_absolute_error", lambda m, d: m.mean_absolute_error(d["x"], d["y"])),
    ("mean_squared_error", lambda m, d: m.mean_squared_error(d["x"], d["y"], d["w"])),
    ("root_mean_squared_error", lambda m, d: m.root_mean_squared_error(d["x"], d["y"])),
    ("mean_relative_error", lambda m, d: m.mean_relative_error(d["x"], d["y"], d["norm"])),
    ("mean_cosine_distance", lambda m, d: m.mean_cosine_distance(d["u"], d["v"], dim=1)),
    ("percentage_below", lambda m, d: m.percentage_below(d["x"], 0.25, weights=d["w"])),
    ("precision", lambda m, d: m.precision(d["bl"], d["bp"])),
    ("recall_weighted", lambda m, d: m.recall(d["bl"], d["bp"], weights=d["w"])),
    ("true_positives", lambda m, d: m.true_positives(d["bl"], d["bp"], weights=d["w"])),
    ("false_positives", lambda m, d: m.false_positives(d["bl"], d["bp"])),
    ("true_negatives", lambda m, d: m.true_negatives(d["bl"], d["bp"], weights=d["wrow"])),
    ("false_negatives", lambda m, d: m.false_negatives(d["bl"], d["bp"])),
    ("mean_per_class_accuracy", lambda m, d: m.mean_per_class_accuracy(d["cl"], d["cp"], 4)),
    (
        "mean_per_class_accuracy_weighted",
        lambda m, d: m.mean_per_class_accuracy(d["cl"], d["cp"], N_CLASSES, weights=d["wc"]),
    ),
    ("mean_iou", lambda m, d: m.mean_iou(d["cl"], d["cp"], N_CLASSES)),
    ("mean_iou_weighted", lambda m, d: m.mean_iou(d["cl"], d["cp"], N_CLASSES, d["wc"])),
    ("auc_roc", lambda m, d: m.auc(d["bl"], d["score"])),
    ("auc_roc_weighted", lambda m, d: m.auc(d["bl"], d["score"], weights=d["w"])),
    ("auc_pr", lambda m, d: m.auc(d["bl"], d["score"], curve="PR")),
    (
        "auc_pr_careful",
        lambda m, d: m.auc(
            d["bl"], d["score"], curve="PR", summation_method="careful_interpolation"
        ),
    ),
    ("auc_minoring", lambda m, d: m.auc(d["bl"], d["score"], summation_method="minoring")),
    (
        "auc_majoring_pr",
        lambda m, d: m.auc(
            d["bl"], d["score"], curve="PR", summation_method="majoring", num_thresholds=17
        ),
    ),
    (
        "auc_thresholds",
        lambda m, d: m.auc(d["bl"], d["score"], thresholds=[0.7, 0.2, 0.5], name="my_auc"),
    ),
    (
        "precision_at_thresholds",
        lambda m, d: m.precision_at_thresholds(d["bl"], d["score"], [0.0, 0.3, 0.6, 1.0]),
    ),
    (
        "recall_at_thresholds",
        lambda m, d: m.recall_at_thresholds(d["bl"], d["score"], [0.25, 0.5], weights=d["w"]),
    ),
    (
        "true_positives_at_thresholds",
        lambda m, d: m.true_positives_at_thresholds(d["bl"], d["score"], [0.25, 0.5]),
    ),
    (
        "false_positives_at_thresholds",
        lambda m, d: m.false_positives_at_thresholds(d["bl"], d["score"], [0.25, 0.5]),
    ),
    (
        "true_negatives_at_thresholds",
        lambda m, d: m.true_negatives_at_thresholds(d["bl"], d["score"], [0.25, 0.5]),
    ),
    (
        "false_negatives_at_thresholds",
        lambda m, d: m.false_negatives_at_thresholds(d["bl"], d["score"], [0.25, 0.5], d["w"]),
    ),
    (
        "sensitivity_at_specificity",
        lambda m, d: m.sensitivity_at_specificity(d["bl"], d["score"], 0.6, num_thresholds=11),
    ),
    (
        "specificity_at_sensitivity",
        lambda m, d: m.specificity_at_sensitivity(d["bl"], d["score"], 0.6, num_thresholds=11),
    ),
]


def _tf1_run(tf1, build):
    """TF1's value before any batch and after each, each batch's update_op, the local
    variables' names and final values."""
    with tf1.Graph().as_default(), tf1.Session() as sess:
        feeds = {k: tf1.placeholder(v.dtype, v.shape, name=k) for k, v in BATCHES[0].items()}
        value, update_op = build(tf1.metrics, feeds)
        sess.run(tf1.local_variables_initializer())
        values, updates = [sess.run(value)], []
        for batch in BATCHES:
            updates.append(sess.run(update_op, {feeds[k]: v for k, v in batch.items()}))
            values.append(sess.run(value))
        local = tf1.local_variables()
        assert tf1.get_collection(tf1.GraphKeys.METRIC_VARIABLES) == local
        assert tf1.global_variables() == []
        state = {v.op.name: sess.run(v) for v in local}
        return values, updates, [v.name for v in local], state


@pytest.mark.parametrize("spec", SPECS, ids=[s[0] for s in SPECS])
def test_metric_matches_tf1_batch_by_batch(tf1, spec):
    _, build = spec
    tf_values, tf_updates, tf_names, tf_state = _tf1_run(tf1, build)

    def fn(data):
        return build(tf.metrics, data)

    model = fs.transform(fn)
    variables = model.init(jax.random.key(0), BATCHES[0])
    assert variables["params"] == {}
    assert sorted(variables["state"]) == sorted(tf_state)
    for leaf in variables["state"].values():
        np.testing.assert_array_equal(leaf, 0)
    step = jax.jit(lambda variables, data: model.apply(variables, data, mutable=True))
    for i, batch in enumerate(BATCHES):
        (value, update_op), new = step(variables, batch)
        np.testing.assert_allclose(value, tf_values[i], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(update_op, tf_updates[i], rtol=1e-6, atol=1e-6)
        variables = {**variables, **new}
    for name, expected in tf_state.items():
        np.testing.assert_allclose(variables["state"][name], expected, rtol=1e-6, atol=1e-6)
    (value, _), _ = step(variables, BATCHES[0])
    np.testing.assert_allclose(value, tf_values[-1], rtol=1e-6, atol=1e-6)

    captured = {}

    def names_fn(data):
        out = build(tf.metrics, data)
        captured["local"] = [v.name for v in tf.local_variables()]
        captured["metric"] = [v.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)]
        captured["trainable"] = [v.trainable for v in tf.local_variables()]
        captured["global"] = tf.global_variables()
        return out

    fs.transform(names_fn).init(jax.random.key(0), BATCHES[0])
    assert captured["local"] == tf_names  # same names, same creation order
    assert captured["metric"] == tf_names
    assert captured["trainable"] == [False] * len(tf_names)
    assert captured["global"] == []


def test_auc_default_grid_to_1e_6(tf1):
    """The default 200-threshold ROC AUC on many scores, one batch, to ~1e-6."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 500).astype(np.int32)
    scores = np.clip(labels * 0.3 + rng.uniform(size=500) * 0.7, 0, 1).astype(np.float32)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        value, update_op = tf1.metrics.auc(labels, scores)
        pr_value, pr_update = tf1.metrics.auc(labels, scores, curve="PR")
        sess.run(tf1.local_variables_initializer())
        want = sess.run([update_op, pr_update])

    def fn():
        return tf.metrics.auc(labels, scores)[1], tf.metrics.auc(labels, scores, curve="PR")[1]

    model = fs.transform(fn)
    got, _ = model.apply(model.init(jax.random.key(0)), mutable=True)
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert 0.5 < float(got[0]) < 1.0


def test_names_under_scopes_and_repeated_calls(tf1):
    def build(t):
        labels, predictions = np.array([1, 0, 1]), np.array([1, 1, 1])
        t.metrics.accuracy(labels, predictions)
        t.metrics.accuracy(labels, predictions)
        t.metrics.accuracy(labels, predictions, name="acc")
        t.metrics.accuracy(labels, predictions, name="acc")
        with t.variable_scope("eval"):
            t.metrics.mean(np.ones(3, np.float32))
        with t.name_scope("ns"):
            t.metrics.recall(labels, predictions)
        return [v.name for v in t.local_variables()]

    with tf1.Graph().as_default():
        want = build(tf1)
    got = {}
    fs.transform(lambda: got.setdefault("names", build(tf))).init(jax.random.key(0))
    assert got["names"] == want
    assert want[:2] == ["accuracy/total:0", "accuracy/count:0"]
    assert "acc_1/total:0" in want


def test_collections_arguments(tf1):
    def build(t):
        value, update_op = t.metrics.accuracy(
            [1, 0], [1, 1], metrics_collections=["m"], updates_collections="u"
        )
        return value, update_op, t.get_collection("m"), t.get_collection("u")

    with tf1.Graph().as_default():
        value, update_op, m, u = build(tf1)
        assert m == [value] and u == [update_op]

    def fn():
        value, update_op, m, u = build(tf)
        assert len(m) == 1 and m[0] is value
        assert len(u) == 1 and u[0] is update_op
        return update_op

    model = fs.transform(fn)
    out, _ = model.apply(model.init(jax.random.key(0)), mutable=True)
    assert float(out) == 0.5


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value


ERROR_CASES = [
    ("labels_shape", lambda t: t.metrics.accuracy(np.ones(3), np.ones(4))),
    ("labels_rank", lambda t: t.metrics.accuracy(np.ones(3), np.ones((3, 2)))),
    ("weights_dim", lambda t: t.metrics.accuracy(np.ones(3), np.ones(3), np.ones(2))),
    ("weights_dim_2d", lambda t: t.metrics.mean(np.ones((3, 2)), np.ones((3, 3)))),
    ("weights_expanded", lambda t: t.metrics.mean(np.ones((3, 2)), np.ones(2))),
    ("weights_rank", lambda t: t.metrics.mean(np.ones((3, 2)), np.ones((3, 2, 4, 1)))),
    ("weights_squeeze", lambda t: t.metrics.mean(np.ones((3, 2)), np.ones((3, 2, 4)))),
    (
        "count_weights_rank",
        lambda t: t.metrics.true_positives(np.ones(3), np.ones(3), np.ones((3, 1, 1))),
    ),
    (
        "count_weights_mul",
        lambda t: t.metrics.true_positives(np.ones((3, 2)), np.ones((3, 2)), np.ones(2)),
    ),
    ("auc_shape", lambda t: t.metrics.auc(np.ones(3), np.ones(2, np.float32))),
    ("auc_curve", lambda t: t.metrics.auc(np.ones(3), np.ones(3, np.float32), curve="X")),
    (
        "auc_summation",
        lambda t: t.metrics.auc(np.ones(3), np.ones(3, np.float32), summation_method="x"),
    ),
    ("specificity", lambda t: t.metrics.sensitivity_at_specificity(np.ones(3), np.ones(3), 1.5)),
    ("sensitivity", lambda t: t.metrics.specificity_at_sensitivity(np.ones(3), np.ones(3), -1)),
    ("iou_shape", lambda t: t.metrics.mean_iou(t.constant([1, 0, 1]), t.constant([1, 0, 1, 1]), 2)),
    (
        "relative_normalizer",
        lambda t: t.metrics.mean_relative_error(np.ones(3), np.ones(3), np.ones(2)),
    ),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_static_errors_match_tf1(tf1, case):
    _, build = case
    with tf1.Graph().as_default():
        want = _error(lambda: build(tf1))
    got = {}

    def fn():
        got["error"] = _error(lambda: build(tf))

    fs.transform(fn).init(jax.random.key(0))
    assert isinstance(got["error"], ValueError) and isinstance(want, ValueError)

    # TF's text up to where it prints its graph tensors' names, which flaxscope has not.
    def text(e):
        return re.sub(r"^Tensor \S+ must", "Tensor <name> must", str(e))

    head = text(want).split(" Received weights=")[0].split(" for '{{node")[0]
    assert text(got["error"]).startswith(head), (str(got["error"]), str(want))


def test_predictions_out_of_unit_interval_raise_as_tf1(tf1):
    with tf1.Graph().as_default():
        want = _error(lambda: tf1.metrics.auc([1, 0], np.array([0.5, 1.2], np.float32)))
    assert isinstance(want, tf1.errors.InvalidArgumentError)
    assert "predictions must be in [0, 1]" in str(want)
    got = {}

    def fn():
        got["e"] = _error(lambda: tf.metrics.auc([1, 0], np.array([0.5, 1.2], np.float32)))

    fs.transform(fn).init(jax.random.key(0))
    assert isinstance(got["e"], InvalidArgumentError)
    assert "predictions must be in [0, 1]" in str(got["e"])


def test_class_ids_out_of_range_raise_on_concrete_values():
    with pytest.raises(InvalidArgumentError, match="out of bound"):
        fs.transform(lambda: tf.metrics.mean_iou([1, 0, 5], [1, 0, 1], 3)).init(jax.random.key(0))
    with pytest.raises(InvalidArgumentError, match="out of bound"):
        fs.transform(lambda: tf.metrics.mean_per_class_accuracy([1, 0, 5], [1, 0, 1], 3)).init(
            jax.random.key(0)
        )


def test_count_zero_is_zero_as_tf1(tf1):
    def build(t):
        return (
            t.metrics.mean([1.0, 2.0], weights=[0.0, 0.0])[1],
            t.metrics.precision([1, 0, 1], [0, 0, 0])[1],
            t.metrics.recall([0, 0], [1, 0])[1],
            t.metrics.mean_iou(t.constant([0, 0]), t.constant([0, 0]), 3)[1],
        )

    with tf1.Graph().as_default(), tf1.Session() as sess:
        ops = build(tf1)
        sess.run(tf1.local_variables_initializer())
        want = sess.run(list(ops))
    model = fs.transform(lambda: build(tf))
    got, _ = model.apply(model.init(jax.random.key(0)), mutable=True)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w)
    assert float(got[0]) == 0.0 and float(got[1]) == 0.0 and float(got[2]) == 0.0


def test_apply_without_mutable_says_how():
    model = fs.transform(lambda labels: tf.metrics.accuracy(labels, labels))
    variables = model.init(jax.random.key(0), jnp.ones(3))
    with pytest.raises(ValueError, match="mutable=True"):
        model.apply(variables, jnp.ones(3))


def test_reset_with_init_state_and_final_value_from_last_update():
    """TF1's port: run update_op per batch, read the value at the end; reset with the
    zeros init returns (TF1's local_variables_initializer)."""

    def fn(labels, predictions):
        return tf.metrics.accuracy(labels, predictions)

    model = fs.transform(fn)
    batches = [([1, 1], [1, 0]), ([0, 0], [0, 0]), ([1, 0, 1, 0], [0, 0, 0, 0])]
    fresh = model.init(jax.random.key(0), jnp.array([1, 1]), jnp.array([1, 0]))
    variables = fresh
    step = jax.jit(lambda v, a, b: model.apply(v, a, b, mutable=True))
    for labels, predictions in batches:
        (_, last), state = step(variables, jnp.array(labels), jnp.array(predictions))
        variables = {**variables, **state}
    assert float(last) == pytest.approx(5 / 8)
    assert float(variables["state"]["accuracy/total"]) == 5.0
    assert float(variables["state"]["accuracy/count"]) == 8.0
    (value, update_op), _ = step(fresh, jnp.array([1, 1]), jnp.array([1, 0]))
    assert float(value) == 0.0 and float(update_op) == 0.5


def test_default_graph_creates_and_updates_at_once():
    value, update_op = tf.metrics.mean([1.0, 2.0, 6.0])
    assert float(value) == 0.0 and float(update_op) == 3.0
    state = fs.default_variables()["state"]
    assert float(state["mean/total"]) == 9.0 and float(state["mean/count"]) == 3.0
    tf.metrics.mean([1.0])
    assert "mean_1/total" in fs.default_variables()["state"]


def test_namespace_and_missing_hint():
    assert tf.metrics.__name__ == "flaxscope.compat.v1.metrics"
    assert tf.metrics.accuracy is flaxscope.metrics.accuracy
    with pytest.raises(AttributeError, match="tf.metrics.recall_at_k"):
        tf.metrics.recall_at_k  # noqa: B018
