#!/usr/bin/env bash
# Set up everything this course needs on a fresh Debian machine. Idempotent: run it as often as you like.
#   - Debian packages: bubblewrap (the grading sandbox), and what PDF export needs (scripts/setup_pdf.sh)
#   - .venv with the pinned dependencies (torch 2.14.1, torchvision 0.29.1, nbgrader 0.9.6, ...)
# Prints one line per step; every step's full output goes to build/setup.log, shown only on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export SETUP_LOG="${SETUP_LOG:-$PWD/build/setup.log}"
mkdir -p "$(dirname "$SETUP_LOG")"
: >"$SETUP_LOG"  # a fresh log each run (setup_pdf.sh appends to it)
# shellcheck source=scripts/setup_lib.sh
source scripts/setup_lib.sh

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

if command -v apt-get >/dev/null 2>&1; then
    if ! command -v bwrap >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1; then
        step setup "updating the package lists" $SUDO apt-get update
        step setup "installing bubblewrap and setpriv (the sandbox for student code)" \
            $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y bubblewrap util-linux
    fi
    bash scripts/setup_pdf.sh
else
    echo "setup: not Debian; install bubblewrap (Linux) yourself for sandboxed grading" >&2
fi

PY="${PYTHON:-python3}"
if [ "$(id -u)" = 0 ]; then
    # The sandbox runs student kernels as unprivileged users: they must be able to reach Python.
    base="$($PY -c 'import sys; print(sys.base_prefix)')"
    d="$base"
    while [ "$d" != "/" ]; do
        if [ ! -x "$d" ] || [ "$(stat -c %a "$d" | cut -c3)" = "0" ]; then
            echo "setup: chmod o+x $d (so that the sandbox's grading user can reach Python)"
            chmod o+x "$d"
        fi
        d="$(dirname "$d")"
    done
fi

stamp_want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$stamp_want" ]; then
    [ -x .venv/bin/python ] || step setup "creating .venv" "$PY" -m venv .venv
    pip=(.venv/bin/python -m pip install --progress-bar off --disable-pip-version-check)
    step setup "upgrading pip" "${pip[@]}" --upgrade pip
    step setup "installing torch 2.14.1 and torchvision 0.29.1 (a few minutes the first time)" \
        "${pip[@]}" torch==2.14.1 torchvision==0.29.1
    step setup "installing the course package and its pinned dependencies" "${pip[@]}" -e ".[dev]"
    echo "$stamp_want" > .venv/.setup-stamp
fi
echo "setup: ready (.venv)"
