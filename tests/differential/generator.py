"""Seeded random scope programs, built as data and interpreted on either backend.

A program is a list of statements (a small AST of dataclasses below). :func:`generate`
draws one from a ``random.Random``; :func:`as_program` turns it into the harness's
``prog(tf, rec)`` by interpreting the AST; :func:`render` prints it as readable Python so a
failing program can be read (and pasted) from the assertion message.

The draw favours collisions: a small alphabet of scope and variable names with case
variants and ``_1`` suffixes, re-entry of earlier scopes by string and by object, absolute
re-entry of earlier name scopes, every ``reuse`` mode, ``default_name``,
``auxiliary_name_scope=False``, shapes and dtypes that clash with earlier ones, invalid
names, missing shapes, constant initializers with shapes, ``reuse_variables()``,
``make_template`` (including ``tf.Variable`` inside a template), collections, and
``tf.layers`` / RNN-cell calls (``dense``, ``conv1d``, ``conv2d``, ``batch_normalization``,
``dropout``, layer objects called again,
``BasicLSTMCell``, ``dynamic_rnn``) whose scopes and names mix with all of these.

Every statement runs under ``rec.error`` so errors are observed, never fatal. A statement
that refers to a scope or name scope that was never bound (its ``with`` failed) logs
``skip``; both backends see the same skips as long as they agree on the errors.

Seeds: ``FLAXSCOPE_DIFF_SEED`` (default :data:`DEFAULT_SEED`); program ``i`` of a run is
drawn from ``random.Random(f"{seed}:{i}")``, so one program can be regenerated alone.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SEED = 20170308  # the seed tutorial's date


def seed_from_env() -> int:
    return int(os.environ.get("FLAXSCOPE_DIFF_SEED", DEFAULT_SEED))


# -------------------------------------------------------------------------------------
# AST
# -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeRef:
    """A VariableScope bound earlier by ``with tf.variable_scope(...) as s<i>``; -1 = root."""

    index: int


@dataclass(frozen=True)
class TemplateScopeRef:
    """``t<i>.variable_scope`` of a template made earlier (``None`` before its first call)."""

    tid: int


CURRENT = ScopeRef(-2)  # tf.get_variable_scope() at the time the statement runs


@dataclass(frozen=True)
class NsRef:
    """A string yielded earlier by ``with tf.name_scope(...) as n<i>`` (absolute re-entry)."""

    index: int


@dataclass(frozen=True)
class OrigRef:
    """``s<i>.original_name_scope`` of a VariableScope bound earlier."""

    index: int


@dataclass
class NameScope:
    name: str | None | NsRef | OrigRef
    default: str | None
    bind: int
    body: list[Any] = field(default_factory=list)


@dataclass
class VarScope:
    target: str | None | ScopeRef | TemplateScopeRef
    default: str | None
    reuse: Any  # None, True, False, "AUTO_REUSE"
    aux: bool
    init: str | None
    dtype: str | None
    getter: str | None  # a suffix the custom getter appends, or None
    bind: int
    body: list[Any] = field(default_factory=list)


@dataclass
class GetVar:
    name: str
    shape: Any  # list (may contain None) or None
    dtype: str | None
    init: str | None
    trainable: bool | None
    collections: list[str] | None


@dataclass
class NewVar:
    value: Any
    name: str | None
    dtype: str | None
    trainable: bool | None


@dataclass
class ReuseVariables:
    target: ScopeRef | None  # None: the current scope


@dataclass
class RecordScope:
    pass


@dataclass
class Raise:
    """``raise ValueError("boom")``: leaves the enclosing scopes by an exception."""


@dataclass
class RecordCollection:
    # global_variables / trainable_variables / local_variables / get_collection:<key>, or
    # scope:<i>:<method> for VariableScope s<i>'s global_variables()/trainable_variables()
    fn: str
    scope: str | None


@dataclass
class MakeTemplate:
    tid: int
    name: str
    create_scope_now: bool
    unique_name: str | None
    body: list[Any] = field(default_factory=list)


@dataclass
class CallTemplate:
    tid: int


@dataclass
class LayerCall:
    """A ``tf.layers`` / ``tf.nn.rnn_cell`` call on a constant input, then the graph's
    variables. ``kind``: ``dense``, ``conv1d`` (functional, ``name`` and ``reuse``),
    ``Dense`` (make layer object ``L<lid>`` and call it), ``again`` (call ``L<lid>`` once
    more), ``lstm`` (a ``BasicLSTMCell`` called on the zero state), ``dynamic_rnn``."""

    kind: str
    name: str | None
    reuse: Any
    lid: int


# -------------------------------------------------------------------------------------
# Generation
# -------------------------------------------------------------------------------------

SCOPE_NAMES = ["a", "a", "b", "b", "A", "a_1", "b_1", "B", "s", "a/b", "w"]
BAD_SCOPE_NAMES = ["_x", "x y", "-q", "a:b"]
VAR_NAMES = ["w", "w", "w", "b", "b", "W", "w_1", "v", "a", "s", "a/w"]
BAD_VAR_NAMES = ["_w", "w w", "-w"]
SHAPES: list[Any] = [[], [1], [2], [2], [2, 3], [3, 2], [1, 2]]
DTYPES = [None, None, None, "float32", "float16", "int32", "bool"]
FLOAT_INITS = ["normal", "glorot", "const2", "zeros", "ones"]
ANY_INITS = ["zeros", "ones", "const2"]
SCOPE_INITS = [None, None, None, "zeros", "ones", "const3"]
COLLECTIONS = ["variables", "local_variables", "extra"]
VALUES: list[Any] = [1.0, 2, True, [1.0, 2.0], [[1, 2, 3]], [0.5], 1.5]
VALUE_DTYPES = [None, None, None, None, "float32", "int32", "float16"]


@dataclass
class _Gen:
    rng: random.Random
    n_scope: int = 0
    n_ns: int = 0
    n_tmpl: int = 0
    n_layer: int = 0
    budget: int = 0
    scope_names: list[str] = field(default_factory=list)  # names used, for collection filters

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: list[Any]) -> Any:
        return self.rng.choice(seq)

    # -- names --------------------------------------------------------------------------
    def scope_name(self) -> str:
        if self.chance(0.04):
            return self.pick(BAD_SCOPE_NAMES)
        name = self.pick(SCOPE_NAMES)
        self.scope_names.append(name)
        return name

    def var_name(self) -> str:
        if self.chance(0.04):
            return self.pick(BAD_VAR_NAMES)
        return self.pick(VAR_NAMES)

    # -- statements ---------------------------------------------------------------------
    def block(self, depth: int, templates: list[int], in_template: bool) -> list[Any]:
        out: list[Any] = []
        n = self.rng.randint(1, 4)
        for _ in range(n):
            if self.budget <= 0:
                break
            self.budget -= 1
            out.append(self.statement(depth, templates, in_template))
        return out

    def statement(self, depth: int, templates: list[int], in_template: bool) -> Any:
        if in_template and self.chance(0.06):
            # tf.Variable in a template body: TF's error on the template's second call
            return self.new_var()
        r = self.rng.random()
        nest = depth < 3
        if nest and r < 0.30:
            return self.var_scope(depth, templates, in_template)
        if nest and r < 0.42:
            return self.name_scope(depth, templates, in_template)
        if r < 0.64:
            return self.get_var()
        if r < 0.70:
            return self.layer_call()
        if r < 0.76:
            return self.new_var()
        if r < 0.79:
            target = None
            if self.n_scope and self.chance(0.5):
                target = ScopeRef(self.rng.randrange(self.n_scope))
            return ReuseVariables(target)
        if r < 0.84:
            return RecordScope()
        if r < 0.88:
            fn = self.pick(
                [
                    "global_variables",
                    "trainable_variables",
                    "local_variables",
                    "get_collection:extra",
                ]
            )
            scope = None
            if self.chance(0.5) and self.scope_names:
                scope = self.pick(self.scope_names) + self.pick(["", "/"])
            if self.n_scope and self.chance(0.2):
                method = self.pick(["global_variables", "trainable_variables"])
                fn, scope = f"scope:{self.rng.randrange(self.n_scope)}:{method}", None
            return RecordCollection(fn, scope)
        if depth > 0 and r < 0.895:
            return Raise()
        if not in_template and depth < 2 and r < 0.93:
            tid = self.n_tmpl
            self.n_tmpl += 1
            body = self.block(depth + 1, list(templates), True)
            templates.append(tid)
            return MakeTemplate(
                tid,
                self.pick(["t", "t", "a", "net"]),
                self.chance(0.25),
                self.pick([None, None, None, "u", "a"]),
                body,
            )
        if templates:
            return CallTemplate(self.pick(templates))
        return self.get_var()

    def new_var(self) -> NewVar:
        return NewVar(
            value=self.pick(VALUES),
            name=self.pick([None, *VAR_NAMES]),
            dtype=self.pick(VALUE_DTYPES),
            trainable=self.pick([None, None, False]),
        )

    def layer_call(self) -> LayerCall:
        kind = self.pick(
            ["dense", "dense", "conv1d", "conv2d", "batch_norm", "dropout", "Dense", "again"]
            + ["lstm", "dynamic_rnn"]
        )
        if kind == "again" and not self.n_layer:
            kind = "Dense"
        name = self.pick([None, None, "dense", "w", "a", "rnn", "basic_lstm_cell"])
        reuse = self.pick([None, None, None, True, "AUTO_REUSE"])
        if kind == "Dense":
            lid = self.n_layer
            self.n_layer += 1
        elif kind == "again":
            lid = self.rng.randrange(self.n_layer)
        else:
            lid = -1
        return LayerCall(kind, name, reuse, lid)

    def get_var(self) -> GetVar:
        dtype = self.pick(DTYPES)
        shape: Any = self.pick(SHAPES)
        r = self.rng.random()
        if r < 0.12:
            shape = None
        elif r < 0.135:
            shape = [None, *shape[1:]] if shape else [None]
        init = None
        if self.chance(0.45 if shape is not None else 0.2):
            if dtype in ("int32", "bool"):
                init = self.pick(ANY_INITS if dtype == "int32" else ["zeros", "ones"])
            else:
                init = self.pick(FLOAT_INITS)
        if self.chance(0.07):
            init = self.pick(["value_f", "value_i"])
            if self.chance(0.6):
                shape = None
            if self.chance(0.6):
                dtype = None
        collections = None
        if self.chance(0.08):
            collections = self.rng.sample(COLLECTIONS, self.rng.randint(0, 2))
        return GetVar(
            self.var_name(),
            shape,
            dtype,
            init,
            self.pick([None, None, None, True, False]),
            collections,
        )

    def var_scope(self, depth: int, templates: list[int], in_template: bool) -> VarScope:
        r = self.rng.random()
        default = None
        if r < 0.15 and self.n_scope:
            target: Any = ScopeRef(self.rng.randrange(self.n_scope))
        elif r < 0.17:
            target = ScopeRef(-1)
        elif r < 0.19:
            target = CURRENT
        elif r < 0.21 and templates:
            target = TemplateScopeRef(self.pick(templates))
        elif r < 0.30:
            target = None
            default = self.pick(["d", "d", "a", "D"])
        elif r < 0.33:
            target = ""
        else:
            target = self.scope_name()
            if self.chance(0.1):
                default = "d"
        reuse = self.pick([None, None, None, None, True, True, False, "AUTO_REUSE", "AUTO_REUSE"])
        if default is not None and self.chance(0.7):
            reuse = None  # reuse=True with only a default_name is an error; keep it rare
        bind = self.n_scope
        self.n_scope += 1
        return VarScope(
            target=target,
            default=default,
            reuse=reuse,
            aux=not self.chance(0.12),
            init=self.pick(SCOPE_INITS) if self.chance(0.25) else None,
            dtype="float16" if self.chance(0.06) else None,
            getter=self.pick(["_g", "_h"]) if self.chance(0.06) else None,
            bind=bind,
            body=self.block(depth + 1, templates, in_template),
        )

    def name_scope(self, depth: int, templates: list[int], in_template: bool) -> NameScope:
        r = self.rng.random()
        default = None
        if r < 0.2 and self.n_ns:
            name: Any = NsRef(self.rng.randrange(self.n_ns))
        elif r < 0.3 and self.n_scope:
            name = OrigRef(self.rng.randrange(self.n_scope))
        elif r < 0.36:
            name = self.pick([None, ""])
        elif r < 0.44:
            name = None
            default = self.pick(["d", "a"])
        else:
            name = self.scope_name()
        bind = self.n_ns
        self.n_ns += 1
        return NameScope(name, default, bind, self.block(depth + 1, templates, in_template))


def generate(rng: random.Random) -> list[Any]:
    """One random program (a list of statements)."""
    gen = _Gen(rng, budget=rng.randint(5, 18))
    templates: list[int] = []
    program: list[Any] = []
    while gen.budget > 0:
        program.extend(gen.block(0, templates, False))
    if rng.random() < 0.5:
        program.append(RecordCollection("global_variables", None))
    if rng.random() < 0.3:
        program.append(RecordCollection("trainable_variables", None))
    return program


def program_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"{seed}:{index}")


def generate_many(seed: int, start: int, count: int) -> list[tuple[int, list[Any]]]:
    return [(i, generate(program_rng(seed, i))) for i in range(start, start + count)]


# -------------------------------------------------------------------------------------
# Interpretation
# -------------------------------------------------------------------------------------


def _initializer(tf: Any, spec: str | None) -> Any:
    if spec is None:
        return None
    return {
        "zeros": lambda: tf.zeros_initializer(),
        "ones": lambda: tf.ones_initializer(),
        "const2": lambda: tf.constant_initializer(2),
        "const3": lambda: tf.constant_initializer(3),
        "normal": lambda: tf.random_normal_initializer(),
        "glorot": lambda: tf.glorot_uniform_initializer(),
        "value_f": lambda: [1.0, 2.0],
        "value_i": lambda: [1, 2],
    }[spec]()


def _dtype(tf: Any, name: str | None) -> Any:
    return None if name is None else getattr(tf, name)


def _reuse(tf: Any, reuse: Any) -> Any:
    return tf.AUTO_REUSE if reuse == "AUTO_REUSE" else reuse


class _Interpreter:
    def __init__(self, tf: Any, rec: Any) -> None:
        self.tf = tf
        self.rec = rec
        self.scopes: dict[int, Any] = {-1: tf.get_variable_scope()}
        self.ns: dict[int, str] = {}
        self.templates: dict[int, Any] = {}
        self.layers: dict[int, Any] = {}

    def block(self, nodes: list[Any]) -> None:
        for node in nodes:
            getattr(self, "_" + type(node).__name__)(node)

    def _skip(self) -> None:
        self.rec.log("skip")

    def _NameScope(self, node: NameScope) -> None:
        name = node.name
        if isinstance(name, NsRef):
            if name.index not in self.ns:
                return self._skip()
            name = self.ns[name.index]
        elif isinstance(name, OrigRef):
            if name.index not in self.scopes:
                return self._skip()
            name = self.scopes[name.index].original_name_scope

        def enter() -> None:
            with self.tf.name_scope(name, default_name=node.default) as s:
                self.rec.ns(s)
                self.ns[node.bind] = s
                self.block(node.body)

        self.rec.error(enter)

    def _VarScope(self, node: VarScope) -> None:
        tf, rec = self.tf, self.rec
        target = node.target
        if target == CURRENT:
            target = tf.get_variable_scope()
        elif isinstance(target, ScopeRef):
            if target.index not in self.scopes:
                return self._skip()
            target = self.scopes[target.index]
        elif isinstance(target, TemplateScopeRef):
            template = self.templates.get(target.tid)
            if template is None or template.variable_scope is None:
                return self._skip()
            target = template.variable_scope
        kwargs: dict[str, Any] = {}
        if node.default is not None:
            kwargs["default_name"] = node.default
        if node.reuse is not None:
            kwargs["reuse"] = _reuse(tf, node.reuse)
        if not node.aux:
            kwargs["auxiliary_name_scope"] = False
        if node.init is not None:
            kwargs["initializer"] = _initializer(tf, node.init)
        if node.dtype is not None:
            kwargs["dtype"] = _dtype(tf, node.dtype)
        if node.getter is not None:
            suffix = node.getter

            def getter(getter: Any, name: str, *args: Any, **kw: Any) -> Any:
                rec.log("getter", suffix, name)
                return getter(name + suffix, *args, **kw)

            kwargs["custom_getter"] = getter

        def enter() -> None:
            with tf.variable_scope(target, **kwargs) as s:
                rec.scope(s)
                self.scopes[node.bind] = s
                self.block(node.body)

        rec.error(enter)

    def _GetVar(self, node: GetVar) -> None:
        tf, rec = self.tf, self.rec
        kwargs: dict[str, Any] = {}
        if node.dtype is not None:
            kwargs["dtype"] = _dtype(tf, node.dtype)
        if node.init is not None:
            kwargs["initializer"] = _initializer(tf, node.init)
        if node.trainable is not None:
            kwargs["trainable"] = node.trainable
        if node.collections is not None:
            kwargs["collections"] = list(node.collections)
        v = rec.error(lambda: tf.get_variable(node.name, node.shape, **kwargs))
        if v is not None:
            rec.var(v)
            rec.value(v)

    def _NewVar(self, node: NewVar) -> None:
        tf, rec = self.tf, self.rec
        kwargs: dict[str, Any] = {}
        if node.name is not None:
            kwargs["name"] = node.name
        if node.dtype is not None:
            kwargs["dtype"] = _dtype(tf, node.dtype)
        if node.trainable is not None:
            kwargs["trainable"] = node.trainable
        v = rec.error(lambda: tf.Variable(node.value, **kwargs))
        if v is not None:
            rec.var(v)
            rec.value(v)

    def _ReuseVariables(self, node: ReuseVariables) -> None:
        if node.target is None:
            self.tf.get_variable_scope().reuse_variables()
        elif node.target.index in self.scopes:
            self.scopes[node.target.index].reuse_variables()
        else:
            self._skip()

    def _RecordScope(self, node: RecordScope) -> None:
        self.rec.cur()

    def _Raise(self, node: Raise) -> None:
        raise ValueError("boom")

    def _RecordCollection(self, node: RecordCollection) -> None:
        tf = self.tf
        if node.fn.startswith("get_collection:"):
            key = node.fn.split(":", 1)[1]
            items = self.rec.error(lambda: tf.get_collection(key, node.scope))
        elif node.fn.startswith("scope:"):
            _, index, method = node.fn.split(":")
            if int(index) not in self.scopes:
                return self._skip()
            items = self.rec.error(getattr(self.scopes[int(index)], method))
        else:
            fn = getattr(tf, node.fn)
            items = self.rec.error(lambda: fn(node.scope))
        if items is not None:
            self.rec.coll(items)

    def _LayerCall(self, node: LayerCall) -> None:
        import numpy as np

        tf, rec = self.tf, self.rec
        x2 = np.ones((1, 3), np.float32)
        x3 = np.ones((1, 4, 3), np.float32)
        x4 = np.ones((1, 3, 3, 2), np.float32)
        reuse = _reuse(tf, node.reuse)

        def call() -> Any:
            if node.kind == "dense":
                return tf.layers.dense(x2, 2, name=node.name, reuse=reuse)
            if node.kind == "conv1d":
                return tf.layers.conv1d(x3, 2, 2, name=node.name, reuse=reuse)
            if node.kind == "conv2d":
                return tf.layers.conv2d(x4, 2, 2, name=node.name, reuse=reuse)
            if node.kind == "batch_norm":
                return tf.layers.batch_normalization(x2, name=node.name, reuse=reuse)
            if node.kind == "dropout":
                return tf.layers.dropout(x2, 0.5, training=False, name=node.name)
            if node.kind == "Dense":
                self.layers[node.lid] = tf.layers.Dense(2, name=node.name)
                return self.layers[node.lid](x2)
            if node.kind == "again":
                if node.lid not in self.layers:
                    return None
                return self.layers[node.lid](x2)
            cell = tf.nn.rnn_cell.BasicLSTMCell(2, name=node.name)
            if node.kind == "lstm":
                return cell(x2, cell.zero_state(1, tf.float32))[0]
            return tf.nn.dynamic_rnn(cell, x3, dtype=tf.float32)[0]

        out = rec.error(call)
        if out is not None:
            rec.log("shape", [int(d) for d in out.shape])
        rec.coll(tf.global_variables())

    def _MakeTemplate(self, node: MakeTemplate) -> None:
        def fn() -> None:
            self.block(node.body)

        def make() -> Any:
            return self.tf.make_template(
                node.name,
                fn,
                create_scope_now_=node.create_scope_now,
                unique_name_=node.unique_name,
            )

        t = self.rec.error(make)
        if t is not None:
            self.templates[node.tid] = t

    def _CallTemplate(self, node: CallTemplate) -> None:
        t = self.templates.get(node.tid)
        if t is None:
            return self._skip()
        self.rec.error(t)


def as_program(nodes: list[Any]) -> Any:
    """The harness program ``prog(tf, rec)`` that interprets ``nodes``."""

    def prog(tf: Any, rec: Any) -> None:
        _Interpreter(tf, rec).block(nodes)

    return prog


# -------------------------------------------------------------------------------------
# Rendering
# -------------------------------------------------------------------------------------

_INIT_SRC = {
    "zeros": "tf.zeros_initializer()",
    "ones": "tf.ones_initializer()",
    "const2": "tf.constant_initializer(2)",
    "const3": "tf.constant_initializer(3)",
    "normal": "tf.random_normal_initializer()",
    "glorot": "tf.glorot_uniform_initializer()",
    "value_f": "[1.0, 2.0]",
    "value_i": "[1, 2]",
}


def _ref(x: Any) -> str:
    if x == CURRENT:
        return "tf.get_variable_scope()"
    if isinstance(x, ScopeRef):
        return "root" if x.index < 0 else f"s{x.index}"
    if isinstance(x, TemplateScopeRef):
        return f"t{x.tid}.variable_scope"
    if isinstance(x, NsRef):
        return f"n{x.index}"
    if isinstance(x, OrigRef):
        return f"s{x.index}.original_name_scope"
    return repr(x)


def _args(*positional: str, **kw: Any) -> str:
    return ", ".join([*positional, *(f"{k}={v}" for k, v in kw.items() if v is not None)])


def _render(nodes: list[Any], indent: int, out: list[str]) -> None:
    pad = "    " * indent
    for node in nodes:
        if isinstance(node, NameScope):
            args = _args(_ref(node.name), default_name=repr(node.default) if node.default else None)
            out.append(f"{pad}with tf.name_scope({args}) as n{node.bind}:")
            _render_body(node.body, indent + 1, out)
        elif isinstance(node, VarScope):
            reuse = {None: None, True: "True", False: "False", "AUTO_REUSE": "tf.AUTO_REUSE"}[
                node.reuse
            ]
            args = _args(
                _ref(node.target),
                default_name=repr(node.default) if node.default else None,
                reuse=reuse,
                auxiliary_name_scope=None if node.aux else "False",
                initializer=_INIT_SRC[node.init] if node.init else None,
                dtype=f"tf.{node.dtype}" if node.dtype else None,
                custom_getter=f"suffix_getter({node.getter!r})" if node.getter else None,
            )
            out.append(f"{pad}with tf.variable_scope({args}) as s{node.bind}:")
            _render_body(node.body, indent + 1, out)
        elif isinstance(node, GetVar):
            args = _args(
                repr(node.name),
                repr(node.shape),
                dtype=f"tf.{node.dtype}" if node.dtype else None,
                initializer=_INIT_SRC[node.init] if node.init else None,
                trainable=None if node.trainable is None else repr(node.trainable),
                collections=None if node.collections is None else repr(node.collections),
            )
            out.append(f"{pad}tf.get_variable({args})")
        elif isinstance(node, NewVar):
            args = _args(
                repr(node.value),
                name=None if node.name is None else repr(node.name),
                dtype=f"tf.{node.dtype}" if node.dtype else None,
                trainable=None if node.trainable is None else repr(node.trainable),
            )
            out.append(f"{pad}tf.Variable({args})")
        elif isinstance(node, ReuseVariables):
            target = "tf.get_variable_scope()" if node.target is None else _ref(node.target)
            out.append(f"{pad}{target}.reuse_variables()")
        elif isinstance(node, RecordScope):
            out.append(f"{pad}rec.scope(tf.get_variable_scope())")
        elif isinstance(node, Raise):
            out.append(f"{pad}raise ValueError('boom')")
        elif isinstance(node, RecordCollection):
            if node.fn.startswith("get_collection:"):
                key = node.fn.split(":", 1)[1]
                out.append(f"{pad}rec.coll(tf.get_collection({key!r}, {node.scope!r}))")
            elif node.fn.startswith("scope:"):
                _, index, method = node.fn.split(":")
                out.append(f"{pad}rec.coll(s{index}.{method}())")
            else:
                out.append(f"{pad}rec.coll(tf.{node.fn}({node.scope!r}))")
        elif isinstance(node, MakeTemplate):
            out.append(f"{pad}def body{node.tid}():")
            _render_body(node.body, indent + 1, out)
            args = _args(
                repr(node.name),
                f"body{node.tid}",
                create_scope_now_="True" if node.create_scope_now else None,
                unique_name_=repr(node.unique_name) if node.unique_name else None,
            )
            out.append(f"{pad}t{node.tid} = tf.make_template({args})")
        elif isinstance(node, CallTemplate):
            out.append(f"{pad}t{node.tid}()")
        elif isinstance(node, LayerCall):
            name, reuse = (
                repr(node.name),
                _args(reuse=None if node.reuse is None else repr(node.reuse)),
            )
            src = {
                "dense": f"tf.layers.dense(x2, 2, name={name}{', ' + reuse if reuse else ''})",
                "conv1d": f"tf.layers.conv1d(x3, 2, 2, name={name}{', ' + reuse if reuse else ''})",
                "conv2d": f"tf.layers.conv2d(x4, 2, 2, name={name}{', ' + reuse if reuse else ''})",
                "batch_norm": f"tf.layers.batch_normalization(x2, name={name}"
                f"{', ' + reuse if reuse else ''})",
                "dropout": f"tf.layers.dropout(x2, 0.5, training=False, name={name})",
                "Dense": f"L{node.lid} = tf.layers.Dense(2, name={name}); L{node.lid}(x2)",
                "again": f"L{node.lid}(x2)",
                "lstm": f"cell = tf.nn.rnn_cell.BasicLSTMCell(2, name={name}); "
                "cell(x2, cell.zero_state(1, tf.float32))",
                "dynamic_rnn": f"tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicLSTMCell(2, name={name}), "
                "x3, dtype=tf.float32)",
            }[node.kind]
            out.append(f"{pad}{src}; rec.coll(tf.global_variables())")
        else:  # pragma: no cover - a new node type without a renderer
            out.append(f"{pad}{node!r}")


def _render_body(nodes: list[Any], indent: int, out: list[str]) -> None:
    if nodes:
        _render(nodes, indent, out)
    else:
        out.append("    " * indent + "pass")


def render(nodes: list[Any]) -> str:
    """The program as Python-like code (every statement runs under ``rec.error``)."""
    out = ["root = tf.get_variable_scope()"]
    _render(nodes, 0, out)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.differential.generator INDEX [--seed SEED]``: print and check one."""
    import argparse

    from tests.differential.harness import check_program

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("index", type=int)
    parser.add_argument("--seed", type=int, default=seed_from_env())
    args = parser.parse_args(argv)
    nodes = generate(program_rng(args.seed, args.index))
    print(render(nodes))
    problem = check_program(as_program(nodes))
    print("--- agrees with TF" if problem is None else "--- difference:\n" + problem)
    return 0 if problem is None else 1


if __name__ == "__main__":
    raise SystemExit(main())
