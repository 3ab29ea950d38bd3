"""Run a notebook cell by cell in a (sandboxed) kernel, surviving loops, crashes and kills.

Each cell gets a time limit and the whole notebook a wall-clock budget, calibrated from the
reference solution's run (:mod:`grader.sandbox.limits`), and what cells print or display is
capped while it streams in (:class:`CappedClient`). When a cell times out and the kernel
cannot be interrupted, or the kernel dies (``os._exit``, a segfault, the memory limit), the
cell is marked, a fresh kernel is started, the earlier cells are replayed without the
offending one, and grading goes on, so one broken function does not cost the marks of the
others.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from grader.notebooks.cells import grade_id, is_test
from grader.examiner.session import CellVerdict, ExaminerSession, is_examined, split_test
from grader.sandbox import bwrap
from grader.autograde.budget import CellClock, hidden_key, reference_times
from grader.autograde.kernel_calls import prime, run_silently
from grader.autograde.outcome import CellMark, Outcome, SandboxConfig
from grader.autograde.output_cap import CappedClient
from grader.sandbox.kernel import SandboxedKernelManager, WarmKernelManager
from grader.sandbox.limits import Limits

log = logging.getLogger(__name__)
# Makes the examiner for one kernel from its connection info (None: hidden tests run in the kernel).
ExaminerFactory = Callable[[dict], ExaminerSession]

MAX_RESTARTS = 3


def _mark(outcome: Outcome, index: int, status: str, message: str) -> None:
    """Record why cell ``index`` lost its run (data the verdict reads), and show the student the reason."""
    outcome.marks[index] = CellMark(status, message)
    outcome.notebook.cells[index].setdefault("outputs", []).append(nbformat.v4.new_output(
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
        if limits.reference is None and limits.cell_timeout is None:
            limits = limits.with_reference(reference_times(nb))  # calibrated from the reference run
        self.nb, self.workdir, self.limits, self.sandbox = nb, workdir, limits, sandbox
        self.examiner_factory = examiner
        self.examiner: ExaminerSession | None = None
        self.clock = CellClock(nb, limits)
        self._hidden_limit = 0.0  # the current cell's hidden part: its limit (the examiner's calls share it)
        self.template = sandbox.template if sandbox.enabled else None
        self.ipc_root = Path(tempfile.mkdtemp(prefix="grader-ipc-",
                                              dir=self.template.ipc_base if self.template else None))
        self.ipc_root.chmod(0o755)
        self.outcome = Outcome(nb)

    def _manager(self, attempt: int):
        if not self.sandbox.enabled:
            from jupyter_client.manager import AsyncKernelManager
            return AsyncKernelManager(kernel_name="python3")
        ipc = self.ipc_root / f"k{attempt}{'w' if self.template else 'c'}"
        ipc.mkdir()
        bwrap.prepare_dir(ipc, self.sandbox.slot)
        spec = bwrap.SandboxSpec(workdir=self.workdir, ipc_dir=ipc, readonly=self.sandbox.readonly,
                                 slot=self.sandbox.slot, limits=self.limits, env=self.sandbox.env)
        if self.template is not None:
            return WarmKernelManager(spec, self.template)
        return SandboxedKernelManager(spec)

    def _client(self, attempt: int) -> tuple[NotebookClient, dict]:
        """A notebook client and the keyword arguments its kernel is started with."""
        kernel_kwargs: dict = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        if not self.sandbox.enabled:
            kernel_kwargs["env"] = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline",
                                    **self.sandbox.env}  # figures kept in the outputs, as in Jupyter
        client = CappedClient(
            self.nb, km=self._manager(attempt), cell_cap=self.limits.cell_output_bytes,
            notebook_cap=self.limits.notebook_output_bytes, timeout=round(self.limits.cell_limit(None)),
            startup_timeout=self.limits.startup_timeout, allow_errors=True,
            interrupt_on_timeout=False, record_timing=False, kernel_name="python3",
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(self.workdir)}},
        )
        return client, kernel_kwargs

    @property
    def _cell_deadline(self) -> float:
        """When the hidden part of the current cell must be done: its limit from now (starting the examiner
        does not count; the visible part had a limit of its own)."""
        return time.monotonic() + self._hidden_limit

    async def _execute_cell(self, client: CappedClient, index: int) -> str:
        """Run one cell (an examined test cell: its visible part, then the examiner).

        Returns ok | timeout | died | budget | lost (the examiner lost the kernel).
        """
        cell = self.nb.cells[index]
        if self.clock.remaining() <= 0:
            return "budget"
        if not client.primed:
            t0 = time.monotonic()
            client.primed = True
            await prime(client.kc, self.limits.cell_output_bytes, self.examiner_factory is not None,
                        min(self.limits.startup_timeout, max(1.0, self.clock.remaining())))
            self.outcome.prime_seconds += time.monotonic() - t0
        key = self.clock.keys[index]
        limit = self.clock.limit(index, key)
        client.timeout = max(1, round(limit))  # nbclient's is whole seconds; timeout_func is what counts
        client.timeout_func = lambda _cell: max(limit, 0.01)
        examined = self.examiner_factory is not None and is_examined(cell)
        full_source = cell.source
        if examined:
            cell.source = split_test(full_source)[0]
        started = time.monotonic()
        client.begin_cell(index, keep_records=is_test(cell))
        try:
            await client.async_execute_cell(cell, index, store_history=True)
        except CellTimeoutError:
            self.clock.timed_out = True
            return "timeout"
        except DeadKernelError:
            return "died"
        finally:
            cell.source = full_source
            self.outcome.output_cut += client.finish_cell(index, cell)
            visible = time.monotonic() - started
            self.outcome.cells_seconds += visible
            self.outcome.cell_times[key] = visible
        gid = grade_id(cell)
        if examined and gid not in self.outcome.verdicts:
            self._hidden_limit = self.clock.limit(index, hidden_key(key))
            t0 = time.monotonic()
            result = await self._examine(client, index, started)
            verdict = self.outcome.verdicts.get(gid or "?")
            self.outcome.examiner_start_seconds += time.monotonic() - t0 - (verdict.seconds if verdict else 0.0)
            if verdict is not None:
                self.outcome.cell_times[hidden_key(key)] = verdict.seconds
                self.clock.timed_out = self.clock.timed_out or verdict.status == "timeout"
            return result
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
        deadline = min(self.clock.deadline, self._cell_deadline)
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
        except Exception:  # noqa: BLE001 - any failure means "not responsive"
            return False
        await asyncio.sleep(0.5)
        return await run_silently(client.kc, "1", 5.0)

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
            started, finished, current = False, False, position
            try:
                async with client.async_setup_kernel(**kernel_kwargs):
                    started = True
                    outcome.warm_kernels += isinstance(client.km, WarmKernelManager)
                    outcome.startup_seconds += time.monotonic() - t_start
                    replay = [i for i in code_cells if i < position and i not in skip]
                    todo = replay + [i for i in code_cells if i >= position]
                    broke_at = None
                    for index in todo:
                        if index in skip:
                            continue
                        current = max(current, index)
                        result = await self._execute_cell(client, index)
                        if result == "ok":
                            continue
                        if result == "budget":
                            for j in code_cells:
                                if j >= index and j not in skip:
                                    _mark(outcome, j, "timeout", "not run: the notebook used up its "
                                          f"{self.clock.budget:.0f} s time budget")
                            outcome.status = "timeout"
                            outcome.message = f"the notebook ran out of its {self.clock.budget:.0f} s budget"
                            break
                        if result == "lost":  # the examiner stopped a call that never returned
                            skip.add(index)
                        elif result == "timeout":
                            msg = (f"this cell ran longer than {self.clock.last_limit:.3g} s (an endless loop?) and was stopped"
                                   + (f"; earlier cells had used most of the notebook's {self.clock.budget:.0f} s time budget"
                                      if self.clock.squeezed else ""))
                            _mark(outcome, index, "timeout", msg)
                            skip.add(index)
                            if await self._interrupt(client):
                                continue
                        else:
                            _mark(outcome, index, "died", "the kernel died while running this cell "
                                  "(os._exit, a crash, or the memory limit); later cells ran in a fresh kernel")
                            skip.add(index)
                        broke_at = index
                        break
                    finished = True
            except (RuntimeError, TimeoutError, OSError) as exc:
                if not started and self.template is not None:  # warm kernels are only faster: go cold
                    log.warning("a warm kernel did not start (%s); starting a cold one", exc)
                    self.template = None
                    self._reap(client)
                    continue
                if attempt == 0 and not started:
                    outcome.status, outcome.message = "error", f"the kernel could not start: {exc}"
                    broke_at = None
                elif not finished:  # every cell not run yet gets the real reason
                    why = (f"not run: the kernel could not be restarted after the failure above: {exc}"
                           if not started else f"not run: the kernel stopped answering: {exc}")
                    for j in code_cells:
                        if j >= current and j not in skip:
                            _mark(outcome, j, "error", why)
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
                        _mark(outcome, j, "error", "not run: the kernel was restarted too many times")
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
