"""The bubblewrap command line that isolates one student kernel.

Inside the sandbox the kernel sees a read-only system and Python, the read-only
course ``data/`` and ``grader`` package, and one writable working directory that
holds only this submission. It has no network, its own PID namespace (so every
process it starts dies with it), a private ``/tmp``, and, where the grader runs as
root, an unprivileged user of its own (a different uid per worker slot, so process
limits of one student never touch another).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox.limits import Limits

SYSTEM_DIRS = ["/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin"]
ETC_PATHS = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/fonts", "/etc/ssl", "/etc/mime.types", "/etc/alternatives"]
GPU_DEVICES = ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
               *[f"/dev/nvidia{i}" for i in range(8)]]
BASE_UID = 60000


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


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
        "MPLBACKEND": "Agg",
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


def command(argv: list[str], spec: SandboxSpec) -> list[str]:
    """Wrap ``argv`` so that it runs inside the sandbox described by ``spec``."""
    bwrap = bwrap_path()
    if not bwrap:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed: run `apt-get install bubblewrap` "
            "(or `bash scripts/setup.sh`), or pass --sandbox off to grade without isolation"
        )
    lim = spec.limits
    cmd: list[str] = []
    if os.geteuid() == 0:
        uid = spec.uid()
        cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    cmd += [bwrap, "--unshare-all", "--die-with-parent", "--new-session"]
    for d in SYSTEM_DIRS:
        cmd += ["--ro-bind-try", d, d]
    for p in ETC_PATHS:
        cmd += ["--ro-bind-try", p, p]
    # The private /tmp first: binds below may live under /tmp and must stay visible.
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
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
    rlimits = [f"--fsize={lim.max_file_mb * 1024 * 1024}", "--core=0"]
    if os.geteuid() == 0:
        rlimits.append(f"--nproc={lim.max_processes}")
    cmd += ["--", "prlimit", *rlimits, "--", *argv]
    return cmd


def prepare_dir(path: Path, slot: int) -> None:
    """Give the sandbox user ownership of a directory it must write to."""
    if os.geteuid() == 0:
        uid = BASE_UID + 1 + slot % 1000
        for p in [path, *path.rglob("*")]:
            os.lchown(p, uid, uid)
    path.chmod(0o755)
