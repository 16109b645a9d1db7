"""tf.layers.batch_normalization against TF1: names, training outputs, moving statistics."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as tf

SHAPES = [(6, 3), (2, 4, 4, 3), (2, 3, 3, 3, 2)]


def batches(shape):
    rng = np.random.default_rng(sum(shape))
    return [(rng.normal(size=shape) * 2 + 1).astype(np.float32) for _ in range(3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_matches_tf1(tf1, shape):
    xs = batches(shape)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.placeholder(tf1.float32, shape)
        training = tf1.placeholder(tf1.bool, [])
        y = tf1.layers.batch_normalization(x, momentum=0.9, training=training)
        updates = tf1.get_collection(tf1.GraphKeys.UPDATE_OPS)
        names = [v.name[:-2] for v in tf1.global_variables()]
        trainable = [v.name[:-2] for v in tf1.trainable_variables()]
        sess.run(tf1.global_variables_initializer())
        expected_train = [sess.run([y, updates], {x: b, training: True})[0] for b in xs]
        stats = dict(zip(names, sess.run(tf1.global_variables()), strict=True))
        expected_eval = sess.run(y, {x: xs[0], training: False})

    f = fs.transform(lambda x, t: tf.layers.batch_normalization(x, momentum=0.9, training=t))
    variables = f.init(0, xs[0], False)
    assert sorted(variables["params"]) == sorted(trainable)
    assert sorted([*variables["params"], *variables["state"]]) == sorted(names)
    step = jax.jit(lambda v, x: f.apply(v, x, True, mutable=True))
    for b, want in zip(xs, expected_train, strict=True):
        out, updates = step(variables, b)
        variables = {**variables, **updates}
        np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    for k in variables["state"]:
        np.testing.assert_allclose(variables["state"][k], stats[k], rtol=1e-5, err_msg=k)
    np.testing.assert_allclose(f.apply(variables, xs[0], False), expected_eval, atol=1e-5)
    # a traced training flag selects the same two behaviours
    flagged = jax.jit(lambda v, x, t: f.apply(v, x, t, mutable=True)[0])
    np.testing.assert_allclose(flagged(variables, xs[0], False), expected_eval, atol=1e-5)


def test_training_needs_mutable_state():
    f = fs.transform(lambda x: tf.layers.batch_normalization(x, training=True))
    variables = f.init(0, jnp.ones((4, 2)))
    with pytest.raises(ValueError, match="mutable=True"):
        f.apply(variables, jnp.ones((4, 2)))


GRAD_CASES = [
    ((6, 3), -1, True, True),
    ((2, 4, 4, 3), -1, True, True),
    ((2, 3, 4, 4), 1, True, True),
    ((2, 4, 4, 3), -1, False, True),
    ((2, 4, 4, 3), -1, True, False),
    ((2, 3, 3, 3, 2), -1, True, True),
]


def test_training_gradients_match_tf1(tf1):
    """Gradients of a weighted sum of the training-mode output with respect to the input,
    gamma and beta, against TF1's (its fused kernel for rank 4 and 5, the plain one else)."""
    for shape, axis, center, scale in GRAD_CASES:
        x = batches(shape)[0]
        weights = np.random.default_rng(7).normal(size=shape).astype(np.float32)
        kw = dict(axis=axis, center=center, scale=scale, momentum=0.9)
        with tf1.Graph().as_default(), tf1.Session() as sess:
            xs = tf1.constant(x)
            y = tf1.layers.batch_normalization(xs, training=True, **kw)
            params = tf1.trainable_variables()
            loss = tf1.reduce_sum(y * weights)
            sess.run(tf1.global_variables_initializer())
            gamma = np.random.default_rng(8).normal(size=params[0].shape).astype(np.float32)
            sess.run([v.assign(gamma if "gamma" in v.name else gamma[::-1]) for v in params])
            want = sess.run(tf1.gradients(loss, [xs, *params]))
            values = {v.name[:-2]: sess.run(v) for v in params}

        f = fs.transform(lambda x, kw=kw: tf.layers.batch_normalization(x, training=True, **kw))
        variables = f.init(0, x)
        variables = {**variables, "params": {k: jnp.asarray(v) for k, v in values.items()}}

        def loss_fn(x, p, f=f, variables=variables, weights=weights):
            out, _ = f.apply({**variables, "params": p}, x, mutable=True)
            return jnp.sum(out * weights)

        gx, gp = jax.jit(jax.grad(loss_fn, (0, 1)))(x, variables["params"])
        got = [gx, *(gp[v] for v in values)]
        for g, w, what in zip(got, want, ["x", *values], strict=True):
            np.testing.assert_allclose(
                g, w, rtol=1e-5, atol=1e-5 * np.abs(w).max(), err_msg=f"{what} {shape, axis}"
            )
        # forward mode agrees with reverse mode on the input direction
        tangent = np.ones_like(x)
        zero_params = jax.tree.map(jnp.zeros_like, variables["params"])
        _, jvp = jax.jvp(loss_fn, (x, variables["params"]), (tangent, zero_params))
        np.testing.assert_allclose(jvp, np.sum(np.asarray(gx) * tangent), rtol=1e-4, atol=1e-4)


def test_moments_rule_is_the_exact_derivative():
    """The batch moments' JVP rule (no pass for the variance's zero term through the mean)
    gives autodiff's gradient, forward-mode tangent, Hessian and vmapped gradient."""
    from flaxscope.layers import normalization

    def plain(x, axes):
        mean = jnp.mean(x, axis=axes)
        return mean, jnp.mean(jnp.square(x - jnp.expand_dims(mean, axes)), axis=axes)

    def loss(moments, axes):
        def f(x):
            mean, var = moments(x, axes)
            return jnp.sum(jnp.sin(var) * 2 + mean**2 * jnp.cos(mean))

        return f

    rng = np.random.default_rng(1)
    for shape, axes in [((5, 3, 4), (0, 1)), ((4, 2, 3, 3), (0, 2, 3)), ((6, 2), (0,))]:
        x = (rng.normal(size=shape) * 2 + 1).astype(np.float32)
        t = rng.normal(size=shape).astype(np.float32)
        xs = np.stack([x, -x])

        @jax.jit  # one compilation per shape (op by op, the Hessian alone took seconds)
        def derivatives(x, t, xs, axes=axes):
            f = loss(normalization.batch_moments, axes)
            g = loss(plain, axes)
            return [
                (
                    jax.grad(h)(x),
                    jax.hessian(h)(x),
                    jax.jvp(h, (x,), (t,))[1],
                    jax.vmap(jax.grad(h))(xs),
                )
                for h in (f, g)
            ]

        ours, ref = derivatives(x, t, xs)
        for a, b in zip(ours, ref, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
