#!/usr/bin/env bash
# The main job: trains the character-level LSTM (examples/char_lstm.py) on the Python
# Language Reference that ships with CPython (pydoc_data). Extra arguments go to the example
# (e.g. --steps 2000, --no-progress; --help lists them all).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh examples
exec .venv/bin/python examples/char_lstm.py "$@"
