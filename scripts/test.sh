#!/usr/bin/env bash
# The whole test suite: lint, then pytest (differential tests against tf.compat.v1 included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,examples
export TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=3 JAX_PLATFORMS=cpu
.venv/bin/ruff check flaxscope tests examples benchmarks
.venv/bin/python -m pytest -q -n 2 --dist loadfile "$@"
