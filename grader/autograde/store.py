"""The single writer: autograded notebooks, ``results.json`` and nbgrader's gradebook.

Only the process that runs the engine calls this, one result at a time, so SQLite
is safe and a PostgreSQL gradebook (``db_url``) works the same. Files are written
to a temporary name and renamed, so an interrupted run never leaves half a result.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from grader.autograde.plan import RESULTS
from grader.course import Course, ensure_venv_on_path


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_files(course: Course, result: dict) -> Path:
    """Executed notebooks and results.json under ``autograded/<student>/<assignment>/``."""
    folder = course.autograded / result["student"] / result["assignment"]
    for name, text in result.get("executed", {}).items():
        _atomic_write(folder / f"{name}.ipynb", text)
    for entry in result["notebooks"]:  # a notebook that no longer ran leaves no stale copy
        if entry["notebook"] not in result.get("executed", {}):
            (folder / f"{entry['notebook']}.ipynb").unlink(missing_ok=True)
    summary = {k: v for k, v in result.items() if k != "executed"}
    summary["graded_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    # results.json last: its fingerprint marks the submission as done.
    _atomic_write(folder / RESULTS, json.dumps(summary, indent=1))
    return folder


def write_gradebook(db_url: str, result: dict) -> None:
    """Scores into nbgrader's gradebook, as ``nbgrader autograde`` would store them."""
    student, assignment = result["student"], result["assignment"]
    ensure_venv_on_path()
    with warnings.catch_warnings(), Gradebook(db_url) as gb:
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            submission = gb.add_submission(assignment, student)
        submission.timestamp = datetime.now(timezone.utc).replace(tzinfo=None)
        for entry in result["notebooks"]:
            for cell in entry["cells"]:
                try:
                    grade = gb.find_grade(cell["grade_id"], entry["notebook"], assignment, student)
                except MissingEntry:
                    continue
                if cell["kind"] == "auto":
                    grade.auto_score = float(cell["points"])
                    grade.needs_manual_grade = bool(cell.get("flagged"))
                else:
                    grade.auto_score = None
                    grade.needs_manual_grade = entry["status"] == "ok"
                    if entry["status"] != "ok":
                        grade.auto_score = 0.0
        gb.db.commit()


def store(course: Course, result: dict) -> None:
    """Write one graded submission everywhere it belongs."""
    write_gradebook(course.db_url, result)
    write_files(course, result)


def remove_stale(course: Course, student: str, assignment: str) -> None:
    shutil.rmtree(course.autograded / student / assignment, ignore_errors=True)
