"""The argument checks TF1's layers share, with Keras' (``conv_utils``, ``InputSpec``)
messages, and the default bias initializer. Internal to :mod:`flaxscope.layers`."""

from __future__ import annotations

from typing import Any

import numpy as np

from flaxscope.initializers import zeros_initializer

# TF1's layers default ``bias_initializer`` to ``tf.compat.v1.zeros_initializer()``; an
# explicit ``bias_initializer=None`` gives ``get_variable``'s default (glorot_uniform), as in TF.
ZEROS = zeros_initializer()


# --- argument normalization, with Keras' (``conv_utils``) messages ----------------------
def _as_int(item: Any) -> int | None:
    try:
        return int(item)
    except (TypeError, ValueError):
        return None


def normalize_tuple(value: Any, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """Keras' ``conv_utils.normalize_tuple``: an int or ``n`` ints, each ``> 0`` (``>= 0``)."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
    if isinstance(value, (int, np.integer)):
        items: tuple[int, ...] = (int(value),) * n
    else:
        try:
            given = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(given) != n:
            raise ValueError(message)
        for item in given:
            if _as_int(item) is None:
                raise ValueError(message + f"including element {item} of type {type(item)}")
        items = tuple(int(item) for item in given)
    lowest, rule = (0, ">= 0") if allow_zero else (1, "> 0")
    bad = {item for item in items if item < lowest}
    if bad:
        raise ValueError(
            message + f" including {bad} that does not satisfy the requirement `{rule}`."
        )
    return items


_PADDINGS = ("valid", "same", "causal")


def normalize_padding(value: str) -> str:
    """Keras' ``conv_utils.normalize_padding``: ``"valid"``, ``"same"`` or ``"causal"``,
    case-insensitive."""
    lowered = value.lower()
    if lowered in _PADDINGS:
        return lowered
    raise ValueError(
        'The `padding` argument must be a list/tuple or one of "valid", "same" '
        f'(or "causal", only for `Conv1D). Received: {lowered}'
    )


def normalize_data_format(value: str | None) -> str:
    """Keras' ``conv_utils.normalize_data_format`` (``None`` is ``"channels_last"``)."""
    lowered = "channels_last" if value is None else value.lower()
    if lowered in ("channels_first", "channels_last"):
        return lowered
    raise ValueError(
        'The `data_format` argument must be one of "channels_first", "channels_last". '
        f"Received: {value}"
    )


def incompatible_rank(layer: Any, expected: str, shape: tuple[int, ...]) -> ValueError:
    """Keras' ``InputSpec`` error for an input of the wrong rank."""
    return ValueError(
        f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected '
        f"{expected}, found ndim={len(shape)}. Full shape received: {tuple(shape)}"
    )
