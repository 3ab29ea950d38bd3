"""The bubblewrap command line that isolates one student kernel.

Inside the sandbox the kernel sees a read-only system and Python, the read-only
course ``data/`` and ``grader`` package, and one writable working directory that
holds only this submission. It has no network, its own PID namespace (so every
process it starts dies with it), a private ``/tmp``, and, where the grader runs as
root, an unprivileged user of its own (a different uid per worker slot, so process
limits of one student never touch another).

How the sandbox is entered depends on who runs the grader (:func:`sandbox_mode`):

- ``root``: bubblewrap runs as root, makes its binds, and ``setpriv`` drops to the
  grading uid *inside* the sandbox (all capabilities, the bounding set included, are
  dropped). Binds work wherever the course and the venv live, even under a ``0700``
  home directory.
- ``uid``: root, but this machine does not let root create namespaces (an
  unprivileged container): ``setpriv`` drops to the grading uid first and bubblewrap
  runs as that uid in a user namespace, so every bound path must be traversable by it.
- ``user``: the grader is not root: bubblewrap runs as the grader's own user in a user
  namespace.

:func:`grader.sandbox.preflight.preflight` starts one sandboxed Python before the first submission and, when
that fails, says what to change.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from grader.course import CourseError
from grader.sandbox.limits import Limits

SYSTEM_DIRS = ["/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin"]
ETC_PATHS = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/fonts", "/etc/ssl", "/etc/mime.types", "/etc/alternatives"]
GPU_DEVICES = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
               *[f"/dev/nvidia{i}" for i in range(8)]]
BASE_UID = 60000
# Namespaces when bubblewrap runs as root: all but the user namespace (the uid drop happens inside).
ROOT_UNSHARE = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                "--cap-add", "CAP_SETPCAP"]
# --perms needs bubblewrap 0.5 or later; older ones fail the root probe and use the ``uid`` mode.
PRIVATE_TMP = ["--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/dev/shm"]
MISSING = ("bubblewrap (bwrap) is not installed: run `sudo apt-get install bubblewrap` "
           "(or `bash scripts/setup.sh`), or pass --sandbox off to grade without isolation "
           "(only for submissions you trust)")
SANDBOX_OFF = "pass --sandbox off to grade without isolation (only for submissions you trust)"


class SandboxUnavailable(CourseError, RuntimeError):
    """bubblewrap is missing or cannot start a sandboxed process on this machine."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _drop_to(uid: int) -> list[str]:
    return [shutil.which("setpriv") or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]


@functools.lru_cache(maxsize=1)
def _root_probe() -> str:
    """Why bubblewrap cannot run as root here ("" when it can): as :func:`command` would, make the
    namespaces and a 1777 ``/tmp``, drop to a grading uid, and write a file there."""
    bwrap = bwrap_path()
    if not bwrap:
        return "bubblewrap is not installed"
    probe = [bwrap, *ROOT_UNSHARE, "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
             *PRIVATE_TMP, "--", *_drop_to(BASE_UID + 1), "--inh-caps=-all", "--bounding-set=-all", "--",
             "sh", "-c", ": > /tmp/probe"]
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return "" if proc.returncode == 0 else (proc.stderr.strip() or f"exit status {proc.returncode}")


def sandbox_mode() -> str:
    """``root`` (bubblewrap as root, uid dropped inside), ``uid`` (root drops the uid before
    bubblewrap) or ``user`` (the grader is not root); see the module's docstring."""
    if os.geteuid() != 0:
        return "user"
    return "uid" if _root_probe() else "root"


def python_roots() -> list[Path]:
    """Directories that make up the running Python: the venv and the base installation."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent}
    return sorted(r for r in roots if r.exists())


@dataclass
class SandboxSpec:
    """What one sandboxed process may see and use."""

    workdir: Path
    ipc_dir: Path | None = None
    readonly: list[Path] = field(default_factory=list)
    slot: int = 0
    limits: Limits = field(default_factory=Limits)
    env: dict[str, str] = field(default_factory=dict)

    def uid(self) -> int:
        return BASE_UID + 1 + self.slot % 1000


def sandbox_env(spec: SandboxSpec) -> dict[str, str]:
    """The whole environment of the sandboxed process (nothing of the grader's leaks in)."""
    home = str(spec.workdir)
    env = {
        "HOME": home,
        "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",  # figures kept, as in Jupyter
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "IPYTHONDIR": "/tmp/ipython",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "TORCH_HOME": "/tmp/torch",
        "NBGRADER_EXECUTION": "autograde",
        "GRADER_SANDBOX": "1",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "CUDA_VISIBLE_DEVICES"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(spec.env)
    return env


def command(argv: list[str], spec: SandboxSpec, extra_rlimits: Mapping[str, int] | None = None,
            template: bool = False) -> list[str]:
    """Wrap ``argv`` so that it runs inside the sandbox described by ``spec``.

    ``extra_rlimits`` adds ``prlimit`` limits by name, e.g. ``{"as": bytes}``. ``template``: the
    warm-kernel template (:mod:`grader.sandbox.zygote`), which stays root inside the sandbox with the
    capability to mount (it drops every capability in each kernel it forks); ``root`` mode only.
    """
    bwrap = bwrap_path()
    if not bwrap:
        raise SandboxUnavailable(MISSING)
    lim = spec.limits
    mode = sandbox_mode()
    if template and mode != "root":
        raise SandboxUnavailable("a kernel template needs bubblewrap running as root")
    outer: list[str] = []  # before bwrap
    inner: list[str] = []  # inside the sandbox, before the resource limits
    if mode == "uid":
        outer = [*_drop_to(spec.uid()), "--"]
    if mode == "root" and not template:
        inner = [*_drop_to(spec.uid()), "--inh-caps=-all", "--bounding-set=-all", "--"]
    unshare = ROOT_UNSHARE if mode == "root" else ["--unshare-all"]
    if template:
        unshare = [*unshare, "--cap-add", "CAP_SYS_ADMIN"]
    cmd = [*outer, bwrap, *unshare, "--die-with-parent", "--new-session"]
    for d in SYSTEM_DIRS:
        cmd += ["--ro-bind-try", d, d]
    # The private /tmp first: binds below may live under /tmp and must stay visible.
    # As root, mode 1777: else they would be root's 0755 and the grading uid could not write there.
    cmd += ["--proc", "/proc", "--dev", "/dev",
            *(PRIVATE_TMP if mode == "root" else ["--tmpfs", "/tmp", "--tmpfs", "/dev/shm"])]
    if mode == "root":  # bubblewrap as root makes missing parents of binds 0700: the grading uid could not pass
        binds = [*ETC_PATHS, *python_roots(), *spec.readonly, spec.workdir, *([spec.ipc_dir] if spec.ipc_dir else [])]
        for parent in _parents(binds):
            cmd += ["--perms", "0755", "--dir", parent]
    for p in ETC_PATHS:
        cmd += ["--ro-bind-try", p, p]
    for root in python_roots():
        cmd += ["--ro-bind", str(root), str(root)]
    for path in spec.readonly:
        cmd += ["--ro-bind-try", str(path), str(path)]
    for dev in GPU_DEVICES:
        if os.path.exists(dev):
            cmd += ["--dev-bind", dev, dev]
    if os.path.isdir("/proc/driver/nvidia"):
        cmd += ["--ro-bind", "/proc/driver/nvidia", "/proc/driver/nvidia"]
    cmd += ["--bind", str(spec.workdir), str(spec.workdir)]
    if spec.ipc_dir:
        cmd += ["--bind", str(spec.ipc_dir), str(spec.ipc_dir)]
    cmd += ["--chdir", str(spec.workdir), "--clearenv"]
    for key, value in sandbox_env(spec).items():
        cmd += ["--setenv", key, value]
    rlimits = {"fsize": lim.max_file_mb * 1024 * 1024, "core": 0}
    if os.geteuid() == 0 and not template:  # a template's kernels set it for their own uid
        rlimits["nproc"] = lim.max_processes
    rlimits.update(extra_rlimits or {})
    limits = ["prlimit", *(f"--{name}={value}" for name, value in rlimits.items()), "--"]
    return [*cmd, "--", *inner, *limits, *argv]


def _parents(paths: list) -> list[str]:
    """Every directory above ``paths`` (not ``/``), shallowest first, each once."""
    out: dict[str, None] = {}
    for path in paths:
        for parent in reversed(Path(os.path.abspath(path)).parents[:-1]):
            out[str(parent)] = None
    return sorted(out, key=lambda p: p.count("/"))


def prepare_dir(path: Path, slot: int) -> None:
    """Give the sandbox user ownership of a directory it must write to."""
    if os.geteuid() == 0:
        uid = BASE_UID + 1 + slot % 1000
        for p in [path, *path.rglob("*")]:
            os.lchown(p, uid, uid)
    path.chmod(0o755)
