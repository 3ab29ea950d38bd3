"""``grader release [ASSIGNMENT ...]``."""

from __future__ import annotations

import argparse

from grader.cli.common import add_course_dir, course


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("release", help="generate release/ from source/ (student versions)",
                       description="Generate the student version of each assignment into release/ "
                                   "with nbgrader, refusing any release that would show a solution "
                                   "or a hidden test.")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment")
    add_course_dir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.release.generate import release

    release(course(args), args.assignments)
    return 0
