"""Releases: in sync with source, built from authoring/, and never leaking a solution or hidden test."""

from __future__ import annotations

import json

import pytest

from grader.course import Course
from grader.notebooks.authoring import parse, sources
from grader.release.generate import ReleaseLeakError, generate, release
from grader.release.leaks import find_leaks
from tests.conftest import FIXTURES, ROOT, make_course

COURSE = Course.at(ROOT)
ASSIGNMENTS = COURSE.assignments()


@pytest.mark.parametrize("src,dest", sources(ROOT), ids=lambda p: p.name)
def test_source_notebook_is_built_from_authoring(src, dest):
    assert dest.exists(), f"{dest} missing: run python -m grader.notebooks.authoring"
    import nbformat
    expected = nbformat.writes(parse(src.read_text(), str(src))) + "\n"
    assert dest.read_text() == expected, f"{dest} is stale: run python -m grader.notebooks.authoring"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_leak(assignment):
    folder = ROOT / "release" / assignment
    assert folder.is_dir(), f"release/{assignment} missing: run grader release {assignment}"
    assert find_leaks(ROOT / "source" / assignment, folder) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_not_stale(assignment, tmp_path):
    course = make_course(tmp_path, [assignment])
    fresh = generate(course, assignment, tmp_path / "fresh")
    committed = ROOT / "release" / assignment
    fresh_files = {p.relative_to(fresh): p for p in fresh.rglob("*") if p.is_file()}
    committed_files = {p.relative_to(committed): p for p in committed.rglob("*") if p.is_file()}
    assert set(fresh_files) == set(committed_files), f"release/{assignment} is stale: run grader release"
    for rel, path in fresh_files.items():
        assert path.read_bytes() == committed_files[rel].read_bytes(), \
            f"release/{assignment}/{rel} is stale: run grader release {assignment}"


def test_leak_detector_finds_solution_and_hidden_lines(mini_course, tmp_path):
    released = mini_course.release / "mini" / "mini.ipynb"
    nb = json.loads(released.read_text())
    assert find_leaks(mini_course.source / "mini", released.parent) == []
    nb["cells"][2]["source"] = "def add(a, b):\n    return np.add(a, b)\n"
    nb["cells"][3]["source"] = "_got = record(\"add_arrays\", add(_x, 2 * _x))\n"
    leak_dir = tmp_path / "mini"
    leak_dir.mkdir()
    (leak_dir / "mini.ipynb").write_text(json.dumps(nb))
    (leak_dir / "notes.md").write_text("### BEGIN HIDDEN TESTS\n")
    whys = {(leak.file.split("/")[-1], leak.why) for leak in find_leaks(mini_course.source / "mini", leak_dir)}
    assert ("mini.ipynb", "line from a solution or hidden test") in whys
    assert ("notes.md", "nbgrader marker left in the release") in whys


def test_release_refuses_a_leaking_source_and_keeps_the_old_release(tmp_path):
    course = make_course(tmp_path)
    text = (FIXTURES / "mini.nbsrc").read_text()
    # A helper file that copies a hidden test into what students get.
    (course.source / "mini").mkdir()
    from grader.notebooks.authoring import build
    build(FIXTURES / "mini.nbsrc", course.source / "mini" / "mini.ipynb")
    release(course, ["mini"], log=lambda *_: None)
    before = (course.release / "mini" / "mini.ipynb").read_bytes()
    hidden = [line for line in text.splitlines() if "add_arrays" in line][0]
    (course.source / "mini" / "helpers.py").write_text(hidden + "\n")
    with pytest.raises(ReleaseLeakError, match="refusing to release mini"):
        release(course, ["mini"], log=lambda *_: None)
    assert (course.release / "mini" / "mini.ipynb").read_bytes() == before
    assert not (course.release / "mini" / "helpers.py").exists()
