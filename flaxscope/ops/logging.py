"""``tf.logging`` on Python's :mod:`logging`, registered with
:func:`~flaxscope.ops._registry.tf_op` (family ``logging``).

Messages go to the logger named ``"tensorflow"``, as TF1's did, so ``tf.logging.info("step
%d", 3)`` prints ``INFO:tensorflow:step 3`` once ``tf.logging.set_verbosity(tf.logging.INFO)``
is called (the default threshold is ``WARN``, TF1's); handlers configured for that logger
(by TF itself, or by the application) apply. Inside ``jax.jit`` a traced value prints as a
tracer, as with ``print``: use ``jax.debug.print`` for values computed under ``jit``.
"""

from __future__ import annotations

import logging as _logging
import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from flaxscope.ops._registry import tf_op

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_counts: dict[tuple[str, int], int] = {}


def get_logger() -> _logging.Logger:
    """The ``"tensorflow"`` logger, given TF's ``LEVEL:tensorflow:message`` handler on first
    use when neither it nor the root logger has one (what TF's own ``get_logger`` does)."""
    logger = _logging.getLogger("tensorflow")
    if not logger.handlers and not _logging.getLogger().handlers:
        handler = _logging.StreamHandler(sys.stderr)
        handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT))
        logger.addHandler(handler)
        if logger.level == _logging.NOTSET:
            logger.setLevel(WARN)
    return logger


def _caller() -> tuple[str, int]:
    frame = sys._getframe(3)  # the user's call, above the registry wrapper and this op
    return frame.f_code.co_filename, frame.f_lineno


@tf_op("logging.log", family="logging")
def log(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """``tf.logging.log(level, msg, *args)``: ``msg % args`` at ``level``."""
    get_logger().log(level, msg, *args, **kwargs)


@tf_op("logging.debug", family="logging")
def debug(msg: Any, *args: Any, **kwargs: Any) -> None:
    """``tf.logging.debug``."""
    get_logger().debug(msg, *args, **kwargs)


@tf_op("logging.info", family="logging")
def info(msg: Any, *args: Any, **kwargs: Any) -> None:
    """``tf.logging.info``."""
    get_logger().info(msg, *args, **kwargs)


@tf_op("logging.warn", "logging.warning", family="logging")
def warning(msg: Any, *args: Any, **kwargs: Any) -> None:
    """``tf.logging.warn`` / ``tf.logging.warning``."""
    get_logger().warning(msg, *args, **kwargs)


@tf_op("logging.error", family="logging")
def error(msg: Any, *args: Any, **kwargs: Any) -> None:
    """``tf.logging.error``."""
    get_logger().error(msg, *args, **kwargs)


@tf_op("logging.fatal", family="logging")
def fatal(msg: Any, *args: Any, **kwargs: Any) -> None:
    """``tf.logging.fatal``: logs at ``FATAL`` (``CRITICAL``); like TF1's, it does not exit."""
    get_logger().critical(msg, *args, **kwargs)


@tf_op("logging.vlog", family="logging")
def vlog(level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
    """``tf.logging.vlog``: :func:`log` (TF1's verbose levels are the logging levels)."""
    get_logger().log(level, msg, *args, **kwargs)


@tf_op("logging.log_every_n", family="logging")
def log_every_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """``tf.logging.log_every_n``: logs the 1st, (n+1)-th, (2n+1)-th... call from the same
    line of code."""
    site = _caller()
    count = _counts.get(site, 0)
    _counts[site] = count + 1
    if count % max(int(n), 1) == 0:
        get_logger().log(level, msg, *args)


@tf_op("logging.log_first_n", family="logging")
def log_first_n(level: int, msg: Any, n: int, *args: Any) -> None:
    """``tf.logging.log_first_n``: logs the first ``n`` calls from the same line of code."""
    site = _caller()
    count = _counts.get(site, 0)
    _counts[site] = count + 1
    if count < int(n):
        get_logger().log(level, msg, *args)


@tf_op("logging.log_if", family="logging")
def log_if(level: int, msg: Any, condition: Any, *args: Any) -> None:
    """``tf.logging.log_if``: logs when ``condition`` holds."""
    if condition:
        get_logger().log(level, msg, *args)


@tf_op("logging.set_verbosity", family="logging")
def set_verbosity(v: int) -> None:
    """``tf.logging.set_verbosity``: the threshold of the ``"tensorflow"`` logger."""
    get_logger().setLevel(v)


@tf_op("logging.get_verbosity", family="logging")
def get_verbosity() -> int:
    """``tf.logging.get_verbosity``: the logger's effective threshold."""
    return get_logger().getEffectiveLevel()


@tf_op("logging.flush", family="logging")
def flush() -> None:
    """``tf.logging.flush``: flushes the logger's handlers."""
    for handler in get_logger().handlers:
        handler.flush()


@tf_op("logging.TaskLevelStatusMessage", family="logging")
def TaskLevelStatusMessage(msg: Any) -> None:  # noqa: N802  (TF1's name)
    """``tf.logging.TaskLevelStatusMessage``: logs ``msg`` at ``ERROR``, as TF1."""
    get_logger().error(msg)


def _format(value: Any, summarize: int) -> str:
    flat = np.asarray(value).ravel()
    n = flat.size if summarize < 0 else summarize
    return " ".join(str(v) for v in flat[:n]) + ("..." if flat.size > n else "")


@tf_op("Print", family="logging", default_name="Print")
def Print(  # noqa: N802  (TF1's name)
    input_: Any,
    data: Any,
    message: str | None = None,
    first_n: int | None = None,
    summarize: int | None = None,
    name: str | None = None,
) -> Any:
    """``tf.Print``: returns ``input_``, and prints ``message`` followed by ``[values]`` of
    each of ``data`` (their first ``summarize`` entries, 3 by default) to stderr each time
    the computation runs (``jax.debug.callback``: it prints under ``jax.jit`` too), the
    first ``first_n`` times when given."""
    del name
    summarize = 3 if summarize is None else int(summarize)
    arrays = [jnp.asarray(d) for d in (data if isinstance(data, (list, tuple)) else [data])]
    count = [0]

    def show(*values: Any) -> None:
        count[0] += 1
        if first_n is not None and 0 <= first_n < count[0]:
            return
        line = (message or "") + "".join(f"[{_format(v, summarize)}]" for v in values)
        print(line, file=sys.stderr)

    jax.debug.callback(show, *arrays)
    return input_
