"""``grader weights``: fill the torch cache on an online machine for offline grading servers."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from grader.weights import DESCRIPTION, add_arguments

    p = sub.add_parser("weights", help="download the pretrained models' weights for offline grading",
                       description=DESCRIPTION)
    add_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grader.weights import run as run_weights

    return run_weights(args)
