"""``tf.contrib.framework``: ``arg_scope``, slim's variable helpers, checkpoint reading,
``nest``."""

from typing import Any

from flaxscope import nest
from flaxscope.compat.v1._missing import missing_message
from flaxscope.compat.v1.train import (
    init_from_checkpoint,
    list_variables,
    load_checkpoint,
    load_variable,
)
from flaxscope.ops import registry
from flaxscope.scopes import current
from flaxscope.slim import (
    add_arg_scope,
    add_model_variable,
    arg_scope,
    arg_scope_func_key,
    arg_scoped_arguments,
    create_global_step,
    current_arg_scope,
    get_global_step,
    get_local_variables,
    get_model_variables,
    get_or_create_global_step,
    get_trainable_variables,
    get_unique_variable,
    get_variable_full_name,
    get_variables,
    get_variables_by_name,
    get_variables_by_suffix,
    get_variables_to_restore,
    global_variable,
    has_arg_scope,
    local_variable,
    model_variable,
    variable,
)

__all__ = [
    "add_arg_scope",
    "add_model_variable",
    "arg_scope",
    "arg_scope_func_key",
    "arg_scoped_arguments",
    "create_global_step",
    "current_arg_scope",
    "get_global_step",
    "get_local_variables",
    "get_model_variables",
    "get_name_scope",
    "get_or_create_global_step",
    "get_trainable_variables",
    "get_unique_variable",
    "get_variable_full_name",
    "get_variables",
    "get_variables_by_name",
    "get_variables_by_suffix",
    "get_variables_to_restore",
    "global_variable",
    "has_arg_scope",
    "init_from_checkpoint",
    "list_variables",
    "load_checkpoint",
    "load_variable",
    "local_variable",
    "model_variable",
    "nest",
    "sort",
    "variable",
]


sort = registry()["sort"].fn


def get_name_scope() -> str:
    """``tf.contrib.framework.get_name_scope``: the current name scope, without its final
    ``/`` (``""`` at the top)."""
    return current().name_stack


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(missing_message(f"contrib.framework.{name}"))
