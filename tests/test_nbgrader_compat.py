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


def test_plain_nbgrader_runs_examined_hidden_tests_directly(tmp_path):
    """Examined hidden tests run in nbgrader's one kernel (direct bridge) and give the same scores,
    partial credit included, as ``grader autograde``."""
    from grader.autograde.engine import autograde
    from grader.export.grades import rows
    from tests.test_attacks import _notebook

    course = make_course(tmp_path, ["convolution"])
    proc = run_nbgrader(course, ["generate_assignment", "convolution", "--force"])
    assert proc.returncode == 0, proc.stderr
    source = json.loads((course.source / "convolution" / "convolution.ipynb").read_text())
    submit(course, "reference", "convolution", source)
    submit(course, "wrong", "convolution", _notebook(None))
    submit(course, "blank", "convolution", json.loads((course.release / "convolution" / "convolution.ipynb").read_text()))
    proc = run_nbgrader(course, ["autograde", "convolution", "--force"])
    assert proc.returncode == 0, proc.stderr
    plain = {}
    with Gradebook(course.db_url) as gb:
        for student in ("reference", "wrong", "blank"):
            for nb in gb.find_submission("convolution", student).notebooks:
                for grade in nb.grades:
                    if grade.auto_score is not None and grade.cell.cell_type == "code":
                        plain[(student, grade.name)] = grade.auto_score
    summary = autograde(course, "convolution", force=True, progress=False, log=lambda *_: None)
    assert summary.failed == [], summary.lines()
    ours = {(r["student"], r["grade_id"]): r["points"] for r in rows(course, "convolution") if r["kind"] == "auto"}
    assert plain and plain == {k: ours[k] for k in plain}, {k: (v, ours.get(k)) for k, v in plain.items()
                                                             if ours.get(k) != v}
    assert 0 < sum(v for (s, _), v in plain.items() if s == "wrong") < sum(v for (s, _), v in plain.items()
                                                                            if s == "reference")
    assert any(v != int(v) for (s, _), v in plain.items() if s == "wrong"), "nbgrader got no partial credit"
