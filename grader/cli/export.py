"""``grader export ASSIGNMENT --json FILE --csv FILE [--lms canvas FILE]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from grader.cli.common import add_course_dir, course, fail


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export grades per student and graded cell",
                       description="Write the grades of ASSIGNMENT: one record per student and graded "
                                   "cell with points, status and the message a student needs.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--json", type=Path, metavar="FILE", help="write a JSON list of records")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write a CSV file")
    p.add_argument("--lms", choices=["canvas"], help="also write a gradebook import file for this LMS")
    p.add_argument("--lms-file", type=Path, metavar="FILE", help="where to write the LMS file")
    add_course_dir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.export.grades import rows, table, write_csv, write_json

    c = course(args)
    c.check_assignments([args.assignment])
    data = rows(c, args.assignment)
    if not data:
        return fail(f"no graded submissions of {args.assignment}: run `grader autograde {args.assignment}` first")
    if args.json:
        write_json(data, args.json)
        print(f"wrote {args.json}")
    if args.csv:
        write_csv(data, args.csv)
        print(f"wrote {args.csv}")
    if args.lms:
        from grader.export.lms import write_canvas_csv

        target = args.lms_file or Path(f"{args.assignment}-canvas.csv")
        write_canvas_csv(c, args.assignment, target)
        print(f"wrote {target}")
    if not (args.json or args.csv or args.lms):
        print(table(data))
    return 0
