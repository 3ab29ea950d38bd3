"""The GPU check kit (``scripts/gpu_check.sh``) on its CPU path: it runs without CUDA, says so,
prints one line per graded cell, and its exit code follows the reference's points."""

from __future__ import annotations

import importlib.util
import json
import sys

import nbformat
import pytest

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "scripts" / "gpu_check.py")
kit = sys.modules.setdefault("gpu_check", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(kit)


def test_where_a_cell_ran_comes_from_its_gpu_note():
    assert kit.where_of("NOTE: GPU checks ran on CUDA (NVIDIA H200)", "cpu (x)") == "cuda"
    assert kit.where_of("NOTE: GPU checks ran without a GPU: CPU path only", "cuda (x)") == "cpu"
    assert kit.where_of("", "cuda (sandboxed kernel sees the GPU)") == "kernel:cuda"


def test_exit_code_follows_the_reference_and_the_gpu_bugs():
    assert kit.Report(cuda=True).exit_code == 0
    assert kit.Report(cuda=True, problems=["the reference lost points"]).exit_code == 1
    assert kit.Report(cuda=True, uncaught=["a GPU bug kept its marks"]).exit_code == 2
    assert kit.Report(cuda=True, problems=["x"], uncaught=["y"]).exit_code == 1


@pytest.mark.parametrize("assignment", sorted({b.assignment for b in kit.GPU_BUGS if b.code}))
def test_every_gpu_bug_fits_its_notebook(assignment):
    """Each GPU-only bug replaces its solution cell cleanly and targets a GPU test cell of the notebook."""
    from grader.notebooks import cells
    from tests.variants.variant import apply

    bugs = kit.gpu_bugs_for(assignment)
    assert bugs, f"no GPU bug for {assignment}"
    for bug, variant in bugs:
        source = nbformat.read(ROOT / "source" / assignment / f"{bug.notebook}.ipynb", as_version=4)
        ids = [cells.grade_id(c) for c in source.cells if cells.is_test(c)]
        assert bug.gpu_test in ids, f"{bug.name}: no test cell {bug.gpu_test} in {bug.notebook}"
        changed = apply(source, variant)
        compile(cells.source_text(next(c for c in changed.cells if cells.grade_id(c) == bug.cell)), bug.name, "exec")


@pytest.mark.slow
def test_the_kit_runs_on_the_cpu_and_says_so(mini_course, capsys):
    import torch

    code = kit.main(["--course", str(mini_course.root), "--only", "mini", "--no-variants", "--backend", "serial"])
    out = capsys.readouterr().out
    assert code == 0, out
    graded = [line for line in out.splitlines() if line.startswith("mini ") and " reference " in line and " test_" in line]
    assert len(graded) == 2 and all("passed" in line for line in graded), out
    assert any("test_add" in line and "2/2" in line for line in graded), out
    assert "CPU/GPU agreement self-check: ok" in out, out
    if not torch.cuda.is_available():
        assert "NO CUDA" in out and "ran WITHOUT CUDA" in out, out


def test_an_unknown_assignment_is_refused(capsys):
    assert kit.main(["--only", "no_such_assignment"]) == 1
    assert "unknown assignment" in capsys.readouterr().err
    json.dumps({})  # the module imports cleanly without a GPU
