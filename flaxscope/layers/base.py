"""The legacy ``Layer`` base (``tf.compat.v1.layers.Layer``) that every layer and the RNN
cells share, with Keras' argument checks (``conv_utils``).

A legacy layer opens its variable scope on its first call, ``variable_scope(name,
default_name=<snake_case class>)`` (so ``dense``, ``dense_1``, ... when unnamed), creates its
variables there with ``get_variable``, and re-enters the captured scope with ``reuse=True``
on later calls. Here what a layer remembers (its scope, whether it is built) is kept per
``init``/``apply`` call, so a layer object made at module level works in every call.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope import store as _store
from flaxscope.losses import add_loss
from flaxscope.scopes import variable_scope as _variable_scope
from flaxscope.store import per_call_state
from flaxscope.variables import get_collection as _get_collection
from flaxscope.variables import get_variable as _get_variable

Array = jax.Array


def to_snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: the default scope name of a layer class.

    A capitalised word starts a new ``_``-separated part (``BasicLSTMCell`` ->
    ``basic_lstm_cell``); a result that starts with ``_`` gets the prefix ``private``.
    """
    words_split = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    snake = re.sub("([a-z])([A-Z])", r"\1_\2", words_split).lower()
    return "private" + snake if snake.startswith("_") else snake


class GraphState:
    """What a TF1 layer object remembers about one graph: its scope and whether it is built."""

    __slots__ = ("scope", "built", "dtype")

    def __init__(self) -> None:
        self.scope: Any = None
        self.built = False
        self.dtype: np.dtype | None = None


class Layer:
    """``tf.compat.v1.layers.Layer``: scope on first call, ``build`` once, ``add_weight``."""

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        reuse: bool | None = None,
        **kwargs: Any,
    ) -> None:
        for key in kwargs:
            if key not in ("_reuse", "_scope"):
                raise TypeError(f"Keyword argument not understood: {key}")
        self._reuse = reuse if reuse is not None else kwargs.get("_reuse")
        self._trainable = trainable
        self._base_name = name if name else to_snake_case(type(self).__name__)
        self._dtype = None if dtype is None else np.dtype(dtype)
        self._init_scope = kwargs.get("_scope")

    @property
    def name(self) -> str:
        return self._base_name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def dtype(self) -> np.dtype | None:
        return self._dtype

    @property
    def scope_name(self) -> str:
        """The name of the layer's variable scope in the current call (after its first use)."""
        scope = self._graph_state().scope
        if scope is None:
            raise ValueError(
                f'No name available for layer scope because the layer "{self._base_name}" '
                "has not been used yet. The scope name is determined the first time the "
                "layer instance is called. You must therefore call the layer before "
                "querying `scope_name`."
            )
        return scope.name

    def build(self, inputs_shape: tuple[int, ...]) -> None:
        """``Layer.build``: runs once per ``init``/``apply`` call, on the first ``__call__``,
        inside the layer's scope; create variables here with :meth:`add_weight`."""

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return inputs

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        scope = kwargs.pop("scope", None)
        gs = self._graph_state()
        if gs.dtype is None:
            gs.dtype = self._dtype or np.dtype(jnp.result_type(jax.tree.leaves(inputs)[0]))
        with self._layer_scope(scope):
            if not gs.built:
                self.build(tuple(np.shape(jax.tree.leaves(inputs)[0])))
            return self.call(inputs, *args, **kwargs)

    def add_weight(
        self,
        name: str,
        shape: Sequence[int],
        dtype: Any = None,
        initializer: Any = None,
        regularizer: Callable | None = None,
        trainable: bool | None = None,
        constraint: Callable | None = None,
        partitioner: Callable | None = None,
        **kwargs: Any,
    ) -> Array:
        """``Layer.add_weight`` of a legacy TF layer: ``get_variable`` in the layer's scope.

        Returns the variable's value for this call (a JAX array): keep it in an attribute
        only for the call's duration.
        """
        del kwargs
        return _get_variable(
            name,
            shape=list(shape),
            dtype=dtype if dtype is not None else self._graph_state().dtype,
            initializer=initializer,
            regularizer=regularizer,
            trainable=self._trainable if trainable is None else (trainable and self._trainable),
            constraint=constraint,
            partitioner=partitioner,
        )

    add_variable = add_weight

    # --- the layer's variables in the current call -------------------------------------
    def _scoped_collection(self, key: str) -> list:
        scope = self._graph_state().scope
        if scope is None:
            return []
        return _get_collection(key, re.escape(scope.name) + "/")

    @property
    def trainable_variables(self) -> list:
        """The layer's trainable variables (collection items: ``.name``, ``.value``)."""
        return self._scoped_collection(_store.GraphKeys.TRAINABLE_VARIABLES)

    @property
    def variables(self) -> list:
        """All the layer's variables, in creation order."""
        return self._scoped_collection(_store.GraphKeys.GLOBAL_VARIABLES)

    @property
    def non_trainable_variables(self) -> list:
        trainable = {id(v) for v in self.trainable_variables}
        return [v for v in self.variables if id(v) not in trainable]

    weights = variables
    trainable_weights = trainable_variables
    non_trainable_weights = non_trainable_variables

    # --- per-call memory and scoping -----------------------------------------------------
    def _graph_state(self) -> GraphState:
        return per_call_state(self, GraphState)

    @contextlib.contextmanager
    def _layer_scope(self, scope: Any = None) -> Iterator[Any]:
        """Enters the layer's variable scope the way TF1's legacy ``Layer.__call__`` does.

        First call in a graph: ``variable_scope(scope, default_name=<snake_case name>)``
        (unique in the enclosing scope) is captured; every later call re-enters the captured
        scope with ``reuse=True``.
        """
        gs = self._graph_state()
        if gs.scope is None:
            if self._init_scope is not None:
                with _variable_scope(self._init_scope) as captured:
                    gs.scope = captured
            elif self._reuse:
                with _variable_scope(scope if scope is not None else self._base_name) as captured:
                    gs.scope = captured
            else:
                with _variable_scope(scope, default_name=self._base_name) as captured:
                    gs.scope = captured
        reuse = True if gs.built else self._reuse
        with _variable_scope(gs.scope, reuse=reuse, auxiliary_name_scope=False) as vs:
            yield vs
        gs.built = True


class BiasActivation:
    """The tail TF1's Dense and Conv2D share: ``+ bias``, activation, activity loss."""

    use_bias: bool
    bias_initializer: Any
    bias_regularizer: Callable | None
    bias_constraint: Callable | None
    activation: Callable | None
    activity_regularizer: Callable | None

    def _bias_and_activation(self, outputs: Array, units: int, channel_axis: int = -1) -> Array:
        if self.use_bias:
            bias = self.add_weight(  # type: ignore[attr-defined]
                "bias",
                [units],
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            if channel_axis % outputs.ndim != outputs.ndim - 1:  # channels_first
                bias = bias.reshape(
                    (units,) + (1,) * (outputs.ndim - 1 - channel_axis % outputs.ndim)
                )
            outputs = outputs + bias
        if self.activation is not None:
            outputs = self.activation(outputs)
        if self.activity_regularizer is not None:
            # as TF's layers: the loss per example (divided by the batch, outputs.shape[0])
            loss = jnp.asarray(self.activity_regularizer(outputs))
            loss = loss / jnp.asarray(outputs.shape[0], loss.dtype)
            add_loss(loss, _store.GraphKeys.REGULARIZATION_LOSSES)
        return outputs


def call_once(layer_class: type[Layer], inputs: Any, arguments: dict[str, Any]) -> Any:
    """TF1's functional layers (``tf.layers.conv2d(inputs, filters, ...)``): the layer
    built from the function's own arguments (its ``locals()``, whose names are the class's
    keywords) and called once on ``inputs``. As in TF1, ``name`` also names the variable
    scope, which ``reuse=True`` reenters."""
    kwargs = {k: v for k, v in arguments.items() if k not in ("inputs", "reuse")}
    layer = layer_class(**kwargs, _scope=kwargs.get("name"), _reuse=arguments.get("reuse"))
    return layer(inputs)
