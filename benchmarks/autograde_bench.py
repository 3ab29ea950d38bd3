"""Benchmark: plain ``nbgrader autograde`` vs ``grader autograde`` on the same batch, in one run.

    .venv/bin/python benchmarks/autograde_bench.py [--assignment convolution] [--submissions 60]

Builds a throwaway course with N submissions of one assignment, cycled over the reference,
the blank release, every buggy and correct variant of the catalogue, plus one submission
whose function loops forever and one that prints about 1 GB in a loop (``--flood-mb``).
Grades it with plain nbgrader (sequential, no isolation), then with ``grader autograde``
(sandbox and examiner on, time limits calibrated from the reference run) with 2 workers and
with 1, and prints: wall times and the ratio, the grader's per-submission overhead beyond the
notebook's own cell time, what the endless loop and the flood cost, the size of the flood's
autograded notebook, and the grader's peak memory (its own processes: the main process and
the Dask workers, not the sandboxed kernels). Compare ratios, not absolute times: this
machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from grader.autograde.engine import autograde  # noqa: E402
from grader.export.grades import rows  # noqa: E402
from grader.gradebook import ensure_venv_on_path  # noqa: E402
from grader.notebooks import cells  # noqa: E402
from grader.release.generate import generate, run_nbgrader  # noqa: E402
from grader.sandbox import bwrap  # noqa: E402
from tests.conftest import make_course  # noqa: E402
from tests.variants.variant import apply  # noqa: E402

# Student code for the two hostile-by-accident submissions, per assignment: (solution cell, code).
ENDLESS = {"convolution": ("conv_solution",
                           "def my_convolution(input_numpy, kernel_numpy):\n    while True:\n        pass")}
FLOOD_CELL = "for _i in range({n}):\n    print('x' * 999)   # a debugging print left in a loop"


def _rss_kb(pid: int) -> tuple[int, int, int]:
    """(uid, parent pid, resident KiB) of a process, or (-1, -1, 0) when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return (int(fields["Uid"].split()[0]), int(fields["PPid"].split()[0]),
                int(fields.get("VmRSS", "0 kB").split()[0]))
    except (OSError, KeyError, ValueError, IndexError):
        return -1, -1, 0


def _pss_kb(pid: int) -> int:
    """Proportional set size: private pages, plus shared ones (libraries) divided among their users."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class PeakMemory:
    """Samples the memory of this process and its descendants (the Dask workers) every ``interval``
    seconds, leaving out sandboxed processes (the students' kernels, which have their own memory limit).
    ``peak`` is the largest sum of resident sizes seen (RSS: a library loaded by three processes counts
    three times), ``peak_pss`` the largest sum of proportional sizes (it counts once), in bytes.
    ``baseline`` is the first sample (this process before the work starts: inside a test run it already
    holds what earlier tests imported), so ``peak - baseline`` is what the work itself added;
    ``largest`` is the most one process grew above its own baseline (a new process from zero)."""

    def __init__(self, interval: float = 0.1):
        self.interval, self.peak, self.peak_pss, self.samples = interval, 0, 0, 0
        self.baseline = self.largest = 0
        self.peak_templates = 0  # warm-kernel templates (sandboxed, so not in ``peak``), PSS
        self._start: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> tuple[int, int]:
        me = os.getpid()
        procs = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                procs[int(entry)] = _rss_kb(int(entry))
        rss_total = pss_total = templates = 0
        largest = 0
        for pid, (uid, _, rss) in procs.items():
            if uid < 0 or bwrap.BASE_UID <= uid <= bwrap.BASE_UID + 1000:
                continue
            p, seen = pid, 0
            while p > 1 and p != me and seen < 64:  # is it ours?
                p, seen = procs.get(p, (-1, -1, 0))[1], seen + 1
            if p == me and _template(pid):
                templates += _pss_kb(pid)
            if p == me and not _sandboxed(pid):
                rss_total += rss
                pss_total += _pss_kb(pid)
                largest = max(largest, rss - self._start.get(pid, 0))
        self.largest = max(self.largest, largest * 1024)
        self.peak_templates = max(self.peak_templates, templates * 1024)
        return rss_total * 1024, pss_total * 1024

    def _sample(self) -> None:
        rss, pss = self._total()
        self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
        self.samples += 1

    @property
    def added(self) -> int:
        """The largest RSS the work added on top of the baseline, in bytes."""
        return max(0, self.peak - self.baseline)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakMemory":
        self._start = {os.getpid(): _rss_kb(os.getpid())[2]}
        self.baseline, self.largest = self._total()[0], 0
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _argv(pid: int) -> list[bytes] | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return None


def _template(pid: int) -> bool:
    """A warm-kernel template (:mod:`grader.sandbox.zygote`) or one of its forks before they drop to a uid."""
    argv = _argv(pid)
    return bool(argv) and b"grader.sandbox.zygote" in argv


def _sandboxed(pid: int) -> bool:
    """A process inside a sandbox (bwrap and what it runs, warm-kernel templates included), or an
    unsandboxed kernel."""
    argv = _argv(pid)
    if argv is None:
        return True
    name = os.path.basename(argv[0].decode(errors="replace")) if argv and argv[0] else ""
    return (name in {"bwrap", "setpriv", "prlimit"} or b"ipykernel_launcher" in argv
            or b"grader.sandbox.zygote" in argv)


def build_batch(course, assignment: str, n: int, flood_mb: int) -> dict[str, str]:
    """Students -> kind: the reference, the blank release, every variant, cycled; one endless loop, one flood."""
    names = course.notebooks(assignment)
    source = {m: nbformat.read(course.source / assignment / f"{m}.ipynb", as_version=4) for m in names}
    blank = {m: nbformat.read(course.release / assignment / f"{m}.ipynb", as_version=4) for m in names}
    variants = importlib.import_module(f"tests.variants.{assignment}").VARIANTS
    kinds = [("reference", source), ("blank", blank)]
    kinds += [(f"{'ok' if v.correct else 'bug'}-{v.name}", {**source, v.notebook: apply(source[v.notebook], v)})
              for v in variants]
    special = []
    if assignment in ENDLESS:
        cell_id, code = ENDLESS[assignment]
        nb = copy.deepcopy(source[names[0]])
        for cell in nb.cells:
            if cells.grade_id(cell) == cell_id:
                cell.source = code
        special.append(("endless-loop", {**source, names[0]: nb}))
    if flood_mb:
        nb = copy.deepcopy(source[names[0]])
        at = max(i for i, c in enumerate(nb.cells) if cells.is_solution(c) and c.cell_type == "code")
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(FLOOD_CELL.format(n=flood_mb * 1000)))
        special.append(("output-flood", {**source, names[0]: nb}))
    batch: dict[str, str] = {}
    for i in range(n):
        label, notebooks = special[i - (n - len(special))] if i >= n - len(special) else kinds[i % len(kinds)]
        student = f"s{i:03d}-{label}"[:60]
        folder = course.submitted / student / assignment
        folder.mkdir(parents=True)
        for extra in (course.release / assignment).iterdir():
            if extra.suffix != ".ipynb":
                (shutil.copytree if extra.is_dir() else shutil.copy)(extra, folder / extra.name)
        for m, nb in notebooks.items():
            nbformat.write(nb, folder / f"{m}.ipynb")
        batch[student] = label
    return batch


SPECIAL = ("endless-loop", "output-flood")


def plain_nbgrader(course, assignment: str, batch: dict, timeout: int) -> dict:
    """``nbgrader autograde`` on the batch: the regular submissions in one command, then each special one
    alone (so their cost can be read; two more command starts, about 2 s each, count against nbgrader)."""
    special = {s: k for s, k in batch.items() if k in SPECIAL}
    base = ["autograde", assignment, "--force", f"--Execute.timeout={timeout}",
            f"--ExecutePreprocessor.timeout={timeout}"]
    out: dict = {}
    with PeakMemory() as memory:
        t0 = time.monotonic()
        proc = run_nbgrader(course, base + ([f"--CourseDirectory.student_id_exclude={','.join(special)}"]
                                            if special else []))
        out["regular"] = time.monotonic() - t0
        for student, kind in special.items():
            t1 = time.monotonic()
            run_nbgrader(course, base + [f"--CourseDirectory.student_id={student}"])
            out[kind] = time.monotonic() - t1
        out["wall"] = time.monotonic() - t0
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
    out["peak"], out["pss"] = memory.peak, memory.peak_pss
    for student, kind in special.items():
        out[f"{kind}-size"] = sum(p.stat().st_size for p in (course.autograded / student / assignment).glob("*.ipynb"))
    return out


def grade(course, assignment: str, workers: int) -> dict:
    """One ``grader autograde`` run from scratch (the reference run included); wall time, peak memory,
    per-submission figures."""
    shutil.rmtree(course.autograded, ignore_errors=True)
    with PeakMemory() as memory:
        t0 = time.monotonic()
        summary = autograde(course, assignment, force=True, workers=workers, progress=False, sandbox="on",
                            log=lambda *_: None)
        wall = time.monotonic() - t0
    results = {r["student"]: r for r in (json.loads(p.read_text())
                                         for p in course.autograded.glob(f"*/{assignment}/results.json"))}
    return {"wall": wall, "summary": summary, "results": results, "peak": memory.peak, "pss": memory.peak_pss,
            "templates": memory.peak_templates, "reference": summary.reference_seconds}


def profile(course, assignment: str, students: list[str]) -> list[dict]:
    """Grade ``students`` again in this process, one after another, and split each one's time: kernel
    start, priming (kernel-side output cap, examiner's agent), starting the examiner, cells, the rest."""
    from grader.autograde import plan as planning
    from grader.autograde import worker
    from grader.autograde.engine import build_tasks, configured_limits
    from grader.sandbox.limits import Limits

    todo, _ = planning.plan(course, assignment, students, True)
    tasks = build_tasks(course, assignment, todo, configured_limits(course, Limits()), True, log=lambda *_: None)
    outcomes: list = []
    real = worker.execute

    def spy(*args, **kwargs):
        outcomes.append(real(*args, **kwargs))
        return outcomes[-1]

    worker.execute = spy
    rows_ = []
    try:
        for task in [tasks[0], *tasks]:  # the first one again: it starts this process's warm-kernel template
            outcomes.clear()
            t0 = time.monotonic()
            worker.grade_submission(task, slot=0)
            total = time.monotonic() - t0
            o = outcomes[0]
            rows_.append({"student": task.student, "total": total, "start": o.startup_seconds,
                          "prime": o.prime_seconds, "examiner": o.examiner_start_seconds, "cells": o.cells_seconds,
                          "rest": total - o.startup_seconds - o.prime_seconds - o.examiner_start_seconds
                          - o.cells_seconds, "warm": o.warm_kernels})
    finally:
        worker.execute = real
    return rows_[1:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assignment", default="convolution")
    ap.add_argument("--submissions", type=int, default=60)
    ap.add_argument("--flood-mb", type=int, default=1000, help="what the flood submission prints (0: none)")
    ap.add_argument("--skip-nbgrader", action="store_true", help="grader only (no ratio)")
    ap.add_argument("--skip-one-worker", action="store_true", help="2 workers only (no scaling figure)")
    ap.add_argument("--nbgrader-timeout", type=int, default=30,
                    help="nbgrader's cell timeout (its default, 30 s; this course's config says 300)")
    args = ap.parse_args()
    ensure_venv_on_path()
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        course = make_course(Path(tmp) / "course", [args.assignment])
        generate(course, args.assignment, Path(tmp) / "scratch-release")  # gradebook knows the assignment
        batch = build_batch(course, args.assignment, args.submissions, args.flood_mb)
        kinds = sorted(set(batch.values()), key=lambda k: (k.split("-")[0], k))
        print(f"{len(batch)} submissions of {args.assignment} ({len(kinds)} kinds: reference, blank, "
              f"{sum(k.startswith('ok-') for k in kinds)} correct and {sum(k.startswith('bug-') for k in kinds)} "
              f"buggy variants, an endless loop, a {args.flood_mb} MB output flood); {os.cpu_count()} CPUs",
              flush=True)

        nbgrader = None
        if not args.skip_nbgrader:
            nbgrader = plain_nbgrader(course, args.assignment, batch, args.nbgrader_timeout)
            print(f"nbgrader autograde: {nbgrader['wall']:.1f} s", flush=True)

        two = grade(course, args.assignment, workers=2)
        print(f"grader autograde, 2 workers: {two['wall']:.1f} s", flush=True)
        one = None if args.skip_one_worker else grade(course, args.assignment, workers=1)
        if one:
            print(f"grader autograde, 1 worker: {one['wall']:.1f} s", flush=True)
        report(course, args.assignment, batch, nbgrader, two, one)
        regular = [s for s, k in batch.items() if k in ("reference", "blank")][:2]
        print("\nwhere one submission's time goes (graded again in this process, one after another):")
        for row in profile(course, args.assignment, regular):
            print(f"  {row['student']}: {row['total']:.2f} s = cells {row['cells']:.2f} + kernel start "
                  f"{row['start']:.2f} + priming (output cap, examiner agent) {row['prime']:.2f} + examiner start "
                  f"{row['examiner']:.2f} + the rest (assemble, files, shutdown, judge) {row['rest']:.2f}"
                  f" ({'warm' if row['warm'] else 'cold'} kernel)")
    return 0


def report(course, assignment: str, batch: dict, nbgrader: dict | None, two: dict, one: dict | None) -> None:
    results = two["results"]
    n = len(results)
    nbs = [nb for r in results.values() for nb in r["notebooks"]]
    cells_s = sum(nb.get("cells_seconds", 0.0) for nb in nbs)
    start_s = sum(nb.get("startup_seconds", 0.0) for nb in nbs)
    total_s = sum(r.get("seconds", 0.0) for r in results.values())
    print()
    print(f"=== {n} submissions of {assignment}, {os.cpu_count()} CPUs, sandbox and examiner on ===")
    nbgrader_s = nbgrader["wall"] if nbgrader else None
    if nbgrader:
        print(f"nbgrader autograde (sequential, no isolation): {nbgrader_s:7.1f} s  ({nbgrader_s / n:.2f} s/submission; "
              + ", ".join(f"{k} {nbgrader[k]:.1f} s" for k in ("regular", *SPECIAL) if k in nbgrader) + ")")
    print(f"grader autograde, 2 workers:                    {two['wall']:7.1f} s  ({two['wall'] / n:.2f} s/submission; "
          f"reference run and set-up {two['reference']:.1f} s of it)")
    if one:
        print(f"grader autograde, 1 worker:                     {one['wall']:7.1f} s  "
              f"(2 workers are {one['wall'] / two['wall']:.2f}x faster)")
    if nbgrader:
        regular = [s for s, k in batch.items() if k not in SPECIAL and s in results]
        mean = sum(results[s]["seconds"] for s in regular) / max(1, len(regular))
        print(f"speed-up over nbgrader (2 workers): {nbgrader_s / two['wall']:.2f}x; the {len(regular)} regular "
              f"submissions alone: nbgrader {nbgrader['regular'] / max(1, len(regular)):.2f} s each, "
              f"grader {mean:.2f} s of worker time each")
    warm = sum(nb.get("warm_kernels", 0) for nb in nbs)
    print(f"kernels forked from a warm template: {warm} (of {n} submissions)")
    print(f"grader per submission: {total_s / n:.2f} s in all = {cells_s / n:.2f} s running cells "
          f"+ {start_s / n:.2f} s starting the sandboxed kernel "
          f"+ {(total_s - cells_s - start_s) / n:.2f} s other (assemble, files, examiner start, judge); "
          f"overhead beyond the cells: {(total_s - cells_s) / n:.2f} s")
    regular_nbs = [nb for s, r in results.items() if batch.get(s) not in SPECIAL for nb in r["notebooks"]]
    regular_total = sum(r.get("seconds", 0.0) for s, r in results.items() if batch.get(s) not in SPECIAL)
    if regular_nbs:
        print(f"overhead beyond the cells, the {len(regular_nbs)} regular submissions alone: "
              f"{(regular_total - sum(nb.get('cells_seconds', 0.0) for nb in regular_nbs)) / len(regular_nbs):.2f} s")
    for kind in ("endless-loop", "output-flood"):
        student = next((s for s, k in batch.items() if k == kind), None)
        if student and student in results:
            r = results[student]
            size = sum(p.stat().st_size for p in (course.autograded / student / assignment).glob("*.ipynb"))
            lost = [c["grade_id"] for nb in r["notebooks"] for c in nb["cells"]
                    if c["status"] not in {"passed", "manual"}]
            print(f"{kind}: {r['seconds']:.1f} s of worker time, autograded notebook {size / 1e6:.2f} MB, "
                  f"status {r['status']}, cells not passed: {', '.join(lost) or 'none'}")
    print(f"grader peak memory (main process + Dask workers, kernels excluded): {two['pss'] / 2**20:.0f} MiB PSS, "
          f"{two['peak'] / 2**20:.0f} MiB RSS with 2 workers"
          + (f"; {one['pss'] / 2**20:.0f} MiB PSS, {one['peak'] / 2**20:.0f} MiB RSS with 1" if one else ""))
    print(f"warm-kernel templates (sandboxed, one per worker, not counted above): {two['templates'] / 2**20:.0f} MiB PSS "
          "with 2 workers")
    if nbgrader:
        print(f"nbgrader: peak memory {nbgrader['pss'] / 2**20:.0f} MiB PSS, {nbgrader['peak'] / 2**20:.0f} MiB RSS "
              "(kernels excluded); "
              + ", ".join(f"{k} {nbgrader[k]:.1f} s and a {nbgrader.get(k + '-size', 0) / 1e6:.1f} MB notebook"
                          for k in SPECIAL if k in nbgrader))
    summary = two["summary"]
    passing = sum(1 for r in rows(course, assignment) if r["status"] == "passed")
    print(f"graded {len(summary.graded)}, failed {len(summary.failed)}, timed out {len(summary.timed_out)}; "
          f"{passing} passing cells")


if __name__ == "__main__":
    raise SystemExit(main())
