"""What slim's layer modules share: the default initializers, the custom getter that makes
a TF layer class's variables slim's model variables, the normalizer-then-activation tail and
argument normalization."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from flaxscope.initializers import zeros_initializer
from flaxscope.slim.initializers import xavier_initializer
from flaxscope.store import GraphKeys

__all__ = [
    "RENAME",
    "XAVIER",
    "ZEROS",
    "channels_format",
    "layer_arguments",
    "model_getter",
    "normalize_and_activate",
    "pair",
    "variable_collections",
]

Array = jax.Array
XAVIER = xavier_initializer()
ZEROS = zeros_initializer()
RENAME = {"kernel": "weights", "bias": "biases"}
# Which entry of a variables_collections dict a renamed variable joins.
_COLLECTION_KEY = {"depthwise_weights": "weights", "pointwise_weights": "weights"}


def variable_collections(variables_collections: Any, name: str) -> list[str]:
    """The user's collections for the variable ``name`` (``variables_collections`` is a
    list for all of a layer's variables, or a dict by variable name)."""
    if isinstance(variables_collections, dict):
        chosen = variables_collections.get(name)
    else:
        chosen = variables_collections
    if chosen is None:
        return []
    return [chosen] if isinstance(chosen, str) else list(chosen)


def model_getter(rename: dict[str, str], variables_collections: Any) -> Callable:
    """The custom getter of a slim layer's scope: TF's layer classes name their variables
    ``kernel``/``bias``; slim renames them and makes them model variables."""

    def getter(getter: Callable, name: str, *args: Any, **kwargs: Any) -> Array:
        head, _, short = name.rpartition("/")
        short = rename.get(short, short)
        name = f"{head}/{short}" if head else short
        kwargs["collections"] = list(
            dict.fromkeys(
                [
                    *(kwargs.get("collections") or []),
                    GraphKeys.GLOBAL_VARIABLES,
                    GraphKeys.MODEL_VARIABLES,
                    *variable_collections(variables_collections, _COLLECTION_KEY.get(short, short)),
                ]
            )
        )
        return getter(name, *args, **kwargs)

    return getter


def normalize_and_activate(
    outputs: Array,
    normalizer_fn: Callable | None,
    normalizer_params: dict | None,
    activation_fn: Callable | None,
) -> Array:
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return outputs


def channels_format(data_format: str | None) -> str:
    return "channels_first" if data_format and data_format.startswith("NC") else "channels_last"


def pair(value: Any, label: str) -> tuple[int, int]:
    """slim's ``two_element_tuple``: an int, or a list/tuple of two ints."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"Must be a list with 2 elements: {value}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def layer_arguments(
    scope: Any,
    dtype: Any,
    normalizer_fn: Callable | None,
    weights_initializer: Any,
    weights_regularizer: Callable | None,
    biases_initializer: Any,
    biases_regularizer: Callable | None,
    trainable: bool,
    reuse: bool | None,
) -> dict[str, Any]:
    """The keywords slim gives a TF layer class (``Dense``, ``Conv2D``, ...): no activation
    (slim applies it after the normalizer), biases only without a normalizer, the layer
    in slim's own scope."""
    return dict(
        activation=None,
        use_bias=not normalizer_fn and bool(biases_initializer),
        kernel_initializer=weights_initializer,
        bias_initializer=biases_initializer,
        kernel_regularizer=weights_regularizer,
        bias_regularizer=biases_regularizer,
        trainable=trainable,
        name=scope.name,
        dtype=dtype,
        _scope=scope,
        _reuse=reuse,
    )
