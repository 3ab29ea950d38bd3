"""``grader autograde``: plan, compute references, grade in parallel, store with one writer."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, Iterator

from grader.autograde import plan as planning
from grader.autograde.budget import TIMES_KEY
from grader.autograde.execute import SandboxConfig
from grader.autograde.reference import fingerprint, load_or_compute_timed, to_json
from grader.autograde.store import GradebookWriter, store
from grader.autograde.worker import Task, grade_submission
from grader.course import Course, CourseError
from grader.release.generate import ensure_in_gradebook
from grader.sandbox import bwrap, warm
from grader.sandbox.preflight import preflight
from grader.sandbox.limits import Limits, ReferenceTimes, TimePolicy

CONFIG_SECTION = "GraderLimits"  # c.GraderLimits.cell_timeout = 30 etc. in nbgrader_config.py
_CONFIG_LIMITS = ("cell_timeout", "notebook_timeout", "cell_output_bytes", "notebook_output_bytes")
_CONFIG_POLICY = tuple(f.name for f in fields(TimePolicy))


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
        raise CourseError(f"--sandbox on, but {bwrap.MISSING}")
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


# Runs the reference solution (or reads its cache): (cache_dir, assignment, notebook, source path, limits,
# sandbox config) -> (records as JSON, times as a dict, whether it ran).
ReferenceRunner = Callable[[Path, str, str, Path, Limits, SandboxConfig], tuple[dict, dict, bool]]


def reference_here(cache_dir: Path, assignment: str, notebook: str, source: Path, limits: Limits,
                   config: SandboxConfig) -> tuple[dict, dict, bool]:
    """The reference's records and times, computed (once per change of the source) in this process."""
    ran: list = []
    records, times = load_or_compute_timed(cache_dir, assignment, notebook, source, limits, config, log=ran.append)
    return to_json(records), times.as_dict(), bool(ran)


def build_tasks(course: Course, assignment: str, todo: list[planning.Planned], limits: Limits,
                sandbox: bool, log: Callable = print, run_reference: ReferenceRunner = reference_here,
                warm_kernels: bool = True) -> list[Task]:
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
            cache = course.autograded / ".reference"
            if not (cache / assignment / f"{name}.{fingerprint(sources[name])}.json").exists():
                log(f"running the reference solution of {assignment}/{name} (once per change of the source)")
            records, times_dict, ran = run_reference(cache, assignment, name, src, limits, config)
            times = ReferenceTimes.from_dict(times_dict)
            references[name] = records
            sources[name] = _with_times(sources[name], times)  # the executor calibrates its limits from them
            log(f"{assignment}/{name}: {limits.with_reference(times).describe()}"
                + (f" (reference run: {times.notebook:.1f} s)" if ran else ""))
    release_files = _release_files(course, assignment)
    helpers = {Path(f).parts[0].removesuffix(".py") for f in release_files}
    preload = warm.preload_for([json.loads(s) for s in sources.values()], helpers) if warm_kernels else ()
    return [Task(student=p.student, assignment=assignment, fingerprint=p.fingerprint,
                 files=planning.submission_files(p.folder), sources=sources, releases=releases,
                 release_files=release_files, references=references, limits=limits, sandbox=sandbox,
                 readonly=readonly, env=env, warm=warm_kernels, preload=preload)
            for p in todo]


def _with_times(source_json: str, times: ReferenceTimes) -> str:
    """The source notebook with the reference run's times in its metadata (students cannot set these:
    the graded notebook's metadata comes from the source)."""
    nb = json.loads(source_json)
    nb.setdefault("metadata", {})[TIMES_KEY] = times.as_dict()
    return json.dumps(nb)


def configured_limits(course: Course, limits: Limits) -> Limits:
    """``limits`` completed from ``c.GraderLimits`` in ``nbgrader_config.py``: a time limit the caller
    fixed (``--cell-timeout``, ``--notebook-timeout``) wins over the file; the file wins over calibration."""
    config = course.root / "nbgrader_config.py"
    if not config.exists():
        return limits
    from traitlets.config.loader import PyFileConfigLoader

    try:
        section = PyFileConfigLoader(config.name, path=str(course.root)).load_config().get(CONFIG_SECTION, {})
    except Exception as exc:  # noqa: BLE001 - say which file; never guess limits
        raise CourseError(f"{config}: {type(exc).__name__}: {exc}; nbgrader_config.py cannot be read") from exc
    unknown = sorted(set(section) - set(_CONFIG_LIMITS) - set(_CONFIG_POLICY))
    if unknown:
        raise CourseError(f"{config}: unknown setting(s) c.{CONFIG_SECTION}.{', '.join(unknown)}; known: "
                          + ", ".join((*_CONFIG_LIMITS, *_CONFIG_POLICY)))
    try:
        changes = {k: type_(section[k]) for k, type_ in (("cell_timeout", float), ("notebook_timeout", float),
                                                        ("cell_output_bytes", int), ("notebook_output_bytes", int))
                   if k in section and (not k.endswith("_timeout") or getattr(limits, k) is None)}
        policy = {k: float(section[k]) for k in _CONFIG_POLICY if k in section}
        return replace(limits, **changes, policy=replace(limits.policy, **policy))
    except (TypeError, ValueError) as exc:
        raise CourseError(f"{config}: c.{CONFIG_SECTION}: {exc}") from exc


def _serial(tasks: list[Task]) -> Iterator[dict]:
    for task in tasks:
        yield grade_submission(task, slot=0)


def _connect(scheduler: str | None, workers: int | None, n_tasks: int):
    """A Dask client: on ``scheduler``, else on a local cluster of ``workers`` processes (its cluster too)."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    n = max(1, min(workers or (os.cpu_count() or 1), n_tasks))
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=None, memory_limit=0, silence_logs=40)
    return Client(cluster), cluster


def worth_warming(submissions: int, workers: int) -> bool:
    """Whether warm kernels pay: a worker's template costs about one cold start plus the imports, and
    pays back from a worker's second submission on (``workers`` 0: a remote cluster, size unknown)."""
    return workers == 0 or submissions >= 2 * workers


def _reference_on(client) -> ReferenceRunner:
    """Run the reference on a worker of a local cluster (same files), so that the examiner's imports
    (torch and friends) never load into this process, which only schedules and stores."""
    def run(*args):
        return client.submit(reference_here, *args, pure=False).result()
    return run


def _dask(tasks: list[Task], client) -> Iterator[dict]:
    from distributed import as_completed

    futures = [client.submit(grade_submission, t, key=f"grade-{t.assignment}-{t.student}-{t.fingerprint}",
                             pure=False, retries=1) for t in tasks]
    for future in as_completed(futures):
        try:
            yield future.result()
        except Exception as exc:  # a lost worker after retries: report, keep going
            task = tasks[futures.index(future)]
            yield {"student": task.student, "assignment": task.assignment, "fingerprint": "",
                   "status": "error", "message": f"grading crashed: {exc!r}", "notebooks": []}
        future.release()  # a stored result need not stay in a worker's memory


def autograde(course: Course, assignment: str, *, students: list[str] | None = None, force: bool = False,
              backend: str = "dask", scheduler: str | None = None, workers: int | None = None,
              sandbox: str = "auto", limits: Limits | None = None, progress: bool = True,
              log: Callable = print, warm_kernels: bool = True) -> Summary:
    """Grade every submission of ``assignment`` that is new or changed (all with ``force``).

    ``warm_kernels``: fork each sandboxed kernel from a per-worker template that has the notebooks'
    imports done (:mod:`grader.sandbox.warm`), when each worker has two submissions or more to grade
    (:func:`worth_warming`); off, every kernel starts cold."""
    start = time.monotonic()
    course.check_assignments([assignment])
    summary = Summary(assignment)
    todo, summary.skipped = planning.plan(course, assignment, students, force)
    if not todo:
        summary.seconds = time.monotonic() - start
        return summary
    ensure_in_gradebook(course, assignment)
    limits = configured_limits(course, limits or Limits())
    t0 = time.monotonic()
    use_sandbox = sandbox_enabled(sandbox)
    if use_sandbox:  # one sandboxed Python first: stop here, saying what to change, when kernels cannot start
        preflight(readonly_paths(course))
    client = cluster = None
    if backend != "serial":
        client, cluster = _connect(scheduler, workers, len(todo))
    try:
        # On a remote scheduler, workers need not share autograded/: the reference runs (and is cached) here.
        runner = _reference_on(client) if cluster is not None else reference_here
        workers_n = len(cluster.workers) if cluster is not None else 1 if client is None else 0
        tasks = build_tasks(course, assignment, todo, limits, use_sandbox, log=log, run_reference=runner,
                            warm_kernels=warm_kernels and worth_warming(len(todo), workers_n))
        summary.reference_seconds = time.monotonic() - t0
        stream = _serial(tasks) if client is None else _dask(tasks, client)
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
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
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

