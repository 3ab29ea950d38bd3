"""Grades per student and graded cell, as JSON, CSV or a terminal table."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from grader.autograde.plan import RESULTS
from grader.course import Course
from grader.gradebook import manual_scores

FIELDS = ["student", "notebook", "grade_id", "points", "max_points", "status", "message"]


def rows(course: Course, assignment: str) -> list[dict]:
    """One row per student and graded cell, from ``autograded/*/<assignment>/results.json``."""
    manual = manual_scores(course, assignment)
    out = []
    for path in sorted(course.autograded.glob(f"*/{assignment}/{RESULTS}")):
        if path.parts[-3].startswith("."):
            continue
        data = json.loads(path.read_text())
        for entry in data["notebooks"]:
            for cell in entry["cells"]:
                row = {k: cell.get(k) for k in FIELDS if k in cell}
                row["student"] = data["student"]
                key = (data["student"], cell["notebook"], cell["grade_id"])
                if key in manual:
                    row["points"] = manual[key]
                out.append({k: row.get(k, "") for k in FIELDS})
    return out


def write_json(rows_: list[dict], path: Path) -> None:
    path.write_text(json.dumps(rows_, indent=1) + "\n", encoding="utf-8")


def write_csv(rows_: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows_)


def totals(rows_: list[dict]) -> dict[str, tuple[float, float]]:
    """``student -> (points, max_points)`` over automatically and manually graded cells."""
    out: dict[str, tuple[float, float]] = {}
    for r in rows_:
        p, m = out.get(r["student"], (0.0, 0.0))
        out[r["student"]] = (p + float(r["points"] or 0), m + float(r["max_points"] or 0))
    return out


def table(rows_: list[dict]) -> str:
    """A plain-text table: one line per student, one column per graded cell, and the total."""
    if not rows_:
        return "(no graded submissions)"
    cols = list(dict.fromkeys(f"{r['notebook']}:{r['grade_id']}" for r in rows_))
    students = list(dict.fromkeys(r["student"] for r in rows_))
    cell = {(r["student"], f"{r['notebook']}:{r['grade_id']}"): r for r in rows_}
    short = [c.split(":", 1)[1] for c in cols]
    width = max(len(s) for s in students + ["student"])
    lines = [f"{'student':<{width}}  {'total':>11}  " + "  ".join(short)]
    sums = totals(rows_)
    for s in students:
        p, m = sums[s]
        marks = []
        for c, label in zip(cols, short):
            r = cell.get((s, c))
            if r is None:
                text = "-"
            elif r["status"] == "manual":
                text = "manual"
            else:
                text = f"{float(r['points']):g}/{float(r['max_points']):g}"
                if r["status"] in {"timeout", "error", "missing"}:
                    text += f" {r['status']}"
            marks.append(f"{text:>{len(label)}}")
        lines.append(f"{s:<{width}}  {f'{p:g}/{m:g}':>11}  " + "  ".join(marks))
    return "\n".join(lines)
