"""How much time each part of each cell gets: its own limit, within the notebook's budget.

Limits are calibrated from the reference run's times (:mod:`grader.sandbox.limits`), which the
engine stores in the source notebook's metadata under :data:`TIMES_KEY` and which find their cell
again by :func:`cell_key`. :class:`CellClock` guarantees that a cell never eats the time kept
back for the cells after it, that after one timeout later cells lose the floor, and that the
examined part of a test cell is limited apart from its visible part (:func:`hidden_key`).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import nbformat

from grader.notebooks.cells import grade_id, source_text
from grader.sandbox.limits import Limits, ReferenceTimes

TIMES_KEY = "grader_reference_times"  # notebook metadata: the reference run's times (set by the engine)
MIN_CELL_SECONDS = 0.25  # what a cell gets at least while the notebook's budget lasts


def cell_key(cell: Any) -> str:
    """How the reference's timings find a cell again: its grade id, else a hash of its source."""
    gid = grade_id(cell)
    return gid or "src:" + hashlib.sha1(source_text(cell).encode()).hexdigest()[:12]


def hidden_key(key: str) -> str:
    """The key of an examined test cell's hidden part (timed, and limited, apart from its visible part)."""
    return f"{key}#hidden"


def reference_times(nb: nbformat.NotebookNode) -> ReferenceTimes | None:
    """The reference run's times the engine put in the (source) notebook's metadata, if any."""
    data = nb.metadata.get(TIMES_KEY)
    try:
        return ReferenceTimes.from_dict(data) if isinstance(data, dict) else None
    except (TypeError, ValueError):
        return None


class CellClock:
    """The notebook's budget, started now, shared out among its code cells."""

    def __init__(self, nb: nbformat.NotebookNode, limits: Limits):
        self.limits = limits
        self.budget = limits.notebook_budget()
        self.deadline = time.monotonic() + self.budget
        self.last_limit = 0.0  # the limit given last (for the timeout message)
        self.squeezed = False  # the last limit was cut short: earlier cells had used the budget
        self.timed_out = False  # a cell ran out of time: later cells lose the floor (Limits.cell_limit)
        self.furthest = -1  # the furthest cell run so far (earlier ones run again after a restart)
        code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self.keys = {i: cell_key(nb.cells[i]) for i in code}
        parts = [(i, k) for i in code for k in (self.keys[i], hidden_key(self.keys[i]))]
        self.reserved_after: dict[int, float] = {}  # time kept back for the cells after each cell
        reserved = 0.0
        for (i, _), reserve in reversed(list(zip(parts, limits.reserves([k for _, k in parts])))):
            self.reserved_after[i] = reserved
            reserved += reserve

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def limit(self, index: int, key: str) -> float:
        """The limit of one part (``key``) of cell ``index``: its own, within the budget, never eating the
        time reserved for later cells. Sets :attr:`last_limit` and :attr:`squeezed`."""
        remaining = self.remaining()
        own = min(self.limits.cell_limit(key, after_timeout=self.timed_out), remaining)
        self.furthest = max(self.furthest, index)  # a replayed cell keeps back only what is still to run
        squeezed = max(remaining - self.reserved_after.get(self.furthest, 0.0), MIN_CELL_SECONDS)
        limit = self.last_limit = max(0.0, min(own, squeezed))
        self.squeezed = limit < own - 0.01
        return limit
