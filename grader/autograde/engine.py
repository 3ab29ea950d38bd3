"""``grader autograde``: plan, compute references, grade in parallel, store with one writer."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from grader.autograde import plan as planning
from grader.autograde.execute import SandboxConfig
from grader.autograde.reference import load_or_compute, to_json
from grader.autograde.store import GradebookWriter, store
from grader.autograde.worker import Task, grade_submission
from grader.course import Course, CourseError
from grader.release.generate import ensure_in_gradebook
from grader.sandbox import bwrap
from grader.sandbox.limits import Limits


@dataclass
class Summary:
    """What one ``autograde`` run did."""

    assignment: str
    graded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)     # could not be graded (broken, missing)
    timed_out: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)    # unchanged since the last run
    messages: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    reference_seconds: float = 0.0  # running the reference solution (cached between runs)

    def lines(self) -> list[str]:
        out = [f"{self.assignment}: graded {len(self.graded)}, failed to grade {len(self.failed)}, "
               f"timed out {len(self.timed_out)}, unchanged {len(self.skipped)} ({self.seconds:.1f} s)"]
        for label, who in (("failed to grade", self.failed), ("timed out", self.timed_out)):
            for student in who:
                out.append(f"  {label}: {student}: {self.messages.get(student, '')}")
        return out


def sandbox_enabled(mode: str) -> bool:
    """``on`` requires bubblewrap, ``off`` disables isolation, ``auto`` uses it when present."""
    if mode == "off":
        return False
    if bwrap.bwrap_path():
        return True
    if mode == "on":
        raise CourseError("--sandbox on, but bubblewrap is not installed: apt-get install bubblewrap")
    print("warning: bubblewrap not found; grading WITHOUT isolation (apt-get install bubblewrap)",
          file=sys.stderr)
    return False


def readonly_paths(course: Course) -> list[str]:
    """What the sandbox may read besides the system and Python: the grader package and data/."""
    import grader

    paths = [Path(grader.__file__).parent, course.data]
    return [str(p.resolve()) for p in paths if p.exists()]


def _release_files(course: Course, assignment: str) -> dict[str, bytes]:
    folder = course.release / assignment
    if not folder.is_dir():
        folder = course.source / assignment
    files = planning.submission_files(folder)
    return {k: v for k, v in files.items() if not k.endswith(".ipynb")}


def build_tasks(course: Course, assignment: str, todo: list[planning.Planned], limits: Limits,
                sandbox: bool, log: Callable = print) -> list[Task]:
    env = {"COURSE_DATA": str(course.data.resolve()), "NBGRADER_EXECUTION": "autograde"}
    readonly = readonly_paths(course)
    config = SandboxConfig(enabled=sandbox, readonly=[Path(p) for p in readonly], env=env)
    sources, releases, references = {}, {}, {}
    for name in course.notebooks(assignment):
        src = course.source / assignment / f"{name}.ipynb"
        sources[name] = src.read_text(encoding="utf-8")
        rel = course.release / assignment / f"{name}.ipynb"
        releases[name] = rel.read_text(encoding="utf-8") if rel.exists() else sources[name]
        if todo:
            references[name] = to_json(load_or_compute(course.autograded / ".reference", assignment, name,
                                                       src, limits, config, log=log))
    release_files = _release_files(course, assignment)
    return [Task(student=p.student, assignment=assignment, fingerprint=p.fingerprint,
                 files=planning.submission_files(p.folder), sources=sources, releases=releases,
                 release_files=release_files, references=references, limits=limits, sandbox=sandbox,
                 readonly=readonly, env=env)
            for p in todo]


def _serial(tasks: list[Task]) -> Iterator[dict]:
    for task in tasks:
        yield grade_submission(task, slot=0)


def _dask(tasks: list[Task], scheduler: str | None, workers: int | None) -> Iterator[dict]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        n = max(1, min(workers or (os.cpu_count() or 1), len(tasks)))
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, memory_limit=0, silence_logs=40)
        client = Client(cluster)
    try:
        futures = [client.submit(grade_submission, t, key=f"grade-{t.assignment}-{t.student}-{t.fingerprint}",
                                 pure=False, retries=1) for t in tasks]
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # a lost worker after retries: report, keep going
                task = tasks[futures.index(future)]
                yield {"student": task.student, "assignment": task.assignment, "fingerprint": "",
                       "status": "error", "message": f"grading crashed: {exc!r}", "notebooks": []}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def autograde(course: Course, assignment: str, *, students: list[str] | None = None, force: bool = False,
              backend: str = "dask", scheduler: str | None = None, workers: int | None = None,
              sandbox: str = "auto", limits: Limits | None = None, progress: bool = True,
              log: Callable = print) -> Summary:
    """Grade every submission of ``assignment`` that is new or changed (all with ``force``)."""
    start = time.monotonic()
    course.check_assignments([assignment])
    summary = Summary(assignment)
    todo, summary.skipped = planning.plan(course, assignment, students, force)
    if not todo:
        summary.seconds = time.monotonic() - start
        return summary
    ensure_in_gradebook(course, assignment)
    limits = limits or Limits()
    t0 = time.monotonic()
    tasks = build_tasks(course, assignment, todo, limits, sandbox_enabled(sandbox), log=log)
    summary.reference_seconds = time.monotonic() - t0
    stream = _serial(tasks) if backend == "serial" else _dask(tasks, scheduler, workers)
    bar = _progress(len(tasks), assignment, progress)
    try:
        with GradebookWriter(course.db_url) as writer:
            for result in stream:
                _record(course, summary, result, writer)
                bar.update(1)
    except KeyboardInterrupt:
        bar.close()
        done = len(summary.graded) + len(summary.failed) + len(summary.timed_out)
        log(f"interrupted: {done} submission(s) were stored; run the same command again to grade the rest")
        raise
    bar.close()
    summary.seconds = time.monotonic() - start
    return summary


def _record(course: Course, summary: Summary, result: dict, writer: GradebookWriter) -> None:
    """Store one result and count it in the summary."""
    student = result["student"]
    if result.get("fingerprint"):
        store(course, result, writer)
    if result["status"] == "graded":
        summary.graded.append(student)
    elif result["status"] == "timeout":
        summary.timed_out.append(student)
    else:
        summary.failed.append(student)
    if result.get("message"):
        summary.messages[student] = result["message"]


def _progress(total: int, assignment: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"grading {assignment}", unit="submission", disable=not enabled,
                file=sys.stderr, dynamic_ncols=True)

