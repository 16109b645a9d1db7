"""slim's arg_scope, variable helpers, losses, regularizers and errors against tf_slim."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as fstf
import flaxscope.slim as fs_slim


def _error(fn):
    try:
        fn()
    except (ValueError, TypeError) as e:
        return type(e), str(e)
    return None


ERRORS = {
    "l2 of an int": lambda slim, tf, x: slim.l2_regularizer(1),
    "l2 below 0": lambda slim, tf, x: slim.l2_regularizer(-1.0),
    "l1_l2 of an int": lambda slim, tf, x: slim.l1_l2_regularizer(1, 1.0),
    "float num_outputs": lambda slim, tf, x: slim.fully_connected(x, 2.0),
    "conv data_format": lambda slim, tf, x: slim.conv2d(x, 3, 3, data_format="NWHC"),
    "pool data_format": lambda slim, tf, x: slim.max_pool2d(x, 2, data_format="NWC"),
    "transpose data_format": lambda slim, tf, x: slim.conv2d_transpose(
        x, 2, 3, data_format="NCDHW"
    ),
    "conv rank": lambda slim, tf, x: slim.conv1d(x, 3, 3),
    "arg_scope dict and kwargs": lambda slim, tf, x: slim.arg_scope({}, a=1).__enter__(),
    "arg_scope not a list": lambda slim, tf, x: slim.arg_scope(slim.conv2d).__enter__(),
    "stack args": lambda slim, tf, x: slim.stack(x, slim.conv2d, 3),
    "layer_norm axes": lambda slim, tf, x: slim.layer_norm(x, begin_norm_axis=5),
    "initializer mode": lambda slim, tf, x: slim.variance_scaling_initializer(mode="X"),
    "initializer dtype": lambda slim, tf, x: slim.xavier_initializer(dtype=tf.int32),
    "bias_add NCHW rank": lambda slim, tf, x: slim.bias_add(tf.zeros([2, 3]), data_format="NCHW"),
    "unique variable missing": lambda slim, tf, x: slim.get_unique_variable("nothing"),
    "cosine axis": lambda slim, tf, x: slim.losses.cosine_distance(x, x),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_match_tf_slim(tf1, tfslim, case):
    with tf1.Graph().as_default():
        want = _error(lambda: ERRORS[case](tfslim, tf1, tf1.zeros([2, 4, 4, 3])))
    got = _error(lambda: ERRORS[case](fs_slim, fstf, jnp.zeros([2, 4, 4, 3])))
    assert want is not None and got is not None
    assert got[0] is want[0]
    assert got[1] == want[1] or got[1].startswith(want[1] + ":"), (got, want)


def test_undecorated_function_in_arg_scope_is_refused():
    with pytest.raises(ValueError, match="is not decorated with @add_arg_scope"):
        with fs_slim.arg_scope([fstf.nn.relu], x=1):
            pass


def arg_scopes(slim, tf, x):
    """Nesting, re-entering a captured scope, explicit arguments winning, partials, and a
    layer of the user's own under arg_scope with a named output (SSD's custom layers)."""

    @slim.add_arg_scope
    def scaled(inputs, factor=1.0, outputs_collections=None, scope=None):
        with tf.variable_scope(scope, "Scaled", [inputs]) as sc:
            gamma = slim.model_variable(
                "gamma", shape=[inputs.shape[-1]], initializer=tf.constant_initializer(factor)
            )
            out = inputs * gamma
            return slim.utils.collect_named_outputs(
                outputs_collections, sc.original_name_scope, out
            )

    with slim.arg_scope(
        [slim.conv2d, slim.fully_connected],
        activation_fn=None,
        weights_initializer=tf.constant_initializer(0.5),
    ) as outer:
        with slim.arg_scope([slim.conv2d], stride=2, padding="VALID"):
            a = slim.conv2d(x, 2, 3)  # stride 2, VALID
            b = slim.conv2d(x, 2, 3, padding="SAME")  # explicit wins
        c = slim.conv2d(x, 2, 3)  # back to outer: stride 1, SAME
    with slim.arg_scope(outer):
        d = slim.fully_connected(tf.reshape(c, [2, -1]), 3)
        e = slim.linear(d, 2)
    with slim.arg_scope([slim.fully_connected], biases_initializer=None):
        f = slim.relu(e, 2, scope="r")
    with slim.arg_scope([scaled], factor=3.0, outputs_collections="custom"):
        g = scaled(c)
        h = scaled(c, factor=0.5, scope="half")
    aliases = list(slim.utils.convert_collection_to_dict("custom"))
    assert aliases == ["Scaled", "half"], aliases
    return [a, b, c, d, e, f, g, h]


def reuse_and_collections(slim, tf, x):
    """A siamese tower twice (reuse=True), model_variable, the variable queries."""

    def tower(inputs, reuse):
        with tf.variable_scope("tower", reuse=reuse):
            h = slim.conv2d(inputs, 4, 3, scope="c1")
            h = slim.batch_norm(h, is_training=False, scale=True, variables_collections=["BN"])
            return slim.fully_connected(slim.flatten(h), 2, scope="fc")

    left = tower(x, None)
    right = tower(x * 2, True)
    with tf.variable_scope("extra"):
        slim.model_variable("m", shape=[2], initializer=tf.zeros_initializer(), collections=["M"])
        slim.variable("v", shape=[1], initializer=tf.ones_initializer())
    names = {
        "restore": slim.get_variables_to_restore(exclude=["tower/fc", "extra/v"]),
        "include": slim.get_variables_to_restore(include=["tower/c1", "extra"]),
        "by_suffix": slim.get_variables_by_suffix("gamma"),
        "by_name": slim.get_variables_by_name("weights"),
        "scope": slim.get_variables("tower/c1"),
        "model": slim.get_model_variables(),
        "model_scope": slim.get_model_variables("tower", suffix="biases"),
        "trainable": slim.get_trainable_variables("tower"),
        "BN": tf.get_collection("BN"),
        "M": tf.get_collection("M"),
    }
    names = {k: [getattr(v, "op", v).name.split(":")[0] for v in vs] for k, vs in names.items()}
    names["unique"] = [slim.get_variable_full_name(slim.get_unique_variable("tower/fc/weights"))]
    return [left, right], names


def _tf_values(tf1, slim, program, x):
    with tf1.Graph().as_default(), tf1.Session() as sess:
        out = program(slim, tf1, tf1.constant(x))
        extra = None
        if isinstance(out, tuple):
            out, extra = out
        sess.run(tf1.global_variables_initializer())
        sess.run(tf1.local_variables_initializer())
        values = {v.op.name: sess.run(v) for v in tf1.global_variables()}
        return sess.run(out), values, extra


@pytest.mark.parametrize("program", [arg_scopes, reuse_and_collections])
def test_programs_match_tf_slim(tf1, tfslim, program):
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 3)).astype(np.float32)
    want, values, want_extra = _tf_values(tf1, tfslim, program, x)
    seen = {}

    def model(x):
        out = program(fs_slim, fstf, x)
        if isinstance(out, tuple):
            out, seen["extra"] = out
        return out

    f = fs.transform(model)
    variables = f.init(0, x)
    assert sorted(k for tree in variables.values() for k in tree) == sorted(values)
    variables = {kind: {k: values[k] for k in tree} for kind, tree in variables.items()}
    got = f.apply(variables, x)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    assert seen.get("extra") == want_extra


_RNG = np.random.default_rng(1)
LOGITS = _RNG.normal(size=(4, 3)).astype(np.float32)
PROBS = 1 / (1 + np.exp(-LOGITS))
UNIT = LOGITS / np.linalg.norm(LOGITS, axis=1, keepdims=True)
LOSSES = {
    "softmax": lambda L, c, a, b, w: L.softmax_cross_entropy(a, b),
    "softmax weighted, smoothed": lambda L, c, a, b, w: L.softmax_cross_entropy(
        a, b, weights=w[:, 0], label_smoothing=0.1
    ),
    "sparse": lambda L, c, a, b, w: L.sparse_softmax_cross_entropy(a, c(np.array([0, 2, 1, 0]))),
    "sparse [batch, 1] weights": lambda L, c, a, b, w: L.sparse_softmax_cross_entropy(
        a, c(np.array([[0], [2], [1], [0]])), weights=w[:, :1]
    ),
    "sigmoid": lambda L, c, a, b, w: L.sigmoid_cross_entropy(a, b, weights=w, label_smoothing=0.2),
    "mse scalar weight": lambda L, c, a, b, w: L.mean_squared_error(a, b, weights=2.0),
    "mse zero weight": lambda L, c, a, b, w: L.mean_squared_error(a, b, weights=0.0),
    "absolute, per-row weights": lambda L, c, a, b, w: L.absolute_difference(a, b, weights=w[:, 0]),
    "absolute, zero rows": lambda L, c, a, b, w: L.absolute_difference(
        a, b, weights=c(np.array([0.0, 1.0, 0.0, 2.0], np.float32))
    ),
    "log": lambda L, c, a, b, w: L.log_loss(c(PROBS), b, weights=w),
    "hinge": lambda L, c, a, b, w: L.hinge_loss(a, b),
    "cosine": lambda L, c, a, b, w: L.cosine_distance(c(UNIT), b, axis=1),
    "compute_weighted_loss": lambda L, c, a, b, w: L.compute_weighted_loss(a * b, w),
    "compute_weighted_loss, row weights": lambda L, c, a, b, w: L.compute_weighted_loss(
        a * b, w[:, 1]
    ),
}


def test_losses_match_tf_slim(tf1, tfslim):
    rng = np.random.default_rng(4)
    logits = LOGITS
    labels = np.eye(3, dtype=np.float32)[[0, 2, 1, 0]]
    weights = np.abs(rng.normal(size=(4, 3))).astype(np.float32)
    weights[1, 1] = 0.0
    with tf1.Graph().as_default(), tf1.Session() as sess:
        wanted = {
            k: sess.run(
                fn(
                    tfslim.losses,
                    tf1.constant,
                    tf1.constant(logits),
                    tf1.constant(labels),
                    tf1.constant(weights),
                )
            )
            for k, fn in LOSSES.items()
        }
        added = len(tf1.get_collection(tf1.GraphKeys.LOSSES))
        total = sess.run(tfslim.losses.get_total_loss())

    def model(a, b, w):
        out = {k: fn(fs_slim.losses, jnp.asarray, a, b, w) for k, fn in LOSSES.items()}
        return out, len(fs.get_collection(fs.GraphKeys.LOSSES)), fs_slim.losses.get_total_loss()

    f = fs.transform(model)
    out, count, got_total = f.apply(f.init(0, logits, labels, weights), logits, labels, weights)
    for k, want in wanted.items():
        np.testing.assert_allclose(out[k], want, rtol=1e-5, atol=1e-6, err_msg=k)
    assert count == added
    np.testing.assert_allclose(got_total, total, rtol=1e-5)


def test_regularizers_match_tf_slim(tf1, tfslim):
    w = np.random.default_rng(2).normal(size=(3, 4)).astype(np.float32)
    cases = {
        "l1": lambda s: s.l1_regularizer(0.3),
        "l2": lambda s: s.l2_regularizer(0.3),
        "l1_l2": lambda s: s.l1_l2_regularizer(0.1, 0.2),
        "sum": lambda s: s.sum_regularizer(
            [s.l1_regularizer(0.1), s.l2_regularizer(0.0), s.l2_regularizer(0.5)]
        ),
    }
    with tf1.Graph().as_default(), tf1.Session() as sess:
        want = {k: sess.run(fn(tfslim)(tf1.constant(w))) for k, fn in cases.items()}
        assert tfslim.l2_regularizer(0.0)(tf1.constant(w)) is None
        applied = sess.run(
            tfslim.apply_regularization(
                tfslim.l2_regularizer(0.5), [tf1.constant(w), tf1.constant(2 * w)]
            )
        )
    for k, fn in cases.items():
        np.testing.assert_allclose(fn(fs_slim)(w), want[k], rtol=1e-6, err_msg=k)
    assert fs_slim.l2_regularizer(0.0)(w) is None
    f = fs.transform(lambda: fs_slim.apply_regularization(fs_slim.l2_regularizer(0.5), [w, 2 * w]))
    got = f.apply(f.init(0))
    np.testing.assert_allclose(got, applied, rtol=1e-6)


def test_contrib_initializers_distributions():
    """contrib's truncated normal has stddev sqrt(1.3 * factor / n) before truncation."""
    shape = (200, 300)
    he = fs_slim.variance_scaling_initializer()(shape, key=jax.random.PRNGKey(0))
    n = 200
    # the std of a normal truncated at 2 sigma is 0.8796 of its sigma
    np.testing.assert_allclose(np.std(he), np.sqrt(1.3 * 2.0 / n) * 0.87962566, rtol=0.02)
    assert np.max(np.abs(he)) <= 2 * np.sqrt(1.3 * 2.0 / n) + 1e-6
    xavier = fs_slim.xavier_initializer()(shape, key=jax.random.PRNGKey(1))
    limit = np.sqrt(6.0 / (200 + 300))
    assert np.max(np.abs(xavier)) <= limit and np.max(np.abs(xavier)) > 0.99 * limit


METRICS = {
    "accuracy": lambda M, p, y, s: M.streaming_accuracy(p, y),
    "mean": lambda M, p, y, s: M.streaming_mean(s),
    "recall": lambda M, p, y, s: M.streaming_recall(p, y),
    "auc": lambda M, p, y, s: M.streaming_auc(s, y, num_thresholds=50),
    "mse": lambda M, p, y, s: M.streaming_mean_squared_error(s, s * s),
    "iou": lambda M, p, y, s: M.streaming_mean_iou(p, y, 2),
}


def test_streaming_metrics_match_tf_slim(tf1, tfslim):
    rng = np.random.default_rng(6)
    batches = [
        (rng.integers(0, 2, 8), rng.integers(0, 2, 8), rng.uniform(size=8)) for _ in range(2)
    ]
    batches = [
        (p.astype(np.int64), lab.astype(np.int64), s.astype(np.float32)) for p, lab, s in batches
    ]
    with tf1.Graph().as_default(), tf1.Session() as sess:
        ph = [
            tf1.placeholder(tf1.int64, [8]),
            tf1.placeholder(tf1.int64, [8]),
            tf1.placeholder(tf1.float32, [8]),
        ]
        values, updates = tfslim.metrics.aggregate_metric_map(
            {k: fn(tfslim.metrics, *ph) for k, fn in METRICS.items()}
        )
        sess.run(tf1.local_variables_initializer())
        for batch in batches:
            sess.run(updates, dict(zip(ph, batch, strict=True)))
        want = sess.run(values)

    f = fs.transform(
        lambda p, lab, s: fs_slim.metrics.aggregate_metric_map(
            {k: fn(fs_slim.metrics, p, lab, s) for k, fn in METRICS.items()}
        )
    )
    variables = f.init(0, *batches[0])
    step = jax.jit(lambda v, *b: f.apply(v, *b, mutable=True))
    for batch in batches:
        (_, _), state = step(variables, *batch)
        variables = {**variables, **state}
    (got, _), _ = step(variables, *batches[0])
    for k in METRICS:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5, err_msg=k)


def norms(slim, tf, x):
    """instance, group, layer and unit norms and maxout, with TF's names and values."""
    a = slim.instance_norm(x * 3 + 1, param_initializers={"gamma": tf.constant_initializer(2.0)})
    b = slim.instance_norm(x, center=False, activation_fn=tf.nn.relu, scope="in2")
    c = slim.group_norm(tf.concat([x, x * 2], axis=3), groups=2)
    d = slim.group_norm(tf.tile(x, [1, 1, 1, 4]), groups=4, reduction_axes=(-3,), scale=False)
    e = slim.layer_norm(x, begin_norm_axis=2, begin_params_axis=2, scope="ln")
    f = slim.unit_norm(x, dim=1)
    g = slim.maxout(tf.tile(x, [1, 1, 1, 2]), 3)
    return [a, b, c, d, e, f, g]


def test_norms_match_tf_slim(tf1, tfslim):
    x = np.random.default_rng(3).normal(size=(2, 4, 5, 3)).astype(np.float32)
    want, values, _ = _tf_values(tf1, tfslim, norms, x)
    f = fs.transform(lambda x: norms(fs_slim, fstf, x))
    variables = f.init(0, x)
    assert sorted(variables["params"]) == sorted(values)
    variables = {kind: {k: values[k] for k in tree} for kind, tree in variables.items()}
    for g, w in zip(f.apply(variables, x), want, strict=True):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-5)
    for bad in (
        lambda s, t: s.group_norm(t.zeros([2, 3, 3, 6]), groups=4),
        lambda s, t: s.group_norm(t.zeros([2, 3, 3, 6]), groups=8),
        lambda s, t: s.maxout(t.zeros([2, 5]), 3),
    ):
        with tf1.Graph().as_default():
            want_error = _error(functools.partial(bad, tfslim, tf1))
        assert _error(functools.partial(bad, fs_slim, fstf)) == want_error
