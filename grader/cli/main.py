"""Entry point of the ``grader`` command."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from grader import __version__
from grader.errors import GraderError

# Subcommand modules, in the order ``--help`` lists them (otter-grader's split:
# assign/release, check/validate, grade/autograde, export).
COMMANDS = ["release", "validate", "autograde", "export", "feedback", "report", "pdf", "weights"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader", description="Release, grade and export the course's nbgrader assignments.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the grader does (to stderr)")
    parser.add_argument("--course-dir", metavar="DIR", default=None,
                        help="the course directory (default: the repository this grader belongs to)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"grader.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("grader.cli"):
                continue  # a subcommand not installed in this version
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    logging.basicConfig(format="grader: %(message)s", level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return int(args.run(args) or 0)
    except GraderError as exc:  # every error meant for a person: course, notebook, sandbox, PDF, ...
        print(f"grader: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
