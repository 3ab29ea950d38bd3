"""The single writer: autograded notebooks, ``results.json`` and nbgrader's gradebook.

Only the process that runs the engine calls this, one result at a time, so SQLite
is safe and a PostgreSQL gradebook (``db_url``) works the same. Files are written
to a temporary name and renamed, so an interrupted run never leaves half a result.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from grader.course import Course
from grader.gradebook import open_gradebook
from grader.results import store as results_store


def write_files(course: Course, result: dict) -> Path:
    """Executed notebooks and results.json under ``autograded/<student>/<assignment>/``."""
    folder = course.autograded / result["student"] / result["assignment"]
    for name, text in result.get("executed", {}).items():
        results_store.atomic_write(folder / f"{name}.ipynb", text)
    for entry in result["notebooks"]:  # a notebook that no longer ran leaves no stale copy
        if entry["notebook"] not in result.get("executed", {}):
            (folder / f"{entry['notebook']}.ipynb").unlink(missing_ok=True)
    # results.json last: its fingerprint marks the submission as done.
    results_store.write(course, {**result, "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    return folder


class GradebookWriter:
    """Scores into nbgrader's gradebook, as ``nbgrader autograde`` would store them.

    Opened once per run (opening nbgrader's gradebook costs about a second), used by
    the one process that stores results.
    """

    def __init__(self, db_url: str):
        self.db_url = db_url
        self.gb: Gradebook | None = None

    def __enter__(self) -> "GradebookWriter":
        self.gb = open_gradebook(self.db_url)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.gb is not None:
            self.gb.close()
            self.gb = None

    def write(self, result: dict) -> None:
        assert self.gb is not None, "use GradebookWriter as a context manager"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                self._write(self.gb, result)
                self.gb.db.commit()
            except Exception:
                self.gb.db.rollback()
                raise

    @staticmethod
    def _write(gb: Gradebook, result: dict) -> None:
        student, assignment = result["student"], result["assignment"]
        gb.update_or_create_student(student)
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            submission = gb.add_submission(assignment, student)
        # formgrader shows a submission as autograded only when this equals its timestamp.txt (or both are None)
        submission.timestamp = result.get("submitted_at_parsed")
        for entry in result["notebooks"]:
            for cell in entry["cells"]:
                try:
                    grade = gb.find_grade(cell["grade_id"], entry["notebook"], assignment, student)
                except MissingEntry:
                    continue
                if cell["kind"] == "auto":
                    grade.auto_score = float(cell["points"])
                    grade.needs_manual_grade = bool(cell.get("flagged"))
                elif entry["status"] == "ok":
                    grade.auto_score = None
                    grade.needs_manual_grade = True
                else:  # nothing to grade by hand: the notebook could not be run
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False


def submitted_timestamp(course: Course, student: str, assignment: str) -> datetime | None:
    """The submission's ``timestamp.txt``, parsed as nbgrader parses it (None when there is none)."""
    path = course.submitted / student / assignment / "timestamp.txt"
    if not path.is_file():
        return None
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(path.read_text(encoding="utf-8").strip())
    except (ValueError, OverflowError):
        return None


def store(course: Course, result: dict, writer: GradebookWriter) -> None:
    """Write one graded submission everywhere it belongs (gradebook first, results.json last)."""
    writer.write({**result, "submitted_at_parsed": submitted_timestamp(course, result["student"],
                                                                          result["assignment"])})
    write_files(course, result)
