"""TF1's math ops (``tf.*`` and ``tf.math.*``, family ``math``) on JAX arrays.

Elementwise functions, arithmetic with TF's dtype rules, comparisons, logical and bitwise
ops, reductions, cumulative ops, ``add_n`` and the segment ops. Each is registered with
:func:`~flaxscope.ops._registry.tf_op` under every path TF 2.21's ``tf.compat.v1`` gives it.

TF's rules kept here (they differ from numpy's):

- no implicit promotion: two tensors of different dtypes are a ``TypeError``; Python and
  numpy values take the dtype of the op's tensor argument;
- ``tf.div`` floors integer quotients (Python 2's ``/``) and divides floats;
  ``tf.truediv`` turns 8/16-bit integers into float32 and 32/64-bit ones into float64
  (float32 when JAX's x64 is off);
- ``tf.round`` rounds half to even; integer ``reduce_mean`` truncates toward zero;
- ``argmax``/``argmin``/``count_nonzero`` return int64 by default, which is int32 when
  JAX's x64 is off (as every int64 in JAX);
- legacy arguments ``keep_dims``, ``reduction_indices`` and ``dimension`` are accepted.

The family by kind of op: ``elementwise`` (one argument), ``binary`` (two), ``reductions``,
``cumulative``, ``segments`` and ``counting``. Importing the package registers every op.
"""

from flaxscope.ops.math import binary, counting, cumulative, elementwise, reductions, segments

__all__ = ["binary", "counting", "cumulative", "elementwise", "reductions", "segments"]
