"""``tf.get_variable``, ``tf.Variable``, collections and assignment on the functional store.

``get_variable`` follows ``VariableScope.get_variable`` → ``_VariableStore.get_variable`` →
``_get_single_variable`` in TF's ``variable_scope.py``: the same argument defaults and
inheritance, the same checks in the same order, the same error messages (with a sentence
on the fix added). What differs is only where the value comes from: in ``init`` (and in the
eager default store) it is the initializer's output, keyed by
``fold_in(rng, stable_hash(name))``; in ``apply`` it is the leaf of the given tree.

Values are plain JAX arrays. ``name_of(value)`` answers TF's ``value.name``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import initializers as _init
from flaxscope import rng as _rng
from flaxscope import store
from flaxscope._variable_args import (
    as_shape,
    convert_value,
    natural_dtype,
    numeric_dtype,
    shape_compatible,
    shape_str,
    tf_dtype_repr,
)
from flaxscope.dtypes import as_dtype, float32, is_bool, is_floating, is_integer
from flaxscope.scopes import (
    ScopeState,
    check_scope_name,
    current,
    name_scope,
)
from flaxscope.store import GraphKeys, VariableRecord

_NOTEBOOK_HINT = (
    " If you are re-running a notebook cell, the default graph still holds the variables "
    "of the last run: call flaxscope.reset_default_graph() first (TF1: "
    "tf.reset_default_graph()), or build the model inside flaxscope.transform, where each "
    "init/apply call starts from an empty graph."
)


_STRING_INITIALIZER_HINT = (
    " (A string initializer is a constant value in TF1, not the name of an initializer: "
    "for {init!r} pass an initializer object, e.g. initializer=tf.zeros_initializer(), "
    "with shape=.)"
)


@functools.lru_cache(maxsize=4096)
def _compiled_initializer(initializer: _init.Initializer, shape: tuple[int, ...], dtype):
    def run(rng: jax.Array, name_hash: jax.Array) -> jax.Array:
        return initializer(list(shape), dtype=dtype, key=jax.random.fold_in(rng, name_hash))

    return jax.jit(run)


def _initial_value(
    frame: store.Frame,
    op_name: str,
    initializer: Any,
    shape: tuple[int, ...] | None,
    dtype: np.dtype,
    partition_info: Any = None,
) -> jax.Array:
    """Runs ``initializer`` for a new variable, with the variable's own key."""
    rng = frame.variable_rng()
    if isinstance(initializer, _init.Initializer) and shape is not None:
        fn = _compiled_initializer(initializer, shape, dtype)
        return fn(rng, np.uint32(_rng.stable_hash(op_name)))
    with _rng.key_context(_rng.variable_key(rng, op_name)):
        if shape is None:
            return initializer()
        if _accepts_partition_info(initializer):
            return initializer(list(shape), dtype=dtype, partition_info=partition_info)
        return initializer(list(shape), dtype=dtype)


def _accepts_partition_info(fn: Callable) -> bool:
    try:
        return "partition_info" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _needs_no_arguments(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return not any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in params
    )


# TF builds a fresh default initializer per variable; these are frozen, so one each will do.
_GLOROT_UNIFORM = _init.glorot_uniform_initializer()
_ZEROS = _init.zeros_initializer()
# _default_initializer's answers for the common dtypes, looked up without a call.
_DEFAULT_INITIALIZERS = {
    np.dtype(t): (_GLOROT_UNIFORM if np.issubdtype(t, np.floating) else _ZEROS)
    for t in (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64)
}


def _default_initializer(name: str, dtype: np.dtype):
    if is_floating(dtype):
        return _GLOROT_UNIFORM
    if is_integer(dtype) or is_bool(dtype):
        return _ZEROS
    raise ValueError(
        f"An initializer for variable {name} of {tf_dtype_repr(dtype)} is required. "
        "Pass initializer= to get_variable."
    )


_DEFAULT_COLLECTIONS = {
    True: (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES),
    False: (GraphKeys.GLOBAL_VARIABLES,),
}


def _variable_collections(collections: Any, trainable: bool) -> Sequence[str]:
    if collections is None:
        return _DEFAULT_COLLECTIONS[bool(trainable)]
    if not isinstance(collections, (list, tuple, set)):
        raise ValueError(
            "collections argument to Variable constructor must be a list, tuple, or set. "
            f"Got {collections} of type {type(collections)}"
        )
    if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
        collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
    # TF adds to a set of collection names, so each collection gets the variable once.
    return list(dict.fromkeys(collections))


class _RegularizationLoss(store.Deferred):
    """TF's lazily evaluated regularization loss of one variable."""

    __slots__ = ("name", "regularizer", "record")

    def __init__(self, regularizer: Callable, record: VariableRecord) -> None:
        self.name = record.op_name + "/Regularizer/"
        self.regularizer = regularizer
        self.record = record

    def evaluate(self) -> jax.Array:
        return self.regularizer(self.record.value)


# --- get_variable ---------------------------------------------------------------------
def _true_getter(name: str, *args: Any, **kwargs: Any) -> jax.Array:
    """``_VariableStore._get_single_variable``, one thread at a time per store.

    The lookup and the creation are one step, so threads sharing the default store (TF1's
    default graph) that ``AUTO_REUSE`` one name make one variable (TF1 can make several).
    """
    with store.current_frame().lock:
        return _get_single_variable(name, *args, **kwargs)


def _get_single_variable(
    name: str,
    shape: Any = None,
    dtype: Any = float32,
    initializer: Any = None,
    regularizer: Callable | None = None,
    reuse: Any = None,
    trainable: bool | None = None,
    collections: Any = None,
    caching_device: Any = None,
    partitioner: Callable | None = None,
    validate_shape: bool = True,
    use_resource: bool | None = None,
    constraint: Callable | None = None,
    synchronization: Any = None,
    aggregation: Any = None,
    state: ScopeState | None = None,
) -> jax.Array:
    """``_VariableStore._get_single_variable``; ``state`` is the current scope state
    (``get_variable`` passes the one it already holds)."""
    del caching_device, use_resource, synchronization, aggregation
    if partitioner is not None and not callable(partitioner):
        raise ValueError(f"Partitioner must be callable, but received: {partitioner}")
    if state is None:
        state = current()
    frame = state.frame
    if trainable is None:
        trainable = True
    initializing_from_value = initializer is not None and not callable(initializer)
    if shape is not None and initializing_from_value:
        message = "If initializer is a constant, do not specify shape."
        if isinstance(initializer, (str, bytes)):
            message += _STRING_INITIALIZER_HINT.format(init=initializer)
        raise ValueError(message)
    if initializing_from_value and isinstance(initializer, (str, bytes)):
        raise TypeError(
            f"Variable {name}: initializer={initializer!r} is a string constant, from which "
            "TF1 makes a tf.string variable; flaxscope variables hold numbers."
            + _STRING_INITIALIZER_HINT.format(init=initializer)
        )
    dtype = as_dtype(dtype)
    if dtype.kind in "OSU":  # the common case (a number) costs no call
        numeric_dtype(dtype, name)
    if shape is not None:
        shape = as_shape(shape)

    found = frame.shared_variable(name)
    if found is not None:
        if reuse is False:
            message = (
                f"Variable {name} already exists, disallowed. Did you mean to set reuse=True "
                "or reuse=tf.AUTO_REUSE in VarScope?"
            )
            if frame.variables_exist:
                message += _EXIST_HINT
            raise ValueError(message + (_NOTEBOOK_HINT if frame.default else ""))
        if shape is not None and not shape_compatible(shape, found.shape):
            raise ValueError(
                f"Trying to share variable {name}, but specified shape {shape_str(shape)} "
                f"and found shape {shape_str(found.shape)}."
            )
        if dtype != found.dtype:
            raise ValueError(
                f"Trying to share variable {name}, but specified dtype {dtype.name} and "
                f"found dtype {found.dtype.name}."
            )
        return found.value

    if reuse is True:
        raise ValueError(
            f"Variable {name} does not exist, or was not created with tf.get_variable(). "
            "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?" + _given_hint(frame, name)
        )

    if initializer is None:
        if shape is None:
            raise ValueError(
                f"Variable {name} did not get an initializer, so its `shape` argument must be "
                "specified."
            )
        initializer = _DEFAULT_INITIALIZERS.get(dtype)
        if initializer is None:
            initializer = _default_initializer(name, dtype)
    if collections is None:
        collections = _DEFAULT_COLLECTIONS[bool(trainable)]
    else:
        collections = _variable_collections(collections, trainable)

    # The initializer is checked first; the op name is taken only when the variable is
    # built (TF: ``ops.name_scope(name, "Variable")`` in the Variable's constructor). The
    # ``make_value`` closures below read ``op_name`` when they run, after it is set.
    if initializing_from_value:
        init_value = initializer

        def make_value() -> jax.Array:
            return convert_value(init_value)

        declared_shape: tuple[int, ...] | None = tuple(np.shape(init_value))
        declared_dtype: np.dtype | None = natural_dtype(init_value)
    else:
        if isinstance(initializer, type):  # inspect.isclass, without the call
            initializer = initializer()
        if shape is not None and None not in shape:
            full_shape: tuple[int, ...] = shape  # type: ignore[assignment]

            def make_value() -> jax.Array:
                value = _initial_value(frame, op_name, initializer, full_shape, dtype)
                if getattr(value, "dtype", None) == dtype:
                    return value  # the usual case: no second dispatch
                return jnp.asarray(value, dtype=dtype)

            declared_shape, declared_dtype = full_shape, dtype
        elif _needs_no_arguments(initializer):
            init_fn = initializer

            def make_value() -> jax.Array:
                return convert_value(_initial_value(frame, op_name, init_fn, None, dtype))

            declared_shape, declared_dtype = None, None
        else:
            raise ValueError(
                "The initializer passed is not valid. It should be a callable with no "
                "arguments and the shape should not be provided or an instance of "
                "`tf.keras.initializers.*' and `shape` should be fully defined. "
                f"(Variable {name}: give it a fully defined shape, e.g. shape=[3, 4].)"
            )
    op_name = _variable_op_name(name, state)
    record = frame.create_or_lookup(
        op_name,
        make_value,
        declared_shape,
        declared_dtype,
        trainable,
        collections,
        constraint,
        partitioner,
        shared_name=name,
    )
    if regularizer:
        if regularizer(record.value) is not None:
            frame.add_to_collection(
                GraphKeys.REGULARIZATION_LOSSES, _RegularizationLoss(regularizer, record)
            )
    return record.value


def _given_hint(frame: store.Frame, name: str) -> str:
    if frame.mode != store.APPLY or frame.given_collection(name) is None:
        return ""
    return (
        f" {name} is in the variables given to apply, but nothing in this call created it "
        "first, and TF1 reuses only variables created earlier in the same graph. To run a "
        "model built with reuse=True (an evaluation model sharing the training model's "
        "weights) by itself, use flaxscope.transform(fn, variables_exist=True)."
    )


def adopt_given_variables() -> None:
    """``transform(..., variables_exist=True)``: every variable of the tree given to
    ``apply`` becomes a variable of this call before the function runs.

    TF1 equivalent: the graph already holds them, made by another model (the training
    model, before the evaluation models that reopen its scope with ``reuse=True``). So
    ``reuse=True`` and ``AUTO_REUSE`` find them (no shape needed), creating one again
    raises TF1's ``already exists`` error, the collections list them all (params first,
    each collection in the tree's order; a scalar integer ``.../global_step`` is the
    ``GLOBAL_STEP``), and their scope names count as taken, as in TF1's graph.
    """
    frame = store.current_frame()
    # No sharding constraint: the partitioner that laid a variable out belongs to the model
    # that created it, and the given arrays already carry that layout into jit.
    with frame.without_layout():
        _adopt_all(frame)


def _adopt_all(frame: store.Frame) -> None:
    for collection in (store.PARAMS, store.STATE):
        trainable = collection == store.PARAMS
        for name, value in frame.given(collection).items():
            frame.take_existing_name(name)
            collections = list(_variable_collections(None, trainable))
            if (
                not trainable
                and name.rsplit("/", 1)[-1] == GraphKeys.GLOBAL_STEP
                and np.ndim(value) == 0
                and np.issubdtype(store.dtype_of(value), np.integer)
            ):
                collections.append(GraphKeys.GLOBAL_STEP)
            frame.create_or_lookup(
                name, None, None, None, trainable, collections, None, shared_name=name
            )


_EXIST_HINT = (
    " (transform(..., variables_exist=True) counts the variables given to apply as already "
    "created, as by another model of the same TF1 graph.)"
)


def _variable_op_name(name: str | None, state: ScopeState | None = None) -> str:
    """The op name TF's Variable constructor takes: ``ops.name_scope(name, "Variable")``.

    The name is checked against TF's scope-name regex and uniquified in the current name
    scope (``get_variable`` resets it to the root first, so its full name is uniquified
    there: ``w_1`` if an op or scope ``w`` exists). As in TF, a name ending in ``/`` is
    taken as an absolute scope (``"w/"`` names the variable ``w``) and ``""`` gives ``""``.
    """
    if isinstance(name, str) and name and name[-1] != "/":
        # The common case, without a name_scope object: what entering one would return.
        state = state or current()
        check_scope_name(name, nested=bool(state.name_stack))
        full = f"{state.name_stack}/{name}" if state.name_stack else name
        return state.frame.unique_name(full)
    with name_scope(name, "Variable") as scope_name:
        return scope_name[:-1] if scope_name.endswith("/") else scope_name


def _scope_get_variable(
    state: ScopeState,
    name: str,
    shape: Any = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Callable | None = None,
    reuse: Any = None,
    trainable: bool | None = None,
    collections: Any = None,
    caching_device: Any = None,
    partitioner: Callable | None = None,
    validate_shape: bool = True,
    use_resource: bool | None = None,
    custom_getter: Callable | None = None,
    constraint: Callable | None = None,
    synchronization: Any = None,
    aggregation: Any = None,
) -> jax.Array:
    """``VariableScope.get_variable`` (of ``state``'s current scope) followed by
    ``_VariableStore.get_variable``."""
    scope = state.var_scope
    if regularizer is None:
        regularizer = scope.regularizer
    if caching_device is None:
        caching_device = scope.caching_device
    if partitioner is None:
        partitioner = scope.partitioner
    if custom_getter is None:
        custom_getter = scope.custom_getter
    if reuse is None:
        reuse = scope.reuse
    scope_name = scope.name
    full_name = scope_name + "/" + name if scope_name else name
    if dtype is not None and initializer is not None and not callable(initializer):
        init_dtype = natural_dtype(initializer)
        if init_dtype != as_dtype(dtype):
            raise ValueError(
                f"Initializer type '{tf_dtype_repr(init_dtype)}' and explicit dtype "
                f"'{tf_dtype_repr(as_dtype(dtype))}' don't match."
            )
    if initializer is None:
        initializer = scope.initializer
    if constraint is None:
        constraint = scope.constraint
    if dtype is None:
        dtype = scope.dtype

    kwargs: dict[str, Any] = {}
    if custom_getter is not None:
        if not callable(custom_getter):
            raise ValueError(f"Passed a custom_getter which is not callable: {custom_getter}")
        kwargs = dict(
            getter=_true_getter,
            name=full_name,
            shape=shape,
            dtype=dtype,
            initializer=initializer,
            regularizer=regularizer,
            reuse=reuse,
            trainable=trainable,
            collections=collections,
            caching_device=caching_device,
            partitioner=partitioner,
            validate_shape=validate_shape,
            use_resource=use_resource,
            synchronization=synchronization,
            aggregation=aggregation,
        )
        if _takes_constraint(custom_getter):
            kwargs["constraint"] = constraint
    # Variable names depend on the variable scope only: TF resets the name scope here.
    old_stack, state.name_stack = state.name_stack, ""
    try:
        if custom_getter is not None:
            return custom_getter(**kwargs)
        # The hot path (every variable of every call): positional arguments, no wrapper.
        args = (
            full_name,
            shape,
            dtype,
            initializer,
            regularizer,
            reuse,
            trainable,
            collections,
            caching_device,
            partitioner,
            validate_shape,
            use_resource,
            constraint,
            None,
            None,
            state,
        )
        if state.frame.default:  # only the default graph is shared between threads
            with state.frame.lock:
                return _get_single_variable(*args)
        return _get_single_variable(*args)
    finally:
        state.name_stack = old_stack


def _takes_constraint(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "constraint" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def get_variable(
    name: str,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Callable | None = None,
    trainable: bool | None = None,
    collections: Iterable[str] | None = None,
    caching_device: Any = None,
    partitioner: Callable | None = None,
    validate_shape: bool = True,
    use_resource: bool | None = None,
    custom_getter: Callable | None = None,
    constraint: Callable | None = None,
    synchronization: Any = None,
    aggregation: Any = None,
) -> jax.Array:
    """``tf.compat.v1.get_variable``: creates or reuses ``<variable scope>/name``.

    Returns the variable's value as a JAX array. With the current scope's ``reuse`` False a
    second creation fails (``already exists, disallowed``); with ``reuse=True`` a missing
    one fails (``does not exist``); ``AUTO_REUSE`` creates or returns. The name ignores
    ``name_scope``. With no initializer, floats get ``glorot_uniform`` and integers/bools
    zeros, as in TF1; the scope's ``initializer``, ``regularizer``, ``dtype``,
    ``partitioner``, ``custom_getter`` and ``constraint`` apply when not given here.
    """
    if initializer is not None and not callable(initializer):
        store.current_frame().consume_initial_value(initializer)
    # Positional arguments: keyword matching of 16 arguments is a large part of the
    # per-variable cost of a call that creates thousands.
    return _scope_get_variable(
        current(),
        name,
        shape,
        dtype,
        initializer,
        regularizer,
        None,  # reuse: the scope's
        trainable,
        collections,
        caching_device,
        partitioner,
        validate_shape,
        use_resource,
        custom_getter,
        constraint,
        synchronization,
        aggregation,
    )


def Variable(  # noqa: N802  (TF1's name)
    initial_value: Any = None,
    trainable: bool | None = None,
    collections: Iterable[str] | None = None,
    validate_shape: bool = True,
    caching_device: Any = None,
    name: str | None = None,
    variable_def: Any = None,
    dtype: Any = None,
    expected_shape: Any = None,
    import_scope: Any = None,
    constraint: Callable | None = None,
    use_resource: bool | None = None,
    synchronization: Any = None,
    aggregation: Any = None,
    shape: Any = None,
) -> jax.Array:
    """``tf.compat.v1.Variable``: a new variable named by the current *name* scope.

    Never shared: each call creates a variable (``weights``, ``weights_1``, ...), and
    ``get_variable`` cannot find it. The name comes from ``name_scope`` (and the name scope
    a ``variable_scope`` opened), not from the variable scope.
    """
    del caching_device, variable_def, expected_shape, import_scope, use_resource
    del synchronization, aggregation
    if initial_value is None:
        raise ValueError(
            "The `initial_value` arg to `tf.Variable` must be specified except when you are "
            "not providing a `variable_def`. You provided neither."
        )
    if trainable is None:
        trainable = True
    collections = _variable_collections(collections, trainable)
    dtype = numeric_dtype(as_dtype(dtype), name) if dtype is not None else None
    if isinstance(initial_value, (str, bytes)):
        raise TypeError(
            f"Variable({initial_value!r}): a string initial value makes a tf.string variable "
            "in TF1; flaxscope variables hold numbers (JAX arrays)."
        )
    frame = store.current_frame()
    op_name = _variable_op_name(name)
    frame.consume_initial_value(initial_value)
    if callable(initial_value):
        declared_shape = None
        declared_dtype = dtype

        def make_value() -> jax.Array:
            with _rng.key_context(_rng.variable_key(frame.variable_rng(), op_name)):
                return convert_value(initial_value(), dtype)
    else:
        declared_shape = tuple(np.shape(initial_value))
        declared_dtype = dtype if dtype is not None else natural_dtype(initial_value)

        def make_value() -> jax.Array:
            return convert_value(initial_value, dtype)

    if shape is not None:
        declared_shape = as_shape(shape)
    if not validate_shape:
        declared_shape = None
    record = frame.create_or_lookup(
        op_name,
        make_value,
        declared_shape,
        declared_dtype,
        trainable,
        collections,
        constraint,
    )
    return record.value


# --- names and records ----------------------------------------------------------------
def _record_of(value: Any) -> VariableRecord:
    if isinstance(value, VariableRecord):
        return value
    frame = store.current_frame()
    if isinstance(value, str):
        op_name = value[:-2] if value.endswith(":0") else value
        record = frame.record(op_name)
        if record is None:
            raise ValueError(f"No variable named {op_name} in this call.")
        return record
    record = frame.record_of(value)
    if record is None:
        if isinstance(value, jax.core.Tracer) or not frame.op_names():
            hint = (
                " If it came from another init/apply call (or the default graph), it cannot "
                "be used here: each call has its own variables; pass values in as arguments."
            )
        else:
            hint = ""
        raise ValueError(
            f"{type(value).__name__} of shape {getattr(value, 'shape', '?')} is not a variable "
            "of this call: name_of and assign take the very value that get_variable or "
            "Variable returned (or a result of assign), not a value computed from it." + hint
        )
    return record


def name_of(value: Any) -> str:
    """The TF name (``"v_scope/Weights:0"``) of a value ``get_variable``/``Variable`` returned.

    TF1: ``variable.name``.
    """
    return _record_of(value).name


def variable_record(value: Any) -> VariableRecord:
    """The collection item (``.name``, ``.shape``, ``.dtype``, ``.trainable``) of a value."""
    return _record_of(value)


# --- collections ----------------------------------------------------------------------
def get_collection(key: str, scope: str | None = None) -> list:
    """``tf.compat.v1.get_collection``: the items of ``key``, filtered by ``re.match(scope)``.

    Items are in the order they were added; variables are :class:`VariableRecord`\\ s.
    """
    return store.current_frame().collection(key, scope)


def get_collection_ref(key: str) -> list:
    """``tf.compat.v1.get_collection_ref``: the live list of a collection."""
    return store.current_frame().collection_ref(key)


def add_to_collection(name: str, value: Any) -> None:
    """``tf.compat.v1.add_to_collection``."""
    store.current_frame().add_to_collection(name, value)


def add_to_collections(names: str | Iterable[str], value: Any) -> None:
    """``tf.compat.v1.add_to_collections``: each collection once."""
    names = (names,) if isinstance(names, str) else set(names)
    for name in names:
        add_to_collection(name, value)


def get_all_collection_keys() -> list[str]:
    return store.current_frame().collection_keys()


def global_variables(scope: str | None = None) -> list[VariableRecord]:
    """``tf.compat.v1.global_variables``: this call's variables (optionally of a scope).

    For the variables of a tree, outside any call, use
    :func:`flaxscope.selection.global_variables`.
    """
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope: str | None = None) -> list[VariableRecord]:
    """``tf.compat.v1.trainable_variables``: this call's trainable variables.

    For the trainable variables of a tree (TF1's ``var_list`` for ``minimize``), outside
    any call, use :func:`flaxscope.selection.trainable_variables`.
    """
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope: str | None = None) -> list[VariableRecord]:
    """``tf.compat.v1.local_variables``."""
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope: str | None = None) -> list[VariableRecord]:
    """``tf.compat.v1.model_variables``."""
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope: str | None = None) -> list[VariableRecord]:
    """``tf.compat.v1.moving_average_variables``."""
    return get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def get_regularization_loss(
    scope: str | None = None, name: str = "total_regularization_loss"
) -> jax.Array:
    """``tf.compat.v1.losses.get_regularization_loss``: the sum of the regularization losses."""
    del name
    losses = get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)
    if not losses:
        return jnp.asarray(0.0, jnp.float32)
    return functools.reduce(jnp.add, losses)


# --- assignment -----------------------------------------------------------------------
def _assign(ref: Any, compute: Callable[[jax.Array], jax.Array], validate_shape: bool):
    record = _record_of(ref)
    frame = store.current_frame()
    if record.frame is not frame:
        raise ValueError(f"Variable {record.name} belongs to another init/apply call.")
    if frame.lifted_depth():
        raise ValueError(
            f"Variable {record.name} is assigned inside the body of flaxscope.scan (or "
            "dynamic_rnn, tf.cond, tf.while_loop, tf.map_fn), which is not supported: the "
            "body is traced once for all steps and branches. Return the value from the "
            "body (the scan's carry, the loop's variables) and assign it afterwards."
        )
    if not frame.may_assign(record.collection):
        how = "mutable=True" if record.collection == store.STATE else "mutable=['params']"
        raise ValueError(
            f"Variable {record.name} is in variables['{record.collection}'], which this apply "
            f"call may not change. Call apply(..., {how}) to get the updated values back."
        )
    new = jnp.asarray(compute(record.value), dtype=record.raw_value.dtype)
    if validate_shape and tuple(new.shape) != record.shape:
        raise ValueError(
            f"Cannot assign a value of shape {tuple(new.shape)} to variable {record.name} of "
            f"shape {record.shape}."
        )
    if isinstance(new, jax.core.Tracer):
        store.guard_trace(frame, record.name, new, assigned=True)
    frame.assign(record, new)
    return new


def assign(
    ref: Any, value: Any, validate_shape: bool = True, use_locking: Any = None, name: Any = None
) -> jax.Array:
    """``tf.compat.v1.assign``: sets a variable for the rest of the call and returns it.

    In ``apply`` the variable's collection must be mutable (``mutable=True`` updates
    ``state``); the new values come back from ``apply``. In the default store the new value
    stays, as after ``sess.run(tf.assign(...))``.
    """
    del use_locking, name
    return _assign(ref, lambda old: value, validate_shape)


def assign_add(ref: Any, value: Any, use_locking: Any = None, name: Any = None) -> jax.Array:
    """``tf.compat.v1.assign_add``."""
    del use_locking, name
    return _assign(ref, lambda old: old + value, True)


def assign_sub(ref: Any, value: Any, use_locking: Any = None, name: Any = None) -> jax.Array:
    """``tf.compat.v1.assign_sub``."""
    del use_locking, name
    return _assign(ref, lambda old: old - value, True)


store.register_assign_ops(assign=assign, assign_add=assign_add, assign_sub=assign_sub)


def get_local_variable(
    name: str,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
    initializer: Any = None,
    regularizer: Callable | None = None,
    trainable: bool = False,
    collections: Iterable[str] | None = None,
    **kwargs: Any,
) -> jax.Array:
    """``tf.compat.v1.get_local_variable``: ``get_variable`` in ``LOCAL_VARIABLES``,
    not trainable (so it lives in ``variables["state"]``)."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(
        name,
        shape=shape,
        dtype=dtype,
        initializer=initializer,
        regularizer=regularizer,
        trainable=trainable,
        collections=collections,
        **kwargs,
    )


def no_regularizer(_: Any) -> None:
    """``tf.compat.v1.no_regularizer``: turns a scope's regularizer off for one variable."""
    return None
