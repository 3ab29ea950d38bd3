"""The student bundle (``bundles/<assignment>.zip``): what ships, what never does, and that it runs.

A student unpacks the archive into an empty folder and opens the notebook; nothing of the
repository is around it. The bundle must hold no solution, no hidden test and no file of
``source/``, ``authoring/`` or ``tests/variants/``; the notebook must find its helper files and
data, and ``grader validate`` must work there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import nbformat
import pytest

from grader.course import Course
from grader.notebooks import cells
from grader.release.bundle import NOTEBOOKS, bundle_path, members, write_bundle
from grader.release.generate import release
from grader.release.leaks import find_leaks
from tests.conftest import ROOT, make_course

COURSE = Course.at(ROOT)
ASSIGNMENTS = COURSE.assignments()


def _private_files() -> dict[bytes, str]:
    """Bytes of every file a student must never get -> where it lives."""
    out = {}
    for pattern in ("authoring/**/*", "tests/variants/**/*", "source/*/*.ipynb"):
        for path in ROOT.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts:
                out[path.read_bytes()] = str(path.relative_to(ROOT))
    return out


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, zipfile.ZipFile]:
    """Every assignment's bundle, built from the committed release/ and data/."""
    out = {}
    folder = tmp_path_factory.mktemp("bundles")
    for a in ASSIGNMENTS:
        out[a] = zipfile.ZipFile(write_bundle(COURSE, a, folder / f"{a}.zip"))
    return out


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_bundle_holds_the_release_and_data_and_nothing_private(assignment, bundles, tmp_path):
    zf = bundles[assignment]
    names = zf.namelist()
    private = _private_files()
    release_dir, data_dir = ROOT / "release" / assignment, ROOT / "data" / assignment
    shipped = {f"{NOTEBOOKS}/{assignment}/{p.relative_to(release_dir).as_posix()}"
               for p in release_dir.rglob("*") if p.is_file()}
    assert shipped <= set(names), "every released notebook and helper file is in the bundle"
    if data_dir.is_dir():  # the data and its provenance; not the scripts that made it
        assert {f"data/{assignment}/{p.relative_to(data_dir).as_posix()}"
                for p in data_dir.rglob("*") if p.is_file() and p.suffix not in {".py", ".sh"}} <= set(names)
    for name in names:
        top = name.split("/")[0]
        assert top in {NOTEBOOKS, "data", f"README-{assignment}.md"}, name
        assert not name.startswith(("source/", "authoring/", "tests/")) and not name.endswith(".nbsrc"), name
        data = zf.read(name)
        assert data not in private, f"{name} is a copy of {private.get(data)}"
        text = data.decode("utf-8", errors="replace")
        for marker in cells.MARKERS:
            assert marker not in text, f"{name} holds {marker!r}"
    # no solution or hidden-test line anywhere (the release's own leak check, on the unpacked bundle)
    zf.extractall(tmp_path / "unpacked")
    assert find_leaks(ROOT / "source" / assignment, tmp_path / "unpacked") == []
    # no solution cell still has its solution
    for name in (n for n in names if n.endswith(".ipynb")):
        nb = nbformat.reads(zf.read(name).decode(), as_version=4)
        for cell in nb.cells:
            if cells.is_solution(cell) and cell.cell_type == "code":
                assert "YOUR CODE HERE" in cells.source_text(cell), (name, cells.grade_id(cell))


def test_bundle_is_reproducible_and_written_by_release(mini_course, tmp_path):
    path = bundle_path(mini_course, "mini")
    assert path.is_file(), "grader release writes bundles/<assignment>.zip"
    again = write_bundle(mini_course, "mini", tmp_path / "mini.zip")
    assert again.read_bytes() == path.read_bytes()
    assert sorted(zipfile.ZipFile(path).namelist()) == sorted(members(mini_course, "mini"))
    # a release without bundles leaves none behind
    course = make_course(tmp_path / "nob")
    (course.source / "mini").mkdir(parents=True)
    (course.source / "mini" / "mini.ipynb").write_bytes((mini_course.source / "mini" / "mini.ipynb").read_bytes())
    release(course, ["mini"], log=lambda *_: None, bundles=False)
    assert not bundle_path(course, "mini").exists()


def test_mlp_data_is_found_from_the_bundle(bundles, tmp_path):
    """mnist_data.py looks for ../../data next to itself: the bundle's data/mlp."""
    if "mlp" not in bundles:
        pytest.skip("no mlp assignment")
    bundles["mlp"].extractall(tmp_path / "student")
    code = ("import mnist_data, sys; X, y, where = mnist_data._read_subset(); "
            "print(len(X), where)")
    env = {k: v for k, v in os.environ.items() if k != "COURSE_DATA"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "student" / NOTEBOOKS / "mlp",
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "course copy" in proc.stdout and str(tmp_path / "student" / "data" / "mlp") in proc.stdout


@pytest.fixture(scope="module")
def student_folder(bundles, tmp_path_factory):
    """The convolution bundle unpacked into an empty folder, as a student would."""
    folder = tmp_path_factory.mktemp("student")
    assert not any(folder.iterdir())
    bundles["convolution"].extractall(folder)
    return folder


def test_the_notebook_runs_from_an_empty_folder(student_folder):
    from nbclient import NotebookClient

    path = student_folder / NOTEBOOKS / "convolution" / "convolution.ipynb"
    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.pop("COURSE_DATA", None)
    try:
        NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        if env_before is not None:
            os.environ["COURSE_DATA"] = env_before
    errors = {}
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors[i] = out["ename"]
    # the stubs raise NotImplementedError, and so does every cell that calls them; nothing else fails
    assert errors and set(errors.values()) == {"NotImplementedError"}, errors
    provided = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                and not cells.is_solution(c) and not cells.is_test(c)]
    assert provided
    first_stub = min(i for i, c in enumerate(nb.cells) if cells.is_solution(c) and c.cell_type == "code")
    assert all(i not in errors for i in provided if i < first_stub), errors  # the set-up cells all ran
    assert all(nb.cells[i].get("execution_count") for i in provided)


def test_grader_validate_works_in_the_bundle(student_folder):
    path = student_folder / NOTEBOOKS / "convolution" / "convolution.ipynb"
    env = {k: v for k, v in os.environ.items() if k != "COURSE_DATA"}
    proc = subprocess.run([sys.executable, "-m", "grader", "validate", str(path)], cwd=student_folder,
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # a blank notebook is not ready to hand in
    assert "problem(s)" in proc.stdout and "YOUR CODE HERE" in proc.stdout, proc.stdout
    assert "No such file" not in proc.stdout and "ModuleNotFoundError" not in proc.stdout
