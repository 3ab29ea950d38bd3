"""Grade report and Canvas CSV: the numbers match the fixture's gradebook and results."""

from __future__ import annotations

import csv
import re

import pytest

from grader.course import Course
from grader.export.lms import write_canvas_csv
from grader.export.report import build_report, load_submissions
from grader.gradebook import open_gradebook
from tests.fixtures.export.course import EXPECTED_TOTALS, MAX_POINTS, build_course


@pytest.fixture()
def course(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_DB_URL", raising=False)
    return Course.at(build_course(tmp_path))


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _gradebook_totals(course) -> dict[str, float]:
    with open_gradebook(course.db_url) as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment("softmax").submissions}


def test_totals_match_the_gradebook(course):
    subs = {s.student: s for s in load_submissions(course, "softmax")}
    assert {k: subs[k].total for k in EXPECTED_TOTALS} == EXPECTED_TOTALS
    assert _gradebook_totals(course) == EXPECTED_TOTALS
    assert subs["carol"].status == "error" and subs["dave"].status == "ungraded"
    pending = [c.grade_id for c in subs["bob"].cells if c.points is None]
    assert pending == ["q_explain_shift"]


def test_report_numbers(course, tmp_path):
    r = build_report(course, "softmax", tmp_path / "rep")
    assert (r["submissions"], r["graded"], r["not_graded"]) == (5, 3, 2)
    assert r["max_points"] == MAX_POINTS
    assert r["totals"] == EXPECTED_TOTALS
    assert r["mean"] == pytest.approx(2.5) and r["median"] == 2.0

    cells = {row["grade_id"]: row for row in _csv(tmp_path / "rep" / "cells.csv")}
    assert list(cells) == ["test_softmax_sums", "test_softmax_stable", "q_explain_shift"]
    s = cells["test_softmax_sums"]
    assert (s["graded"], s["passed"], s["failed"], s["pass_rate"]) == ("3", "2", "1", "0.667")
    s = cells["test_softmax_stable"]
    assert (s["graded"], s["passed"], s["failed"], s["pass_rate"]) == ("3", "1", "2", "0.333")
    s = cells["q_explain_shift"]  # alice 1.5/2, erin 2/2, bob not graded yet
    assert (s["kind"], s["graded"], s["passed"], s["pending_manual"], s["mean_points"]) == \
        ("manual", "2", "1", "1", "1.750")

    fails = _csv(tmp_path / "rep" / "failures.csv")
    assert fails[0] == {"grade_id": "test_softmax_stable",
                        "message": "AssertionError: softmax overflows for inputs of size 1000",
                        "count": "2", "students": "bob erin"}
    assert fails[1]["grade_id"] == "test_softmax_sums" and fails[1]["count"] == "1"

    ungraded = {row["student"]: row for row in _csv(tmp_path / "rep" / "ungraded.csv")}
    assert set(ungraded) == {"carol", "dave"}
    assert "not valid JSON" in ungraded["carol"]["reason"]
    assert ungraded["dave"]["status"] == "ungraded"

    students = {row["student"]: row for row in _csv(tmp_path / "rep" / "students.csv")}
    assert {k: float(students[k]["total"]) for k in EXPECTED_TOTALS} == EXPECTED_TOTALS

    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 2
    for text in ("Score histogram", "Pass rate per graded cell", "Most common failure messages",
                 "could not be graded", "carol", "dave", "softmax overflows"):
        assert text in page


def test_report_without_gradebook(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_DB_URL", raising=False)
    course = Course.at(build_course(tmp_path, gradebook=False))
    r = build_report(course, "softmax")
    # no manual grades: written answers are pending, totals are the tests' points
    assert r["totals"] == {"alice": 3.0, "bob": 1.0, "erin": 0.0}
    assert (course.root / "reports" / "softmax" / "report.html").is_file()


def test_report_command(course, capsys):
    from grader.cli.main import main

    assert main(["report", "softmax", "--course-dir", str(course.root)]) == 0
    out = capsys.readouterr().out
    assert "3 graded, 2 not graded" in out
    assert (course.root / "reports" / "softmax" / "cells.csv").is_file()


def test_canvas_csv(course, tmp_path):
    path = write_canvas_csv(course, "softmax", tmp_path / "canvas.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "softmax"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == MAX_POINTS
    body = {r[3]: r for r in rows[2:]}
    assert set(body) == {"alice", "bob", "carol", "dave", "erin", "frank"}
    assert body["alice"][:2] == ["Liddell, Alice", "101"]
    assert {k: float(body[k][5]) for k in EXPECTED_TOTALS} == EXPECTED_TOTALS
    # no graded submission: blank, which Canvas's import leaves untouched
    assert body["carol"][5] == body["dave"][5] == body["frank"][5] == ""
    assert body["dave"][0] == "Dúbravka, Dave"
