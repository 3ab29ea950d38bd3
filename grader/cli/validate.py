"""``grader validate NOTEBOOK``."""

from __future__ import annotations

import argparse



def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="run a notebook and its visible tests before handing in",
                       description="Run NOTEBOOK top to bottom in a fresh kernel and list failing "
                                   "visible tests, unanswered questions and cells that raise.")
    p.add_argument("notebook", metavar="NOTEBOOK")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.validate import validate

    tests, problems = validate(args.notebook)
    if not problems:
        print(f"{args.notebook}: all {tests} visible test cell(s) pass; ready to hand in")
        return 0
    print(f"{args.notebook}: {len(problems)} problem(s):")
    for p in problems:
        print(f"  - {p.where}: {p.message}")
    return 1
