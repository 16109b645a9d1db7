"""flaxscope: TensorFlow 1.x ``variable_scope`` / ``get_variable`` weight sharing on JAX.

The public API, re-exported. ``import flaxscope.compat.v1 as tf`` gives the same names
under TF1's spelling.
"""

from flaxscope import (
    checkpoint,
    dtypes,
    errors,
    initializers,
    layers,
    linen,
    losses,
    nn,
    orbax_io,
    selection,
    sharding,
    train,
)
from flaxscope.compilation_cache import enable_compilation_cache
from flaxscope.cpu_memory import keep_cpu_memory
from flaxscope.cpu_threads import pin_cpu_threads
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
from flaxscope.lift import scan
from flaxscope.rng import stable_hash
from flaxscope.scopes import (
    AUTO_REUSE,
    VariableScope,
    get_name_scope,
    get_variable_scope,
    name_scope,
    variable_scope,
)
from flaxscope.selection import scope_labels, scope_mask, train_only
from flaxscope.sharding import (
    ShardingRules,
    fixed_size_partitioner,
    min_max_variable_partitioner,
    sharding_rules,
    shardings,
    variable_axis_size_partitioner,
)
from flaxscope.store import GraphKeys, LeakedValueError, VariableRecord
from flaxscope.summaries import Summary, summary
from flaxscope.templates import Template, make_template
from flaxscope.transform import (
    Transformed,
    default_variables,
    next_rng_key,
    reset_default_graph,
    set_random_seed,
    transform,
)
from flaxscope.variables import (
    Variable,
    add_to_collection,
    add_to_collections,
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
    name_of,
    trainable_variables,
    variable_record,
)
from flaxscope.xla_cpu import xla_cpu_compiler_options, xla_cpu_convolutions

__version__ = "0.1.0"


__all__ = [
    "enable_compilation_cache",
    "keep_cpu_memory",
    "pin_cpu_threads",
    "xla_cpu_convolutions",
    "xla_cpu_compiler_options",
    "train",
    "orbax_io",
    "nn",
    "linen",
    "checkpoint",
    "AUTO_REUSE",
    "GraphKeys",
    "LeakedValueError",
    "ShardingRules",
    "Summary",
    "Template",
    "Transformed",
    "Variable",
    "VariableRecord",
    "VariableScope",
    "add_to_collection",
    "add_to_collections",
    "assign",
    "assign_add",
    "assign_sub",
    "constant_initializer",
    "default_variables",
    "dtypes",
    "errors",
    "fixed_size_partitioner",
    "get_collection",
    "get_collection_ref",
    "get_local_variable",
    "get_name_scope",
    "get_regularization_loss",
    "get_variable",
    "get_variable_scope",
    "global_variables",
    "glorot_normal_initializer",
    "glorot_uniform_initializer",
    "identity_initializer",
    "initializers",
    "layers",
    "local_variables",
    "losses",
    "make_template",
    "min_max_variable_partitioner",
    "model_variables",
    "name_of",
    "name_scope",
    "next_rng_key",
    "ones_initializer",
    "orthogonal_initializer",
    "random_normal_initializer",
    "random_uniform_initializer",
    "reset_default_graph",
    "scan",
    "scope_labels",
    "scope_mask",
    "selection",
    "sharding",
    "set_random_seed",
    "sharding_rules",
    "shardings",
    "stable_hash",
    "summary",
    "train_only",
    "trainable_variables",
    "transform",
    "truncated_normal_initializer",
    "uniform_unit_scaling_initializer",
    "variable_axis_size_partitioner",
    "variable_record",
    "variable_scope",
    "variance_scaling_initializer",
    "zeros_initializer",
]
