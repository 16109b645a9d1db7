"""Save and restore a variables tree, and its optax state, with orbax-checkpoint.

Which format when:

- **orbax** (this module) for JAX-side training: it stores any pytree exactly, optax
  states (``NamedTuple`` s, masks, step counters) included, writes and reads sharded
  ``jax.Array`` s in parallel from every host, restores onto the shardings you ask for,
  and keeps numbered steps (``step=``, ``max_to_keep=``). Resuming from it continues the
  run bit for bit. Reading it needs orbax (``pip install 'flaxscope[orbax]'``).
- **TF1 format** (:mod:`flaxscope.checkpoint`: ``.index`` + ``.data-*``) to exchange
  weights with TensorFlow and its tools: ``tf.train.Saver``, ``tf.train.load_checkpoint``,
  ``init_from_checkpoint`` of a pretrained TF1 model, TF1 optimizer slots by TF1's names
  (``flaxscope.train``). It is one host's flat ``{name: array}`` dict.

Layout: a checkpoint is a directory with one orbax item ``variables`` and, when given,
one item ``opt_state``. With ``step=`` the directory holds numbered checkpoints
(``<directory>/<step>/``), managed by ``orbax.checkpoint.CheckpointManager``; for async
saving or preemption handling, use that manager directly with the same items
(``ocp.args.Composite(variables=ocp.args.StandardSave(...), ...)``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import jax

__all__ = ["all_steps", "latest_step", "restore", "save"]

_VARIABLES = "variables"
_OPT_STATE = "opt_state"


def _ocp() -> Any:
    try:
        import orbax.checkpoint as ocp
    except ImportError as e:
        raise ImportError(
            "flaxscope.orbax_io needs orbax-checkpoint, which is not installed: "
            "pip install 'flaxscope[orbax]' (or pip install orbax-checkpoint). To write a "
            "checkpoint without it, use flaxscope.checkpoint (TF1 format)."
        ) from e
    return ocp


def _path(directory: str | os.PathLike) -> str:
    return os.path.abspath(os.fspath(directory))


def _manager(directory: str, max_to_keep: int | None = None) -> Any:
    ocp = _ocp()
    options = ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=True)
    return ocp.CheckpointManager(directory, options=options)


def save(
    directory: str | os.PathLike,
    variables: Mapping[str, Any],
    opt_state: Any = None,
    *,
    step: int | None = None,
    max_to_keep: int | None = None,
    overwrite: bool = False,
) -> str:
    """Writes ``variables`` (and ``opt_state``) to an orbax checkpoint; returns its path.

    Without ``step`` the checkpoint is ``directory`` itself (an existing one is an error
    unless ``overwrite=True``). With ``step`` it is ``directory/<step>``, and only the
    newest ``max_to_keep`` steps are kept (all if ``None``). Returns once the checkpoint
    is complete on disk.

    TF1 equivalent: ``tf.train.Saver(max_to_keep=...).save(sess, path, global_step=step)``.
    """
    ocp = _ocp()
    directory = _path(directory)
    items = {_VARIABLES: ocp.args.StandardSave(variables)}
    if opt_state is not None:
        items[_OPT_STATE] = ocp.args.StandardSave(opt_state)
    args = ocp.args.Composite(**items)
    if step is None:
        if os.path.exists(directory) and not overwrite:
            raise FileExistsError(
                f"{directory} already exists. Pass overwrite=True to replace it, or step= to "
                "keep numbered checkpoints in it."
            )
        with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as checkpointer:
            checkpointer.save(directory, args=args, force=overwrite)
        return directory
    step = int(step)
    with _manager(directory, max_to_keep) as manager:
        if step in manager.all_steps():
            if not overwrite:
                raise FileExistsError(
                    f"Step {step} already exists in {directory}. Pass overwrite=True to replace it."
                )
            manager.delete(step)
        manager.save(step, args=args, force=True)
        manager.wait_until_finished()
    return os.path.join(directory, str(step))


def all_steps(directory: str | os.PathLike) -> list[int]:
    """The steps saved in ``directory`` with ``save(..., step=)``, oldest first."""
    directory = _path(directory)
    if not os.path.isdir(directory):
        return []
    with _manager(directory) as manager:
        return sorted(manager.all_steps())


def latest_step(directory: str | os.PathLike) -> int | None:
    """The newest step saved in ``directory``, or ``None``.

    TF1 equivalent: ``tf.train.latest_checkpoint(directory)``.
    """
    steps = all_steps(directory)
    return steps[-1] if steps else None


def _abstract(tree: Any) -> Any:
    """The restore target: shapes, dtypes and shardings of ``tree`` (arrays or specs)."""
    ocp = _ocp()
    return jax.tree.map(ocp.utils.to_shape_dtype_struct, tree)


def restore(
    directory: str | os.PathLike,
    like: Any = None,
    *,
    step: int | None = None,
) -> Any:
    """Reads a checkpoint written by :func:`save`.

    ``like`` says what to read and into which structure, shapes, dtypes and shardings:

    - a variables tree (arrays or ``jax.ShapeDtypeStruct`` s, e.g. from
      ``jax.eval_shape(model.init, ...)``): returns the variables;
    - a pair ``(variables, opt_state)``: returns both (the optimizer state needs a template,
      from ``tx.init(params)`` or ``jax.eval_shape`` of it, to get its types back);
    - ``None``: returns the variables as saved, on the default device.

    ``directory`` is a checkpoint, or a directory of numbered steps; then ``step`` picks
    one (the newest by default).

    TF1 equivalent: ``tf.train.Saver().restore(sess, tf.train.latest_checkpoint(dir))``.
    """
    ocp = _ocp()
    directory = _path(directory)
    path = directory
    steps = all_steps(directory) if not _is_checkpoint(directory) else []
    if step is not None or steps:
        if not steps:
            raise FileNotFoundError(f"No numbered checkpoints in {directory}.")
        chosen = steps[-1] if step is None else int(step)
        if chosen not in steps:
            raise FileNotFoundError(f"No step {chosen} in {directory}; it has steps {steps}.")
        path = os.path.join(directory, str(chosen))
    if not _is_checkpoint(path):
        raise FileNotFoundError(f"No flaxscope orbax checkpoint at {path}.")

    with_opt_state = isinstance(like, tuple) and len(like) == 2
    variables_like, opt_state_like = like if with_opt_state else (like, None)
    items = {
        _VARIABLES: ocp.args.StandardRestore(
            None if variables_like is None else _abstract(variables_like)
        )
    }
    if with_opt_state:
        if not os.path.isdir(os.path.join(path, _OPT_STATE)):
            raise ValueError(
                f"The checkpoint {path} holds no optimizer state (it was saved without "
                "opt_state); restore with like=variables."
            )
        items[_OPT_STATE] = ocp.args.StandardRestore(_abstract(opt_state_like))
    with ocp.Checkpointer(ocp.CompositeCheckpointHandler()) as checkpointer:
        restored = checkpointer.restore(path, args=ocp.args.Composite(**items))
    if with_opt_state:
        return restored[_VARIABLES], restored[_OPT_STATE]
    return restored[_VARIABLES]


def _is_checkpoint(path: str) -> bool:
    return os.path.isdir(os.path.join(path, _VARIABLES))
