"""Benchmark: plain ``nbgrader autograde`` vs ``grader autograde`` on the same batch, in one run.

    .venv/bin/python benchmarks/autograde_bench.py [--assignment convolution] [--submissions 60]

Builds a throwaway course with N submissions of one assignment (the reference, the blank
release and buggy/correct variants from the catalogue, cycled), grades it with each tool
from scratch, and prints wall times, their ratio, and the grader's per-submission overhead
beyond the notebook's own execution. Compare the ratio, not absolute times: this machine
is shared and noisy.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from grader.autograde.engine import autograde  # noqa: E402
from grader.gradebook import ensure_venv_on_path  # noqa: E402
from grader.export.grades import rows  # noqa: E402
from grader.release.generate import generate, run_nbgrader  # noqa: E402
from tests.conftest import make_course  # noqa: E402
from tests.variants.variant import apply  # noqa: E402


def build_batch(course, assignment: str, n: int) -> list[str]:
    names = course.notebooks(assignment)
    source = {m: nbformat.read(course.source / assignment / f"{m}.ipynb", as_version=4) for m in names}
    blank = {m: nbformat.read(course.release / assignment / f"{m}.ipynb", as_version=4) for m in names}
    variants = importlib.import_module(f"tests.variants.{assignment}").VARIANTS
    kinds = [("reference", source), ("blank", blank)]
    kinds += [(f"{'ok' if v.correct else 'bug'}-{v.name}", {**source, v.notebook: apply(source[v.notebook], v)})
              for v in variants]
    students = []
    for i in range(n):
        label, notebooks = kinds[i % len(kinds)]
        student = f"s{i:03d}-{label}"[:60]
        folder = course.submitted / student / assignment
        folder.mkdir(parents=True)
        for extra in (course.release / assignment).iterdir():
            if extra.suffix != ".ipynb":
                (shutil.copytree if extra.is_dir() else shutil.copy)(extra, folder / extra.name)
        for m, nb in notebooks.items():
            nbformat.write(nb, folder / f"{m}.ipynb")
        students.append(student)
    return students


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assignment", default="convolution")
    ap.add_argument("--submissions", type=int, default=60)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    ensure_venv_on_path()
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        course = make_course(Path(tmp) / "course", [args.assignment])
        generate(course, args.assignment, Path(tmp) / "scratch-release")  # gradebook knows the assignment
        students = build_batch(course, args.assignment, args.submissions)
        print(f"{len(students)} submissions of {args.assignment}")

        t0 = time.monotonic()
        proc = run_nbgrader(course, ["autograde", args.assignment, "--force"])
        nbgrader_s = time.monotonic() - t0
        if proc.returncode != 0:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
        # Fresh output folder and gradebook rows for the second tool.
        shutil.rmtree(course.autograded, ignore_errors=True)

        t0 = time.monotonic()
        summary = autograde(course, args.assignment, force=True, workers=args.workers, progress=False,
                            log=lambda *_: None)
        grader_s = time.monotonic() - t0
        results = [json.loads(p.read_text()) for p in course.autograded.glob(f"*/{args.assignment}/results.json")]
        cells_s = sum(nb.get("cells_seconds", 0.0) for r in results for nb in r["notebooks"])
        start_s = sum(nb.get("startup_seconds", 0.0) for r in results for nb in r["notebooks"])
        total_s = sum(r.get("seconds", 0.0) for r in results)
        ref_s = summary.reference_seconds
        n = len(results)
        print(f"nbgrader autograde (sequential, no isolation): {nbgrader_s:7.1f} s  "
              f"({nbgrader_s / n:.2f} s/submission)")
        print(f"grader autograde (parallel, sandboxed):        {grader_s:7.1f} s  "
              f"({grader_s / n:.2f} s/submission; reference run {ref_s:.1f} s of it)")
        print(f"speed-up: {nbgrader_s / grader_s:.2f}x")
        print(f"grader per submission: {total_s / n:.2f} s in all = {cells_s / n:.2f} s running cells "
              f"+ {start_s / n:.2f} s starting the sandboxed kernel (nbgrader starts one too) "
              f"+ {(total_s - cells_s - start_s) / n:.2f} s other overhead (assemble, files, judge)")
        print(f"graded {len(summary.graded)}, failed {len(summary.failed)}, timed out {len(summary.timed_out)}; "
              f"{sum(1 for r in rows(course, args.assignment) if r['status'] == 'passed')} passing cells")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
