"""Feedback pages: every test's name, points and message; never the hidden tests' code."""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import nbformat
import pytest

from grader.course import Course
from grader.export import pdf as P
from grader.export.feedback import write_feedback
from tests.fixtures.export.course import HIDDEN_LINE, build_course

FIX_SOURCE = "tests/fixtures/export/softmax.ipynb"
SECRETS = ("out_secret", "rows_secret", "huge_secret", "probs_secret", "BEGIN HIDDEN",
           "np.isfinite(", P.RECORD_MIMETYPE)


@pytest.fixture()
def course(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_DB_URL", raising=False)
    return Course.at(build_course(tmp_path))


def _hidden_source_lines() -> list[str]:
    from pathlib import Path

    nb = nbformat.read(Path(__file__).resolve().parent.parent / FIX_SOURCE, as_version=4)
    lines = P.hidden_lines(nb)
    assert len(lines) >= 6
    return lines


def _assert_no_hidden(text: str, where: str) -> None:
    for s in SECRETS:
        assert s not in text and html.escape(s) not in text, f"{s!r} leaked into {where}"
    for line in _hidden_source_lines():
        assert line not in text and html.escape(line) not in text, f"hidden line {line!r} in {where}"


def test_feedback_pages(course):
    # a page nbgrader's generate_feedback left behind (it shows hidden tests) is replaced
    stale = course.feedback / "bob" / "softmax" / "softmax.html"
    stale.parent.mkdir(parents=True)
    stale.write_text(f"<pre>{HIDDEN_LINE}</pre>")

    written = write_feedback(course, "softmax")
    names = sorted(p.relative_to(course.feedback).as_posix() for p in written)
    # dave submitted but was not autograded: no feedback yet
    assert names == ["alice/softmax/softmax.html", "bob/softmax/softmax.html",
                     "carol/softmax/softmax.html", "erin/softmax/softmax.html"]
    for p in written:
        _assert_no_hidden(p.read_text(encoding="utf-8"), p.name)

    bob = (course.feedback / "bob" / "softmax" / "softmax.html").read_text(encoding="utf-8")
    bob_text = html.unescape(re.sub(r"<[^>]+>", "", bob))
    assert "def softmax(z):" in bob_text and "visible checks passed" in bob_text
    for text in ("test_softmax_sums", "test_softmax_stable", "q_explain_shift",
                 "softmax overflows for inputs of size 1000", "0 / 2", "1 / 1",
                 "awaiting manual grading"):
        assert text in bob, text
    assert "assignment total: <b>1 / 5</b>" in bob

    alice = (course.feedback / "alice" / "softmax" / "softmax.html").read_text(encoding="utf-8")
    assert "1.5 / 2" in alice  # the manual grade from the gradebook
    assert "assignment total: <b>4.5 / 5</b>" in alice

    erin = (course.feedback / "erin" / "softmax" / "softmax.html").read_text(encoding="utf-8")
    assert html.escape("each row should sum to 1, got 2.0") in erin

    carol = (course.feedback / "carol" / "softmax" / "softmax.html").read_text(encoding="utf-8")
    assert "is not valid JSON" in carol


def test_one_student_only(course):
    written = write_feedback(course, "softmax", ["erin"])
    assert [p.parent.parent.name for p in written] == ["erin"]


def test_feedback_command(course, capsys):
    from grader.cli.main import main

    assert main(["feedback", "softmax", "--student", "bob", "--course-dir", str(course.root)]) == 0
    assert "bob/softmax/softmax.html" in capsys.readouterr().out.replace("\\", "/")


def _have_pdf_tools() -> bool:
    try:
        P.find_browser()
    except P.PdfError:
        return False
    return shutil.which("pdftotext") is not None


@pytest.mark.skipif(not _have_pdf_tools(), reason="needs chromium and poppler-utils (scripts/setup_pdf.sh)")
def test_feedback_pdf(course):
    written = write_feedback(course, "softmax", ["bob"], pdf=True)
    pdf = course.feedback / "bob" / "softmax" / "softmax.pdf"
    assert pdf in written
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True).stdout.decode()
    for needle in ("test_softmax_stable", "softmax overflows for inputs of size 1000", "σ"):
        assert needle in text
    _assert_no_hidden(text, "softmax.pdf")
