"""What the examiner costs: the same convolution submissions graded with and without it, in one run.

Without the examiner the hidden tests run inside the student's kernel (the unprotected
path plain nbgrader takes); with it they run in the trusted process over the bridge.
Submissions alternate between the two modes so that machine noise hits both alike.

    .venv/bin/python benchmarks/examiner_overhead.py [--submissions 12]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.autograde import plan as planning  # noqa: E402
from grader.autograde.engine import build_tasks, sandbox_enabled  # noqa: E402
from grader.autograde.worker import grade_submission  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402
from tests.conftest import make_course, submit  # noqa: E402
from tests.variants.convolution import VARIANTS  # noqa: E402
from tests.variants.variant import apply  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=12)
    args = parser.parse_args()
    course = make_course(Path(tempfile.mkdtemp(prefix="examiner-bench-")), ["convolution"])
    source = json.loads((course.source / "convolution" / "convolution.ipynb").read_text())
    import nbformat

    nb = nbformat.from_dict(source)
    for i in range(args.submissions):
        variant = VARIANTS[i % len(VARIANTS)]
        submit(course, f"s{i:03d}", "convolution", json.loads(nbformat.writes(apply(nb, variant))))
    todo, _ = planning.plan(course, "convolution", None, True)
    tasks = build_tasks(course, "convolution", todo, Limits(), sandbox_enabled("auto"), log=lambda *_: None)
    grade_submission(tasks[0], slot=0)  # warm: the reference is loaded once per worker
    seconds = {True: 0.0, False: 0.0}
    for i, task in enumerate(tasks):
        for examiner in ((True, False) if i % 2 == 0 else (False, True)):
            t = copy.copy(task)
            t.examiner = examiner
            start = time.monotonic()
            grade_submission(t, slot=0)
            seconds[examiner] += time.monotonic() - start
    n = len(tasks)
    print(f"{n} convolution submissions, sandboxed, one worker, modes interleaved")
    print(f"  hidden tests in the kernel (no examiner): {seconds[False]:7.1f} s  ({seconds[False] / n:.2f} s each)")
    print(f"  hidden tests in the examiner:            {seconds[True]:7.1f} s  ({seconds[True] / n:.2f} s each)")
    print(f"  examiner cost: {100 * (seconds[True] / seconds[False] - 1):+.1f} %")


if __name__ == "__main__":
    main()
