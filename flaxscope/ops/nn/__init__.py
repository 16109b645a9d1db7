"""TF1's ``tf.nn`` ops: activations, normalizations, cross-entropies, embedding lookup,
``top_k``; the convolutions and poolings are in :mod:`flaxscope.ops.nn_conv`, CTC in
:mod:`flaxscope.ops.nn_ctc`, candidate sampling and the sampled losses in
:mod:`flaxscope.ops.nn_sampled`.

Each op is the plain ``jax.nn``/``jnp``/``lax`` expression of TF's formula, so under
``jit`` it costs what the hand-written JAX costs. Legacy arguments (``dim`` for ``axis``,
``keep_dims``, ``targets`` for ``labels``) are accepted as TF1 accepts them.

The family by kind: ``activations``, ``normalization`` (bias, moments, batch norm),
``cross_entropy`` and ``lookup`` (embeddings, ``top_k``); ``_common`` holds what they
share. Importing the package registers every op.
"""

from flaxscope.ops.nn import activations, cross_entropy, lookup, normalization

__all__ = ["activations", "cross_entropy", "lookup", "normalization"]
