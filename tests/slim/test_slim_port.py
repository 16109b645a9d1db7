"""A TF1 slim model file, ported by flaxscope-upgrade and run; its TF1 checkpoint restored.

``MODEL`` is a TF1 program written the way slim model files were (``slim =
tf.contrib.slim``, an ``arg_scope`` function, a network that returns ``end_points``). TF1
itself runs it with ``tf_slim`` standing in for ``tf.contrib.slim`` (TensorFlow 2 has no
contrib), trains two steps and saves a checkpoint with ``tf.train.Saver``. The converted
file must need no hand edits, name the same variables, and, restored from that checkpoint,
give TF1's evaluation outputs and end points.
"""

import types

import jax
import numpy as np
import pytest

import flaxscope as fs
from flaxscope import checkpoint
from flaxscope.upgrade import upgrade_source

MODEL = """\
import tensorflow as tf

slim = tf.contrib.slim


def residual_arg_scope(weight_decay=1e-4, is_training=True):
    batch_norm_params = {"is_training": is_training, "decay": 0.9, "scale": True}
    with slim.arg_scope(
        [slim.conv2d],
        weights_regularizer=slim.l2_regularizer(weight_decay),
        weights_initializer=slim.variance_scaling_initializer(),
        normalizer_fn=slim.batch_norm,
        normalizer_params=batch_norm_params,
    ):
        with slim.arg_scope([slim.batch_norm], **batch_norm_params):
            with slim.arg_scope([slim.max_pool2d], padding="SAME") as sc:
                return sc


def block(net, depth, stride, scope):
    with tf.variable_scope(scope):
        shortcut = net
        if net.get_shape().as_list()[-1] != depth or stride != 1:
            shortcut = slim.conv2d(net, depth, [1, 1], stride=stride, activation_fn=None,
                                   scope="shortcut")
        residual = slim.conv2d(net, depth, [3, 3], stride=stride, scope="conv1")
        residual = slim.conv2d(residual, depth, [3, 3], activation_fn=None, scope="conv2")
        return tf.nn.relu(shortcut + residual)


def small_resnet(images, num_classes=5, scope="small_resnet"):
    with tf.variable_scope(scope, "small_resnet", [images]) as sc:
        collection = sc.original_name_scope + "_end_points"
        with slim.arg_scope([slim.conv2d, slim.max_pool2d], outputs_collections=collection):
            net = slim.conv2d(images, 8, [3, 3], scope="stem")
            net = slim.max_pool2d(net, [3, 3], stride=2, scope="pool")
            net = block(net, 8, 1, "block1")
            net = block(net, 16, 2, "block2")
        net = tf.reduce_mean(net, [1, 2], name="global_pool")
        logits = slim.fully_connected(net, num_classes, activation_fn=None, scope="logits")
        end_points = slim.utils.convert_collection_to_dict(collection)
        end_points["predictions"] = slim.softmax(logits, scope="predictions")
        return logits, end_points
"""


def _module(source: str, **names) -> types.ModuleType:
    module = types.ModuleType("slim_model")
    module.__dict__.update(names)
    exec(compile(source, "slim_model.py", "exec"), module.__dict__)
    return module


@pytest.fixture(scope="module")
def converted():
    out, report = upgrade_source(MODEL, "slim_model.py")
    return out, report


def test_the_converted_file_needs_no_hand_edits(converted):
    out, report = converted
    assert report.findings == []
    assert out.splitlines()[0] == "import flaxscope.compat.v1 as tf"
    assert "slim = tf.contrib.slim" in out


def _tf_run(tf1, tfslim, tmp_path, images, labels):
    source = MODEL.replace("import tensorflow as tf\n", "").replace("slim = tf.contrib.slim\n", "")
    model = _module(source, tf=tf1, slim=tfslim)
    out = {}
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.placeholder(tf1.float32, images.shape)
        with tfslim.arg_scope(model.residual_arg_scope(is_training=True)):
            logits, _ = model.small_resnet(x)
        out["names"] = sorted(v.op.name for v in tf1.global_variables())
        loss = tf1.losses.sparse_softmax_cross_entropy(labels, logits)
        total = tf1.losses.get_total_loss()
        updates = tf1.get_collection(tf1.GraphKeys.UPDATE_OPS)
        with tf1.control_dependencies(updates):
            train = tf1.train.MomentumOptimizer(0.1, 0.9).minimize(total)
        sess.run(tf1.global_variables_initializer())
        out["losses"] = [sess.run([loss, train], {x: images})[0] for _ in range(2)]
        path = str(tmp_path / "model.ckpt")
        tf1.train.Saver(tf1.model_variables()).save(sess, path)
    with tf1.Graph().as_default(), tf1.Session() as sess:
        x = tf1.placeholder(tf1.float32, images.shape)
        with tfslim.arg_scope(model.residual_arg_scope(is_training=False)):
            logits, end_points = model.small_resnet(x)
        tf1.train.Saver().restore(sess, path)
        out["logits"], out["end_points"] = sess.run([logits, end_points], {x: images})
    return out, path


def test_restored_checkpoint_gives_tf1_outputs(converted, tf1, tfslim, tmp_path):
    rng = np.random.default_rng(0)
    images = rng.normal(size=(4, 12, 12, 3)).astype(np.float32)
    labels = np.array([0, 3, 1, 4])
    want, path = _tf_run(tf1, tfslim, tmp_path, images, labels)

    model = _module(converted[0])
    tf = model.tf

    def evaluate(images):
        with tf.contrib.slim.arg_scope(model.residual_arg_scope(is_training=False)):
            return model.small_resnet(images)

    f = fs.transform(evaluate)
    variables = f.init(0, images)
    names = sorted(k for tree in variables.values() for k in tree)
    assert names == sorted(n for n in want["names"] if "Momentum" not in n)
    restored = checkpoint.restore(path, variables)
    logits, end_points = jax.jit(f.apply)(restored, images)
    np.testing.assert_allclose(logits, want["logits"], rtol=1e-4, atol=1e-5)
    assert sorted(end_points) == sorted(want["end_points"])
    for key, value in want["end_points"].items():
        np.testing.assert_allclose(end_points[key], value, rtol=1e-4, atol=1e-5, err_msg=key)
