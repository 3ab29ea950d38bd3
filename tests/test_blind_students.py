"""Notebooks completed by "blind students" from the release text alone, each in its own style.

They never saw ``source/``, ``authoring/`` or ``tests/``. Every one of them does what the
text asks, so each must keep every automatic point through ``grader autograde`` (sandbox
and examiner on) and must not be flagged for review. A mark lost here is a defect of the
hidden tests until shown otherwise. Files: ``tests/blind_students/<assignment>/<style>.ipynb``
(the style is in the name; notebooks of multi-notebook assignments are ``<style>.<notebook>.ipynb``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.autograde.engine import autograde
from grader.export.grades import rows
from tests.conftest import ROOT, make_course, submit

BLIND = Path(__file__).resolve().parent / "blind_students"
ASSIGNMENTS = sorted(p.name for p in BLIND.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def _students(assignment: str) -> dict[str, dict[str, Path]]:
    """style -> notebook name -> file."""
    out: dict[str, dict[str, Path]] = {}
    notebooks = sorted(p.stem for p in (ROOT / "source" / assignment).glob("*.ipynb"))
    for path in sorted((BLIND / assignment).glob("*.ipynb")):
        parts = path.stem.split(".")
        style, notebook = (parts[0], parts[1]) if len(parts) == 2 else (parts[0], notebooks[0])
        out.setdefault(style, {})[notebook] = path
    return out


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blind_students_keep_every_automatic_point(assignment, tmp_path):
    course = make_course(tmp_path, [assignment])
    students = _students(assignment)
    assert len(students) >= 2, f"{assignment}: at least two blind students, in different styles"
    for style, notebooks in students.items():
        for notebook, path in notebooks.items():
            submit(course, style, assignment, json.loads(path.read_text()), name=f"{notebook}.ipynb")
    summary = autograde(course, assignment, progress=False, log=lambda *_: None)
    assert summary.failed == [] and summary.timed_out == [], summary.lines()
    lost = [f"{r['student']}:{r['grade_id']} {r['points']}/{r['max_points']} {r['message'][:300]}"
            for r in rows(course, assignment) if r["kind"] == "auto" and r["points"] < r["max_points"]]
    assert not lost, "blind students lost marks:\n" + "\n".join(lost)
    for style in students:
        result = json.loads((course.autograded / style / assignment / "results.json").read_text())
        flags = [f for n in result["notebooks"] for f in n.get("review", [])]
        assert not flags, f"{style} was flagged for review: {flags}"
