"""nbgrader cell metadata, read in one place."""

from __future__ import annotations

from typing import Any

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
MARKERS = (SOLUTION_BEGIN, SOLUTION_END, HIDDEN_BEGIN, HIDDEN_END)


def meta(cell: Any) -> dict:
    """The cell's ``nbgrader`` metadata (empty when it has none)."""
    md = cell.get("metadata") or {}
    nbg = md.get("nbgrader") or {}
    return nbg if isinstance(nbg, dict) else {}


def grade_id(cell: Any) -> str | None:
    gid = meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def is_graded(cell: Any) -> bool:
    return bool(meta(cell).get("grade"))


def is_solution(cell: Any) -> bool:
    return bool(meta(cell).get("solution"))


def is_locked(cell: Any) -> bool:
    return bool(meta(cell).get("locked"))


def is_test(cell: Any) -> bool:
    """An autograded test cell: graded code that is not an answer."""
    return cell.get("cell_type") == "code" and is_graded(cell) and not is_solution(cell)


def is_manual(cell: Any) -> bool:
    """A manually graded answer (graded and a solution)."""
    return is_graded(cell) and is_solution(cell)


def is_task(cell: Any) -> bool:
    """An nbgrader task cell: a locked markdown cell with ``points`` that a person grades.

    nbgrader marks it ``task: true`` and neither ``grade`` nor ``solution``; the answer is
    whatever the student writes around it (``nbgrader.utils.is_task``).
    """
    return bool(meta(cell).get("task"))


def is_hand_graded(cell: Any) -> bool:
    """Points a person gives: a manually graded answer or a task."""
    return is_manual(cell) or is_task(cell)


def is_scored(cell: Any) -> bool:
    """Counts towards the maximum: every graded cell and every task (as nbgrader counts it)."""
    return is_graded(cell) or is_task(cell)


def points(cell: Any) -> float:
    try:
        return float(meta(cell).get("points") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def source_text(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def split_blocks(text: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    """(lines outside, lines strictly inside) ``begin``/``end`` marker pairs; marker lines dropped."""
    inside, outer, inner = False, [], []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith(begin):
            inside = True
        elif s.startswith(end):
            inside = False
        else:
            (inner if inside else outer).append(line)
    return outer, inner


def block_lines(text: str, begin: str, end: str) -> list[str]:
    """Lines strictly inside ``begin``/``end`` marker pairs."""
    return split_blocks(text, begin, end)[1]
