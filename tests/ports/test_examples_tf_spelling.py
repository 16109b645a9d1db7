"""The ports in examples/ keep their TF1 originals' model code: TF's spellings, line for line.

A port's model section (the functions after its ``# --- the TF1 model`` or ``# --- the
model`` marker) may differ from the TF1 program it ports only in the import,
placeholders becoming arguments and the session driver, which all live outside that
section. So each model function is compared with its twin in the TF1 original (the
reference programs written inline in tests/ports/test_examples_vs_tf1.py), after dropping what
Python ignores or that JAX arrays cannot carry: type hints, docstrings, comments, and the
shape methods of docs/migration.md section 10c (``x.get_shape()`` -> ``x.shape``). No
model section calls ``jnp``, ``jax.nn``, ``lax`` or ``optax``: the math is ``tf.*``.
(The user script's port is compared with tests/data/tf1_user_script.py line for line in
tests/ports/test_examples.py.)
"""

from __future__ import annotations

import ast
import difflib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REFERENCES = ROOT / "tests" / "ports" / "test_examples_vs_tf1.py"

# example -> the function in test_examples_vs_tf1.py holding its TF1 original
PORTS = {
    "siamese": "tf1_siamese",
    "seq2seq_shared_embedding": "tf1_seq2seq",
    "gan_make_template": "tf1_gan",
    "auto_reuse_loop": "tf1_towers",
}
# ports whose TF1 original is not in the repository: their model math must be tf.* alone
TF_ONLY = ["char_lstm", "ported_user_script", "ptb_word_lm"]
NOT_TF = re.compile(r"\b(jnp|jax\.nn|jax\.lax|lax|optax|np)\.")
SHAPE_METHODS = [(".get_shape()", ".shape")]  # docs/migration.md section 10c


def model_section(name: str) -> tuple[str, list[ast.stmt]]:
    """The source between the example's model marker and the next ``# ---`` marker."""
    text = (EXAMPLES / f"{name}.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if re.match(r"# --- (the TF1 model|the model|model)\b", line)
    )
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("# ---")), len(lines)
    )
    tree = ast.parse(text)
    nodes = [n for n in tree.body if start < n.lineno <= end]
    return "\n".join(lines[start:end]), nodes


def strip(node: ast.AST) -> ast.AST:
    """``node`` without type hints and docstrings (comments are gone once parsed)."""
    for n in ast.walk(node):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n.returns = None
            for arg in [*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs]:
                arg.annotation = None
            for arg in (n.args.vararg, n.args.kwarg):
                if arg is not None:
                    arg.annotation = None
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = n.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    n.body = body[1:] or [ast.Pass()]
    return node


def normalized(node: ast.AST) -> list[str]:
    return ast.unparse(strip(node)).splitlines()


def reference_defs(function: str) -> dict[str, ast.stmt]:
    """The functions and classes defined inside ``function`` of test_examples_vs_tf1.py."""
    tree = ast.parse(REFERENCES.read_text(encoding="utf-8"))
    (outer,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    return {n.name: n for n in outer.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def disallowed_changes(tf1: list[str], port: list[str]) -> list[tuple[str, str]]:
    """The changed lines of ``tf1`` -> ``port`` that no allowed kind of change explains."""
    bad = []
    matcher = difflib.SequenceMatcher(a=tf1, b=port, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op != "replace" or a1 - a0 != b1 - b0:
            bad.append(("\n".join(tf1[a0:a1]), "\n".join(port[b0:b1])))
            continue
        for before, after in zip(tf1[a0:a1], port[b0:b1], strict=True):
            for old, new in SHAPE_METHODS:
                before = before.replace(old, new)
            if before != after:
                bad.append((before, after))
    return bad


@pytest.mark.parametrize("example", sorted(PORTS))
def test_model_section_is_the_tf1_original(example: str) -> None:
    source, nodes = model_section(example)
    reference = reference_defs(PORTS[example])
    assert nodes, f"examples/{example}.py has no model section"
    for node in nodes:
        assert isinstance(node, (ast.FunctionDef, ast.ClassDef)), ast.unparse(node)
        assert node.name in reference, (
            f"examples/{example}.py: {node.name} has no twin in the TF1 original "
            f"{PORTS[example]} (tests/ports/test_examples_vs_tf1.py)"
        )
        bad = disallowed_changes(normalized(reference[node.name]), normalized(node))
        assert not bad, f"examples/{example}.py: {node.name} differs from TF1 in: {bad}"
    assert not NOT_TF.search(source), NOT_TF.search(source).group(0)


def test_the_comparison_catches_a_math_call_translated_to_jnp() -> None:
    tf1 = ["h = tf.nn.relu(tf.matmul(x, w) + b)", "n = x.get_shape()[1]"]
    assert disallowed_changes(tf1, ["h = tf.nn.relu(tf.matmul(x, w) + b)", "n = x.shape[1]"]) == []
    bad = disallowed_changes(tf1, ["h = jax.nn.relu(jnp.matmul(x, w) + b)", "n = x.shape[1]"])
    assert bad == [(tf1[0], "h = jax.nn.relu(jnp.matmul(x, w) + b)")]
    assert disallowed_changes(tf1, tf1[:1])  # a dropped line is not allowed either


@pytest.mark.parametrize("example", TF_ONLY)
def test_model_section_math_is_tf(example: str) -> None:
    source, nodes = model_section(example)
    assert nodes and "tf." in source
    found = NOT_TF.search(source)
    assert not found, f"examples/{example}.py's model section calls {found.group(0)}"
