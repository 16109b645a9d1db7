"""Data-parallel "towers" built in a Python loop, sharing one model through ``AUTO_REUSE``.

Ports a TF1 multi-GPU training program in the style of TensorFlow's
``cifar10_multi_gpu_train.py``: the batch is split into ``num_towers`` shards and a loop
builds one tower per shard under ``tf.device('/gpu:%d' % i)`` and
``tf.name_scope('tower_%d' % i)``. Every tower calls the same ``inference`` function,
whose ``tf.variable_scope("model", reuse=tf.AUTO_REUSE)`` creates the variables in the
first tower and reuses them in all the others, so there is one ``model/hidden/weights``
however many towers there are. Weight decay comes from ``get_variable(...,
regularizer=...)``: TF1 adds a regularization loss when a variable is *created*, so
``tf.losses.get_regularization_loss()`` counts each weight once, not once per tower.
Training uses ``tf.train.GradientDescentOptimizer`` with
``tf.train.exponential_decay(..., staircase=True)``.

What changed in the port: the imports (the math is TF1's: ``tf.split``,
``tf.nn.sparse_softmax_cross_entropy_with_logits``, ``tf.nn.l2_loss``, ...);
``images.get_shape()`` became ``images.shape``; placeholders became arguments;
``sess.run`` became ``jax.jit``; the per-tower ``compute_gradients`` and their average
became one ``jax.grad`` of the mean tower loss (the same numbers). ``tf.device`` stays and
does nothing: one ``jax.jit`` runs the whole step, and to spread a batch over several
devices you shard it (docs/migration.md).

Run: python examples/auto_reuse_loop.py [--towers 4 --steps 600]
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
def inference(
    images: jax.Array, hidden_units: int, num_classes: int, weight_decay: float
) -> jax.Array:
    def l2(w: jax.Array) -> jax.Array:
        return weight_decay * tf.nn.l2_loss(w)

    with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
        with tf.variable_scope("hidden"):
            weights = tf.get_variable(
                "weights",
                [images.shape[1], hidden_units],
                initializer=tf.truncated_normal_initializer(stddev=0.1),
                regularizer=l2,
            )
            biases = tf.get_variable(
                "biases", [hidden_units], initializer=tf.constant_initializer(0.1)
            )
            hidden = tf.nn.relu(tf.matmul(images, weights) + biases)
        with tf.variable_scope("softmax_linear"):
            weights = tf.get_variable(
                "weights",
                [hidden_units, num_classes],
                initializer=tf.truncated_normal_initializer(stddev=0.1),
                regularizer=l2,
            )
            biases = tf.get_variable(
                "biases", [num_classes], initializer=tf.constant_initializer(0.0)
            )
            logits = tf.matmul(hidden, weights) + biases
    return logits


def tower_loss(images: jax.Array, labels: jax.Array, **config: Any) -> jax.Array:
    logits = inference(images, **config)
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


def towers(
    images: jax.Array,
    labels: jax.Array,
    num_towers: int,
    hidden_units: int = 64,
    num_classes: int = 4,
    weight_decay: float = 1e-3,
) -> tuple[jax.Array, list[jax.Array]]:
    """The total loss (mean tower loss plus weight decay) and each tower's loss."""
    config = {"hidden_units": hidden_units, "num_classes": num_classes}
    images_split = tf.split(images, num_towers)
    labels_split = tf.split(labels, num_towers)
    tower_losses = []
    for i in range(num_towers):
        with tf.device("/cpu:0"), tf.name_scope(f"tower_{i}"):  # cifar10: f"/gpu:{i}"
            tower_losses.append(
                tower_loss(images_split[i], labels_split[i], weight_decay=weight_decay, **config)
            )
    # Each weight's regularization loss was added once, when the first tower created it.
    total_loss = tf.add_n(tower_losses) / num_towers + tf.losses.get_regularization_loss()
    return total_loss, tower_losses


# --- data: Gaussian blobs ---------------------------------------------------------------
class Blobs:
    def __init__(self, dim: int, num_classes: int, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.centers = self.rng.normal(0.0, 1.0, (num_classes, dim)).astype(np.float32)

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        labels = self.rng.integers(0, len(self.centers), size).astype(np.int32)
        noise = self.rng.normal(0.0, 1.0, (size, self.centers.shape[1]))
        return (self.centers[labels] + noise).astype(np.float32), labels


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--towers", type=int, default=4, help="towers (one shard of the batch each)"
    )
    parser.add_argument("--steps", type=int, default=600, help="training steps")
    parser.add_argument("--batch", type=int, default=128, help="whole batch, all towers")
    parser.add_argument("--dim", type=int, default=20, help="input features")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units of the shared model")
    parser.add_argument("--classes", type=int, default=4, help="classes in the synthetic data")
    parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate")
    parser.add_argument("--log-every", type=int, default=100, help="steps between reports")
    parser.add_argument("--seed", type=int, default=0, help="data and initial weights")
    args = parser.parse_args(argv)
    if args.batch % args.towers:
        parser.error("--batch must be a multiple of --towers")

    data = Blobs(args.dim, args.classes, args.seed)
    model = fs.transform(
        lambda images, labels: towers(
            images, labels, args.towers, hidden_units=args.hidden, num_classes=args.classes
        )
    )
    params = model.init(jax.random.key(args.seed), *data.batch(args.batch))["params"]
    print(f"{args.towers} towers, one set of variables:")
    for name, value in params.items():
        print(f"  {name}: {list(value.shape)}")

    # Decay the learning rate tenfold every half of the run, as TF1's staircase schedule.
    schedule = tf.train.exponential_decay(
        args.lr, None, decay_steps=max(args.steps // 2, 1), decay_rate=0.1, staircase=True
    )
    optimizer = tf.train.GradientDescentOptimizer(schedule)
    opt_state = optimizer.init(params)

    @jax.jit
    def train_step(params, opt_state, images, labels):
        def loss_fn(params):
            return model.apply({"params": params}, images, labels)[0]

        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    losses = []
    for step in range(1, args.steps + 1):
        params, opt_state, loss = train_step(params, opt_state, *data.batch(args.batch))
        losses.append(float(loss))
        if step % args.log_every == 0 or step == args.steps:
            print(f"step {step}: total loss {losses[-1]:.4f}")

    # Evaluation is another function on the same variables (TF1: an eval graph + restore).
    evaluate = fs.transform(lambda x: inference(x, args.hidden, args.classes, weight_decay=0.0))
    images, labels = data.batch(1024)
    logits = jax.jit(evaluate.apply)({"params": params}, images)
    accuracy = float(np.mean(np.argmax(np.asarray(logits), -1) == labels))
    print(f"accuracy: {accuracy:.3f}")
    return {"params": params, "losses": losses, "accuracy": accuracy}


if __name__ == "__main__":
    main()
