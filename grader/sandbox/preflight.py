"""Before the first submission: can the sandbox start a kernel here, and if not, what to change.

:func:`preflight` starts one sandboxed Python as grading would and raises
:class:`~grader.sandbox.bwrap.SandboxUnavailable` with a message that names the setting, the
directory or the command that stops it (:func:`explain`), so a batch never starts only to fail
on every submission.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.sandbox import bwrap


# What the preflight's sandboxed Python checks: the kernel imports, and every read-only path is there.
_PROBE = """\
import os, sys
import ipykernel, matplotlib_inline
gone = [p for p in sys.argv[1:] if not os.access(p, os.R_OK | os.X_OK)]
if gone:
    print("not visible inside the sandbox: " + ", ".join(gone), file=sys.stderr)
    sys.exit(3)
"""


def preflight(readonly: list[str] | list[Path], timeout: float = 120) -> None:
    """Start one sandboxed Python as grading does; raise :class:`bwrap.SandboxUnavailable` saying what to
    change when it cannot start or cannot see what the kernel needs. Run it before the first submission."""
    if not bwrap.bwrap_path():
        raise bwrap.SandboxUnavailable(bwrap.MISSING)
    mode, paths = bwrap.sandbox_mode(), tuple(str(p) for p in readonly)
    if (mode, paths) in _passed:
        return
    with tempfile.TemporaryDirectory(prefix="grader-preflight-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        Path(tmp).chmod(0o755)
        bwrap.prepare_dir(work, 0)
        spec = bwrap.SandboxSpec(workdir=work, readonly=[Path(p) for p in paths])
        cmd = bwrap.command([sys.executable, "-c", _PROBE, *paths], spec)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
            rc, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired:
            rc, err = -1, f"no answer within {timeout:.0f} s"
        except OSError as exc:
            rc, err = -1, str(exc)
    if rc == 0:
        _passed.add((mode, paths))
        return
    needed = [Path(sys.executable), *bwrap.python_roots(), *spec.readonly, spec.workdir]
    raise bwrap.SandboxUnavailable(explain(mode, err, needed, spec.uid()))


_passed: set[tuple[str, tuple[str, ...]]] = set()


def blocking_dir(path: Path, uid: int) -> Path | None:
    """The first directory on the way to ``path`` that ``uid`` (groups cleared) cannot enter."""
    here = Path("/")
    for part in Path(os.path.abspath(path)).parts[1:]:
        try:
            st = os.stat(here)
        except OSError:
            return None
        if st.st_uid == uid:
            ok = st.st_mode & stat.S_IXUSR
        elif st.st_gid == uid:
            ok = st.st_mode & stat.S_IXGRP
        else:
            ok = st.st_mode & stat.S_IXOTH
        if not ok:
            return here
        here = here / part
    return None


def userns_hint(proc_sys: Path = Path("/proc/sys")) -> str:
    """The setting that keeps unprivileged user namespaces off on this machine, as a bwrap.command to change it."""
    def value(name: str) -> str | None:
        try:
            return (proc_sys / name).read_text().strip()
        except OSError:
            return None

    if value("kernel/unprivileged_userns_clone") == "0":
        return "`sudo sysctl -w kernel.unprivileged_userns_clone=1`"
    if value("user/max_user_namespaces") == "0":
        return "`sudo sysctl -w user.max_user_namespaces=15000`"
    if value("kernel/apparmor_restrict_unprivileged_userns") == "1":
        return ("`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu's AppArmor "
                "restriction; or give /usr/bin/bwrap an AppArmor profile that allows `userns`)")
    return ("allow unprivileged user namespaces (in a container: run it with "
            "`--security-opt seccomp=unconfined --security-opt apparmor=unconfined`)")


def _namespace_error(error: str) -> bool:
    low = error.lower()
    return any(w in low for w in ("namespace", "uid map", "operation not permitted"))


def explain(mode: str, error: str, needed: list[Path], uid: int) -> str:
    """What to change so that the sandbox can start, for the preflight's failure ``error``."""
    tail = "\n".join(error.strip().splitlines()[-5:]) or "(no message)"
    head = f"the sandbox cannot start a Python kernel on this machine.\nbubblewrap said: {tail}\n"
    if mode == "uid":
        blocked: dict[Path, list[Path]] = {}
        for path in needed:
            where = blocking_dir(path, uid)
            if where is not None:
                blocked.setdefault(where, []).append(path)
        why = (f"bubblewrap cannot run as root here ({bwrap._root_probe() or 'the probe failed'}), so it runs as "
               f"the grading user (uid {uid})")
        if blocked:
            lines = [f"  {d} (mode {stat.S_IMODE(os.stat(d).st_mode):04o}) hides "
                     + ", ".join(str(p) for p in dict.fromkeys(paths)) for d, paths in blocked.items()]
            dirs = " ".join(str(d) for d in blocked)
            return (head + f"{why}, and that user cannot enter these directories:\n" + "\n".join(lines) + "\n"
                    f"Change one of:\n  - let other users pass through them (without listing them): `chmod o+x {dirs}`;\n"
                    "  - move the course and its .venv under a directory every user can enter (e.g. /srv/course);\n"
                    "  - let root create namespaces (CAP_SYS_ADMIN; in a container, e.g. `docker run --privileged`), "
                    "so bubblewrap runs as root and drops to the grading user inside;\n"
                    f"  - {bwrap.SANDBOX_OFF}.")
        if not _namespace_error(error):
            return head + f"{why}. Check that bubblewrap works as that user; or {bwrap.SANDBOX_OFF}."
        return (head + f"{why}, and that user cannot create a user namespace either.\nChange one of:\n"
                "  - let root create namespaces (CAP_SYS_ADMIN; in a container, e.g. `docker run --privileged`);\n"
                f"  - {userns_hint()};\n  - {bwrap.SANDBOX_OFF}.")
    if mode == "user":
        if _namespace_error(error):
            return (head + f"The grader runs as uid {os.geteuid()} (not root), and bubblewrap then needs "
                    "unprivileged user namespaces, which this machine does not allow.\nChange one of:\n"
                    "  - run the grader as root (e.g. `sudo .venv/bin/grader autograde ...`): bubblewrap then "
                    "drops to a grading user of its own;\n"
                    f"  - {userns_hint()};\n  - {bwrap.SANDBOX_OFF}.")
    return (head + "Check that bubblewrap works here (`bwrap --ro-bind / / true`) and that these paths exist: "
            + ", ".join(str(p) for p in dict.fromkeys(needed)) + f"; or {bwrap.SANDBOX_OFF}.")
