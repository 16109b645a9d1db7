"""A GAN whose generator and discriminator are ``tf.make_template`` s.

Ports the TF1 1-D GAN of the well-known "An introduction to Generative Adversarial
Networks (with code in TensorFlow)" (AYLIEN, 2016), written with ``tf.make_template``
instead of ``scope.reuse_variables()``: ``generator = tf.make_template("generator",
generator_fn)`` and ``discriminator = tf.make_template("discriminator",
discriminator_fn)``. The discriminator is called twice, on real data and on the
generator's output, and the generator twice, for training and for monitoring samples;
each template has one set of weights (``generator/g0/w``, ``discriminator/d0/w``, ...)
however often it is called. Each player trains its own variables with
``tf.train.AdamOptimizer(lr, beta1=0.5).minimize(loss, var_list=template.trainable_variables)``.
The generator learns to turn uniform noise into samples of N(4, 0.5).

What changed in the port: the imports (the math is TF1's: ``tf.nn.softplus``,
``tf.nn.sigmoid_cross_entropy_with_logits``, ...); ``input_.get_shape()`` became
``input_.shape``; the graph became a class whose call takes the placeholders as arguments;
placeholders became arguments; ``var_list=`` became a split of the params dict by scope;
``sess.run`` became ``jax.jit``. The templates are made once, outside ``flaxscope.transform``,
as TF1 made them at graph construction: a template works in every ``init``/``apply`` call.

Run: python examples/gan_make_template.py [--steps 2000]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
import optax

import flaxscope as fs
import flaxscope.compat.v1 as tf

DATA_MU, DATA_SIGMA, NOISE_RANGE = 4.0, 0.5, 8.0


# --- the TF1 model, ported --------------------------------------------------------------
def linear(input_: jax.Array, output_dim: int, scope: str, stddev: float = 1.0) -> jax.Array:
    with tf.variable_scope(scope):
        w = tf.get_variable(
            "w",
            [input_.shape[1], output_dim],
            initializer=tf.random_normal_initializer(stddev=stddev),
        )
        b = tf.get_variable("b", [output_dim], initializer=tf.constant_initializer(0.0))
    return tf.matmul(input_, w) + b


def generator_fn(z: jax.Array, h_dim: int) -> jax.Array:
    h0 = tf.nn.softplus(linear(z, h_dim, "g0"))
    return linear(h0, 1, "g1")


def discriminator_fn(x: jax.Array, h_dim: int) -> jax.Array:
    """The discriminator's logit that ``x`` is real."""
    h0 = tf.tanh(linear(x, h_dim * 2, "d0"))
    h1 = tf.tanh(linear(h0, h_dim * 2, "d1"))
    h2 = tf.tanh(linear(h1, h_dim * 2, "d2"))
    return linear(h2, 1, "d3")


class GAN:
    """The TF1 graph: two templates, each called twice, and both players' losses."""

    def __init__(self, h_dim: int) -> None:
        self.generator = tf.make_template("generator", generator_fn, h_dim=h_dim)
        self.discriminator = tf.make_template("discriminator", discriminator_fn, h_dim=h_dim)

    def __call__(self, x: jax.Array, z: jax.Array, z_sample: jax.Array) -> dict[str, jax.Array]:
        G = self.generator(z)  # noqa: N806  (the TF1 program's names)
        D_real = self.discriminator(x)  # noqa: N806
        D_fake = self.discriminator(G)  # noqa: N806  (same weights as D_real)
        samples = self.generator(z_sample)  # same weights as G
        sce = tf.nn.sigmoid_cross_entropy_with_logits
        loss_d = tf.reduce_mean(
            sce(logits=D_real, labels=tf.ones_like(D_real))
            + sce(logits=D_fake, labels=tf.zeros_like(D_fake))
        )
        loss_g = tf.reduce_mean(sce(logits=D_fake, labels=tf.ones_like(D_fake)))
        return {"loss_d": loss_d, "loss_g": loss_g, "samples": samples}


# --- data -------------------------------------------------------------------------------
def real_batch(rng: np.random.Generator, batch: int) -> np.ndarray:
    return np.sort(rng.normal(DATA_MU, DATA_SIGMA, (batch, 1))).astype(np.float32)


def noise_batch(rng: np.random.Generator, batch: int) -> np.ndarray:
    """Stratified uniform noise on [-8, 8], as the original feeds its generator."""
    z = np.linspace(-NOISE_RANGE, NOISE_RANGE, batch) + rng.random(batch) * 0.01
    return z.reshape(batch, 1).astype(np.float32)


def split(params: dict[str, jax.Array], scope: str) -> tuple[dict, dict]:
    """TF1's ``var_list=template.trainable_variables``: the params under ``scope/``; the rest."""
    mine = {k: v for k, v in params.items() if k.startswith(scope + "/")}
    return mine, {k: v for k, v in params.items() if k not in mine}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--steps", type=int, default=2000, help="training steps (each trains both players)"
    )
    parser.add_argument("--batch", type=int, default=64, help="samples per batch")
    parser.add_argument("--hidden", type=int, default=4, help="hidden units of both networks")
    parser.add_argument("--lr", type=float, default=0.005, help="Adam learning rate")
    parser.add_argument("--log-every", type=int, default=200, help="steps between reports")
    parser.add_argument("--seed", type=int, default=0, help="data and initial weights")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    model = fs.transform(GAN(args.hidden))
    batch = (real_batch(rng, 2), noise_batch(rng, 2), noise_batch(rng, 2))
    params = model.init(jax.random.key(args.seed), *batch)["params"]
    for name, value in params.items():
        print(f"{name}: {list(value.shape)}")

    d_params, _ = split(params, "discriminator")
    g_params, _ = split(params, "generator")
    d_optimizer = tf.train.AdamOptimizer(args.lr, beta1=0.5)
    g_optimizer = tf.train.AdamOptimizer(args.lr, beta1=0.5)
    d_state, g_state = d_optimizer.init(d_params), g_optimizer.init(g_params)

    def loss(key: str, mine: dict, others: dict, *inputs) -> jax.Array:
        return model.apply({"params": {**mine, **others}}, *inputs)[key]

    @jax.jit
    def train_step(params, d_state, g_state, x, z):
        # sess.run(opt_d, ...) then sess.run(opt_g, ...): each player on its own variables.
        d_params, others = split(params, "discriminator")
        loss_d, grads = jax.value_and_grad(loss, 1)("loss_d", d_params, others, x, z, z)
        updates, d_state = d_optimizer.update(grads, d_state, d_params)
        params = {**others, **optax.apply_updates(d_params, updates)}

        g_params, others = split(params, "generator")
        loss_g, grads = jax.value_and_grad(loss, 1)("loss_g", g_params, others, x, z, z)
        updates, g_state = g_optimizer.update(grads, g_state, g_params)
        params = {**others, **optax.apply_updates(g_params, updates)}
        return params, d_state, g_state, loss_d, loss_g

    history = []
    for step in range(1, args.steps + 1):
        x, z = real_batch(rng, args.batch), noise_batch(rng, args.batch)
        params, d_state, g_state, loss_d, loss_g = train_step(params, d_state, g_state, x, z)
        history.append((float(loss_d), float(loss_g)))
        if step % args.log_every == 0 or step == args.steps:
            print(f"step {step}: loss_d {history[-1][0]:.4f}  loss_g {history[-1][1]:.4f}")

    z_sample = noise_batch(rng, 1000)
    samples = np.asarray(model.apply({"params": params}, z_sample, z_sample, z_sample)["samples"])
    print(f"generated: mean {samples.mean():.3f}, std {samples.std():.3f}")
    print(f"data:      mean {DATA_MU:.3f}, std {DATA_SIGMA:.3f}")
    return {"params": params, "history": history, "samples": samples}


if __name__ == "__main__":
    main()
