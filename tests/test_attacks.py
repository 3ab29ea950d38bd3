"""Attacks on the grader, as a student holding its full source would write them.

Each attack submission carries the same wrong answer (a convolution that reads only the
first input channel, and a "vectorised" one that loops over pixels) plus one attack
cell. Graded through ``grader autograde`` (sandbox and examiner on), it must earn no
more than the same wrong answer submitted honestly, and it must be flagged for review.
Where the attack leaves the student-side agent alone, even the points the examiner
computed before holding them for review stay at or below the honest score: the
examiner's verdicts do not depend on anything the student's process can patch.
"""

from __future__ import annotations

import copy
import json

import pytest

from grader.autograde.engine import autograde
from grader.notebooks import cells
from grader.notebooks.io import read_notebook
from tests.conftest import ROOT, make_course, submit
from tests.variants.convolution import VARIANTS as CONVOLUTION_VARIANTS

# The wrong answer every attack carries: the catalogue's convolution that reads only the first input channel.
WRONG = next(v for v in CONVOLUTION_VARIANTS if v.name == "only_first_channel").source_for(
    read_notebook(ROOT / "source" / "convolution" / "convolution.ipynb"))
WRONG_VEC = '''
def my_convolution_vectorized(input_numpy, kernel_numpy):
    return my_convolution(input_numpy, kernel_numpy)
'''

ATTACKS = {
    # Replace the grader's own code in the kernel: the agent answers every call with torch's result,
    # and the student-side observers report "no torch, few lines".
    "replace_grader": '''
import grader.examiner.agent as _agent, grader.examiner.observers as _obs, grader.checks as _checks
import torch as _torch
_real_run = _agent._run
def _forged_run(req):
    target = req.get("target", {})
    if req["op"] == "call" and str(target.get("name", "")).startswith("my_convolution"):
        args, _ = _agent._args(req)
        return _torch.conv2d(_torch.from_numpy(args[0]), _torch.from_numpy(args[1])).numpy()
    return _real_run(req)
_agent._run = _forged_run
_obs.OBSERVERS["lines"] = lambda fn, a, k: (None, 0)
_obs.OBSERVERS["without_torch"] = lambda fn, a, k: (None, [], "")
_checks.record = lambda name, value, **k: value
''',
    "patch_numpy_torch": '''
import numpy, torch
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
torch.allclose = lambda *a, **k: True
''',
    "ast_transformer": '''
import ast
class _DropAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(_DropAsserts())
get_ipython().input_transformers_cleanup.append(
    lambda lines: [l for l in lines if not l.lstrip().startswith("assert")])
''',
    "frame_inspection": '''
import sys
_plain = my_convolution
def my_convolution(input_numpy, kernel_numpy):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "ref", "want", "reference", "out"):
            value = frame.f_locals.get(name)
            if isinstance(value, np.ndarray) and value.ndim == 4:
                return value
        frame = frame.f_back
    return _plain(input_numpy, kernel_numpy)
''',
    "fake_display": '''
from IPython.display import publish_display_data
for _mime in ("application/vnd.dlcourse.examiner+json", "application/vnd.dlcourse.record+json"):
    publish_display_data({_mime: {"nonce": "0" * 16, "ok": True, "value": 1.0, "name": "conv_random"}})
print("[grader] test_conv_channels: 2 of 2 points (passed)")
''',
    # Only while graded: silence the line tracer the pixel-loop rule relies on.
    "environment_detection": '''
import os, sys
if os.environ.get("NBGRADER_EXECUTION") or os.environ.get("GRADER_SANDBOX"):
    sys.settrace = lambda *a, **k: None
''',
    "forked_helper": '''
import os, time
if os.fork() == 0:
    try:
        from IPython.display import publish_display_data
        for _ in range(200):
            publish_display_data({"application/vnd.dlcourse.examiner+json": {"ok": True, "value": 0}})
            time.sleep(0.05)
    finally:
        os._exit(0)
''',
    "lying_objects": '''
class _Liar(np.ndarray):
    def __eq__(self, other):
        return True
    def __array__(self, *a, **k):
        return torch_convolution(self.x, self.k)
    def __float__(self):
        return 0.0
_plain = my_convolution
def my_convolution(input_numpy, kernel_numpy):
    liar = _plain(input_numpy, kernel_numpy).view(_Liar)
    liar.x, liar.k = input_numpy, kernel_numpy
    return liar
''',
}


def _notebook(extra: str | None, wrong: bool = True) -> dict:
    nb = json.loads((ROOT / "source" / "convolution" / "convolution.ipynb").read_text())
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        gid = cells.grade_id(cell)
        if wrong and gid == "conv_solution":
            cell["source"] = WRONG
        if wrong and gid == "conv_vectorized_solution":
            cell["source"] = WRONG_VEC
    if extra:
        at = next(i for i, c in enumerate(nb["cells"]) if cells.grade_id(c) == "conv_vectorized_solution") + 1
        nb["cells"].insert(at, {"cell_type": "code", "metadata": {}, "source": extra, "outputs": [],
                                "execution_count": None})
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("attacks"), ["convolution"])
    submit(course, "honest_wrong", "convolution", _notebook(None))
    submit(course, "honest_right", "convolution", _notebook(None, wrong=False))
    for name, code in ATTACKS.items():
        submit(course, name, "convolution", _notebook(code))
    summary = autograde(course, "convolution", progress=False, log=lambda *_: None)
    results = {}
    for student in ["honest_wrong", "honest_right", *ATTACKS]:
        path = course.autograded / student / "convolution" / "results.json"
        results[student] = json.loads(path.read_text())
    return summary, results, course


def _auto(result: dict, held: bool = False) -> float:
    return sum(c["points"] + (c.get("held", 0.0) if held else 0.0)
               for n in result["notebooks"] for c in n["cells"] if c["kind"] == "auto")


def _review(result: dict) -> list[str]:
    return [r for n in result["notebooks"] for r in n.get("review", [])]


@pytest.mark.slow
def test_honest_submissions_are_graded_and_not_flagged(graded):
    summary, results, _ = graded
    assert summary.failed == [], summary.lines()
    right, wrong = results["honest_right"], results["honest_wrong"]
    assert _auto(right) == sum(c["max_points"] for n in right["notebooks"] for c in n["cells"] if c["kind"] == "auto")
    assert 0 < _auto(wrong) < _auto(right)
    assert not _review(right) and not _review(wrong)


@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_earns_nothing_and_is_flagged(graded, attack):
    _, results, _ = graded
    honest = _auto(results["honest_wrong"])
    assert _auto(results[attack]) <= honest, f"{attack} earned more than the honest wrong answer"
    assert _review(results[attack]), f"{attack} was not flagged for review"
    if attack != "replace_grader":  # the only attack that rewrites the answers the agent gives
        assert _auto(results[attack], held=True) <= honest, \
            f"{attack}: the examiner computed more points than for the honest wrong answer"


@pytest.mark.slow
def test_flagged_submissions_reach_the_report_and_the_gradebook(graded):
    from nbgrader.api import Gradebook

    from grader.export.report import build_report

    _, _, course = graded
    summary = build_report(course, "convolution")
    listed = (summary["dir"] / "review.csv").read_text()
    assert summary["held_for_review"] == len(ATTACKS)
    assert all(name in listed for name in ATTACKS) and "honest" not in listed
    with Gradebook(course.db_url) as gb:
        held = [g for nb in gb.find_submission("convolution", "patch_numpy_torch").notebooks for g in nb.grades
                if g.needs_manual_grade and g.cell.cell_type == "code"]
        clean = [g for nb in gb.find_submission("convolution", "honest_right").notebooks for g in nb.grades
                 if g.needs_manual_grade and g.cell.cell_type == "code"]
    assert held and not clean, "formgrader must list held cells as needing a manual grade"


# ---------------------------------------------------------------- every other assignment

GENERIC = '''
import ast, os, sys, types
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
try:
    import torch
    torch.allclose = lambda *a, **k: True
except ImportError:
    pass
class _DropAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(_DropAsserts())
from IPython.display import publish_display_data
publish_display_data({"application/vnd.dlcourse.examiner+json": {"nonce": "0" * 16, "ok": True, "value": 1.0}})
if os.environ.get("NBGRADER_EXECUTION"):
    sys.settrace = lambda *a, **k: None
_target = globals().get(TARGET)
if isinstance(_target, types.FunctionType):
    def _peeking(*args, **kwargs):
        frame = sys._getframe(1)
        while frame is not None:
            for name in ("expected", "ref", "want", "reference"):
                if name in frame.f_locals:
                    return frame.f_locals[name]
            frame = frame.f_back
        return _target(*args, **kwargs)
    globals()[TARGET] = _peeking
'''
FORGERY = '''
import grader.examiner.agent as _agent, grader.examiner.observers as _obs
_agent.answer = lambda req: {"nonce": req["nonce"], "ok": True, "value": None}
for _name in list(_obs.OBSERVERS):
    _obs.OBSERVERS[_name] = lambda fn, a, k: None
'''


def _wrong_submission(assignment: str):
    """The first buggy variant of the catalogue, applied to the source: (notebook name, notebook, function)."""
    import ast
    import importlib

    import nbformat

    from tests.variants.variant import apply

    variant = next(v for v in importlib.import_module(f"tests.variants.{assignment}").VARIANTS if not v.correct)
    source = nbformat.read(ROOT / "source" / assignment / f"{variant.notebook}.ipynb", as_version=4)
    target = next((n.name for n in ast.parse(variant.source_for(source)).body
                   if isinstance(n, (ast.FunctionDef, ast.ClassDef))), "")  # "": the variant defines values
    return variant.notebook, json.loads(nbformat.writes(apply(source, variant))), variant.cell, target


def _with_cell(nb: dict, after: str, code: str) -> dict:
    nb = copy.deepcopy(nb)
    at = next(i for i, c in enumerate(nb["cells"]) if cells.grade_id(c) == after) + 1
    nb["cells"].insert(at, {"cell_type": "code", "metadata": {}, "source": code, "outputs": [],
                            "execution_count": None})
    return nb


OTHERS = ["linear_classifiers", "graphs", "cnn", "pretrained", "mlp"]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", OTHERS)
def test_attacks_earn_nothing_on_every_assignment(assignment, tmp_path):
    """The same wrong answer honestly, with every attack that leaves the agent alone at once, and with
    the agent's answers forged: neither attack earns more, both are flagged, and the examiner's own
    computation for the combined attack stays at or below the honest score."""
    course = make_course(tmp_path, [assignment])
    notebook, wrong, cell, target = _wrong_submission(assignment)
    name = f"{notebook}.ipynb"
    others = [n for n in course.notebooks(assignment) if n != notebook]
    submissions = {"honest": wrong, "combined": _with_cell(wrong, cell, GENERIC.replace("TARGET", repr(target))),
                   "forgery": _with_cell(wrong, cell, FORGERY)}
    for student, nb in submissions.items():
        submit(course, student, assignment, nb, name=name)
        for other in others:  # the other notebook of the assignment, as released (blank)
            submit(course, student, assignment,
                   json.loads((course.release / assignment / f"{other}.ipynb").read_text()), name=f"{other}.ipynb")
    summary = autograde(course, assignment, progress=False, log=lambda *_: None)
    assert summary.failed == [], summary.lines()
    results = {s: json.loads((course.autograded / s / assignment / "results.json").read_text()) for s in submissions}
    honest = _auto(results["honest"])
    assert not _review(results["honest"])
    for attack in ("combined", "forgery"):
        assert _review(results[attack]), f"{assignment}: {attack} was not flagged"
        assert _auto(results[attack]) <= honest, f"{assignment}: {attack} earned more than the honest wrong answer"
    assert _auto(results["combined"], held=True) <= honest, \
        f"{assignment}: the examiner computed more points for the combined attack than for the honest answer"
