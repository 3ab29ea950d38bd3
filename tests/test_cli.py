"""The ``grader`` command: help everywhere, clear errors, export formats."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader.cli.main import COMMANDS, build_parser, main


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


@pytest.mark.parametrize("command", _subcommands())
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "usage: grader" in capsys.readouterr().out


def test_core_subcommands_exist():
    assert {"release", "autograde", "export", "validate"} <= set(_subcommands()) <= set(COMMANDS)


def test_python_dash_m_grader_works():
    proc = subprocess.run([sys.executable, "-m", "grader", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "autograde" in proc.stdout


def test_unknown_assignment_is_a_clear_error(mini_course, capsys):
    code = main(["autograde", "nope", "--course-dir", str(mini_course.root)])
    assert code == 1
    err = capsys.readouterr().err
    assert "unknown assignment" in err and "mini" in err


def test_not_a_course_dir(tmp_path, capsys):
    assert main(["release", "--course-dir", str(tmp_path)]) == 1
    assert "not a course directory" in capsys.readouterr().err


def test_export_json_and_csv(mini_course, tmp_path, capsys):
    from tests.conftest import submit
    src = json.loads((mini_course.source / "mini" / "mini.ipynb").read_text())
    submit(mini_course, "cli_ref", "mini", src)
    assert main(["autograde", "mini", "--student", "cli_ref", "--quiet", "--workers", "1",
                 "--course-dir", str(mini_course.root)]) == 0
    out_json, out_csv = tmp_path / "g.json", tmp_path / "g.csv"
    assert main(["export", "mini", "--json", str(out_json), "--csv", str(out_csv),
                 "--course-dir", str(mini_course.root)]) == 0
    data = [r for r in json.loads(out_json.read_text()) if r["student"] == "cli_ref"]
    assert {r["grade_id"] for r in data} == {"test_add", "test_scale", "q_explain"}
    for r in data:
        assert set(r) == {"student", "notebook", "grade_id", "points", "max_points", "status", "message"}
        assert r["status"] in {"passed", "failed", "error", "timeout", "missing", "manual"}
    assert sum(r["points"] for r in data) == 5.0
    assert out_csv.read_text().splitlines()[0] == "student,notebook,grade_id,points,max_points,status,message"


def test_validate_reports_failures(mini_course, tmp_path, capsys):
    import shutil
    nb = tmp_path / "mini.ipynb"
    shutil.copy(mini_course.release / "mini" / "mini.ipynb", nb)
    assert main(["validate", str(nb)]) == 1
    out = capsys.readouterr().out
    assert "test_add" in out and "YOUR CODE HERE" in out and "q_explain" in out
