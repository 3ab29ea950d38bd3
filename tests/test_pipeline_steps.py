"""Unit tests of the pipeline steps on small notebooks made by factories (as nbgrader tests its preprocessors).

``assemble`` (what runs), ``plan`` (what needs grading), ``store`` (where results go),
``verdict`` (examined cells), each without a kernel or a sandbox.
"""

from __future__ import annotations

import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.autograde import plan as planning
from grader.autograde.assemble import assemble
from grader.autograde.store import GradebookWriter, store
from grader.autograde.verdict import from_examiner, judge_notebook
from grader.examiner.session import CellVerdict
from grader.notebooks import cells
from grader.release.generate import ensure_in_gradebook
from grader.results import store as results_store
from tests.conftest import make_course, submit


def _meta(grade_id: str, *, solution=False, grade=False, locked=False, points=0.0, task=False) -> dict:
    return {"nbgrader": {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked,
                         "points": points, "task": task, "schema_version": 3}}


def notebook(answer: str = "def f(x):\n    return 2 * x", extra: list | None = None) -> nbformat.NotebookNode:
    """A two-question notebook: a provided cell, an answer, a test with a hidden part, a written answer."""
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Doubling"),
        new_code_cell("import numpy as np", metadata=_meta("setup", locked=True)),
        new_code_cell(answer, metadata=_meta("answer", solution=True)),
        new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 6\n### END HIDDEN TESTS",
                      metadata=_meta("test_f", grade=True, locked=True, points=2)),
        new_markdown_cell("Explain.", metadata=_meta("q_explain", solution=True, grade=True, points=1)),
        *(extra or []),
    ]
    return nb


def _ids(nb) -> list:
    return [cells.grade_id(c) for c in nb.cells]


# ---------------------------------------------------------------- assemble

def test_assemble_restores_tests_and_locked_cells_whatever_the_student_did():
    source = notebook()
    student = notebook("def f(x):\n    return x + x")
    student.cells[3].source = "pass  # the student emptied the test"
    student.cells[1].source = "import numpy as np\nnp.allclose = lambda *a: True"
    del student.cells[4]  # and deleted the written answer
    student.cells.append(new_code_cell("print('mine')"))
    nb = assemble(source, student)
    assert _ids(nb) == [None, "setup", "answer", "test_f", "q_explain", None]
    assert cells.source_text(nb.cells[3]) == cells.source_text(source.cells[3])
    assert cells.source_text(nb.cells[1]) == "import numpy as np"
    assert cells.source_text(nb.cells[2]) == "def f(x):\n    return x + x"  # the student's answer
    assert cells.source_text(nb.cells[5]) == "print('mine')"  # added cells stay where they were


def test_assemble_keeps_one_copy_of_a_duplicated_test_and_clears_outputs():
    source = notebook()
    student = notebook()
    student.cells.insert(4, nbformat.from_dict(json.loads(json.dumps(student.cells[3]))))
    student.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="old")]
    nb = assemble(source, student)
    assert _ids(nb).count("test_f") == 1 and nb.cells[2].outputs == []


# ---------------------------------------------------------------- plan and store

def _course(tmp_path):
    course = make_course(tmp_path)
    (course.source / "a1").mkdir(parents=True)
    nbformat.write(notebook(), course.source / "a1" / "a1.ipynb")
    return course


def _result(student: str, fingerprint: str, points: float, review: list | None = None) -> dict:
    return {"student": student, "assignment": "a1", "fingerprint": fingerprint, "status": "graded",
            "message": "", "executed": {}, "notebooks": [{
                "notebook": "a1", "status": "ok", "message": "", "review": review or [], "cells": [
                    {"grade_id": "test_f", "notebook": "a1", "kind": "auto", "points": points, "max_points": 2,
                     "status": "partial" if 0 < points < 2 else "passed" if points else "failed",
                     "message": "", "flagged": bool(review)},
                    {"grade_id": "q_explain", "notebook": "a1", "kind": "manual", "points": 0, "max_points": 1,
                     "status": "manual", "message": "graded by hand"}]}]}


def test_plan_skips_unchanged_and_regrades_changed_or_damaged(tmp_path):
    course = _course(tmp_path)
    for student in ("ann", "bob", "cy"):
        submit(course, student, "a1", json.loads(nbformat.writes(notebook())), name="a1.ipynb")
    todo, skipped = planning.plan(course, "a1")
    assert [p.student for p in todo] == ["ann", "bob", "cy"] and skipped == []
    fp = {p.student: p.fingerprint for p in todo}
    results_store.write(course, _result("ann", fp["ann"], 2))
    results_store.write(course, _result("bob", fp["bob"], 2))
    results_store.atomic_write(results_store.path(course, "cy", "a1"), "{ damaged")
    submit(course, "bob", "a1", json.loads(nbformat.writes(notebook("def f(x):\n    return 3 * x"))),
           name="a1.ipynb")
    todo, skipped = planning.plan(course, "a1")
    assert [p.student for p in todo] == ["bob", "cy"] and skipped == ["ann"]
    assert [p.student for p in planning.plan(course, "a1", force=True)[0]] == ["ann", "bob", "cy"]


def test_store_writes_partial_scores_and_review_flags_to_the_gradebook(tmp_path):
    from nbgrader.api import Gradebook

    course = _course(tmp_path)
    ensure_in_gradebook(course, "a1")
    with GradebookWriter(course.db_url) as writer:
        store(course, _result("ann", "x" * 20, 1.5), writer)
        store(course, _result("bob", "y" * 20, 0.0, review=["imports the grader package"]), writer)
    with Gradebook(course.db_url) as gb:
        ann = {g.name: g for g in gb.find_submission_notebook("a1", "a1", "ann").grades}
        bob = {g.name: g for g in gb.find_submission_notebook("a1", "a1", "bob").grades}
        assert ann["test_f"].auto_score == 1.5 and not ann["test_f"].needs_manual_grade
        assert ann["q_explain"].needs_manual_grade and ann["q_explain"].auto_score is None
        assert bob["test_f"].needs_manual_grade  # held for review: formgrader lists it
    assert results_store.read(course, "ann", "a1").cells[0].points == 1.5


# ---------------------------------------------------------------- verdict of examined cells

def test_examined_cells_take_the_examiner_verdict_or_fail():
    nb = notebook()
    nb.cells[3].source = ("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nfrom grader.examiner import exam\n"
                          "ex = exam(globals(), 'a1')\n### END HIDDEN TESTS")
    verdict = CellVerdict("test_f", 2.0, points=1.0, status="partial", message="f(3) differs")
    [test, manual] = judge_notebook(nb, "a1", {}, {"test_f": verdict})
    assert (test.points, test.status, test.message) == (1.0, "partial", "f(3) differs")
    assert manual.kind == "manual" and manual.status == "manual"
    [missing, _] = judge_notebook(nb, "a1", {}, {})  # the hidden part never ran: no points
    assert missing.points == 0 and "did not run" in missing.message
    held = from_examiner(nb.cells[3], "a1", verdict, review=["patches the module numpy"])
    assert (held.points, held.status, held.held, held.flagged) == (0.0, "review", 1.0, True)


def test_formgrader_sees_graded_submissions_as_autograded(tmp_path):
    """formgrader lists a submission as autograded only when the gradebook's timestamp matches timestamp.txt."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course = _course(tmp_path)
    ensure_in_gradebook(course, "a1")
    submit(course, "ann", "a1", json.loads(nbformat.writes(notebook())), name="a1.ipynb")
    submit(course, "bob", "a1", json.loads(nbformat.writes(notebook())), name="a1.ipynb")
    (course.submitted / "bob" / "a1" / "timestamp.txt").write_text("2026-11-30 10:00:00.000000 UTC")
    with GradebookWriter(course.db_url) as writer:
        for student in ("ann", "bob"):
            (course.autograded / student / "a1").mkdir(parents=True)
            store(course, _result(student, "z" * 20, 2), writer)
    coursedir = CourseDirectory(root=str(course.root))
    coursedir.db_url = course.db_url
    api = NbGraderAPI(coursedir=coursedir)
    assert api.get_autograded_students("a1") == {"ann", "bob"}
    assert api.get_submission("a1", "bob")["score"] == 2.0
