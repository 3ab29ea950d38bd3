"""The single writer also fills a PostgreSQL gradebook (``db_url``), not only SQLite.

Starts a private PostgreSQL server on a Unix socket in a temporary folder (no TCP),
as an unprivileged user, and grades the ``mini`` batch into it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from grader.autograde.engine import autograde
from grader.sandbox.limits import Limits
from tests.conftest import make_course, submit

PG_UID = 65534  # "nobody": initdb needs a user that exists


def _pg_bin() -> Path | None:
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / "initdb").exists():
            return d
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@pytest.fixture
def postgres(tmp_path_factory):
    pg = _pg_bin()
    if pg is None or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL's server binaries and root (to run it as an unprivileged user)")
    pytest.importorskip("psycopg2")
    root = Path(f"/tmp/grader-pg-{os.getpid()}")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(mode=0o700)
    os.chown(root, PG_UID, PG_UID)
    as_pg = ["setpriv", f"--reuid={PG_UID}", f"--regid={PG_UID}", "--clear-groups", "--"]
    subprocess.run(as_pg + [str(pg / "initdb"), "-D", str(root / "data"), "-U", "grader", "-A", "trust"],
                   check=True, capture_output=True)
    subprocess.run(as_pg + [str(pg / "pg_ctl"), "-D", str(root / "data"), "-l", str(root / "log"), "-w", "-o",
                            f"-c listen_addresses='' -c unix_socket_directories={root}", "start"],
                   check=True, capture_output=True)
    try:
        root.chmod(0o755)
        subprocess.run(as_pg + [str(pg / "createdb"), "-h", str(root), "-U", "grader", "gradebook"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg2://grader@/gradebook?host={root}"
    finally:
        subprocess.run(as_pg + [str(pg / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        time.sleep(0.2)
        shutil.rmtree(root, ignore_errors=True)


def test_grades_go_into_postgresql(postgres, mini_course, tmp_path, monkeypatch):
    import json

    from nbgrader.api import Gradebook

    monkeypatch.setenv("GRADER_DB_URL", postgres)
    course = make_course(tmp_path)
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    src = json.loads((course.source / "mini" / "mini.ipynb").read_text())
    submit(course, "alice", "mini", src)
    submit(course, "bob", "mini", json.loads((course.release / "mini" / "mini.ipynb").read_text()))
    summary = autograde(course, "mini", limits=Limits(cell_timeout=30), workers=2, progress=False,
                        log=lambda *_: None)
    assert sorted(summary.graded) == ["alice", "bob"]
    assert not (course.root / "gradebook.db").exists()
    with Gradebook(postgres) as gb:
        assert gb.find_submission("mini", "alice").score == 5.0
        assert gb.find_submission("mini", "bob").score == 0.0
