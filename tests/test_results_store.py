"""The results store: one reader of results.json for the pipeline and every export, one rule for manual points."""

from __future__ import annotations

import json

from grader.course import Course
from grader.export.grades import rows
from grader.export.report import load_submissions
from grader.results import store
from grader.results.model import CellResult, Status, SubmissionResult
from tests.conftest import make_course

RESULT = {"student": "ann", "assignment": "a1", "status": "graded", "fingerprint": "f" * 20, "notebooks": [
    {"notebook": "nb", "status": "ok", "review": ["imports the grader package"], "cells": [
        {"grade_id": "t1", "notebook": "nb", "kind": "auto", "points": 1.5, "max_points": 2, "status": "partial"},
        {"grade_id": "q1", "notebook": "nb", "kind": "manual", "points": 0, "max_points": 3, "status": "manual"},
    ]}]}


def _course(tmp_path) -> Course:
    course = make_course(tmp_path)
    (course.source / "a1").mkdir(parents=True)
    (course.source / "a1" / "nb.ipynb").write_text("{}")
    return course


def test_round_trip_and_pending_manual_points(tmp_path):
    course = _course(tmp_path)
    store.write(course, {**RESULT, "executed": {"nb": "not stored in results.json"}})
    assert "executed" not in json.loads(store.path(course, "ann", "a1").read_text())
    assert store.fingerprint(course, "ann", "a1") == "f" * 20
    result = store.read_all(course, "a1")["ann"]
    auto, manual = result.cells
    assert (auto.points, auto.status, auto.student) == (1.5, Status.PARTIAL, "ann")
    assert manual.pending and manual.points is None  # the one rule: nobody graded it yet
    assert result.review == ["imports the grader package"]
    assert result.with_manual({("ann", "nb", "q1"): 2.0}).cells[1].status == Status.GRADED


def test_damaged_results_are_an_error_everywhere_not_a_crash(tmp_path):
    course = _course(tmp_path)
    target = store.path(course, "bob", "a1")
    target.parent.mkdir(parents=True)
    target.write_text("{ not json")
    assert store.fingerprint(course, "bob", "a1") is None  # so the planner grades it again
    assert store.read(course, "bob", "a1").status == "error"
    assert rows(course, "a1") == []  # grader export no longer crashes
    assert [s.status for s in load_submissions(course, "a1")] == ["error"]


def test_malformed_content_is_tolerated():
    sub = SubmissionResult.from_json({"notebooks": [{"cells": [{"points": "x"}, "junk"]}, 3]}, "c", "a1")
    assert len(sub.cells) == 1 and sub.cells[0].points == 0.0 and sub.cells[0].grade_id == "?"
    assert SubmissionResult.from_json([1, 2], "c", "a1").status == "error"
    assert CellResult.from_dict({"grade_id": "t", "status": "passed", "points": 1, "max_points": 1}).passed
