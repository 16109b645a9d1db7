"""TF1's optimizers (``tf.compat.v1.train.*Optimizer``) as optax ``GradientTransformation`` s.

Each optimizer applies the update of TensorFlow's CPU kernel (``ApplyAdam``,
``ApplyMomentum``, ``ApplyRMSProp``, ``ApplyCenteredRMSProp``, ``ApplyAdagrad``,
``ApplyGradientDescent``) in the same order of float operations, with TF1's defaults, so
training matches TF1 to float32 rounding. Where TF1 differs from optax's namesakes:

- ``AdamOptimizer`` folds the bias correction into the step size,
  ``alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``, and adds ``epsilon`` to ``sqrt(v)``
  unscaled (optax.adam adds it to the bias-corrected ``sqrt(v_hat)``). It keeps
  ``beta1_power``/``beta2_power`` as state, as TF1 does.
- ``RMSPropOptimizer`` starts the mean square ``ms`` at 1.0, puts ``epsilon`` inside the
  square root, and applies the learning rate before the momentum.
- ``AdagradOptimizer`` starts the accumulator at 0.1 and has no epsilon.

Each ``XOptimizer(...)`` is a factory (TF1's class name) returning an :class:`Optimizer`:
an optax ``GradientTransformation`` whose ``init``/``update`` are the methods of a frozen
rule (:class:`AdamRule`...: the hyperparameters and TF1's naming), with a typed state
(:class:`AdamState` ``(global_step, m, v, beta1_power, beta2_power)``...). Usage, as with
any optax optimizer::

    opt = flaxscope.train.AdamOptimizer(1e-3)
    opt_state = opt.init(params)
    updates, opt_state = opt.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)

The state counts ``global_step`` (TF1's ``minimize(loss, global_step=...)``), which also
drives a learning-rate schedule (:func:`exponential_decay`, :func:`piecewise_constant`, or
any ``step -> rate`` function). TF1 checkpoints name the optimizer's variables after the
variable they belong to; :meth:`Optimizer.variables` gives the state under those names
(``W/Adam``, ``W/Adam_1``, ``beta1_power``, ``global_step``...) for
:func:`flaxscope.checkpoint.save`, and :meth:`Optimizer.restore_state` rebuilds the state
from them, so training resumes across frameworks in either direction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from flaxscope.errors import InvalidArgumentError
from flaxscope.ops.clip import IndexedSlices
from flaxscope.trees import flatten_variables, leaf_names

__all__ = [
    "AdagradOptimizer",
    "AdagradRule",
    "AdagradState",
    "AdamOptimizer",
    "AdamRule",
    "AdamState",
    "GradientDescentOptimizer",
    "GradientDescentRule",
    "GradientDescentState",
    "MomentumOptimizer",
    "MomentumRule",
    "MomentumState",
    "Optimizer",
    "OptimizerState",
    "RMSPropOptimizer",
    "RMSPropRule",
    "RMSPropState",
    "Rule",
]

LearningRate = float | jax.Array | Callable[[jax.Array], Any]


class GradientDescentState(NamedTuple):
    """``GradientDescentOptimizer``'s state: only the step count.

    Attributes:
      global_step: int32 scalar, the number of updates applied so far (TF1's
        ``minimize(loss, global_step=...)``).
    """

    global_step: jax.Array


class MomentumState(NamedTuple):
    """``MomentumOptimizer``'s state: the step and the ``momentum`` slot (``W/Momentum``)."""

    global_step: jax.Array
    momentum: Any


class AdamState(NamedTuple):
    """``AdamOptimizer``'s state.

    Attributes:
      global_step: int32 scalar step count.
      m: first-moment slot, a tree like params (``W/Adam``).
      v: second-moment slot (``W/Adam_1``).
      beta1_power: float32 scalar ``beta1 ** step`` (TF1's non-slot variable).
      beta2_power: float32 scalar ``beta2 ** step``.
    """

    global_step: jax.Array
    m: Any
    v: Any
    beta1_power: jax.Array
    beta2_power: jax.Array


class RMSPropState(NamedTuple):
    """``RMSPropOptimizer``'s state: slots ``rms`` (``W/RMSProp``), ``mg`` (centered only,
    ``W/RMSProp_1``; ``None`` otherwise) and ``momentum`` (the last ``W/RMSProp_<i>``)."""

    global_step: jax.Array
    rms: Any
    mg: Any
    momentum: Any


class AdagradState(NamedTuple):
    """``AdagradOptimizer``'s state: the step and the ``accumulator`` slot (``W/Adagrad``)."""

    global_step: jax.Array
    accumulator: Any


OptimizerState = GradientDescentState | MomentumState | AdamState | RMSPropState | AdagradState


def _to_int32_step(name: str, value: Any) -> jax.Array:
    value = np.asarray(value)
    if value.shape != ():
        raise ValueError(f"{name} must be a scalar, got shape {list(value.shape)}.")
    if not np.iinfo(np.int32).min <= int(value) <= np.iinfo(np.int32).max:
        raise ValueError(f"{name} = {int(value)} does not fit the int32 step counter.")
    return jnp.asarray(value, dtype=jnp.int32)


class Optimizer(optax.GradientTransformation):
    """A TF1 optimizer: an optax ``GradientTransformation`` ``(init, update)`` plus TF1 names.

    Made by the factories (:func:`AdamOptimizer`...): ``init`` and ``update`` are the
    methods of the optimizer's rule (:class:`Rule`), which holds the hyperparameters
    (``opt.learning_rate``, ``opt.beta1``, ``opt.name``...) and the TF1 naming
    (:meth:`variables`, :meth:`restore_state`, :meth:`get_slot`...), reached from here.
    """

    __slots__ = ()

    @property
    def rule(self) -> Rule:
        """The rule whose ``init``/``update`` this transformation is."""
        return self.init.__self__

    def __getattr__(self, name: str) -> Any:
        # hyperparameters (learning_rate, beta1, name, ...) are the rule's fields
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.rule, name)

    def __repr__(self) -> str:
        return repr(self.rule)

    def get_slot_names(self) -> list[str]:
        """``Optimizer.get_slot_names()``: TF1's slot names, e.g. ``["m", "v"]`` for Adam."""
        return self.rule.get_slot_names()

    def get_slot(self, state: OptimizerState, var_name: str, slot_name: str) -> jax.Array:
        """``Optimizer.get_slot(var, name)``: the slot of the variable named ``var_name``."""
        return self.rule.get_slot(state, var_name, slot_name)

    def slot_variable_name(self, var_name: str, slot_name: str) -> str:
        """The TF1 checkpoint name of a slot (see :meth:`Rule.slot_variable_name`)."""
        return self.rule.slot_variable_name(var_name, slot_name)

    def variables(self, state: OptimizerState, **naming: Any) -> dict[str, jax.Array]:
        """``Optimizer.variables()``: the state under TF1's names (see :meth:`Rule.variables`)."""
        return self.rule.variables(state, **naming)

    def restore_state(
        self, variables: Mapping[str, Any], params: Any, **naming: Any
    ) -> OptimizerState:
        """The state from TF1-named values (see :meth:`Rule.restore_state`)."""
        return self.rule.restore_state(variables, params, **naming)


def _filled_like(p: Any, value: float) -> Any:
    """A slot: ``value`` everywhere, with ``p``'s shape, dtype and sharding.

    Outside a trace each device's shard is filled on the host and copied over, so no
    computation is compiled per variable shape (``jnp.full_like`` compiles one broadcast
    per shape: about a tenth of a second of a small model's time to first step)."""
    if not isinstance(p, jax.Array) or isinstance(p, jax.core.Tracer):
        return jnp.full_like(p, value)
    dtype, shape = p.dtype, p.shape
    if not p.committed:  # on the default device, free to follow the computation
        return jnp.asarray(np.full(shape, value, dtype))

    def shard(index: tuple) -> np.ndarray:
        dims = tuple(len(range(*s.indices(n))) for s, n in zip(index, shape, strict=True))
        return np.full(dims, value, dtype)

    return jax.make_array_from_callback(shape, p.sharding, shard)


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class Rule:
    """The update rule and TF1 naming of one TF1 optimizer; :meth:`transformation` wraps it.

    Subclasses give the state type, the slots (``_slot_specs``), the non-slot variables
    and the per-variable update (``_apply``).
    """

    learning_rate: LearningRate
    name: str
    _state: ClassVar[type]
    _public: ClassVar[str] = "Optimizer"
    _reads_variables: ClassVar[bool] = False

    def __post_init__(self) -> None:
        _check_learning_rate(self._public, self.learning_rate)

    def __repr__(self) -> str:
        fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))
        return f"{self._public}({fields})"

    def transformation(self) -> Optimizer:
        """This rule as an optax transformation."""
        return Optimizer(self.init, self.update)

    # -- subclass interface

    def _slot_specs(self) -> list[tuple[str, float]]:
        """``[(slot_name, initial_value)]`` in TF1's creation order."""
        return []

    def _non_slot_init(self) -> dict[str, float]:
        return {}

    def _apply(
        self,
        grad: jax.Array,
        slots: dict[str, jax.Array],
        lr: jax.Array,
        non_slots: dict[str, jax.Array],
    ) -> tuple[jax.Array, dict[str, jax.Array]]:
        raise NotImplementedError

    def _apply_to(
        self,
        grad: jax.Array,
        var: jax.Array | None,
        slots: dict[str, jax.Array],
        lr: jax.Array,
        non_slots: dict[str, jax.Array],
        step: jax.Array,
    ) -> tuple[jax.Array, dict[str, jax.Array]]:
        """The update of one variable; rules whose kernel reads the variable's value or
        the step (FTRL, the proximal ones, AdagradDA) override this instead of ``_apply``,
        and set ``_reads_variables``."""
        del var, step
        return self._apply(grad, slots, lr, non_slots)

    def _apply_sparse(
        self,
        grad: jax.Array,
        touched: jax.Array,
        var: jax.Array | None,
        slots: dict[str, jax.Array],
        lr: jax.Array,
        non_slots: dict[str, jax.Array],
        step: jax.Array,
    ) -> tuple[jax.Array, dict[str, jax.Array]]:
        """The update for an ``IndexedSlices`` gradient (TF1's ``_apply_sparse``): ``grad``
        is dense (duplicate rows summed, as TF1 deduplicates them) and ``touched`` marks the
        rows the slices name. TF1's sparse kernels update those rows only: the variable and
        its slots keep their values in every other row, where a dense update with a zero
        gradient would still decay slots and move the variable (momentum, RMSProp, FTRL's
        and the proximal rules' shrinkage)."""
        update, new = self._apply_to(grad, var, slots, lr, non_slots, step)
        zero = jnp.zeros((), update.dtype)
        return jnp.where(touched, update, zero), {
            k: jnp.where(touched, v, slots[k]) for k, v in new.items()
        }

    def _slot_op_name(self, slot: str) -> str:
        """The suffix TF1 names a slot variable with (``<var>/<suffix>``): the optimizer's name."""
        del slot
        return self.name

    def _finish(self, non_slots: dict[str, jax.Array]) -> dict[str, jax.Array]:
        return non_slots

    def _make_state(
        self, step: jax.Array, slots: dict[str, Any], non_slots: dict[str, jax.Array]
    ) -> OptimizerState:
        # fields of slots this configuration lacks (RMSProp's mg uncentered) are None
        fields = dict.fromkeys(self._state._fields)
        fields.update(slots, **non_slots, global_step=step)
        return self._state(**fields)

    def _slots(self, state: OptimizerState) -> dict[str, Any]:
        fields = state._asdict()
        return {s: fields[s] for s in self.get_slot_names()}

    def _non_slots(self, state: OptimizerState) -> dict[str, jax.Array]:
        fields = state._asdict()
        return {n: fields[n] for n in self._non_slot_init()}

    # -- optax

    def init(self, params: Any) -> OptimizerState:
        """optax's ``init``: the slots at TF1's initial values, the step at 0."""
        self._check_floating(params)
        slots = {
            slot: jax.tree_util.tree_map(lambda p, v=value: _filled_like(p, v), params)
            for slot, value in self._slot_specs()
        }
        non_slots = {n: jnp.asarray(v, dtype=jnp.float32) for n, v in self._non_slot_init().items()}
        return self._make_state(jnp.asarray(0, jnp.int32), slots, non_slots)

    def _lr(self, step: jax.Array) -> jax.Array:
        lr = self.learning_rate
        return jnp.asarray(lr(step) if callable(lr) else lr, dtype=jnp.float32)

    def update(
        self, grads: Any, state: OptimizerState, params: Any = None
    ) -> tuple[Any, OptimizerState]:
        """optax's ``update``: the updates (``-lr * ...``) and the next state."""
        # Most of TF1's update ops read only the gradient and the slots (params only name
        # the tree); those that read the variable set _reads_variables.
        self._check_gradients(grads, state, params)
        lr = self._lr(state.global_step)
        state_slots, state_non_slots = self._slots(state), self._non_slots(state)
        slot_names = list(state_slots)
        leaves, treedef = jax.tree_util.tree_flatten(grads, is_leaf=_is_slices)
        slot_leaves = [treedef.flatten_up_to(state_slots[s]) for s in slot_names]
        if not self._reads_variables:
            var_leaves = [None] * len(leaves)
        elif params is None:
            raise ValueError(
                f"{self._public}.update needs params: its update reads each variable's "
                "current value. Call opt.update(grads, opt_state, params)."
            )
        else:
            var_leaves = treedef.flatten_up_to(params)
        updates = []
        new_slot_leaves: list[list[jax.Array]] = [[] for _ in slot_names]
        for i, g in enumerate(leaves):
            touched = None
            if isinstance(g, IndexedSlices):
                g, touched = _dense_rows(g)
            dtype = g.dtype
            # TF1 casts every hyperparameter to the variable's dtype.
            non_slots = {k: v.astype(dtype) for k, v in state_non_slots.items()}
            slots = {s: slot_leaves[j][i] for j, s in enumerate(slot_names)}
            args = (var_leaves[i], slots, lr.astype(dtype), non_slots, state.global_step)
            if touched is None:
                update, new = self._apply_to(g, *args)
            else:
                update, new = self._apply_sparse(g, touched, *args)
            updates.append(update)
            for j, s in enumerate(slot_names):
                new_slot_leaves[j].append(new[s])
        new_slots = {
            s: jax.tree_util.tree_unflatten(treedef, new_slot_leaves[j])
            for j, s in enumerate(slot_names)
        }
        new_state = self._make_state(
            state.global_step + 1, new_slots, self._finish(dict(state_non_slots))
        )
        return jax.tree_util.tree_unflatten(treedef, updates), new_state

    # -- checks (TF1 refuses these too, at run time; here each names the variable)

    def _check_floating(self, params: Any) -> None:
        for name, leaf in zip(leaf_names(params), jax.tree_util.tree_leaves(params), strict=True):
            dtype = np.dtype(jnp.result_type(leaf))
            if not (
                jnp.issubdtype(dtype, jnp.floating) or jnp.issubdtype(dtype, jnp.complexfloating)
            ):
                raise InvalidArgumentError(
                    f"{self._public} cannot update variable {name}: it is {dtype.name}, "
                    "and TF1's optimizers update floating-point variables only (TF1 fails with "
                    "'No OpKernel was registered to support Op ...' for it). Leave integer and "
                    "bool variables (counters, ids) out of the tree given to the optimizer, "
                    "e.g. optimize variables['params'] only, or mask them with optax.masked."
                )

    def _check_gradients(self, grads: Any, state: OptimizerState, params: Any) -> None:
        slots = self._slots(state)
        reference = next(iter(slots.values())) if slots else params
        if reference is None:
            return
        structure = jax.tree_util.tree_structure(grads, is_leaf=_is_slices)
        if structure != jax.tree_util.tree_structure(reference):
            got, want = leaf_names(grads), leaf_names(reference)
            missing = [n for n in want if n not in set(got)]
            extra = [n for n in got if n not in set(want)]
            detail = (
                "; ".join(
                    part
                    for part in (
                        f"no gradient for {missing}" if missing else "",
                        f"gradients for variables it does not update: {extra}" if extra else "",
                    )
                    if part
                )
                or f"the trees differ: {structure} vs {jax.tree_util.tree_structure(reference)}"
            )
            raise ValueError(
                f"{self._public}.update: the gradients do not match the variables "
                f"given to init ({detail}). Take the gradient with respect to the same tree "
                "(jax.grad(loss)(params)), or init the optimizer on the tree you update."
            )
        for name, g, r in zip(
            leaf_names(reference),
            jax.tree_util.tree_leaves(grads, is_leaf=_is_slices),
            jax.tree_util.tree_leaves(reference),
            strict=True,
        ):
            if isinstance(g, IndexedSlices):
                _check_slices(self._public, name, g, np.shape(r))
            elif np.shape(g) != np.shape(r):
                raise ValueError(
                    f"{self._public}.update: the gradient for variable {name} has shape "
                    f"{list(np.shape(g))}, but the variable has shape {list(np.shape(r))}."
                )

    # -- TF1 names

    def get_slot_names(self) -> list[str]:
        """``Optimizer.get_slot_names()``: TF1's slot names, e.g. ``["m", "v"]`` for Adam."""
        return [s for s, _ in self._slot_specs()]

    def get_slot(self, state: OptimizerState, var_name: str, slot_name: str) -> jax.Array:
        """``Optimizer.get_slot(var, name)``: the slot of the variable named ``var_name``."""
        slots = self._slots(state)
        if slot_name not in slots:
            raise KeyError(f"{self._public} has no slot {slot_name!r}; it has {list(slots)}.")
        tree = slots[slot_name]
        names = leaf_names(tree)
        leaves = jax.tree_util.tree_leaves(tree)
        if var_name not in names:
            raise KeyError(f"No variable {var_name!r} among the optimizer's variables {names}.")
        return leaves[names.index(var_name)]

    def slot_variable_name(self, var_name: str, slot_name: str) -> str:
        """The TF1 checkpoint name of a slot: ``W/Adam`` for ``m``, ``W/Adam_1`` for ``v``.

        For the usual case (``minimize`` at the top level, one optimizer per variable);
        :meth:`variables` names the others (a scope, a second optimizer).
        """
        if slot_name not in self.get_slot_names():
            raise ValueError(f"{slot_name!r} is not a slot of {self._public}.")
        return self._names([var_name], "", None, ())[0][(slot_name, var_name)]

    def _names(
        self, var_names: list[str], scope: str, name_scope: str | None, taken: Any
    ) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
        """TF1's names for this optimizer's variables: ``{(slot, var): name}`` and
        ``{non_slot: name}``.

        As TF1's ``minimize`` makes them: ``apply_gradients`` first creates the non-slot
        variables (``tf.Variable``: ``<name scope>/beta1_power``, uniquified among the
        graph's names, ``beta1_power_1`` for a second Adam), then for each variable its
        slots in order, each with ``variable_scope(None, default_name="<var>/<name>")``
        inside the current variable scope: ``<scope>/<var>/Adam``, then the first free
        ``..._1``, ``..._2``.
        """
        used = {_op_key(n) for n in (taken or ())}
        scope = scope.strip("/")
        ns = scope if name_scope is None else name_scope.strip("/")

        def unique(base: str) -> str:
            name, i = base, 0
            while name.lower() in used:
                i += 1
                name = f"{base}_{i}"
            used.add(name.lower())
            return name

        non_slots = {n: unique(f"{ns}/{n}" if ns else n) for n in self._non_slot_init()}
        slots = {}
        for var in var_names:
            for slot in self.get_slot_names():
                base = f"{var}/{self._slot_op_name(slot)}"
                slots[(slot, var)] = unique(f"{scope}/{base}" if scope else base)
        return slots, non_slots

    def variables(
        self,
        state: OptimizerState,
        *,
        scope: str = "",
        name_scope: str | None = None,
        taken: Any = (),
        include_global_step: bool = True,
    ) -> dict[str, jax.Array]:
        """``Optimizer.variables()``: the state as ``{TF1 checkpoint name: value}``.

        Names are those TF1's ``minimize`` gives (``tf.train.Saver`` writes them):

        - ``scope``: the variable scope ``minimize`` ran in. Slots are
          ``<scope>/<var>/<name>`` (``variable_scope("m")`` around a model and its
          ``minimize`` gives ``m/m/w/Adam``), ``<var>/<name>`` at the top level.
        - ``name_scope``: the name scope ``minimize`` ran in, which prefixes the non-slot
          variables (``m/beta1_power``); it defaults to ``scope`` (a variable scope opens
          the name scope of the same name).
        - ``taken``: the names the graph already holds when this optimizer's ``minimize``
          runs, e.g. another optimizer's variables (a GAN's two Adams). Names are
          uniquified against them as TF1 does: ``beta1_power_1``, ``w/Adam_2``.

        Ordered as TF1's ``variables()`` (sorted by name), then ``global_step`` unless
        ``include_global_step=False``. Put them in the ``"state"`` of the tree given to
        :func:`flaxscope.checkpoint.save` (``tf.global_variables()`` lists the same
        variables in creation order: non-slot variables first, then each variable's
        slots).
        """
        slots = self._slots(state)
        names = leaf_names(next(iter(slots.values()))) if slots else []
        slot_names, non_slot_names = self._names(names, scope, name_scope, taken)
        out: dict[str, jax.Array] = {}
        for n, v in self._non_slots(state).items():
            out[non_slot_names[n]] = v
        for slot, tree in slots.items():
            for var, value in zip(leaf_names(tree), jax.tree_util.tree_leaves(tree), strict=True):
                out[slot_names[(slot, var)]] = value
        out = {k: out[k] for k in sorted(out, key=lambda k: k + ":0")}
        if include_global_step:
            out["global_step"] = state.global_step
        return out

    def restore_state(
        self,
        variables: Mapping[str, Any],
        params: Any,
        *,
        scope: str = "",
        name_scope: str | None = None,
        taken: Any = (),
    ) -> OptimizerState:
        """The optimizer state for ``params`` from TF1-named values (the inverse of :meth:`variables`).

        ``variables`` is a flat ``{name: value}`` dict (e.g.
        ``flaxscope.checkpoint.load_variables(path)``) or a variables tree; ``scope``,
        ``name_scope`` and ``taken`` say where TF1's ``minimize`` named them, as for
        :meth:`variables`. Every slot of every parameter must be there; ``global_step``
        is optional (0 when absent).
        """
        flat = flatten_variables(variables)
        names = leaf_names(params)
        param_leaves, treedef = jax.tree_util.tree_flatten(params)
        slot_names, non_slot_names = self._names(names, scope, name_scope, taken)
        missing = []
        slots = {}
        for slot in self.get_slot_names():
            leaves = []
            for var, p in zip(names, param_leaves, strict=True):
                key = slot_names[(slot, var)]
                if key not in flat:
                    missing.append(key)
                    continue
                value = np.asarray(flat[key])
                if value.shape != tuple(np.shape(p)):
                    raise ValueError(
                        f"Slot {key} has shape {list(value.shape)} but variable {var} has "
                        f"{list(np.shape(p))}."
                    )
                leaves.append(jnp.asarray(value, dtype=jnp.asarray(p).dtype))
            if not missing:
                slots[slot] = jax.tree_util.tree_unflatten(treedef, leaves)
        non_slots = {}
        for n, key in non_slot_names.items():
            if key not in flat:
                missing.append(key)
            else:
                non_slots[n] = jnp.asarray(flat[key], dtype=jnp.float32)
        if missing:
            raise KeyError(
                f"{self._public} (name={self.name!r}) state is incomplete: "
                f"{missing[:5]}{' and more' if len(missing) > 5 else ''} not found. Was the "
                "checkpoint written with this optimizer and name? If TF1's minimize ran "
                "inside a variable scope, pass scope= (slots are named '<scope>/<var>/"
                f"{self.name}'); if another optimizer was built first, pass its variables "
                "as taken= (its names are taken: 'beta1_power_1')."
            )
        step = flat.get("global_step", 0)
        return self._make_state(_to_int32_step("global_step", step), slots, non_slots)


def _is_slices(x: Any) -> bool:
    return isinstance(x, IndexedSlices)


def _dense_rows(g: IndexedSlices) -> tuple[jax.Array, jax.Array]:
    """An ``IndexedSlices`` gradient as a dense gradient (repeated rows summed) and a mask
    of its rows, shaped to broadcast against the variable."""
    dense = g.to_dense()
    rows = jnp.zeros(dense.shape[:1], bool).at[jnp.asarray(g.indices).reshape(-1)].set(True)
    return dense, rows.reshape((-1,) + (1,) * (dense.ndim - 1))


def _check_slices(optimizer: str, name: str, g: IndexedSlices, shape: tuple[int, ...]) -> None:
    dense_shape = (
        None if g.dense_shape is None else tuple(int(d) for d in np.asarray(g.dense_shape))
    )
    if dense_shape != tuple(shape) or tuple(np.shape(g.values))[1:] != tuple(shape[1:]):
        raise ValueError(
            f"{optimizer}.update: the IndexedSlices gradient for variable {name} has "
            f"dense_shape {None if dense_shape is None else list(dense_shape)} and values of "
            f"shape {list(np.shape(g.values))}, but the variable has shape {list(shape)}: "
            "build it with embedding_gradient(grad_of_lookup, ids, variable_shape)."
        )


def _check_learning_rate(optimizer: str, learning_rate: Any) -> None:
    if callable(learning_rate):
        return
    kind = getattr(learning_rate, "dtype", None)
    if kind is None:
        ok = isinstance(learning_rate, (int, float)) and not isinstance(learning_rate, bool)
    else:
        ok = np.ndim(learning_rate) == 0 and (
            jnp.issubdtype(kind, jnp.floating) or jnp.issubdtype(kind, jnp.integer)
        )
    if not ok:
        raise TypeError(
            f"{optimizer}: learning_rate must be a number, a scalar array or a function "
            f"of the step (a schedule), got {learning_rate!r} ({type(learning_rate).__name__})"
            + (
                f". Write {optimizer}({learning_rate.strip()}) (TF1 took the string and failed "
                "when training: 'Cast string to float is not supported')."
                if isinstance(learning_rate, str)
                else "."
            )
        )


def _op_key(name: str) -> str:
    return (name[:-2] if name.endswith(":0") else name).lower()


# ---------------------------------------------------------------------------------------
# the rules


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class GradientDescentRule(Rule):
    """``ApplyGradientDescent``: ``var -= grad * lr``."""

    _state: ClassVar[type] = GradientDescentState
    _public: ClassVar[str] = "GradientDescentOptimizer"

    def _apply(self, grad, slots, lr, non_slots):
        return -(grad * lr), {}


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class MomentumRule(Rule):
    """``ApplyMomentum``: ``accum = accum * momentum + grad``; ``var -= accum * lr``, or
    with ``use_nesterov`` ``var -= grad * lr + accum * momentum * lr``."""

    momentum: float
    use_nesterov: bool = False
    _state: ClassVar[type] = MomentumState
    _public: ClassVar[str] = "MomentumOptimizer"

    def _slot_specs(self):
        return [("momentum", 0.0)]

    def _apply(self, grad, slots, lr, non_slots):
        momentum = jnp.asarray(self.momentum, jnp.float32).astype(grad.dtype)
        accum = slots["momentum"] * momentum + grad
        if self.use_nesterov:
            update = grad * lr + accum * momentum * lr
        else:
            update = accum * lr
        return -update, {"momentum": accum}


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class AdamRule(Rule):
    """``ApplyAdam``, with TF1's ``beta1_power``/``beta2_power`` non-slot variables."""

    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-08
    _state: ClassVar[type] = AdamState
    _public: ClassVar[str] = "AdamOptimizer"

    def _slot_specs(self):
        return [("m", 0.0), ("v", 0.0)]

    def _non_slot_init(self):
        return {"beta1_power": self.beta1, "beta2_power": self.beta2}

    def _apply(self, grad, slots, lr, non_slots):
        dtype = grad.dtype
        beta1, beta2, eps = (
            jnp.asarray(x, jnp.float32).astype(dtype)
            for x in (self.beta1, self.beta2, self.epsilon)
        )
        one = jnp.ones((), dtype)
        alpha = lr * jnp.sqrt(one - non_slots["beta2_power"]) / (one - non_slots["beta1_power"])
        m = slots["m"] + (grad - slots["m"]) * (one - beta1)
        v = slots["v"] + (jnp.square(grad) - slots["v"]) * (one - beta2)
        return -((m * alpha) / (jnp.sqrt(v) + eps)), {"m": m, "v": v}

    def _apply_sparse(self, grad, touched, var, slots, lr, non_slots, step):
        # TF1's sparse Adam is not lazy: it decays m and v in every row, adds the scaled
        # gradient in the touched rows, and updates the whole variable.
        del touched, var, step
        dtype = grad.dtype
        beta1, beta2, eps = (
            jnp.asarray(x, jnp.float32).astype(dtype)
            for x in (self.beta1, self.beta2, self.epsilon)
        )
        one = jnp.ones((), dtype)
        alpha = lr * jnp.sqrt(one - non_slots["beta2_power"]) / (one - non_slots["beta1_power"])
        m = slots["m"] * beta1 + grad * (one - beta1)
        v = slots["v"] * beta2 + (grad * grad) * (one - beta2)
        return -((m * alpha) / (jnp.sqrt(v) + eps)), {"m": m, "v": v}

    def _finish(self, non_slots):
        return {
            "beta1_power": non_slots["beta1_power"] * jnp.float32(self.beta1),
            "beta2_power": non_slots["beta2_power"] * jnp.float32(self.beta2),
        }


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class RMSPropRule(Rule):
    """``ApplyRMSProp``/``ApplyCenteredRMSProp``."""

    decay: float = 0.9
    momentum: float = 0.0
    epsilon: float = 1e-10
    centered: bool = False
    _state: ClassVar[type] = RMSPropState
    _public: ClassVar[str] = "RMSPropOptimizer"

    def _slot_specs(self):
        return [("rms", 1.0)] + ([("mg", 0.0)] if self.centered else []) + [("momentum", 0.0)]

    def _apply(self, grad, slots, lr, non_slots):
        dtype = grad.dtype
        rho, momentum, eps = (
            jnp.asarray(x, jnp.float32).astype(dtype)
            for x in (self.decay, self.momentum, self.epsilon)
        )
        one = jnp.ones((), dtype)
        ms = slots["rms"] + (jnp.square(grad) - slots["rms"]) * (one - rho)
        new = {"rms": ms}
        if self.centered:
            mg = slots["mg"] + (grad - slots["mg"]) * (one - rho)
            denom = (ms - jnp.square(mg)) + eps
            new["mg"] = mg
        else:
            denom = ms + eps
        mom = slots["momentum"] * momentum + (grad * lr) / jnp.sqrt(denom)
        new["momentum"] = mom
        return -mom, new


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class AdagradRule(Rule):
    """``ApplyAdagrad``."""

    initial_accumulator_value: float = 0.1
    _state: ClassVar[type] = AdagradState
    _public: ClassVar[str] = "AdagradOptimizer"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.initial_accumulator_value <= 0.0:
            raise ValueError(
                f"initial_accumulator_value must be positive: {self.initial_accumulator_value}"
            )

    def _slot_specs(self):
        return [("accumulator", self.initial_accumulator_value)]

    def _apply(self, grad, slots, lr, non_slots):
        accum = slots["accumulator"] + jnp.square(grad)
        return -(grad * lr * jax.lax.rsqrt(accum)), {"accumulator": accum}


# ---------------------------------------------------------------------------------------
# the factories, under TF1's class names (``use_locking`` has no meaning without a graph)


def GradientDescentOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate, use_locking: bool = False, name: str = "GradientDescent"
) -> Optimizer:
    """``tf.compat.v1.train.GradientDescentOptimizer``: ``var -= grad * lr``.

    State :class:`GradientDescentState`; no slots.
    """
    del use_locking
    return GradientDescentRule(learning_rate=learning_rate, name=name).transformation()


def MomentumOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate,
    momentum: float,
    use_locking: bool = False,
    name: str = "Momentum",
    use_nesterov: bool = False,
) -> Optimizer:
    """``tf.compat.v1.train.MomentumOptimizer`` (``ApplyMomentum``).

    ``accum = accum * momentum + grad``; ``var -= accum * lr``, or with ``use_nesterov``
    ``var -= grad * lr + accum * momentum * lr``. State :class:`MomentumState`, slot
    ``"momentum"`` (``W/Momentum``).
    """
    del use_locking
    return MomentumRule(
        learning_rate=learning_rate, name=name, momentum=momentum, use_nesterov=use_nesterov
    ).transformation()


def AdamOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-08,
    use_locking: bool = False,
    name: str = "Adam",
) -> Optimizer:
    """``tf.compat.v1.train.AdamOptimizer`` (``ApplyAdam``).

    ``alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power)``;
    ``m += (g - m) * (1 - beta1)``; ``v += (g * g - v) * (1 - beta2)``;
    ``var -= m * alpha / (sqrt(v) + epsilon)``; then ``beta1_power *= beta1``,
    ``beta2_power *= beta2``. State :class:`AdamState`: slots ``"m"`` (``W/Adam``) and
    ``"v"`` (``W/Adam_1``), non-slot variables ``beta1_power`` and ``beta2_power`` (float32).
    """
    del use_locking
    return AdamRule(
        learning_rate=learning_rate, name=name, beta1=beta1, beta2=beta2, epsilon=epsilon
    ).transformation()


def RMSPropOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate,
    decay: float = 0.9,
    momentum: float = 0.0,
    epsilon: float = 1e-10,
    use_locking: bool = False,
    centered: bool = False,
    name: str = "RMSProp",
) -> Optimizer:
    """``tf.compat.v1.train.RMSPropOptimizer`` (``ApplyRMSProp``/``ApplyCenteredRMSProp``).

    ``ms += (g * g - ms) * (1 - decay)`` (``ms`` starts at 1.0);
    ``mom = mom * momentum + g * lr / sqrt(ms + epsilon)``; ``var -= mom``. With
    ``centered``, ``mg += (g - mg) * (1 - decay)`` and the denominator is
    ``sqrt(ms - mg * mg + epsilon)``. State :class:`RMSPropState`: slots ``"rms"``
    (``W/RMSProp``), ``"mg"`` if centered (``W/RMSProp_1``), ``"momentum"``
    (``W/RMSProp_1``, or ``_2`` if centered).
    """
    del use_locking
    return RMSPropRule(
        learning_rate=learning_rate,
        name=name,
        decay=decay,
        momentum=momentum,
        epsilon=epsilon,
        centered=centered,
    ).transformation()


def AdagradOptimizer(  # noqa: N802 (TF1's name)
    learning_rate: LearningRate,
    initial_accumulator_value: float = 0.1,
    use_locking: bool = False,
    name: str = "Adagrad",
) -> Optimizer:
    """``tf.compat.v1.train.AdagradOptimizer`` (``ApplyAdagrad``).

    ``accum += g * g`` (``accum`` starts at ``initial_accumulator_value``, 0.1);
    ``var -= g * lr * rsqrt(accum)``. State :class:`AdagradState`, slot ``"accumulator"``
    (``W/Adagrad``).
    """
    del use_locking
    return AdagradRule(
        learning_rate=learning_rate,
        name=name,
        initial_accumulator_value=initial_accumulator_value,
    ).transformation()
