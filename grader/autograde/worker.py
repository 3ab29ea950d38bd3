"""Grade one submission: a pure function of a :class:`Task`, run by a Dask worker or in-process."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.autograde.assemble import assemble
from grader.autograde.execute import SandboxConfig, execute
from grader.autograde.reference import from_json
from grader.autograde.verdict import judge_notebook, missing_notebook
from grader.examiner.session import ExaminerSession, student_cells, uses_examiner
from grader.examiner.tamper import review_message, scan
from grader.notebooks.io import NotebookError, parse_notebook
from grader.sandbox import bwrap, warm
from grader.sandbox.limits import Limits

MAX_SUBMISSION_BYTES = 64 * 1024 * 1024


@dataclass
class Task:
    """Everything a worker needs; plain data, so it travels to remote Dask workers."""

    student: str
    assignment: str
    fingerprint: str
    files: dict[str, bytes]          # the submission folder: relative path -> content
    sources: dict[str, str]          # notebook -> source notebook JSON (with hidden tests)
    releases: dict[str, str]         # notebook -> released notebook JSON
    release_files: dict[str, bytes]  # helper files shipped with the release
    references: dict[str, dict]      # notebook -> reference records (JSON form)
    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True
    readonly: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    examiner: bool = True  # False only for measuring its cost: hidden tests then run in the kernel
    warm: bool = True  # fork kernels from a template that has the notebooks' imports done (grader.sandbox.warm)
    preload: tuple[str, ...] = ()  # what that template imports


def _slot() -> int:
    """A small integer unique to this worker process (its sandbox uid derives from it)."""
    try:
        from distributed import get_worker

        name = get_worker().name
        return int(name) if str(name).isdigit() else abs(hash(name)) % 997
    except (ImportError, ValueError):
        return os.getpid() % 997


def _find_notebook(files: dict[str, bytes], name: str, expected: list[str]) -> tuple[str | None, str]:
    """The file to grade as ``name``; a renamed notebook is accepted when it is the only one."""
    wanted = f"{name}.ipynb"
    if wanted in files:
        return wanted, ""
    top = [p for p in files if p.endswith(".ipynb") and "/" not in p and ".ipynb_checkpoints" not in p]
    if len(expected) == 1 and len(top) == 1:
        return top[0], f"graded {top[0]} as {wanted} (the notebook was renamed)"
    return None, f"{wanted} is missing from the submission"


def grade_submission(task: Task, slot: int | None = None) -> dict:
    """Grade every notebook of one submission; never raises for anything the student did."""
    started = time.monotonic()
    slot = _slot() if slot is None else slot
    result = {"student": task.student, "assignment": task.assignment, "fingerprint": task.fingerprint,
              "status": "graded", "message": "", "notebooks": [], "executed": {}}
    sandbox = SandboxConfig(enabled=task.sandbox, readonly=[Path(p) for p in task.readonly],
                            slot=slot, env=task.env)
    names = sorted(task.sources)
    skipped = _over_cap(task)
    skip_note = _skip_note(skipped)
    for name in names:
        source = nbformat.reads(task.sources[name], as_version=4)
        release = nbformat.reads(task.releases.get(name, task.sources[name]), as_version=4)
        entry = {"notebook": name, "status": "ok", "message": "", "cells": []}
        path, note = _find_notebook(task.files, name, names)
        if path is None:
            entry.update(status="missing", message=note)
            entry["cells"] = [c.as_dict() for c in missing_notebook(source, name, "missing", note)]
            result["notebooks"].append(entry)
            continue
        try:
            student = parse_notebook(task.files[path], path)
        except NotebookError as exc:
            entry.update(status="invalid", message=str(exc))
            entry["cells"] = [c.as_dict() for c in missing_notebook(source, name, "error", str(exc))]
            result["notebooks"].append(entry)
            continue
        nb = assemble(source, student, release)
        sandbox.template = _template(task, slot)
        base = sandbox.template.work_base if sandbox.template else None
        with tempfile.TemporaryDirectory(prefix="grader-sub-", dir=base) as tmp:
            work = Path(tmp) / "work"
            work.mkdir()
            Path(tmp).chmod(0o755)
            for rel, data in task.files.items():
                if rel.endswith(".ipynb") or rel in task.release_files or rel in skipped:
                    continue
                _write(work, rel, data)
            for rel, data in task.release_files.items():  # helpers always as released
                _write(work, rel, data)
            if task.sandbox:
                bwrap.prepare_dir(work, slot)
            examiner, flags = None, []
            if task.examiner and uses_examiner(source):
                flags = scan(student_cells(nb, source) + _python_files(task))
                if flags:
                    entry["review"] = flags
                    entry["message"] = review_message(flags)
                examiner = ExaminerSession.factory(source, nb, flags, task.release_files)
            outcome = execute(nb, work, task.limits, sandbox, examiner=examiner)
        entry["cells_seconds"] = round(outcome.cells_seconds, 3)
        entry["startup_seconds"] = round(outcome.startup_seconds, 3)
        entry["kernel_restarts"] = outcome.restarts
        entry["warm_kernels"] = outcome.warm_kernels
        if outcome.status == "error":
            entry.update(status="error", message=outcome.message)
            entry["cells"] = [c.as_dict() for c in missing_notebook(source, name, "error", outcome.message)]
        else:
            if outcome.status == "timeout":
                entry.update(status="timeout", message=outcome.message)
            elif note:
                entry["message"] = "; ".join(m for m in (note, entry["message"]) if m)
            cells = judge_notebook(outcome.notebook, name, from_json(task.references.get(name, {})),
                                   outcome.verdicts, flags, outcome.marks)
            entry["cells"] = [c.as_dict() for c in cells]
            result["executed"][name] = nbformat.writes(outcome.notebook)
        if skipped:
            entry["skipped_files"] = skipped
            entry["message"] = "; ".join(m for m in (entry["message"], skip_note) if m)
        result["notebooks"].append(entry)
    problems = [n for n in result["notebooks"] if n["status"] != "ok"]
    if problems:
        result["message"] = "; ".join(f"{n['notebook']}: {n['message']}" for n in problems)
        if all(n["status"] in {"missing", "invalid", "error"} for n in result["notebooks"]):
            result["status"] = "error"
        elif any(n["status"] == "timeout" for n in problems):
            result["status"] = "timeout"
    if skipped:
        result["skipped_files"] = skipped
        if skip_note not in result["message"]:
            result["message"] = "; ".join(m for m in (result["message"], skip_note) if m)
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def _template(task: Task, slot: int) -> warm.KernelTemplate | None:
    """The warm-kernel template for this task on this worker, or None for a cold kernel."""
    if not (task.sandbox and task.warm):
        return None
    lim = task.limits
    key = warm.TemplateKey(slot=slot, readonly=tuple(task.readonly), env=tuple(sorted(task.env.items())),
                           preload=task.preload, memory_mb=lim.memory_mb, max_processes=lim.max_processes,
                           max_file_mb=lim.max_file_mb)
    template = warm.template_for(key)
    if template is None or warm.shadows(list(task.files), template.preloaded):
        return None
    return template


def _over_cap(task: Task) -> list[str]:
    """Submitted files left out of the working directory: those past ``MAX_SUBMISSION_BYTES`` in all."""
    total, skipped = 0, []
    for rel, data in task.files.items():
        total += len(data)
        if total > MAX_SUBMISSION_BYTES and not (rel.endswith(".ipynb") or rel in task.release_files):
            skipped.append(rel)
    return skipped


def _skip_note(skipped: list[str]) -> str:
    if not skipped:
        return ""
    shown = ", ".join(skipped[:10]) + (f" and {len(skipped) - 10} more" if len(skipped) > 10 else "")
    return (f"{len(skipped)} file(s) were not copied for grading because the submission is over "
            f"{MAX_SUBMISSION_BYTES // 2**20} MiB in all: {shown}")


def _python_files(task: Task) -> list[str]:
    """The student's own .py files (they can be imported from the notebook): read by the review scan."""
    return [data.decode("utf-8", "replace") for rel, data in task.files.items()
            if rel.endswith(".py") and rel not in task.release_files and len(data) < 1_000_000]


def _write(root: Path, rel: str, data: bytes) -> None:
    dest = (root / rel).resolve()
    if root.resolve() not in dest.parents:
        return  # a path that escapes the working directory
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)


__all__ = ["Task", "grade_submission"]
