"""The reference solution's records: what every test cell must reproduce.

Computed by running the source notebook through the same executor as the students',
checked to pass every test (a failing reference is an authoring bug, reported as
such), and cached per source notebook content, with how long each cell and the whole
notebook took: students' time limits derive from those (:mod:`grader.sandbox.limits`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import nbformat

from grader import __version__
from grader.course import CourseError
from grader.autograde.assemble import assemble
from grader.autograde.execute import SandboxConfig, execute
from grader.autograde.verdict import Record, failing_tests, reference_records
from grader.examiner.session import ExaminerSession, uses_examiner
from grader.checks.encoding import decode, encode
from grader.sandbox import bwrap
from grader.sandbox.limits import Limits, ReferenceTimes


class ReferenceFailure(CourseError):
    """The reference solution fails its own tests: fix the source notebook."""


def fingerprint(source_text: str) -> str:
    return hashlib.sha256(f"{__version__}\n{source_text}".encode()).hexdigest()[:16]


def to_json(records: dict[str, list[Record]]) -> dict:
    return {gid: [[n, encode(v), s] for n, v, s in recs] for gid, recs in records.items()}


def from_json(data: dict) -> dict[str, list[Record]]:
    return {gid: [(n, decode(v), s) for n, v, s in recs] for gid, recs in data.items()}


def compute(source: nbformat.NotebookNode, notebook: str, files_dir: Path | None,
            limits: Limits, sandbox: SandboxConfig) -> dict[str, list[Record]]:
    """Run the source notebook and return its records; raise when any test fails."""
    return compute_timed(source, notebook, files_dir, limits, sandbox)[0]


def compute_timed(source: nbformat.NotebookNode, notebook: str, files_dir: Path | None,
                  limits: Limits, sandbox: SandboxConfig) -> tuple[dict[str, list[Record]], ReferenceTimes]:
    """:func:`compute`, and how long each cell and the whole run took."""
    nb = assemble(source, source)
    with tempfile.TemporaryDirectory(prefix="grader-ref-") as tmp:
        work = Path(tmp) / "work"
        if files_dir and files_dir.is_dir():
            shutil.copytree(files_dir, work, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        else:
            work.mkdir()
        Path(tmp).chmod(0o755)
        bwrap.prepare_dir(work, sandbox.slot)
        examiner = (ExaminerSession.factory(source, nb, [], {f.name: f.read_bytes() for f in sorted(work.glob('*.py'))})
                    if uses_examiner(source) else None)
        outcome = execute(nb, work, limits, sandbox, examiner=examiner)
    failures = [f"{gid}: {v.points:g}/{v.max_points:g} {v.message}"[:300]
                for gid, v in outcome.verdicts.items() if v.status != "passed"]
    failures += [f for f in failing_tests(outcome.notebook)
                 if f.split(":")[0] not in outcome.verdicts]
    if failures or outcome.status != "ok":
        raise ReferenceFailure(
            f"the reference solution of {notebook} does not pass its own tests "
            f"({outcome.message or 'test cells failed'}): " + " | ".join(failures[:5])
        )
    return reference_records(outcome.notebook), ReferenceTimes(dict(outcome.cell_times), outcome.seconds)


def load_or_compute(cache_dir: Path, assignment: str, notebook: str, source_path: Path,
                    limits: Limits, sandbox: SandboxConfig, log: Any = print) -> dict[str, list[Record]]:
    """Cached :func:`compute`, keyed by the source notebook's content and the grader version."""
    return load_or_compute_timed(cache_dir, assignment, notebook, source_path, limits, sandbox, log)[0]


def load_or_compute_timed(cache_dir: Path, assignment: str, notebook: str, source_path: Path, limits: Limits,
                          sandbox: SandboxConfig, log: Any = print) -> tuple[dict[str, list[Record]], ReferenceTimes]:
    """Cached :func:`compute_timed`: ``{"records": ..., "times": {"cells": {key: s}, "notebook": s}}``."""
    text = source_path.read_text(encoding="utf-8")
    key = fingerprint(text)
    cache = cache_dir / assignment / f"{notebook}.{key}.json"
    if cache.exists():
        try:
            data = json.loads(cache.read_text())
            return from_json(data["records"]), ReferenceTimes.from_dict(data["times"])
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # unreadable, or from a grader that did not time the reference: run it again
    log(f"running the reference solution of {assignment}/{notebook} (once per change of the source)")
    records, times = compute_timed(nbformat.reads(text, as_version=4), notebook, source_path.parent, limits, sandbox)
    cache.parent.mkdir(parents=True, exist_ok=True)
    for old in cache.parent.glob(f"{notebook}.*.json"):
        old.unlink()
    cache.write_text(json.dumps({"records": to_json(records), "times": times.as_dict()}))
    return records, times


__all__ = ["ReferenceFailure", "compute", "compute_timed", "load_or_compute", "load_or_compute_timed"]
