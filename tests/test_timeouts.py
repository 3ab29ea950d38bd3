"""Time limits calibrated from the reference run (``grader.sandbox.limits``, ``docs/AUTHORING.md``).

Two things must both hold: an endless loop costs at most ``max(60 s, 5 x`` the reference
notebook's time``)`` of worker time, and no correct or slow-but-correct submission times out
(plain loops, per-sample gradients, an extra evaluation pass per epoch). The slow styles are
graded on ``tests/fixtures/slowfit.nbsrc`` (a small numpy network trained like the course's
MLP notebook) and on the convolution catalogue's correct variants, with the sandbox on and the
calibrated limits; the instructor's overrides are checked on their own.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json

import nbformat
import pytest

from grader.autograde.engine import autograde, configured_limits
from grader.autograde.budget import cell_key
from grader.cli import autograde as cli_autograde
from grader.export.grades import rows
from grader.notebooks import cells
from grader.notebooks.authoring import build
from grader.sandbox import bwrap
from grader.sandbox.limits import Limits, ReferenceTimes, TimePolicy
from tests.conftest import FIXTURES, make_course, submit

needs_sandbox = pytest.mark.skipif(not bwrap.bwrap_path(), reason="bubblewrap is not installed")
SLACK = 8.0  # seconds of worker time around the notebook's budget: reaping, assembling, judging


# ---------------------------------------------------------------- the rule itself

def test_limits_follow_the_reference_with_a_floor_and_a_factor():
    times = ReferenceTimes({"setup": 2.0, "test_fast": 0.05, "test_slow": 3.0}, notebook=20.0)
    limits = Limits(policy=TimePolicy(cell_floor=10, cell_factor=20, notebook_floor=60, notebook_factor=5))
    assert limits.cell_limit("x") == 120 and limits.notebook_budget() == 600  # no reference: generous
    limits = limits.with_reference(times)
    assert limits.cell_limit("test_fast") == 10          # the floor
    assert limits.cell_limit("test_slow") == 60          # 20 x 3 s
    assert limits.cell_limit("added_by_student") == 60   # a cell the reference has not: its slowest cell
    assert limits.notebook_budget() == 100               # 5 x 20 s
    assert limits.with_reference(ReferenceTimes({"a": 1.0}, 4.0)).notebook_budget() == 60  # the floor
    assert "per notebook" in limits.describe()


def test_fixed_limits_win_and_reserves_stay_within_half_the_budget():
    times = ReferenceTimes({f"c{i}": 1.0 for i in range(40)}, notebook=20.0)
    fixed = Limits(cell_timeout=7, notebook_timeout=30).with_reference(times)
    assert fixed.cell_limit("c1") == 7 and fixed.notebook_budget() == 30 and fixed.reserve("c1") == 0
    calibrated = Limits().with_reference(times)
    reserves = calibrated.reserves(list(times.cells))
    assert sum(reserves) <= calibrated.notebook_budget() / 2 + 1e-9
    assert calibrated.reserve("not_in_reference") == 0
    with pytest.raises(ValueError):
        TimePolicy(cell_factor=0)


def test_nbgrader_config_sets_limits_and_the_command_line_wins(tmp_path):
    course = make_course(tmp_path / "course")
    config = course.root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.GraderLimits.notebook_timeout = 45\n"
                      "c.GraderLimits.cell_factor = 30\nc.GraderLimits.cell_floor = 4\n")
    limits = configured_limits(course, Limits())
    assert limits.notebook_timeout == 45 and limits.cell_timeout is None
    assert limits.policy.cell_factor == 30 and limits.policy.cell_floor == 4
    assert configured_limits(course, Limits(notebook_timeout=90)).notebook_timeout == 90  # the CLI's value
    config.write_text(config.read_text() + "c.GraderLimits.cell_timout = 3\n")
    with pytest.raises(Exception, match="cell_timout"):
        configured_limits(course, Limits())


def test_command_line_timeouts_default_to_calibrated():
    parser = argparse.ArgumentParser()
    cli_autograde.register(parser.add_subparsers())
    args = parser.parse_args(["autograde", "mini"])
    assert args.cell_timeout is None and args.notebook_timeout is None
    args = parser.parse_args(["autograde", "mini", "--cell-timeout", "5", "--notebook-timeout", "50"])
    assert (args.cell_timeout, args.notebook_timeout) == (5.0, 50.0)


# ---------------------------------------------------------------- slow but correct styles

PER_SAMPLE = '''
def train(X, Y, W, epochs=6, batch_size=16, lr=0.5, seed=0):
    """Per-sample gradients, averaged over each mini-batch (same steps, many more numpy calls)."""
    order_rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = order_rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            total = [np.zeros_like(w) for w in W]
            for r in rows:
                total = [t + g / len(rows) for t, g in zip(total, gradients(X[r:r + 1], Y[r:r + 1], W))]
            W = [w - lr * g for w, g in zip(W, total)]
    return W
'''
EXTRA_EVALUATION = '''
def train(X, Y, W, epochs=6, batch_size=16, lr=0.5, seed=0):
    """Mini-batches, and a full evaluation pass (loss and accuracy) after every epoch."""
    order_rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = order_rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            W = [w - lr * g for w, g in zip(W, gradients(X[rows], Y[rows], W))]
        probs = softmax(sigmoid(X @ W[0]) @ W[1])
        history.append((-np.mean(np.log(probs[np.arange(len(X)), np.argmax(Y, axis=1)] + 1e-12)),
                        np.mean(np.argmax(probs, axis=1) == np.argmax(Y, axis=1))))
        print(f"epoch {epoch + 1}: loss {history[-1][0]:.3f}, accuracy {history[-1][1]:.3f}")
    return W
'''
PLAIN_LOOPS = '''
def predict(X, W):
    """One row at a time, and the arg-max by hand."""
    out = []
    for row in X:
        hidden = sigmoid(row @ W[0])
        scores = [float(hidden @ W[1][:, k]) for k in range(W[1].shape[1])]
        best = 0
        for k in range(1, len(scores)):
            if scores[k] > scores[best]:
                best = k
        out.append(best)
    return np.array(out)
'''
ENDLESS_TRAIN = '''
def train(X, Y, W, epochs=6, batch_size=16, lr=0.5, seed=0):
    while True:
        pass
'''


def _with_solution(nb: dict, grade_id: str, code: str) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cells.grade_id(cell) == grade_id:
            cell["source"] = code.strip("\n")
    return nb


def _scores(course, assignment):
    out: dict = {}
    for r in rows(course, assignment):
        out.setdefault(r["student"], {})[r["grade_id"]] = (r["points"], r["status"])
    return out


def _results(course, assignment, student):
    return json.loads((course.autograded / student / assignment / "results.json").read_text())


def _reference_times(course, assignment, notebook) -> ReferenceTimes:
    [cache] = (course.autograded / ".reference" / assignment).glob(f"{notebook}.*.json")
    return ReferenceTimes.from_dict(json.loads(cache.read_text())["times"])


@pytest.fixture(scope="module")
def slowfit(tmp_path_factory):
    from grader.release.generate import release

    course = make_course(tmp_path_factory.mktemp("slowfit"))
    build(FIXTURES / "slowfit.nbsrc", course.source / "slowfit" / "slowfit.ipynb")
    release(course, ["slowfit"], log=lambda *_: None)
    src = json.loads((course.source / "slowfit" / "slowfit.ipynb").read_text())
    submissions = {
        "reference": src,
        "per_sample": _with_solution(src, "train_solution", PER_SAMPLE),
        "extra_evaluation": _with_solution(src, "train_solution", EXTRA_EVALUATION),
        "plain_loops": _with_solution(src, "predict_solution", PLAIN_LOOPS),
        "endless_loop": _with_solution(src, "train_solution", ENDLESS_TRAIN),
    }
    for student, nb in submissions.items():
        submit(course, student, "slowfit", nb)
    summary = autograde(course, "slowfit", workers=2, progress=False, sandbox="on", log=lambda *_: None)
    return course, summary


@needs_sandbox
def test_reference_run_records_the_time_of_every_cell(slowfit):
    course, _ = slowfit
    times = _reference_times(course, "slowfit", "slowfit")
    source = nbformat.read(course.source / "slowfit" / "slowfit.ipynb", as_version=4)
    assert {cell_key(c) for c in source.cells if c.cell_type == "code"} <= set(times.cells)
    assert 0 < sum(times.cells.values()) <= times.notebook


@needs_sandbox
@pytest.mark.parametrize("student", ["reference", "per_sample", "extra_evaluation", "plain_loops"])
def test_slow_but_correct_styles_keep_full_marks(slowfit, student):
    course, summary = slowfit
    assert student not in summary.timed_out
    assert _scores(course, "slowfit")[student] == {"test_train": (2.0, "passed"), "test_predict": (1.0, "passed")}


@needs_sandbox
def test_endless_loop_costs_at_most_the_calibrated_budget(slowfit):
    course, summary = slowfit
    times = _reference_times(course, "slowfit", "slowfit")
    budget = max(60.0, 5 * times.notebook)
    result = _results(course, "slowfit", "endless_loop")
    assert result["seconds"] <= budget + SLACK, (result["seconds"], budget)
    scores = _scores(course, "slowfit")["endless_loop"]
    assert scores["test_train"] == (0.0, "timeout")
    assert scores["test_predict"] == (1.0, "passed")  # predict does not depend on the loop


# ---------------------------------------------------------------- the convolution catalogue

@pytest.fixture(scope="module")
def convolution(tmp_path_factory):
    from grader.release.generate import generate
    from tests.variants.variant import apply

    course = make_course(tmp_path_factory.mktemp("conv-timeouts"), ["convolution"])
    generate(course, "convolution", tmp_path_factory.mktemp("conv-scratch"))
    source = nbformat.read(course.source / "convolution" / "convolution.ipynb", as_version=4)
    variants = importlib.import_module("tests.variants.convolution")
    correct = [v for v in variants.VARIANTS if v.correct]
    loops = [v for v in correct if v.cell == variants.LOOP]
    vectorised = [v for v in correct if v.cell == variants.VEC]
    for i in range(max(len(loops), len(vectorised))):  # one correct version of each function per submission
        nb = source
        for v in (loops[i % len(loops)], vectorised[i % len(vectorised)]):
            nb = apply(nb, v)
        submit(course, f"correct{i}", "convolution", nb)
    submit(course, "endless_loop", "convolution", _with_solution(
        source, variants.LOOP, "def my_convolution(input_numpy, kernel_numpy):\n    while True:\n        pass"))
    summary = autograde(course, "convolution", workers=2, progress=False, sandbox="on", log=lambda *_: None)
    return course, summary, {v.cell: v.tests for v in correct}


@needs_sandbox
@pytest.mark.slow
def test_no_correct_convolution_variant_times_out(convolution):
    course, summary, tests = convolution
    scores = _scores(course, "convolution")
    correct = [s for s in scores if s.startswith("correct")]
    assert correct and not set(correct) & set(summary.timed_out)
    for student in correct:
        lost = {g: s for g, s in scores[student].items() if s[1] not in {"passed", "manual"}}
        assert not lost, (student, lost)


@needs_sandbox
@pytest.mark.slow
def test_endless_convolution_loop_costs_its_own_cells_only(convolution):
    course, _, tests = convolution
    times = _reference_times(course, "convolution", "convolution")
    result = _results(course, "convolution", "endless_loop")
    assert result["seconds"] <= max(60.0, 5 * times.notebook) + SLACK, (result["seconds"], times.notebook)
    scores = _scores(course, "convolution")["endless_loop"]
    vectorised = [g for g in tests[next(c for c in tests if "vectorized" in c)]]
    assert all(scores[g][1] == "passed" for g in vectorised), scores
    assert scores["test_conv_output_shape"] == (0.0, "timeout") and scores["test_conv_random_vs_torch"][0] == 0
