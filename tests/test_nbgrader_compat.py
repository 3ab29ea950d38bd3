"""Plain nbgrader commands keep working on this course layout and its notebooks."""

from __future__ import annotations

import json
import shutil

from nbgrader.api import Gradebook

from grader.release.generate import run_nbgrader
from tests.conftest import make_course, submit


def test_plain_nbgrader_autograde_and_feedback(mini_course, tmp_path):
    course = make_course(tmp_path)
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    proc = run_nbgrader(course, ["generate_assignment", "mini", "--force"])
    assert proc.returncode == 0, proc.stderr
    src = json.loads((course.source / "mini" / "mini.ipynb").read_text())
    submit(course, "alice", "mini", src)
    submit(course, "bob", "mini", json.loads((course.release / "mini" / "mini.ipynb").read_text()))
    proc = run_nbgrader(course, ["autograde", "mini", "--force"])
    assert proc.returncode == 0, proc.stderr
    with Gradebook(course.db_url) as gb:
        assert gb.find_submission("mini", "alice").score == 5.0
        assert gb.find_submission("mini", "bob").score == 0.0
    proc = run_nbgrader(course, ["generate_feedback", "mini", "--force"])
    assert proc.returncode == 0, proc.stderr
    assert (course.feedback / "alice" / "mini" / "mini.html").exists()
