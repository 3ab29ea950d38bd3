"""``grader release [ASSIGNMENT ...]``."""

from __future__ import annotations

import argparse

from grader.cli.common import add_course_dir, course


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("release", help="generate release/ from source/ (student versions) and bundles/",
                       description="Generate the student version of each assignment into release/ "
                                   "with nbgrader, refusing any release that would show a solution "
                                   "or a hidden test, and write bundles/ASSIGNMENT.zip: the archive "
                                   "students unpack into an empty folder (notebooks, helper files and "
                                   "the assignment's data/).")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment")
    p.add_argument("--no-bundles", action="store_true", help="do not write bundles/ASSIGNMENT.zip")
    add_course_dir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.release.generate import release

    release(course(args), args.assignments, bundles=not args.no_bundles)
    return 0
