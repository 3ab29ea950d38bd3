"""One end-to-end grading run per assignment through ``grader autograde``, sandbox included.

The reference solution gets full automatic marks; the blank release gets zero, with a
message on every failed cell saying what is missing, and no grading error.
"""

from __future__ import annotations

import json

import pytest

from grader.autograde.engine import autograde
from grader.course import Course
from grader.export.grades import rows
from tests.conftest import ROOT, make_course, submit

GPU_ASSIGNMENTS = {"linear_classifiers", "cnn", "pretrained"}
ASSIGNMENTS = [a for a in Course.at(ROOT).assignments() if (ROOT / "release" / a).is_dir()]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_full_marks_blank_zero(assignment, tmp_path):
    course = make_course(tmp_path, [assignment])
    for name in course.notebooks(assignment):
        submit(course, "reference", assignment, json.loads((course.source / assignment / f"{name}.ipynb").read_text()),
               name=f"{name}.ipynb")
        submit(course, "blank", assignment, json.loads((course.release / assignment / f"{name}.ipynb").read_text()),
               name=f"{name}.ipynb")
    summary = autograde(course, assignment, progress=False, log=lambda *_: None)
    assert summary.failed == [] and summary.timed_out == [], summary.lines()
    auto = [r for r in rows(course, assignment) if r["status"] != "manual"]
    ref = [r for r in auto if r["student"] == "reference"]
    blank = [r for r in auto if r["student"] == "blank"]
    assert ref and all(r["status"] == "passed" and r["points"] == r["max_points"] for r in ref), \
        [r for r in ref if r["status"] != "passed"]
    assert blank and all(r["points"] == 0 and r["status"] == "failed" for r in blank), blank
    assert all(r["message"] for r in blank), "every failed cell must tell the student why"
    if assignment in GPU_ASSIGNMENTS:
        import torch

        expected = "GPU checks ran on CUDA" if torch.cuda.is_available() else "GPU checks ran without a GPU"
        assert any(expected in r["message"] for r in ref), "the grade output must say where GPU checks ran"
