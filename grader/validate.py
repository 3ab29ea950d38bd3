"""``grader validate``: what a student runs before handing in (like ``nbgrader validate``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.autograde.execute import SandboxConfig, execute
from grader.autograde.verdict import explain_error, first_error
from grader.notebooks import cells
from grader.notebooks.io import read_notebook
from grader.sandbox.limits import Limits


@dataclass
class Problem:
    where: str
    message: str


def validate(path: str | Path, limits: Limits | None = None) -> tuple[int, list[Problem]]:
    """Run the notebook top to bottom in its folder; return ``(tests_run, problems)``.

    Problems are failing visible tests, answer cells still unanswered, and errors in
    any other cell. The notebook file itself is not modified.
    """
    path = Path(path).resolve()
    nb = read_notebook(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    outcome = execute(nb, path.parent, limits or Limits(cell_timeout=600, notebook_timeout=3600),
                      SandboxConfig(enabled=False, env={"NBGRADER_EXECUTION": "validate"}))
    problems: list[Problem] = []
    tests = 0
    for index, cell in enumerate(outcome.notebook.cells):
        if cell.cell_type == "code" and cells.is_test(cell):
            tests += 1
        if cell.cell_type == "markdown" and cells.is_manual(cell):
            if "YOUR ANSWER HERE" in cells.source_text(cell):
                problems.append(Problem(cells.grade_id(cell) or f"cell {index + 1}",
                                        "written answer still says YOUR ANSWER HERE"))
            continue
        err = first_error(cell)
        if err:
            where = cells.grade_id(cell) or f"cell {index + 1}"
            problems.append(Problem(where, explain_error(*err)))
    if outcome.status != "ok":
        problems.append(Problem("notebook", outcome.message))
    return tests, problems
