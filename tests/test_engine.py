"""The grading engine on the ``mini`` fixture: broken and hostile submissions, parallel = serial, resume."""

from __future__ import annotations

import copy
import json
import sqlite3
import subprocess

import pytest

from grader.autograde.engine import autograde
from grader.export.grades import rows
from grader.notebooks import cells
from grader.sandbox import bwrap
from grader.sandbox.limits import Limits
from tests.conftest import make_course, submit

LIMITS = Limits(cell_timeout=8, notebook_timeout=90, memory_mb=1536, max_processes=64)
WRONG_ADD = "def add(a, b):\n    return np.subtract(a, b) if np.ndim(a) else a + b\n"


def _nb(course, kind="source"):
    folder = course.source if kind == "source" else course.release
    return json.loads((folder / "mini" / "mini.ipynb").read_text())


def _with(nb, grade_id, code, append=True):
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cells.grade_id(cell) == grade_id:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = (src + "\n" + code) if append else code
    return nb


def _scores(course, assignment="mini"):
    out = {}
    for r in rows(course, assignment):
        out.setdefault(r["student"], {})[r["grade_id"]] = (r["points"], r["status"])
    return out


@pytest.fixture(scope="module")
def hostile_course(mini_course, tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("hostile"))
    import shutil
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    src, rel = _nb(course), _nb(course, "release")
    secret = str(course.source / "mini" / "mini.ipynb")
    other = str(course.submitted / "ref" / "mini" / "mini.ipynb")
    gradebook = str(course.root / "gradebook.db")
    submit(course, "ref", "mini", src)
    submit(course, "blank", "mini", rel)
    attacks = {
        "malformed_json": None,
        "endless_loop": "while True:\n    pass",
        "loop_ignoring_sigint": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        "memory_bomb": "_hog = []\nwhile True:\n    _hog.append(bytearray(50 * 2**20))",
        "fork_bomb": ("import os, time\ntry:\n    while True:\n        if os.fork() == 0:\n"
                      "            time.sleep(30)\n            os._exit(0)\nexcept OSError:\n    pass"),
        "os_exit": "import os\nos._exit(3)",
        "segfault": "import ctypes\nctypes.string_at(0)",
        "leftover_process": "import subprocess\nsubprocess.Popen(['sleep', '600'], start_new_session=True)",
        "read_other_student": f"try:\n    open({other!r}).read()\n    add = lambda a, b: a + b\nexcept OSError:\n"
                              f"    {WRONG_ADD.replace(chr(10), chr(10) + '    ')}",
        "read_source_and_gradebook": (f"try:\n    open({secret!r}).read(); open({gradebook!r}, 'rb').read()\n"
                                      "    LEAKED = True\nexcept OSError:\n    LEAKED = False\n"
                                      "if not LEAKED:\n    def add(a, b):\n        return a * 0"),
        "write_outside": f"open({str(course.root / 'pwned.txt')!r}, 'w').write('x')",
        "kill_grader": "import os, signal\nfor _pid in range(1, 4096):\n    try:\n        os.kill(_pid, signal.SIGKILL)\n"
                       "    except Exception:\n        pass",
        "patch_allclose": WRONG_ADD + "import numpy\nnumpy.allclose = lambda *a, **k: True",
        "blank_later_cells": WRONG_ADD + "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])",
    }
    for name, code in attacks.items():
        if code is None:
            submit(course, name, "mini", None, raw='{"cells": [')
        else:
            submit(course, name, "mini", _with(src, "add_solution", code))
    summary = autograde(course, "mini", limits=LIMITS, workers=2, progress=False, sandbox="on",
                        log=lambda *_: None)
    return course, summary, attacks


needs_sandbox = pytest.mark.skipif(not bwrap.bwrap_path(), reason="bubblewrap is not installed")


@needs_sandbox
def test_batch_finishes_and_reference_keeps_full_marks(hostile_course):
    course, summary, attacks = hostile_course
    scores = _scores(course)
    assert set(scores) == {"ref", "blank", *attacks}
    assert scores["ref"]["test_add"] == (2.0, "passed") and scores["ref"]["test_scale"] == (3.0, "passed")
    assert scores["blank"]["test_add"][0] == 0 and scores["blank"]["test_scale"][0] == 0
    assert summary.failed == ["malformed_json"]
    assert "not valid JSON" in summary.messages["malformed_json"]


@needs_sandbox
@pytest.mark.parametrize("student", ["patch_allclose", "blank_later_cells", "read_other_student",
                                     "read_source_and_gradebook"])
def test_attacks_earn_no_marks_for_add(hostile_course, student):
    course, _, _ = hostile_course
    points, status = _scores(course)[student]["test_add"]
    assert points == 0 and status == "failed", (student, status)


@needs_sandbox
def test_interrupted_loop_keeps_what_was_defined(hostile_course):
    """An endless loop after a correct ``add`` is interrupted; ``add`` still earns its marks."""
    course, _, _ = hostile_course
    scores = _scores(course)["endless_loop"]
    assert scores["test_add"] == (2.0, "passed") and scores["test_scale"] == (3.0, "passed")


@needs_sandbox
@pytest.mark.parametrize("student", ["loop_ignoring_sigint", "os_exit", "segfault", "kill_grader"])
def test_crashing_cell_costs_only_its_own_marks(hostile_course, student):
    """The broken answer cell is add's; scale is still graded in a fresh kernel."""
    course, _, _ = hostile_course
    scores = _scores(course)[student]
    assert scores["test_add"][0] == 0
    assert scores["test_scale"] == (3.0, "passed"), scores
    data = json.loads((course.autograded / student / "mini" / "results.json").read_text())
    add = next(c for c in data["notebooks"][0]["cells"] if c["grade_id"] == "test_add")
    assert add["message"], "a failed cell must say why"


@needs_sandbox
def test_contained_attacks_keep_their_honest_marks(hostile_course):
    course, _, _ = hostile_course
    scores = _scores(course)
    assert _scores(course)["memory_bomb"]["test_scale"] == (3.0, "passed")
    for student in ["fork_bomb", "leftover_process", "write_outside"]:
        assert scores[student]["test_add"] == (2.0, "passed"), (student, scores[student])
    assert not (course.root / "pwned.txt").exists()


@needs_sandbox
def test_no_process_survives_and_gradebook_is_intact(hostile_course):
    course, _, _ = hostile_course
    import time
    for _ in range(50):  # kernels shut down asynchronously: allow a few seconds
        ps = subprocess.run(["ps", "-eo", "uid=,args="], capture_output=True, text=True).stdout
        leftovers = [line for line in ps.splitlines()
                     if line.split() and bwrap.BASE_UID < int(line.split()[0]) <= bwrap.BASE_UID + 1000]
        if not leftovers:
            break
        time.sleep(0.1)
    assert leftovers == []
    with sqlite3.connect(course.root / "gradebook.db") as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        n = db.execute("select count(*) from submitted_assignment").fetchone()[0]
    assert n == len(_scores(course))  # every submission, the malformed one too (with zeros)
    

@pytest.fixture(scope="module")
def mixed_course(mini_course, tmp_path_factory):
    import shutil
    course = make_course(tmp_path_factory.mktemp("mixed"))
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    src = _nb(course)
    submit(course, "ref", "mini", src)
    submit(course, "blank", "mini", _nb(course, "release"))
    submit(course, "wrong", "mini", _with(src, "add_solution", WRONG_ADD))
    submit(course, "renamed", "mini", src, name="Copy of mini.ipynb")
    no_tests = copy.deepcopy(src)
    no_tests["cells"] = [c for c in no_tests["cells"] if not cells.grade_id(c) == "test_scale"]
    submit(course, "deleted_test", "mini", no_tests)
    edited = _with(src, "test_add", "pass  # the student emptied the test", append=False)
    edited = _with(edited, "add_solution", WRONG_ADD)
    submit(course, "edited_test", "mini", edited)
    dup = copy.deepcopy(src)
    dup["cells"].append(copy.deepcopy(next(c for c in src["cells"] if cells.grade_id(c) == "test_add")))
    submit(course, "duplicated_test", "mini", dup)
    (course.submitted / "no_notebook" / "mini").mkdir(parents=True)
    (course.submitted / "no_notebook" / "mini" / "notes.txt").write_text("I forgot the notebook")
    split = copy.deepcopy(src)
    i = next(k for k, c in enumerate(split["cells"]) if cells.grade_id(c) == "test_scale")
    text = "".join(split["cells"][i]["source"])
    first, second = text[: len(text) // 2], text[len(text) // 2:]
    tail = copy.deepcopy(split["cells"][i])
    tail["source"], tail["metadata"] = "# " + second.replace("\n", "\n# "), {}
    split["cells"][i]["source"] = first + "\n# (split here)"
    split["cells"].insert(i + 1, tail)
    submit(course, "split_test", "mini", _with(split, "scale_solution", WRONG_ADD.replace("add", "scale")))
    return course


def test_mixed_batch_statuses(mixed_course):
    autograde(mixed_course, "mini", limits=LIMITS, workers=2, progress=False, log=lambda *_: None)
    scores = _scores(mixed_course)
    assert scores["ref"]["test_add"] == (2.0, "passed")
    assert scores["renamed"]["test_add"] == (2.0, "passed")
    assert scores["deleted_test"]["test_scale"] == (3.0, "passed")  # restored from source and graded
    assert scores["edited_test"]["test_add"][0] == 0                   # the edit is undone
    assert scores["duplicated_test"]["test_add"] == (2.0, "passed")
    assert scores["split_test"]["test_scale"] == (0.0, "failed")    # restored whole, and still catches
    assert scores["split_test"]["test_add"] == (2.0, "passed")
    assert scores["no_notebook"]["test_add"] == (0.0, "missing")
    assert scores["wrong"]["test_add"][0] == 0 and scores["wrong"]["test_scale"][0] == 3
    assert scores["blank"]["test_add"][1] == "failed"
    msg = next(r["message"] for r in rows(mixed_course, "mini") if r["student"] == "blank")
    assert "NotImplementedError" in msg and "YOUR CODE HERE" in msg


def test_resume_skips_graded_and_force_regrades_identically(mixed_course):
    first = _scores(mixed_course)
    again = autograde(mixed_course, "mini", limits=LIMITS, workers=2, progress=False, log=lambda *_: None)
    assert again.graded == [] and len(again.skipped) == len(first)
    forced = autograde(mixed_course, "mini", limits=LIMITS, backend="serial", force=True, progress=False,
                       log=lambda *_: None)
    assert len(forced.graded) + len(forced.failed) == len(first) and forced.failed == ["no_notebook"]
    assert _scores(mixed_course) == first  # serial == parallel, and repeatable


def test_changed_submission_is_regraded(mixed_course):
    src = _nb(mixed_course)
    submit(mixed_course, "wrong", "mini", src)  # the student fixed it
    summary = autograde(mixed_course, "mini", limits=LIMITS, progress=False, workers=1, log=lambda *_: None)
    assert summary.graded == ["wrong"]
    assert _scores(mixed_course)["wrong"]["test_add"] == (2.0, "passed")


def _front_end_variants(src: dict) -> dict[str, dict]:
    """The same correct notebook as other front ends save it."""
    colab = copy.deepcopy(src)
    colab["metadata"] = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"},
                         "accelerator": "GPU"}
    for c in colab["cells"]:
        c.pop("id", None)
        c["metadata"]["id"] = "x" + str(abs(hash(str(c["source"]))))[:8]
    colab["nbformat_minor"] = 0
    vscode = copy.deepcopy(src)
    vscode["metadata"]["vscode"] = {"interpreter": {"hash": "abc"}}
    for c in vscode["cells"]:
        src_text = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        c["source"] = src_text.splitlines(keepends=True)
        if c["cell_type"] == "code":
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["stale output\n"]}]
            c["execution_count"] = 7
    classic = copy.deepcopy(src)
    classic["nbformat_minor"] = 4
    for c in classic["cells"]:
        c.pop("id", None)
    return {"colab": colab, "vscode": vscode, "classic": classic}


def test_notebooks_from_other_front_ends_and_noisy_cells(mini_course, tmp_path):
    import shutil
    course = make_course(tmp_path)
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    src = _nb(course)
    for name, nb in _front_end_variants(src).items():
        submit(course, name, "mini", nb)
    noisy = ("import sys, warnings\n_add = add\ndef add(a, b):\n"
             "    warnings.warn('this is slow'); print('debug', file=sys.stderr)\n    return _add(a, b)\n")
    submit(course, "noisy", "mini", _with(src, "add_solution", noisy))
    autograde(course, "mini", limits=LIMITS, workers=2, progress=False, log=lambda *_: None)
    scores = _scores(course)
    for student in ["colab", "vscode", "classic", "noisy"]:
        assert scores[student]["test_add"] == (2.0, "passed"), (student, scores[student])
        assert scores[student]["test_scale"] == (3.0, "passed"), (student, scores[student])


def test_external_dask_cluster_gives_the_same_grades(mixed_course, tmp_path):
    """A cluster of several local worker processes, reached by its scheduler address."""
    import shutil

    from distributed import LocalCluster

    course = make_course(tmp_path)
    shutil.copytree(mixed_course.source / "mini", course.source / "mini")
    shutil.copytree(mixed_course.release / "mini", course.release / "mini")
    shutil.copytree(mixed_course.submitted, course.submitted)
    expected = _scores(mixed_course)
    with LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0, silence_logs=40) as cluster:
        summary = autograde(course, "mini", limits=LIMITS, scheduler=cluster.scheduler_address,
                            progress=False, log=lambda *_: None)
    assert len(summary.graded) + len(summary.failed) == len(expected)
    assert _scores(course) == expected


def test_ctrl_c_loses_no_finished_grade_and_rerun_completes(mini_course, tmp_path):
    """Interrupt ``grader autograde`` mid-batch: what was stored stays, a rerun grades only the rest."""
    import shutil
    import signal
    import sys
    import time

    course = make_course(tmp_path)
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    src = _nb(course)
    slow = _with(src, "scale_solution", "import time\ntime.sleep(4)")
    for i in range(6):
        submit(course, f"s{i}", "mini", src if i == 0 else slow)
    proc = subprocess.Popen([sys.executable, "-m", "grader", "autograde", "mini", "--workers", "1", "--quiet",
                             "--course-dir", str(course.root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(course.autograded.glob("*/mini/results.json")):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    done = {p.parts[-3] for p in course.autograded.glob("*/mini/results.json")}
    assert 1 <= len(done) < 6, err
    stored = _scores(course)
    summary = autograde(course, "mini", limits=LIMITS, workers=2, progress=False, log=lambda *_: None)
    assert sorted(summary.skipped) == sorted(done)
    assert sorted(summary.graded) == sorted({f"s{i}" for i in range(6)} - done)
    after = _scores(course)
    assert all(after[s] == stored[s] for s in done)
    assert all(after[f"s{i}"]["test_scale"] == (3.0, "passed") for i in range(6))
