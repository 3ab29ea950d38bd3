#!/usr/bin/env bash
# Command 1 of the README: set everything up, release every assignment, autograde the bundled
# demo submissions and print the grades.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
