"""Feedback for students that never shows hidden tests.

``nbgrader generate_feedback`` renders the autograded notebook as it is, hidden tests
included (nbgrader issue #917). Here each student gets, per notebook,
``feedback/<student>/<assignment>/<notebook>.html`` (the name nbgrader's
``release_feedback`` picks up, so ours replaces its leaky page) and, on request, the
same as ``.pdf``. A page holds the scores (assignment total and this notebook), a table
with every graded cell's name, points and message, and the student's notebook with each
test cell cut down to its visible part and followed by its result. Messages are checked
against the hidden tests' source (of the autograded and of the source notebook) and any
line quoting it is replaced.
"""

from __future__ import annotations

import html
from pathlib import Path

from grader import secrecy
from grader.export import pdf as P
from grader.export.report import Submission, load_submissions
from grader.notebooks import cells as C
from grader.notebooks.io import NotebookError, read_notebook
from grader.results.model import CellResult

CDN_MATHJAX = P.CDN_MATHJAX  # the HTML pages are read in the students' browsers

STATUS_TEXT = {
    "passed": "passed",
    "partial": "partly passed",
    "failed": "failed",
    "review": "held for review",
    "error": "error",
    "timeout": "timed out",
    "missing": "missing",
    "manual": "awaiting manual grading",
}

FEEDBACK_CSS = """
.dl-fb-head { border-bottom: 2px solid #2b6cb0; margin-bottom: 12px; padding-bottom: 6px; }
.dl-fb-head h1 { font-size: 22px; margin: 0 0 4px 0; }
.dl-fb-head p { margin: 2px 0; }
table.dl-fb { border-collapse: collapse; margin: 8px 0 18px 0; font-size: 13px; width: 100%; }
table.dl-fb th, table.dl-fb td { border: 1px solid #cbd5e0; padding: 4px 8px; text-align: left;
  vertical-align: top; }
table.dl-fb th { background: #edf2f7; }
table.dl-fb td.msg { width: 48%; white-space: pre-wrap; font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.dl-result { margin: 4px 0 14px 0; padding: 6px 10px; border-left: 6px solid #a0aec0;
  background: #f7fafc; font-size: 13px; }
.dl-result.passed { border-color: #2f855a; background: #f0fff4; }
.dl-result.partial, .dl-result.review { border-color: #dd6b20; background: #fffaf0; }
.dl-result.failed, .dl-result.error, .dl-result.timeout, .dl-result.missing
  { border-color: #c53030; background: #fff5f5; }
.dl-result .msg { white-space: pre-wrap; font-family: "DejaVu Sans Mono", monospace; font-size: 12px;
  margin-top: 4px; }
.dl-problem { padding: 8px 12px; background: #fffaf0; border-left: 6px solid #dd6b20; margin: 8px 0; }
"""


def _pts(x: float | None) -> str:
    return "–" if x is None else f"{x:g}"


def _status(c: CellResult) -> str:
    if c.kind == "manual":
        return "graded" if c.points is not None else STATUS_TEXT["manual"]
    return STATUS_TEXT.get(c.status, c.status or "")


def _result_box(c: CellResult, secrets: list[str]) -> str:
    cls = c.status if c.kind == "auto" else "manual"
    msg = secrecy.redact(c.message, secrets).strip()
    return (f'<div class="dl-result {html.escape(cls)}"><b>{html.escape(c.grade_id)}</b>: '
            f"{html.escape(_status(c))}, {_pts(c.points)} / {c.max_points:g} points"
            + (f'<div class="msg">{html.escape(msg)}</div>' if msg else "") + "</div>")


def _kind(c: CellResult, tasks: set[str]) -> str:
    if c.kind != "manual":
        return "test"
    return "task" if c.grade_id in tasks else "written answer"


def _table(cells: list[CellResult], secrets: list[str], tasks: set[str] = frozenset()) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(c.grade_id)}</td><td>{_kind(c, tasks)}</td>"
        f"<td>{_pts(c.points)} / {c.max_points:g}</td><td>{html.escape(_status(c))}</td>"
        f'<td class="msg">{html.escape(secrecy.redact(c.message, secrets).strip())}</td></tr>'
        for c in cells)
    return ('<table class="dl-fb"><thead><tr><th>test</th><th>kind</th><th>points</th>'
            f"<th>result</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>")


def _header(sub: Submission, assignment: str, notebook: str, cells: list[CellResult]) -> str:
    got = sum(c.points or 0.0 for c in cells)
    out_of = sum(c.max_points for c in cells)
    lines = [f"<h1>Feedback: {html.escape(assignment)} / {html.escape(notebook)}</h1>",
             f"<p>Student: <b>{html.escape(sub.student)}</b>"
             + (f" · graded {html.escape(sub.graded_at)}" if sub.graded_at else "") + "</p>",
             f"<p>This notebook: <b>{got:g} / {out_of:g}</b> points · "
             f"assignment total: <b>{sub.total:g} / {sub.max_total:g}</b></p>"]
    if any(c.kind == "manual" and c.points is None for c in sub.cells):
        lines.append("<p>Written answers and tasks are still being graded; the totals will change.</p>")
    return '<div class="dl-fb-head">' + "".join(lines) + "</div>"


def _secrets(course, assignment: str, notebook: str, nb) -> list[str]:
    lines = secrecy.hidden_lines(nb) if nb is not None else []
    src = Path(course.source) / assignment / f"{notebook}.ipynb"
    try:
        lines += secrecy.hidden_lines(read_notebook(src))
    except NotebookError:
        pass
    return sorted(set(lines))


def _task_ids(course, assignment: str, notebook: str, nb) -> set[str]:
    """grade_ids of nbgrader task cells (graded by hand, like written answers)."""
    if nb is None:
        try:
            nb = read_notebook(Path(course.source) / assignment / f"{notebook}.ipynb")
        except NotebookError:
            return set()
    return {C.grade_id(c) for c in nb.cells if C.is_task(c) and C.grade_id(c)}


def feedback_notebook(course, assignment: str, sub: Submission, notebook: str):
    """The notebook node of one feedback page, and the hidden lines to keep out."""
    import nbformat

    path = Path(course.autograded) / sub.student / assignment / f"{notebook}.ipynb"
    try:
        nb = read_notebook(path)
    except NotebookError:
        nb = None
    secrets = _secrets(course, assignment, notebook, nb)
    tasks = _task_ids(course, assignment, notebook, nb)
    cells = [c for c in sub.cells if c.notebook == notebook]
    by_id = {c.grade_id: c for c in cells}
    head = [P.html_cell(_header(sub, assignment, notebook, cells))]
    probs = [p for p in sub.problems if sub.status != "graded" or p.startswith(notebook + ":")]
    for p in probs:
        head.append(P.html_cell(f'<div class="dl-problem">{html.escape(secrecy.redact(p, secrets))}</div>'))
    if cells:
        head.append(P.html_cell("<h2>Results</h2>" + _table(cells, secrets, tasks)))
    if nb is None:
        out = nbformat.v4.new_notebook()
        out.cells = head
        return out, secrets
    clean = P.clean_notebook(nb)
    body = [P.html_cell("<h2>Your notebook</h2>")]
    for cell in clean.cells:
        gid = C.grade_id(cell)
        if C.is_test(cell) and cell.get("outputs"):
            cell["outputs"] = []  # the result box below says what happened
        body.append(cell)
        if gid and gid in by_id and C.is_scored(cell):  # graded cells and nbgrader task cells
            body.append(P.html_cell(_result_box(by_id[gid], secrets)))
    clean.cells = head + body
    return clean, secrets


def write_feedback(course, assignment: str, students: list[str] | None = None, *,
                   pdf: bool = False, progress=None) -> list[Path]:
    """Write every (or the named) student's feedback pages; returns the files written."""
    notebooks = course.notebooks(assignment)
    subs = [s for s in load_submissions(course, assignment) if s.status != "ungraded"]
    if students:
        wanted = set(students)
        subs = [s for s in subs if s.student in wanted]
    browser = P.find_browser() if pdf else None
    mathjax, offline = P.mathjax_source() if pdf else (None, True)
    written: list[Path] = []
    for sub in subs:
        folder = Path(course.feedback) / sub.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        names = list(dict.fromkeys(notebooks + [n.get("notebook") for n in sub.notebooks
                                                 if n.get("notebook")]))
        for name in names:
            nb, _ = feedback_notebook(course, assignment, sub, name)
            base = Path(course.autograded) / sub.student / assignment
            title = f"{assignment} {name}: feedback for {sub.student}"
            page = P.render_html(nb, title=title, base_dir=base if base.is_dir() else None,
                                 mathjax_url=CDN_MATHJAX, extra_css=FEEDBACK_CSS, link_base=False)
            target = folder / f"{name}.html"
            target.write_text(page, encoding="utf-8")
            written.append(target)
            if pdf:
                printable = P.render_html(nb, title=title, base_dir=base if base.is_dir() else None,
                                          mathjax_url=mathjax, extra_css=FEEDBACK_CSS)
                written.append(P.html_to_pdf(printable, folder / f"{name}.pdf", browser=browser,
                                             offline=offline))
            if progress:
                progress(sub.student, target)
    return written
