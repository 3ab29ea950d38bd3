"""Access to nbgrader's gradebook, in one place.

nbgrader runs ``alembic`` by name when it opens a gradebook, so this Python's ``bin/``
must be on PATH (it is not when the venv was never activated); it also emits SQLAlchemy
warnings that mean nothing to a user. Every part of the grader opens it through here.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

from grader.course import Course


def ensure_venv_on_path() -> None:
    """Make this Python's ``bin/`` (where ``alembic`` lives) findable on PATH."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bindir not in parts:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def open_gradebook(db_url: str) -> Any:
    """An ``nbgrader.api.Gradebook`` (a context manager) for ``db_url``."""
    from nbgrader.api import Gradebook

    ensure_venv_on_path()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Gradebook(db_url)


def gradebook_exists(course: Course) -> bool:
    """False only for a SQLite gradebook file that was never created."""
    url = course.db_url
    return not (url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file())


def manual_scores(course: Course, assignment: str) -> dict[tuple[str, str, str], float]:
    """``(student, notebook, grade_id) -> score`` for every grade entered by hand in formgrader.

    The score is ``manual_score + extra_credit``, as nbgrader counts it; grades with no
    manual score are left out. These win over automatic scores.
    """
    if not gradebook_exists(course):
        return {}
    from nbgrader.api import MissingEntry

    out: dict[tuple[str, str, str], float] = {}
    with open_gradebook(course.db_url) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return {}
        for sub in submissions:
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.manual_score is not None:
                        out[(sub.student.id, nb.name, grade.name)] = \
                            float(grade.manual_score) + float(grade.extra_credit or 0.0)
    return out
