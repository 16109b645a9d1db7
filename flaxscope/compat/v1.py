"""The ``tf`` namespace of TF1 scope code: ``import flaxscope.compat.v1 as tf``.

Scope, variable, collection and initializer calls keep their TF1 spelling; math calls
change to ``jax.numpy`` (``tf.matmul`` → ``jnp.matmul``).
"""

import contextlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from flaxscope import checkpoint as _checkpoint
from flaxscope import initializers
from flaxscope import layers as _layers
from flaxscope import losses as _losses
from flaxscope import nn as _nn
from flaxscope import saver as _saver
from flaxscope import train as _train
from flaxscope.dtypes import (
    as_dtype,
    bfloat16,
    bool_,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
)
from flaxscope.initializers import (
    constant_initializer,
    glorot_normal_initializer,
    glorot_uniform_initializer,
    identity_initializer,
    ones_initializer,
    orthogonal_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    truncated_normal_initializer,
    uniform_unit_scaling_initializer,
    variance_scaling_initializer,
    zeros_initializer,
)
from flaxscope.scopes import (
    AUTO_REUSE,
    VariableScope,
    get_variable_scope,
    name_scope,
    variable_scope,
)
from flaxscope.sharding import (
    fixed_size_partitioner,
    min_max_variable_partitioner,
    variable_axis_size_partitioner,
)
from flaxscope.store import GraphKeys
from flaxscope.templates import make_template
from flaxscope.transform import reset_default_graph, set_random_seed
from flaxscope.variables import (
    Variable,
    add_to_collection,
    add_to_collections,
    all_variables,
    assign,
    assign_add,
    assign_sub,
    get_collection,
    get_collection_ref,
    get_local_variable,
    get_regularization_loss,
    get_variable,
    global_variables,
    local_variables,
    model_variables,
    moving_average_variables,
    no_regularizer,
    trainable_variables,
)

bool = bool_  # noqa: A001  (tf.bool)

losses = SimpleNamespace(
    add_loss=_losses.add_loss,
    get_losses=_losses.get_losses,
    get_regularization_loss=get_regularization_loss,
    get_regularization_losses=_losses.get_regularization_losses,
    get_total_loss=_losses.get_total_loss,
)


@contextlib.contextmanager
def control_dependencies(control_inputs: Any) -> Iterator[None]:
    """``tf.control_dependencies``: nothing to do in JAX, where a function's values are
    computed from their inputs (an assign's effect is its return value and the state
    ``apply(..., mutable=True)`` returns). Kept so TF1 code runs unchanged."""
    del control_inputs
    yield


@contextlib.contextmanager
def device(device_name_or_function: Any) -> Iterator[None]:
    """``tf.device``: placement is XLA's here (``jax.jit`` places a computation, shardings
    spread it over several devices), so this does nothing; kept so TF1 code such as
    ``with tf.device("/cpu:0"):`` around an embedding runs unchanged."""
    del device_name_or_function
    yield


layers = SimpleNamespace(
    Layer=_layers.Layer,
    Dense=_layers.Dense,
    Conv1D=_layers.Conv1D,
    Conv2D=_layers.Conv2D,
    Conv2DTranspose=_layers.Conv2DTranspose,
    Dropout=_layers.Dropout,
    Flatten=_layers.Flatten,
    MaxPooling1D=_layers.MaxPooling1D,
    MaxPooling2D=_layers.MaxPooling2D,
    AveragePooling1D=_layers.AveragePooling1D,
    AveragePooling2D=_layers.AveragePooling2D,
    BatchNormalization=_layers.BatchNormalization,
    batch_normalization=_layers.batch_normalization,
    dense=_layers.dense,
    conv1d=_layers.conv1d,
    conv2d=_layers.conv2d,
    conv2d_transpose=_layers.conv2d_transpose,
    dropout=_layers.dropout,
    flatten=_layers.flatten,
    max_pooling1d=_layers.max_pooling1d,
    max_pooling2d=_layers.max_pooling2d,
    average_pooling1d=_layers.average_pooling1d,
    average_pooling2d=_layers.average_pooling2d,
)

nn = SimpleNamespace(
    rnn_cell=_nn.rnn_cell,
    dropout=_nn.dropout,
    dynamic_rnn=_nn.dynamic_rnn,
    static_rnn=_nn.static_rnn,
    static_bidirectional_rnn=_nn.static_bidirectional_rnn,
    bidirectional_dynamic_rnn=_nn.bidirectional_dynamic_rnn,
)

train = SimpleNamespace(
    GradientDescentOptimizer=_train.GradientDescentOptimizer,
    MomentumOptimizer=_train.MomentumOptimizer,
    AdamOptimizer=_train.AdamOptimizer,
    ExponentialMovingAverage=_train.ExponentialMovingAverage,
    RMSPropOptimizer=_train.RMSPropOptimizer,
    AdagradOptimizer=_train.AdagradOptimizer,
    exponential_decay=_train.exponential_decay,
    piecewise_constant=_train.piecewise_constant,
    polynomial_decay=_train.polynomial_decay,
    cosine_decay=_train.cosine_decay,
    inverse_time_decay=_train.inverse_time_decay,
    create_global_step=_train.create_global_step,
    get_global_step=_train.get_global_step,
    get_or_create_global_step=_train.get_or_create_global_step,
    latest_checkpoint=_checkpoint.latest_checkpoint,
    list_variables=_checkpoint.list_variables,
    load_checkpoint=_checkpoint.load_checkpoint,
    load_variable=lambda ckpt_dir_or_file, name: _checkpoint.load_checkpoint(
        ckpt_dir_or_file
    ).get_tensor(name),
    init_from_checkpoint=_checkpoint.init_from_checkpoint,
    Saver=_saver.Saver,
    get_checkpoint_state=_saver.get_checkpoint_state,
    checkpoint_exists=_saver.checkpoint_exists,
    remove_checkpoint=_saver.remove_checkpoint,
)

__all__ = [
    "AUTO_REUSE",
    "GraphKeys",
    "Variable",
    "VariableScope",
    "add_to_collection",
    "add_to_collections",
    "all_variables",
    "as_dtype",
    "assign",
    "assign_add",
    "assign_sub",
    "bfloat16",
    "bool",
    "complex64",
    "complex128",
    "constant_initializer",
    "control_dependencies",
    "device",
    "double",
    "float16",
    "float32",
    "fixed_size_partitioner",
    "float64",
    "get_collection",
    "get_collection_ref",
    "get_local_variable",
    "get_variable",
    "get_variable_scope",
    "global_variables",
    "glorot_normal_initializer",
    "glorot_uniform_initializer",
    "half",
    "identity_initializer",
    "initializers",
    "int8",
    "int16",
    "int32",
    "int64",
    "layers",
    "local_variables",
    "losses",
    "nn",
    "make_template",
    "min_max_variable_partitioner",
    "model_variables",
    "moving_average_variables",
    "name_scope",
    "no_regularizer",
    "ones_initializer",
    "orthogonal_initializer",
    "random_normal_initializer",
    "random_uniform_initializer",
    "reset_default_graph",
    "set_random_seed",
    "train",
    "trainable_variables",
    "truncated_normal_initializer",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uniform_unit_scaling_initializer",
    "variable_axis_size_partitioner",
    "variable_scope",
    "variance_scaling_initializer",
    "zeros_initializer",
]
