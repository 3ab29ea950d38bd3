"""Autograded notebooks keep the student's figures (inline backend), sandboxed or not."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from grader.autograde.engine import autograde
from grader.autograde.execute import SandboxConfig, execute
from grader.sandbox import bwrap
from grader.sandbox.limits import Limits
from tests.conftest import make_course, submit

LIMITS = Limits(cell_timeout=60, notebook_timeout=120, memory_mb=2048, max_processes=64)
PLOT = "import matplotlib.pyplot as plt\nplt.plot([0, 1, 2], [0, 1, 4])\nplt.title('mine')\nplt.show()\n"


def _pngs(nb) -> int:
    return sum("image/png" in out.get("data", {}) for c in nb.cells if c.cell_type == "code" for out in c.outputs)


@pytest.mark.skipif(not bwrap.bwrap_path(), reason="bubblewrap is not installed")
def test_autograded_notebook_keeps_the_students_figure(mini_course, tmp_path):
    course = make_course(tmp_path)
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    nb = json.loads((course.source / "mini" / "mini.ipynb").read_text())
    nb["cells"].insert(len(nb["cells"]) - 1, nbformat.v4.new_code_cell(PLOT))
    submit(course, "plots", "mini", nb)
    summary = autograde(course, "mini", backend="serial", sandbox="on", limits=LIMITS, progress=False,
                        log=lambda *_: None)
    assert summary.graded == ["plots"]
    graded = nbformat.read(course.autograded / "plots" / "mini" / "mini.ipynb", as_version=4)
    assert _pngs(graded) == 1


def test_unsandboxed_run_keeps_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # the grader's own setting must not reach the kernel
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PLOT)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    outcome = execute(nb, tmp_path, LIMITS, SandboxConfig(enabled=False))
    assert outcome.status == "ok" and _pngs(outcome.notebook) == 1
