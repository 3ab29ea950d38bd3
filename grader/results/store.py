"""The one place that reads and writes ``autograded/<student>/<assignment>/results.json``.

Writes are atomic (a temporary name, then a rename), and ``results.json`` is written
last, so its fingerprint marks a submission as done. Reads never raise for a damaged
file: it becomes an ``error`` result that says so. Manual grades come from nbgrader's
gradebook and are laid over with :meth:`SubmissionResult.with_manual`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from grader.results.model import SubmissionResult

RESULTS = "results.json"


def path(course, student: str, assignment: str) -> Path:
    return Path(course.autograded) / student / assignment / RESULTS


def atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def write(course, result: dict) -> Path:
    """Write one result (the pipeline's dict, ``executed`` notebooks left out) as results.json."""
    target = path(course, result["student"], result["assignment"])
    atomic_write(target, json.dumps({k: v for k, v in result.items() if k != "executed"}, indent=1))
    return target


def read_raw(course, student: str, assignment: str) -> dict | None:
    try:
        data = json.loads(path(course, student, assignment).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def fingerprint(course, student: str, assignment: str) -> str | None:
    """The fingerprint of the stored result (None: not graded, or the file is damaged)."""
    data = read_raw(course, student, assignment)
    value = data.get("fingerprint") if data else None
    return value if isinstance(value, str) else None


def students(course, assignment: str) -> list[str]:
    root = Path(course.autograded)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / assignment / RESULTS).is_file())


def read(course, student: str, assignment: str) -> SubmissionResult:
    target = path(course, student, assignment)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return SubmissionResult(student, assignment, "error", f"unreadable results.json: {exc}")
    return SubmissionResult.from_json(data, student, assignment)


def read_all(course, assignment: str, *, manual: bool = True) -> dict[str, SubmissionResult]:
    """Every stored result of ``assignment`` by student, with manual grades laid over them."""
    results = {s: read(course, s, assignment) for s in students(course, assignment)}
    if manual:
        from grader.gradebook import manual_scores

        scores = manual_scores(course, assignment)
        for result in results.values():
            result.with_manual(scores)
    return results
