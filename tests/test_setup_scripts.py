"""The set-up prints one line per step, keeps the full log, and shows its tail only on failure.

apt-get and dpkg-query are replaced by fakes on PATH, so nothing is installed."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


def _fakes(tmp_path: Path, apt_fails: bool) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fakes = {
        "dpkg-query": "exit 1",  # nothing is installed
        "apt-get": ('for i in $(seq 300); do echo "Get:$i http://deb.debian.org/debian stable/main pkg-$i"; done\n'
                    + ('[ "$1" = update ] || { echo "E: Unable to locate package chromium" >&2; exit 100; }\n'
                       if apt_fails else "")),
        "chromium": "exit 0",
        "find": "exit 0",  # the package lists look stale: update them too
    }
    for name, body in fakes.items():
        (bin_dir / name).write_text("#!/bin/sh\n" + body + "\n")
        (bin_dir / name).chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "SETUP_LOG": str(tmp_path / "setup.log")}


@pytest.mark.parametrize("script", ["setup.sh", "setup_pdf.sh", "setup_lib.sh"])
def test_scripts_parse(script):
    subprocess.run(["bash", "-n", str(SCRIPTS / script)], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="setup_pdf.sh asks for sudo when not root")
def test_apt_output_goes_to_the_log(tmp_path):
    env = _fakes(tmp_path, apt_fails=False)
    proc = subprocess.run(["bash", str(SCRIPTS / "setup_pdf.sh")], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("setup_pdf: updating the package lists ... ok")
    assert lines[1].startswith("setup_pdf: installing chromium libjs-mathjax") and lines[1].endswith(" s)")
    assert lines[2:] == ["setup_pdf: done"] and proc.stderr == ""
    assert (tmp_path / "setup.log").read_text().count("Get:") == 600  # update and install, all kept


@pytest.mark.skipif(os.geteuid() != 0, reason="setup_pdf.sh asks for sudo when not root")
def test_failed_step_shows_the_tail_of_the_log(tmp_path):
    env = _fakes(tmp_path, apt_fails=True)
    proc = subprocess.run(["bash", str(SCRIPTS / "setup_pdf.sh")], env=env, capture_output=True, text=True)
    assert proc.returncode == 100
    assert "Get:" not in proc.stdout and proc.stdout.splitlines()[-1].endswith("FAILED (exit status 100)")
    assert "E: Unable to locate package chromium" in proc.stderr
    assert "pkg-300" in proc.stderr and "pkg-250" not in proc.stderr  # only the tail
    assert f"the full log is {tmp_path / 'setup.log'}" in proc.stderr
    assert (tmp_path / "setup.log").read_text().count("Get:") == 600


def test_step_function(tmp_path):
    """``step`` itself, as both scripts use it: quiet on success, the failing command's status kept."""
    script = f"""
        set -euo pipefail
        export SETUP_LOG={tmp_path / 'log'} SETUP_TAIL=5
        source {SCRIPTS / 'setup_lib.sh'}
        step demo "a quiet step" sh -c 'echo noise; echo more noise >&2'
        step demo "a failing step" sh -c 'for i in 1 2 3 4 5 6 7 8; do echo out-$i; done; exit 7'
        echo not reached
    """
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert proc.returncode == 7
    quiet, failing = proc.stdout.splitlines()
    assert re.fullmatch(r"demo: a quiet step \.\.\. ok \(\d+ s\)", quiet)
    assert failing == "demo: a failing step ... FAILED (exit status 7)"
    assert "out-8" in proc.stderr and "out-3" not in proc.stderr and "noise" not in proc.stderr
    log = (tmp_path / "log").read_text()
    assert "noise" in log and "more noise" in log and "out-1" in log
