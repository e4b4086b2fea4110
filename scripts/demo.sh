#!/usr/bin/env bash
# Set up fugong in .venv and run the main job: generate the calibrated scenario, compute, serve.
#   bash scripts/demo.sh [fugong demo options, e.g. --scale 0.1 --port 8080]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
exec .venv/bin/fugong demo "$@"
