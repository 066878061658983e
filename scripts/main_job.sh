#!/usr/bin/env bash
# The main job: installs what is needed, builds mtc, and runs the bundled example model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
bash examples/run_example.sh
