"""``tf.contrib.rnn``: TF1 core's cells and static RNNs under their contrib names, and
``LSTMBlockCell``."""

from typing import Any

from flaxscope.compat.v1._missing import missing_message
from flaxscope.nn import static_bidirectional_rnn, static_rnn
from flaxscope.nn.rnn_cell import (
    BasicLSTMCell,
    BasicRNNCell,
    DeviceWrapper,
    DropoutWrapper,
    GRUCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    ResidualWrapper,
    RNNCell,
)

__all__ = [
    "BasicLSTMCell",
    "LSTMBlockCell",
    "BasicRNNCell",
    "DeviceWrapper",
    "DropoutWrapper",
    "GRUCell",
    "LSTMCell",
    "LSTMStateTuple",
    "MultiRNNCell",
    "RNNCell",
    "ResidualWrapper",
    "static_bidirectional_rnn",
    "static_rnn",
]


class LSTMBlockCell(BasicLSTMCell):
    """``tf.contrib.rnn.LSTMBlockCell``: TF1's fused-kernel LSTM, whose weights are
    ``BasicLSTMCell``'s (``kernel`` ``[input_depth + num_units, 4 * num_units]``, ``bias``,
    gates i, j, f, o, ``forget_bias`` added at run time) in the scope ``lstm_cell``; on JAX
    it is that cell. ``cell_clip`` and ``use_peephole`` (extra variables and clipping) are
    not supported."""

    def __init__(
        self,
        num_units: int,
        forget_bias: float = 1.0,
        cell_clip: float | None = None,
        use_peephole: bool = False,
        reuse: bool | None = None,
        dtype: Any = None,
        name: str = "lstm_cell",
    ) -> None:
        if use_peephole or (cell_clip is not None and cell_clip > 0):
            raise NotImplementedError(
                "LSTMBlockCell's use_peephole and cell_clip are not supported: use "
                "tf.nn.rnn_cell.LSTMCell(num_units, use_peepholes=True, cell_clip=...), "
                "whose variables are named differently"
            )
        super().__init__(num_units, forget_bias=forget_bias, reuse=reuse, name=name, dtype=dtype)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(missing_message(f"contrib.rnn.{name}"))
