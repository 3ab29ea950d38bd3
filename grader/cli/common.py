"""Options and error handling shared by every subcommand."""

from __future__ import annotations

import argparse
import sys

from grader.course import Course


def add_course_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="the course directory (holds nbgrader_config.py and source/); "
                             "default: the repository this grader belongs to")


def course(args: argparse.Namespace) -> Course:
    return Course.at(getattr(args, "course_dir", None))


def fail(message: str, code: int = 1) -> int:
    print(f"grader: error: {message}", file=sys.stderr)
    return code
