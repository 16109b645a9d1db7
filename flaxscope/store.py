"""The variable store: one frame per call, holding the variables tree and TF1's graph state.

A :class:`Frame` plays the part of a ``tf.Graph`` plus its ``_VariableStore``: it owns the
op namespace used for uniquification (``Graph.unique_name``), the variables created with
``get_variable`` (looked up by full name), every variable by its TF name, and the
collections. In ``init`` (and in the eager default store) creating a variable computes its
initial value and writes a leaf; in ``apply`` the same creation is a lookup of that leaf in
the given, immutable tree.

The per-thread part of TF1's graph state (the name stack, the current variable scope and
the variable-scope counts, which TF keeps in thread-locals) lives in :class:`ScopeState`,
reached through a ``contextvars.ContextVar`` so concurrent threads never mix their scopes.
"""

from __future__ import annotations

import contextvars
import functools
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jax
import numpy as np

INIT = "init"
APPLY = "apply"

PARAMS = "params"
STATE = "state"


class GraphKeys:
    """``tf.GraphKeys``: the standard collection names."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    SAVEABLE_OBJECTS = "saveable_objects"
    RESOURCES = "resources"
    LOCAL_RESOURCES = "local_resources"
    TRAINABLE_RESOURCE_VARIABLES = "trainable_resource_variables"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    TRAIN_OP = "train_op"
    COND_CONTEXT = "cond_context"
    WHILE_CONTEXT = "while_context"


class LeakedValueError(ValueError):
    """A value of one ``init``/``apply`` call was used after that call ended."""


class VariableRecord:
    """One variable of a call: what ``tf.global_variables()`` lists.

    ``name`` is TF's (``"v_scope/Weights:0"``); ``op_name`` is the key in the variables tree
    (``"v_scope/Weights"``, a TF1 checkpoint's key). ``value`` is the current array.
    """

    __slots__ = (
        "op_name",
        "shape",
        "dtype",
        "trainable",
        "collection",
        "constraint",
        "partitioner",
        "_value",
        "_frame",
    )

    def __init__(
        self,
        op_name: str,
        value: jax.Array,
        shape: tuple[int, ...],
        dtype: np.dtype,
        trainable: bool,
        frame: Frame,
        constraint: Callable | None = None,
        partitioner: Callable | None = None,
    ) -> None:
        self.op_name = op_name
        self.shape = shape
        self.dtype = dtype
        self.trainable = trainable
        self.collection = PARAMS if trainable else STATE
        self.constraint = constraint
        self.partitioner = partitioner
        self._value = value
        self._frame = frame

    @property
    def name(self) -> str:
        return self.op_name + ":0"

    @property
    def value(self) -> jax.Array:
        value = self._value
        if self._frame.closed and isinstance(value, jax.core.Tracer):
            raise LeakedValueError(
                f"The value of variable {self.name} was read after the init/apply call that "
                "traced it ended (a leaked tracer). Read variables inside the function you "
                "transform, or take them from the variables tree that init/apply returns."
            )
        return value

    def get_shape(self) -> tuple[int, ...]:
        return self.shape

    def __repr__(self) -> str:
        # TF's repr, so messages that list variables read as TF's do.
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"


class Frame:
    """The store of one ``init``/``apply`` call, or of the process-wide default graph."""

    def __init__(
        self,
        mode: str,
        rng: jax.Array | None = None,
        variables: Mapping[str, Mapping[str, Any]] | None = None,
        mutable: frozenset[str] = frozenset(),
        default: bool = False,
    ) -> None:
        self.mode = mode
        self.rng = rng
        self.default = default
        self.mutable = mutable
        self.closed = False
        self.inputs: dict[str, Mapping[str, Any]] = {
            PARAMS: dict(variables.get(PARAMS, {})) if variables else {},
            STATE: dict(variables.get(STATE, {})) if variables else {},
        }
        # Tree written by this call: initial values in init, updated state in apply.
        self.outputs: dict[str, dict[str, Any]] = {PARAMS: {}, STATE: {}}
        self.names_in_use: dict[str, int] = {}
        self.vars: dict[str, VariableRecord] = {}  # get_variable's store, by full name
        self.records: dict[str, VariableRecord] = {}  # every variable, by op name
        self.collections: dict[str, list[Any]] = {}
        self.by_id: dict[int, VariableRecord] = {}
        self.keep_alive: list[Any] = []  # values whose id() is in by_id
        self.used: set[tuple[str, str]] = set()
        self.replay: dict[str, jax.Array] | None = None  # values reused by lifted scan
        self.per_object: dict[int, Any] = {}  # per-call state of templates and cells
        self.layout: Any = None  # sharding.Layout when the call runs on a mesh
        # Keys for random ops (dropout): next_rng_key() folds a counter into op_rng.
        self.op_rng: jax.Array | None = None
        self.rng_counter = 0
        self.scan_depth = 0  # > 0 while a lifted scan's body runs
        # transform(..., variables_exist=True): the given tree's variables count as created
        # before the call (by another model of the same TF1 graph), so reuse=True finds them.
        self.variables_exist = False
        self.x64 = bool(jax.config.jax_enable_x64)
        self._lock = threading.RLock()

    # --- TF's Graph.unique_name -------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """``Graph.unique_name`` for a name that already includes its name-scope prefix."""
        with self._lock:  # threads sharing the default store each get their own name
            return self._unique_name(name, mark_as_used)

    def _unique_name(self, name: str, mark_as_used: bool) -> str:
        names_in_use = self.names_in_use
        name_key = name.lower()
        i = names_in_use.get(name_key, 0)
        if mark_as_used:
            names_in_use[name_key] = i + 1
        if i > 0:
            base_name_key = name_key
            while name_key in names_in_use:
                name_key = f"{base_name_key}_{i}"
                i += 1
            if mark_as_used:
                names_in_use[name_key] = 1
            name = f"{name}_{i - 1}"
        return name

    # --- collections -----------------------------------------------------------------
    def add_to_collection(self, key: str, value: Any) -> None:
        self.collections.setdefault(key, []).append(value)

    def register(self, record: VariableRecord, collections: Iterator[str]) -> None:
        """Adds a new variable to the frame's tables, its collections and the output tree."""
        self.records[record.op_name] = record
        value = record._value
        if id(value) in self.by_id:
            # One array object for two variables (tf.Variable(w), one constant used twice, a
            # leaf given twice to apply): name_of and assign tell variables apart by
            # identity, so this variable gets its own reference.
            copy = value.view() if isinstance(value, np.ndarray) else jax.numpy.array(value)
            value = record._value = copy
        self.by_id[id(value)] = record
        self.keep_alive.append(value)
        for key in collections:
            self.collections.setdefault(key, []).append(record)

    def track(self, record: VariableRecord, value: Any) -> None:
        """Makes ``name_of(value)`` answer ``record`` (after an assign)."""
        self.by_id[id(value)] = record
        self.keep_alive.append(value)

    # --- values ----------------------------------------------------------------------
    def lookup(self, op_name: str, collection: str, shape: tuple[int, ...], dtype: np.dtype):
        """In apply: the value of ``op_name`` from the given tree, checked against TF's spec."""
        tree = self.inputs[collection]
        if op_name not in tree:
            other = STATE if collection == PARAMS else PARAMS
            if op_name in self.inputs[other]:
                raise ValueError(
                    f"Variable {op_name} is {'not ' if collection == STATE else ''}trainable "
                    f"here, so apply looks for it in variables['{collection}'], but the tree "
                    f"has it in variables['{other}']. Build the tree with this model's init, "
                    "or move the entry."
                )
            raise ValueError(
                f"Variable {op_name} is missing from variables['{collection}'] given to apply. "
                f"The tree has {len(tree)} entries in '{collection}'; re-run init for this "
                "model, or load it from a checkpoint that has this variable (see "
                "flaxscope.checkpoint.init_from_checkpoint's assignment_map to rename)."
            )
        value = tree[op_name]
        # Duck-typed reads: an isinstance check against jax.Array costs more than the rest.
        got_shape = getattr(value, "shape", None)
        if type(got_shape) is not tuple:
            got_shape = tuple(np.shape(value))
        if got_shape != tuple(shape):
            raise ValueError(
                f"Variable {op_name} has shape {got_shape} in the variables given to apply, "
                f"but the model declares shape {tuple(shape)}. The tree does not belong to "
                "this model (or this configuration of it): re-run init, or fix the "
                "checkpoint mapping."
            )
        got_dtype = getattr(value, "dtype", None)
        if got_dtype is None:
            got_dtype = np.asarray(value).dtype
        if got_dtype != dtype and got_dtype != _canonical(dtype, self.x64):
            raise ValueError(
                f"Variable {op_name} has dtype {np.dtype(got_dtype).name} in the variables given to "
                f"apply, but the model declares dtype {np.dtype(dtype).name}. Cast the tree "
                "(jax.tree.map(lambda x: x.astype(...), variables)) or fix the model's dtype."
            )
        self.used.add((collection, op_name))
        return value

    def unused_inputs(self) -> list[str]:
        return sorted(
            f"{collection}/{name}"
            for collection, tree in self.inputs.items()
            for name in tree
            if (collection, name) not in self.used
        )

    # --- snapshots for lifted transforms --------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """A copy of the naming and variable tables, for :meth:`restore` (lifted scan)."""
        return _copy_tables(vars(self))

    def restore(self, snap: dict[str, Any]) -> None:
        """Puts the tables back as :meth:`snapshot` saw them (the snapshot stays reusable)."""
        self.__dict__.update(_copy_tables(snap))

    def variables(self) -> dict[str, dict[str, Any]]:
        """The tree of current values, TF1's checkpoint keys, ``params`` and ``state``."""
        out: dict[str, dict[str, Any]] = {PARAMS: {}, STATE: {}}
        for record in self.records.values():
            out[record.collection][record.op_name] = record.value
        return out


_TABLES = ("names_in_use", "vars", "records", "by_id", "used", "per_object")


def _copy_tables(source: Mapping[str, Any]) -> dict[str, Any]:
    tables = {name: source[name].copy() for name in _TABLES}
    tables["collections"] = {k: list(v) for k, v in source["collections"].items()}
    tables["outputs"] = {k: dict(v) for k, v in source["outputs"].items()}
    return tables


@functools.cache
def _canonical(dtype: np.dtype, x64: bool) -> np.dtype:
    """The dtype JAX stores ``dtype`` as (64-bit types are 32-bit without x64)."""
    del x64  # part of the cache key: the answer depends on it
    return np.dtype(jax.dtypes.canonicalize_dtype(dtype))


class ScopeState:
    """The per-thread scope stacks of one frame (TF keeps these in thread-locals)."""

    __slots__ = ("frame", "name_stack", "var_scope", "scope_counts")

    def __init__(self, frame: Frame, root_scope: Any) -> None:
        self.frame = frame
        self.name_stack = ""
        self.var_scope = root_scope
        self.scope_counts: dict[str, int] = {}


_CURRENT: contextvars.ContextVar[ScopeState | None] = contextvars.ContextVar(
    "flaxscope_scope_state", default=None
)
_DEFAULT_LOCK = threading.Lock()
_default_frame: Frame | None = None
_default_states = threading.local()
_root_scope_factory: Callable[[], Any] | None = None


def set_root_scope_factory(factory: Callable[[], Any]) -> None:
    """Installed by ``scopes``: builds the root ``VariableScope`` of a fresh state."""
    global _root_scope_factory
    _root_scope_factory = factory


def _new_default_frame() -> Frame:
    return Frame(INIT, rng=None, mutable=frozenset({PARAMS, STATE}), default=True)


def default_frame() -> Frame:
    """The process-wide default store (TF1's default graph)."""
    global _default_frame
    if _default_frame is None:
        with _DEFAULT_LOCK:
            if _default_frame is None:
                _default_frame = _new_default_frame()
    return _default_frame


def reset_default_frame() -> None:
    global _default_frame
    with _DEFAULT_LOCK:
        _default_frame = _new_default_frame()


def new_scope_state(frame: Frame) -> ScopeState:
    assert _root_scope_factory is not None
    return ScopeState(frame, _root_scope_factory())


def current() -> ScopeState:
    """The scope state in effect: that of the running call, or this thread's default one."""
    state = _CURRENT.get()
    if state is not None:
        return state
    frame = default_frame()
    state = getattr(_default_states, "state", None)
    if state is None or state.frame is not frame:
        state = new_scope_state(frame)
        _default_states.state = state
    return state


def current_frame() -> Frame:
    return current().frame


def enter(state: ScopeState) -> contextvars.Token:
    return _CURRENT.set(state)


def leave(token: contextvars.Token) -> None:
    _CURRENT.reset(token)


def warn_unused(frame: Frame, policy: str) -> None:
    """Reports entries of the tree given to apply that no variable of the call read."""
    if policy == "ignore":
        return
    unused = frame.unused_inputs()
    if not unused:
        return
    shown = ", ".join(unused[:10]) + (f", ... ({len(unused)} in all)" if len(unused) > 10 else "")
    message = (
        f"apply was given variables that this call never used: {shown}. They may belong "
        "to another model or a renamed scope; drop them, or pass "
        "transform(..., on_unused='ignore') if the function uses only part of the tree."
    )
    if policy == "error":
        raise ValueError(message)
    warnings.warn(message, UserWarning, stacklevel=3)
