"""Error classes under TensorFlow's names (``tf.errors``), catchable as Python builtins.

TF1 raises its status errors (``tf.errors.NotFoundError``, ``DataLossError``, ...) from a
``Session``; its Python-side checks raise plain ``ValueError``/``TypeError``. flaxscope has
no session, so each class here also subclasses the builtin that the same mistake raises in
flaxscope, and callers can write either::

    try:
        fs.checkpoint.load_variables(path)
    except fs.errors.DataLossError:       # TF1: except tf.errors.DataLossError
        ...
    except ValueError:                    # or the builtin it also is
        ...

``NotFoundError`` is also a ``FileNotFoundError`` (a missing checkpoint is a missing file).
Every class keeps TF1's ``error_code`` and ``message``; ``node_def`` and ``op`` are ``None``
(there is no graph op to blame).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OpError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
]

# TF's error codes (tensorflow/core/protobuf/error_codes.proto), exposed as tf.errors.*.
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """``tf.errors.OpError``: the base of the status errors below.

    Built with a message alone (``DataLossError("...")``), or with TF's signature
    ``(node_def, op, message)``.
    """

    error_code = UNKNOWN

    def __init__(self, *args: Any) -> None:
        if len(args) == 3:
            node_def, op, message = args
        else:
            node_def, op = None, None
            message = args[0] if args else ""
        super().__init__(message)
        self._message = message
        self.node_def = node_def
        self.op = op

    @property
    def message(self) -> str:
        """The error text, as ``tf.errors.OpError.message``."""
        return self._message

    def __str__(self) -> str:
        return str(self._message)


class CancelledError(OpError, RuntimeError):
    """``tf.errors.CancelledError``: an operation was cancelled. Also a ``RuntimeError``."""

    error_code = CANCELLED


class UnknownError(OpError, RuntimeError):
    """``tf.errors.UnknownError``: an error of no other kind. Also a ``RuntimeError``."""

    error_code = UNKNOWN


class InvalidArgumentError(OpError, ValueError):
    """``tf.errors.InvalidArgumentError``: a bad argument. Also a ``ValueError``."""

    error_code = INVALID_ARGUMENT


class DeadlineExceededError(OpError, TimeoutError):
    """``tf.errors.DeadlineExceededError``: a deadline passed. Also a ``TimeoutError``."""

    error_code = DEADLINE_EXCEEDED


class NotFoundError(OpError, FileNotFoundError):
    """``tf.errors.NotFoundError``: a checkpoint, file or variable that is not there. Also a ``FileNotFoundError``."""

    error_code = NOT_FOUND


class AlreadyExistsError(OpError, FileExistsError):
    """``tf.errors.AlreadyExistsError``: something to create exists already. Also a ``FileExistsError``."""

    error_code = ALREADY_EXISTS


class PermissionDeniedError(OpError, PermissionError):
    """``tf.errors.PermissionDeniedError``: no permission for the operation. Also a ``PermissionError``."""

    error_code = PERMISSION_DENIED


class ResourceExhaustedError(OpError, MemoryError):
    """``tf.errors.ResourceExhaustedError``: out of memory or disk. Also a ``MemoryError``."""

    error_code = RESOURCE_EXHAUSTED


class FailedPreconditionError(OpError, ValueError):
    """``tf.errors.FailedPreconditionError``: a valid call refused in the present state (e.g. a save path whose parent is a file). Also a ``ValueError``."""

    error_code = FAILED_PRECONDITION


class AbortedError(OpError, RuntimeError):
    """``tf.errors.AbortedError``: an operation was aborted. Also a ``RuntimeError``."""

    error_code = ABORTED


class OutOfRangeError(OpError, IndexError):
    """``tf.errors.OutOfRangeError``: an iteration went past its end. Also a ``IndexError``."""

    error_code = OUT_OF_RANGE


class UnimplementedError(OpError, NotImplementedError):
    """``tf.errors.UnimplementedError``: an operation that is not supported. Also a ``NotImplementedError``."""

    error_code = UNIMPLEMENTED


class InternalError(OpError, RuntimeError):
    """``tf.errors.InternalError``: a broken invariant of the library. Also a ``RuntimeError``."""

    error_code = INTERNAL


class UnavailableError(OpError, RuntimeError):
    """``tf.errors.UnavailableError``: a service that cannot be reached. Also a ``RuntimeError``."""

    error_code = UNAVAILABLE


class DataLossError(OpError, ValueError):
    """``tf.errors.DataLossError``: a checkpoint file is truncated or corrupt. Also a
    ``ValueError``. Raised before any value is returned: a corrupt checkpoint is refused whole.
    """

    error_code = DATA_LOSS
