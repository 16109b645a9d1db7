"""``tf.compat.v1.train``: optimizers, learning-rate schedules, global step, moving averages.

- :mod:`~flaxscope.train.optimizers` and :mod:`~flaxscope.train.optimizers_more`: TF1's
  optimizers as optax transformations (pure: no store, usable on any params tree);
- :mod:`~flaxscope.train.schedules`: TF1's learning-rate decays as ``step -> rate``
  functions (pure);
- :mod:`~flaxscope.train.global_step` and :mod:`~flaxscope.train.moving_averages`: the
  ``global_step`` variable and ``ExponentialMovingAverage`` shadows, which live in the
  variable store of the current call;
- ``Saver`` and ``get_checkpoint_state`` are :mod:`flaxscope.checkpoint`'s, here under
  their ``tf.train`` names.
"""

from flaxscope.checkpoint.saver import Saver
from flaxscope.checkpoint.state import get_checkpoint_state
from flaxscope.train.global_step import (
    create_global_step,
    get_global_step,
    get_or_create_global_step,
)
from flaxscope.train.moving_averages import ExponentialMovingAverage
from flaxscope.train.optimizers import (
    AdagradOptimizer,
    AdagradState,
    AdamOptimizer,
    AdamState,
    GradientDescentOptimizer,
    GradientDescentState,
    MomentumOptimizer,
    MomentumState,
    Optimizer,
    OptimizerState,
    RMSPropOptimizer,
    RMSPropState,
)
from flaxscope.train.optimizers_more import (
    AdadeltaOptimizer,
    AdadeltaState,
    AdagradDAOptimizer,
    AdagradDAState,
    FtrlOptimizer,
    FtrlState,
    ProximalAdagradOptimizer,
    ProximalAdagradState,
    ProximalGradientDescentOptimizer,
    ProximalGradientDescentState,
)
from flaxscope.train.schedules import (
    cosine_decay,
    cosine_decay_restarts,
    exponential_decay,
    inverse_time_decay,
    linear_cosine_decay,
    natural_exp_decay,
    noisy_linear_cosine_decay,
    piecewise_constant,
    polynomial_decay,
)

__all__ = [
    "AdadeltaOptimizer",
    "AdadeltaState",
    "AdagradDAOptimizer",
    "AdagradDAState",
    "AdagradOptimizer",
    "AdagradState",
    "AdamOptimizer",
    "AdamState",
    "ExponentialMovingAverage",
    "FtrlOptimizer",
    "FtrlState",
    "GradientDescentOptimizer",
    "GradientDescentState",
    "MomentumOptimizer",
    "MomentumState",
    "Optimizer",
    "OptimizerState",
    "ProximalAdagradOptimizer",
    "ProximalAdagradState",
    "ProximalGradientDescentOptimizer",
    "ProximalGradientDescentState",
    "RMSPropOptimizer",
    "RMSPropState",
    "Saver",
    "cosine_decay",
    "cosine_decay_restarts",
    "create_global_step",
    "exponential_decay",
    "get_checkpoint_state",
    "get_global_step",
    "get_or_create_global_step",
    "inverse_time_decay",
    "linear_cosine_decay",
    "natural_exp_decay",
    "noisy_linear_cosine_decay",
    "piecewise_constant",
    "polynomial_decay",
]
