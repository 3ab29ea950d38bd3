"""Run the hidden part of a test cell in the examiner against the student's kernel of that moment.

One :class:`ExaminerSession` per kernel: it holds the bridge (a client of its own on
the kernel's sockets), the reference solution of the notebook, the submitted code
and the review flags. :meth:`ExaminerSession.run_cell` executes the cell's hidden
code in a fresh namespace of this process (the provided names, then the code) and
returns a :class:`CellVerdict`. Nothing the student's process sends is executed
here: answers are decoded as data, and checks are decided by the test's own code.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import nbformat

from grader.examiner import api as exam_module  # the module: the package exports the function `exam`
from grader.examiner.bridge import Bridge, BridgeTimeout, KernelBridge, StudentError
from grader.examiner.api import AuthoringError, Exam, explain_student_error
from grader.examiner.reference import Reference, load
from grader.examiner.static import Source
from grader.examiner.tamper import scan
from grader.examiner.wire import WireError
from grader.notebooks import cells

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MARKER = "from grader.examiner import"


def split_test(text: str) -> tuple[str, str]:
    """(visible part, hidden part) of a test cell's source."""
    visible, hidden = cells.split_blocks(text, HIDDEN_BEGIN, HIDDEN_END)
    return "\n".join(visible), "\n".join(hidden)


def is_examined(cell: Any) -> bool:
    """A test cell whose hidden part runs in the examiner (it uses ``grader.examiner``)."""
    return cells.is_test(cell) and MARKER in split_test(cells.source_text(cell))[1]


def uses_examiner(nb: nbformat.NotebookNode) -> bool:
    return any(is_examined(c) for c in nb.cells)


@dataclass
class CellVerdict:
    """How one examined test cell went."""

    grade_id: str
    max_points: float
    points: float = 0.0
    status: str = "failed"  # passed | partial | failed | timeout | error
    message: str = ""
    checks: list[dict] = field(default_factory=list)
    unverified: bool = False
    output: str = ""
    kernel_lost: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def student_cells(nb: nbformat.NotebookNode, source: nbformat.NotebookNode) -> list[str]:
    """Code the student wrote or changed (what the review scan reads)."""
    original = {cells.source_text(c).strip() for c in source.cells if c.get("cell_type") == "code"}
    return [cells.source_text(c) for c in nb.cells
            if c.get("cell_type") == "code" and not cells.is_test(c)
            and cells.source_text(c).strip() not in original]


class ExaminerSession:
    """The examiner for one notebook in one kernel."""

    def __init__(self, bridge: Bridge, reference: Reference, nb: nbformat.NotebookNode, flags: list[str]):
        self.bridge, self.reference, self.nb, self.flags = bridge, reference, nb, flags

    @classmethod
    def connect(cls, connection_info: dict, source: nbformat.NotebookNode, nb: nbformat.NotebookNode,
                flags: list[str] | None = None, files: dict[str, bytes] | None = None) -> "ExaminerSession":
        """A session on the kernel described by ``connection_info`` running ``nb`` (graded from ``source``;
        ``files``: the helper files beside the notebook)."""
        return cls(KernelBridge(connection_info), load(source, files), nb,
                   scan(student_cells(nb, source)) if flags is None else flags)

    @classmethod
    def factory(cls, source: nbformat.NotebookNode, nb: nbformat.NotebookNode, flags: list[str] | None = None,
                files: dict[str, bytes] | None = None) -> Callable[[dict], "ExaminerSession"]:
        """What the executor calls with each new kernel's connection info."""
        return lambda info: cls.connect(info, source, nb, flags, files)

    def code_before(self, index: int) -> Source:
        return Source([cells.source_text(c) for c in self.nb.cells[:index]
                       if c.get("cell_type") == "code" and not cells.is_test(c)])

    def run_cell(self, index: int, deadline: float) -> CellVerdict:
        """Run the hidden part of cell ``index`` of the notebook; never raises for the student's doing."""
        cell = self.nb.cells[index]
        verdict = CellVerdict(cells.grade_id(cell) or "?", cells.points(cell))
        hidden = split_test(cells.source_text(cell))[1]
        ex = Exam(self.bridge, self.reference, self.code_before(index), flags=self.flags)
        namespace = {"__name__": "__examiner__", **self.reference.provided}
        self.bridge.output = []
        if isinstance(self.bridge, KernelBridge):
            self.bridge.deadline = deadline
        started = time.monotonic()
        exam_module._ACTIVE.append(ex)
        outside = ""
        try:
            exec(compile(hidden, f"<hidden test {verdict.grade_id}>", "exec"), namespace)  # noqa: S102
            ex.done()
        except BridgeTimeout as exc:
            verdict.status, verdict.kernel_lost = "timeout", exc.lost
            outside = f"your code did not finish within {exc.seconds:.0f} s (an endless loop?) and was stopped"
        except StudentError as exc:
            outside = explain_student_error(exc)
        except AssertionError as exc:
            outside = str(exc) or "a check failed"
        except WireError as exc:
            outside = f"the grader could not read what your code returned ({exc})"
        except AuthoringError:
            raise
        except Exception as exc:  # noqa: BLE001 - what the student returned broke the test's own code
            where = traceback.format_exception_only(type(exc), exc)[-1].strip()
            outside = f"the test could not use what your code returned: {where}"[:600]
        finally:
            exam_module._ACTIVE.pop()
        verdict.seconds = round(time.monotonic() - started, 3)
        verdict.output = "".join(self.bridge.output)
        self._score(verdict, ex, outside)
        return verdict

    @staticmethod
    def _score(verdict: CellVerdict, ex: Exam, outside: str) -> None:
        verdict.checks = [{"name": r.name, "points": r.points, "passed": r.passed, "message": r.message}
                          for r in ex.results]
        verdict.unverified = any(r.unverified for r in ex.results)
        declared = [r for r in ex.results if r.points is not None]
        if declared and not outside and abs(sum(r.points or 0 for r in declared) - verdict.max_points) > 1e-9:
            raise AuthoringError(f"{verdict.grade_id}: the points of its checks add up to "
                                 f"{sum(r.points or 0 for r in declared):g}, not the cell's {verdict.max_points:g}")
        messages = [r.message for r in ex.results if not r.passed and r.message]
        if outside:
            messages.append(outside)
        messages += ex.notes[:3]
        verdict.message = "\n".join(messages)
        if outside:
            verdict.points = 0.0
            verdict.status = verdict.status if verdict.status == "timeout" else "failed"
        elif declared:
            verdict.points = float(sum(r.points or 0 for r in ex.results if r.passed))
            verdict.status = ("passed" if verdict.points >= verdict.max_points
                              else "partial" if verdict.points > 0 else "failed")
        else:
            ok = all(r.passed for r in ex.results)
            verdict.points = verdict.max_points if ok else 0.0
            verdict.status = "passed" if ok else "failed"

    def close(self) -> None:
        self.bridge.close()
