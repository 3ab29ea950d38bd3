"""Grading a course (and a venv) that sits under a private directory, and the preflight that
stops before the first submission, saying what to change, where the sandbox cannot start."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.autograde.engine import autograde
from grader.course import CourseError
from grader.sandbox import bwrap
from grader.sandbox import preflight as pf
from grader.sandbox.limits import Limits
from tests.conftest import make_course, submit

LIMITS = Limits(cell_timeout=30, notebook_timeout=90, memory_mb=1536, max_processes=64)
WRONG_ADD = "def add(a, b):\n    return np.subtract(a, b) if np.ndim(a) else a + b\n"

needs_root_sandbox = pytest.mark.skipif(
    not bwrap.bwrap_path() or os.geteuid() != 0, reason="needs bubblewrap and root (the grading uid)")


@pytest.fixture
def home():
    """A private directory (mode 0700) in a place every user can enter (pytest's own tmp is private)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="grader-home-")).resolve()
    path.chmod(0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _private_course(mini_course, home: Path):
    """The ``mini`` course in ``home/course`` (``home`` mode 0700), with a real ``data/`` folder."""
    course = make_course(home / "course")
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    (course.root / "data").unlink()
    (course.root / "data").mkdir()
    (course.root / "data" / "probe.txt").write_text("42")
    return course


def _with_code(nb: dict, grade_id: str, code: str) -> dict:
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = src + "\n" + code
    return nb


# ---------------------------------------------------------------- the command, built from parts

@pytest.mark.parametrize("mode", ["root", "uid", "user"])
def test_command_is_built_from_parts(monkeypatch, mode):
    monkeypatch.setattr(bwrap, "bwrap_path", lambda: "/usr/bin/bwrap")
    monkeypatch.setattr(bwrap, "sandbox_mode", lambda: mode)
    spec = bwrap.SandboxSpec(workdir=Path("/tmp/grader-sub-x/work"), slot=3)
    cmd = bwrap.command(["python", "-m", "ipykernel_launcher"], spec, extra_rlimits={"as": 12345})
    assert cmd[-3:] == ["python", "-m", "ipykernel_launcher"]
    prlimit = cmd.index("prlimit")
    assert "--as=12345" in cmd[prlimit:cmd.index("--", prlimit)]
    assert "--fsize=268435456" in cmd[prlimit:]
    b = cmd.index("/usr/bin/bwrap")
    if mode == "root":  # bubblewrap as root, the uid dropped inside, no user namespace
        assert b == 0 and "--unshare-all" not in cmd and "--unshare-net" in cmd
        drop = cmd.index("--reuid=60004")
        assert b < drop < prlimit and "--bounding-set=-all" in cmd[drop:prlimit]
        assert cmd[cmd.index("--tmpfs") - 2:cmd.index("--tmpfs") + 2] == ["--perms", "1777", "--tmpfs", "/tmp"]
        dirs = [cmd[i + 1] for i, a in enumerate(cmd) if a == "--dir"]
        assert "/tmp/grader-sub-x" in dirs and "/etc" in dirs  # parents the grading uid must pass
    elif mode == "uid":  # the uid dropped first: bubblewrap runs as the grading user
        assert cmd[0].endswith("setpriv") and cmd[1] == "--reuid=60004" and b > 0 and "--unshare-all" in cmd
    else:
        assert b == 0 and "--unshare-all" in cmd and not any(a.startswith("--reuid") for a in cmd)


# ---------------------------------------------------------------- grading under a 0700 directory

@needs_root_sandbox
@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs the project's virtualenv")
def test_course_and_venv_under_private_directory_grade(mini_course, home):
    if bwrap.sandbox_mode() != "root":
        pytest.skip(f"bubblewrap cannot run as root here: {bwrap._root_probe()}")
    course = _private_course(mini_course, home)
    venv = home / "venv"  # the venv, seen through the private directory
    venv.symlink_to(sys.prefix)
    src = json.loads((course.source / "mini" / "mini.ipynb").read_text())
    submit(course, "ref", "mini", src)
    submit(course, "blank", "mini", json.loads((course.release / "mini" / "mini.ipynb").read_text()))
    # Correct only when the course's data/ (under the private directory) is visible in the sandbox.
    reads_data = ("import os\ntry:\n    assert open(os.path.join(os.environ['COURSE_DATA'], 'probe.txt')).read() == '42'\n"
                  "except (OSError, KeyError, AssertionError):\n    " + WRONG_ADD.replace("\n", "\n    "))
    submit(course, "reads_data", "mini", _with_code(src, "add_solution", reads_data))
    for path in (venv / "bin", course.data):  # the uid really could not reach them on its own
        assert pf.blocking_dir(path, bwrap.BASE_UID + 1) == home

    script = textwrap.dedent(f"""
        import json, sys
        from grader.autograde.engine import autograde
        from grader.course import Course
        from grader.export.grades import rows
        from grader.sandbox.limits import Limits
        course = Course.at({str(course.root)!r})
        s = autograde(course, "mini", backend="serial", sandbox="on", progress=False, log=lambda *a: None,
                      limits=Limits(cell_timeout=30, notebook_timeout=90, memory_mb=1536, max_processes=64))
        print(json.dumps({{"prefix": sys.prefix, "graded": s.graded, "failed": s.failed, "messages": s.messages,
                          "rows": [[r["student"], r["grade_id"], r["points"], r["status"]]
                                   for r in rows(course, "mini")]}}))
    """)
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", script], capture_output=True, text=True,
                          timeout=600, cwd=str(course.root))
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["prefix"] == str(venv)
    assert sorted(out["graded"]) == ["blank", "reads_data", "ref"] and out["failed"] == [], out["messages"]
    scores = {(s, g): (p, st) for s, g, p, st in out["rows"]}
    assert scores["ref", "test_add"] == (2.0, "passed") and scores["ref", "test_scale"] == (3.0, "passed")
    assert scores["reads_data", "test_add"] == (2.0, "passed")  # data/ was visible inside
    assert scores["blank", "test_add"][0] == 0 and scores["blank", "test_scale"][0] == 0


# ---------------------------------------------------------------- the preflight

@needs_root_sandbox
def test_preflight_stops_before_the_first_submission_and_names_the_directory(mini_course, home, monkeypatch):
    """Where bubblewrap cannot run as root (simulated), it runs as the grading uid, which cannot
    enter the 0700 directory: the batch stops before grading anyone and says what to change."""
    course = _private_course(mini_course, home)
    submit(course, "ref", "mini", json.loads((course.source / "mini" / "mini.ipynb").read_text()))
    monkeypatch.setattr(bwrap, "_root_probe", lambda: "Creating new namespace failed: Operation not permitted")
    monkeypatch.setattr(bwrap, "sandbox_mode", lambda: "uid")
    with pytest.raises(CourseError) as err:
        autograde(course, "mini", backend="serial", sandbox="on", progress=False, limits=LIMITS,
                  log=lambda *_: None)
    msg = str(err.value)
    assert isinstance(err.value, bwrap.SandboxUnavailable)
    assert f"{home} (mode 0700) hides {course.data}" in msg
    assert f"chmod o+x {home}" in msg and "/srv/course" in msg and "--sandbox off" in msg
    assert "Operation not permitted" in msg  # why bubblewrap could not run as root
    assert not (course.autograded / "ref").exists()  # nobody was graded


def test_preflight_without_root_or_user_namespaces(tmp_path, monkeypatch):
    monkeypatch.setattr(bwrap, "bwrap_path", lambda: "/usr/bin/bwrap")
    monkeypatch.setattr(bwrap, "sandbox_mode", lambda: "user")
    monkeypatch.setattr(bwrap, "prepare_dir", lambda *a: None)
    said = ("bwrap: No permissions to creating new namespace, likely because the kernel does not allow "
            "non-privileged user namespaces.")
    monkeypatch.setattr(bwrap.subprocess, "run",
                        lambda cmd, **kw: subprocess.CompletedProcess(cmd, 1, "", said + "\n"))
    fake_proc = tmp_path / "sys"
    (fake_proc / "kernel").mkdir(parents=True)
    (fake_proc / "kernel" / "unprivileged_userns_clone").write_text("0\n")
    real_hint = pf.userns_hint
    monkeypatch.setattr(pf, "userns_hint", lambda: real_hint(fake_proc))
    with pytest.raises(bwrap.SandboxUnavailable) as err:
        pf.preflight([str(tmp_path)])
    msg = str(err.value)
    assert said in msg
    assert "not root" in msg and "run the grader as root" in msg
    assert "sudo sysctl -w kernel.unprivileged_userns_clone=1" in msg and "--sandbox off" in msg


def test_userns_hint_names_the_setting(tmp_path):
    def proc_with(name, value):
        root = tmp_path / name.replace("/", "_")
        (root / name).parent.mkdir(parents=True)
        (root / name).write_text(value)
        return root

    assert "user.max_user_namespaces=15000" in pf.userns_hint(proc_with("user/max_user_namespaces", "0"))
    assert "apparmor_restrict_unprivileged_userns=0" in pf.userns_hint(
        proc_with("kernel/apparmor_restrict_unprivileged_userns", "1"))
    assert "seccomp=unconfined" in pf.userns_hint(tmp_path / "empty")


def test_preflight_when_bubblewrap_is_missing(monkeypatch):
    from grader.autograde.engine import sandbox_enabled

    monkeypatch.setattr(bwrap, "bwrap_path", lambda: None)
    with pytest.raises(CourseError, match="apt-get install bubblewrap"):
        pf.preflight([])
    with pytest.raises(CourseError, match=r"--sandbox on, but .*apt-get install bubblewrap.*--sandbox off"):
        sandbox_enabled("on")
