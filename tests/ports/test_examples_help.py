"""Every example answers ``--help`` with one entry per option, each saying what the option
does and its default, as a new user running ``python examples/X.py --help`` sees it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))


def help_entries(text: str) -> dict[str, str]:
    """``{option: its help text}`` from argparse's option and positional sections."""
    entries: dict[str, str] = {}
    current = None
    in_section = False
    for line in text.splitlines():
        if not line.startswith(" "):  # a section title, the description, a blank line
            in_section = line in ("options:", "optional arguments:", "positional arguments:")
            current = None
        elif in_section and not line.startswith("   "):  # "  --name METAVAR   help..."
            parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
            head, rest = parts[0], parts[1] if len(parts) > 1 else ""
            words = head.split()
            options = [w.rstrip(",") for w in words if w.startswith("-")]
            current = options[-1] if options else words[0]
            entries[current] = rest
        elif in_section and current is not None:
            entries[current] = (entries[current] + " " + line.strip()).strip()
    return entries


@pytest.mark.parametrize("example", EXAMPLES)
def test_help_lists_every_option_with_its_default(example):
    env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / example), "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage: "), done.stdout[:500]
    entries = help_entries(done.stdout)
    assert "--help" in entries, done.stdout
    for option, text in entries.items():
        if option == "--help":
            continue
        assert text.count("(default: ") == 1, f"{example} {option}: {text!r}"
        assert text.split("(default: ")[0].strip(), f"{example} {option} says nothing: {text!r}"


def test_help_parser_reads_wrapped_entries():
    text = (
        "usage: x.py [-h] [--log-every LOG_EVERY] [--seed SEED]\n\n"
        "options:\n"
        "  -h, --help            show this help message and exit\n"
        "  --log-every LOG_EVERY\n"
        "                        steps between reports (default: 200)\n"
        "  --seed SEED           data (default:\n"
        "                        0)\n"
    )
    assert help_entries(text) == {
        "--help": "show this help message and exit",
        "--log-every": "steps between reports (default: 200)",
        "--seed": "data (default: 0)",
    }
