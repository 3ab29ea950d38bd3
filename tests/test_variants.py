"""The hidden tests catch mistakes: every buggy variant loses marks, every correct one keeps them.

Each notebook's variants are judged in one kernel (see ``tests/variants/runner.py``):
the reference runs once, then each variant re-runs only the test cells it concerns.
"""

from __future__ import annotations

import importlib
from collections import Counter

import pytest

from grader.course import Course
from grader.examiner.session import is_examined
from grader.notebooks import cells
from grader.notebooks.io import read_notebook
from tests.conftest import ROOT
from tests.variants.runner import judge_variants

COURSE = Course.at(ROOT)


def catalogue(assignment: str):
    try:
        return importlib.import_module(f"tests.variants.{assignment}").VARIANTS
    except ModuleNotFoundError:
        return []


CASES = [(a, v) for a in COURSE.assignments() for v in catalogue(a)]
_cache: dict[tuple[str, str], dict] = {}


def judged(assignment: str, notebook: str) -> dict:
    key = (assignment, notebook)
    if key not in _cache:
        variants = [v for v in catalogue(assignment) if v.notebook == notebook]
        results = judge_variants(ROOT / "source" / assignment / f"{notebook}.ipynb", variants, ROOT / "data")
        _cache[key] = {j.variant.id: j for j in results}
    return _cache[key]


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_catalogue_covers_every_graded_function(assignment):
    variants = catalogue(assignment)
    assert variants, f"tests/variants/{assignment}.py has no VARIANTS"
    buggy = Counter((v.notebook, v.cell) for v in variants if not v.correct)
    correct = Counter((v.notebook, v.cell) for v in variants if v.correct)
    for notebook in COURSE.notebooks(assignment):
        nb = read_notebook(COURSE.source / assignment / f"{notebook}.ipynb")
        for cell in nb.cells:
            if cell.cell_type == "code" and cells.is_solution(cell) and not cells.is_graded(cell):
                gid = (notebook, cells.grade_id(cell))
                assert buggy[gid] >= 3, f"{gid}: needs at least 3 buggy variants, has {buggy[gid]}"
                assert correct[gid] >= 2, f"{gid}: needs at least 2 correct variants, has {correct[gid]}"


@pytest.mark.parametrize("assignment,variant", CASES, ids=[f"{a}:{v.cell}:{v.name}" for a, v in CASES])
def test_variant_is_judged_right(assignment, variant):
    j = judged(assignment, variant.notebook)[variant.id]
    if variant.correct:
        assert not j.lost_marks, f"a correct version lost marks: {j.describe()}"
        assert not j.flags, f"a correct version was flagged for review ({', '.join(j.flags)}): {j.describe()}"
    else:
        assert j.lost_marks, f"a buggy version kept full marks: {j.describe()}"


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_every_hidden_test_is_decided_outside_the_kernel(assignment):
    """Without a check in the examiner (or, on the older path, a record) the verdict would rest on an
    in-kernel assert alone, which a student can patch."""
    for notebook in COURSE.notebooks(assignment):
        nb = read_notebook(COURSE.source / assignment / f"{notebook}.ipynb")
        for cell in nb.cells:
            if cells.is_test(cell):
                hidden = "\n".join(cells.block_lines(cells.source_text(cell), cells.HIDDEN_BEGIN,
                                                     cells.HIDDEN_END))
                if is_examined(cell):
                    assert "ex.check(" in hidden and hidden.rstrip().endswith("ex.done()"), \
                        f"{notebook}:{cells.grade_id(cell)}: an examined test needs ex.check(...) and ends with ex.done()"
                else:
                    assert "record(" in hidden, f"{notebook}:{cells.grade_id(cell)} has no recorded hidden check"
