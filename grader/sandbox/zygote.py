"""The kernel template: one warm Python per worker, inside the sandbox, that forks a kernel per submission.

It runs as root inside a bubblewrap sandbox (:func:`grader.sandbox.bwrap.command` with
``template=True``), imports the libraries the course's notebooks import (never CUDA), and then
answers JSON lines on stdin. ``spawn`` forks a kernel that is as isolated as a cold one:

- its own mount, PID and IPC namespaces: a fresh ``/proc``, an empty ``/tmp`` and
  ``/dev/shm``, and the grading directories emptied except its own working and socket
  directories; every process it starts dies with it (:mod:`grader.sandbox.isolate`);
- its own unprivileged uid, every capability and the bounding set dropped, ``no_new_privs``;
- the resource limits a cold kernel gets (file size, core, process count);
- random generators reseeded from the OS (the Python and NumPy global ones), nothing of the
  grader's modules left in ``sys.modules``, the environment and ``sys.argv``/``sys.path`` of a
  cold ``python -m ipykernel_launcher``.

``kill`` stops one kernel and everything it started; ``poll`` reaps and reports exit codes.
This module imports only the standard library and :mod:`grader.sandbox.isolate` before the
preload (nothing from the working directory: it is taken off ``sys.path``), and refuses to fork when
a thread is running (a fork would copy a lock some thread holds).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import random
import resource
import select
import signal
import sys
import time

from grader.sandbox.isolate import die_with_parent, drop_privileges, enter_namespaces, setup_namespace

RLIMITS = {"fsize": "RLIMIT_FSIZE", "core": "RLIMIT_CORE", "nproc": "RLIMIT_NPROC", "as": "RLIMIT_AS"}
NOT_PRELOADED = ("matplotlib.pyplot", "matplotlib_inline", "IPython.display", "grader")  # set up per kernel
READY_TIMEOUT = 30.0


def preload(modules: list[str]) -> list[str]:
    """Import ``modules`` (those that fail are skipped); return the ones imported."""
    done = []
    for name in modules:
        if name.startswith(NOT_PRELOADED):
            continue
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception:  # noqa: BLE001 - a module missing here is imported by the kernel as usual
            pass
    for name in ("ipykernel.kernelapp", "ipykernel.ipkernel"):  # what every kernel imports as it starts
        importlib.import_module(name)
    return done


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _cuda_initialised() -> bool:
    torch = sys.modules.get("torch")
    return bool(torch is not None and torch.cuda.is_initialized())


# ---------------------------------------------------------------- the child: namespaces, mounts, user

def _fresh_interpreter(req: dict) -> None:
    """What a cold ``python -m ipykernel_launcher`` would see: environment, argv, path, seeds, modules."""
    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["work"])
    for name in [m for m in sys.modules if m == "grader" or m.startswith("grader.")]:
        del sys.modules[name]
    sys.argv = [req["argv0"], *req["args"]]
    sys.path.insert(0, req["work"])  # as ``python -m`` in the working directory
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _kernel(req: dict, ready: int) -> None:
    """The kernel process: limits, user, interpreter state, then ipykernel; never returns."""
    for name, value in req["rlimits"].items():
        resource.setrlimit(getattr(resource, RLIMITS[name]), (value, value))
    drop_privileges(req["uid"])
    _fresh_interpreter(req)
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.write(ready, b"ok\n")
    os.closerange(3, 65536)
    from ipykernel.kernelapp import launch_new_instance

    launch_new_instance()
    os._exit(0)


def _init(req: dict, ready: int) -> None:
    """Pid 1 of the kernel's namespace: set it up, start the kernel, reap until the kernel ends."""
    try:
        setup_namespace(req)
        kernel = os.fork()
        if kernel == 0:
            try:
                _kernel(req, ready)
            except BaseException as exc:  # noqa: BLE001 - report why, then die
                os.write(ready, f"error {type(exc).__name__}: {exc}\n".encode())
            os._exit(70)
    except BaseException as exc:  # noqa: BLE001
        os.write(ready, f"error {type(exc).__name__}: {exc}\n".encode())
        os._exit(70)
    os.close(ready)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _spawn_child(req: dict, ready: int) -> None:
    """Between the template and the kernel's namespace: enter new namespaces, fork their pid 1, wait."""
    null = os.open("/dev/null", os.O_RDWR)  # the template's requests and answers stay its own
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    enter_namespaces()
    init = os.fork()
    if init == 0:
        die_with_parent()
        _init(req, ready)
    os.close(ready)
    _, status = os.waitpid(init, 0)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


# ---------------------------------------------------------------- the template's loop

class Template:
    def __init__(self) -> None:
        self.exits: dict[int, int] = {}
        self.children: set[int] = set()

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.exits[pid] = os.waitstatus_to_exitcode(status)

    def spawn(self, req: dict) -> dict:
        if _threads() != 1:
            return {"error": f"the template runs {_threads()} threads; forking it is unsafe"}
        if _cuda_initialised():
            return {"error": "CUDA was initialised in the template"}
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                _spawn_child(req, w)
            finally:
                os._exit(70)
        os.close(w)
        self.children.add(pid)
        answer = _read_line(r, READY_TIMEOUT)
        os.close(r)
        if answer == "ok":
            return {"pid": pid}
        self.kill(pid)
        return {"error": answer or f"the kernel did not start within {READY_TIMEOUT:.0f} s"}

    def kill(self, pid: int) -> dict:
        if pid in self.children:  # its namespace's pid 1 dies with it (PDEATHSIG), and all in there
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                self.exits[pid] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            self.children.discard(pid)
        return {"exit": self.exits.get(pid, -9)}

    def poll(self, pid: int) -> dict:
        self.reap()
        return {"exit": None if pid in self.children else self.exits.get(pid, -1)}


def _read_line(fd: int, timeout: float) -> str:
    data, end = b"", time.monotonic() + timeout
    while b"\n" not in data:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode(errors="replace").strip()


def main() -> None:
    # Nothing is imported from the working directory (``python -m`` put it first): only kernels write there.
    while sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    modules = json.loads(sys.argv[1]) if len(sys.argv) > 1 else []
    try:
        loaded = preload(modules)
    except Exception as exc:  # noqa: BLE001 - the grader falls back to cold kernels
        return _answer({"error": f"preload failed: {type(exc).__name__}: {exc}"})
    with open("/proc/self/status") as f:
        rss = next((int(line.split()[1]) for line in f if line.startswith("VmRSS")), 0)
    _answer({"ready": loaded, "rss_kb": rss, "threads": _threads()})
    template = Template()
    for line in sys.stdin:
        try:
            req = json.loads(line)
            op = req.get("op")
            answer = (template.spawn(req) if op == "spawn" else template.kill(int(req["pid"])) if op == "kill"
                      else template.poll(int(req["pid"])) if op == "poll" else {"error": f"unknown op {op!r}"})
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the template
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        _answer(answer)


def _answer(answer: dict) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
