"""tf.nn.nce_loss / sampled_softmax_loss against tf.compat.v1 with the same sampled classes
(TF's own sampler output fed as sampled_values), and the candidate samplers by their law."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

CLASSES, DIM, BATCH = 13, 4, 5


def _rand(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def test_sampled_losses_match_tf1_given_the_samples(tf1):
    weights, biases, inputs = _rand((CLASSES, DIM), 0), _rand((CLASSES,), 1), _rand((BATCH, DIM), 2)
    for num_true, remove, parts, strategy in itertools.product(
        (1, 2), (False, True), (1, 3), ("mod", "div")
    ):
        if parts == 1 and strategy == "div":
            continue
        labels = np.random.default_rng(num_true).integers(0, CLASSES, (BATCH, num_true))
        sampled = tf1.nn.log_uniform_candidate_sampler(
            labels.astype(np.int64), num_true, 6, True, CLASSES, seed=num_true
        )
        values = tuple(np.asarray(v) for v in sampled)
        if strategy == "mod":
            w = [weights[i::parts] for i in range(parts)] if parts > 1 else weights
            b = [biases[i::parts] for i in range(parts)] if parts > 1 else biases
        else:
            w, b = np.array_split(weights, parts), np.array_split(biases, parts)
        for op in ("nce_loss", "sampled_softmax_loss"):
            kw = dict(
                num_sampled=6, num_classes=CLASSES, num_true=num_true, sampled_values=values,
                remove_accidental_hits=remove, partition_strategy=strategy,
            )  # fmt: skip
            ours = getattr(tf.nn, op)(w, b, labels, inputs, **kw)
            theirs = np.asarray(getattr(tf1.nn, op)(w, b, labels.astype(np.int64), inputs, **kw))
            assert ours.shape == theirs.shape == (BATCH,) and ours.dtype == theirs.dtype
            np.testing.assert_allclose(
                ours, theirs, rtol=2e-5, atol=1e-5, err_msg=str((op, num_true, remove, parts))
            )


def test_a_class_sampled_twice_is_masked_once_as_in_tf1(tf1):
    """TF's compute_accidental_hits masks a repeated sampled class at its last position."""
    weights, biases, inputs = _rand((CLASSES, DIM), 3), _rand((CLASSES,), 4), _rand((3, DIM), 5)
    labels = np.array([[7, 1], [2, 9], [4, 4]], np.int64)
    sampled = np.array([7, 1, 7, 4, 9, 4, 0], np.int64)
    expected = np.full(sampled.shape, 0.3, np.float32)
    values = (sampled, np.full((3, 2), 0.2, np.float32), expected)
    for op in ("nce_loss", "sampled_softmax_loss"):
        kw = dict(num_sampled=7, num_classes=CLASSES, num_true=2, sampled_values=values,
                  remove_accidental_hits=True)  # fmt: skip
        ours = getattr(tf.nn, op)(weights, biases, labels, inputs, **kw)
        theirs = np.asarray(getattr(tf1.nn, op)(weights, biases, labels, inputs, **kw))
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-5, err_msg=op)


def test_sampled_softmax_gradient_matches_tf(tf1):
    tf2 = pytest.importorskip("tensorflow")
    weights, biases, inputs = _rand((CLASSES, DIM), 3), _rand((CLASSES,), 4), _rand((BATCH, DIM), 5)
    labels = np.arange(BATCH)[:, None] % CLASSES
    values = tuple(
        np.asarray(v)
        for v in tf1.nn.log_uniform_candidate_sampler(labels, 1, 7, True, CLASSES, seed=3)
    )

    def ours(w, x):
        return jnp.sum(
            tf.nn.sampled_softmax_loss(w, biases, labels, x, 7, CLASSES, sampled_values=values)
        )

    gw, gx = jax.grad(ours, (0, 1))(weights, inputs)
    ws, xs = tf2.constant(weights), tf2.constant(inputs)
    with tf2.GradientTape() as tape:
        tape.watch([ws, xs])
        loss = tf2.reduce_sum(
            tf1.nn.sampled_softmax_loss(ws, biases, labels, xs, 7, CLASSES, sampled_values=values)
        )
    ew, ex = tape.gradient(loss, [ws, xs])
    np.testing.assert_allclose(gw, tf2.convert_to_tensor(ew), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx, ex, rtol=1e-5, atol=1e-6)


def _draws(sampler, runs, **kw):
    """``runs`` independent draws, one per ``apply(..., rng=key)``, vmapped."""
    f = fs.transform(lambda: sampler(**kw))
    keys = jax.random.split(jax.random.key(0), runs)
    return jax.vmap(lambda k: f.apply({"params": {}}, rng=k))(keys)


def test_log_uniform_sampler_has_tfs_law(tf1):
    """Unique draws; each class's inclusion frequency matches both its reported expected
    count and TF's own sampler's inclusion frequency."""
    true = np.array([[0], [5]], np.int64)
    kw = dict(true_classes=true, num_true=1, num_sampled=6, unique=True, range_max=20)
    runs = 400
    sampled, true_exp, sampled_exp = _draws(tf.nn.log_uniform_candidate_sampler, runs, **kw)
    assert sampled.shape == (runs, 6) and true_exp.shape == (runs, 2, 1)
    assert all(len(set(row.tolist())) == 6 for row in np.asarray(sampled))
    freq = np.array([(np.asarray(sampled) == c).any(1).mean() for c in range(20)])
    theirs = np.zeros(20)
    tf_true = []
    for seed in range(runs):
        s, t, _ = tf1.nn.log_uniform_candidate_sampler(seed=seed, **kw)
        theirs[np.asarray(s)] += 1 / runs
        tf_true.append(np.asarray(t))
    np.testing.assert_allclose(freq, theirs, atol=0.08)
    # the reported expected counts: TF's formula 1 - (1 - p) ** num_tries, same law
    np.testing.assert_allclose(np.mean(true_exp, 0), np.mean(tf_true, 0), rtol=0.08)
    # sampled_expected_count is the same function of p for the sampled classes: one
    # num_tries per draw (p * 6 when no class repeated)
    p = np.log1p(1 / (np.asarray(sampled) + 1.0)) / np.log(21)
    exp = np.asarray(sampled_exp)
    no_repeat = np.all(np.isclose(exp, 6 * p, rtol=1e-5), axis=1)
    tries = np.log1p(-exp[~no_repeat]) / np.log1p(-p[~no_repeat])
    np.testing.assert_allclose(tries, tries[:, :1] * np.ones_like(tries), rtol=1e-3)
    assert np.all(np.round(tries) > 6) and 0 < no_repeat.mean() < 0.5


def test_uniform_sampler_and_non_unique_counts(tf1):
    true = np.array([[1, 2]], np.int64)
    kw = dict(true_classes=true, num_true=2, num_sampled=4, unique=False, range_max=10)
    sampled, true_exp, sampled_exp = _draws(tf.nn.uniform_candidate_sampler, 8, **kw)
    theirs = tf1.nn.uniform_candidate_sampler(seed=1, **kw)
    np.testing.assert_allclose(true_exp[0], theirs[1], rtol=1e-6)  # p * num_sampled
    np.testing.assert_allclose(sampled_exp[0], theirs[2], rtol=1e-6)
    assert sampled.shape == (8, 4) and np.all((0 <= sampled) & (sampled < 10))


def test_sampled_losses_without_sampled_values_train_in_transform():
    def model(x, labels):
        w = tf.get_variable("softmax_w", [CLASSES, DIM])
        b = tf.get_variable("softmax_b", [CLASSES], initializer=tf.zeros_initializer())
        nce = tf.nn.nce_loss(w, b, labels, x, num_sampled=4, num_classes=CLASSES)
        ssl = tf.nn.sampled_softmax_loss(w, b, labels, x, num_sampled=4, num_classes=CLASSES)
        return jnp.mean(nce) + jnp.mean(ssl)

    f = fs.transform(model)
    x, labels = _rand((BATCH, DIM), 7), np.arange(BATCH)[:, None]
    variables = f.init(jax.random.key(1), x, labels)
    loss, grads = jax.jit(
        jax.value_and_grad(lambda p, k: f.apply({"params": p}, x, labels, rng=k))
    )(variables["params"], jax.random.key(2))
    assert np.isfinite(loss) and set(grads) == {"softmax_w", "softmax_b"}
