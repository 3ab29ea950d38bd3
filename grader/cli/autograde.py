"""``grader autograde ASSIGNMENT``."""

from __future__ import annotations

import argparse

from grader.cli.common import add_course_dir, course
from grader.sandbox.limits import Limits


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"a time limit must be positive, not {text}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "autograde", help="grade every submission under submitted/<student>/ASSIGNMENT/",
        description="Grade submissions in parallel, each in its own sandbox, and store the grades in "
                    "autograded/ and nbgrader's gradebook. Unchanged submissions are skipped, so an "
                    "interrupted run resumes where it stopped.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", dest="students", metavar="ID",
                   help="grade only this student (repeatable)")
    p.add_argument("--force", action="store_true", help="regrade submissions that are already graded")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="use a running Dask cluster (e.g. tcp://10.0.0.5:8786) instead of a local one")
    p.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: CPU count)")
    p.add_argument("--serial", action="store_true", help="grade one by one in this process (debugging)")
    p.add_argument("--sandbox", choices=["auto", "on", "off"], default="auto",
                   help="isolate student code with bubblewrap (default: when installed)")
    p.add_argument("--cold-kernels", action="store_true",
                   help="start every kernel afresh instead of forking it from a warm template per worker "
                        "(slower; warm kernels are isolated alike, see docs/EXAMINER.md)")
    p.add_argument("--cell-timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="time limit per cell (default: calibrated from the reference solution's run, "
                        "see docs/AUTHORING.md, or c.GraderLimits.cell_timeout in nbgrader_config.py)")
    p.add_argument("--notebook-timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="time budget per notebook (default: calibrated, or c.GraderLimits.notebook_timeout)")
    p.add_argument("--memory", type=int, default=Limits.memory_mb, metavar="MIB",
                   help="memory limit per notebook")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no grade table")
    add_course_dir(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.export.grades import rows, table

    from grader.autograde.engine import autograde

    c = course(args)
    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                    memory_mb=args.memory)
    summary = autograde(c, args.assignment, students=args.students, force=args.force,
                        backend="serial" if args.serial else "dask", scheduler=args.scheduler,
                        workers=args.workers, sandbox=args.sandbox, limits=limits,
                        progress=not args.quiet, warm_kernels=not args.cold_kernels)
    for line in summary.lines():
        print(line)
    if not args.quiet:
        print(table(rows(c, args.assignment)))
    return 0
