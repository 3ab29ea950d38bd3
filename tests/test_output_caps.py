"""Bounded output: what one cell and one notebook may print or display, capped while it streams.

The cap itself (:class:`grader.autograde.output_cap.CappedClient`) is checked message by message,
without a kernel; then a submission that prints about 1 GB in a loop is graded with the
sandbox on: its autograded notebook stays under 5 MB, its other cells keep their marks, and
the memory grading adds stays under 1.5 GB, no grader process growing past 1 GB.
"""

from __future__ import annotations

import copy
import json

import nbformat
import pytest

from grader.autograde.engine import autograde
from grader.autograde.output_cap import CappedClient
from grader.checks.record import MIMETYPE as RECORD
from grader.export.grades import rows
from grader.notebooks import cells
from grader.sandbox import bwrap
from grader.sandbox.limits import cut_line, human_size
from tests.conftest import make_course, submit

needs_sandbox = pytest.mark.skipif(not bwrap.bwrap_path(), reason="bubblewrap is not installed")


# ---------------------------------------------------------------- the cap, message by message

def _msg(kind: str, content: dict, parent: str = "p") -> dict:
    return {"msg_type": kind, "header": {"msg_type": kind}, "parent_header": {"msg_id": parent},
            "content": content, "metadata": {}}


def _stream(text: str, name: str = "stdout") -> dict:
    return _msg("stream", {"name": name, "text": text})


def _client(cell_cap: int = 4000, notebook_cap: int = 10_000, n_cells: int = 3):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass") for _ in range(n_cells)])
    return nb, CappedClient(nb, cell_cap=cell_cap, notebook_cap=notebook_cap)


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_a_flood_keeps_head_and_tail_and_says_what_was_cut():
    nb, client = _client()
    cell = nb.cells[0]
    client.begin_cell(0, keep_records=False)
    for i in range(100_000):  # 100,000 lines, 1.2 MB
        client.output(cell.outputs, _stream(f"line {i:06d}\n"), None, 0)
        assert client.held_total <= client.cell_cap + 200  # never more than the cap in memory
    cut = client.finish_cell(0, cell)
    text = _text(cell)
    assert text.startswith("line 000000\n") and text.endswith("line 099999\n")
    assert cut > 1_000_000 and cut_line(cut).strip() in text
    assert len(text) < client.cell_cap
    assert "… 1.2 MB of output cut …" in text


def test_small_output_is_untouched_and_one_huge_message_is_cut():
    nb, client = _client()
    client.begin_cell(0, keep_records=False)
    client.output(nb.cells[0].outputs, _stream("hello\n"), None, 0)
    assert client.finish_cell(0, nb.cells[0]) == 0 and _text(nb.cells[0]) == "hello\n"
    client.begin_cell(1, keep_records=False)
    client.output(nb.cells[1].outputs, _stream("a" * 50_000 + "z" * 10), None, 1)
    client.finish_cell(1, nb.cells[1])
    text = _text(nb.cells[1])
    assert text.startswith("aaa") and text.endswith("z" * 10) and "of output cut" in text
    assert len(text) < 4000


def test_the_notebook_cap_spans_cells_and_errors_and_records_are_always_kept():
    nb, client = _client(cell_cap=4000, notebook_cap=6000, n_cells=4)
    for i in range(3):
        client.begin_cell(i, keep_records=i == 2)
        client.output(nb.cells[i].outputs, _stream("x" * 20_000), None, i)
    record = _msg("display_data", {"data": {RECORD: {"name": "v", "value": 1, "spec": {}}}, "metadata": {}})
    client.output(nb.cells[2].outputs, record, None, 2)
    error = _msg("error", {"ename": "ValueError", "evalue": "e" * 100_000, "traceback": ["frame"] * 10_000})
    client.output(nb.cells[2].outputs, error, None, 2)
    for i in range(3):
        client.finish_cell(i, nb.cells[i])
    assert sum(len(json.dumps(o)) for c in nb.cells for o in c.outputs) < 6000 + 20_000
    assert _text(nb.cells[2]).count("x") == 0  # the notebook cap was used up by the first cells
    kinds = [o.output_type for o in nb.cells[2].outputs]
    assert "error" in kinds and any(RECORD in (o.get("data") or {}) for o in nb.cells[2].outputs)
    err = next(o for o in nb.cells[2].outputs if o.output_type == "error")
    assert len(err["evalue"]) < 5000 and len(err["traceback"]) < 50


def test_clearing_output_frees_its_room():
    nb, client = _client(cell_cap=4000, notebook_cap=4000)
    client.begin_cell(0, keep_records=False)
    for _ in range(50):  # a progress display redrawn 50 times
        client.output(nb.cells[0].outputs, _stream("y" * 1000), None, 0)
        client.clear_output(nb.cells[0].outputs, _msg("clear_output", {"wait": False}), 0)
    client.output(nb.cells[0].outputs, _stream("done\n"), None, 0)
    assert client.finish_cell(0, nb.cells[0]) == 0 and _text(nb.cells[0]) == "done\n"


def test_rerunning_a_cell_releases_what_it_held():
    nb, client = _client(cell_cap=4000, notebook_cap=4000)
    for _ in range(3):  # a replay after a kernel restart runs the cell again
        client.begin_cell(0, keep_records=False)
        nb.cells[0].outputs = []
        client.output(nb.cells[0].outputs, _stream("z" * 2000), None, 0)
        client.finish_cell(0, nb.cells[0])
    assert _text(nb.cells[0]) == "z" * 2000 and client.held_total <= 2200


def test_human_sizes():
    assert human_size(973e6) == "973 MB" and human_size(1.3e6) == "1.3 MB" and human_size(12) == "12 bytes"


# ---------------------------------------------------------------- a 1 GB flood, graded

FLOOD = "for _i in range(1_000_000):\n    print('x' * 999)  # about 1 GB"
FLOOD_IN_FUNCTION = ('def scale(x, k):\n    """Return k * x, chatting a lot."""\n    for _i in range(100_000):\n'
                     '        print("scaling", "." * 990)\n    return k * np.asarray(x, dtype=float)')
BYPASS = ("import sys\n_write = type(sys.stdout).write  # around the kernel-side cap, on purpose\n"
          "for _i in range(200_000):\n    _write(sys.stdout, 'y' * 999 + '\\n')")


def _add_cell_after(nb: dict, grade_id: str, code: str) -> dict:
    nb = copy.deepcopy(nb)
    at = next(i for i, c in enumerate(nb["cells"]) if cells.grade_id(c) == grade_id)
    nb["cells"].insert(at + 1, nbformat.v4.new_code_cell(code))
    return nb


def _replace(nb: dict, grade_id: str, code: str) -> dict:
    nb = copy.deepcopy(nb)
    for c in nb["cells"]:
        if cells.grade_id(c) == grade_id:
            c["source"] = code
    return nb


@pytest.fixture(scope="module")
def flooded(mini_course, tmp_path_factory):
    import shutil

    from benchmarks.autograde_bench import PeakMemory

    course = make_course(tmp_path_factory.mktemp("flood"))
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    src = json.loads((course.source / "mini" / "mini.ipynb").read_text())
    submit(course, "ref", "mini", src)
    submit(course, "flood", "mini", _add_cell_after(src, "add_solution", FLOOD))
    submit(course, "flood_in_function", "mini", _replace(src, "scale_solution", FLOOD_IN_FUNCTION))
    submit(course, "bypass", "mini", _add_cell_after(src, "add_solution", BYPASS))
    with PeakMemory() as memory:
        summary = autograde(course, "mini", workers=2, progress=False, sandbox="on", log=lambda *_: None)
    return course, summary, memory


def _scores(course):
    out: dict = {}
    for r in rows(course, "mini"):
        out.setdefault(r["student"], {})[r["grade_id"]] = (r["points"], r["status"])
    return out


@needs_sandbox
@pytest.mark.parametrize("student", ["flood", "flood_in_function", "bypass"])
def test_a_flood_costs_no_marks_and_leaves_a_small_notebook(flooded, student):
    course, summary, _ = flooded
    assert student not in summary.timed_out and student not in summary.failed
    assert _scores(course)[student] == _scores(course)["ref"]
    [path] = (course.autograded / student / "mini").glob("*.ipynb")
    assert path.stat().st_size < 5_000_000
    assert "of output cut" in path.read_text()


@needs_sandbox
def test_the_grader_memory_stays_flat_during_a_flood(flooded):
    _, _, memory = flooded
    mib = 2**20
    print(f"baseline {memory.baseline / mib:.0f} MiB, peak {memory.peak / mib:.0f} MiB, "
          f"added {memory.added / mib:.0f} MiB, largest process {memory.largest / mib:.0f} MiB (RSS)")
    assert memory.samples > 10 and memory.baseline > 0
    # What the grading added, not what earlier tests left imported in this process.
    assert memory.added < 1.5 * 2**30, f"grading added {memory.added / mib:.0f} MiB (RSS) during a flood"
    # Where an uncapped gigabyte would land: in one worker's memory.
    assert memory.largest < 1 * 2**30, f"one grader process reached {memory.largest / mib:.0f} MiB (RSS)"
