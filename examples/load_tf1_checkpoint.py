"""Load a checkpoint that TensorFlow 1.x wrote, check its outputs, and keep training in JAX.

Ports the TF1 "restore and continue" program: ``tf.train.latest_checkpoint(dir)``,
``tf.train.list_variables``, ``saver.restore(sess, path)``, evaluate, then resume training
with the optimizer state the checkpoint holds. The checkpoint is the one the TF1 script
tests/data/tf1_user_script.py writes (an LSTM classifier trained with Adam, saved with
``tf.train.Saver``); the model is its port, examples/ported_user_script.py. TensorFlow is
not needed to read the checkpoint: only to write it, and for ``--compare``, which runs the
TF1 script's own ``evaluate`` on the same checkpoint and compares the outputs.

1. ``fs.checkpoint.list_variables``: the TF1 names, which are flaxscope's param names;
2. ``fs.checkpoint.restore``: the params, into the tree ``init`` would build;
3. ``AdamOptimizer.restore_state``: Adam's slots (``.../Adam``, ``.../Adam_1``),
   ``beta1_power``, ``beta2_power`` and ``global_step``, so training resumes where TF1
   stopped, on the batches the TF1 script would have drawn next.

Run: python tests/data/tf1_user_script.py --steps 300 --save_dir /tmp/tf1_model
     python examples/load_tf1_checkpoint.py /tmp/tf1_model [--compare]
(with no directory, and TensorFlow installed, it first runs the TF1 script itself.)
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import jax
import numpy as np
import optax

import flaxscope as fs
import flaxscope.checkpoint
import flaxscope.train

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling port, when imported
import ported_user_script as port  # noqa: E402

TF1_SCRIPT = Path(__file__).resolve().parents[1] / "tests" / "data" / "tf1_user_script.py"


def tf1_script() -> ModuleType:
    """The TF1 script, imported (needs TensorFlow)."""
    spec = importlib.util.spec_from_file_location("tf1_user_script", TF1_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rel_err(a: Any, b: Any) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "checkpoint", nargs="?", help="a checkpoint directory or prefix; none: TF1 writes one first"
    )
    parser.add_argument("--compare", action="store_true", help="also run TF1's evaluate")
    parser.add_argument(
        "--tf1-steps",
        type=int,
        default=300,
        help="TF1 training steps when it writes the checkpoint",
    )
    parser.add_argument("--resume-steps", type=int, default=100, help="steps to train on in JAX")
    parser.add_argument("--seed", type=int, default=0, help="the TF1 run's data seed")
    args = parser.parse_args(argv)

    checkpoint = args.checkpoint
    if checkpoint is None:
        try:
            tf1 = tf1_script()
        except ImportError:
            parser.error(
                "give a checkpoint written by tests/data/tf1_user_script.py; writing one "
                "here needs TensorFlow (pip install -e '.[oracle]')."
            )
        checkpoint = tempfile.mkdtemp(prefix="tf1_model_")
        tf1.train(args.tf1_steps, checkpoint, seed=args.seed)
    if Path(checkpoint).is_dir():
        checkpoint = fs.checkpoint.latest_checkpoint(checkpoint)  # tf.train.latest_checkpoint
    print(f"checkpoint: {checkpoint}")
    for name, shape in fs.checkpoint.list_variables(checkpoint):
        print(f"  {name}: {shape}")

    # saver.restore(sess, checkpoint): the values, into the variables tree init would make.
    model, loss_fn = port.build_model()
    x_eval, y_eval = port.make_batch(np.random.default_rng(12345), 256)
    template = jax.eval_shape(model.init, jax.random.key(0), x_eval)
    params = fs.checkpoint.restore(checkpoint, template)["params"]
    logits = np.asarray(jax.jit(model.apply)({"params": params}, x_eval))
    accuracy = float(np.mean(logits.argmax(-1) == y_eval))
    print(f"restored model: accuracy {accuracy:.3f} on {len(y_eval)} new sequences")
    result: dict[str, Any] = {
        "checkpoint": checkpoint,
        "params": params,
        "logits": logits,
        "accuracy": accuracy,
    }

    if args.compare:
        tf_logits = tf1_script().evaluate(checkpoint, x_eval)
        result["max_rel_err"] = err = rel_err(logits, tf_logits)
        print(f"TF1's outputs on the same checkpoint: max relative error {err:.2e}")

    # Resume training with TF1's Adam state: the next steps are the ones TF1 would take.
    optimizer = fs.train.AdamOptimizer(port.LEARNING_RATE)
    opt_state = optimizer.restore_state(fs.checkpoint.load_variables(checkpoint), params)
    step = int(opt_state.global_step)
    print(f"resuming at global_step {step}")

    @jax.jit
    def train_step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    rng = np.random.default_rng(args.seed)
    for _ in range(step):  # the batches the TF1 run already used
        port.make_batch(rng)
    losses = []
    for _ in range(args.resume_steps):
        params, opt_state, loss = train_step(params, opt_state, *port.make_batch(rng))
        losses.append(float(loss))
    if losses:
        print(f"step {int(opt_state.global_step)}: loss {losses[-1]:.4f}")
    result.update(resumed_losses=losses, resumed_params=params, opt_state=opt_state)
    return result


if __name__ == "__main__":
    main()
