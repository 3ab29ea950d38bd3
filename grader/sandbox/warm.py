"""Warm kernels: the grader's side of the kernel template (:mod:`grader.sandbox.zygote`).

One template per worker process and sandbox configuration, started on first use inside its own
sandbox (in its own cgroup when cgroups are writable), holds the course's libraries imported;
each submission's kernel is forked from it, so a submission pays neither the interpreter start
nor the heavy imports. Guarantees:

- a kernel forked from the template is isolated as a cold one is (see :mod:`grader.sandbox.zygote`);
- its working and socket directories must lie under the template's :attr:`KernelTemplate.work_base`
  and :attr:`KernelTemplate.ipc_base` (the only grading directories the template can see);
- when the template cannot start or stops answering, :func:`template_for` returns ``None`` and the
  caller starts a cold kernel: warm kernels make grading faster, never different.

Only where bubblewrap runs as root (:func:`grader.sandbox.bwrap.sandbox_mode` is ``root``): the
template needs the capability to mount, which it drops in every kernel it forks.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import bwrap, cgroups
from grader.sandbox.limits import Limits

log = logging.getLogger(__name__)
START_TIMEOUT = 120.0
REQUEST_TIMEOUT = 60.0
TEMPLATE_MEMORY_MB = 4096  # room for the preload, until the template's size is known


class TemplateUnavailable(RuntimeError):
    """The template could not start or stopped answering."""


@dataclass(frozen=True)
class TemplateKey:
    """What a template is made for: kernels of one worker slot, with the same binds, limits and preload."""

    slot: int
    readonly: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    preload: tuple[str, ...]
    memory_mb: int
    max_processes: int
    max_file_mb: int


class KernelTemplate:
    """A running template; :meth:`spawn` forks a kernel from it."""

    def __init__(self, key: TemplateKey):
        self.key = key
        self.root = Path(tempfile.mkdtemp(prefix="grader-warm-"))
        self.root.chmod(0o755)
        self.work_base, self.ipc_base = self.root / "work", self.root / "ipc"
        for d in (self.work_base, self.ipc_base):
            d.mkdir()
            d.chmod(0o755)
        self._lock = threading.Lock()
        self.broken = ""  # why forking failed: the template is not used again
        self._stderr = tempfile.TemporaryFile()
        self.limits = Limits(memory_mb=key.memory_mb, max_processes=key.max_processes,
                             max_file_mb=key.max_file_mb)
        # The kernel gets what a cold one gets: a cold sandbox holds two processes of bubblewrap's, a
        # template five (bubblewrap's two, the template, and the two between it and the kernel).
        self.cgroup = cgroups.create(key.memory_mb + TEMPLATE_MEMORY_MB, key.max_processes + 3)
        spec = bwrap.SandboxSpec(workdir=self.work_base, ipc_dir=self.ipc_base,
                                 readonly=[Path(p) for p in key.readonly], slot=key.slot,
                                 limits=self.limits, env=dict(key.env))
        argv = [sys.executable, "-m", "grader.sandbox.zygote", json.dumps(list(key.preload))]
        cmd = bwrap.command(argv, spec, template=True)
        if self.cgroup is not None:
            cmd = ["/bin/sh", "-c", self.cgroup.join_command() + "exec " + shlex.join(cmd)]
        self.env = bwrap.sandbox_env(spec)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     cwd=self.root, start_new_session=True)
        ready = self._read(START_TIMEOUT)
        if "ready" not in ready:
            self.close()
            raise TemplateUnavailable(ready.get("error", "no answer"))
        self.preloaded: list[str] = ready["ready"]
        if self.cgroup is not None:  # the kernel's own limit on top of what the template holds
            self.cgroup.set_memory_mb(key.memory_mb + ready.get("rss_kb", 0) // 1024 + 64)
        log.info("kernel template for slot %s ready: %s preloaded (%d MB)", key.slot,
                 ", ".join(self.preloaded) or "nothing", ready.get("rss_kb", 0) // 1024)

    def _read(self, timeout: float) -> dict:
        out = self.proc.stdout
        assert out is not None
        if not select.select([out], [], [], timeout)[0]:
            return {"error": f"the kernel template did not answer within {timeout:.0f} s"}
        line = out.readline()
        if not line:
            self._stderr.seek(0)
            tail = self._stderr.read().decode(errors="replace").strip().splitlines()[-5:]
            return {"error": "the kernel template stopped: " + (" / ".join(tail) or "no message")}
        return json.loads(line)

    def request(self, op: str, timeout: float = REQUEST_TIMEOUT, **fields: object) -> dict:
        """One request and its answer; raises :class:`TemplateUnavailable` when the template is gone."""
        with self._lock:
            if self.proc.poll() is not None or self.proc.stdin is None:
                raise TemplateUnavailable("the kernel template is not running")
            try:
                self.proc.stdin.write((json.dumps({"op": op, **fields}) + "\n").encode())
                self.proc.stdin.flush()
            except OSError as exc:
                raise TemplateUnavailable(f"the kernel template stopped: {exc}") from exc
            answer = self._read(timeout)
        if "error" in answer and op != "spawn":
            raise TemplateUnavailable(answer["error"])
        return answer

    def spawn(self, work: Path, ipc: Path, args: list[str], env: dict[str, str]) -> "WarmProcess":
        """Fork a kernel in ``work`` with ``args`` (ipykernel's: the connection file in ``ipc``);
        raises RuntimeError when it cannot."""
        for path in (work, ipc):
            base = self.work_base if path == work else self.ipc_base
            if base not in Path(path).parents:
                raise ValueError(f"{path} is not under the template's {base}")
        lim = self.limits
        rlimits = {"fsize": lim.max_file_mb * 1024 * 1024, "core": 0, "nproc": lim.max_processes}
        if self.cgroup is None:  # as a cold kernel without cgroups: an address-space limit
            rlimits["as"] = lim.memory_mb * 3 * 1024 * 1024
        answer = self.request("spawn", work=str(work), ipc=str(ipc), bases=[str(self.work_base), str(self.ipc_base)],
                              uid=bwrap.BASE_UID + 1 + self.key.slot % 1000, env=env, rlimits=rlimits,
                              argv0=_launcher_path(), args=args)
        if "pid" not in answer:
            self.broken = str(answer.get("error"))
            raise RuntimeError(f"the kernel template could not fork a kernel: {answer.get('error')}")
        return WarmProcess(self, int(answer["pid"]))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            if self.proc.stdin:
                self.proc.stdin.close()
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait(timeout=10)
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        shutil.rmtree(self.root, ignore_errors=True)


class WarmProcess:
    """A forked kernel, as :class:`subprocess.Popen` looks to jupyter_client's local provisioner."""

    stdin = stdout = stderr = None

    def __init__(self, template: KernelTemplate, pid: int):
        self.template, self.pid = template, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.returncode = self.template.request("poll", pid=self.pid)["exit"]
            except TemplateUnavailable:
                self.returncode = -9
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.poll() is None:
            self.kill()
        return self.returncode if self.returncode is not None else -9

    def kill(self) -> None:
        """Kill the kernel and every process it started (its PID namespace)."""
        if self.returncode is None:
            try:
                self.returncode = self.template.request("kill", pid=self.pid)["exit"]
            except TemplateUnavailable:
                self.returncode = -9

    terminate = kill

    def send_signal(self, signum: int) -> None:
        if signum in (signal.SIGKILL, signal.SIGTERM):
            self.kill()


def _launcher_path() -> str:
    """What ``sys.argv[0]`` is in a cold kernel: the path of ``ipykernel_launcher``."""
    import importlib.util

    spec = importlib.util.find_spec("ipykernel_launcher")
    return str(spec.origin) if spec and spec.origin else "ipykernel_launcher"


def preload_for(notebooks: list[dict], exclude: set[str]) -> tuple[str, ...]:
    """The modules the code cells of ``notebooks`` (nbformat dicts) import, for a template to preload;
    those whose top-level name is in ``exclude`` (the assignment's own helper files) are left out, and
    pyplot is replaced by the parts of matplotlib that need no backend."""
    import ast

    names: dict[str, None] = {}
    for nb in notebooks:
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            src = "".join(cell.get("source", ""))
            code = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update((a.name, None) for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names[node.module] = None
    out: dict[str, None] = {}
    for name in names:
        top = name.split(".")[0]
        if top in exclude:
            continue
        if name.startswith("matplotlib.pyplot"):
            out.update({"matplotlib.figure": None, "matplotlib.font_manager": None})
        else:
            out[name] = None
    return tuple(out)


def shadows(files: list[str], preloaded: list[str]) -> bool:
    """Whether a submitted file would be imported instead of a preloaded module in a cold kernel
    (``numpy.py`` next to the notebook): such a submission gets a cold kernel."""
    tops = {m.split(".")[0] for m in preloaded}
    return any(Path(f).parts[0].removesuffix(".py") in tops for f in files)


_templates: dict[TemplateKey, KernelTemplate] = {}
_failed: dict[TemplateKey, str] = {}


def template_for(key: TemplateKey) -> KernelTemplate | None:
    """This process's running template for ``key`` (started on first use), or ``None`` to start cold."""
    if bwrap.sandbox_mode() != "root" or key in _failed:
        return None
    template = _templates.get(key)
    if template is not None and template.broken:
        _failed[key] = template.broken
        return None
    if template is not None and template.alive():
        return template
    for other in list(_templates):  # one template per worker: a new key replaces the old one
        _templates.pop(other).close()
    try:
        template = _templates[key] = KernelTemplate(key)
    except (TemplateUnavailable, OSError, bwrap.SandboxUnavailable) as exc:
        _failed[key] = str(exc)
        log.warning("warm kernels are off for this worker (kernels start cold): %s", exc)
        return None
    return template


@atexit.register
def close_all() -> None:
    """Stop every template of this process."""
    for key in list(_templates):
        _templates.pop(key).close()
