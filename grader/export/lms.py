"""Grades in the CSV format that Canvas's gradebook import accepts.

Canvas (Grades → Import) matches students on ``ID`` (Canvas user id) or
``SIS User ID``/``SIS Login ID``, ignores ``Student`` and ``Section`` when matching, and
creates or updates one column per assignment header. Blank cells leave the
gradebook as it is, so students with no graded submission get a blank, not a zero.
The second row, ``Points Possible``, is what Canvas's own export writes.

Student names, ``lms_user_id`` and e-mail come from the nbgrader gradebook when it
knows the student; ``SIS Login ID`` is the nbgrader student id.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from grader.export.report import load_submissions
from grader.gradebook import gradebook_exists, open_gradebook

HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _students(course) -> dict[str, dict]:
    if not gradebook_exists(course):
        return {}
    try:
        with open_gradebook(course.db_url) as gb:
            return {s.id: {"first": s.first_name or "", "last": s.last_name or "",
                           "lms": s.lms_user_id or ""} for s in gb.students}
    except (OSError, SQLAlchemyError) as exc:  # a gradebook we cannot open: ids only, and say so
        logging.getLogger(__name__).warning("cannot read the gradebook (%s); names and LMS ids are left out", exc)
        return {}


def _max_points(course, assignment: str, subs) -> float:
    best = max((s.max_total for s in subs if s.status == "graded"), default=0.0)
    if best:
        return best
    from grader.notebooks import cells as C
    from grader.notebooks.io import NotebookError, read_notebook
    total = 0.0
    for name in course.notebooks(assignment):
        try:
            nb = read_notebook(Path(course.source) / assignment / f"{name}.ipynb")
        except NotebookError:
            continue
        total += sum(C.points(c) for c in nb.cells if C.is_scored(c))  # tasks count, as in nbgrader
    return total


def canvas_rows(course, assignment: str, column: str | None = None) -> list[list[str]]:
    """Header, the points-possible row, then one row per student (sorted by id)."""
    column = column or assignment
    subs = {s.student: s for s in load_submissions(course, assignment)}
    people = _students(course)
    out = [HEADER + [column],
           ["Points Possible", "", "", "", "", f"{_max_points(course, assignment, subs.values()):g}"]]
    for sid in sorted(set(people) | set(subs)):
        info = people.get(sid, {})
        name = ", ".join(x for x in (info.get("last"), info.get("first")) if x) or sid
        sub = subs.get(sid)
        score = "" if sub is None or sub.status != "graded" else f"{round(sub.total, 2):g}"
        out.append([name, info.get("lms", ""), "", sid, "", score])
    return out


def write_canvas_csv(course, assignment: str, path: str | Path, column: str | None = None) -> Path:
    """Write the Canvas import CSV for one assignment; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(canvas_rows(course, assignment, column))
    return path
