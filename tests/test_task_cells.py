"""nbgrader task cells are graded by hand, like written answers, and count in every total.

The course is nbgrader's own user guide (``ps1``: ``problem1`` with a 4-point task cell,
``problem2``; students ``bitdiddle`` and ``hacker``), copied into
``tests/fixtures/nbgrader_user_guide/`` (see its PROVENANCE.md). ``grader autograde`` must
grade it exactly like plain ``nbgrader autograde``: the same automatic score per cell and the
same maximum, 13 points, task cell included.
"""

from __future__ import annotations

import csv
import shutil

import nbformat
import pytest

from grader.autograde.verdict import judge_notebook, missing_notebook
from grader.cli.main import main
from grader.export.grades import rows, table
from grader.gradebook import open_gradebook
from grader.notebooks import cells
from grader.release.generate import run_nbgrader
from tests.conftest import FIXTURES, make_course

GUIDE = FIXTURES / "nbgrader_user_guide"
TASK = "cell-938593c4a215c6cc"  # problem1's task cell, 4 points
STUDENTS = ("bitdiddle", "hacker")
MAX_POINTS = 13.0
# The automatic scores nbgrader's documentation shows for the two submissions.
AUTO = {
    "bitdiddle": {"correct_squares": 0.0, "squares_invalid_input": 1.0,
                  "correct_sum_of_squares": 0.0, "sum_of_squares_uses_squares": 0.5},
    "hacker": {"correct_squares": 1.0, "squares_invalid_input": 1.0,
               "correct_sum_of_squares": 0.5, "sum_of_squares_uses_squares": 0.5},
}


def _guide_course(tmp):
    course = make_course(tmp)
    shutil.copytree(GUIDE / "source" / "ps1", course.source / "ps1")
    shutil.copytree(GUIDE / "submitted", course.submitted)
    return course


def _source(name: str) -> nbformat.NotebookNode:
    return nbformat.read(GUIDE / "source" / "ps1" / f"{name}.ipynb", as_version=4)


def _gradebook(course) -> dict:
    """``(student, notebook, cell) -> (auto_score, max_score, needs_manual_grade)`` and the maxima."""
    out = {}
    with open_gradebook(course.db_url) as gb:
        out["max"] = gb.find_assignment("ps1").max_score
        for student in STUDENTS:
            sub = gb.find_submission("ps1", student)
            out[(student, "max")] = sub.max_score
            for nb in sub.notebooks:
                for g in nb.grades:
                    out[(student, nb.name, g.name)] = (g.auto_score, g.max_score, g.needs_manual_grade)
    return out


# --------------------------------------------------------------------------- unit

def test_is_task_matches_nbgrader():
    from nbgrader import utils

    for name in ("problem1", "problem2"):
        for cell in _source(name).cells:
            assert cells.is_task(cell) == bool(utils.is_task(cell))
    task = next(c for c in _source("problem1").cells if cells.grade_id(c) == TASK)
    assert cells.is_task(task) and not cells.is_graded(task) and cells.is_hand_graded(task)
    assert cells.is_scored(task) and cells.points(task) == 4.0


def test_judge_and_missing_notebook_include_the_task_cell():
    nb = _source("problem1")
    judged = {r.grade_id: r for r in judge_notebook(nb, "problem1", {})}
    assert judged[TASK].kind == "manual" and judged[TASK].status == "manual"
    assert (judged[TASK].points, judged[TASK].max_points) == (0.0, 4.0)
    assert sum(r.max_points for r in judged.values()) == 10.0
    missing = {r.grade_id: r for r in missing_notebook(nb, "problem1", "missing", "not submitted")}
    assert missing[TASK].kind == "manual" and missing[TASK].max_points == 4.0
    assert set(missing) == set(judged)


# --------------------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The user-guide course graded twice: by ``grader autograde`` and by plain nbgrader."""
    ours = _guide_course(tmp_path_factory.mktemp("guide-grader"))
    assert main(["autograde", "ps1", "--workers", "1", "--quiet", "--course-dir", str(ours.root)]) == 0
    theirs = _guide_course(tmp_path_factory.mktemp("guide-nbgrader"))
    for args in (["generate_assignment", "ps1", "--force"], ["autograde", "ps1", "--force"]):
        proc = run_nbgrader(theirs, args)
        assert proc.returncode == 0, proc.stderr
    return ours, theirs


def test_grader_matches_plain_nbgrader_on_the_user_guide(graded):
    ours, theirs = graded
    mine, nbg = _gradebook(ours), _gradebook(theirs)
    assert nbg["max"] == mine["max"] == MAX_POINTS
    got = {}
    for r in rows(ours, "ps1"):
        got.setdefault(r["student"], {})[r["grade_id"]] = r
    for student in STUDENTS:
        assert nbg[(student, "max")] == mine[(student, "max")] == MAX_POINTS
        assert sum(float(r["max_points"]) for r in got[student].values()) == MAX_POINTS
        for notebook in ("problem1", "problem2"):
            for cell in _source(notebook).cells:
                gid = cells.grade_id(cell)
                if cells.is_test(cell):  # automatic: the same score in both gradebooks and the export
                    expected = AUTO[student][gid]
                    assert nbg[(student, notebook, gid)][0] == expected, (student, gid)
                    assert mine[(student, notebook, gid)][0] == expected, (student, gid)
                    assert got[student][gid]["points"] == expected, (student, gid)
                    assert got[student][gid]["status"] == ("passed" if expected else "failed")
        task = got[student][TASK]
        assert (task["status"], task["kind"], task["max_points"]) == ("manual", "manual", 4.0)
        # a task waits for a person in both gradebooks
        assert nbg[(student, "problem1", TASK)] == mine[(student, "problem1", TASK)] == (None, 4.0, True)
    line = next(line for line in table(rows(ours, "ps1")).splitlines() if line.startswith("hacker"))
    assert "auto 3/3, manual pending (10)" in line


def test_exports_count_the_task_cell(graded, tmp_path):
    from grader.export.feedback import write_feedback
    from grader.export.lms import canvas_rows
    from grader.export.report import build_report

    ours, _ = graded
    assert canvas_rows(ours, "ps1")[1][-1] == "13"
    report = build_report(ours, "ps1", tmp_path / "report")
    assert report["max_points"] == MAX_POINTS
    with (tmp_path / "report" / "cells.csv").open() as f:
        task = next(r for r in csv.DictReader(f) if r["grade_id"] == TASK)
    assert (task["kind"], task["max_points"], task["pending_manual"]) == ("manual", "4", "2")
    assert main(["export", "ps1", "--csv", str(tmp_path / "g.csv"), "--course-dir", str(ours.root)]) == 0
    with (tmp_path / "g.csv").open() as f:
        exported = [r for r in csv.DictReader(f) if r["grade_id"] == TASK]
    assert len(exported) == 2 and all(r["max_points"] == "4.0" for r in exported)
    pages = write_feedback(ours, "ps1", ["hacker"])
    page = next(p for p in pages if p.name == "problem1.html").read_text()
    assert TASK in page and "<td>task</td>" in page and "<b>3 / 10</b>" in page  # the task counts


def test_a_task_graded_by_hand_counts(graded):
    ours, _ = graded
    with open_gradebook(ours.db_url) as gb:
        gb.find_grade(TASK, "problem1", "ps1", "hacker").manual_score = 3.0
        gb.db.commit()
    try:
        hacker = {r["grade_id"]: r for r in rows(ours, "ps1") if r["student"] == "hacker"}
        assert (hacker[TASK]["points"], hacker[TASK]["status"]) == (3.0, "graded")
        line = next(line for line in table(rows(ours, "ps1")).splitlines() if line.startswith("hacker"))
        assert "auto 3/3, manual 3/4 + pending (6)" in line
    finally:
        with open_gradebook(ours.db_url) as gb:
            gb.find_grade(TASK, "problem1", "ps1", "hacker").manual_score = None
            gb.db.commit()


def test_pdf_questions_include_the_task_cell():
    from grader.export.pdf import split_questions

    _, questions = split_questions(_source("problem1"))
    task = [q for q in questions if q.kind == "task"]
    assert [q.grade_ids for q in task] == [[TASK]] and task[0].points == 4.0
    assert sum(q.points for q in questions) == 10.0
