"""Shared fixtures: throwaway course directories, so tests never touch the real gradebook."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.course import Course
from grader.notebooks.authoring import build

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_course(tmp: Path, assignments: list[str] | None = None) -> Course:
    """A course in ``tmp`` with the real config and the given real assignments (copied)."""
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", tmp / "nbgrader_config.py")
    (tmp / "source").mkdir(exist_ok=True)
    for a in assignments or []:
        shutil.copytree(ROOT / "source" / a, tmp / "source" / a)
        if (ROOT / "release" / a).exists():
            shutil.copytree(ROOT / "release" / a, tmp / "release" / a)
    if (ROOT / "data").exists() and not (tmp / "data").exists():
        (tmp / "data").symlink_to(ROOT / "data")
    return Course(tmp.resolve())


def submit(course: Course, student: str, assignment: str, nb: dict | None, name: str | None = None,
           raw: str | None = None) -> Path:
    """Put a notebook (dict) or raw text into ``submitted/<student>/<assignment>/``."""
    folder = course.submitted / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{assignment}.ipynb")
    path.write_text(raw if raw is not None else json.dumps(nb), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def mini_course(tmp_path_factory) -> Course:
    """A released one-notebook course (``mini``) that grades in about a second per submission."""
    from grader.release.generate import release

    course = make_course(tmp_path_factory.mktemp("mini-course"))
    build(FIXTURES / "mini.nbsrc", course.source / "mini" / "mini.ipynb")
    release(course, ["mini"], log=lambda *_: None)
    return course
