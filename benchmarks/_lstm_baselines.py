"""The LSTM language model of ``benchmarks/lstm.py``, written four ways.

Every version is the same model: an embedding ``[vocab, hidden]``, one LSTM layer of
``hidden`` units (TF1's gate order and ``forget_bias=1``), a softmax layer ``[hidden,
vocab]``, mean cross-entropy of the next token, and one Adam step.

- ``flaxscope``: TF1 code (``get_variable``, ``tf.nn.embedding_lookup``, ``BasicLSTMCell``,
  ``dynamic_rnn``) under ``flaxscope.transform``, with flaxscope's defaults for the backend
  (on CPU the embedding fold where the sizes pay for it, else the input projection inside
  the loop; hoisted on GPU/TPU; the kernel's gradient computed after the backward loop in
  one matmul).
- ``flaxscope-nofold`` / ``flaxscope-fold``: the same with ``fold_embedding=False`` (the
  RNN's input is the looked-up rows, as in every other implementation here) / ``True``
  (the fold forced, to measure it where the backend's default leaves it off).
- ``flaxscope-autodiff``: the same with ``hoist_weight_grads=False`` (JAX's own backward
  pass of ``lax.scan``).
- ``flaxscope-hoisted`` / ``flaxscope-inloop``: the defaults with the input projection
  forced out of / into the loop (``hoist_input_projection``), the choice the backend table
  ``flaxscope.nn.rnn.HOIST_INPUT_PROJECTION`` makes.
- ``jax``: written by hand with ``lax.scan``, the input projection hoisted out of the loop
  (the fastest plain-JAX formulation we know), on the same params dict.
- ``jax-naive``: hand-written the textbook way, ``concat([x, h]) @ W`` inside the loop.
- ``flax``: ``flax.linen.RNN(flax.linen.OptimizedLSTMCell)``.
- ``torch``: ``torch.nn.LSTM`` (cuDNN on a GPU).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

import flaxscope as fs
import flaxscope.compat.v1 as tf

KERNEL = "rnn/basic_lstm_cell/kernel"
BIAS = "rnn/basic_lstm_cell/bias"


def _xent(logits: jax.Array, labels: jax.Array) -> jax.Array:
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


# --- flaxscope ---------------------------------------------------------------------------
def flaxscope_model(
    tokens: jax.Array,
    *,
    vocab: int,
    hidden: int,
    unroll: int | None,
    hoist_weight_grads: bool | None = None,
    hoist_input_projection: bool | None = None,
    fold_embedding: bool | None = None,
):
    """TF1 style: the code a TF1 user wrote, run with ``import flaxscope.compat.v1 as tf``."""
    embedding = tf.get_variable("embedding", [vocab, hidden])
    inputs = tf.nn.embedding_lookup(embedding, tokens[:, :-1])
    cell = fs.nn.rnn_cell.BasicLSTMCell(hidden)
    outputs, _ = fs.nn.dynamic_rnn(
        cell,
        inputs,
        dtype=jnp.float32,
        unroll=unroll,
        hoist_weight_grads=hoist_weight_grads,
        hoist_input_projection=hoist_input_projection,
        fold_embedding=fold_embedding,
    )
    with fs.variable_scope("softmax"):
        w = fs.get_variable("w", [hidden, vocab])
        b = fs.get_variable("b", [vocab], initializer=fs.zeros_initializer())
    return _xent(jnp.matmul(outputs, w) + b, tokens[:, 1:])


def flaxscope_setup(
    key,
    tokens,
    vocab,
    hidden,
    unroll,
    hoist_weight_grads=None,
    hoist_input_projection=None,
    fold_embedding=None,
):
    f = fs.transform(
        functools.partial(
            flaxscope_model,
            vocab=vocab,
            hidden=hidden,
            unroll=unroll,
            hoist_weight_grads=hoist_weight_grads,
            hoist_input_projection=hoist_input_projection,
            fold_embedding=fold_embedding,
        )
    )
    params = f.init(key, tokens)["params"]
    return params, lambda p, t: f.apply({"params": p}, t)


def flaxscope_autodiff_setup(key, tokens, vocab, hidden, unroll):
    """flaxscope with JAX's own backward pass for the loop (``hoist_weight_grads=False``)."""
    return flaxscope_setup(key, tokens, vocab, hidden, unroll, hoist_weight_grads=False)


def flaxscope_nofold_setup(key, tokens, vocab, hidden, unroll):
    """flaxscope with the embedding fold off: the loop gets the looked-up rows."""
    return flaxscope_setup(key, tokens, vocab, hidden, unroll, fold_embedding=False)


def flaxscope_fold_setup(key, tokens, vocab, hidden, unroll):
    """flaxscope with the embedding fold forced on, whatever the backend's default."""
    return flaxscope_setup(key, tokens, vocab, hidden, unroll, fold_embedding=True)


def flaxscope_hoisted_setup(key, tokens, vocab, hidden, unroll):
    """flaxscope's defaults with the input projection computed before the loop."""
    return flaxscope_setup(key, tokens, vocab, hidden, unroll, hoist_input_projection=True)


def flaxscope_inloop_setup(key, tokens, vocab, hidden, unroll):
    """flaxscope's defaults with the input projection inside the loop."""
    return flaxscope_setup(key, tokens, vocab, hidden, unroll, hoist_input_projection=False)


# --- hand-written JAX --------------------------------------------------------------------
def handwritten_params(key, vocab: int, hidden: int) -> dict[str, jax.Array]:
    """Same names and initial distributions as the flaxscope model (glorot uniform)."""
    k1, k2, k3 = jax.random.split(key, 3)
    glorot = jax.nn.initializers.glorot_uniform()
    return {
        "embedding": glorot(k1, (vocab, hidden)),
        KERNEL: glorot(k2, (2 * hidden, 4 * hidden)),
        BIAS: jnp.zeros((4 * hidden,)),
        "softmax/w": glorot(k3, (hidden, vocab)),
        "softmax/b": jnp.zeros((vocab,)),
    }


def _lstm_step(c, h, gates):
    i, j, f, o = jnp.split(gates, 4, axis=-1)
    c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
    h = jnp.tanh(c) * jax.nn.sigmoid(o)
    return c, h


def handwritten_loss(params, tokens, *, unroll: int = 1):
    """Input projection for all steps at once, only ``h @ W_h`` in the loop."""
    kernel = params[KERNEL]
    hidden = kernel.shape[1] // 4
    x = jnp.take(params["embedding"], tokens[:, :-1].T, axis=0)  # [time, batch, hidden]
    w_x, w_h = kernel[:-hidden], kernel[-hidden:]
    xp = jnp.matmul(x, w_x) + params[BIAS]

    def step(carry, xp_t):
        c, h = _lstm_step(*carry, xp_t + jnp.matmul(carry[1], w_h))
        return (c, h), h

    zeros = jnp.zeros((x.shape[1], hidden), x.dtype)
    _, hs = jax.lax.scan(step, (zeros, zeros), xp, unroll=unroll)
    logits = jnp.matmul(hs, params["softmax/w"]) + params["softmax/b"]
    return _xent(logits, tokens[:, 1:].T)


def naive_loss(params, tokens, *, unroll: int = 1):
    """The textbook step: ``concat([x_t, h]) @ kernel`` inside the loop."""
    kernel = params[KERNEL]
    hidden = kernel.shape[1] // 4
    x = jnp.take(params["embedding"], tokens[:, :-1].T, axis=0)

    def step(carry, x_t):
        gates = jnp.matmul(jnp.concatenate([x_t, carry[1]], axis=1), kernel) + params[BIAS]
        c, h = _lstm_step(*carry, gates)
        return (c, h), h

    zeros = jnp.zeros((x.shape[1], hidden), x.dtype)
    _, hs = jax.lax.scan(step, (zeros, zeros), x, unroll=unroll)
    logits = jnp.matmul(hs, params["softmax/w"]) + params["softmax/b"]
    return _xent(logits, tokens[:, 1:].T)


def handwritten_setup(key, tokens, vocab, hidden, unroll):
    return handwritten_params(key, vocab, hidden), functools.partial(
        handwritten_loss, unroll=unroll
    )


def naive_setup(key, tokens, vocab, hidden, unroll):
    return handwritten_params(key, vocab, hidden), functools.partial(naive_loss, unroll=unroll)


# --- flax.linen --------------------------------------------------------------------------
def flax_setup(key, tokens, vocab, hidden, unroll):
    import flax.linen as nn

    class CharLSTM(nn.Module):
        @nn.compact
        def __call__(self, tokens):
            x = nn.Embed(vocab, hidden)(tokens[:, :-1])
            x = nn.RNN(nn.OptimizedLSTMCell(hidden), unroll=unroll)(x)
            return _xent(nn.Dense(vocab)(x), tokens[:, 1:])

    model = CharLSTM()
    params = model.init(key, tokens)
    return params, model.apply


# --- the JAX train step ------------------------------------------------------------------
def make_jax_step(loss_fn: Callable, optimizer: optax.GradientTransformation) -> Callable:
    def train_step(params, opt_state, tokens):
        loss, grads = jax.value_and_grad(loss_fn)(params, tokens)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return jax.jit(train_step, donate_argnums=(0, 1))


JAX_IMPLS: dict[str, Callable[..., tuple[Any, Callable]]] = {
    "flaxscope": flaxscope_setup,
    "flaxscope-autodiff": flaxscope_autodiff_setup,
    "flaxscope-nofold": flaxscope_nofold_setup,
    "flaxscope-fold": flaxscope_fold_setup,
    "flaxscope-hoisted": flaxscope_hoisted_setup,
    "flaxscope-inloop": flaxscope_inloop_setup,
    "jax": handwritten_setup,
    "jax-naive": naive_setup,
    "flax": flax_setup,
}


# --- PyTorch (cuDNN) ---------------------------------------------------------------------
def torch_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def torch_step_fn(batch: int, time: int, hidden: int, vocab: int, seed: int = 0):
    """A train step of the same model with ``torch.nn.LSTM`` on CUDA (cuDNN); returns
    ``(step, sync)``: ``step()`` runs one step asynchronously, ``sync()`` waits for it."""
    import torch

    torch.manual_seed(seed)
    device = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    # TF32 matmuls, as the reference figures (and JAX's default f32 precision on GPU).
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True

    class CharLSTM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(vocab, hidden)
            self.lstm = torch.nn.LSTM(hidden, hidden, batch_first=True)
            self.out = torch.nn.Linear(hidden, vocab)

        def forward(self, tokens):
            x, _ = self.lstm(self.embed(tokens[:, :-1]))
            logits = self.out(x)
            return torch.nn.functional.cross_entropy(
                logits.reshape(-1, vocab), tokens[:, 1:].reshape(-1)
            )

    model = CharLSTM().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    tokens = torch.randint(0, vocab, (batch, time + 1), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model(tokens)
        loss.backward()
        optimizer.step()
        return loss

    return step, torch.cuda.synchronize
