"""Differential harness: run one scope program on ``tf.compat.v1`` and on flaxscope.

A *program* is a plain function ``prog(tf, rec)``. ``tf`` is the namespace under test
(``tensorflow.compat.v1`` or ``flaxscope.compat.v1``) and ``rec`` a :class:`Recorder` that
logs what the program can observe: variable names, shapes and dtypes, scope names, the
strings ``name_scope`` yields, errors, collections and deterministic values. The program is
written once; the backends differ only in how a fact is read off an object (``v.name`` in
TF, ``flaxscope.name_of(v)`` in flaxscope) and how a value is fetched.

TF runs in graph mode inside a fresh ``tf.Graph``. flaxscope runs the program four times:
in ``transform(...).init``, in ``apply`` with the variables ``init`` returned, in
``jax.jit(apply)``, and eagerly on the default store (a TF1 script on the default graph).
Every run must log the same events as TF (see :func:`compare_events`): equal events, except
that an error needs the same type and TF's message (without its traceback) contained in
flaxscope's, and a value TF draws at random matches any value. The runs of the transform
must moreover see identical values for every recorded variable, random ones included, and
the variables trees of ``init`` and of the default store must have exactly TF's variable
names (trainable ones in ``params``, the others in ``state``).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

Program = Callable[[Any, "Recorder"], Any]
Event = tuple


class Recorder:
    """What a program logs. Subclasses adapt reading names and values to a backend."""

    def __init__(self, tf: Any) -> None:
        self.tf = tf
        self.events: list[Event] = []

    # -- backend adapters -------------------------------------------------------------
    def name(self, v: Any) -> str:
        """The TF name (with ``:0``) of a variable returned by get_variable/Variable."""
        raise NotImplementedError

    def _value(self, v: Any) -> Any:
        """A token standing for ``v``'s value; resolved to numpy after the run."""
        raise NotImplementedError

    def _note_var(self, v: Any) -> None:
        """Hook: the flaxscope recorder keeps every recorded variable's value."""

    # -- what programs call -----------------------------------------------------------
    def var(self, v: Any) -> Any:
        """Logs a variable's name, shape and dtype; returns ``v``."""
        shape = v.shape
        shape = shape.as_list() if hasattr(shape, "as_list") else list(shape)
        dtype = v.dtype
        dtype = getattr(dtype, "base_dtype", dtype)
        self.events.append(("var", self.name(v), [int(d) for d in shape], str(dtype.name)))
        self._note_var(v)
        return v

    def vars(self, vs: Sequence[Any]) -> None:
        for v in vs:
            self.var(v)

    def scope(self, vs: Any) -> Any:
        """Logs a VariableScope: name, original_name_scope and reuse."""
        self.events.append(("scope", vs.name, vs.original_name_scope, self._reuse(vs.reuse)))
        return vs

    def cur(self) -> None:
        """Logs the current variable scope (``get_variable_scope()``)."""
        self.scope(self.tf.get_variable_scope())

    def ns(self, s: Any) -> Any:
        """Logs the string a ``name_scope`` yields."""
        self.events.append(("ns", s))
        return s

    def log(self, *facts: Any) -> None:
        """Logs plain Python facts (strings, ints, bools, lists of those)."""
        self.events.append(("log", *facts))

    def same(self, a: Any, b: Any) -> None:
        """Logs whether two get_variable results are the same variable object."""
        self.events.append(("same", a is b))

    def coll(self, items: Sequence[Any]) -> None:
        """Logs a collection (a list of variables or plain values) by name, in order."""
        names = []
        for item in items:
            if isinstance(item, str | int | float | bool):
                names.append(item)
            else:
                names.append(self._item_name(item))
        self.events.append(("coll", names))

    def value(self, v: Any) -> None:
        """Logs a deterministic value (constant/zeros/ones initializers), compared exactly."""
        self.events.append(("value", self._value(v)))

    def error(self, fn: Callable[[], Any]) -> Any:
        """Runs ``fn``; logs ``("ok",)`` or the exception's type and message.

        Returns ``fn()``'s result, or ``None`` if it raised.
        """
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - any exception is an observable fact
            self.events.append(("error", type(e).__name__, _message(e)))
            return None
        self.events.append(("ok",))
        return result

    # -- helpers ----------------------------------------------------------------------
    def _item_name(self, item: Any) -> str:
        name = getattr(item, "name", None)
        if isinstance(name, str):
            return name
        return self.name(item)

    def _reuse(self, reuse: Any) -> Any:
        if reuse is self.tf.AUTO_REUSE:
            return "AUTO_REUSE"
        return repr(reuse)


def _message(e: BaseException) -> str:
    if isinstance(e, KeyError) and len(e.args) == 1:
        return str(e.args[0])
    return str(e)


def normalize_tf_message(msg: str) -> str:
    """The part of a TF message flaxscope must contain.

    TF appends the creation traceback of a ref variable (``... Originally defined at:``) and
    templates append the template's definition site (``\\n\\noriginally defined at:``);
    neither can be reproduced, so they are cut off.
    """
    for marker in ("\n\noriginally defined at:", " Originally defined at:"):
        cut = msg.find(marker)
        if cut >= 0:
            msg = msg[:cut]
    return msg.strip()


# ------------------------------------------------------------------------------------
# TensorFlow backend
# ------------------------------------------------------------------------------------


def tf_v1() -> Any:
    import tensorflow as tf

    return tf.compat.v1


class _TFValue:
    def __init__(self, v: Any) -> None:
        self.v = v


class TFRecorder(Recorder):
    def name(self, v: Any) -> str:
        return v.name

    def _value(self, v: Any) -> Any:
        return _TFValue(v)


@dataclass
class TFResult:
    events: list[Event]
    params: list[str] = field(default_factory=list)  # trainable variables' op names
    state: list[str] = field(default_factory=list)  # the other variables' op names
    crash: str | None = None


def run_tf(prog: Program) -> TFResult:
    """Runs ``prog`` on ``tf.compat.v1`` in a fresh graph."""
    import tensorflow as tf

    tf1 = tf.compat.v1
    rec = TFRecorder(tf1)
    with tf.Graph().as_default() as graph:
        crash = None
        try:
            prog(tf1, rec)
        except Exception:  # noqa: BLE001
            crash = traceback.format_exc()
        _resolve_tf_values(rec)
        trainable = [v.op.name for v in tf1.trainable_variables()]
        handles = [op.name for op in graph.get_operations() if op.type == "VarHandleOp"]
    params = sorted(set(trainable))
    state = sorted(set(handles) - set(trainable))
    return TFResult(rec.events, params, state, crash)


def _resolve_tf_values(rec: TFRecorder) -> None:
    """Replaces value tokens by the variable's constant initial value, or ``None``.

    ``None`` stands for a value that is not a graph constant (a random initializer); it
    matches any flaxscope value (the PRNGs differ), see :func:`check_program`.
    """
    import tensorflow as tf

    for i, e in enumerate(rec.events):
        if e[0] == "value":
            v = e[1].v
            static = tf.get_static_value(v.initial_value)
            if static is not None:
                static = np.asarray(static, dtype=v.dtype.base_dtype.as_numpy_dtype)
            rec.events[i] = ("value", static)


# ------------------------------------------------------------------------------------
# flaxscope backend
# ------------------------------------------------------------------------------------


def fs_v1() -> Any:
    import flaxscope.compat.v1 as fs

    return fs


class _FSValue:
    def __init__(self, index: int) -> None:
        self.index = index


class FSRecorder(Recorder):
    """Records on flaxscope; values travel out of the traced function as its outputs."""

    def __init__(self, tf: Any) -> None:
        super().__init__(tf)
        self.outputs: list[Any] = []  # arrays returned by the transformed function
        self.var_values: list[tuple[str, int]] = []  # (name, output index) per var()

    def name(self, v: Any) -> str:
        import flaxscope

        return flaxscope.name_of(v)

    def _value(self, v: Any) -> Any:
        self.outputs.append(v)
        return _FSValue(len(self.outputs) - 1)

    def _note_var(self, v: Any) -> None:
        self.outputs.append(v)
        self.var_values.append((self.name(v), len(self.outputs) - 1))

    def resolve(self, outputs: Sequence[Any]) -> None:
        self.outputs = [np.asarray(o) for o in outputs]
        for i, e in enumerate(self.events):
            if e[0] == "value":
                self.events[i] = ("value", self.outputs[e[1].index])


@dataclass
class FSRun:
    mode: str
    events: list[Event]
    var_values: list[tuple[str, np.ndarray]]
    crash: str | None = None


@dataclass
class FSResult:
    runs: list[FSRun]  # init, apply, jit(apply): same events and the same values
    params: list[str] | None = None
    state: list[str] | None = None
    crash: str | None = None
    default: FSRun | None = None  # the default store (outside transform): same events
    default_params: list[str] | None = None
    default_state: list[str] | None = None


def run_default_graph(prog: Program) -> tuple[FSRun, list[str], list[str]]:
    """Runs ``prog`` eagerly on flaxscope's default store, as a TF1 script runs on the
    default graph; returns the run and the store's params and state keys."""
    import flaxscope

    fs = fs_v1()
    rec = FSRecorder(fs)
    flaxscope.reset_default_graph()
    try:
        prog(fs, rec)
        rec.resolve(list(rec.outputs))
        variables = flaxscope.default_variables()
    except Exception:  # noqa: BLE001
        return FSRun("default graph", rec.events, [], traceback.format_exc()), [], []
    finally:
        flaxscope.reset_default_graph()
    values = [(n, rec.outputs[i]) for n, i in rec.var_values]
    run = FSRun("default graph", rec.events, values)
    return run, sorted(variables.get("params", {})), sorted(variables.get("state", {}))


def run_flaxscope(prog: Program, *, jit: bool = True, default_graph: bool = True) -> FSResult:
    """Runs ``prog`` in ``init``, then ``apply`` and ``jax.jit(apply)`` with init's variables,
    and (with ``default_graph``) eagerly on the default store."""
    import jax

    import flaxscope

    fs = fs_v1()
    holder: list[FSRecorder] = []

    def model() -> list[Any]:
        rec = holder[-1]
        prog(fs, rec)
        return list(rec.outputs)

    f = flaxscope.transform(model)
    runs: list[FSRun] = []

    def one(mode: str, call: Callable[[], Any]) -> Any:
        rec = FSRecorder(fs)
        holder.append(rec)
        try:
            result = call()
        except Exception:  # noqa: BLE001
            runs.append(FSRun(mode, rec.events, [], traceback.format_exc()))
            return None
        finally:
            holder.pop()
        if mode == "init":
            # init returns the variables; the values recorded are concrete arrays.
            outputs = list(rec.outputs)
        else:
            outputs = result
        try:
            rec.resolve(outputs)
        except Exception:  # noqa: BLE001
            runs.append(FSRun(mode, rec.events, [], traceback.format_exc()))
            return None
        values = [(n, rec.outputs[i]) for n, i in rec.var_values]
        runs.append(FSRun(mode, rec.events, values))
        return result

    variables = one("init", lambda: f.init(jax.random.PRNGKey(0)))
    if variables is None:
        return FSResult(runs, crash=runs[-1].crash)
    params = sorted(variables.get("params", {}))
    state = sorted(variables.get("state", {}))
    one("apply", lambda: f.apply(variables))
    if jit:
        one("jit(apply)", lambda: jax.jit(f.apply)(variables))
    result = FSResult(runs, params, state)
    if default_graph:
        result.default, result.default_params, result.default_state = run_default_graph(prog)
    return result


# ------------------------------------------------------------------------------------
# Comparison
# ------------------------------------------------------------------------------------


def _fmt(e: Event) -> str:
    if e[0] == "value":
        return f"('value', {np.asarray(e[1])!r})"
    return repr(e)


def _as_lists(x: Any) -> Any:
    """Tuples as lists, recursively: events read back from the golden files are lists."""
    if isinstance(x, (list, tuple)):
        return [_as_lists(i) for i in x]
    return x


def _same_event(tf_e: Event, fs_e: Event) -> bool:
    if tf_e[0] != fs_e[0]:
        return False
    if tf_e[0] == "error":
        return tf_e[1] == fs_e[1] and normalize_tf_message(tf_e[2]) in fs_e[2]
    if tf_e[0] == "value":
        if tf_e[1] is None:  # random on TF: not comparable across frameworks
            return True
        a, b = np.asarray(tf_e[1]), np.asarray(fs_e[1])
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    return _as_lists(tf_e) == _as_lists(fs_e)


def compare_events(tf_events: Sequence[Event], fs_events: Sequence[Event]) -> str | None:
    """``None`` if the event lists agree, else a readable description of the first diff."""
    for i, (a, b) in enumerate(zip(tf_events, fs_events, strict=False)):
        if not _same_event(a, b):
            lines = [f"event #{i} differs:", f"  tf:        {_fmt(a)}", f"  flaxscope: {_fmt(b)}"]
            if i:
                lines.append("  after: " + "; ".join(_fmt(e) for e in tf_events[max(0, i - 3) : i]))
            return "\n".join(lines)
    if len(tf_events) != len(fs_events):
        n = min(len(tf_events), len(fs_events))
        return (
            f"tf logged {len(tf_events)} events, flaxscope {len(fs_events)}; first extra: "
            + _fmt((list(tf_events) + list(fs_events))[n] if len(tf_events) > n else fs_events[n])
        )
    return None


def check_program(
    prog: Program,
    *,
    jit: bool = True,
    default_graph: bool = True,
    check_tree: bool = True,
    strict_values: bool = False,
    tf_result: TFResult | None = None,
) -> str | None:
    """Runs ``prog`` on both backends; ``None`` if they agree, else what differs.

    With ``strict_values``, every ``rec.value`` must be a constant on TF (hand-written
    programs record only deterministic values; generated ones may record random ones).
    ``tf_result`` is TF's answer recorded earlier (the golden files); without it the
    program runs on TF here.
    """
    if tf_result is None:
        tf_result = run_tf(prog)
    if tf_result.crash:
        return "the program crashed on TensorFlow (not a valid program):\n" + tf_result.crash
    if strict_values and any(e[0] == "value" and e[1] is None for e in tf_result.events):
        return "the program records a value that is not constant on TensorFlow"
    fs_result = run_flaxscope(prog, jit=jit, default_graph=default_graph)
    problems = []
    event_runs = fs_result.runs + ([fs_result.default] if fs_result.default else [])
    for run in event_runs:
        if run.crash:
            problems.append(f"[{run.mode}] flaxscope crashed:\n{run.crash}")
            continue
        diff = compare_events(tf_result.events, run.events)
        if diff:
            problems.append(f"[{run.mode}] {diff}")
    if problems:
        return "\n".join(problems) + "\n\nTF events:\n" + "\n".join(map(_fmt, tf_result.events))
    init = fs_result.runs[0]
    for run in fs_result.runs[1:]:
        for (n1, a), (n2, b) in zip(init.var_values, run.var_values, strict=True):
            if n1 != n2 or a.dtype != b.dtype or not np.array_equal(a, b, equal_nan=True):
                return f"[{run.mode}] value of {n2} differs from init's {n1}: {b!r} vs {a!r}"
    if check_tree:
        trees = [("init", fs_result.params, fs_result.state)]
        if fs_result.default:
            trees.append(("default graph", fs_result.default_params, fs_result.default_state))
        for mode, params, state in trees:
            if params != tf_result.params:
                return f"[{mode}] params keys: tf {tf_result.params}, flaxscope {params}"
            if state != tf_result.state:
                return f"[{mode}] state keys: tf {tf_result.state}, flaxscope {state}"
    return None


def check_tf_deterministic(prog: Program) -> str | None:
    """Runs ``prog`` twice on TF: it must not crash and must log the same events."""
    a, b = run_tf(prog), run_tf(prog)
    if a.crash:
        return "crashed on TensorFlow:\n" + a.crash
    diff = compare_events(a.events, b.events)
    if diff:
        return "not deterministic on TensorFlow: " + diff
    return None
