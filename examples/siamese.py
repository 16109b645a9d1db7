"""A siamese network: one tower, two inputs, one set of weights through ``reuse``.

Ports the TF1 siamese network of the well-known ``siamese_tf_mnist`` tutorial
(``inference.py``): two inputs go through the same three fully connected layers, built in
``tf.variable_scope("siamese")``; between the two calls ``scope.reuse_variables()`` makes
the second tower reuse the first one's ``fc1W``, ``fc1b``, ... The contrastive loss
("loss with spring") pulls pairs of the same class together and pushes other pairs at
least ``margin`` apart. The TF1 program trained on MNIST with
``tf.train.GradientDescentOptimizer(0.01)``; here the digits are synthetic (ten noisy class
prototypes), so nothing is downloaded.

What changed in the port: ``import tensorflow as tf`` became ``import flaxscope.compat.v1
as tf``; the TF1 class became functions and placeholders became their arguments (the math
is TF1's, line for line; ``bottom.get_shape()`` is ``bottom.shape``, a JAX array
having no ``get_shape`` method: docs/migration.md section 10c); ``sess.run`` became
``jax.jit`` over ``apply`` and a TF1-exact optimizer from ``flaxscope.train``.

Run: python examples/siamese.py [--steps 2000 --input-dim 784 --hidden 1024]
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


# --- the TF1 model, ported --------------------------------------------------------------
def fc_layer(bottom, n_weight, name):
    assert len(bottom.shape) == 2
    n_prev_weight = bottom.shape[1]
    initer = tf.truncated_normal_initializer(stddev=0.01)
    W = tf.get_variable(  # noqa: N806  (the tutorial's names)
        name + "W", dtype=tf.float32, shape=[n_prev_weight, n_weight], initializer=initer
    )
    b = tf.get_variable(
        name + "b",
        dtype=tf.float32,
        initializer=tf.constant(0.01, shape=[n_weight], dtype=tf.float32),
    )
    return tf.nn.bias_add(tf.matmul(bottom, W), b)


def network(x, hidden):
    fc1 = fc_layer(x, hidden, "fc1")
    ac1 = tf.nn.relu(fc1)
    fc2 = fc_layer(ac1, hidden, "fc2")
    ac2 = tf.nn.relu(fc2)
    fc3 = fc_layer(ac2, 2, "fc3")
    return fc3


def loss_with_spring(o1, o2, y_):
    margin = 5.0
    labels_t = y_
    labels_f = tf.subtract(1.0, y_, name="1-yi")
    eucd2 = tf.reduce_sum(tf.pow(tf.subtract(o1, o2), 2), 1)
    eucd = tf.sqrt(eucd2 + 1e-6, name="eucd")
    C = tf.constant(margin, name="C")  # noqa: N806
    pos = tf.multiply(labels_t, eucd2, name="yi_x_eucd2")
    neg = tf.multiply(labels_f, tf.pow(tf.maximum(tf.subtract(C, eucd), 0), 2))
    loss = tf.reduce_mean(tf.add(pos, neg), name="loss")
    return loss


def siamese(x1, x2, y_, hidden=1024):
    with tf.variable_scope("siamese") as scope:
        o1 = network(x1, hidden)
        scope.reuse_variables()
        o2 = network(x2, hidden)
    return o1, o2, loss_with_spring(o1, o2, y_)


# --- data: ten noisy class prototypes instead of MNIST ----------------------------------
class PairData:
    def __init__(self, input_dim: int, seed: int = 0, classes: int = 10) -> None:
        self.rng = np.random.default_rng(seed)
        self.prototypes = self.rng.uniform(0.0, 1.0, (classes, input_dim)).astype(np.float32)

    def sample(self, labels: np.ndarray) -> np.ndarray:
        noise = self.rng.normal(0.0, 0.3, (len(labels), self.prototypes.shape[1]))
        return (self.prototypes[labels] + noise).astype(np.float32)

    def next_pairs(self, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``batch`` pairs, half of them of the same class (label 1.0)."""
        n = len(self.prototypes)
        c1 = self.rng.integers(0, n, batch)
        same = self.rng.random(batch) < 0.5
        c2 = np.where(same, c1, (c1 + self.rng.integers(1, n, batch)) % n)
        return self.sample(c1), self.sample(c2), same.astype(np.float32)


# --- training: sess.run(train_step) becomes a jitted function ---------------------------
def make_train_step(model: fs.Transformed, optimizer: optax.GradientTransformation):
    def loss_fn(params: dict[str, jax.Array], x1, x2, y_) -> jax.Array:
        return model.apply({"params": params}, x1, x2, y_)[2]

    @jax.jit
    def train_step(params, opt_state, x1, x2, y_):
        loss, grads = jax.value_and_grad(loss_fn)(params, x1, x2, y_)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return train_step


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=2000, help="training steps")
    parser.add_argument("--batch", type=int, default=128, help="pairs per batch")
    parser.add_argument(
        "--input-dim", type=int, default=784, help="features per input (784: MNIST's)"
    )
    parser.add_argument("--hidden", type=int, default=1024, help="units of the hidden layers")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    parser.add_argument("--log-every", type=int, default=100, help="steps between reports")
    parser.add_argument("--seed", type=int, default=0, help="data and initial weights")
    args = parser.parse_args(argv)

    data = PairData(args.input_dim, args.seed)
    model = fs.transform(lambda x1, x2, y_: siamese(x1, x2, y_, hidden=args.hidden))
    variables = model.init(jax.random.key(args.seed), *data.next_pairs(2))
    params = variables["params"]
    for name, value in params.items():
        print(f"{name}: {list(value.shape)}")

    optimizer = tf.train.GradientDescentOptimizer(args.lr)
    opt_state = optimizer.init(params)
    train_step = make_train_step(model, optimizer)
    losses = []
    for step in range(1, args.steps + 1):
        params, opt_state, loss = train_step(params, opt_state, *data.next_pairs(args.batch))
        losses.append(float(loss))
        if step % args.log_every == 0 or step == args.steps:
            print(f"step {step}: loss {losses[-1]:.3f}")

    # Same-class pairs should end up closer than other pairs in the 2-d embedding.
    x1, x2, y_ = data.next_pairs(512)
    o1, o2, _ = jax.jit(model.apply)({"params": params}, x1, x2, y_)
    dist = np.linalg.norm(np.asarray(o1) - np.asarray(o2), axis=1)
    same, other = float(dist[y_ == 1].mean()), float(dist[y_ == 0].mean())
    print(f"mean distance: same class {same:.3f}, other classes {other:.3f}")
    return {"params": params, "losses": losses, "same": same, "other": other}


if __name__ == "__main__":
    main()
