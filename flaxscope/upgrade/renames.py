"""The one table of TF1 names the converter renames: ``tf.contrib`` names with a TF1 core or
flaxscope equivalent, and names from before TF 1.0.

Paths are relative to ``tf.`` (``"contrib.rnn.BasicLSTMCell"``). An entry whose ``new`` is
``None`` has no equivalent: the converter leaves the code and reports the entry's note. An
entry with ``args`` also rewrites the call's arguments (argument order changed in TF 1.0,
a keyword was renamed, a contrib function takes other arguments than its core namesake);
the rule returns ``None`` when the call cannot be converted exactly, and the call is then
left as written and reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import libcst as cst

from flaxscope.upgrade import _cst as c


class Renderer(Protocol):
    def render(self, path: str) -> cst.BaseExpression:
        """The expression that names ``tf.<path>`` in the converted file."""
        ...


# (new call or None when it cannot be converted, a note for the report or None); a note
# starting with CHECK is something a person must check (reported as a finding).
CHECK = "check: "
ArgRule = Callable[[cst.Call, Renderer], tuple[cst.Call | None, str | None]]


@dataclass(frozen=True)
class Rename:
    new: str | None
    note: str | None = None
    args: ArgRule | None = None


# contrib's truncated normal has stddev sqrt(1.3 * factor / n); TF1 core's
# variance_scaling_initializer(distribution="truncated_normal") has sqrt(scale / n) / c,
# c = 0.87962566103423978 (the stddev of a unit normal truncated at two stddevs). Equal when:
CONTRIB_TRUNCATED_SCALE = 1.3 * 0.87962566103423978**2


def _renamed_keywords(mapping: dict[str, str]) -> ArgRule:
    def rule(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
        args = [
            c.as_keyword(a, mapping[a.keyword.value])
            if a.keyword is not None and a.keyword.value in mapping
            else a
            for a in call.args
        ]
        return call.with_changes(args=args), None

    return rule


def _concat(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
    """``tf.concat(axis, values)`` (before 1.0) -> ``tf.concat(values, axis)``."""
    pos = c.positional(call)
    if c.keyword(call, "concat_dim") is not None:
        args = [c.as_keyword(a, "axis") if a.keyword and a.keyword.value == "concat_dim" else a
                for a in call.args]
        return call.with_changes(args=args), None
    if len(pos) == 2 and c.int_literal(pos[0].value) and not c.int_literal(pos[1].value):
        args = list(call.args)
        i, j = args.index(pos[0]), args.index(pos[1])
        args[i], args[j] = pos[0].with_changes(value=pos[1].value), pos[1].with_changes(
            value=pos[0].value
        )
        return call.with_changes(args=args), "argument order of TF < 1.0 (axis, values)"
    return call, None


def _split(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
    """``tf.split(split_dim, num_split, value)`` (before 1.0) -> ``tf.split(value, num, axis)``."""
    old_kw = {"split_dim": "axis", "num_split": "num_or_size_splits"}
    pos = c.positional(call)
    if any(c.keyword(call, k) for k in old_kw):
        args = list(call.args)
        names = ["axis", "num_or_size_splits", "value"]
        for n, a in enumerate(pos):
            args[args.index(a)] = c.as_keyword(a, names[n])
        args = [c.as_keyword(a, old_kw[a.keyword.value])
                if a.keyword is not None and a.keyword.value in old_kw else a for a in args]
        return call.with_changes(args=args), "argument names of TF < 1.0"
    if len(pos) == 3 and c.int_literal(pos[0].value) and not c.int_literal(pos[2].value):
        args = list(call.args)
        idx = [args.index(a) for a in pos]
        args[idx[0]] = pos[0].with_changes(value=pos[2].value)
        args[idx[2]] = pos[2].with_changes(value=pos[0].value)
        return call.with_changes(args=args), "argument order of TF < 1.0 (axis, num, value)"
    return call, None


def _logits_labels(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
    """TF < 1.0 took ``(logits, labels)`` positionally; TF1 takes only keywords."""
    args, note = [], None
    pos = c.positional(call)
    for a in call.args:
        if a in pos[:2]:
            args.append(c.as_keyword(a, ("logits", "labels")[pos.index(a)]))
            note = "positional (logits, labels) of TF < 1.0 as keywords"
        elif a.keyword is not None and a.keyword.value == "targets":
            args.append(c.as_keyword(a, "labels"))
            note = note or "targets= is labels= in TF1"
        else:
            args.append(a)
    return call.with_changes(args=args), note


def _xavier(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
    """contrib's ``xavier_initializer(uniform=True, seed=None, dtype=tf.float32)``."""
    if c.has_star(call):
        return None, "*args/**kwargs: convert by hand"
    names = ["uniform", "seed", "dtype"]
    given = {}
    for n, a in enumerate(c.positional(call)):
        given[names[n]] = a
    for a in call.args:
        if a.keyword is not None:
            given[a.keyword.value] = a
    uniform = given.pop("uniform", None)
    rest = [c.as_keyword(given[k], k) for k in ("seed", "dtype") if k in given]
    flag = True if uniform is None else c.bool_literal(uniform.value)
    if flag is None:
        return None, "uniform= is not a literal True/False: choose the initializer by hand"
    if flag:
        return c.with_args(call.with_changes(func=r.render("glorot_uniform_initializer")),
                           rest), None
    new = [
        c.kwarg("scale", cst.Float(repr(CONTRIB_TRUNCATED_SCALE))),
        c.kwarg("mode", cst.SimpleString('"fan_avg"')),
        c.kwarg("distribution", cst.SimpleString('"truncated_normal"')),
    ]
    note = ("uniform=False: contrib's truncated normal (stddev sqrt(1.3 / fan_avg)) is "
            f"variance_scaling_initializer with scale={CONTRIB_TRUNCATED_SCALE!r}")
    return c.with_args(call.with_changes(func=r.render("variance_scaling_initializer")),
                       new + rest), note


def _variance_scaling(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
    """contrib's ``variance_scaling_initializer(factor=2.0, mode='FAN_IN', uniform=False,
    seed=None, dtype=tf.float32)`` -> the core one's ``scale/mode/distribution``."""
    if c.has_star(call):
        return None, "*args/**kwargs: convert by hand"
    names = ["factor", "mode", "uniform", "seed", "dtype"]
    given = {names[n]: a for n, a in enumerate(c.positional(call))}
    given.update({a.keyword.value: a for a in call.args if a.keyword is not None})
    uniform = c.bool_literal(given["uniform"].value) if "uniform" in given else False
    if uniform is None:
        return None, "uniform= is not a literal True/False: choose the distribution by hand"
    mode_arg = given.get("mode")
    mode = "FAN_IN" if mode_arg is None else c.string_literal(mode_arg.value)
    if mode is None or mode.upper() not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        return None, "mode= is not a literal 'FAN_IN'/'FAN_OUT'/'FAN_AVG'"
    factor_arg = given.get("factor")
    factor = 2.0 if factor_arg is None else c.number_literal(factor_arg.value)
    if uniform:
        scale: cst.BaseExpression = (factor_arg.value if factor_arg is not None
                                     else cst.Float("2.0"))
    elif factor is not None:
        scale = cst.Float(repr(factor * CONTRIB_TRUNCATED_SCALE))
    else:
        left = factor_arg.value
        if not isinstance(left, cst.Name | cst.Attribute | cst.Call):
            left = left.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        scale = cst.BinaryOperation(
            left=left, operator=cst.Multiply(), right=cst.Float(repr(CONTRIB_TRUNCATED_SCALE))
        )
    new = [
        c.kwarg("scale", scale),
        c.kwarg("mode", cst.SimpleString(f'"{mode.lower()}"')),
        c.kwarg("distribution",
                cst.SimpleString('"uniform"' if uniform else '"truncated_normal"')),
    ] + [c.as_keyword(given[k], k) for k in ("seed", "dtype") if k in given]
    note = None if uniform else (
        "contrib's truncated normal (stddev sqrt(1.3 * factor / n)) is scale = factor * "
        f"{CONTRIB_TRUNCATED_SCALE!r} in TF1 core's initializer")
    return c.with_args(call.with_changes(func=r.render("variance_scaling_initializer")),
                       new), note


def _arguments(call: cst.Call, names: list[str]) -> dict[str, cst.Arg] | None:
    """The call's arguments by parameter name (``names`` is the positional order)."""
    if c.has_star(call) or len(c.positional(call)) > len(names):
        return None
    given = {names[n]: a for n, a in enumerate(c.positional(call))}
    given.update({a.keyword.value: a for a in call.args if a.keyword is not None})
    return given


def _code(arg: cst.Arg) -> str:
    """An argument's code, parenthesized unless it is atomic."""
    code = cst.Module([]).code_for_node(arg.value)
    atomic = isinstance(arg.value, cst.Name | cst.Attribute | cst.Call | cst.Subscript |
                        cst.List | cst.Tuple | cst.Integer | cst.Float | cst.SimpleString)
    return code if atomic else f"({code})"


def _flags_ok(given: dict[str, cst.Arg], defaults: dict[str, bool]) -> str | None:
    """``None`` when every flag given is its default written as a literal, else why not."""
    for flag, default in defaults.items():
        if flag in given and c.bool_literal(given[flag].value) is not default:
            return f"{flag}= other than {default}: convert by hand"
    return None


def _sequence_loss(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
    """contrib's ``seq2seq.sequence_loss(logits, targets, weights)`` with its default
    averaging: the weighted mean of the cross entropy over every position, written with
    TF1 core ops."""
    names = ["logits", "targets", "weights", "average_across_timesteps",
             "average_across_batch", "sum_over_timesteps", "sum_over_batch",
             "softmax_loss_function", "name"]
    given = _arguments(call, names)
    if given is None or not {"logits", "targets", "weights"} <= set(given):
        return None, "arguments not all given by name or position: convert by hand"
    why = _flags_ok(given, {"average_across_timesteps": True, "average_across_batch": True,
                            "sum_over_timesteps": False, "sum_over_batch": False})
    if why or "softmax_loss_function" in given:
        return None, why or "softmax_loss_function=: convert by hand"
    tf = cst.Module([]).code_for_node(r.render(""))
    logits, targets, weights = (_code(given[k]) for k in ("logits", "targets", "weights"))
    expr = (f"{tf}.reduce_sum({tf}.nn.sparse_softmax_cross_entropy_with_logits("
            f"labels={targets}, logits={logits}) * {weights}) / ({tf}.reduce_sum({weights}) "
            "+ 1e-12)")
    return cst.parse_expression(expr), None  # type: ignore[return-value]


def _by_example(given: dict[str, cst.Arg], tf: str) -> str:
    logits, targets, weights = (_code(given[k]) for k in ("logits", "targets", "weights"))
    summed = (f"{tf}.add_n([{tf}.nn.sparse_softmax_cross_entropy_with_logits(labels=_target, "
              f"logits=_logit) * _weight for _logit, _target, _weight in zip({logits}, "
              f"{targets}, {weights})])")
    average = "average_across_timesteps" not in given or c.bool_literal(
        given["average_across_timesteps"].value) is True
    return f"{summed} / ({tf}.add_n({weights}) + 1e-12)" if average else summed


def _legacy_loss_by_example(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
    """``legacy_seq2seq.sequence_loss_by_example(logits, targets, weights)``: lists of
    per-step tensors; the weighted cross entropy summed over steps (averaged by the
    weights unless ``average_across_timesteps=False``), per example."""
    names = ["logits", "targets", "weights", "average_across_timesteps",
             "softmax_loss_function", "name"]
    given = _arguments(call, names)
    if given is None or not {"logits", "targets", "weights"} <= set(given):
        return None, "arguments not all given by name or position: convert by hand"
    flag = given.get("average_across_timesteps")
    if flag is not None and c.bool_literal(flag.value) is None:
        return None, "average_across_timesteps= is not a literal: convert by hand"
    if "softmax_loss_function" in given:
        return None, "softmax_loss_function=: convert by hand"
    tf = cst.Module([]).code_for_node(r.render(""))
    return cst.parse_expression(_by_example(given, tf)), None  # type: ignore[return-value]


def _legacy_sequence_loss(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
    """``legacy_seq2seq.sequence_loss(logits, targets, weights)``: the per-example losses
    summed, divided by the batch size unless ``average_across_batch=False``."""
    names = ["logits", "targets", "weights", "average_across_timesteps",
             "average_across_batch", "softmax_loss_function", "name"]
    given = _arguments(call, names)
    if given is None or not {"logits", "targets", "weights"} <= set(given):
        return None, "arguments not all given by name or position: convert by hand"
    for flag in ("average_across_timesteps", "average_across_batch"):
        if flag in given and c.bool_literal(given[flag].value) is None:
            return None, f"{flag}= is not a literal: convert by hand"
    if "softmax_loss_function" in given:
        return None, "softmax_loss_function=: convert by hand"
    tf = cst.Module([]).code_for_node(r.render(""))
    cost = f"{tf}.reduce_sum({_by_example(given, tf)})"
    if "average_across_batch" in given and c.bool_literal(
            given["average_across_batch"].value) is False:
        return cst.parse_expression(cost), None  # type: ignore[return-value]
    logits, targets = _code(given["logits"]), _code(given["targets"])
    expr = f"{cost} / {tf}.cast({tf}.shape({targets}[0])[0], {logits}[0].dtype)"
    return cst.parse_expression(expr), None  # type: ignore[return-value]


def _regularizer(penalty: str) -> ArgRule:
    """contrib's ``l1_regularizer(scale)``/``l2_regularizer(scale)`` with a literal
    positive ``scale``: the function it returns, as a lambda on TF1 core ops."""

    def rule(call: cst.Call, r: Renderer) -> tuple[cst.Call | None, str | None]:
        given = _arguments(call, ["scale", "scope"])
        scale = None if given is None or "scale" not in given else c.number_literal(
            given["scale"].value)
        if scale is None or scale <= 0:
            return None, "scale= is not a positive number literal: convert by hand"
        tf = cst.Module([]).code_for_node(r.render(""))
        body = penalty.format(tf=tf, w="_w")
        code = cst.Module([]).code_for_node(given["scale"].value)
        return cst.parse_expression(f"lambda _w: {code} * {body}"), None  # type: ignore[return-value]

    return rule


_RNN_CELLS = ["BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell",
              "LSTMStateTuple", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper", "RNNCell"]

_SEQ2SEQ_NOTE = (
    "flaxscope has no seq2seq library: write the loss with "
    "tf.nn.sparse_softmax_cross_entropy_with_logits and the decoder loop with a cell "
    "called step by step (examples/seq2seq_shared_embedding.py)")

TABLE: dict[str, Rename] = {
    # tf.contrib.rnn: TF1 core's tf.nn.rnn_cell and tf.nn
    "contrib.rnn": Rename("nn.rnn_cell"),
    **{f"contrib.rnn.{n}": Rename(f"nn.rnn_cell.{n}") for n in _RNN_CELLS},
    "contrib.rnn.static_rnn": Rename("nn.static_rnn"),
    "contrib.rnn.static_bidirectional_rnn": Rename("nn.static_bidirectional_rnn"),
    "contrib.rnn.LayerNormBasicLSTMCell": Rename(
        None, "no layer-normalized LSTM cell in TF1 core or flaxscope: write the cell "
        "(its call with get_variable) and run it with tf.nn.dynamic_rnn"),
    # tf.contrib.layers
    "contrib.layers.xavier_initializer": Rename("glorot_uniform_initializer", args=_xavier),
    "contrib.layers.xavier_initializer_conv2d": Rename("glorot_uniform_initializer",
                                                       args=_xavier),
    "contrib.layers.variance_scaling_initializer": Rename("variance_scaling_initializer",
                                                          args=_variance_scaling),
    "contrib.layers.flatten": Rename("layers.flatten"),
    "contrib.layers.l2_regularizer": Rename(
        "nn.l2_loss", args=_regularizer("{tf}.nn.l2_loss({w})")),
    "contrib.layers.l1_regularizer": Rename(
        "reduce_sum", args=_regularizer("{tf}.reduce_sum({tf}.abs({w}))")),
    # tf.contrib.legacy_seq2seq / seq2seq: the losses, written with TF1 core ops
    "contrib.legacy_seq2seq": Rename(None, _SEQ2SEQ_NOTE),
    "contrib.legacy_seq2seq.sequence_loss_by_example": Rename(
        "add_n", args=_legacy_loss_by_example),
    "contrib.legacy_seq2seq.sequence_loss": Rename("add_n", args=_legacy_sequence_loss),
    "contrib.seq2seq": Rename(None, _SEQ2SEQ_NOTE),
    "contrib.seq2seq.sequence_loss": Rename(
        "nn.sparse_softmax_cross_entropy_with_logits", args=_sequence_loss),
    "nn.seq2seq": Rename(None, _SEQ2SEQ_NOTE),
    # tf.contrib.framework
    "contrib.framework.get_or_create_global_step": Rename("train.get_or_create_global_step"),
    "contrib.framework.get_global_step": Rename("train.get_global_step"),
    "contrib.framework.get_trainable_variables": Rename("trainable_variables"),
    "contrib.framework.get_local_variables": Rename("local_variables"),
    "contrib.framework.get_model_variables": Rename("model_variables"),
    "contrib.framework.init_from_checkpoint": Rename("train.init_from_checkpoint"),
    "contrib.framework.list_variables": Rename("train.list_variables"),
    "contrib.framework.load_variable": Rename("train.load_variable"),
    "contrib.framework.nest": Rename("nest"),
    # contrib's implementation modules, which model code imported from directly
    "contrib.framework.python.ops": Rename("contrib.framework"),
    "contrib.layers.python.layers": Rename("contrib.layers"),
    "contrib.layers.python.layers.layers": Rename("contrib.layers"),
    "contrib.layers.python.layers.utils": Rename("contrib.slim.utils"),
    "contrib.layers.python.layers.initializers": Rename("contrib.slim.initializers"),
    "contrib.layers.python.layers.regularizers": Rename("contrib.slim.regularizers"),
    "contrib.deprecated.scalar_summary": Rename("summary.scalar"),
    "contrib.deprecated.histogram_summary": Rename("summary.histogram"),
    # names from before TF 1.0
    "concat_v2": Rename("concat"),
    "concat": Rename("concat", args=_concat),
    "split": Rename("split", args=_split),
    "scalar_summary": Rename("summary.scalar", args=_renamed_keywords(
        {"tags": "name", "values": "tensor"})),
    "histogram_summary": Rename("summary.histogram", args=_renamed_keywords({"tag": "name"})),
    "image_summary": Rename("summary.image", args=_renamed_keywords(
        {"tag": "name", "max_images": "max_outputs"})),
    "audio_summary": Rename("summary.audio", args=_renamed_keywords({"tag": "name"})),
    "merge_summary": Rename("summary.merge"),
    "merge_all_summaries": Rename("summary.merge_all"),
    "train.SummaryWriter": Rename("summary.FileWriter"),
    "mul": Rename("multiply"),
    "sub": Rename("subtract"),
    "neg": Rename("negative"),
    "pack": Rename("stack"),
    "unpack": Rename("unstack"),
    "select": Rename("where", args=_renamed_keywords({"t": "x", "e": "y"})),
    "batch_matmul": Rename("matmul", args=_renamed_keywords(
        {"adj_x": "adjoint_a", "adj_y": "adjoint_b"})),
    "batch_matrix_inverse": Rename("matrix_inverse"),
    "batch_matrix_determinant": Rename("matrix_determinant"),
    "batch_matrix_diag": Rename("matrix_diag"),
    "batch_matrix_diag_part": Rename("matrix_diag_part"),
    "batch_cholesky": Rename("cholesky"),
    "listdiff": Rename("setdiff1d"),
    "complex_abs": Rename("abs"),
    "initialize_all_variables": Rename("global_variables_initializer"),
    "initialize_local_variables": Rename("local_variables_initializer"),
    "initialize_variables": Rename("variables_initializer"),
    "all_variables": Rename("global_variables"),
    "nn.rnn": Rename("nn.static_rnn"),
    "nn.bidirectional_rnn": Rename("nn.static_bidirectional_rnn"),
    "nn.softmax_cross_entropy_with_logits": Rename(
        "nn.softmax_cross_entropy_with_logits", args=_logits_labels),
    "nn.sparse_softmax_cross_entropy_with_logits": Rename(
        "nn.sparse_softmax_cross_entropy_with_logits", args=_logits_labels),
    "nn.sigmoid_cross_entropy_with_logits": Rename(
        "nn.sigmoid_cross_entropy_with_logits", args=_logits_labels),
    "nn.weighted_cross_entropy_with_logits": Rename(
        "nn.weighted_cross_entropy_with_logits", args=_renamed_keywords({"targets": "labels"})),
}

# Statements that only switch TensorFlow's own modes: removed, and the removal reported.
MODE_SWITCHES = frozenset({
    "disable_v2_behavior",
    "enable_v2_behavior",
    "disable_eager_execution",
    "enable_eager_execution",
    "disable_resource_variables",
    "enable_resource_variables",
    "disable_v2_tensorshape",
    "enable_v2_tensorshape",
})


def lookup(path: str) -> tuple[str, Rename] | None:
    """The entry for ``path`` or its longest listed prefix: ``(matched prefix, entry)``."""
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        entry = TABLE.get(key)
        if entry is not None:
            return key, entry
    return None


def renamed(path: str) -> tuple[str | None, Rename | None]:
    """``path`` after the table (``None`` when it has no equivalent) and the entry used."""
    hit = lookup(path)
    if hit is None:
        return path, None
    key, entry = hit
    if entry.new is None:
        return None, entry
    return entry.new + path[len(key):], entry
