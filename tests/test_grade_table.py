"""The grade table keeps automatic points apart from manual ones, which read "pending" until graded.

It used to print ``19/22`` for cnn's reference solution: 19 automatic points earned plus 3
manual points nobody had graded yet, as if the student had lost them.
"""

from __future__ import annotations

import json

import pytest

from grader.course import Course
from grader.export.grades import rows, scores, table, write_csv, write_json, FIELDS
from tests.fixtures.export.course import build_course


def _row(student, gid, points, max_points, status, kind="auto"):
    return {"student": student, "notebook": "nb", "grade_id": gid, "points": points,
            "max_points": max_points, "status": status, "message": "", "kind": kind}


def _cnn_like(student="reference", manual_status="manual", manual_points=0.0):
    """19 automatic points over three tests and one 3-point written answer."""
    return [_row(student, "test_a", 10.0, 10.0, "passed"),
            _row(student, "test_b", 6.0, 6.0, "passed"),
            _row(student, "test_c", 3.0, 3.0, "passed"),
            _row(student, "q_why", manual_points, 3.0, manual_status, kind="manual")]


def _line(text: str, student: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(student))


def test_manual_points_are_pending_not_lost():
    text = table(_cnn_like())
    line = _line(text, "reference")
    assert "auto 19/19, manual pending (3)" in line
    assert "19/22" not in text
    assert line.split()[-1] == "pending"  # the written answer's column
    assert text.splitlines()[0].split()[:2] == ["student", "score"]


def test_manual_points_count_once_graded():
    line = _line(table(_cnn_like(manual_status="graded", manual_points=2.5)), "reference")
    assert "auto 19/19, manual 2.5/3, total 21.5/22" in line
    assert line.split()[-1] == "2.5/3"


def test_partly_graded_and_automatic_only():
    rs = _cnn_like("ann") + [_row("ann", "q_more", 1.0, 2.0, "graded", kind="manual")]
    assert scores(rs)["ann"].text() == "auto 19/19, manual 1/2 + pending (3)"
    only_auto = [r for r in _cnn_like("bob") if r["kind"] == "auto"]
    only_auto[0]["points"] = 4.0
    assert scores(only_auto)["bob"].text() == "auto 13/19"


def test_a_notebook_that_did_not_run_scores_its_manual_cells_zero():
    rs = [_row("cy", "test_a", 0.0, 10.0, "missing"), _row("cy", "q_why", 0.0, 3.0, "missing", "manual")]
    line = _line(table(rs), "cy")
    assert "auto 0/10, manual 0/3, total 0/13" in line and "0/10 missing" in line


def test_rows_without_kind_still_read_manual_status():
    rs = [{k: v for k, v in r.items() if k != "kind"} for r in _cnn_like()]
    assert scores(rs)["reference"].text() == "auto 19/19, manual pending (3)"


@pytest.fixture()
def course(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_DB_URL", raising=False)
    return Course.at(build_course(tmp_path))


def test_table_reads_manual_grades_from_the_gradebook(course, tmp_path):
    data = rows(course, "softmax")
    text = table(data)
    # alice: tests 3/3, answer graded 1.5/2 in formgrader; bob: answer not graded yet
    assert "auto 3/3, manual 1.5/2, total 4.5/5" in _line(text, "alice")
    assert "auto 1/3, manual pending (2)" in _line(text, "bob")
    assert "auto 0/3, manual 2/2, total 2/5" in _line(text, "erin")
    status = {(r["student"], r["grade_id"]): r["status"] for r in data}
    assert status[("alice", "q_explain_shift")] == "graded"
    assert status[("bob", "q_explain_shift")] == "manual"
    # the files keep their columns: ``kind`` is for the table only
    write_json(data, tmp_path / "g.json")
    write_csv(data, tmp_path / "g.csv")
    assert all(set(r) == set(FIELDS) for r in json.loads((tmp_path / "g.json").read_text()))
    assert (tmp_path / "g.csv").read_text().splitlines()[0] == ",".join(FIELDS)
