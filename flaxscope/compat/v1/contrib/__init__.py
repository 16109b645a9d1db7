"""``tf.contrib``: the parts of TF1's contrib that model code leans on.

TensorFlow removed ``tf.contrib``; TF1 programs still call it. Here are ``tf.contrib.slim``
and ``tf.contrib.layers`` (:mod:`flaxscope.slim`: slim's layers, ``arg_scope``,
initializers, regularizers), ``tf.contrib.framework`` (``arg_scope``, the variable helpers,
checkpoint reading, ``nest``), ``tf.contrib.rnn`` (TF1 core's cells under their contrib
names), ``tf.contrib.losses`` (slim's losses), ``tf.contrib.metrics`` (the ``streaming_*``
metrics), the sequence losses and ``tile_batch`` of ``tf.contrib.seq2seq`` and
``legacy_seq2seq``, ``tf.contrib.util.constant_value`` and ``tf.contrib.learn.ModeKeys``. Any other
contrib name raises an ``AttributeError`` that says what to use instead.
"""

from typing import Any

from flaxscope.compat.v1._missing import missing_message
from flaxscope.compat.v1.contrib import (
    framework,
    layers,
    learn,
    legacy_seq2seq,
    losses,
    metrics,
    rnn,
    seq2seq,
    slim,
    util,
)

__all__ = [
    "framework",
    "layers",
    "learn",
    "legacy_seq2seq",
    "losses",
    "metrics",
    "rnn",
    "seq2seq",
    "slim",
    "util",
]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(missing_message(f"contrib.{name}"))
