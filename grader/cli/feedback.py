"""``grader feedback ASSIGNMENT [--student ID ...] [--pdf]``."""

from __future__ import annotations

import argparse

from grader.cli.common import add_course_dir, course, fail


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "feedback", help="write each student's feedback (HTML, PDF on request), hidden tests left out",
        description="Write feedback/STUDENT/ASSIGNMENT/NOTEBOOK.html for every autograded "
                    "student: scores, every test's name, points and message, and the student's "
                    "notebook with each test cut down to its visible part. The hidden tests' "
                    "code is never shown (unlike `nbgrader generate_feedback`).")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", metavar="ID",
                   help="only this student (repeat for several)")
    p.add_argument("--pdf", action="store_true",
                   help="also write NOTEBOOK.pdf beside each page (needs Chromium; see grader pdf)")
    add_course_dir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.export.feedback import write_feedback
    from grader.export.pdf import PdfError

    c = course(args)
    c.check_assignments([args.assignment])
    try:
        written = write_feedback(c, args.assignment, args.student, pdf=args.pdf,
                                 progress=lambda student, path: print(f"{student}: {path}", flush=True))
    except PdfError as exc:
        return fail(str(exc))
    if not written:
        return fail(f"no autograded submissions of {args.assignment}"
                    + (" for the students named" if args.student else "")
                    + f": run `grader autograde {args.assignment}` first")
    print(f"{len(written)} file(s) written under {c.feedback}")
    return 0
