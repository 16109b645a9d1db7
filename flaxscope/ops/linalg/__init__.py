"""TF1's matrix ops and ``tf.linalg`` (family ``math``) on JAX arrays.

``tf.matmul`` multiplies the last two dimensions and broadcasts the batch dimensions
before them (TF's BatchMatMulV2); ``tf.svd`` returns ``(s, u, v)`` with ``v`` not
transposed, as TF does; decompositions run on XLA's (LAPACK-like) kernels, so ``qr`` and
``svd`` may differ from TF's by the sign of a column (the products agree).

The family by kind: ``products``, ``norms``, ``matrices`` (building and reading them),
``decompositions`` (with the solvers) and ``linear_operator``; ``_common`` holds what they
share. Importing the package registers every op.
"""

from flaxscope.ops.linalg import decompositions, linear_operator, matrices, norms, products

__all__ = ["decompositions", "linear_operator", "matrices", "norms", "products"]
