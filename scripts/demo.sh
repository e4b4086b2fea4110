#!/usr/bin/env bash
# Set up fugong in .venv and run the main job: generate the calibrated scenario, compute, serve.
#   bash scripts/demo.sh [fugong demo options, e.g. --scale 0.1 --port 8080]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/fugong demo "$@"
