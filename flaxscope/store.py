"""The variable store: one frame per call, holding the variables tree and TF1's graph state.

A :class:`Frame` plays the part of a ``tf.Graph`` plus its ``_VariableStore``: it owns the
op namespace used for uniquification (``Graph.unique_name``), the variables created with
``get_variable`` (looked up by full name), every variable by its TF name, and the
collections. In ``init`` (and in the eager default store) creating a variable computes its
initial value and writes a leaf; in ``apply`` the same creation is a lookup of that leaf in
the given, immutable tree.

The per-thread part of TF1's graph state (the name stack, the current variable scope and
the variable-scope counts) is :mod:`flaxscope.scopes`'s; this module only knows which
frame is current (a ``contextvars.ContextVar``, so concurrent threads never mix calls).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jax
import jax.extend.core as _jex_core
import numpy as np

from flaxscope.tensor_shape import TensorShape

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


class NotHoistable(Exception):
    """A variable created in a scan body whose initial value depends on the loop's values."""


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
        if self._frame._closed and isinstance(value, jax.core.Tracer):
            raise LeakedValueError(
                f"The value of variable {self.name} was read after the init/apply call that "
                "traced it ended (a leaked tracer). Read variables inside the function you "
                "transform, or take them from the variables tree that init/apply returns."
            )
        return value

    @property
    def raw_value(self) -> Any:
        """The current value, without the leaked-tracer check (the store's own reads)."""
        return self._value

    @property
    def frame(self) -> Frame:
        """The frame (call) the variable belongs to."""
        return self._frame

    def set_value(self, value: Any) -> None:
        self._value = value

    def get_shape(self) -> TensorShape:
        """TF1's ``v.get_shape()``: ``.as_list()``, ``.ndims``, ``[i].value``."""
        return TensorShape(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def op(self) -> VariableOp:
        """TF1's ``v.op``: its ``.name`` is the checkpoint key (``"eval/w"``)."""
        return VariableOp(self.op_name)

    # TF1 code uses the items of ``tf.trainable_variables()`` as tensors: a target network's
    # copy ``tf.assign(t, (1 - tau) * t + tau * e)``, ``e.read_value()``, ``t.assign(e)``.
    def __jax_array__(self) -> jax.Array:
        return self.value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.value, dtype=dtype)

    def read_value(self) -> jax.Array:
        """TF1's ``v.read_value()``: the current value."""
        return self.value

    def assign(
        self, value: Any, use_locking: Any = None, name: Any = None, read_value: bool = True
    ):
        """TF1's ``v.assign(value)``, i.e. ``tf.assign(v, value)``."""
        return _ASSIGN_OPS["assign"](self, value)

    def assign_add(
        self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True
    ):
        """TF1's ``v.assign_add(delta)``."""
        return _ASSIGN_OPS["assign_add"](self, delta)

    def assign_sub(
        self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True
    ):
        """TF1's ``v.assign_sub(delta)``."""
        return _ASSIGN_OPS["assign_sub"](self, delta)

    def __repr__(self) -> str:
        # TF's repr, so messages that list variables read as TF's do.
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"


def _on_value(method: str) -> Callable:
    def forward(self: VariableRecord, *args: Any) -> Any:
        return getattr(self.value, method)(*args)

    forward.__name__ = method
    return forward


# Arithmetic, comparisons and indexing act on the current value, as on a TF1 variable (equality
# and hashing stay identity: records are kept in lists and sets, as TF1's variables are).
for _method in (
    "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ "
    "__floordiv__ __rfloordiv__ __mod__ __rmod__ __pow__ __rpow__ __matmul__ __rmatmul__ "
    "__neg__ __pos__ __abs__ __invert__ __and__ __rand__ __or__ __ror__ __xor__ __rxor__ "
    "__lt__ __le__ __gt__ __ge__ __getitem__"
).split():
    setattr(VariableRecord, _method, _on_value(_method))


class VariableOp:
    """What TF1 code reads off ``v.op``: ``name`` (and ``type``)."""

    __slots__ = ("name",)
    type = "VariableV2"

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<VariableOp {self.name!r}>"


# ``tf.assign`` and friends, registered by flaxscope.variables (which imports this module).
_ASSIGN_OPS: dict[str, Callable[[VariableRecord, Any], Any]] = {}


def register_assign_ops(**ops: Callable[[VariableRecord, Any], Any]) -> None:
    """Gives records their ``assign``/``assign_add``/``assign_sub`` methods' implementation."""
    _ASSIGN_OPS.update(ops)


class Deferred:
    """A collection item computed when the collection is read (a regularization loss)."""

    def evaluate(self) -> Any:
        raise NotImplementedError


_FLOAT32 = np.dtype(np.float32)


def dtype_of(value: Any) -> np.dtype:
    """The dtype of an array, a tracer (no conversion: it has no value) or a Python value."""
    dtype = getattr(value, "dtype", None)
    return np.dtype(dtype) if dtype is not None else np.asarray(value).dtype


def _materialize(item: Any) -> Any:
    return item.evaluate() if isinstance(item, Deferred) else item


class Frame:
    """The store of one ``init``/``apply`` call, or of the process-wide default graph.

    Its public attributes are the call's configuration, set by the constructor and only
    read elsewhere: ``mode``, ``default``, ``mutable``, ``variables_exist``, ``x64``,
    ``trace_state`` and ``lock``. Everything that changes during the call (names, tables,
    collections, keys, the lifted-body state) is private and changes only through the
    methods below; other modules read it through the accessors.
    """

    def __init__(
        self,
        mode: str,
        rng: jax.Array | None = None,
        variables: Mapping[str, Mapping[str, Any]] | None = None,
        mutable: frozenset[str] = frozenset(),
        default: bool = False,
        op_rng: jax.Array | None = None,
        layout: Any = None,
        variables_exist: bool = False,
    ) -> None:
        """One call's store.

        Args:
          mode: ``INIT`` (creation computes initial values) or ``APPLY`` (creation looks
            the value up in ``variables``).
          rng: the key variables' initializers draw from (``init``).
          variables: the tree given to ``apply``.
          mutable: the collections ``assign`` may change in ``apply``.
          default: the process-wide default graph (eager, outside ``transform``).
          op_rng: the key random ops draw from (``next_rng_key``).
          layout: the ``sharding.Layout`` when the call runs on a mesh.
          variables_exist: ``transform(..., variables_exist=True)``: the given tree's
            variables count as created before the call (by another model of the same TF1
            graph), so ``reuse=True`` finds them.
        """
        self.mode = mode
        self._rng = rng
        self.default = default
        self.mutable = mutable
        self._closed = False
        self._inputs: dict[str, Mapping[str, Any]] = {
            PARAMS: dict(variables.get(PARAMS, {})) if variables else {},
            STATE: dict(variables.get(STATE, {})) if variables else {},
        }
        # Tree written by this call: initial values in init, updated state in apply.
        self._outputs: dict[str, dict[str, Any]] = {PARAMS: {}, STATE: {}}
        self._names_in_use: dict[str, int] = {}
        self._vars: dict[str, VariableRecord] = {}  # get_variable's store, by full name
        self._records: dict[str, VariableRecord] = {}  # every variable, by op name
        self._collections: dict[str, list[Any]] = {}
        self._by_id: dict[int, VariableRecord] = {}
        self._keep_alive: list[Any] = []  # values whose id() is in by_id
        self._used: set[tuple[str, str]] = set()
        self._replay: dict[str, jax.Array] | None = None  # values reused by lifted scan
        self._per_object: dict[int, Any] = {}  # per-call state of templates and cells
        # Arrays made by a plain embedding lookup, by id: (weak ref to the rows, table, ids).
        self._gathers: dict[int, tuple[weakref.ref, Any, Any]] = {}
        self._layout = layout
        # Keys for random ops (dropout): next_rng_key() folds a counter into op_rng.
        self._op_rng = op_rng
        self._rng_counter = 0
        # apply without a key: random draws made for a tf.Variable's initial value (which
        # apply never reads), by id; one left unused as an initial value is an error.
        self._unkeyed_draws: dict[int, Any] = {}
        self._unkeyed_keys = 0
        self._scan_depth = 0  # > 0 while a lifted scan's body runs
        # In init, while flaxscope.scan traces its body once: new variables compute their
        # initial values outside the trace (Frame._hoisted).
        self._hoist_creation = False
        self.variables_exist = variables_exist
        self.x64 = bool(jax.config.jax_enable_x64)
        # Threads sharing the default store take it for each lookup-or-create.
        self.lock = threading.RLock()
        # The JAX trace the call runs under, for guard_trace (the default graph has none):
        # its opaque state to compare, and a weak reference to walk its parents.
        self.trace_state = None if default else _jex_core.get_opaque_trace_state()
        self._trace_ref = None if default else _current_trace_ref()

    # --- accessors: what other modules may read ---------------------------------------
    @property
    def rng(self) -> jax.Array | None:
        """The key variables' initializers draw from (``None`` before any is needed)."""
        return self._rng

    def variable_rng(self) -> jax.Array:
        """The initializers' key; ``key(0)`` from now on if the call was given none (the
        default graph before ``set_random_seed``)."""
        if self._rng is None:
            self._rng = jax.random.key(0)
        return self._rng

    def set_rng(self, rng: jax.Array) -> None:
        """``tf.set_random_seed`` on the default graph: the initializers' key from now on."""
        self._rng = rng

    @property
    def closed(self) -> bool:
        """Whether the call has ended (its tracers are dead)."""
        return self._closed

    def close(self) -> None:
        """Marks the call as ended: a traced variable value read later is a leak."""
        self._closed = True

    @property
    def layout(self) -> Any:
        """The ``sharding.Layout`` new variables are constrained to (``None``: no mesh)."""
        return self._layout

    def lifted_depth(self) -> int:
        """How many lifted bodies (scan steps, cond branches, loop bodies) are running."""
        return self._scan_depth

    def has_op_keys(self) -> bool:
        """Whether random ops can draw keys: the call was given an ``rng``, or it is the
        default graph (which derives its stream from its seed)."""
        return self.default or self._op_rng is not None

    def may_assign(self, collection: str) -> bool:
        """Whether ``assign`` may change a variable of ``collection`` in this call."""
        return self.mode != APPLY or collection in self.mutable

    def shared_variable(self, full_name: str) -> VariableRecord | None:
        """The variable ``get_variable`` made under ``full_name``, if any (TF's
        ``_VariableStore._vars``)."""
        return self._vars.get(full_name)

    def record(self, op_name: str) -> VariableRecord | None:
        """The variable whose op name (checkpoint key) is ``op_name``, if any."""
        return self._records.get(op_name)

    def record_of(self, value: Any) -> VariableRecord | None:
        """The variable whose current value is the very object ``value``, if any."""
        return self._by_id.get(id(value))

    def op_names(self) -> set[str]:
        """The op names of the call's variables so far."""
        return set(self._records)

    def values_created_since(self, before: set[str]) -> dict[str, Any]:
        """The current values of the variables not in ``before`` (an :meth:`op_names`)."""
        return {k: r._value for k, r in self._records.items() if k not in before}

    def given(self, collection: str) -> Mapping[str, Any]:
        """The tree given to ``apply`` for ``collection`` (``params`` or ``state``)."""
        return self._inputs[collection]

    def given_collection(self, name: str) -> str | None:
        """Which collection of the given tree holds ``name`` (``None``: neither)."""
        for collection in (PARAMS, STATE):
            if name in self._inputs[collection]:
                return collection
        return None

    def output_tree(self) -> dict[str, dict[str, Any]]:
        """The tree this call wrote: initial values in ``init``, assigned state in
        ``apply``. Read it only after the call."""
        return self._outputs

    def collection_keys(self) -> list[str]:
        """``tf.get_all_collection_keys``."""
        return list(self._collections)

    def collection_ref(self, key: str) -> list[Any]:
        """``tf.get_collection_ref``: the live list of ``key``, made empty if new."""
        return self._collections.setdefault(key, [])

    # --- TF's Graph.unique_name -------------------------------------------------------
    def take_existing_name(self, name: str) -> None:
        """Counts ``name`` and each of its scope prefixes as used, as a TF graph that
        already holds a variable ``name`` does (``transform(..., variables_exist=True)``)."""
        names_in_use = self._names_in_use
        parts = name.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i]).lower()
            names_in_use[prefix] = max(names_in_use.get(prefix, 0), 1)
        self.unique_name(name)

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """``Graph.unique_name`` for a name that already includes its name-scope prefix."""
        if self.default:  # threads sharing the default store each get their own name
            with self.lock:
                return self._unique_name(name, mark_as_used)
        return self._unique_name(name, mark_as_used)

    def _unique_name(self, name: str, mark_as_used: bool) -> str:
        names_in_use = self._names_in_use
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
        self._collections.setdefault(key, []).append(value)

    def _register(self, record: VariableRecord, collections: Iterator[str]) -> None:
        """Adds a new variable to the frame's tables, its collections and the output tree."""
        self._records[record.op_name] = record
        value = record._value  # the store owns records: no property call on the hot path
        if id(value) in self._by_id:
            # One array object for two variables (tf.Variable(w), one constant used twice, a
            # leaf given twice to apply): name_of and assign tell variables apart by
            # identity, so this variable gets its own reference.
            copy = value.view() if isinstance(value, np.ndarray) else jax.numpy.array(value)
            record.set_value(copy)
            value = copy
        self._by_id[id(value)] = record
        self._keep_alive.append(value)
        for key in collections:
            self._collections.setdefault(key, []).append(record)

    def _track(self, record: VariableRecord, value: Any) -> None:
        """Makes ``name_of(value)`` answer ``record`` (after an assign)."""
        self._by_id[id(value)] = record
        self._keep_alive.append(value)

    def collection(self, key: str, scope: str | None = None) -> list:
        """``tf.get_collection(key, scope)``: the items, filtered by ``re.match(scope, name)``.

        Items without a name (a value added with ``add_to_collection``) match a scope only
        when they are a variable's value; :class:`Deferred` items are evaluated.
        """
        items = self._collections.get(key)
        if not items:
            return []
        if scope is None:
            return [_materialize(item) for item in items]
        regex = re.compile(scope)
        out = []
        for item in items:
            name = getattr(item, "name", None)
            if not isinstance(name, str):
                record = self._by_id.get(id(item))
                name = record.name if record is not None else None
            if isinstance(name, str) and regex.match(name):
                out.append(_materialize(item))
        return out

    # --- per-object state ------------------------------------------------------------
    def object_state(self, obj: object, factory: Callable[[], Any]) -> Any:
        """``obj``'s state in this frame, made by ``factory()`` on first use."""
        entry = self._per_object.get(id(obj))
        if entry is None or entry[0] is not obj:
            # The object is kept in the entry so that its id cannot be reused in the call.
            entry = self._per_object[id(obj)] = (obj, factory())
        return entry[1]

    # --- where a value came from ---------------------------------------------------------
    def note_gather(self, rows: Any, table: Any, ids: Any) -> None:
        """Records that ``rows`` is ``take(table, ids, axis=0)`` (``tf.nn.embedding_lookup``
        of one unpartitioned table), for consumers that can use the table instead (an RNN
        can project the vocabulary once rather than every looked-up row). The entry lives
        as long as ``rows`` does."""
        key = id(rows)
        frame_ref = weakref.ref(self)

        def drop(ref: weakref.ref) -> None:
            frame = frame_ref()
            if frame is not None and frame._gathers.get(key, (None,))[0] is ref:
                del frame._gathers[key]

        self._gathers[key] = (weakref.ref(rows, drop), table, ids)

    def gather_source(self, value: Any) -> tuple[Any, Any] | None:
        """``(table, ids)`` if ``value`` is the very array a :meth:`note_gather` recorded."""
        entry = self._gathers.get(id(value))
        if entry is None or entry[0]() is not value:
            return None
        return entry[1], entry[2]

    # --- creation and assignment: the only writes of a variable --------------------------
    def create_or_lookup(
        self,
        op_name: str,
        make_value: Callable[[], jax.Array] | None,
        shape: tuple[int, ...] | None,
        dtype: np.dtype | None,
        trainable: bool,
        collections: list[str],
        constraint: Callable | None,
        partitioner: Callable | None = None,
        shared_name: str | None = None,
    ) -> VariableRecord:
        """A new variable ``op_name``: its value computed by ``make_value`` (``init``, the
        default graph) or read from the given tree (``apply``), registered in this frame's
        tables and ``collections``, and written to the output tree in ``init``. With
        ``shared_name`` (``get_variable``'s full name) :meth:`shared_variable` finds it."""
        if op_name in self._records:
            # Only reachable through absolute names ("w/" after "w"), which TF does not
            # uniquify either; TF's graph then refuses the second op of that name.
            raise ValueError(f"Duplicate node name in graph: '{op_name}'")
        collection = PARAMS if trainable else STATE
        replay = self._replay
        if replay is not None and op_name in replay:
            value = replay[op_name]
        elif self.mode == APPLY:
            given_tree = self._inputs[collection]
            if make_value is not None and op_name not in given_tree:
                self._check_initializer(make_value)
            if shape is None or dtype is None:
                given = given_tree.get(op_name)
                if given is not None:
                    shape = tuple(np.shape(given)) if shape is None else shape
                    dtype = dtype_of(given) if dtype is None else dtype
            value = self.lookup(op_name, collection, shape or (), dtype or _FLOAT32)
            if type(value) in (int, float, bool, complex):
                value = jax.numpy.asarray(value)  # a Python scalar in the given tree
            if self._layout is not None:
                value = self._layout.constrain(op_name, value, dtype or value.dtype, partitioner)
        else:
            assert make_value is not None
            value = self._hoisted(op_name, make_value) if self._hoist_creation else make_value()
            if shape is not None and tuple(value.shape) != tuple(shape):
                raise ValueError(
                    f"The initializer of variable {op_name} returned shape "
                    f"{tuple(value.shape)}, but the variable's shape is {tuple(shape)}. Fix the "
                    "initializer or the shape."
                )
            if isinstance(value, jax.core.Tracer):
                guard_trace(self, op_name, value)
        record = VariableRecord(
            op_name,
            value,
            tuple(value.shape),
            np.dtype(value.dtype) if dtype is None else dtype,
            trainable,
            self,
            constraint,
            partitioner,
        )
        self._register(record, collections)
        if self.mode != APPLY:
            self._outputs[collection][op_name] = record._value
        if shared_name is not None:
            self._vars[shared_name] = record
        return record

    def _hoisted(self, op_name: str, make_value: Callable[[], jax.Array]) -> jax.Array:
        """The initial value of a variable created while ``flaxscope.scan`` traces its body
        in ``init``: computed outside that trace, in the trace ``init`` runs under (eager,
        or an outer ``jax.jit``'s), as if the variable were made before the loop. TF1, too,
        builds a loop body once and gives its variables initial values from outside it."""
        outer = None if self._trace_ref is None else self._trace_ref()
        context = (
            jax.ensure_compile_time_eval() if outer is None else _jex_core.set_current_trace(outer)
        )
        try:
            with context:
                value = make_value()
        except Exception as e:  # e.g. an initializer that reads the loop's values (a linen
            # module's init on the step's input): the eager fallback runs it, or re-raises.
            raise NotHoistable(op_name) from e
        if isinstance(value, jax.core.Tracer) and not _of_outer_trace(self, value):
            raise NotHoistable(op_name)  # lift.scan then runs the body eagerly first
        return value

    def _check_initializer(self, make_value: Callable[[], jax.Array]) -> None:
        """In apply, for a variable missing from the tree: the errors its initializer raises.

        TF runs the initializer while it creates the variable, so a creation whose
        initializer fails (say ``constant_initializer(3)`` for a bool variable) raises the
        initializer's error, in ``init`` and ``apply`` alike. ``apply`` never computes
        initial values, so the initializer is only traced abstractly, and the frame's key
        is left as it was.
        """
        rng = self._rng
        try:
            jax.eval_shape(make_value)
        finally:
            self._rng = rng

    def assign(self, record: VariableRecord, new: jax.Array) -> None:
        """Gives ``record`` the value ``new`` for the rest of the call (``tf.assign``)."""
        record.set_value(new)
        self._track(record, new)
        if self.mode == APPLY:
            self._outputs[record.collection][record.op_name] = new

    # --- values ----------------------------------------------------------------------
    def lookup(self, op_name: str, collection: str, shape: tuple[int, ...], dtype: np.dtype):
        """In apply: the value of ``op_name`` from the given tree, checked against TF's spec."""
        tree = self._inputs[collection]
        if op_name not in tree:
            other = STATE if collection == PARAMS else PARAMS
            if op_name in self._inputs[other]:
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
        if value is None:
            raise ValueError(
                f"Variable {op_name} is None in variables['{collection}'] given to apply; it "
                "needs an array of the variable's shape. The tree may have been built or "
                "edited by hand (or restored with missing names): re-run init, or restore the "
                "value from a checkpoint."
            )
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
        self._used.add((collection, op_name))
        return value

    def unused_inputs(self) -> list[str]:
        return sorted(
            f"{collection}/{name}"
            for collection, tree in self._inputs.items()
            for name in tree
            if (collection, name) not in self._used
        )

    # --- snapshots for lifted transforms --------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """A copy of the naming and variable tables, for :meth:`restore` (lifted scan)."""
        return _copy_tables(vars(self))

    def restore(self, snap: dict[str, Any]) -> None:
        """Puts the tables back as :meth:`snapshot` saw them (the snapshot stays reusable)."""
        self.__dict__.update(_copy_tables(snap))

    # --- the state lifted transforms switch while their bodies run --------------------
    def rng_state(self) -> tuple[jax.Array | None, int]:
        """``(op_rng, rng_counter)``: where random ops draw their next key from."""
        return self._op_rng, self._rng_counter

    def next_op_key(self, stream: Callable[[], jax.Array]) -> jax.Array:
        """The next random op's key, ``fold_in(op_rng, counter)``, advancing the counter;
        ``stream()`` gives ``op_rng`` first if the call has none yet."""
        if self._op_rng is None:
            self._op_rng = stream()
        key = jax.random.fold_in(self._op_rng, self._rng_counter)
        self._rng_counter += 1
        return key

    def unkeyed_key(self) -> jax.Array | None:
        """A stand-in key for a random op of an ``apply`` call that has no key (``None``
        when the call has one, or is the default graph): the draw may only become a
        variable's initial value (:meth:`note_unkeyed_draw`)."""
        if self.default or self.mode != APPLY or self._op_rng is not None:
            return None
        self._unkeyed_keys += 1
        return jax.random.key(0)

    def unkeyed_key_count(self) -> int:
        return self._unkeyed_keys

    def note_unkeyed_draw(self, value: Any) -> None:
        """Records a random op's result drawn with :meth:`unkeyed_key`."""
        self._unkeyed_draws[id(value)] = value

    def consume_initial_value(self, value: Any) -> None:
        """``value`` is a variable's initial value: fine to have drawn without a key."""
        self._unkeyed_draws.pop(id(value), None)

    def unkeyed_draws(self) -> list[Any]:
        """The draws made without a key that were used otherwise than as initial values."""
        return list(self._unkeyed_draws.values())

    def set_rng_state(self, rng_state: tuple[jax.Array | None, int]) -> None:
        """Puts back a :meth:`rng_state` (a lifted transform rerunning a body from its start)."""
        self._op_rng, self._rng_counter = rng_state

    @contextlib.contextmanager
    def lifted_body(
        self,
        replay: Mapping[str, jax.Array] | None = None,
        rng: jax.Array | None = None,
        *,
        restart_counter: bool = True,
    ) -> Iterator[None]:
        """While a lifted transform's body (scan, cond branch, loop body) runs.

        ``scan_depth`` counts one more level; ``replay`` adds the values that answer the
        body's variables (made outside the primitive); ``rng`` is the key random ops draw
        from (a scan step's or loop iteration's), its counter from 0 unless
        ``restart_counter=False`` (counters continuing in TF1's order). On exit the replay
        values and ``op_rng`` are put back, and the counter when ``restart_counter``.
        """
        outer_replay, outer_rng, outer_counter = self._replay, self._op_rng, self._rng_counter
        if replay is not None:
            self._replay = {**(outer_replay or {}), **replay}
        if rng is not None:
            self._op_rng = rng
            if restart_counter:
                self._rng_counter = 0
        self._scan_depth += 1
        try:
            yield
        finally:
            self._scan_depth -= 1
            self._replay, self._op_rng = outer_replay, outer_rng
            if restart_counter:
                self._rng_counter = outer_counter

    @contextlib.contextmanager
    def hoisting_creation(self) -> Iterator[bool]:
        """While ``init`` traces a lifted scan's body once: new variables compute their
        initial values outside the trace. Yields whether an outer scan already hoists."""
        nested = self._hoist_creation
        self._hoist_creation = True
        try:
            yield nested
        finally:
            self._hoist_creation = nested

    @contextlib.contextmanager
    def without_layout(self) -> Iterator[None]:
        """No sharding constraint on the variables made meanwhile (arrays given to the call
        already carry their layout)."""
        layout, self._layout = self._layout, None
        try:
            yield
        finally:
            self._layout = layout

    def variables(self) -> dict[str, dict[str, Any]]:
        """The tree of current values, TF1's checkpoint keys, ``params`` and ``state``."""
        out: dict[str, dict[str, Any]] = {PARAMS: {}, STATE: {}}
        for record in self._records.values():
            out[record.collection][record.op_name] = record.value
        return out


# --- the trace guard ------------------------------------------------------------------
def guard_trace(frame: Frame, op_name: str, value: Any, assigned: bool = False) -> None:
    """The trace guard: refuses a variable value that is a tracer of an inner JAX trace.

    Called only when a new (or newly assigned) variable value is a ``jax.core.Tracer``, so
    eager ``init`` pays one ``isinstance`` per variable. A tracer is fine when it belongs
    to the trace the call itself runs under (``jax.jit(init)``) or one of that trace's
    parents (``jax.jit(jax.vmap(init))``). It is a leak when it was made by a JAX
    transformation opened *inside* the call (``lax.cond``, ``lax.while_loop``,
    ``jax.checkpoint``, an inner ``jax.jit``): it would die with that transformation and
    sit in the variables tree as a leaked tracer. The lifted forms (``flaxscope.scan``,
    ``tf.cond``, ``tf.while_loop`` in :mod:`flaxscope.lift`) create the variables outside
    the JAX primitive and replay them inside, so they never reach this error.
    (Haiku compares trace states the same way.)
    """
    if frame.default:
        if assigned:
            return
        raise ValueError(
            f"Variable {op_name} is being created in the default graph inside a JAX "
            "transformation (jax.jit, grad, vmap, ...): its value would be a tracer that "
            "dies with the trace. Build the model with flaxscope.transform and jit its "
            "init/apply, or create the variables once outside the transformation."
        )
    if frame.trace_state is None or _jex_core.get_opaque_trace_state() == frame.trace_state:
        return
    if _of_outer_trace(frame, value):
        return
    if assigned:
        raise ValueError(
            f"Variable {op_name} is assigned inside a JAX transformation opened within this "
            "init/apply call (jax.lax.cond/switch, lax.while_loop/fori_loop, "
            "jax.checkpoint/remat, an inner jax.jit, ...): the new value is a tracer that "
            "dies with that transformation. Return the new value from the transformation "
            "and assign it outside, or use tf.cond/tf.while_loop from flaxscope.compat.v1."
        )
    raise ValueError(
        f"Variable {op_name} is created inside a JAX transformation opened within this "
        "init call (jax.lax.cond/switch, lax.while_loop/fori_loop, jax.checkpoint/remat, "
        "an inner jax.jit, ...): its value would be a tracer that dies with that "
        "transformation, leaked into the variables tree. Use the lifted forms whose bodies "
        "may create variables (tf.cond, tf.case, tf.while_loop, tf.map_fn from "
        "flaxscope.compat.v1, or flaxscope.scan), or create the variable before the "
        "transformation and use it inside (get_variable again with reuse=True finds it)."
    )


def _of_outer_trace(frame: Frame, value: Any) -> bool:
    """Whether ``value``'s trace is the call's own trace or one of its parents."""
    trace = tracer_trace(value)
    outer = None if frame._trace_ref is None else frame._trace_ref()
    while trace is not None and outer is not None:
        if outer is trace:
            return True
        outer = getattr(outer, "parent_trace", None)
    return False


def _current_trace_ref() -> weakref.ref:
    """A weak reference to the trace JAX runs under now (public: ``take_current_trace``;
    weak, as JAX's own trace state holds it, so a frame does not keep a dead trace)."""
    with _jex_core.take_current_trace() as trace:
        return weakref.ref(trace)


def tracer_trace(value: Any) -> Any:
    """The trace a ``jax.core.Tracer`` belongs to, ``None`` if JAX no longer says.

    The one read of a JAX internal in flaxscope: JAX has no public accessor for a tracer's
    trace (``Tracer.trace`` is the array method). Without it the trace guard refuses
    every tracer of a parent trace; tests/project/test_third_party_internals.py fails
    loudly first.
    """
    return getattr(value, "_trace", None)


_TABLES = ("_names_in_use", "_vars", "_records", "_by_id", "_used", "_per_object")


def _copy_tables(source: Mapping[str, Any]) -> dict[str, Any]:
    tables = {name: source[name].copy() for name in _TABLES}
    tables["_collections"] = {k: list(v) for k, v in source["_collections"].items()}
    tables["_outputs"] = {k: dict(v) for k, v in source["_outputs"].items()}
    return tables


@functools.cache
def _canonical(dtype: np.dtype, x64: bool) -> np.dtype:
    """The dtype JAX stores ``dtype`` as (64-bit types are 32-bit without x64)."""
    del x64  # part of the cache key: the answer depends on it
    return np.dtype(jax.dtypes.canonicalize_dtype(dtype))


_ACTIVE_FRAME: contextvars.ContextVar[Frame | None] = contextvars.ContextVar(
    "flaxscope_frame", default=None
)
_DEFAULT_LOCK = threading.Lock()
_default_frame: Frame | None = None


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


def current_frame() -> Frame:
    """The frame of the running ``init``/``apply`` call, or the default graph's."""
    frame = _ACTIVE_FRAME.get()
    return frame if frame is not None else default_frame()


def enter_frame(frame: Frame) -> contextvars.Token:
    """Makes ``frame`` current (``flaxscope.scopes.enter`` does it with the scope state)."""
    return _ACTIVE_FRAME.set(frame)


def leave_frame(token: contextvars.Token) -> None:
    _ACTIVE_FRAME.reset(token)


def per_call_state(obj: object, factory: Callable[[], Any]) -> Any:
    """``obj``'s memory for the running call (TF1: for this graph), made by ``factory``.

    Layers, cells, templates and moving averages keep here what a TF1 object kept about
    its graph (its scope, whether it is built, its shadow variables).
    """
    return current_frame().object_state(obj, factory)


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
