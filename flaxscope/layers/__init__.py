"""``tf.compat.v1.layers``: TF1's legacy layers and the ``Layer`` base the RNN cells share.

One module per family, as TF lays them out (``tf_keras/src/legacy_tf_layers``): ``base``
(``Layer``, argument checks), ``core`` (``dense``, ``flatten``, ``dropout``),
``convolutional`` (``conv1d``, ``conv2d``, ``conv2d_transpose``), ``pooling`` (max and
average, 1-D and 2-D) and ``normalization`` (``batch_normalization``).
"""

from flaxscope.layers.base import GraphState, Layer, per_call_state, to_snake_case
from flaxscope.layers.convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    conv1d,
    conv2d,
    conv2d_transpose,
)
from flaxscope.layers.core import Dense, Dropout, Flatten, dense, dropout, flatten
from flaxscope.layers.normalization import BatchNormalization, batch_normalization
from flaxscope.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    MaxPooling1D,
    MaxPooling2D,
    average_pooling1d,
    average_pooling2d,
    max_pooling1d,
    max_pooling2d,
)

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Dense",
    "Dropout",
    "Flatten",
    "GraphState",
    "Layer",
    "MaxPooling1D",
    "MaxPooling2D",
    "average_pooling1d",
    "average_pooling2d",
    "batch_normalization",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "dense",
    "dropout",
    "flatten",
    "max_pooling1d",
    "max_pooling2d",
    "per_call_state",
    "to_snake_case",
]
