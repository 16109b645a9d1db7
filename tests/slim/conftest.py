"""The TF-Slim oracle: ``tf_slim`` (TF-Slim 1.1 on TensorFlow 2.x), with the two aliases it
needs on TF 2.21 (it imports ``tf_keras.legacy_tf_layers`` and ``ops.Tensor``, which moved)."""

import sys

import pytest


@pytest.fixture(scope="session")
def tfslim(tf1):
    pytest.importorskip(
        "tf_slim", reason="oracle tf-slim is not installed (pip install -e '.[oracle]')"
    )
    import tensorflow.python.framework.ops as tf_ops
    import tf_keras.src.legacy_tf_layers as legacy
    import tf_keras.src.legacy_tf_layers.normalization as legacy_normalization

    sys.modules.setdefault("tf_keras.legacy_tf_layers", legacy)
    sys.modules.setdefault("tf_keras.legacy_tf_layers.normalization", legacy_normalization)
    if not hasattr(tf_ops, "Tensor"):
        tf_ops.Tensor = tf1.Tensor
    import tf_slim

    return tf_slim
