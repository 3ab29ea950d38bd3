"""What the executor returns: how one notebook's run ended, cell by cell, as data.

The verdict reads :attr:`Outcome.marks` (why a cell lost its run: a timeout, a dead kernel, a
failed restart) and :attr:`Outcome.verdicts` (the examiner's decisions); it never parses the
executed notebook's metadata or outputs for them, so nothing a student's code prints can pass
for either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from grader.examiner.session import CellVerdict


@dataclass
class SandboxConfig:
    """Whether and how to isolate the kernel."""

    enabled: bool = True
    readonly: list[Path] = field(default_factory=list)
    slot: int = 0
    env: dict[str, str] = field(default_factory=dict)
    template: Any = None  # a warm-kernel template (grader.sandbox.warm) to fork kernels from, if any


@dataclass(frozen=True)
class CellMark:
    """Why a code cell did not run to its end: ``timeout``, ``died`` or ``error``, and what to tell the student."""

    status: str
    message: str


@dataclass
class Outcome:
    """How the run of one notebook ended."""

    notebook: nbformat.NotebookNode
    status: str = "ok"  # ok | timeout (notebook budget) | error (kernel could not start)
    message: str = ""
    restarts: int = 0
    seconds: float = 0.0
    cells_seconds: float = 0.0  # time inside cells (the notebook's own work)
    startup_seconds: float = 0.0  # starting kernels (sandbox included) until they answer
    marks: dict[int, CellMark] = field(default_factory=dict)  # by cell index: cells that lost their run
    verdicts: dict[str, CellVerdict] = field(default_factory=dict)  # examined test cells, by grade_id
    cell_times: dict[str, float] = field(default_factory=dict)  # seconds per cell_key (visible part + examiner)
    output_cut: int = 0  # characters of output cut by the caps
    prime_seconds: float = 0.0  # the kernel-side cap and the examiner's agent, before the first cell
    examiner_start_seconds: float = 0.0  # starting examiners (connecting, loading the reference)
    warm_kernels: int = 0  # kernels forked from a warm template (the others started cold)
