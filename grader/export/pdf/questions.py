"""Split a notebook into questions, for Gradescope: one exercise a page.

A question is one exercise: an answer cell and the test cells that grade it, or one
manually graded written answer (or nbgrader task), with the cells leading up to it
(from the first section heading after the previous question). It is named after its
answer cell's ``grade_id``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.notebooks import cells as C

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
_HTML_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.I | re.S)


def heading_of(cell) -> str | None:
    """The first heading of a markdown cell (text only), or None."""
    if cell.get("cell_type") != "markdown":
        return None
    src = C.source_text(cell)
    m = _HEADING.search(src)
    if m:
        return _plain(m.group(2))
    m = _HTML_HEADING.search(src)
    return _plain(re.sub(r"<[^>]+>", "", m.group(1))) if m else None


def _plain(text: str) -> str:
    text = text.replace("`", "").replace("**", "").replace("__", "")
    text = re.sub(r"(?<!\w)[*_]|[*_](?!\w)", "", text)  # emphasis, not snake_case
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(text.split())


@dataclass
class Question:
    """One exercise: its answer cell(s) and the tests that grade them, or one written answer."""

    number: int
    grade_id: str  # the first answer cell's id (or the first test's, when there is no answer)
    grade_ids: list[str]  # the graded cells: tests, or the manually graded answer
    points: float
    kind: str  # "auto" (graded by tests), "manual" (a written answer) or "task" (an nbgrader task)
    section: str | None
    cells: list = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"Question {self.number}: {self.grade_id}"


def _groups(cells: list) -> list[list[int]]:
    """Indices of the answer/graded cells of each question, in order.

    A written (manually graded) answer is a question of its own. Otherwise a question
    is a run of answer cells followed by the test cells that grade them; the next
    answer cell after a test starts the next question. Answer cells that no test
    follows join the next question.
    """
    groups: list[list[int]] = []
    current: list[int] | None = None
    closed = True  # the current group takes no more cells
    for i, c in enumerate(cells):
        if C.is_hand_graded(c):  # a written answer or an nbgrader task
            groups.append([i])
            current, closed = None, True
        elif C.is_solution(c):
            if current is None or any(C.is_graded(cells[j]) for j in current):
                current = [i]
                groups.append(current)
            else:
                current.append(i)
            closed = False
        elif C.is_test(c):
            if current is None or closed:
                current = [i]
                groups.append(current)
                closed = False
            else:
                current.append(i)
    return [g for g in groups if any(C.is_scored(cells[j]) for j in g)] or []


def split_questions(nb) -> tuple[list, list[Question]]:
    """Split a notebook's cells into a preamble and its :class:`Question` s.

    A question's pages start at the first section heading after the previous
    question's last graded cell (or right after that cell when there is no heading).
    """
    cells = list(nb.cells)
    groups = _groups(cells)
    if not groups:
        return cells, []
    # answer cells that no test followed were dropped from the groups; they simply
    # stay among the cells of the question they fall in
    starts = []
    prev_end = 0
    for g in groups:
        first_content = g[0]
        found = [i for i in range(prev_end, first_content) if heading_of(cells[i])]
        if not starts and len(found) > 1:
            found = found[1:]  # the notebook's title stays in the preamble
        starts.append(found[0] if found else prev_end)
        prev_end = max(j for j in g if C.is_scored(cells[j])) + 1
    preamble = cells[:starts[0]]
    section = None
    for c in preamble:
        section = heading_of(c) or section
    questions: list[Question] = []
    for k, g in enumerate(groups):
        end = starts[k + 1] if k + 1 < len(groups) else len(cells)
        graded = [j for j in g if C.is_scored(cells[j])]
        for c in cells[starts[k]:graded[0] + 1]:
            section = heading_of(c) or section
        manual = C.is_manual(cells[graded[0]])
        task = C.is_task(cells[graded[0]])
        answers = [j for j in g if C.is_solution(cells[j])]
        label_cell = cells[answers[0]] if answers else cells[graded[0]]
        questions.append(Question(
            number=k + 1,
            grade_id=C.grade_id(label_cell) or f"cell{g[0]}",
            grade_ids=[C.grade_id(cells[j]) or f"cell{j}" for j in graded],
            points=sum(C.points(cells[j]) for j in graded),
            kind="task" if task else "manual" if manual else "auto",
            section=section,
            cells=cells[starts[k]:end],
        ))
        for c in cells[graded[0] + 1:end]:
            section = heading_of(c) or section
    return preamble, questions
