"""Judge many variants of one notebook quickly: one kernel, reference run once, only the concerned tests re-run.

For each variant the runner executes the variant's code right after the reference
state, re-runs only the test cells the variant concerns (fresh copies, hidden tests
included), judges them with the grader's own :func:`grader.autograde.verdict.judge_cell`
against the reference's records, then restores the reference definitions.
"""

from __future__ import annotations

import asyncio
import copy
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from grader.autograde.verdict import CellResult, failing_tests, from_examiner, judge_cell, records_of
from grader.examiner.session import ExaminerSession, is_examined, split_test
from grader.examiner.tamper import scan
from grader.notebooks import cells
from tests.variants.variant import Variant

CELL_TIMEOUT = 300


@dataclass
class Judged:
    variant: Variant
    results: list[CellResult]
    flags: tuple[str, ...] = ()  # what the review scan found in the variant's code

    @property
    def lost_marks(self) -> bool:
        return any(r.status != "passed" for r in self.results)

    @property
    def judged_right(self) -> bool:
        return self.lost_marks != self.variant.correct and bool(self.results)

    def describe(self) -> str:
        parts = [f"{r.grade_id}={r.status}" + (f" ({r.message[:150]})" if r.message else "") for r in self.results]
        return f"{self.variant.id}: " + ", ".join(parts)


def tests_for(source: nbformat.NotebookNode, variant: Variant) -> list[str]:
    """The variant's tests, or every test cell after its solution cell."""
    if variant.tests:
        return list(variant.tests)
    ids = [cells.grade_id(c) for c in source.cells]
    if variant.cell not in ids:
        raise KeyError(f"{variant.id}: no cell {variant.cell!r} in the notebook")
    start = ids.index(variant.cell)
    return [cells.grade_id(c) for c in source.cells[start:] if cells.is_test(c)]


class _Session:
    def __init__(self, source: nbformat.NotebookNode, workdir: Path, env: dict):
        self.source, self.workdir, self.env = source, workdir, env
        self.by_id = {cells.grade_id(c): c for c in source.cells if cells.grade_id(c)}
        self.reference: dict = {}
        self.examiner: ExaminerSession | None = None

    async def start(self) -> None:
        self.nb = copy.deepcopy(self.source)
        for c in self.nb.cells:
            if c.cell_type == "code":
                c.outputs = []
        self.client = NotebookClient(self.nb, timeout=CELL_TIMEOUT, allow_errors=True, kernel_name="python3",
                                     resources={"metadata": {"path": str(self.workdir)}})
        self.client.km = self.client.create_kernel_manager()
        await self.client.async_start_new_kernel(env=self.env, stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL)
        await self.client.async_start_new_kernel_client()
        if any(is_examined(c) for c in self.source.cells):
            bridge_nb = nbformat.v4.new_notebook(cells=[])
            self.examiner = await asyncio.to_thread(
                lambda: ExaminerSession.connect(self.client.km.get_connection_info(), self.source, bridge_nb, [],
                                                {f.name: f.read_bytes() for f in sorted(self.workdir.glob('*.py'))}))
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code" and is_examined(cell):
                result = await self._examined(cell, [c for c in self.nb.cells[:i] if not cells.is_test(c)], ())
                if result.status != "passed":
                    raise AssertionError(f"the reference solution fails {result.grade_id}: {result.message}")
            elif cell.cell_type == "code":
                await self.client.async_execute_cell(cell, i)
        failures = failing_tests(self.nb)
        if failures:
            raise AssertionError("the reference solution fails its own tests: " + "; ".join(failures))
        if not self.reference:
            self.reference = {cells.grade_id(c): records_of(c) for c in self.nb.cells if cells.is_test(c)}

    async def _examined(self, cell: nbformat.NotebookNode, before: list, flags: tuple[str, ...]) -> CellResult:
        """Run an examined test cell: its visible part in the kernel, its hidden part in the examiner."""
        assert self.examiner is not None
        visible = copy.deepcopy(cell)
        visible.source = split_test(cells.source_text(cell))[0]
        await self.run_cell(visible)
        self.examiner.nb = nbformat.v4.new_notebook(cells=[*before, cell])
        self.examiner.flags = list(flags)
        verdict = await asyncio.to_thread(self.examiner.run_cell, len(before), float("inf"))
        return from_examiner(cell, self.source.metadata.get("name", ""), verdict)

    async def stop(self) -> None:
        if self.examiner is not None:
            self.examiner.close()
            self.examiner = None
        try:
            await self.client._async_cleanup_kernel()
        except Exception:  # noqa: BLE001
            pass

    async def run_cell(self, cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
        """Execute a cell that is not part of the notebook (nbclient needs it in the list)."""
        self.nb.cells.append(cell)
        try:
            await self.client.async_execute_cell(cell, len(self.nb.cells) - 1)
        finally:
            self.nb.cells.pop()
        return cell

    async def run_code(self, source: str) -> nbformat.NotebookNode:
        return await self.run_cell(nbformat.v4.new_code_cell(source))

    async def judge(self, variant: Variant) -> Judged:
        results = []
        code = variant.source_for(self.source)
        flags = tuple(scan([code]))
        student_code = nbformat.v4.new_code_cell(code)
        before = [c for c in self.source.cells if c.cell_type == "code" and not cells.is_test(c)] + [student_code]
        try:
            await self.run_code(code)
            for gid in tests_for(self.source, variant):
                cell = copy.deepcopy(self.by_id[gid])
                cell.outputs = []
                if is_examined(cell):
                    results.append(await self._examined(cell, before, flags))
                    continue
                await self.run_cell(cell)
                results.append(judge_cell(cell, self.source.metadata.get("name", ""), self.reference.get(gid, [])))
            await self.run_code(cells.source_text(self.by_id[variant.cell]))  # restore
        except (CellTimeoutError, DeadKernelError) as exc:
            results.append(CellResult("(kernel)", "", "auto", 0, 0, "timeout", str(exc)[:200]))
            await self.stop()
            await self.start()
        return Judged(variant, results, flags)


async def _judge_all(source, variants, workdir, env) -> list[Judged]:
    session = _Session(source, workdir, env)
    await session.start()
    try:
        return [await session.judge(v) for v in variants]
    finally:
        await session.stop()


def judge_variants(source_path: Path, variants: list[Variant], data_dir: Path | None = None) -> list[Judged]:
    """Judge every variant of the notebook at ``source_path`` (a ``source/<a>/<nb>.ipynb``)."""
    source = nbformat.read(source_path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="grader-variants-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(source_path.parent, work, ignore=shutil.ignore_patterns("*.ipynb"))
        env = {**os.environ, "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg",
               "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
        if data_dir is not None:
            env["COURSE_DATA"] = str(data_dir)
        return asyncio.run(_judge_all(source, variants, work, env))
