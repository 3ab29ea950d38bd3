"""``grader pdf NOTEBOOK [-o FILE]`` and ``grader pdf --all ASSIGNMENT``."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.cli.common import add_course_dir, course, fail


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "pdf", help="export an executed notebook to PDF (offline; math, plots, non-ASCII text)",
        description="Export a notebook with its outputs to PDF, offline: nbconvert's HTML with a "
                    "local MathJax, printed by headless Chromium. Hidden tests and grader records "
                    "are left out. Needs Chromium (or Chrome/Edge) and, for math, libjs-mathjax: "
                    "on Debian/Ubuntu run scripts/setup_pdf.sh.",
        epilog="Examples: grader pdf release/cnn/cnn_digits.ipynb --gradescope; "
               "grader pdf --all cnn --gradescope")
    p.add_argument("notebook", nargs="?", type=Path, metavar="NOTEBOOK",
                   help="the .ipynb file to export")
    p.add_argument("--all", metavar="ASSIGNMENT", dest="all_assignment",
                   help="export every autograded submission of ASSIGNMENT to "
                        "pdf/ASSIGNMENT/STUDENT/NOTEBOOK.pdf (or under -o DIR)")
    p.add_argument("-o", "--output", type=Path, metavar="PATH",
                   help="the PDF to write (default: beside the notebook); with --all, a folder")
    p.add_argument("--gradescope", action="store_true",
                   help="start every question (graded cell) on a new page under a heading "
                        "naming it, so pages match Gradescope questions without tagging")
    p.add_argument("--answers-only", action="store_true",
                   help="keep only the answer cells of each question (with their question headings)")
    add_course_dir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.export.pdf import PdfError, export_all, export_pdf

    if bool(args.notebook) == bool(args.all_assignment):
        return fail("give either a NOTEBOOK or --all ASSIGNMENT")
    try:
        if args.notebook:
            if not args.notebook.is_file():
                return fail(f"{args.notebook} does not exist")
            out = export_pdf(args.notebook, args.output, gradescope=args.gradescope,
                             answers_only=args.answers_only)
            print(f"wrote {out}")
            return 0
        c = course(args)
        c.check_assignments([args.all_assignment])
        done, failed = export_all(
            c, args.all_assignment, args.output, gradescope=args.gradescope,
            answers_only=args.answers_only,
            progress=lambda student, nb, target: print(f"{student}: {target}", flush=True))
    except PdfError as exc:
        return fail(str(exc))
    for nb, why in failed:
        print(f"grader: could not export {nb}: {why}")
    if not done and not failed:
        return fail(f"no autograded submissions of {args.all_assignment}: "
                    f"run `grader autograde {args.all_assignment}` first")
    print(f"{len(done)} PDF(s) written, {len(failed)} failed")
    return 1 if failed else 0
