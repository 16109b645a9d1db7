"""TF-Slim's variable helpers: model variables and the queries over collections.

A *model variable* is one the model's computation reads (weights, biases, batch-norm
statistics), as opposed to bookkeeping such as the global step: slim's layers create theirs
with :func:`model_variable`, which adds the ``MODEL_VARIABLES`` collection. The queries
return collection items (``.name``, ``.value``, ...) of the running call, in creation order,
and take TF's ``scope`` (a regular expression matched at the start of the name) and
``suffix`` filters. TF1 equivalent: ``tf.contrib.framework`` / ``tf_slim.variables``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jax

from flaxscope.scopes import VariableScope, get_variable_scope
from flaxscope.slim.arg_scope import add_arg_scope
from flaxscope.store import GraphKeys
from flaxscope.variables import Variable, add_to_collection, get_collection, get_variable
from flaxscope.variables import variable_record as _record

__all__ = [
    "add_model_variable",
    "get_local_variables",
    "get_model_variables",
    "get_trainable_variables",
    "get_unique_variable",
    "get_variable_full_name",
    "get_variables",
    "get_variables_by_name",
    "get_variables_by_suffix",
    "get_variables_to_restore",
    "global_variable",
    "local_variable",
    "model_variable",
    "variable",
]


@add_arg_scope
def variable(
    name: str,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Callable | None = None,
    trainable: bool = True,
    collections: Iterable[str] | None = None,
    caching_device: Any = None,
    device: Any = None,
    partitioner: Callable | None = None,
    custom_getter: Callable | None = None,
    use_resource: bool | None = None,
    synchronization: Any = None,
    aggregation: Any = None,
) -> jax.Array:
    """``slim.variable``: ``get_variable`` in ``collections`` (default: the global
    variables; each once); a ``custom_getter`` is called with the scope's ``reuse``."""
    del device, synchronization, aggregation  # placement is XLA's
    collections = list(
        dict.fromkeys(collections if collections is not None else [GraphKeys.GLOBAL_VARIABLES])
    )
    getter: Callable = get_variable
    if custom_getter is not None:
        getter = functools.partial(custom_getter, reuse=get_variable_scope().reuse)
    return getter(
        name,
        shape=shape,
        dtype=dtype,
        initializer=initializer,
        regularizer=regularizer,
        trainable=trainable,
        collections=collections,
        caching_device=caching_device,
        partitioner=partitioner,
        use_resource=use_resource,
    )


@add_arg_scope
def model_variable(
    name: str,
    shape: Sequence[int] | None = None,
    dtype: Any = "float32",
    initializer: Any = None,
    regularizer: Callable | None = None,
    trainable: bool = True,
    collections: Iterable[str] | None = None,
    caching_device: Any = None,
    device: Any = None,
    partitioner: Callable | None = None,
    custom_getter: Callable | None = None,
    use_resource: bool | None = None,
    synchronization: Any = None,
    aggregation: Any = None,
) -> jax.Array:
    """``slim.model_variable``: :func:`variable` also in ``GLOBAL_VARIABLES`` and
    ``MODEL_VARIABLES`` (float32 unless ``dtype`` says otherwise)."""
    collections = [*(collections or []), GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES]
    return variable(
        name,
        shape=shape,
        dtype=dtype,
        initializer=initializer,
        regularizer=regularizer,
        trainable=trainable,
        collections=collections,
        caching_device=caching_device,
        device=device,
        partitioner=partitioner,
        custom_getter=custom_getter,
        use_resource=use_resource,
    )


def add_model_variable(var: Any) -> None:
    """``slim.add_model_variable``: adds a variable to ``MODEL_VARIABLES`` (once)."""
    record = _record(var)
    if all(item is not record for item in get_collection(GraphKeys.MODEL_VARIABLES)):
        add_to_collection(GraphKeys.MODEL_VARIABLES, record)


def local_variable(
    initial_value: Any,
    validate_shape: bool = True,
    name: str | None = None,
    use_resource: bool | None = None,
) -> jax.Array:
    """``slim.local_variable``: a non-trainable variable in ``LOCAL_VARIABLES`` only."""
    return Variable(
        initial_value,
        trainable=False,
        collections=[GraphKeys.LOCAL_VARIABLES],
        validate_shape=validate_shape,
        name=name,
    )


def global_variable(
    initial_value: Any,
    validate_shape: bool = True,
    name: str | None = None,
    use_resource: bool | None = None,
) -> jax.Array:
    """``slim.global_variable``: a non-trainable variable in ``GLOBAL_VARIABLES`` only."""
    return Variable(
        initial_value,
        trainable=False,
        collections=[GraphKeys.GLOBAL_VARIABLES],
        validate_shape=validate_shape,
        name=name,
    )


def get_variables(
    scope: str | VariableScope | None = None,
    suffix: str | None = None,
    collection: str = GraphKeys.GLOBAL_VARIABLES,
) -> list:
    """``slim.get_variables``: the items of ``collection`` whose name matches ``scope`` (a
    regular expression from the start of the name) and ends in ``suffix``."""
    if isinstance(scope, VariableScope):
        scope = scope.name
    if suffix is not None:
        if ":" not in suffix:
            suffix += ":"
        scope = (scope or "") + ".*" + suffix
    return get_collection(collection, scope)


def get_model_variables(scope: str | None = None, suffix: str | None = None) -> list:
    """``slim.get_model_variables``: :func:`get_variables` of ``MODEL_VARIABLES``."""
    return get_variables(scope, suffix, GraphKeys.MODEL_VARIABLES)


def get_local_variables(scope: str | None = None, suffix: str | None = None) -> list:
    """``slim.get_local_variables``: :func:`get_variables` of ``LOCAL_VARIABLES``."""
    return get_variables(scope, suffix, GraphKeys.LOCAL_VARIABLES)


def get_trainable_variables(scope: str | None = None, suffix: str | None = None) -> list:
    """``slim.get_trainable_variables``: :func:`get_variables` of ``TRAINABLE_VARIABLES``."""
    return get_variables(scope, suffix, GraphKeys.TRAINABLE_VARIABLES)


def get_variables_to_restore(
    include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
) -> list:
    """``slim.get_variables_to_restore``: the global variables under any scope of
    ``include`` (all when ``None``) and under no scope of ``exclude``; the list to give a
    ``Saver`` that restores a pretrained checkpoint into part of a model."""
    if include is None:
        chosen = get_variables()
    else:
        chosen = [v for scope in include for v in get_variables(scope)]
    dropped = {id(v) for scope in exclude or () for v in get_variables(scope)}
    return [v for v in chosen if id(v) not in dropped]


def get_variables_by_suffix(suffix: str, scope: str | None = None) -> list:
    """``slim.get_variables_by_suffix``: the global variables whose name ends in ``suffix``."""
    return get_variables(scope=scope, suffix=suffix)


def get_variables_by_name(given_name: str, scope: str | None = None) -> list:
    """``slim.get_variables_by_name``: the global variables whose last name part is
    ``given_name``."""
    return get_variables(scope=scope, suffix=f"/{given_name}:|^{given_name}:")


def get_unique_variable(var_op_name: str) -> Any:
    """``slim.get_unique_variable``: the one variable named ``var_op_name`` (no ``:0``)."""
    candidates = get_variables(scope=var_op_name)
    if not candidates:
        raise ValueError(f"Couldn't find variable {var_op_name}")
    for candidate in candidates:
        if candidate.op_name == var_op_name:
            return candidate
    raise ValueError(f"Variable {var_op_name} does not uniquely identify a variable")


def get_variable_full_name(var: Any) -> str:
    """``slim.get_variable_full_name``: the variable's name without ``:0`` (its key in a
    checkpoint)."""
    return (var if hasattr(var, "op_name") else _record(var)).op_name
