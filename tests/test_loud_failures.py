"""Failures that used to be silent: a broken config, a kernel that cannot restart, files over the cap."""

from __future__ import annotations

import json

import nbformat
import pytest
from jupyter_client.manager import AsyncKernelManager

from grader.autograde import execute as execute_mod
from grader.autograde import worker
from grader.autograde.execute import SandboxConfig, execute
from grader.course import ConfigError, Course, CourseError
from grader.sandbox.limits import Limits

LIMITS = Limits(cell_timeout=30, notebook_timeout=120, memory_mb=2048, max_processes=64)


# ---------------------------------------------------------------- nbgrader_config.py

@pytest.mark.parametrize("body, line, what", [
    ('c = get_config()\nc.CourseDirectory.db_url = "sqlite:///x.db"\nc.Exchange.root = (\n', 3, "SyntaxError"),
    ('c = get_config()\n\nc.CourseDirectory.db_url = DB_URL\n', 3, "NameError: name 'DB_URL' is not defined"),
])
def test_broken_config_names_file_and_line(tmp_path, monkeypatch, body, line, what):
    monkeypatch.delenv("GRADER_DB_URL", raising=False)
    (tmp_path / "source").mkdir()
    config = tmp_path / "nbgrader_config.py"
    config.write_text(body)
    course = Course.at(tmp_path)
    with pytest.raises(ConfigError) as err:
        course.db_url
    assert isinstance(err.value, CourseError)  # the CLI prints it as `grader: error: ...`
    msg = str(err.value)
    assert f"{config.resolve()}, line {line}: {what}" in msg and "db_url" in msg
    monkeypatch.setenv("GRADER_DB_URL", "sqlite:///elsewhere.db")  # the way round it, as the message says
    assert course.db_url == "sqlite:///elsewhere.db"


def test_cli_reports_broken_config(tmp_path, monkeypatch, capsys):
    from grader.cli.main import main

    monkeypatch.delenv("GRADER_DB_URL", raising=False)
    (tmp_path / "source" / "a1").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "source" / "a1" / "a1.ipynb")
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.db_url = 'x' +\n")
    (tmp_path / "submitted" / "s1" / "a1").mkdir(parents=True)
    code = main(["autograde", "a1", "--course-dir", str(tmp_path), "--sandbox", "off"])
    err = capsys.readouterr().err
    assert code == 1 and "nbgrader_config.py, line 2: SyntaxError" in err


# ---------------------------------------------------------------- a kernel that cannot restart

class _NoKernel(AsyncKernelManager):
    async def start_kernel(self, **kw):  # type: ignore[override]
        raise RuntimeError("no kernel for you (simulated)")


def test_failed_restart_marks_every_remaining_cell(tmp_path, monkeypatch):
    real = execute_mod._Run._manager

    def manager(self, attempt):
        return real(self, attempt) if attempt == 0 else _NoKernel(kernel_name="python3")

    monkeypatch.setattr(execute_mod._Run, "_manager", manager)
    code = ["x = 1", "import os\nos._exit(3)", "y = x + 1", "print(y)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in code]
                                  + [nbformat.v4.new_markdown_cell("the end")])
    outcome = execute(nb, tmp_path, LIMITS, SandboxConfig(enabled=False))
    marks = outcome.marks
    assert 0 not in marks and marks[1].status == "died"
    for i in (2, 3):
        assert marks[i].status == "error"
        assert "could not be restarted" in marks[i].message and "no kernel for you (simulated)" in marks[i].message
    assert 4 not in marks  # markdown: nothing to mark
    assert outcome.notebook.cells[3].outputs[-1]["evalue"] == marks[3].message  # the student sees it
    assert not any("grader_status" in c.metadata for c in outcome.notebook.cells)  # data, not metadata


# ---------------------------------------------------------------- files over the submission cap

def test_files_over_the_cap_are_listed(mini_course, monkeypatch):
    src = json.loads((mini_course.source / "mini" / "mini.ipynb").read_text())
    src["cells"].append(nbformat.v4.new_code_cell("import os\nprint(sorted(os.listdir('.')))"))
    nb_bytes = json.dumps(src).encode()
    files = {"mini.ipynb": nb_bytes, "a.bin": b"a" * 600, "b.bin": b"b" * 600, "c.txt": b"c" * 10}
    monkeypatch.setattr(worker, "MAX_SUBMISSION_BYTES", len(nb_bytes) + 700)
    task = worker.Task(student="s", assignment="mini", fingerprint="f", files=files,
                       sources={"mini": (mini_course.source / "mini" / "mini.ipynb").read_text()},
                       releases={}, release_files={}, references={}, limits=LIMITS, sandbox=False)
    result = worker.grade_submission(task, slot=0)
    entry = result["notebooks"][0]
    assert result["skipped_files"] == entry["skipped_files"] == ["b.bin", "c.txt"]
    for msg in (result["message"], entry["message"]):
        assert "2 file(s) were not copied" in msg and "b.bin, c.txt" in msg
    executed = nbformat.reads(result["executed"]["mini"], as_version=4)
    listing = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    assert "'a.bin'" in listing and "b.bin" not in listing and "c.txt" not in listing
