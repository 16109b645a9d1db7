"""``tf.nn``: the registered ``nn`` ops, and the RNN cells and drivers of
:mod:`flaxscope.nn`."""

from flaxscope.compat.v1._namespace import populate
from flaxscope.nn import (
    bidirectional_dynamic_rnn,
    dropout,
    dynamic_rnn,
    rnn_cell,
    static_bidirectional_rnn,
    static_rnn,
)

__all__ = [
    "bidirectional_dynamic_rnn",
    "dropout",
    "dynamic_rnn",
    "rnn_cell",
    "static_bidirectional_rnn",
    "static_rnn",
]

populate(globals(), "nn")
