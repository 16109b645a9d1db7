#!/usr/bin/env bash
# Creates .venv (once) and installs flaxscope with the extras named in $1 (default: examples).
# The TF1 oracle (extra "oracle") is optional: if it cannot be installed the oracle tests
# skip and say so.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-examples}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=".venv/.installed-${extras//,/-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q -e ".[${extras}]"
  if [[ ",${extras}," == *",test,"* ]]; then
    if ! .venv/bin/python -m pip install -q -e ".[oracle]"; then
      echo "WARNING: the TF1 oracle (tensorflow-cpu + tf-keras) could not be installed;" \
           "differential tests will be skipped." >&2
    fi
  fi
  touch "$stamp"
fi
