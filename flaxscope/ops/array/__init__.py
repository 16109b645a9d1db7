"""TF1's array ops (``tf.reshape``, ``tf.concat``, ``tf.gather``, ``tf.shape``, ...).

Each op is a function on JAX arrays registered with
:func:`~flaxscope.ops._registry.tf_op` under its TF1 path, with TF1's argument names
(legacy ones too: ``dim``, ``squeeze_dims``, ``seq_dim``), TF's dtype rules (a Python
float is ``float32``, an int ``int32``) and TF's error texts for bad static shapes.

Shapes are static in JAX. ``tf.shape(x)``, ``tf.size`` and ``tf.rank`` therefore return
NumPy integers, and the shape-building ops (``concat``, ``stack``, ``gather``, slicing,
...) compute on NumPy when all their inputs are NumPy integers, so TF1's shape arithmetic
(``tf.reshape(x, tf.concat([tf.shape(x)[:-1], [4, -1]], 0))``) stays static under
``jax.jit``. Ops whose output size depends on values (``tf.where(cond)``,
``tf.boolean_mask``, ``tf.unique``, ``tf.dynamic_partition``) run on concrete arrays and
say so, with the fix, when traced.

The family by TF's own grouping: ``shapes``, ``construction``, ``reshaping``,
``indexing`` (slices, gathers, scatters) and ``selection`` (``where``, masks, sets);
``_common`` holds their shared conversions. Importing the package registers every op.
"""

from flaxscope.ops.array import construction, indexing, reshaping, selection, shapes

__all__ = ["construction", "indexing", "reshaping", "selection", "shapes"]
