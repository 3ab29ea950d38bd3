"""Which submissions to grade: every ``submitted/<student>/<assignment>/``, minus the unchanged ones."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.course import Course
from grader.results import store as results_store

SKIP_DIRS = {".ipynb_checkpoints", "__pycache__"}


@dataclass(frozen=True)
class Planned:
    student: str
    folder: Path
    fingerprint: str


def submission_files(folder: Path) -> dict[str, bytes]:
    """The submission's files by relative path (links and caches skipped)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_symlink() or not path.is_file() or SKIP_DIRS & set(rel.parts):
            continue
        files[rel.as_posix()] = path.read_bytes()
    return files


def fingerprint(folder: Path, source_folder: Path) -> str:
    """Changes when the submission, the source notebooks or the grader change."""
    h = hashlib.sha256(__version__.encode())
    for base in (folder, source_folder):
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.is_symlink() and not SKIP_DIRS & set(path.parts):
                h.update(path.relative_to(base).as_posix().encode())
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:20]


def stored_fingerprint(course: Course, student: str, assignment: str) -> str | None:
    return results_store.fingerprint(course, student, assignment)


def plan(course: Course, assignment: str, students: list[str] | None = None,
         force: bool = False) -> tuple[list[Planned], list[str]]:
    """``(to_grade, up_to_date_students)``."""
    todo, skipped = [], []
    root = course.submitted
    if not root.is_dir():
        return todo, skipped
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        folder = student_dir / assignment
        if not folder.is_dir() or (students and student_dir.name not in students):
            continue
        fp = fingerprint(folder, course.source / assignment)
        if not force and stored_fingerprint(course, student_dir.name, assignment) == fp:
            skipped.append(student_dir.name)
        else:
            todo.append(Planned(student_dir.name, folder, fp))
    return todo, skipped
