"""Export notebooks to PDF: one file, or every autograded submission of an assignment."""

from __future__ import annotations

from pathlib import Path

from grader.export.pdf.browser import PdfError, find_browser, html_to_pdf, mathjax_source
from grader.export.pdf.render import notebook_html
from grader.notebooks.io import NotebookError, read_notebook

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
        except (PdfError, NotebookError, OSError, ValueError) as exc:  # one bad submission must not stop the rest
            failed.append((nb, str(exc)))
        if progress:
            progress(student, nb, target)
    return done, failed
