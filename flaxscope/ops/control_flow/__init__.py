"""TF1's control flow ops (``tf.*`` family ``control_flow``), registered with
:func:`~flaxscope.ops._registry.tf_op`.

Each op opens the name scope TF1's opens (``cond``, ``case``, ``while``, ``map``, ``scan``,
``foldl``, ``foldr``) and runs on the lifted forms of :mod:`flaxscope.lift`, so a branch or
loop body may call ``get_variable``/``Variable``: its variables are created once, with
TF1's names (``get_variable`` ignores name scopes; ``tf.Variable`` inside ``tf.cond`` in
scope ``m`` is ``m/cond/v``), and used in ``init`` and ``apply`` alike.

By kind: ``branches`` (``cond``, ``case``, ``switch_case``), ``loops`` (``while_loop``,
``map_fn``, ``scan``, the folds, ``group``) and ``assertions``. Importing the package
registers every op.
"""

from flaxscope.ops.control_flow import assertions, branches, loops, tensor_array

__all__ = ["assertions", "branches", "loops", "tensor_array"]
