"""Notebook to PDF, offline: nbconvert HTML + local MathJax, printed by headless Chromium.

The route: nbconvert's ``lab`` HTML template with the remote scripts removed and
MathJax loaded from Debian's ``libjs-mathjax`` (``file:///usr/share/javascript/mathjax``),
printed with ``chromium --headless --print-to-pdf``. ``--virtual-time-budget`` lets the
page's timers run (MathJax typesets asynchronously) before Chromium prints, and every
host name resolves to nothing, so the export never touches the network.

``--gradescope`` mode starts every question on a new page under a heading naming it,
so Gradescope's page-to-question matching needs no manual tagging. A question is one
exercise: an answer cell and the test cells that grade it, or one manually graded
written answer, with the cells leading up to it (from the first section heading after
the previous question). It is named after its answer cell's ``grade_id``.

Hidden tests never reach a PDF: their source is cut out of test cells (autograded
notebooks still hold it), tracebacks of test cells are shortened to their last line,
and the outputs of hidden ``record`` calls are dropped.
"""

from __future__ import annotations

import copy
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import nbformat

from grader.notebooks import cells as C
from grader.notebooks.io import read_notebook

RECORD_MIMETYPE = "application/vnd.dlcourse.record+json"
HIDDEN_PLACEHOLDER = "# (hidden tests: not shown)"

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome", "microsoft-edge", "msedge")
BROWSER_PATHS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)
MATHJAX_DIRS = ("/usr/share/javascript/mathjax", "/usr/share/mathjax",
                "/usr/local/share/javascript/mathjax", "/opt/homebrew/share/mathjax")
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"
CDN_MATHJAX = ("https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js"
               "?config=" + MATHJAX_CONFIG)
VIRTUAL_TIME_MS = 30000

INSTALL_HINT = (
    "PDF export needs a Chromium-based browser (Chromium, Google Chrome or Microsoft Edge) "
    "and, for offline math, MathJax 2.\n"
    "  Debian/Ubuntu: sudo apt-get install chromium libjs-mathjax fonts-dejavu "
    "(or run scripts/setup_pdf.sh)\n"
    "  macOS:         brew install --cask chromium   (or install Google Chrome)\n"
    "  Windows:       install Google Chrome or use the Microsoft Edge that ships with Windows\n"
    "Or point the GRADER_BROWSER environment variable at the browser's executable."
)


class PdfError(Exception):
    """The PDF could not be made; the message says what to do."""


# --------------------------------------------------------------------------- tools

def find_browser() -> str:
    """The Chromium-like browser to print with: ``$GRADER_BROWSER``, then the usual names."""
    env = os.environ.get("GRADER_BROWSER")
    if env:
        found = shutil.which(env) or (env if Path(env).is_file() else None)
        if not found:
            raise PdfError(f"GRADER_BROWSER is set to {env!r}, which is not an executable.\n"
                           + INSTALL_HINT)
        return found
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in BROWSER_PATHS:
        if Path(path).is_file():
            return path
    raise PdfError("no Chromium, Chrome or Edge browser was found.\n" + INSTALL_HINT)


def find_mathjax() -> str | None:
    """``file://`` URL of a local MathJax 2 (``$GRADER_MATHJAX`` or libjs-mathjax), or None."""
    candidates = [os.environ["GRADER_MATHJAX"]] if os.environ.get("GRADER_MATHJAX") else []
    candidates += list(MATHJAX_DIRS)
    for folder in candidates:
        script = Path(folder) / "MathJax.js"
        if script.is_file():
            return script.resolve().as_uri() + "?config=" + MATHJAX_CONFIG
    return None


# --------------------------------------------------------------------------- questions

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
_HTML_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.I | re.S)


def heading_of(cell) -> str | None:
    """The first heading of a markdown cell (text only), or None."""
    if cell.get("cell_type") != "markdown":
        return None
    src = C.source_text(cell)
    m = _HEADING.search(src)
    if m:
        return _plain(m.group(2))
    m = _HTML_HEADING.search(src)
    return _plain(re.sub(r"<[^>]+>", "", m.group(1))) if m else None


def _plain(text: str) -> str:
    text = text.replace("`", "").replace("**", "").replace("__", "")
    text = re.sub(r"(?<!\w)[*_]|[*_](?!\w)", "", text)  # emphasis, not snake_case
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(text.split())


@dataclass
class Question:
    """One exercise: its answer cell(s) and the tests that grade them, or one written answer."""

    number: int
    grade_id: str  # the first answer cell's id (or the first test's, when there is no answer)
    grade_ids: list[str]  # the graded cells: tests, or the manually graded answer
    points: float
    kind: str  # "auto" (graded by tests), "manual" (a written answer) or "task" (an nbgrader task)
    section: str | None
    cells: list = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"Question {self.number}: {self.grade_id}"


def _groups(cells: list) -> list[list[int]]:
    """Indices of the answer/graded cells of each question, in order.

    A written (manually graded) answer is a question of its own. Otherwise a question
    is a run of answer cells followed by the test cells that grade them; the next
    answer cell after a test starts the next question. Answer cells that no test
    follows join the next question.
    """
    groups: list[list[int]] = []
    current: list[int] | None = None
    closed = True  # the current group takes no more cells
    for i, c in enumerate(cells):
        if C.is_hand_graded(c):  # a written answer or an nbgrader task
            groups.append([i])
            current, closed = None, True
        elif C.is_solution(c):
            if current is None or any(C.is_graded(cells[j]) for j in current):
                current = [i]
                groups.append(current)
            else:
                current.append(i)
            closed = False
        elif C.is_test(c):
            if current is None or closed:
                current = [i]
                groups.append(current)
                closed = False
            else:
                current.append(i)
    return [g for g in groups if any(C.is_scored(cells[j]) for j in g)] or []


def split_questions(nb) -> tuple[list, list[Question]]:
    """Split a notebook's cells into a preamble and its :class:`Question` s.

    A question's pages start at the first section heading after the previous
    question's last graded cell (or right after that cell when there is no heading).
    """
    cells = list(nb.cells)
    groups = _groups(cells)
    if not groups:
        return cells, []
    # answer cells that no test followed were dropped from the groups; they simply
    # stay among the cells of the question they fall in
    starts = []
    prev_end = 0
    for g in groups:
        first_content = g[0]
        found = [i for i in range(prev_end, first_content) if heading_of(cells[i])]
        if not starts and len(found) > 1:
            found = found[1:]  # the notebook's title stays in the preamble
        starts.append(found[0] if found else prev_end)
        prev_end = max(j for j in g if C.is_scored(cells[j])) + 1
    preamble = cells[:starts[0]]
    section = None
    for c in preamble:
        section = heading_of(c) or section
    questions: list[Question] = []
    for k, g in enumerate(groups):
        end = starts[k + 1] if k + 1 < len(groups) else len(cells)
        graded = [j for j in g if C.is_scored(cells[j])]
        for c in cells[starts[k]:graded[0] + 1]:
            section = heading_of(c) or section
        manual = C.is_manual(cells[graded[0]])
        task = C.is_task(cells[graded[0]])
        answers = [j for j in g if C.is_solution(cells[j])]
        label_cell = cells[answers[0]] if answers else cells[graded[0]]
        questions.append(Question(
            number=k + 1,
            grade_id=C.grade_id(label_cell) or f"cell{g[0]}",
            grade_ids=[C.grade_id(cells[j]) or f"cell{j}" for j in graded],
            points=sum(C.points(cells[j]) for j in graded),
            kind="task" if task else "manual" if manual else "auto",
            section=section,
            cells=cells[starts[k]:end],
        ))
        for c in cells[graded[0] + 1:end]:
            section = heading_of(c) or section
    return preamble, questions


# --------------------------------------------------------------------------- cleaning

def strip_hidden(source: str) -> str:
    """Source with every hidden-test block replaced by one placeholder line."""
    out, inside = [], False
    for line in source.splitlines():
        s = line.strip()
        if s.startswith(C.HIDDEN_BEGIN):
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + HIDDEN_PLACEHOLDER)
        elif s.startswith(C.HIDDEN_END):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def hidden_lines(nb) -> list[str]:
    """Stripped lines of the notebook's hidden tests (to keep them out of messages)."""
    lines = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            lines += [l.strip() for l in C.block_lines(C.source_text(cell), C.HIDDEN_BEGIN, C.HIDDEN_END)]
    return [l for l in lines if len(l) >= 6 and not l.startswith("#")]


def redact(text: str, secret_lines: Iterable[str]) -> str:
    """``text`` with any line that quotes hidden-test source replaced."""
    secrets = [s for s in secret_lines if s]
    if not secrets:
        return text
    out = []
    for line in str(text).splitlines():
        s = _strip_ansi(line).strip()
        if s and any(sec in s for sec in secrets):
            out.append("(hidden test code not shown)")
        else:
            out.append(line)
    return "\n".join(out)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


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


# --------------------------------------------------------------------------- HTML

PRINT_CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { background: white !important; }
/* wrap long code lines and outputs instead of cutting them off */
.jp-InputArea-editor pre, .highlight pre, .jp-OutputArea-output pre, pre {
  white-space: pre-wrap !important;
  overflow-wrap: anywhere !important;
  word-break: break-word;
}
.jp-InputArea, .jp-InputArea-editor, .jp-OutputArea-output, .jp-Cell-inputWrapper,
.jp-Cell-outputWrapper { overflow: visible !important; }
.jp-InputPrompt, .jp-OutputPrompt { display: none !important; }
.jp-OutputArea-output img, .jp-RenderedImage img { max-width: 100% !important; height: auto; }
.jp-Cell { break-inside: auto; }
.jp-RenderedImage, .jp-OutputArea-output img { break-inside: avoid; }
body, .jp-RenderedHTMLCommon {
  font-family: "DejaVu Sans", "Liberation Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif;
}
code, pre, .jp-CodeMirrorEditor, .highlight {
  font-family: "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
}
.dl-question { break-before: page; page-break-before: always; margin: 0 0 10px 0;
  padding: 6px 10px; border-left: 6px solid #2b6cb0; background: #ebf4ff; }
.dl-question.dl-first { break-before: avoid; page-break-before: avoid; }
.dl-question h1 { font-size: 20px; margin: 0; padding: 0; }
.dl-question p { margin: 2px 0 0 0; color: #333; font-size: 13px; }
.dl-note { color: #555; font-style: italic; margin: 6px 0 6px 12px; }
"""

TEMPLATE_NAME = "dlcourse_print.html.j2"
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
{%- if resources.dl_mathjax_url -%}
{{ super() }}
<script type="text/javascript">
  if (window.MathJax && MathJax.Hub) {
    MathJax.Hub.Queue(function () { document.documentElement.setAttribute('data-math-done', '1'); });
  }
</script>
{%- endif -%}
{%- endblock html_head_js_mathjax -%}
{%- block rawcell scoped -%}
{%- if cell.metadata.get('dl_html') -%}{{ cell.source }}{%- else -%}{{ super() }}{%- endif -%}
{%- endblock rawcell -%}
{%- block extra_css -%}
{%- if resources.dl_base_href %}<base href="{{ resources.dl_base_href }}">{% endif %}
<style type="text/css">{{ resources.dl_print_css }}</style>
{%- endblock extra_css -%}
"""


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
        extra_loaders=[DictLoader({TEMPLATE_NAME: TEMPLATE})],
        embed_images=base_dir is not None,
        exclude_anchor_links=True,
    )
    if mathjax_url:
        exporter.mathjax_url = mathjax_url
    resources = {
        "metadata": {"name": title or "notebook", "path": str(base_dir or "")},
        "dl_mathjax_url": mathjax_url or "",
        "dl_print_css": PRINT_CSS + extra_css,
        "dl_base_href": (Path(base_dir).resolve().as_uri() + "/") if base_dir and link_base else "",
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


# --------------------------------------------------------------------------- printing

def browser_command(browser: str, html_file: Path, profile: Path, *,
                    pdf_file: Path | None = None, offline: bool = True,
                    budget_ms: int = VIRTUAL_TIME_MS) -> list[str]:
    """Headless Chromium printing ``html_file`` to ``pdf_file`` (or dumping its DOM).

    ``--virtual-time-budget`` runs the page's timers in virtual time, so MathJax's
    asynchronous typesetting finishes before the page is printed, without real waiting.
    """
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        "--allow-file-access-from-files",
        f"--user-data-dir={profile}",
        "--run-all-compositor-stages-before-draw",
        f"--virtual-time-budget={budget_ms}",
    ]
    if offline:  # no host name resolves: nothing can be fetched from the network
        cmd.append("--host-resolver-rules=MAP * ~NOTFOUND")
    if pdf_file is not None:
        cmd += ["--no-pdf-header-footer", f"--print-to-pdf={pdf_file}"]
    else:
        cmd.append("--dump-dom")
    cmd.append(html_file.resolve().as_uri())
    return cmd


def _run_browser(cmd: list[str], browser: str, timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise PdfError(f"{Path(browser).name} did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise PdfError(f"cannot run {browser}: {exc.strerror}.\n" + INSTALL_HINT) from None


def html_to_pdf(html_text: str, pdf_file: str | Path, *, browser: str | None = None,
                timeout: float = 180, offline: bool = True) -> Path:
    """Print HTML text to ``pdf_file`` with headless Chromium."""
    browser = browser or find_browser()
    pdf_file = Path(pdf_file).resolve()
    pdf_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grader-pdf-") as tmp:
        tmp = Path(tmp)
        page = tmp / "notebook.html"
        page.write_text(html_text, encoding="utf-8")
        out = tmp / "out.pdf"
        proc = _run_browser(browser_command(browser, page, tmp / "profile", pdf_file=out,
                                            offline=offline), browser, timeout)
        if not out.is_file() or out.stat().st_size == 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
            raise PdfError(f"{Path(browser).name} made no PDF (exit status {proc.returncode}):\n"
                           + "\n".join(err))
        shutil.move(str(out), pdf_file)
    return pdf_file


def rendered_dom(html_text: str, *, browser: str | None = None, timeout: float = 180,
                 offline: bool = True) -> str:
    """The page's DOM after the same virtual-time budget as printing (for checks)."""
    browser = browser or find_browser()
    with tempfile.TemporaryDirectory(prefix="grader-pdf-") as tmp:
        tmp = Path(tmp)
        page = tmp / "notebook.html"
        page.write_text(html_text, encoding="utf-8")
        proc = _run_browser(browser_command(browser, page, tmp / "profile", offline=offline),
                            browser, timeout)
        return proc.stdout.decode("utf-8", "replace")


def mathjax_source() -> tuple[str, bool]:
    """``(MathJax URL, offline)``: the local MathJax, else the CDN's (needs the network)."""
    local = find_mathjax()
    if local:
        return local, True
    print("note: no local MathJax (Debian/Ubuntu: apt-get install libjs-mathjax; elsewhere set "
          "GRADER_MATHJAX to a MathJax 2 folder); loading it from cdnjs, which needs internet.",
          file=sys.stderr)
    return CDN_MATHJAX, False


def export_pdf(notebook: str | Path, output: str | Path | None = None, *,
               gradescope: bool = False, answers_only: bool = False,
               browser: str | None = None) -> Path:
    """Export one notebook file to PDF; returns the PDF's path (default: beside it)."""
    notebook = Path(notebook)
    nb = read_notebook(notebook)
    browser = browser or find_browser()
    mathjax, offline = mathjax_source()
    page = notebook_html(nb, gradescope=gradescope, answers_only=answers_only,
                         title=notebook.stem, base_dir=notebook.parent.resolve(),
                         mathjax_url=mathjax)
    output = Path(output) if output else notebook.with_suffix(".pdf")
    return html_to_pdf(page, output, browser=browser, offline=offline)


def autograded_notebooks(course, assignment: str) -> list[tuple[str, Path]]:
    """``(student, notebook path)`` for every autograded notebook of an assignment."""
    found = []
    root = Path(course.autograded)
    if not root.is_dir():
        return found
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        folder = student_dir / assignment
        for nb in sorted(folder.glob("*.ipynb")):
            found.append((student_dir.name, nb))
    return found


def export_all(course, assignment: str, out_dir: str | Path | None = None, *,
               gradescope: bool = False, answers_only: bool = False,
               progress=None) -> tuple[list[Path], list[tuple[Path, str]]]:
    """PDF of every autograded submission: ``<out_dir>/<student>/<notebook>.pdf``.

    Returns the PDFs written and ``(notebook, reason)`` for those that failed.
    """
    course.notebooks(assignment)  # validates the name
    out_dir = Path(out_dir) if out_dir else Path(course.root) / "pdf" / assignment
    browser = find_browser()
    done, failed = [], []
    for student, nb in autograded_notebooks(course, assignment):
        target = out_dir / student / f"{nb.stem}.pdf"
        try:
            done.append(export_pdf(nb, target, gradescope=gradescope,
                                   answers_only=answers_only, browser=browser))
        except Exception as exc:  # one bad submission must not stop the rest
            failed.append((nb, str(exc)))
        if progress:
            progress(student, nb, target)
    return done, failed
