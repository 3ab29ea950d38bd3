"""Decide every graded cell, in the grader's process, from what the executed notebook recorded.

A test cell passes only when (1) it raised no error in the kernel and (2) every value
the reference solution recorded in that cell was recorded by the student's run too and
matches it (:func:`grader.checks.compare.compare`). Stream output and warnings never
matter. Records appearing in any other cell are ignored.
"""

from __future__ import annotations

from typing import Any

import nbformat

from grader.autograde.outcome import CellMark
from grader.checks.compare import compare
from grader.checks.encoding import EncodingError, decode
from grader.checks.record import MIMETYPE
from grader.examiner.session import CellVerdict, is_examined
from grader.notebooks import cells
from grader.results.model import CellResult, Status

Record = tuple[str, Any, dict]


def records_of(cell: Any) -> list[Record]:
    """Decoded records of one executed cell; malformed payloads are skipped."""
    out: list[Record] = []
    for output in cell.get("outputs", []):
        data = output.get("data") or {}
        payload = data.get(MIMETYPE)
        if not isinstance(payload, dict):
            continue
        try:
            name = payload["name"]
            spec = payload.get("spec") or {}
            if not isinstance(name, str) or not isinstance(spec, dict):
                continue
            out.append((name, decode(payload.get("value")), spec))
        except (KeyError, EncodingError, ValueError, TypeError):
            continue
    return out


def first_error(cell: Any) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return str(output.get("ename", "Error")), str(output.get("evalue", ""))
    return None


NOTE_PREFIX = "NOTE: "


def notes_of(cell: Any) -> list[str]:
    """Lines a test printed to stdout starting with ``NOTE: `` (e.g. "GPU checks ran without a GPU")."""
    out = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            out += [line[len(NOTE_PREFIX):].strip() for line in text.splitlines() if line.startswith(NOTE_PREFIX)]
    return out[:3]


def explain_error(ename: str, evalue: str) -> str:
    """A message that tells the student what to do, without giving the answer away."""
    if ename == "NotImplementedError":
        return ("not answered yet: a function used here still raises NotImplementedError; "
                "write your solution where it says YOUR CODE HERE")
    if ename == "NameError":
        return (f"{evalue}: the function or variable this test needs is not defined; "
                "write it in its answer cell with the exact name given")
    text = f"{ename}: {evalue}" if evalue else ename
    return text if len(text) <= 500 else text[:497] + "..."


def _lost_status(mark: CellMark | None) -> str:
    """The result status of a cell the executor marked (``failed`` when it ran to its end)."""
    return "failed" if mark is None else "timeout" if mark.status == "timeout" else "error"


def judge_cell(cell: Any, notebook: str, reference: list[Record], mark: CellMark | None = None) -> CellResult:
    """Decide one autograded test cell against the reference's records for it; ``mark``: why the
    executor stopped it, if it did."""
    gid = cells.grade_id(cell) or "?"
    max_points = cells.points(cell)
    result = CellResult(gid, notebook, "auto", 0.0, max_points, _lost_status(mark))
    if mark is not None:
        result.message = mark.message
        return result
    err = first_error(cell)
    mine: dict[str, tuple[Any, dict]] = {}
    for name, value, spec in records_of(cell):
        mine.setdefault(name, (value, spec))
    if err is not None:
        result.message = explain_error(*err)
        return result
    problems = []
    for name, ref_value, spec in reference:
        if name not in mine:
            problems.append(f"{name}: the test did not get as far as checking this")
            continue
        ok, why = compare(mine[name][0], ref_value, spec)
        if not ok:
            problems.append(f"{name} {why}")
    if problems:
        result.flagged = True
        result.message = ("the checks in the notebook passed, but a value differs from "
                          "the reference solution: " + "; ".join(problems[:3]))
        return result
    result.status, result.points = "passed", max_points
    result.message = "; ".join(notes_of(cell))
    return result


def from_examiner(cell: Any, notebook: str, verdict: CellVerdict | None, review: list[str] | None = None,
                  mark: CellMark | None = None) -> CellResult:
    """The grade of an examined test cell: what the examiner decided, and nothing the kernel said.

    With ``review`` flags (code that reaches into the grading machinery), the points the
    examiner computed are held for a person to confirm: the student's process could have
    shaped every answer it gave, so no point is awarded automatically.
    """
    gid = cells.grade_id(cell) or "?"
    max_points = cells.points(cell)
    if verdict is None:
        err = first_error(cell)
        message = (mark.message if mark else explain_error(*err) if err
                   else "the hidden tests of this cell did not run")
        return CellResult(gid, notebook, "auto", 0.0, max_points, _lost_status(mark), message)
    points = min(max(float(verdict.points), 0.0), max_points)
    if review and points > 0:
        held = (f"held for review ({points:g} of {max_points:g} points computed): this notebook "
                f"{'; '.join(review)}, which can change how grading sees your code; a person will look "
                "at it and confirm the points")
        return CellResult(gid, notebook, "auto", 0.0, max_points, Status.REVIEW.value,
                          "\n".join(m for m in (held, verdict.message) if m), flagged=True, checks=verdict.checks,
                          held=points)
    return CellResult(gid, notebook, "auto", points, max_points, verdict.status, verdict.message,
                      flagged=verdict.unverified, checks=verdict.checks)


def judge_notebook(nb: nbformat.NotebookNode, notebook: str, reference: dict[str, list[Record]],
                   verdicts: dict[str, CellVerdict] | None = None,
                   review: list[str] | None = None, marks: dict[int, CellMark] | None = None) -> list[CellResult]:
    """Results for every graded cell of an executed notebook, in order.

    Examined cells (``verdicts``: their hidden part ran in the examiner) take the
    examiner's verdict; the others are judged from their records. ``marks`` (by cell index,
    from :class:`~grader.autograde.outcome.Outcome`) says which cells the executor stopped, and why.
    """
    results = []
    marks = marks or {}
    for index, cell in enumerate(nb.cells):
        gid = cells.grade_id(cell)
        if not gid or not cells.is_scored(cell):  # graded cells and nbgrader task cells
            continue
        if cells.is_test(cell) and verdicts is not None and is_examined(cell):
            results.append(from_examiner(cell, notebook, verdicts.get(gid), review, marks.get(index)))
        elif cells.is_test(cell):
            results.append(judge_cell(cell, notebook, reference.get(gid, []), marks.get(index)))
        else:
            results.append(CellResult(gid, notebook, "manual", 0.0, cells.points(cell), Status.MANUAL.value,
                                      "task, graded by hand" if cells.is_task(cell) else "graded by hand"))
    return results


def missing_notebook(source: nbformat.NotebookNode, notebook: str, status: str,
                     message: str) -> list[CellResult]:
    """Zero for every graded cell (and task cell) of a notebook that could not be run."""
    return [CellResult(cells.grade_id(c) or "?", notebook,
                       "auto" if cells.is_test(c) else "manual", 0.0, cells.points(c), status, message)
            for c in source.cells if cells.is_scored(c) and cells.grade_id(c)]


def failing_tests(nb: nbformat.NotebookNode) -> list[str]:
    """``"grade_id: Error: message"`` for every test cell of an executed notebook that raised."""
    return [f"{cells.grade_id(c)}: {err[0]}: {err[1]}"[:300]
            for c in nb.cells if cells.is_test(c) and (err := first_error(c))]


def reference_records(nb: nbformat.NotebookNode) -> dict[str, list[Record]]:
    """Records per test cell of an executed reference notebook."""
    return {cells.grade_id(c): records_of(c) for c in nb.cells if cells.is_test(c) and cells.grade_id(c)}
