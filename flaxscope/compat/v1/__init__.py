"""The ``tf`` namespace of TF1 code: ``import flaxscope.compat.v1 as tf``.

Scopes, variables, collections, initializers, layers, cells, optimizers, checkpoints and
the ops registered in :mod:`flaxscope.ops` keep their TF1 spelling. ``tf.nn``,
``tf.train``, ``tf.math``, ... are real modules (``from flaxscope.compat.v1.train import
AdamOptimizer`` works); a TF1 symbol flaxscope lacks raises an ``AttributeError`` naming
its ``tf.`` path and what to write instead.
"""

import contextlib
from collections.abc import Iterator
from typing import Any

import jax

from flaxscope import errors, nest
from flaxscope.compat.v1 import (
    app,
    bitwise,
    contrib,
    debugging,
    dtypes,
    flags,
    gfile,
    image,
    initializers,
    layers,
    linalg,
    logging,
    losses,
    manip,
    math,
    metrics,
    nn,
    random,
    sparse,
    summary,
    train,
)
from flaxscope.compat.v1._namespace import populate
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
from flaxscope.ops.clip import IndexedSlices
from flaxscope.ops.control_flow.tensor_array import TensorArray
from flaxscope.ops.sparse import SparseTensor
from flaxscope.ops.summary import Summary
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
from flaxscope.tensor_shape import (
    Dimension,
    TensorShape,
    dimension_at_index,
    dimension_value,
)
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
    get_variable,
    global_variables,
    local_variables,
    model_variables,
    moving_average_variables,
    no_regularizer,
    trainable_variables,
)

bool = bool_  # noqa: A001  (tf.bool)
string = dtypes.string  # tf.string: numpy's str dtype (JAX arrays cannot hold strings)
newaxis = None  # tf.newaxis: x[:, tf.newaxis] as in NumPy
Tensor = jax.Array  # isinstance(x, tf.Tensor) holds for the arrays flaxscope's ops return


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


__all__ = [
    "app",
    "bitwise",
    "contrib",
    "nest",
    "flags",
    "gfile",
    "debugging",
    "manip",
    "dtypes",
    "image",
    "linalg",
    "logging",
    "math",
    "metrics",
    "random",
    "sparse",
    "summary",
    "AUTO_REUSE",
    "Dimension",
    "SparseTensor",
    "Tensor",
    "TensorArray",
    "TensorShape",
    "dimension_at_index",
    "dimension_value",
    "newaxis",
    "GraphKeys",
    "IndexedSlices",
    "Summary",
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
    "string",
    "complex64",
    "complex128",
    "constant_initializer",
    "control_dependencies",
    "device",
    "double",
    "errors",
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

populate(globals(), "")
