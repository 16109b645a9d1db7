"""``tf.compat.v1.layers``: TF1's legacy layers and the ``Layer`` base the RNN cells share.

One module per family, as TF lays them out (``tf_keras/src/legacy_tf_layers``): ``base``
(``Layer``, argument checks), ``core`` (``dense``, ``flatten``, ``dropout``),
``convolutional`` (``conv1d``/``2d``/``3d``, their transposes, ``separable_conv1d``/``2d``),
``pooling`` (max and average, 1-D, 2-D and 3-D) and ``normalization``
(``batch_normalization``).
"""

from flaxscope.layers.base import GraphState, Layer, per_call_state, to_snake_case
from flaxscope.layers.convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    SeparableConv1D,
    SeparableConv2D,
    conv1d,
    conv2d,
    conv2d_transpose,
    conv3d,
    conv3d_transpose,
    separable_conv1d,
    separable_conv2d,
)
from flaxscope.layers.core import Dense, Dropout, Flatten, dense, dropout, flatten
from flaxscope.layers.normalization import BatchNormalization, batch_normalization
from flaxscope.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
    average_pooling1d,
    average_pooling2d,
    average_pooling3d,
    max_pooling1d,
    max_pooling2d,
    max_pooling3d,
)

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "BatchNormalization",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Dense",
    "Dropout",
    "Flatten",
    "GraphState",
    "Layer",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "SeparableConv1D",
    "SeparableConv2D",
    "average_pooling1d",
    "average_pooling2d",
    "average_pooling3d",
    "batch_normalization",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "dense",
    "dropout",
    "flatten",
    "max_pooling1d",
    "max_pooling2d",
    "max_pooling3d",
    "per_call_state",
    "separable_conv1d",
    "separable_conv2d",
    "to_snake_case",
]
