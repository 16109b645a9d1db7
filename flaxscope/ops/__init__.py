"""TF1's ops as functions on JAX arrays, by family as TensorFlow lays them out.

Each module registers its functions with :func:`flaxscope.ops._registry.tf_op`;
``flaxscope.compat.v1`` builds the ``tf`` namespace from that registry. Importing this
package registers every op.
"""

from flaxscope.ops import (
    array,
    casts,
    clip,
    control_flow,
    custom_gradient,
    image,
    linalg,
    logging,
    losses,
    losses_pairwise,
    math,
    nn,
    nn_ctc,
    nn_extra,
    nn_patches,
    nn_sampled,
    py_func,
    random,
    sparse,
    sparse_more,
    state_ops,
    summary,
)
from flaxscope.ops._registry import OpSpec, registry, tf_op

__all__ = [
    "OpSpec",
    "array",
    "casts",
    "clip",
    "control_flow",
    "custom_gradient",
    "image",
    "linalg",
    "logging",
    "losses",
    "losses_pairwise",
    "math",
    "nn",
    "nn_ctc",
    "nn_extra",
    "nn_patches",
    "nn_sampled",
    "py_func",
    "random",
    "registry",
    "sparse",
    "sparse_more",
    "state_ops",
    "summary",
    "tf_op",
]
