"""``tf.compat.v1.nn``'s recurrent parts: ``flaxscope.nn.rnn_cell`` and the RNN drivers.

``flaxscope.nn.rnn_cell.BasicLSTMCell`` and friends create their variables under TF1's
names; ``dynamic_rnn``, ``static_rnn`` and ``bidirectional_dynamic_rnn`` run them with one
shared set of variables for all time steps.
"""

from flaxscope.nn import rnn_cell
from flaxscope.nn.ops import dropout
from flaxscope.nn.rnn import (
    DEFAULT_UNROLL,
    HOIST_INPUT_PROJECTION,
    bidirectional_dynamic_rnn,
    dynamic_rnn,
    static_bidirectional_rnn,
    static_rnn,
)
from flaxscope.nn.rnn_cell import (
    BasicLSTMCell,
    BasicRNNCell,
    DeviceWrapper,
    DropoutWrapper,
    GRUCell,
    LayerRNNCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    ResidualWrapper,
    RNNCell,
)

__all__ = [
    "rnn_cell",
    "dynamic_rnn",
    "static_rnn",
    "static_bidirectional_rnn",
    "ResidualWrapper",
    "bidirectional_dynamic_rnn",
    "DEFAULT_UNROLL",
    "HOIST_INPUT_PROJECTION",
    "RNNCell",
    "LayerRNNCell",
    "BasicRNNCell",
    "BasicLSTMCell",
    "DeviceWrapper",
    "DropoutWrapper",
    "dropout",
    "LSTMCell",
    "GRUCell",
    "MultiRNNCell",
    "LSTMStateTuple",
]
