"""Grade reports for one assignment: an HTML page with plots, and CSV tables.

``grader report ASSIGNMENT`` writes, under ``reports/<assignment>/`` by default:

* ``report.html``: summary, score histogram, per-cell pass rates (plot and table),
  the most common failure messages, and the submissions that could not be graded;
* ``cells.csv``, ``students.csv``, ``failures.csv``, ``ungraded.csv``: the same numbers.

Scores come from the gradebook where it has them (manual grades entered in formgrader
live only there: ``manual_score`` when set, else ``auto_score``); test outcomes and
messages come from the engine's ``autograded/<student>/<assignment>/results.json``.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grader.results import store as results_store
from grader.results.model import FAILURES, Status, SubmissionResult

PASS = Status.PASSED


# --------------------------------------------------------------------------- loading

Submission = SubmissionResult  # one student's result, as every export reads it


def _submitted_students(course, assignment: str) -> list[str]:
    root = Path(course.submitted)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if not p.name.startswith(".") and (p / assignment).is_dir())


def load_submissions(course, assignment: str) -> list[Submission]:
    """Every submission of ``assignment``: graded, failed, or submitted but not yet graded.

    Points: the stored results with the gradebook's manual scores on top
    (:mod:`grader.results.store`); a written answer nobody graded yet has ``points`` None.
    """
    subs = results_store.read_all(course, assignment)
    for student in _submitted_students(course, assignment):
        if student not in subs:
            subs[student] = Submission(student, assignment, "ungraded", "submitted but not autograded yet")
    return [subs[k] for k in sorted(subs)]


# --------------------------------------------------------------------------- numbers

@dataclass
class CellStats:
    notebook: str
    grade_id: str
    kind: str
    max_points: float
    graded: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    pending: int = 0
    points: list[float] = field(default_factory=list)

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.graded if self.graded else None

    @property
    def mean_points(self) -> float | None:
        return statistics.fmean(self.points) if self.points else None


def cell_stats(subs: list[Submission]) -> list[CellStats]:
    """Per graded cell, over the submissions that were graded."""
    stats: dict[tuple[str, str], CellStats] = {}
    for s in subs:
        for c in s.cells:
            key = (c.notebook, c.grade_id)
            st = stats.get(key)
            if st is None:
                st = stats[key] = CellStats(c.notebook, c.grade_id, c.kind, c.max_points)
            st.max_points = max(st.max_points, c.max_points)
            if c.kind == "manual" and c.points is None:
                st.pending += 1
                continue
            st.graded += 1
            st.points.append(c.points or 0.0)
            if c.passed:
                st.passed += 1
            elif c.status in ("error", "timeout", "missing"):
                st.errors += 1
            else:
                st.failed += 1
    return list(stats.values())


def failure_messages(subs: list[Submission], top: int = 15) -> list[tuple[str, str, int, list[str]]]:
    """The most common ``(grade_id, message, count, students)`` among failed tests."""
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s in subs:
        for c in s.cells:
            if c.kind == "auto" and c.status in FAILURES:
                msg = (c.message or c.status).strip().splitlines()
                seen[(c.grade_id, (msg[0] if msg else c.status)[:300])].append(s.student)
    ranked = sorted(seen.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [(gid, msg, len(st), st) for (gid, msg), st in ranked[:top]]


def ungraded(subs: list[Submission]) -> list[tuple[str, str, str]]:
    """``(student, status, reason)`` of submissions that could not be (fully) graded."""
    out = []
    for s in subs:
        probs = s.problems
        if probs:
            out.append((s.student, s.status if s.status != "graded" else "partly graded",
                        "; ".join(probs)))
    return out


def _fmt(x, digits=2):
    if x is None:
        return ""
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


# --------------------------------------------------------------------------- plots

def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _histogram(totals: list[float], max_total: float, assignment: str) -> str:
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    if totals:
        import math

        top = max(max_total, max(totals), 1.0)
        step = 1.0 if top <= 20 else math.ceil(top / 20)
        edges = [i * step for i in range(int(math.ceil(top / step)) + 1)]
        ax.hist(totals, bins=edges, color="#2b6cb0", edgecolor="white")
        ax.set_xlim(0, edges[-1])
    ax.set_xlabel(f"total score (out of {_fmt(max_total)})")
    ax.set_ylabel("submissions")
    ax.set_title(f"{assignment}: score distribution ({len(totals)} graded)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def _pass_rates(stats: list[CellStats]) -> str:
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    shown = [s for s in stats if s.pass_rate is not None]
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * max(len(shown), 3) + 0.8))
    names = [s.grade_id for s in shown]
    rates = [100 * s.pass_rate for s in shown]
    colors = ["#c53030" if r < 50 else "#dd6b20" if r < 80 else "#2f855a" for r in rates]
    ax.barh(range(len(shown)), rates, color=colors)
    ax.set_yticks(range(len(shown)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded submissions with full marks")
    ax.set_title("pass rate per graded cell")
    for i, r in enumerate(rates):
        ax.text(min(r + 1, 92), i, f"{r:.0f}%", va="center", fontsize=8)
    return _png(fig)


# --------------------------------------------------------------------------- writing

def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px; color: #1a202c; max-width: 1000px; }
table { border-collapse: collapse; margin: 8px 0 20px 0; font-size: 13px; }
th, td { border: 1px solid #cbd5e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #edf2f7; }
h1 { font-size: 24px; } h2 { font-size: 18px; margin-top: 28px; }
.summary td:first-child { font-weight: bold; }
img { max-width: 100%; }
"""


def build_report(course, assignment: str, out_dir: str | Path | None = None) -> dict:
    """Write the report files; returns the numbers (and ``"html"``, the page's path)."""
    course.notebooks(assignment)  # validates the name
    out_dir = Path(out_dir) if out_dir else Path(course.root) / "reports" / assignment
    out_dir.mkdir(parents=True, exist_ok=True)
    subs = load_submissions(course, assignment)
    graded = [s for s in subs if s.status == "graded"]
    stats = cell_stats(graded)
    totals = [s.total for s in graded]
    max_total = max((s.max_total for s in graded), default=0.0)
    fails = failure_messages(subs)
    bad = ungraded(subs)

    summary = {
        "assignment": assignment,
        "submissions": len(subs),
        "graded": len(graded),
        "not_graded": len(subs) - len(graded),
        "max_points": max_total,
        "mean": statistics.fmean(totals) if totals else None,
        "median": statistics.median(totals) if totals else None,
        "min": min(totals) if totals else None,
        "max": max(totals) if totals else None,
    }

    cell_rows = [[s.notebook, s.grade_id, s.kind, _fmt(s.max_points), s.graded, s.passed,
                  s.failed, s.errors, s.pending,
                  "" if s.pass_rate is None else f"{s.pass_rate:.3f}",
                  "" if s.mean_points is None else f"{s.mean_points:.3f}"] for s in stats]
    cell_header = ["notebook", "grade_id", "kind", "max_points", "graded", "passed", "failed",
                   "errors", "pending_manual", "pass_rate", "mean_points"]
    student_rows = [[s.student, s.status, _fmt(s.total, 3), _fmt(s.max_total, 3), s.graded_at,
                     "; ".join(s.problems)] for s in subs]
    student_header = ["student", "status", "total", "max_points", "graded_at", "problems"]
    fail_rows = [[gid, msg, n, " ".join(st)] for gid, msg, n, st in fails]
    fail_header = ["grade_id", "message", "count", "students"]
    bad_header = ["student", "status", "reason"]
    review_rows = [[s.student, "; ".join(s.review)] for s in subs if s.review]
    review_header = ["student", "why a person should look (its examined points are held until then)"]
    summary["held_for_review"] = len(review_rows)

    _write_csv(out_dir / "cells.csv", cell_header, cell_rows)
    _write_csv(out_dir / "students.csv", student_header, student_rows)
    _write_csv(out_dir / "failures.csv", fail_header, fail_rows)
    _write_csv(out_dir / "ungraded.csv", bad_header, [list(b) for b in bad])
    _write_csv(out_dir / "review.csv", review_header, review_rows)

    parts = [f"<h1>Grade report: {html.escape(assignment)}</h1>"]
    parts.append('<table class="summary">' + "".join(
        f"<tr><td>{html.escape(k.replace('_', ' '))}</td><td>{html.escape(_fmt(v) if isinstance(v, float) else str(v if v is not None else ''))}</td></tr>"
        for k, v in summary.items()) + "</table>")
    parts.append("<h2>Score histogram</h2>")
    parts.append(f'<img alt="score histogram" src="data:image/png;base64,{_histogram(totals, max_total, assignment)}">')
    parts.append("<h2>Pass rate per graded cell</h2>")
    if any(s.pass_rate is not None for s in stats):
        parts.append(f'<img alt="pass rates" src="data:image/png;base64,{_pass_rates(stats)}">')
    parts.append(_table(cell_header, cell_rows))
    parts.append("<h2>Most common failure messages</h2>")
    parts.append(_table(fail_header, fail_rows) if fail_rows else "<p>No failed tests.</p>")
    parts.append("<h2>Submissions that could not be graded</h2>")
    parts.append(_table(bad_header, [list(b) for b in bad]) if bad else "<p>None: every submission was graded.</p>")
    parts.append("<h2>Held for review</h2>")
    parts.append(_table(review_header, review_rows) if review_rows
                 else "<p>None: no submission reaches into the grading machinery.</p>")
    parts.append("<h2>Students</h2>")
    parts.append(_table(student_header, student_rows))
    page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Grade report: {html.escape(assignment)}</title><style>{CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>")
    (out_dir / "report.html").write_text(page, encoding="utf-8")
    summary["html"] = out_dir / "report.html"
    summary["dir"] = out_dir
    summary["cells"] = stats
    summary["failures"] = fails
    summary["ungraded"] = bad
    summary["totals"] = {s.student: s.total for s in graded}
    return summary
