#!/usr/bin/env bash
# The GPU check kit, in one command, on a machine with CUDA (after `bash scripts/setup.sh`):
#   bash scripts/gpu_check.sh                       # every assignment, reference and GPU bugs (< 10 min)
#   bash scripts/gpu_check.sh --only cnn,pretrained # some assignments (a quick check on a CPU)
# It grades each assignment's reference solution, and one GPU-only bug per GPU check, through
# `grader autograde` (sandbox included), runs the CPU/GPU agreement self-check, prints one line per
# graded cell with where it ran and its status, and exits non-zero when a reference loses a point.
# Without CUDA it runs the CPU path and says so. Options: python scripts/gpu_check.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if [ ! -x "$PY" ]; then
    echo "gpu_check: .venv is missing: run 'bash scripts/setup.sh' first" >&2
    exit 1
fi
export PYTHONUNBUFFERED=1
exec "$PY" scripts/gpu_check.py "$@"
