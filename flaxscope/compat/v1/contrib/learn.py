"""``tf.contrib.learn``: only ``ModeKeys``, the mode strings model functions test."""

from typing import Any

from flaxscope.compat.v1._missing import missing_message

__all__ = ["ModeKeys"]


class ModeKeys:
    """``tf.contrib.learn.ModeKeys``: the values of an estimator's ``mode`` argument."""

    TRAIN = "train"
    EVAL = "eval"
    INFER = "infer"


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(missing_message(f"contrib.learn.{name}"))
