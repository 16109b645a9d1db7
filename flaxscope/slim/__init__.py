"""TF-Slim on flaxscope: ``tf.contrib.slim`` / ``tf_slim`` model code, unchanged.

``import flaxscope.slim as slim`` (or ``tf.contrib.slim`` after ``import
flaxscope.compat.v1 as tf``) gives slim's layers (``conv2d``, ``fully_connected``,
``batch_norm``, ``max_pool2d``, ``repeat``, ...), ``arg_scope``, its variable helpers
(``get_variables_to_restore``, ``get_model_variables``, ...), initializers, regularizers,
``slim.losses`` and ``slim.utils``. Variable names are slim's (``vgg_16/conv1/conv1_1/weights``,
``BatchNorm/moving_mean``), so a checkpoint of the TF-Slim model zoo loads by name. Inside
``flaxscope.transform`` they create variables in ``init`` and look them up in ``apply``,
like every other flaxscope layer.

Not here: ``slim.learning`` (a session loop; the train step is ``jax.value_and_grad`` and an
optimizer), ``slim.evaluation``, ``slim.queues``, ``slim.nets`` (the model zoo's definitions
are ordinary slim code built from these functions: bring the one you need).
"""

from __future__ import annotations

from typing import Any

from flaxscope.slim import initializers, losses, metrics, regularizers, utils
from flaxscope.slim.arg_scope import (
    add_arg_scope,
    arg_scope,
    arg_scope_func_key,
    arg_scoped_arguments,
    current_arg_scope,
    has_arg_scope,
)
from flaxscope.slim.convolutional import (
    conv1d,
    conv2d,
    conv2d_transpose,
    conv3d,
    conv3d_transpose,
    convolution,
    convolution1d,
    convolution2d,
    convolution2d_transpose,
    convolution3d,
    convolution3d_transpose,
    separable_conv2d,
    separable_convolution2d,
)
from flaxscope.slim.initializers import (
    variance_scaling_initializer,
    xavier_initializer,
    xavier_initializer_conv2d,
)
from flaxscope.slim.layers import (
    avg_pool2d,
    avg_pool3d,
    bias_add,
    dropout,
    flatten,
    fully_connected,
    linear,
    max_pool2d,
    max_pool3d,
    maxout,
    one_hot_encoding,
    repeat,
    softmax,
    stack,
    unit_norm,
)
from flaxscope.slim.layers import (
    relu6_layer as relu6,
)
from flaxscope.slim.layers import (
    relu_layer as relu,
)
from flaxscope.slim.normalization import batch_norm, group_norm, instance_norm, layer_norm
from flaxscope.slim.regularizers import (
    apply_regularization,
    l1_l2_regularizer,
    l1_regularizer,
    l2_regularizer,
    sum_regularizer,
)
from flaxscope.slim.variables import (
    add_model_variable,
    get_local_variables,
    get_model_variables,
    get_trainable_variables,
    get_unique_variable,
    get_variable_full_name,
    get_variables,
    get_variables_by_name,
    get_variables_by_suffix,
    get_variables_to_restore,
    global_variable,
    local_variable,
    model_variable,
    variable,
)
from flaxscope.train.global_step import (
    create_global_step,
    get_global_step,
    get_or_create_global_step,
)

__all__ = [
    "add_arg_scope",
    "add_model_variable",
    "apply_regularization",
    "arg_scope",
    "arg_scope_func_key",
    "arg_scoped_arguments",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "bias_add",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "convolution",
    "convolution1d",
    "convolution2d",
    "convolution2d_transpose",
    "convolution3d",
    "convolution3d_transpose",
    "create_global_step",
    "current_arg_scope",
    "dropout",
    "flatten",
    "fully_connected",
    "get_global_step",
    "get_local_variables",
    "get_model_variables",
    "get_or_create_global_step",
    "get_trainable_variables",
    "get_unique_variable",
    "get_variable_full_name",
    "get_variables",
    "get_variables_by_name",
    "get_variables_by_suffix",
    "get_variables_to_restore",
    "global_variable",
    "group_norm",
    "has_arg_scope",
    "initializers",
    "instance_norm",
    "l1_l2_regularizer",
    "l1_regularizer",
    "l2_regularizer",
    "layer_norm",
    "linear",
    "local_variable",
    "losses",
    "max_pool2d",
    "max_pool3d",
    "maxout",
    "metrics",
    "model_variable",
    "one_hot_encoding",
    "relu",
    "relu6",
    "regularizers",
    "repeat",
    "separable_conv2d",
    "separable_convolution2d",
    "softmax",
    "stack",
    "sum_regularizer",
    "unit_norm",
    "utils",
    "variable",
    "variance_scaling_initializer",
    "xavier_initializer",
    "xavier_initializer_conv2d",
]

_NOT_HERE = {
    "learning": (
        "slim.learning runs a TF1 session loop: write the train step as jax.value_and_grad "
        "of the transformed function and a flaxscope.train optimizer (docs/migration.md)"
    ),
    "evaluation": "slim.evaluation runs a TF1 session loop: evaluate with apply under jax.jit",
    "queues": "there are no input queues: feed arrays to the jitted step",
    "assign_from_checkpoint_fn": (
        "restore a pretrained checkpoint with flaxscope.checkpoint.init_from_checkpoint "
        "(TF1's assignment_map) or load_variables, choosing the variables with "
        "slim.get_variables_to_restore()"
    ),
    "assign_from_checkpoint": (
        "restore with flaxscope.checkpoint.init_from_checkpoint or load_variables"
    ),
    "nets": (
        "flaxscope does not ship the model zoo's network definitions; they are ordinary "
        "slim code built from the functions here, so bring the definition you need with "
        "your model"
    ),
}


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    hint = _NOT_HERE.get(
        name,
        "it is not implemented in flaxscope.slim: write it with flaxscope's tf.layers, tf.nn "
        "and get_variable, or open an issue",
    )
    raise AttributeError(f"slim.{name}: {hint}")
