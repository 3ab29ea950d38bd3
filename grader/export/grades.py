"""Grades per student and graded cell, as JSON, CSV or a terminal table."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from grader.course import Course
from grader.results import store as results_store
from grader.results.model import Status

FIELDS = ["student", "notebook", "grade_id", "points", "max_points", "status", "message"]
#: Status of a manually graded cell (written answer, nbgrader task) once a person scored it in
#: formgrader; ``manual`` means it still waits for a person.
HAND_GRADED = Status.GRADED.value
PENDING = Status.MANUAL.value


def rows(course: Course, assignment: str) -> list[dict]:
    """One row per student and graded cell, from the stored results (:mod:`grader.results.store`).

    Rows carry the exported :data:`FIELDS` and ``kind`` (``auto`` or ``manual``: a written
    answer or an nbgrader task cell, graded by hand), which the files leave out. Scores a
    person entered in formgrader win; a manual cell with one has the status ``graded``, one
    without has points ``0`` in the rows (pending: status ``manual``).
    """
    out = []
    for student, result in results_store.read_all(course, assignment).items():
        for cell in result.cells:
            row = cell.as_dict()
            row["student"] = result.student
            if row["points"] is None:
                row["points"] = 0.0
            out.append({**{k: row.get(k, "") for k in FIELDS}, "kind": cell.kind})
    return out


def write_json(rows_: list[dict], path: Path) -> None:
    path.write_text(json.dumps([{k: r.get(k, "") for k in FIELDS} for r in rows_], indent=1) + "\n",
                    encoding="utf-8")


def write_csv(rows_: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows_)


def totals(rows_: list[dict]) -> dict[str, tuple[float, float]]:
    """``student -> (points, max_points)`` over automatically and manually graded cells."""
    out: dict[str, tuple[float, float]] = {}
    for r in rows_:
        p, m = out.get(r["student"], (0.0, 0.0))
        out[r["student"]] = (p + float(r["points"] or 0), m + float(r["max_points"] or 0))
    return out


def _is_manual(r: dict) -> bool:
    return r.get("kind") == "manual" or r.get("status") in (PENDING, HAND_GRADED)


def _is_pending(r: dict) -> bool:
    return r.get("status") == PENDING


@dataclass
class Score:
    """One student's points, kept apart: automatic, graded by hand, and waiting for a person."""

    auto: float = 0.0
    auto_max: float = 0.0
    manual: float = 0.0
    manual_max: float = 0.0  # of the manual cells graded so far
    pending_max: float = 0.0  # manual cells nobody has graded yet

    def add(self, r: dict) -> None:
        got, most = float(r["points"] or 0), float(r["max_points"] or 0)
        if _is_manual(r) and _is_pending(r):
            self.pending_max += most
        elif _is_manual(r):
            self.manual, self.manual_max = self.manual + got, self.manual_max + most
        else:
            self.auto, self.auto_max = self.auto + got, self.auto_max + most

    def text(self) -> str:
        """E.g. ``auto 19/19, manual pending (3)`` or ``auto 19/19, manual 2/3, total 21/22``."""
        parts = [f"auto {self.auto:g}/{self.auto_max:g}"] if self.auto_max or not (
            self.manual_max or self.pending_max) else []
        if self.manual_max and self.pending_max:
            parts.append(f"manual {self.manual:g}/{self.manual_max:g} + pending ({self.pending_max:g})")
        elif self.pending_max:
            parts.append(f"manual pending ({self.pending_max:g})")
        elif self.manual_max:
            parts.append(f"manual {self.manual:g}/{self.manual_max:g}")
            if self.auto_max:
                parts.append(f"total {self.auto + self.manual:g}/{self.auto_max + self.manual_max:g}")
        return ", ".join(parts)


def scores(rows_: list[dict]) -> dict[str, Score]:
    """``student -> Score``: automatic points, hand-graded points and points still pending."""
    out: dict[str, Score] = {}
    for r in rows_:
        out.setdefault(r["student"], Score()).add(r)
    return out


def table(rows_: list[dict]) -> str:
    """A plain-text table: one line per student, one column per graded cell, and the score.

    The score keeps automatic points (earned/max) apart from manual ones, which read
    ``pending`` until a person grades them in formgrader.
    """
    if not rows_:
        return "(no graded submissions)"
    cols = list(dict.fromkeys(f"{r['notebook']}:{r['grade_id']}" for r in rows_))
    students = list(dict.fromkeys(r["student"] for r in rows_))
    cell = {(r["student"], f"{r['notebook']}:{r['grade_id']}"): r for r in rows_}
    short = [c.split(":", 1)[1] for c in cols]
    width = max(len(s) for s in students + ["student"])
    sums = scores(rows_)
    score_text = {s: sums[s].text() for s in students}
    swidth = max(len(t) for t in [*score_text.values(), "score"])
    marks = {(s, c): _mark(cell.get((s, c))) for s in students for c in cols}
    widths = [max([len(label)] + [len(marks[(s, c)]) for s in students]) for c, label in zip(cols, short)]
    lines = [f"{'student':<{width}}  {'score':<{swidth}}  "
             + "  ".join(f"{label:>{w}}" for label, w in zip(short, widths))]
    for s in students:
        lines.append(f"{s:<{width}}  {score_text[s]:<{swidth}}  "
                     + "  ".join(f"{marks[(s, c)]:>{w}}" for c, w in zip(cols, widths)))
    return "\n".join(lines)


def _mark(r: dict | None) -> str:
    if r is None:
        return "-"
    if _is_manual(r) and _is_pending(r):
        return "pending"
    text = f"{float(r['points'] or 0):g}/{float(r['max_points'] or 0):g}"
    if r["status"] in {"timeout", "error", "missing"}:
        text += f" {r['status']}"
    return text
