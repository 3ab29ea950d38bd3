"""A notebook as printable, self-contained HTML that shows a student nothing hidden.

:func:`clean_notebook` cuts hidden tests out of test cells (:mod:`grader.secrecy`),
shortens test-cell tracebacks to their last line and drops record outputs;
:func:`arrange` lays the questions out (one a page for Gradescope, or answers only);
:func:`render_html` runs nbconvert's ``lab`` template with the course's print
template and stylesheet (package files in ``grader/export/templates/``).
"""

from __future__ import annotations

import copy
import html
from importlib import resources as package_files
from pathlib import Path

import nbformat

from grader.export.pdf.browser import find_mathjax
from grader.export.pdf.questions import Question, split_questions
from grader.notebooks import cells as C
from grader.secrecy import hidden_lines, redact, strip_hidden

RECORD_MIMETYPE = "application/vnd.dlcourse.record+json"
TEMPLATE_NAME = "dlcourse_print.html.j2"


def template_file(name: str) -> str:
    """A file of ``grader/export/templates/`` (print template, stylesheet)."""
    return package_files.files("grader.export").joinpath("templates", name).read_text(encoding="utf-8")


def _clean_outputs(cell, *, test_cell: bool, secrets: list[str]) -> None:
    kept = []
    for out in cell.get("outputs", []):
        otype = out.get("output_type")
        if otype in ("display_data", "execute_result"):
            data = out.get("data", {})
            if RECORD_MIMETYPE in data:
                continue
            if not any(k != "text/plain" or str(v).strip() for k, v in data.items()):
                continue
        if otype == "error" and test_cell:
            ename, evalue = out.get("ename", "Error"), redact(out.get("evalue", ""), secrets)
            out = nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                         traceback=[f"{ename}: {evalue}"])
        elif otype == "stream" and test_cell:
            out = copy.deepcopy(out)
            out["text"] = redact(out.get("text", ""), secrets)
        kept.append(out)
    cell["outputs"] = kept


def clean_notebook(nb) -> nbformat.NotebookNode:
    """A copy of ``nb`` safe to show a student: no hidden tests, no ``record`` outputs."""
    nb = copy.deepcopy(nb)
    secrets = hidden_lines(nb)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        src = C.source_text(cell)
        is_test = C.is_test(cell)
        if C.HIDDEN_BEGIN in src:
            cell["source"] = strip_hidden(src)
        _clean_outputs(cell, test_cell=is_test or C.HIDDEN_BEGIN in src, secrets=secrets)
    return nb


def _question_cell(q: Question, first: bool):
    sub = [f"{q.points:g} point{'s' if q.points != 1 else ''}"]
    if q.kind == "manual":
        sub.append("written answer")
    elif q.kind == "task":
        sub.append("task, graded by hand")
    else:
        sub.append("graded by " + ("test " if len(q.grade_ids) == 1 else "tests ")
                   + ", ".join(q.grade_ids))
    if q.section:
        sub.insert(0, q.section)
    cls = "dl-question dl-first" if first else "dl-question"
    body = (f'<div class="{cls}" id="question-{q.number}"><h1>{html.escape(q.heading)}</h1>'
            f"<p>{html.escape(' · '.join(sub))}</p></div>")
    return nbformat.v4.new_raw_cell(body, metadata={"dl_html": True})


def html_cell(markup: str):
    """A cell whose HTML goes into the page as it is."""
    return nbformat.v4.new_raw_cell(markup, metadata={"dl_html": True})


def _note_cell(text: str):
    return nbformat.v4.new_raw_cell(f'<p class="dl-note">{html.escape(text)}</p>',
                                    metadata={"dl_html": True})


def arrange(nb, *, gradescope: bool = False, answers_only: bool = False) -> nbformat.NotebookNode:
    """The cleaned notebook, laid out for print (one question a page with ``gradescope``)."""
    nb = clean_notebook(nb)
    if not gradescope and not answers_only:
        return nb
    preamble, questions = split_questions(nb)
    if not questions:
        return nb
    out = []
    if not answers_only:
        out += preamble
    for q in questions:
        out.append(_question_cell(q, first=(not out) or not gradescope))
        if answers_only:
            # a task's answer is whatever the student wrote around it: keep its cells
            answers = q.cells if q.kind == "task" else [c for c in q.cells if C.is_solution(c)]
            out += answers or [_note_cell("No written answer: this question is graded by its tests.")]
        else:
            out += q.cells
    new = copy.copy(nb)
    new.cells = out
    return new


def notebook_html(nb, *, gradescope: bool = False, answers_only: bool = False,
                  title: str | None = None, base_dir: str | Path | None = None,
                  mathjax_url: str | None | bool = True) -> str:
    """Self-contained printable HTML of a notebook (no network needed)."""
    nb = arrange(nb, gradescope=gradescope, answers_only=answers_only)
    return render_html(nb, title=title, base_dir=base_dir, mathjax_url=mathjax_url)


def render_html(nb, *, title: str | None = None, base_dir: str | Path | None = None,
                mathjax_url: str | None | bool = True, extra_css: str = "",
                link_base: bool = True) -> str:
    """HTML of an already arranged notebook. ``mathjax_url``: True looks for a local
    MathJax (:func:`find_mathjax`), a string is used as is, False/None leaves math as TeX."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    if mathjax_url is True:
        mathjax_url = find_mathjax()
    exporter = HTMLExporter(
        template_name="lab",
        template_file=TEMPLATE_NAME,
        extra_loaders=[DictLoader({TEMPLATE_NAME: template_file(TEMPLATE_NAME)})],
        embed_images=base_dir is not None,
        exclude_anchor_links=True,
    )
    if mathjax_url:
        exporter.mathjax_url = mathjax_url
    resources = {
        "metadata": {"name": title or "notebook", "path": str(base_dir or "")},
        "dl_mathjax_url": mathjax_url or "",
        "dl_print_css": template_file("print.css") + extra_css,
        "dl_base_href": (Path(base_dir).resolve().as_uri() + "/") if base_dir and link_base else "",
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body
