"""``grader report ASSIGNMENT [-o DIR]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.cli.common import add_course_dir, course


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="grade report: pass rates, score histogram, common failures (HTML + CSV)",
        description="Write reports/ASSIGNMENT/report.html (summary, score histogram, pass rate "
                    "per graded cell, the most common failure messages, submissions that could "
                    "not be graded) and the same numbers as cells.csv, students.csv, failures.csv "
                    "and ungraded.csv. Manual grades entered in formgrader are included.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("-o", "--output", type=Path, metavar="DIR",
                   help="folder to write into (default: reports/ASSIGNMENT in the course)")
    add_course_dir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.export.report import build_report

    c = course(args)
    c.check_assignments([args.assignment])
    r = build_report(c, args.assignment, args.output)
    if not r["submissions"]:
        print(f"note: no submissions of {args.assignment} yet; the report is empty")
    mean = "-" if r["mean"] is None else f"{r['mean']:.2f}"
    print(f"{args.assignment}: {r['graded']} graded, {r['not_graded']} not graded, "
          f"mean {mean} / {r['max_points']:g}")
    print(f"wrote {r['html']} and CSV files in {r['dir']}")
    return 0
