"""slim networks against TF-Slim on TF1: the same program text builds both.

Each program is written once against ``(slim, tf)`` and built by ``tf_slim`` in a TF1
graph and by ``flaxscope.slim`` under ``fs.transform``. Compared: the variables (names,
order, shapes; trainable and model variables; the user's collections), the named outputs,
the regularization losses, two training steps' outputs and moving statistics (TF's initial
values loaded into flaxscope), the gradients of a weighted sum of the output with respect
to every trainable variable, and the evaluation-mode output.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import flaxscope as fs
import flaxscope.compat.v1 as fstf
import flaxscope.slim as fs_slim


def vgg_like(slim, tf, x, is_training):
    with slim.arg_scope(
        [slim.conv2d, slim.fully_connected],
        weights_regularizer=slim.l2_regularizer(0.01),
        normalizer_fn=slim.batch_norm,
        normalizer_params={"is_training": is_training, "scale": True, "decay": 0.9},
    ):
        with slim.arg_scope([slim.conv2d, slim.max_pool2d], outputs_collections="ends"):
            net = slim.repeat(x, 2, slim.conv2d, 4, [3, 3], scope="conv1")
            net = slim.max_pool2d(net, [2, 2], scope="pool1")
            net = slim.conv2d(net, 6, [3, 3], rate=2)
            net = slim.avg_pool2d(net, 2, stride=1, padding="SAME")
        net = slim.flatten(net)
        net = slim.fully_connected(net, 8, scope="fc1", variables_collections={"weights": ["W"]})
        net = slim.dropout(net, 0.5, is_training=False)
        net = slim.fully_connected(net, 3, activation_fn=None, normalizer_fn=None, scope="logits")
    return net


def variety(slim, tf, x, is_training):
    a = slim.separable_conv2d(
        x, 5, [3, 3], depth_multiplier=2, weights_regularizer=slim.l1_regularizer(0.01)
    )
    b = slim.separable_conv2d(x, None, 3, depth_multiplier=2, stride=2)
    c = slim.conv2d_transpose(b, 4, 3, stride=2, activation_fn=None, variables_collections=["T"])
    d = slim.batch_norm(
        a, is_training=is_training, updates_collections=None, decay=0.8, epsilon=1e-5
    )
    e = slim.bias_add(c, activation_fn=tf.nn.tanh)
    f = slim.layer_norm(d)
    g = tf.concat([f, e], axis=3)
    h = slim.conv2d(
        g,
        6,
        1,
        normalizer_fn=slim.batch_norm,
        normalizer_params={"is_training": is_training, "fused": False},
    )
    seq = tf.reshape(h, [4, 64, 6])
    i = slim.conv1d(seq, 5, 3, stride=2)
    j = slim.batch_norm(
        i, is_training=is_training, center=False, scale=True, updates_collections=None
    )
    k = slim.batch_norm(i, is_training=is_training, scope="bn3", epsilon=1e-5)
    m = slim.layer_norm(h, begin_norm_axis=-1, begin_params_axis=1, scope="ln_wide")
    pooled = tf.reduce_mean(j + k, axis=1) + tf.reduce_mean(m, axis=[1, 2, 3])[:, None]
    logits = slim.fully_connected(pooled, 4, activation_fn=None, biases_initializer=None)
    return slim.softmax(logits)


PROGRAMS = {"vgg_like": vgg_like, "variety": variety}
COLLECTIONS = ("W", "T")


def _batches():
    rng = np.random.default_rng(3)
    return [rng.normal(size=(4, 8, 8, 3)).astype(np.float32) * 2 + 0.5 for _ in range(2)]


def _tf_run(tf1, slim, program, batches, weights):
    """Builds ``program`` in TF1; returns what the tests compare."""
    out = {}
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.placeholder(tf1.float32, batches[0].shape)
        y = program(slim, tf1, x, True)
        out["names"] = [(v.op.name, v.shape.as_list()) for v in tf1.global_variables()]
        out["trainable"] = [v.op.name for v in tf1.trainable_variables()]
        out["model"] = [v.op.name for v in tf1.model_variables()]
        out["collections"] = {k: [v.op.name for v in tf1.get_collection(k)] for k in COLLECTIONS}
        out["ends"] = list(slim.utils.convert_collection_to_dict("ends"))
        regs = tf1.get_collection(tf1.GraphKeys.REGULARIZATION_LOSSES)
        trainable = tf1.trainable_variables()
        loss = tf1.reduce_sum(y * weights)
        grads = tf1.gradients(loss, trainable)
        updates = tf1.get_collection(tf1.GraphKeys.UPDATE_OPS)
        sess.run(tf1.global_variables_initializer())
        out["init"] = {v.op.name: sess.run(v) for v in tf1.global_variables()}
        out["reg"] = float(sess.run(tf1.add_n(regs))) if regs else 0.0
        y0, g0, _ = sess.run([y, grads, updates], {x: batches[0]})
        out["y"], out["grads"] = y0, dict(zip([v.op.name for v in trainable], g0, strict=True))
        out["y2"] = sess.run([y, updates], {x: batches[1]})[0]
        out["final"] = {v.op.name: sess.run(v) for v in tf1.global_variables()}
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.placeholder(tf1.float32, batches[0].shape)
        y = program(slim, tf1, x, False)
        sess.run(tf1.global_variables_initializer())
        for v in tf1.global_variables():
            v.load(out["final"][v.op.name], sess)
        out["eval"] = sess.run(y, {x: batches[0]})
    return out


@pytest.fixture(scope="module", params=sorted(PROGRAMS))
def case(request, tf1, tfslim):
    program = PROGRAMS[request.param]
    batches = _batches()
    with tf1.Graph().as_default():
        shape = program(tfslim, tf1, tf1.zeros(batches[0].shape), True).shape.as_list()
    weights = np.random.default_rng(5).normal(size=shape).astype(np.float32)
    return program, batches, weights, _tf_run(tf1, tfslim, program, batches, weights)


def test_variables_and_named_outputs_match(case):
    program, batches, _, want = case
    seen = {}

    def model(x, training):
        y = program(fs_slim, fstf, x, training)
        seen["names"] = [(v.op_name, list(v.shape)) for v in fs.global_variables()]
        seen["trainable"] = [v.op_name for v in fs.trainable_variables()]
        seen["model"] = [v.op_name for v in fs_slim.get_model_variables()]
        seen["collections"] = {k: [v.op_name for v in fs.get_collection(k)] for k in COLLECTIONS}
        seen["ends"] = list(fs_slim.utils.convert_collection_to_dict("ends"))
        regs = fs.get_collection(fs.GraphKeys.REGULARIZATION_LOSSES)
        seen["reg"] = sum(regs[1:], regs[0]) if regs else 0.0
        return y

    f = fs.transform(model)
    variables = f.init(0, batches[0], True)
    for key in ("names", "trainable", "model", "collections", "ends"):
        assert seen[key] == want[key], key
    loaded = {kind: {k: want["init"][k] for k in tree} for kind, tree in variables.items()}
    f.apply(loaded, batches[0], True, mutable=True)
    np.testing.assert_allclose(float(seen["reg"]), want["reg"], rtol=1e-5)


def test_training_steps_gradients_and_evaluation_match(case):
    program, batches, weights, want = case
    f = fs.transform(lambda x, t: program(fs_slim, fstf, x, t))
    variables = f.init(0, batches[0], True)
    variables = {
        kind: {k: jnp.asarray(want["init"][k]) for k in tree} for kind, tree in variables.items()
    }

    @jax.jit
    def step(variables, x):
        def loss(params):
            y, updates = f.apply({**variables, "params": params}, x, True, mutable=True)
            return jnp.sum(y * weights), (y, updates)

        grads, (y, updates) = jax.grad(loss, has_aux=True)(variables["params"])
        return y, grads, {**variables, **updates}

    y, grads, variables = step(variables, batches[0])
    np.testing.assert_allclose(y, want["y"], rtol=2e-4, atol=2e-5)
    for name, g in grads.items():
        np.testing.assert_allclose(g, want["grads"][name], rtol=2e-3, atol=2e-4, err_msg=name)
    y2, _, variables = step(variables, batches[1])
    np.testing.assert_allclose(y2, want["y2"], rtol=2e-4, atol=2e-5)
    for name, value in variables["state"].items():
        np.testing.assert_allclose(value, want["final"][name], rtol=1e-5, atol=1e-6, err_msg=name)
    evaluated = jax.jit(lambda v, x: f.apply(v, x, False))(variables, batches[0])
    np.testing.assert_allclose(evaluated, want["eval"], rtol=2e-4, atol=2e-5)
    # a traced is_training flag gives both behaviours
    flagged = jax.jit(lambda v, x, t: f.apply(v, x, t, mutable=True)[0])
    np.testing.assert_allclose(
        flagged(variables, batches[0], False), want["eval"], rtol=2e-4, atol=2e-5
    )
