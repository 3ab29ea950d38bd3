"""PDF export: math rendered, images kept, headings and questions paged, nothing hidden shown.

The PDFs are printed once per module by headless Chromium (``scripts/setup_pdf.sh``
installs it); the text is read with ``pdftotext`` (poppler-utils), which maps
MathJax's fonts back to Unicode, and a page is rendered with ``pdftoppm`` and looked at.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from grader.export import pdf as P
from grader.notebooks import cells as C
from tests.fixtures.export.course import build_course

ROOT = Path(__file__).resolve().parent.parent
FIX = Path(__file__).resolve().parent / "fixtures" / "export"
ALICE = FIX / "alice.ipynb"
BOB = FIX / "bob.ipynb"


def _have_browser() -> bool:
    try:
        P.find_browser()
    except P.PdfError:
        return False
    return shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None


needs_browser = pytest.mark.skipif(
    not _have_browser(), reason="PDF export needs chromium and poppler-utils: run scripts/setup_pdf.sh")


def pdf_text(path: Path, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True).stdout.decode("utf-8")


def page_texts(path: Path) -> list[str]:
    return pdf_text(path).split("\f")[:-1]


def squash(text: str) -> str:
    return " ".join(text.split())


def letters(text: str) -> str:
    """Only letters and digits: PDF text extraction loses some hyphens and spaces."""
    return re.sub(r"[\W_]+", "", text)


def image_count(path: Path) -> int:
    from pypdf import PdfReader

    return sum(len(page.images) for page in PdfReader(str(path)).pages)


def raster_outputs(nb) -> int:
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if o.get("output_type") in ("display_data", "execute_result")
               and ({"image/png", "image/jpeg"} & set(o.get("data", {}))))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """alice: plain export; bob: --gradescope; alice-answers: --gradescope --answers-only."""
    if not _have_browser():
        pytest.skip("PDF export needs chromium and poppler-utils: run scripts/setup_pdf.sh")
    out = tmp_path_factory.mktemp("pdf")
    return {
        "alice": P.export_pdf(ALICE, out / "alice.pdf"),
        "bob": P.export_pdf(BOB, out / "bob.pdf", gradescope=True),
        "answers": P.export_pdf(ALICE, out / "answers.pdf", gradescope=True, answers_only=True),
    }


# ------------------------------------------------------------------ no browser needed

def test_missing_browser_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_BROWSER", str(tmp_path / "no-such-browser"))
    with pytest.raises(P.PdfError) as err:
        P.export_pdf(ALICE, tmp_path / "x.pdf")
    msg = str(err.value)
    assert "apt-get install chromium libjs-mathjax" in msg
    assert "macOS" in msg and "Windows" in msg


def test_missing_browser_on_the_command_line(monkeypatch, tmp_path, capsys):
    from grader.cli.main import main

    monkeypatch.setenv("GRADER_BROWSER", str(tmp_path / "no-such-browser"))
    assert main(["pdf", str(ALICE), "-o", str(tmp_path / "x.pdf")]) == 1
    assert "apt-get install chromium" in capsys.readouterr().err


def test_questions_are_exercises():
    nb = nbformat.read(ALICE, as_version=4)
    preamble, questions = P.split_questions(nb)
    # one exercise (the softmax answer and its two tests) and one written answer
    assert [q.heading for q in questions] == ["Question 1: softmax_solution",
                                              "Question 2: q_explain_shift"]
    assert [q.grade_ids for q in questions] == [["test_softmax_sums", "test_softmax_stable"],
                                                ["q_explain_shift"]]
    assert [q.points for q in questions] == [3, 2]
    assert [q.kind for q in questions] == ["auto", "manual"]
    # the title stays in the preamble; question 1 starts at its section heading,
    # question 2 at the first heading after question 1's last test
    assert len(preamble) == 1 and P.heading_of(preamble[0]) == "Softmax practice"
    assert P.heading_of(questions[0].cells[0]) == "Part 1: the softmax function"
    assert P.heading_of(questions[1].cells[0]) == "Part 2: looking at it"
    assert questions[1].section == "Part 3: why shifting works"
    assert sum(len(q.cells) for q in questions) + len(preamble) == len(nb.cells)


def test_tests_after_a_written_answer_and_lone_tests():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell

    def nbg(cell, gid, **kw):
        cell.metadata["nbgrader"] = {"grade_id": gid, "grade": False, "solution": False,
                                     "locked": False, **kw}
        return cell

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("# Title"),
        nbg(code("x = 1"), "t_alone", grade=True, points=1),           # a test with no answer
        md("## A"), nbg(code("def f(): ..."), "f_part1", solution=True),
        nbg(code("def g(): ..."), "f_part2", solution=True),           # two answer cells
        nbg(code("assert f"), "t_f", grade=True, points=2),
        nbg(md("answer"), "q_w", grade=True, solution=True, points=3),
        nbg(code("assert g"), "t_g", grade=True, points=1),            # a test after a written answer
        nbg(code("def h(): ..."), "h_untested", solution=True),        # no test follows
    ]
    _, qs = P.split_questions(nb)
    assert [(q.grade_id, q.grade_ids, q.points) for q in qs] == [
        ("t_alone", ["t_alone"], 1), ("f_part1", ["t_f"], 2), ("q_w", ["q_w"], 3),
        ("t_g", ["t_g"], 1)]
    assert qs[-1].cells[-1].metadata["nbgrader"]["grade_id"] == "h_untested"


def test_clean_notebook_drops_hidden_tests_and_records():
    nb = nbformat.read(BOB, as_version=4)
    clean = P.clean_notebook(nb)
    text = json.dumps(clean)
    for secret in ("out_secret", "rows_secret", "huge_secret", "BEGIN HIDDEN"):
        assert secret not in text
    assert P.RECORD_MIMETYPE not in text
    assert P.HIDDEN_PLACEHOLDER in text
    # the failing test's message survives, its traceback does not
    assert "softmax overflows for inputs of size 1000" in text


def test_html_is_offline():
    page = P.notebook_html(nbformat.read(ALICE, as_version=4), gradescope=True)
    remote = re.findall(r"""(?:src|href)=["'](https?:[^"']+)""", page)
    assert remote == [], f"the page would fetch {remote}"


# ------------------------------------------------------------------ printed PDFs

@needs_browser
def test_math_is_rendered(pdfs):
    text = pdf_text(pdfs["alice"])
    for sym in ("σ", "∑", "∈"):  # softmax formula: sigma, sum, "z in R^K"
        assert sym in text, f"{sym!r} missing: MathJax did not typeset the formula"
    for tex in ("\\frac", "\\sum", "\\sigma", "\\mathbf", "$$"):
        assert tex not in text, f"raw TeX {tex!r} in the PDF"


@needs_browser
def test_every_heading_and_non_ascii_text(pdfs):
    nb = nbformat.read(ALICE, as_version=4)
    text = squash(pdf_text(pdfs["alice"]))
    headings = [P.heading_of(c) for c in nb.cells if P.heading_of(c)]
    assert len(headings) == 4
    for h in headings:
        assert h in text
    for word in ("naïve café", "Zoë", "température τ", "Ωμέγα", "Température τ = 1"):
        assert word in text


@needs_browser
def test_one_image_per_figure(pdfs):
    nb = nbformat.read(ALICE, as_version=4)
    assert raster_outputs(nb) == 2
    assert image_count(pdfs["alice"]) >= 2
    assert image_count(pdfs["bob"]) >= 2


@needs_browser
def test_long_lines_wrap_and_broken_math_shows(pdfs):
    text = pdf_text(pdfs["alice"])
    # the end of a 330-character code line is on the page, not cut off
    assert "5.5714]" in text and "much wider than a printed page" in text
    flat = squash(text)
    assert "x^{2 + \\alpha" in flat and "it costs $5" in flat


@needs_browser
def test_no_hidden_tests_or_records_in_pdf(pdfs):
    for key in ("alice", "bob", "answers"):
        text = pdf_text(pdfs[key])
        for secret in ("out_secret", "rows_secret", "huge_secret", "record("):
            assert secret not in text, f"{secret} leaked into {key}.pdf"


@needs_browser
def test_gradescope_one_question_per_page(pdfs):
    nb = nbformat.read(BOB, as_version=4)
    _, questions = P.split_questions(nb)
    pages = page_texts(pdfs["bob"])
    starts = []
    for q in questions:
        hits = [i for i, t in enumerate(pages) if q.heading in t]
        assert hits, f"{q.heading!r} is not in the PDF"
        first = pages[hits[0]].strip().splitlines()[0].strip()
        assert first == q.heading, f"page {hits[0] + 1} starts with {first!r}, not {q.heading!r}"
        starts.append(hits[0])
    assert starts == sorted(set(starts)), "questions share a page"
    assert "softmax overflows for inputs of size 1000" in pdf_text(pdfs["bob"])


@needs_browser
def test_answers_only(pdfs):
    text = pdf_text(pdfs["answers"])
    for heading in ("Question 1: softmax_solution", "Question 2: q_explain_shift"):
        assert heading in text
    assert "def softmax" in text and "the factor" in text
    assert "assert p.shape" not in text  # test cells are not answers
    assert "naïve café" not in text  # nor is the preamble
    assert len(page_texts(pdfs["answers"])) == 2


@needs_browser
def test_page_renders(pdfs, tmp_path):
    import numpy as np
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "2", "-l", "2", str(pdfs["alice"]),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    ink = (img.sum(axis=2) < 600).mean()
    assert 0.01 < ink < 0.6, f"page 2 looks blank or black ({ink:.3f} of pixels inked)"
    # matplotlib's default blue (#1f77b4) of the plotted line and bars is on the page
    blue = (abs(img[..., 0] - 31) < 30) & (abs(img[..., 1] - 119) < 30) & (abs(img[..., 2] - 180) < 30)
    assert blue.mean() > 0.005, "the figures are not on page 2"


@needs_browser
def test_all_autograded_submissions(tmp_path, capsys):
    from grader.cli.main import main

    build_course(tmp_path, gradebook=False)
    assert main(["pdf", "--all", "softmax", "--gradescope", "--course-dir", str(tmp_path)]) == 0
    made = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "pdf").rglob("*.pdf"))
    assert made == ["pdf/softmax/alice/softmax.pdf", "pdf/softmax/bob/softmax.pdf",
                    "pdf/softmax/erin/softmax.pdf"]
    assert "3 PDF(s) written" in capsys.readouterr().out


def _rendered_dom(html_text: str) -> str:
    """The page's DOM after the same virtual-time budget as printing."""
    import subprocess
    import tempfile

    browser = P.find_browser()
    with tempfile.TemporaryDirectory(prefix="grader-pdf-") as tmp:
        page = Path(tmp) / "notebook.html"
        page.write_text(html_text, encoding="utf-8")
        cmd = P.browser_command(browser, page, Path(tmp) / "profile")
        return subprocess.run(cmd, capture_output=True, timeout=180).stdout.decode("utf-8", "replace")


@needs_browser
def test_mathjax_finishes_within_the_virtual_time_budget():
    page = P.notebook_html(nbformat.read(ALICE, as_version=4))
    dom = _rendered_dom(page)
    assert 'data-math-done="1"' in dom, "MathJax had not finished when the page would print"
    assert "MJXc-display" in dom  # the softmax formula was typeset as display math


# ------------------------------------------------------------------ the course's notebooks

def _course_notebooks():
    return sorted((ROOT / "source").glob("*/*.ipynb"))


def _execute(path: Path, work: Path, monkeypatch) -> Path:
    """Run a source notebook as the grader does (short training) in a copy of its folder."""
    from nbclient import NotebookClient

    shutil.copytree(path.parent, work)
    for key, value in {"NBGRADER_EXECUTION": "autograde", "OMP_NUM_THREADS": "1",
                       "COURSE_DATA": str(ROOT / "data"), "PYTHONPATH": str(ROOT)}.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(work)}}).execute()
    out = work / path.name
    nbformat.write(nb, out)
    return out


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize("path", _course_notebooks(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_course_notebook_pdf(path, tmp_path, monkeypatch):
    """Each reference notebook, executed, exports with its math typeset, an image per
    plotted figure, every heading, every question on its own page, and none of its
    hidden tests."""
    executed = _execute(path, tmp_path / path.parent.name, monkeypatch)
    nb = nbformat.read(executed, as_version=4)
    out = P.export_pdf(executed, tmp_path / "nb.pdf", gradescope=True)
    text = pdf_text(out)
    flat = letters(text)
    code = "\n".join(C.source_text(c) for c in nb.cells if c.cell_type == "code")
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"])
    for tex in ("\\frac", "\\sum", "\\sigma", "\\mathbf", "\\partial", "\\begin{"):
        if tex not in code and tex not in outputs:
            assert tex not in text, f"raw TeX {tex!r} in the PDF of {path.name}"
    figures = raster_outputs(nb)
    assert image_count(out) >= figures, f"{figures} figures, {image_count(out)} images in the PDF"
    for c in nb.cells:
        h = P.heading_of(c)
        if h:
            assert letters(h) in flat, f"heading {h!r} missing"
    pages = page_texts(out)
    _, questions = P.split_questions(nb)
    assert questions, f"{path.name} has no graded cells"
    for q in questions:
        hits = [i for i, t in enumerate(pages) if q.heading in t]
        assert hits and pages[hits[0]].strip().splitlines()[0].strip() == q.heading, q.heading
    visible = "\n".join(P.strip_hidden(C.source_text(c)) for c in nb.cells if c.cell_type == "code")
    for line in P.hidden_lines(nb):
        if line not in visible:
            assert line not in text, f"hidden test line {line!r} printed"
