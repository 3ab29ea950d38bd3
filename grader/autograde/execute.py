"""Run a notebook cell by cell in a (sandboxed) kernel, surviving loops, crashes and kills.

Each cell gets a time limit and the whole notebook a wall-clock budget. When a cell
times out and the kernel cannot be interrupted, or the kernel dies (``os._exit``, a
segfault, the memory limit), the cell is marked, a fresh kernel is started, the
earlier cells are replayed without the offending one, and grading goes on, so one
broken function does not cost the marks of the others.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from grader.notebooks.cells import grade_id
from grader.examiner.session import CellVerdict, ExaminerSession, is_examined, split_test
from grader.sandbox import bwrap
from grader.sandbox.kernel import SandboxedKernelManager
from grader.sandbox.limits import Limits

# Makes the examiner for one kernel from its connection info (None: hidden tests run in the kernel).
ExaminerFactory = Callable[[dict], ExaminerSession]

STATUS_KEY = "grader_status"
  # cell metadata written by the executor
MAX_RESTARTS = 3


@dataclass
class SandboxConfig:
    """Whether and how to isolate the kernel."""

    enabled: bool = True
    readonly: list[Path] = field(default_factory=list)
    slot: int = 0
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """How the run of one notebook ended."""

    notebook: nbformat.NotebookNode
    status: str = "ok"  # ok | timeout (notebook budget) | error (kernel could not start)
    message: str = ""
    restarts: int = 0
    seconds: float = 0.0
    cells_seconds: float = 0.0  # time inside cells (the notebook's own work)
    startup_seconds: float = 0.0  # starting kernels (sandbox included) until they answer
    verdicts: dict[str, CellVerdict] = field(default_factory=dict)  # examined test cells, by grade_id


def _mark(cell: Any, status: str, message: str) -> None:
    cell.metadata[STATUS_KEY] = {"status": status, "message": message}
    cell.setdefault("outputs", []).append(nbformat.v4.new_output(
        "error", ename=status.capitalize(), evalue=message, traceback=[message]))


def _show_verdict(cell: Any, verdict: CellVerdict) -> None:
    """What the examiner found, as an output of the test cell (feedback and formgrader show it)."""
    lines = [f"[grader] {verdict.grade_id}: {verdict.points:g} of {verdict.max_points:g} points ({verdict.status})"]
    lines += [f"  {'ok  ' if c['passed'] else 'FAIL'} {c['name']}" for c in verdict.checks]
    if verdict.message:
        lines += ["", verdict.message]
    if verdict.output.strip():
        lines += ["", "what your code printed while the hidden tests ran:", verdict.output.rstrip()]
    cell.setdefault("outputs", []).append(nbformat.v4.new_output(
        "stream", name="stdout", text="\n".join(lines) + "\n"))


class _Run:
    def __init__(self, nb: nbformat.NotebookNode, workdir: Path, limits: Limits, sandbox: SandboxConfig,
                 examiner: ExaminerFactory | None = None):
        self.nb, self.workdir, self.limits, self.sandbox = nb, workdir, limits, sandbox
        self.examiner_factory = examiner
        self.examiner: ExaminerSession | None = None
        self.deadline = time.monotonic() + limits.notebook_timeout
        self.ipc_root = Path(tempfile.mkdtemp(prefix="grader-ipc-"))
        self.ipc_root.chmod(0o755)
        self.outcome = Outcome(nb)

    def _manager(self, attempt: int):
        if not self.sandbox.enabled:
            from jupyter_client.manager import AsyncKernelManager
            return AsyncKernelManager(kernel_name="python3")
        ipc = self.ipc_root / f"k{attempt}"
        ipc.mkdir()
        bwrap.prepare_dir(ipc, self.sandbox.slot)
        spec = bwrap.SandboxSpec(workdir=self.workdir, ipc_dir=ipc, readonly=self.sandbox.readonly,
                                 slot=self.sandbox.slot, limits=self.limits, env=self.sandbox.env)
        return SandboxedKernelManager(spec)

    def _client(self, attempt: int) -> tuple[NotebookClient, dict]:
        """A notebook client and the keyword arguments its kernel is started with."""
        kernel_kwargs: dict = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if not self.sandbox.enabled:
            kernel_kwargs["env"] = {**os.environ, "MPLBACKEND": "Agg", **self.sandbox.env}
        client = NotebookClient(
            self.nb, km=self._manager(attempt), timeout=self.limits.cell_timeout,
            startup_timeout=self.limits.startup_timeout, allow_errors=True,
            interrupt_on_timeout=False, record_timing=False, kernel_name="python3",
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(self.workdir)}},
        )
        return client, kernel_kwargs

    async def _execute_cell(self, client: NotebookClient, index: int) -> str:
        """Run one cell (an examined test cell: its visible part, then the examiner).

        Returns ok | timeout | died | budget | lost (the examiner lost the kernel).
        """
        cell = self.nb.cells[index]
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return "budget"
        client.timeout = max(1, int(min(self.limits.cell_timeout, remaining)))
        examined = self.examiner_factory is not None and is_examined(cell)
        full_source = cell.source
        if examined:
            cell.source = split_test(full_source)[0]
        started = time.monotonic()
        try:
            await client.async_execute_cell(cell, index, store_history=True)
        except CellTimeoutError:
            return "timeout"
        except DeadKernelError:
            return "died"
        finally:
            cell.source = full_source
            self.outcome.cells_seconds += time.monotonic() - started
        if examined and grade_id(cell) not in self.outcome.verdicts:
            return await self._examine(client, index, started)
        return "ok"

    async def _examine(self, client: NotebookClient, index: int, started: float) -> str:
        """The hidden part of test cell ``index``, in the examiner, within what is left of the cell's time."""
        assert self.examiner_factory is not None
        gid = grade_id(self.nb.cells[index]) or "?"
        if self.examiner is None:
            try:
                self.examiner = await asyncio.to_thread(self.examiner_factory, client.km.get_connection_info())
            except (RuntimeError, TimeoutError, OSError) as exc:
                self.outcome.verdicts[gid] = CellVerdict(gid, 0.0, status="error",
                                                         message=f"the grader could not reach the kernel: {exc}")
                return "lost"
        deadline = min(self.deadline, started + self.limits.cell_timeout)
        t0 = time.monotonic()
        verdict = await asyncio.to_thread(self.examiner.run_cell, index, deadline)
        self.outcome.cells_seconds += time.monotonic() - t0
        self.outcome.verdicts[verdict.grade_id] = verdict
        _show_verdict(self.nb.cells[index], verdict)
        return "lost" if verdict.kernel_lost else "ok"

    def _close_examiner(self) -> None:
        if self.examiner is not None:
            self.examiner.close()
            self.examiner = None

    async def _interrupt(self, client: NotebookClient) -> bool:
        """Try SIGINT; True when the kernel answers again within a few seconds."""
        try:
            await client.km.interrupt_kernel()
            await asyncio.sleep(0.5)
            kc = client.kc
            msg_id = kc.execute("1", silent=True, store_history=False)
            end = time.monotonic() + 5
            while time.monotonic() < end:
                reply = await kc.get_shell_msg(timeout=max(0.1, end - time.monotonic()))
                if reply["parent_header"].get("msg_id") == msg_id:
                    return True
        except Exception:  # noqa: BLE001 - any failure means "not responsive"
            pass
        return False

    @staticmethod
    def _reap(client: NotebookClient) -> None:
        """Kill whatever the kernel left behind (its cgroup), even if shutdown went wrong."""
        km = getattr(client, "km", None)
        if km is not None and hasattr(km, "kill_everything"):
            km.kill_everything()

    async def run(self) -> Outcome:
        start = time.monotonic()
        outcome = self.outcome
        skip: set[int] = set()
        position, attempt = 0, 0
        code_cells = [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]
        while True:
            client, kernel_kwargs = self._client(attempt)
            t_start = time.monotonic()
            try:
                async with client.async_setup_kernel(**kernel_kwargs):
                    outcome.startup_seconds += time.monotonic() - t_start
                    replay = [i for i in code_cells if i < position and i not in skip]
                    todo = replay + [i for i in code_cells if i >= position]
                    broke_at = None
                    for index in todo:
                        if index in skip:
                            continue
                        result = await self._execute_cell(client, index)
                        if result == "ok":
                            continue
                        if result == "budget":
                            for j in code_cells:
                                if j >= index and j not in skip:
                                    _mark(self.nb.cells[j], "timeout", "not run: the notebook used up its "
                                          f"{self.limits.notebook_timeout:.0f} s time budget")
                            outcome.status = "timeout"
                            outcome.message = f"the notebook ran out of its {self.limits.notebook_timeout:.0f} s budget"
                            break
                        if result == "lost":  # the examiner stopped a call that never returned
                            skip.add(index)
                        elif result == "timeout":
                            msg = f"this cell ran longer than {client.timeout} s (an endless loop?) and was stopped"
                            _mark(self.nb.cells[index], "timeout", msg)
                            skip.add(index)
                            if await self._interrupt(client):
                                continue
                        else:
                            _mark(self.nb.cells[index], "died", "the kernel died while running this cell "
                                  "(os._exit, a crash, or the memory limit); later cells ran in a fresh kernel")
                            skip.add(index)
                        broke_at = index
                        break
            except (RuntimeError, TimeoutError, OSError) as exc:
                if attempt == 0 and position == 0:
                    outcome.status, outcome.message = "error", f"the kernel could not start: {exc}"
                broke_at = None
            self._close_examiner()
            self._reap(client)
            if broke_at is None or outcome.status != "ok":
                break
            attempt += 1
            outcome.restarts = attempt
            position = broke_at + 1
            if attempt > MAX_RESTARTS:
                for j in code_cells:
                    if j >= position and j not in skip:
                        _mark(self.nb.cells[j], "error", "not run: the kernel was restarted too many times")
                break
        outcome.seconds = time.monotonic() - start
        shutil.rmtree(self.ipc_root, ignore_errors=True)
        return outcome


def execute(nb: nbformat.NotebookNode, workdir: Path, limits: Limits | None = None,
            sandbox: SandboxConfig | None = None, examiner: ExaminerFactory | None = None) -> Outcome:
    """Execute ``nb`` in ``workdir`` (which the sandbox may write) and return the outcome.

    With ``examiner``, the hidden parts of examined test cells run there, not in the kernel.
    """
    run = _Run(nb, Path(workdir), limits or Limits(), sandbox or SandboxConfig(), examiner)
    return asyncio.run(run.run())
