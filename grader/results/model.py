"""The results of grading, as data: what the pipeline produces and every export reads.

One rule for manual points (:meth:`SubmissionResult.with_manual`): a score a person
entered in formgrader wins; a hand-graded cell nobody has scored yet has ``points``
``None`` and status ``manual`` (pending); once scored its status is ``graded``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any


class Status(str, Enum):
    """How a graded cell ended. A ``str``, so it compares and serialises as its value."""

    PASSED = "passed"
    PARTIAL = "partial"      # some of the cell's checks passed (partial credit)
    FAILED = "failed"
    REVIEW = "review"        # points held until a person confirms them (code reached into grading)
    ERROR = "error"          # the notebook or cell could not be run
    TIMEOUT = "timeout"
    MISSING = "missing"      # the notebook was not in the submission
    MANUAL = "manual"        # graded by hand, not yet graded
    GRADED = "graded"        # graded by hand in formgrader

    def __str__(self) -> str:
        return self.value


FAILURES = (Status.FAILED, Status.ERROR, Status.TIMEOUT, Status.MISSING)


@dataclass
class CellResult:
    """The grade of one graded cell."""

    grade_id: str
    notebook: str
    kind: str  # auto | manual (a written answer or an nbgrader task)
    points: float | None  # None: a hand-graded cell nobody has scored yet
    max_points: float
    status: str
    message: str = ""
    flagged: bool = False  # a person should look (review flags, unverifiable rules)
    checks: list | None = None  # examined cells: every named check, passed or not
    held: float = 0.0  # points the examiner computed but held for review
    student: str = ""

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("student")
        out["status"] = str(self.status)
        return out

    @classmethod
    def from_dict(cls, data: dict, notebook: str = "", student: str = "") -> "CellResult":
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values.setdefault("notebook", notebook)
        values.setdefault("grade_id", "?")
        values.setdefault("kind", "auto")
        values.setdefault("status", Status.FAILED.value)
        values["points"] = _number(values.get("points"), 0.0)
        values["max_points"] = _number(values.get("max_points"), 0.0) or 0.0
        values["message"] = str(values.get("message") or "")
        values["student"] = student
        return cls(**values)

    @property
    def passed(self) -> bool:
        full = self.points is not None and self.max_points > 0 and self.points >= self.max_points
        if self.kind == "manual":
            return full
        return self.status == Status.PASSED or (full and self.status not in FAILURES)

    @property
    def pending(self) -> bool:
        return self.kind == "manual" and self.points is None


@dataclass
class SubmissionResult:
    """One student's graded submission of one assignment."""

    student: str
    assignment: str
    status: str = "graded"  # graded | timeout | error | ungraded (submitted, no results yet)
    message: str = ""
    fingerprint: str = ""
    graded_at: str = ""
    notebooks: list[dict] = field(default_factory=list)  # per notebook: status, message, review, timings
    cells: list[CellResult] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any, student: str, assignment: str) -> "SubmissionResult":
        """From ``results.json`` content; anything malformed becomes an ``error`` result."""
        if not isinstance(data, dict) or not isinstance(data.get("notebooks", []), list):
            return cls(student, assignment, "error", "unreadable results.json: not a grading result")
        sub = cls(student=str(data.get("student") or student), assignment=assignment,
                  status=str(data.get("status", "graded")), message=str(data.get("message") or ""),
                  fingerprint=str(data.get("fingerprint") or ""), graded_at=str(data.get("graded_at") or ""))
        for nb in data.get("notebooks", []):
            if not isinstance(nb, dict):
                continue
            sub.notebooks.append({k: v for k, v in nb.items() if k != "cells"})
            for cell in nb.get("cells", []) or []:
                if isinstance(cell, dict):
                    sub.cells.append(CellResult.from_dict(cell, str(nb.get("notebook", "")), sub.student))
        return sub

    def with_manual(self, manual: dict[tuple[str, str, str], float]) -> "SubmissionResult":
        """Scores a person entered in formgrader win; unscored hand-graded cells are pending (None)."""
        for c in self.cells:
            score = manual.get((self.student, c.notebook, c.grade_id))
            if score is not None:
                c.points = score
                if c.kind == "manual":
                    c.status = Status.GRADED.value
            elif c.kind == "manual" and c.status == Status.MANUAL:
                c.points = None
        return self

    @property
    def review(self) -> list[str]:
        """Why a person should look at this submission (code that reaches into grading)."""
        return sorted({r for nb in self.notebooks for r in nb.get("review", []) or []})

    @property
    def problems(self) -> list[str]:
        """Why this submission is (partly) ungraded; empty when it was graded cleanly."""
        out = []
        if self.status != "graded":
            out.append(self.message or self.status)
        for nb in self.notebooks:
            if nb.get("status", "ok") != "ok":
                if nb.get("message") and self.status != "graded" and nb["message"] in self.message:
                    continue  # the submission's message already says it
                out.append(f"{nb.get('notebook')}: {nb.get('status')}"
                           + (f" ({nb.get('message')})" if nb.get("message") else ""))
        return out

    @property
    def total(self) -> float:
        return sum(c.points or 0.0 for c in self.cells)

    @property
    def max_total(self) -> float:
        return sum(c.max_points for c in self.cells)


def _number(value: Any, default: float | None) -> float | None:
    if value is None:
        return None if default is None else None
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
