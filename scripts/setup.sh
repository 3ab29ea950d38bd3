#!/usr/bin/env bash
# Set up everything this course needs on a fresh Debian machine. Idempotent: run it as often as you like.
#   - Debian packages: bubblewrap (the grading sandbox), and what PDF export needs (scripts/setup_pdf.sh)
#   - .venv with the pinned dependencies (torch 2.14.1, torchvision 0.29.1, nbgrader 0.9.6, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

if command -v apt-get >/dev/null 2>&1; then
    if ! command -v bwrap >/dev/null 2>&1 || ! command -v setpriv >/dev/null 2>&1; then
        echo "setup: installing bubblewrap (sandbox for student code)"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq bubblewrap util-linux >/dev/null
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
        if [ ! -x "$d" ] || [ "$(stat -c %a "$d" | cut -c3)" = "0" ]; then chmod o+x "$d"; fi
        d="$(dirname "$d")"
    done
fi

stamp_want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$stamp_want" ]; then
    echo "setup: creating .venv and installing dependencies (a few minutes the first time)"
    [ -x .venv/bin/python ] || "$PY" -m venv .venv
    log=.venv/setup.log
    if ! { .venv/bin/python -m pip install -q --upgrade pip &&
           .venv/bin/python -m pip install -q torch==2.14.1 torchvision==0.29.1 &&
           .venv/bin/python -m pip install -q -e ".[dev]"; } >"$log" 2>&1; then
        grep -v "^WARNING: Location" "$log" | tail -40 >&2
        echo "setup: pip failed; the full log is $log" >&2
        exit 1
    fi
    echo "$stamp_want" > .venv/.setup-stamp
fi
echo "setup: ready (.venv)"
