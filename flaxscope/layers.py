"""``tf.compat.v1.layers``: TF1's legacy layers (``dense``, ``conv2d``, ``flatten``) and the
``Layer`` base that the RNN cells share.

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
from flaxscope.initializers import zeros_initializer
from flaxscope.scopes import variable_scope as _variable_scope
from flaxscope.variables import get_collection as _get_collection
from flaxscope.variables import get_variable as _get_variable

Array = jax.Array

__all__ = [
    "BatchNormalization",
    "Conv2D",
    "Dense",
    "Flatten",
    "Layer",
    "batch_normalization",
    "conv2d",
    "dense",
    "flatten",
]


def to_snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: the default scope name of a layer class."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def per_call_state(obj: object, factory: Callable[[], Any]) -> Any:
    """``obj``'s memory for the running ``init``/``apply`` call (TF1: for this graph)."""
    per_object = _store.current_frame().per_object
    entry = per_object.get(id(obj))
    if entry is None or entry[0] is not obj:
        # The object is kept in the entry so that its id cannot be reused within the call.
        entry = per_object[id(obj)] = (obj, factory())
    return entry[1]


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


class _BiasActivation:
    """The tail TF1's Dense and Conv2D share: ``+ bias``, activation, activity loss."""

    use_bias: bool
    bias_initializer: Any
    bias_regularizer: Callable | None
    bias_constraint: Callable | None
    activation: Callable | None
    activity_regularizer: Callable | None

    def _bias_and_activation(self, outputs: Array, units: int) -> Array:
        if self.use_bias:
            bias = self.add_weight(  # type: ignore[attr-defined]
                "bias",
                [units],
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            outputs = outputs + bias
        if self.activation is not None:
            outputs = self.activation(outputs)
        if self.activity_regularizer is not None:
            from flaxscope.losses import add_loss

            add_loss(self.activity_regularizer(outputs), _store.GraphKeys.REGULARIZATION_LOSSES)
        return outputs


class Dense(_BiasActivation, Layer):
    """``tf.compat.v1.layers.Dense``: ``activation(inputs @ kernel + bias)``, variables
    ``<scope>/kernel`` ``[in, units]`` and ``<scope>/bias`` ``[units]``."""

    def __init__(
        self,
        units: int,
        activation: Callable | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = None,
        kernel_regularizer: Callable | None = None,
        bias_regularizer: Callable | None = None,
        activity_regularizer: Callable | None = None,
        kernel_constraint: Callable | None = None,
        bias_constraint: Callable | None = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.units = int(units)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer or zeros_initializer()
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        if inputs.shape[-1] is None or inputs.ndim < 1:
            raise ValueError(
                "The last dimension of the inputs to `Dense` should be defined. Found `None`."
            )
        kernel = self.add_weight(
            "kernel",
            [inputs.shape[-1], self.units],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        outputs = jnp.tensordot(inputs, kernel, axes=[[inputs.ndim - 1], [0]])
        return self._bias_and_activation(outputs, self.units)


def dense(
    inputs: Any,
    units: int,
    activation: Callable | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    kernel_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.dense``: a one-off :class:`Dense` (``name`` shares its
    variables across calls only with ``reuse=True`` or an enclosing reusing scope)."""
    layer = Dense(
        units,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer(inputs)


class Conv2D(_BiasActivation, Layer):
    """``tf.compat.v1.layers.Conv2D`` (``channels_last``): kernel
    ``[kh, kw, in, filters]`` and bias ``[filters]``, TF's ``padding`` ("valid"/"same")."""

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = (1, 1),
        padding: str = "valid",
        data_format: str = "channels_last",
        dilation_rate: int | Sequence[int] = (1, 1),
        activation: Callable | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = None,
        bias_initializer: Any = None,
        kernel_regularizer: Callable | None = None,
        bias_regularizer: Callable | None = None,
        activity_regularizer: Callable | None = None,
        kernel_constraint: Callable | None = None,
        bias_constraint: Callable | None = None,
        trainable: bool = True,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        if data_format != "channels_last":
            raise NotImplementedError(
                "Conv2D supports data_format='channels_last' (NHWC); transpose NCHW inputs "
                "with jnp.transpose(x, (0, 2, 3, 1)) first."
            )
        pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
        self.filters = int(filters)
        self.kernel_size = pair(kernel_size)
        self.strides = pair(strides)
        self.dilation_rate = pair(dilation_rate)
        self.padding = padding.upper()
        if self.padding not in ("VALID", "SAME"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer or zeros_initializer()
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        kernel = self.add_weight(
            "kernel",
            [*self.kernel_size, inputs.shape[-1], self.filters],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        outputs = jax.lax.conv_general_dilated(
            inputs,
            kernel.astype(inputs.dtype),
            window_strides=self.strides,
            padding=self.padding,
            rhs_dilation=self.dilation_rate,
            dimension_numbers=("NHWC", "HWIO", "NHWC"),
        )
        return self._bias_and_activation(outputs, self.filters)


def conv2d(
    inputs: Any,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = (1, 1),
    padding: str = "valid",
    data_format: str = "channels_last",
    dilation_rate: int | Sequence[int] = (1, 1),
    activation: Callable | None = None,
    use_bias: bool = True,
    kernel_initializer: Any = None,
    bias_initializer: Any = None,
    kernel_regularizer: Callable | None = None,
    bias_regularizer: Callable | None = None,
    activity_regularizer: Callable | None = None,
    kernel_constraint: Callable | None = None,
    bias_constraint: Callable | None = None,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
) -> Array:
    """``tf.compat.v1.layers.conv2d``: a one-off :class:`Conv2D`."""
    layer = Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer(inputs)


class Flatten(Layer):
    """``tf.compat.v1.layers.Flatten``: ``[batch, ...] -> [batch, prod(...)]``."""

    def call(self, inputs: Any) -> Array:
        inputs = jnp.asarray(inputs)
        return inputs.reshape(inputs.shape[0], -1)


def flatten(inputs: Any, name: str | None = None, data_format: str = "channels_last") -> Array:
    """``tf.compat.v1.layers.flatten``."""
    del data_format
    return Flatten(name=name)(inputs)


class BatchNormalization(Layer):
    """``tf.compat.v1.layers.BatchNormalization``: variables ``gamma``, ``beta`` (trainable)
    and ``moving_mean``, ``moving_variance`` (non-trainable: ``variables["state"]``).

    With ``training`` true it normalizes by the batch's moments and updates the moving
    statistics at once (``moving -= (moving - batch) * (1 - momentum)``), which TF1 did in
    its ``UPDATE_OPS``: call ``apply(..., mutable=True)`` and keep the returned state.
    ``training`` may be a Python bool or a traced boolean. As in TF1, inputs of rank 4 or 5
    normalized on the first or last axis take TF's fused kernel, whose moving variance uses
    the unbiased batch variance; other inputs use the biased one.
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = None,
        gamma_initializer: Any = None,
        moving_mean_initializer: Any = None,
        moving_variance_initializer: Any = None,
        beta_regularizer: Callable | None = None,
        gamma_regularizer: Callable | None = None,
        beta_constraint: Callable | None = None,
        gamma_constraint: Callable | None = None,
        renorm: bool = False,
        fused: bool | None = None,
        trainable: bool = True,
        virtual_batch_size: int | None = None,
        adjustment: Callable | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError(
                "BatchNormalization's renorm, virtual_batch_size and adjustment are not supported."
            )
        from flaxscope.initializers import ones_initializer

        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer or zeros_initializer()
        self.gamma_initializer = gamma_initializer or ones_initializer()
        self.moving_mean_initializer = moving_mean_initializer or zeros_initializer()
        self.moving_variance_initializer = moving_variance_initializer or ones_initializer()
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.fused = fused

    def call(self, inputs: Any, training: Any = False) -> Array:
        from flaxscope.variables import assign

        inputs = jnp.asarray(inputs)
        axis = self.axis % inputs.ndim
        channels = inputs.shape[axis]
        param_dtype = np.dtype(jnp.float32) if inputs.dtype == jnp.float16 else inputs.dtype
        gamma = (
            self.add_weight(
                "gamma",
                [channels],
                dtype=param_dtype,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
            if self.scale
            else None
        )
        beta = (
            self.add_weight(
                "beta",
                [channels],
                dtype=param_dtype,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
            if self.center
            else None
        )
        moving_mean = self.add_weight(
            "moving_mean",
            [channels],
            dtype=param_dtype,
            initializer=self.moving_mean_initializer,
            trainable=False,
        )
        moving_variance = self.add_weight(
            "moving_variance",
            [channels],
            dtype=param_dtype,
            initializer=self.moving_variance_initializer,
            trainable=False,
        )
        reduce_axes = tuple(a for a in range(inputs.ndim) if a != axis)
        broadcast = [1] * inputs.ndim
        broadcast[axis] = channels

        def normalize(mean: Array, variance: Array) -> Array:
            inv = jax.lax.rsqrt(variance + self.epsilon)
            if gamma is not None:
                inv = inv * gamma
            offset = -mean * inv + (beta if beta is not None else 0.0)
            return (inputs * inv.reshape(broadcast) + offset.reshape(broadcast)).astype(
                inputs.dtype
            )

        if isinstance(training, (bool, int, np.bool_)):
            training = bool(training)
        if training is False:
            return normalize(moving_mean, moving_variance)
        x = inputs.astype(param_dtype)
        mean = jnp.mean(x, axis=reduce_axes)
        variance = jnp.mean(jnp.square(x - mean.reshape(broadcast)), axis=reduce_axes)
        fused = self.fused
        if fused is None:
            fused = inputs.ndim in (4, 5) and axis in (1, inputs.ndim - 1)
        moving_var_value = variance
        if fused:  # TF's fused kernel reports the unbiased (Bessel-corrected) variance
            n = int(np.prod([inputs.shape[a] for a in reduce_axes]))
            moving_var_value = variance * (n / max(n - 1, 1))
        decay = 1.0 - jnp.asarray(self.momentum, param_dtype)
        new_mean = moving_mean - (moving_mean - mean) * decay
        new_variance = moving_variance - (moving_variance - moving_var_value) * decay
        if training is not True:  # a traced flag: both branches, selected
            new_mean = jnp.where(training, new_mean, moving_mean)
            new_variance = jnp.where(training, new_variance, moving_variance)
            mean = jnp.where(training, mean, moving_mean)
            variance = jnp.where(training, variance, moving_variance)
        assign(moving_mean, new_mean)
        assign(moving_variance, new_variance)
        return normalize(mean, variance)


def batch_normalization(
    inputs: Any,
    axis: int = -1,
    momentum: float = 0.99,
    epsilon: float = 1e-3,
    center: bool = True,
    scale: bool = True,
    beta_initializer: Any = None,
    gamma_initializer: Any = None,
    moving_mean_initializer: Any = None,
    moving_variance_initializer: Any = None,
    beta_regularizer: Callable | None = None,
    gamma_regularizer: Callable | None = None,
    beta_constraint: Callable | None = None,
    gamma_constraint: Callable | None = None,
    training: Any = False,
    trainable: bool = True,
    name: str | None = None,
    reuse: bool | None = None,
    renorm: bool = False,
    fused: bool | None = None,
    virtual_batch_size: int | None = None,
    adjustment: Callable | None = None,
) -> Array:
    """``tf.compat.v1.layers.batch_normalization``: a one-off :class:`BatchNormalization`
    (its moving statistics update when ``training``; use ``apply(..., mutable=True)``)."""
    layer = BatchNormalization(
        axis=axis,
        momentum=momentum,
        epsilon=epsilon,
        center=center,
        scale=scale,
        beta_initializer=beta_initializer,
        gamma_initializer=gamma_initializer,
        moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer,
        beta_regularizer=beta_regularizer,
        gamma_regularizer=gamma_regularizer,
        beta_constraint=beta_constraint,
        gamma_constraint=gamma_constraint,
        renorm=renorm,
        fused=fused,
        trainable=trainable,
        virtual_batch_size=virtual_batch_size,
        adjustment=adjustment,
        name=name,
        _scope=name,
        _reuse=reuse,
    )
    return layer(inputs, training=training)
