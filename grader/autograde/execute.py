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
import hashlib
import logging
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

from grader.notebooks.cells import grade_id, is_test, source_text
from grader.examiner.session import CellVerdict, ExaminerSession, is_examined, split_test
from grader.sandbox import bwrap
from grader.autograde.output_cap import CappedClient
from grader.sandbox.kernel import SandboxedKernelManager, WarmKernelManager
from grader.sandbox.limits import Limits, ReferenceTimes

log = logging.getLogger(__name__)
# Makes the examiner for one kernel from its connection info (None: hidden tests run in the kernel).
ExaminerFactory = Callable[[dict], ExaminerSession]

STATUS_KEY = "grader_status"
  # cell metadata written by the executor
MAX_RESTARTS = 3
TIMES_KEY = "grader_reference_times"  # notebook metadata: the reference run's times (set by the engine)
MIN_CELL_SECONDS = 0.25  # what a cell gets at least while the notebook's budget lasts


@dataclass
class SandboxConfig:
    """Whether and how to isolate the kernel."""

    enabled: bool = True
    readonly: list[Path] = field(default_factory=list)
    slot: int = 0
    env: dict[str, str] = field(default_factory=dict)
    template: Any = None  # a warm-kernel template (grader.sandbox.warm) to fork kernels from, if any


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
    cell_times: dict[str, float] = field(default_factory=dict)  # seconds per cell_key (visible part + examiner)
    output_cut: int = 0  # characters of output cut by the caps
    prime_seconds: float = 0.0  # the kernel-side cap and the examiner's agent, before the first cell
    examiner_start_seconds: float = 0.0  # starting examiners (connecting, loading the reference)
    warm_kernels: int = 0  # kernels forked from a warm template (the others started cold)


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


def cell_key(cell: Any) -> str:
    """How the reference's timings find a cell again: its grade id, else a hash of its source."""
    gid = grade_id(cell)
    return gid or "src:" + hashlib.sha1(source_text(cell).encode()).hexdigest()[:12]


def hidden_key(key: str) -> str:
    """The key of an examined test cell's hidden part (timed, and limited, apart from its visible part)."""
    return f"{key}#hidden"


def reference_times(nb: nbformat.NotebookNode) -> ReferenceTimes | None:
    """The reference run's times the engine put in the (source) notebook's metadata, if any."""
    data = nb.metadata.get(TIMES_KEY)
    try:
        return ReferenceTimes.from_dict(data) if isinstance(data, dict) else None
    except (TypeError, ValueError):
        return None


# Runs silently in each new kernel before the first cell: the kernel-side output cap
# (grader.sandbox.limits.cap_kernel_output), and with an examiner its agent, imported now rather than
# inside whichever hidden test asks first (seconds that would count against that test's limit).
_KERNEL_PRIME = """try:
    __import__("grader.sandbox.limits", fromlist=["cap_kernel_output"]).cap_kernel_output({head}, {tail})
except Exception:
    pass
if {agent}:
    try:
        __import__("grader.examiner.agent")
    except Exception:
        pass
"""


class _Run:
    def __init__(self, nb: nbformat.NotebookNode, workdir: Path, limits: Limits, sandbox: SandboxConfig,
                 examiner: ExaminerFactory | None = None):
        if limits.reference is None and limits.cell_timeout is None:
            limits = limits.with_reference(reference_times(nb))  # calibrated from the reference run
        self.nb, self.workdir, self.limits, self.sandbox = nb, workdir, limits, sandbox
        self.examiner_factory = examiner
        self.examiner: ExaminerSession | None = None
        self.budget = limits.notebook_budget()
        self.deadline = time.monotonic() + self.budget
        self._hidden_limit = 0.0  # the current cell's hidden part: its limit (the examiner's calls share it)
        self._last_limit = 0.0
        self._squeezed = False  # the current cell got less than its own limit: earlier cells used the budget
        self.timed_out = False  # a cell ran out of time: later cells lose the floor (Limits.cell_limit)
        self.furthest = -1  # the furthest cell run so far (earlier ones run again after a restart)
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self.keys = {i: cell_key(nb.cells[i]) for i in code}
        parts = [(i, k) for i in code for k in (self.keys[i], hidden_key(self.keys[i]))]
        self.reserved_after: dict[int, float] = {}  # time kept back for the cells after each cell
        reserved = 0.0
        for (i, _), reserve in reversed(list(zip(parts, limits.reserves([k for _, k in parts])))):
            self.reserved_after[i] = reserved
            reserved += reserve
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

    def _time_limit(self, index: int, key: str) -> float:
        """The limit of one part (``key``) of cell ``index``: its own, within the budget, never eating the
        time reserved for later cells. Sets ``_last_limit`` and ``_squeezed`` (for the timeout message)."""
        remaining = self.deadline - time.monotonic()
        own = min(self.limits.cell_limit(key, after_timeout=self.timed_out), remaining)
        self.furthest = max(self.furthest, index)  # a replayed cell keeps back only what is still to run
        squeezed = max(remaining - self.reserved_after.get(self.furthest, 0.0), MIN_CELL_SECONDS)
        limit = self._last_limit = max(0.0, min(own, squeezed))
        self._squeezed = limit < own - 0.01
        return limit

    async def _prime(self, client: CappedClient) -> None:
        """Cap the kernel's own printing too (saves sending a flood; the client's cap is what holds), and
        load the examiner's agent (:data:`_KERNEL_PRIME`)."""
        client.primed = True
        head, tail = self.limits.cell_output_bytes * 3 // 4, self.limits.cell_output_bytes // 4
        code = _KERNEL_PRIME.format(head=head // 2, tail=tail // 2, agent=self.examiner_factory is not None)
        try:
            kc = client.kc
            msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
            end = time.monotonic() + min(self.limits.startup_timeout, max(1.0, self.deadline - time.monotonic()))
            while time.monotonic() < end:
                reply = await kc.get_shell_msg(timeout=max(0.1, end - time.monotonic()))
                if reply["parent_header"].get("msg_id") == msg_id:
                    return
        except Exception:  # noqa: BLE001 - without it the flood is only slower, never unbounded
            pass

    async def _execute_cell(self, client: CappedClient, index: int) -> str:
        """Run one cell (an examined test cell: its visible part, then the examiner).

        Returns ok | timeout | died | budget | lost (the examiner lost the kernel).
        """
        cell = self.nb.cells[index]
        if self.deadline - time.monotonic() <= 0:
            return "budget"
        if not client.primed:
            t0 = time.monotonic()
            await self._prime(client)
            self.outcome.prime_seconds += time.monotonic() - t0
        key = self.keys[index]
        limit = self._time_limit(index, key)
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
            self.timed_out = True
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
            self._hidden_limit = self._time_limit(index, hidden_key(key))
            t0 = time.monotonic()
            result = await self._examine(client, index, started)
            verdict = self.outcome.verdicts.get(gid or "?")
            self.outcome.examiner_start_seconds += time.monotonic() - t0 - (verdict.seconds if verdict else 0.0)
            if verdict is not None:
                self.outcome.cell_times[hidden_key(key)] = verdict.seconds
                self.timed_out = self.timed_out or verdict.status == "timeout"
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
        deadline = min(self.deadline, self._cell_deadline)
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
                                    _mark(self.nb.cells[j], "timeout", "not run: the notebook used up its "
                                          f"{self.budget:.0f} s time budget")
                            outcome.status = "timeout"
                            outcome.message = f"the notebook ran out of its {self.budget:.0f} s budget"
                            break
                        if result == "lost":  # the examiner stopped a call that never returned
                            skip.add(index)
                        elif result == "timeout":
                            msg = (f"this cell ran longer than {self._last_limit:.3g} s (an endless loop?) and was stopped"
                                   + (f"; earlier cells had used most of the notebook's {self.budget:.0f} s time budget"
                                      if self._squeezed else ""))
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
                            _mark(self.nb.cells[j], "error", why)
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
