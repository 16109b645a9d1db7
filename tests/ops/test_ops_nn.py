"""tf.nn activations, normalizations, cross-entropies, lookups and top_k against
tf.compat.v1 over argument grids: values, shapes, dtypes, legacy arguments, errors,
gradients and names."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf


def _rand(shape, seed=0, dtype=np.float32):
    return (np.random.default_rng(seed).normal(size=shape) * 2).astype(dtype)


def _close(ours, theirs, what, rtol=1e-5, atol=1e-6):
    theirs = np.asarray(theirs)
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape, (what, ours.shape, theirs.shape)
    assert ours.dtype == theirs.dtype, (what, ours.dtype, theirs.dtype)
    if theirs.dtype == np.float16:
        rtol, atol = 1e-3, 1e-3
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=str(what))


ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("elu", {}), ("selu", {}), ("crelu", {}),
    ("crelu", {"axis": 0}), ("leaky_relu", {}), ("leaky_relu", {"alpha": 0.01}),
    ("softplus", {}), ("softsign", {}), ("sigmoid", {}), ("tanh", {}), ("swish", {}),
    ("silu", {}), ("log_softmax", {}), ("softmax", {}), ("softmax", {"axis": 0}),
    ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}), ("softmax", {"axis": -2}),
]  # fmt: skip


def test_activations_grid(tf1):
    for (op, kw), (shape, dtype) in itertools.product(
        ACTIVATIONS, [((7,), np.float16), ((3, 5), np.float32), ((2, 3, 4), np.float32)]
    ):
        if kw.get("axis", kw.get("dim", -1)) not in range(-len(shape), len(shape)):
            continue
        x = _rand(shape, dtype=dtype)
        x.flat[0] = 0  # the kinks
        _close(getattr(tf.nn, op)(x, **kw), getattr(tf1.nn, op)(x, **kw), (op, kw, shape, dtype))
    x = _rand((4, 6))
    for approximate in (False, True):  # tf.nn.gelu is TF2's (no compat.v1 symbol)
        tf2 = pytest.importorskip("tensorflow")
        _close(tf.nn.gelu(x, approximate), tf2.nn.gelu(x, approximate), ("gelu", approximate))
    _close(tf.sigmoid(x), tf1.sigmoid(x), "tf.sigmoid")
    _close(tf.tanh(x), tf1.tanh(x), "tf.tanh")
    xi = np.arange(-3, 3, dtype=np.int32)
    _close(tf.nn.leaky_relu(xi), tf1.nn.leaky_relu(xi), "leaky_relu int")


def test_activation_gradients_match_tf(tf1):
    tf2 = pytest.importorskip("tensorflow")
    x = _rand((3, 5))
    x[0, :3] = [0.0, 6.0, -0.0]
    for op in ("relu", "relu6", "elu", "selu", "softplus", "softsign", "leaky_relu", "swish"):
        ours = jax.grad(lambda v, op=op: jnp.sum(getattr(tf.nn, op)(v) * x))(x)
        xs = tf2.constant(x)
        with tf2.GradientTape() as tape:
            tape.watch(xs)
            y = tf2.reduce_sum(getattr(tf1.nn, op)(xs) * x)
        _close(ours, tape.gradient(y, xs), ("grad", op))


def test_bias_moments_and_normalizations_grid(tf1):
    x4 = _rand((2, 5, 4, 3))
    for fmt in (None, "NHWC", "NCHW"):
        b = _rand((4 if fmt == "NCHW" and False else (5 if fmt == "NCHW" else 3),), seed=1)
        _close(tf.nn.bias_add(x4, b, fmt), tf1.nn.bias_add(x4, b, fmt), ("bias_add", fmt))
    x2 = _rand((6, 3))
    _close(tf.nn.bias_add(x2, x2[0]), tf1.nn.bias_add(x2, x2[0]), "bias_add 2d")
    w, b = _rand((3, 4), seed=2), _rand((4,), seed=3)
    _close(tf.nn.xw_plus_b(x2, w, b), tf1.nn.xw_plus_b(x2, w, b), "xw_plus_b")
    _close(tf.nn.relu_layer(x2, w, b), tf1.nn.relu_layer(x2, w, b), "relu_layer")
    for axes, keep, dtype in itertools.product(
        ([0], [0, 1, 2], [3], [1, -1]), (False, True), (np.float32, np.float16)
    ):
        x = x4.astype(dtype)
        for old, new in ((keep, None), (None, keep)):
            ours = tf.nn.moments(x, axes, keep_dims=old, keepdims=new)
            theirs = tf1.nn.moments(x, axes, keep_dims=old, keepdims=new)
            for o, t in zip(ours, theirs, strict=True):
                _close(o, t, ("moments", axes, keep, dtype))
        ours = tf.nn.weighted_moments(x, axes, np.abs(x4) + 0.5, keepdims=keep)
        theirs = tf1.nn.weighted_moments(x, axes, (np.abs(x4) + 0.5).astype(dtype), keepdims=keep)
        for o, t in zip(ours, theirs, strict=True):
            _close(o, t, ("weighted_moments", axes, keep, dtype), rtol=1e-4)
    counts, m_ss, v_ss, _ = tf.nn.sufficient_statistics(x4, [0, 1], shift=0.5)
    expected = tf1.nn.sufficient_statistics(x4, [0, 1], shift=0.5)
    for o, t in zip((counts, m_ss, v_ss), expected[:3], strict=True):
        _close(o, t, "sufficient_statistics", rtol=1e-4)
    for o, t in zip(
        tf.nn.normalize_moments(counts, m_ss, v_ss, 0.5),
        tf1.nn.normalize_moments(counts, m_ss, v_ss, 0.5),
        strict=True,
    ):
        _close(o, t, "normalize_moments", rtol=1e-4)
    mean, var = np.mean(x4, (0, 1, 2)), np.var(x4, (0, 1, 2))
    for offset, scale in itertools.product((None, _rand((3,), 4)), (None, _rand((3,), 5))):
        _close(
            tf.nn.batch_normalization(x4, mean, var, offset, scale, 1e-3),
            tf1.nn.batch_normalization(x4, mean, var, offset, scale, 1e-3),
            ("batch_normalization", offset is None, scale is None),
        )
    for axis, eps in itertools.product((None, 0, 1, [0, 1]), (1e-12, 10.0)):
        _close(tf.nn.l2_normalize(x2, axis, eps), tf1.nn.l2_normalize(x2, axis, eps), ("l2n", axis))
    _close(tf.nn.l2_normalize(x2, dim=0), tf1.nn.l2_normalize(x2, dim=0), "l2n dim")
    _close(tf.nn.l2_loss(x4), tf1.nn.l2_loss(x4), "l2_loss", rtol=1e-5)
    for radius, bias, alpha, beta in ((5, 1.0, 1.0, 0.5), (1, 2.0, 0.1, 0.75), (0, 1.0, 1e-4, 1)):
        x = _rand((2, 3, 3, 7))
        _close(
            tf.nn.lrn(x, radius, bias, alpha, beta),
            tf1.nn.local_response_normalization(x, radius, bias, alpha, beta),
            ("lrn", radius),
        )
    _close(tf.nn.zero_fraction(jax.nn.relu(x4)), tf1.nn.zero_fraction(np.maximum(x4, 0)), "zf")


def test_fused_batch_norm_grid(tf1):
    x4 = _rand((3, 4, 5, 2))
    scale, offset = _rand((2,), 1), _rand((2,), 2)
    mean, var = _rand((2,), 3), np.abs(_rand((2,), 4)) + 0.1
    for fmt, training, factor, eps, dtype in itertools.product(
        ("NHWC", "NCHW"), (True, False), (1.0, 0.3), (1e-3, 1e-7), (np.float32, np.float16)
    ):
        x = (x4 if fmt == "NHWC" else np.moveaxis(x4, -1, 1)).astype(dtype)
        kw = dict(mean=mean, variance=var, epsilon=eps, data_format=fmt, is_training=training,
                  exponential_avg_factor=factor)  # fmt: skip
        if training and factor == 1.0:
            kw.update(mean=None, variance=None)
        ours = tf.nn.fused_batch_norm(x, scale, offset, **kw)
        theirs = tf1.nn.fused_batch_norm(x, scale, offset, **kw)
        for o, t, part in zip(ours, theirs, "y mean var".split(), strict=True):
            _close(o, t, ("fused_batch_norm", part, fmt, training, factor, eps, dtype), rtol=1e-4)


def test_cross_entropies_grid(tf1):
    tf2 = pytest.importorskip("tensorflow")
    for shape, axis, dtype in itertools.product(
        [(4, 5), (2, 3, 4)], (-1, 0, 1), (np.float32, np.float16)
    ):
        logits = _rand(shape, 1, dtype)
        labels = jax.nn.softmax(_rand(shape, 2), axis=axis).__array__().astype(dtype)
        for op, kw in (
            ("softmax_cross_entropy_with_logits_v2", {"axis": axis}),
            ("softmax_cross_entropy_with_logits_v2", {"dim": axis}),
            ("softmax_cross_entropy_with_logits", {"dim": axis}),
        ):
            _close(
                getattr(tf.nn, op)(labels=labels, logits=logits, **kw),
                getattr(tf1.nn, op)(labels=labels, logits=logits, **kw),
                (op, kw, shape, dtype),
            )
        sparse = np.random.default_rng(3).integers(0, shape[-1], shape[:-1])
        for ldtype in (np.int32, np.int64):
            _close(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse.astype(ldtype), logits=logits),
                tf1.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse.astype(ldtype), logits=logits),
                ("sparse", shape, dtype, ldtype),
            )  # fmt: skip
        z = (np.random.default_rng(4).random(shape) > 0.5).astype(dtype)
        _close(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=logits),
            tf1.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=logits),
            ("sigmoid", shape, dtype),
        )
        for pos_weight, key in itertools.product((0.5, 3.0), ("labels", "targets")):
            _close(
                tf.nn.weighted_cross_entropy_with_logits(logits=logits, pos_weight=pos_weight, **{key: z}),
                tf1.nn.weighted_cross_entropy_with_logits(logits=logits, pos_weight=pos_weight, **{key: z}),
                ("weighted", pos_weight, key),
            )  # fmt: skip
        targets = np.abs(_rand(shape, 5))
        for full in (False, True):
            _close(
                tf.nn.log_poisson_loss(targets, logits.astype(np.float32), full),
                tf1.nn.log_poisson_loss(targets, logits.astype(np.float32), full),
                ("log_poisson", full), rtol=1e-4,
            )  # fmt: skip
    # v1 blocks the labels' gradient, _v2 lets it through (as TF)
    logits, labels = _rand((3, 4), 6), jax.nn.softmax(_rand((3, 4), 7)).__array__()
    for op in ("softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2"):
        ours = jax.grad(
            lambda y, x, op=op: jnp.sum(getattr(tf.nn, op)(labels=y, logits=x)), (0, 1)
        )(labels, logits)
        ys, xs = tf2.constant(labels), tf2.constant(logits)
        with tf2.GradientTape(persistent=True) as tape:
            tape.watch([ys, xs])
            loss = tf2.reduce_sum(getattr(tf1.nn, op)(labels=ys, logits=xs))
        gy, gx = tape.gradient(loss, [ys, xs])
        _close(ours[1], gx, (op, "logits grad"))
        _close(ours[0], np.zeros_like(labels) if gy is None else gy, (op, "labels grad"))


def test_embedding_lookup_grid(tf1):
    table = _rand((11, 3))
    ids = np.array([[0, 4, 10], [7, 7, 2]], np.int32)
    for n, strategy, max_norm in itertools.product((1, 2, 3, 4), ("mod", "div"), (None, 1.5)):
        if strategy == "mod":
            parts = [table[i::n] for i in range(n)]
        else:
            parts = np.array_split(table, n)
        params = parts[0] if n == 1 else parts
        _close(
            tf.nn.embedding_lookup(params, ids, strategy, max_norm=max_norm),
            tf1.nn.embedding_lookup(params, ids, strategy, max_norm=max_norm),
            ("embedding_lookup", n, strategy, max_norm),
        )
        # "mod" and "div" partitions of the same table both give the table's rows
        np.testing.assert_allclose(
            tf.nn.embedding_lookup(params, ids, strategy),
            table[ids],
            err_msg=str((n, strategy)),
        )
    _close(tf.nn.embedding_lookup(table, 5), tf1.nn.embedding_lookup(table, 5), "scalar id")


def test_embedding_lookup_of_a_partitioned_variable_is_tf1s(tf1):
    """A partitioned get_variable is one array in flaxscope; the lookup follows TF1's
    partitions (so TF1 checkpoints give TF1's rows) under "mod" and "div"."""
    ids = np.array([0, 3, 4, 9, 10, 1], np.int32)

    def program(t, strategy):
        emb = t.get_variable("emb", [11, 2], partitioner=t.fixed_size_partitioner(3))
        return emb, t.nn.embedding_lookup(emb, ids, partition_strategy=strategy)

    for strategy in ("mod", "div"):
        with tf1.Graph().as_default(), tf1.Session() as sess:
            emb, out = program(tf1, strategy)
            sess.run(tf1.global_variables_initializer())
            table, expected = sess.run([emb.as_tensor(), out])  # the checkpoint's full value
        f = fs.transform(lambda s=strategy: program(tf, s)[1])
        variables = f.init(0)
        assert variables["params"]["emb"].shape == (11, 2)
        got = f.apply({"params": {"emb": table}})
        np.testing.assert_array_equal(got, expected, err_msg=strategy)
        if strategy == "mod":  # not the plain rows of the whole table: TF1's partitions
            assert not np.array_equal(got, table[ids])


def test_top_k_and_in_top_k_grid(tf1):
    x = np.round(_rand((4, 6)), 0)  # ties on purpose
    for k, sorted_ in itertools.product((1, 3, 6), (True, False)):
        ours, theirs = tf.nn.top_k(x, k, sorted_), tf1.nn.top_k(x, k, sorted_)
        if sorted_:
            _close(ours.indices, theirs.indices, ("top_k indices", k))
            _close(ours.values, theirs.values, ("top_k values", k))
        else:  # TF leaves the order open
            _close(np.sort(ours.values), np.sort(theirs.values), ("top_k values", k))
        assert ours._fields == ("values", "indices")
    x[1, 2] = np.nan
    x[2, 0] = np.inf
    for k, targets in itertools.product((1, 2, 4), ([0, 2, 0, 5], [3, 1, 1, 0])):
        t = np.array(targets, np.int32)
        _close(tf.nn.in_top_k(x, t, k), tf1.nn.in_top_k(x, t, k), ("in_top_k", k, targets))


def _error(fn):
    with pytest.raises((ValueError, TypeError)) as info:
        fn()
    return str(info.value)


def test_errors_are_tfs(tf1):
    x2, x4 = _rand((4, 5)), _rand((2, 8, 8, 3))
    cases = [
        (lambda t: t.nn.softmax_cross_entropy_with_logits_v2(labels=_rand((4, 3)), logits=x2), "for '"),
        (lambda t: t.nn.sparse_softmax_cross_entropy_with_logits(labels=np.ones([4, 5], np.int32), logits=x2), None),
        (lambda t: t.nn.sparse_softmax_cross_entropy_with_logits(labels=np.ones([3], np.int32), logits=x2), None),
        (lambda t: t.nn.sigmoid_cross_entropy_with_logits(labels=_rand((4, 3)), logits=x2), None),
        (lambda t: t.nn.weighted_cross_entropy_with_logits(labels=_rand((4, 3)), logits=x2, pos_weight=2.0), None),
        (lambda t: t.nn.bias_add(x2, _rand((5, 1))), "for '"),
        (lambda t: t.nn.bias_add(x2, _rand((4,))), "for '"),
        (lambda t: t.nn.softmax(x2, axis=0, dim=0), None),
        (lambda t: t.nn.l2_normalize(x2, axis=0, dim=0), None),
        (lambda t: t.nn.embedding_lookup([x2, x2], np.array([0, 1]), partition_strategy="foo"), None),
        (lambda t: t.nn.top_k(x2, 7), "for '"),
        (lambda t: t.nn.top_k(x2, -1), "for '"),
        (lambda t: t.nn.embedding_lookup([], np.array([0])), None),
        (lambda t: t.nn.sparse_softmax_cross_entropy_with_logits(labels=np.ones([4], np.float32), logits=x2), None),
        (lambda t: t.nn.fused_batch_norm(x2, np.ones([5], np.float32), np.ones([5], np.float32)), "for '"),
        (lambda t: t.nn.fused_batch_norm(x4, np.ones([3], np.float32), np.ones([3], np.float32), is_training=False), None),
        (lambda t: t.nn.lrn(x2), "for '"),
        (lambda t: t.nn.in_top_k(x2, np.ones([4, 1], np.int32), 2), "for '"),
        (lambda t: t.nn.moments(x2, [3]), " for '"),
    ]  # fmt: skip
    for fn, cut in cases:
        with tf1.Graph().as_default():
            theirs = _error(lambda fn=fn: fn(tf1))
        ours = _error(lambda fn=fn: fn(tf))
        if cut is not None:  # TF's message goes on with its graph node's name
            theirs = theirs.split(cut)[0]
        assert ours.startswith(theirs), (ours, theirs)
    # a bad softmax axis: TF's InvalidArgumentError (a ValueError in flaxscope too)
    for op in ("softmax", "log_softmax"):
        with pytest.raises(tf1.errors.InvalidArgumentError) as theirs:
            getattr(tf1.nn, op)(x2, axis=5)
        with pytest.raises(tf.errors.InvalidArgumentError) as ours:
            getattr(tf.nn, op)(x2, axis=5)
        assert str(ours.value) == theirs.value.message


def test_default_names_take_their_place_in_the_scope(tf1):
    x, labels = _rand((4, 5)), np.arange(4, dtype=np.int32)
    calls = [
        ("Relu", lambda t: t.nn.relu(x)),
        ("Softmax", lambda t: t.nn.softmax(x)),
        ("BiasAdd", lambda t: t.nn.bias_add(x, x[0])),
        ("L2Loss", lambda t: t.nn.l2_loss(x)),
        ("moments", lambda t: t.nn.moments(x, [0])),
        ("softmax_cross_entropy_with_logits_sg",
         lambda t: t.nn.softmax_cross_entropy_with_logits(labels=x, logits=x)),
        ("SparseSoftmaxCrossEntropyWithLogits",
         lambda t: t.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x)),
        ("logistic_loss", lambda t: t.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x)),
        ("embedding_lookup", lambda t: t.nn.embedding_lookup(x, labels)),
        ("TopKV2", lambda t: t.nn.top_k(x, 2)),
        ("l2_normalize", lambda t: t.nn.l2_normalize(x, 1)),
        ("mine", lambda t: t.nn.relu(x, name="mine")),
    ]  # fmt: skip

    def program(t):
        names = []
        with t.name_scope("block"):
            for default, call in calls:
                call(t)
                v = t.Variable(1.0, name=default)
                names.append(v.name if t is not tf else fs.name_of(v))
        return names

    with tf1.Graph().as_default():
        expected = program(tf1)
    assert program(tf) == expected
    assert expected[0] == "block/Relu_1:0"


def test_weight_decay_over_trainable_variables_and_jit_vmap():
    def model(x):
        w = tf.get_variable("w", [5, 3])
        b = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
        logits = tf.nn.xw_plus_b(x, w, b)
        decay = tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()])
        return tf.nn.softmax(logits), decay

    f = fs.transform(model)
    x = _rand((2, 4, 5))
    variables = f.init(0, x[0])
    probs, decay = jax.jit(f.apply)(variables, x[0])
    w = variables["params"]["w"]
    np.testing.assert_allclose(decay, np.sum(np.square(w)) / 2, rtol=1e-6)
    batched = jax.vmap(lambda xi: f.apply(variables, xi)[0])(x)
    np.testing.assert_allclose(batched[0], probs, rtol=1e-6)


def test_embedding_lookup_sparse_grid(tf1):
    table = _rand((9, 3), 11)
    idx = np.array([[0, 0], [0, 1], [1, 0], [2, 0], [2, 1], [2, 2], [3, 1]], np.int64)
    ids = np.array([1, 8, 0, 4, 4, 2, 7], np.int32)
    wts = np.abs(_rand((7,), 12)) + 0.1
    for combiner, weighted, parts, max_norm in itertools.product(
        ("sum", "mean", "sqrtn", None), (False, True), (1, 2), (None, 1.0)
    ):
        params = table if parts == 1 else [table[i::parts] for i in range(parts)]

        def call(t, params=params, weighted=weighted, combiner=combiner, max_norm=max_norm):
            sp_ids = t.SparseTensor(idx, ids, [5, 3])
            sp_w = t.SparseTensor(idx, wts, [5, 3]) if weighted else None
            return t.nn.embedding_lookup_sparse(
                params, sp_ids, sp_w, combiner=combiner, max_norm=max_norm
            )

        _close(call(tf), call(tf1), ("embedding_lookup_sparse", combiner, weighted, parts))

    def traced(i, v):
        return tf.nn.embedding_lookup_sparse(table, tf.SparseTensor(i, v, [5, 3]), None)

    # traced ids: one row per dense_shape[0] (eagerly: up to the last row present, as TF)
    assert jax.jit(traced)(idx, ids).shape == (5, 3)
    assert traced(idx, ids).shape == (4, 3)
