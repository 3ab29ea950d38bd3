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
and the outputs of hidden ``record`` calls are dropped (:mod:`grader.secrecy`).

Modules: ``browser`` (find Chromium and MathJax, print), ``questions`` (Gradescope
question splitting), ``render`` (clean and lay out the notebook, HTML templates from
``grader/export/templates/``), ``batch`` (one notebook, or a whole assignment).
"""

from grader.export.pdf.batch import autograded_notebooks, export_all, export_pdf
from grader.export.pdf.browser import (CDN_MATHJAX, PdfError, browser_command, find_browser, find_mathjax,
                                       html_to_pdf, mathjax_source)
from grader.export.pdf.questions import Question, heading_of, split_questions
from grader.export.pdf.render import (RECORD_MIMETYPE, arrange, clean_notebook, html_cell, notebook_html,
                                      render_html)
from grader.secrecy import HIDDEN_PLACEHOLDER, hidden_lines, redact, strip_hidden

__all__ = ["CDN_MATHJAX", "HIDDEN_PLACEHOLDER", "PdfError", "Question", "RECORD_MIMETYPE", "arrange",
           "autograded_notebooks", "browser_command", "clean_notebook", "export_all", "export_pdf",
           "find_browser", "find_mathjax", "heading_of", "hidden_lines", "html_cell", "html_to_pdf",
           "mathjax_source", "notebook_html", "redact", "render_html", "split_questions", "strip_hidden"]
