"""A version of one graded function, and how to build a submission that uses it."""

from __future__ import annotations

import ast
import copy
import textwrap
from dataclasses import dataclass, field

import nbformat

from grader.notebooks import cells


@dataclass(frozen=True)
class Variant:
    """Another version of the code in one solution cell.

    ``code`` is run right after the reference solution cell ``cell`` of ``notebook`` and
    so replaces the names it defines (functions, classes, variables). ``correct``
    variants must keep full marks on ``tests``; buggy ones must lose marks on at least
    one of them. ``tests`` defaults to every test cell after ``cell``.
    """

    notebook: str
    cell: str
    name: str
    correct: bool
    code: str
    tests: tuple[str, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return f"{self.notebook}:{self.cell}:{'ok' if self.correct else 'bug'}:{self.name}"

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).strip("\n")


def _defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def splice(original: str, replacement: str) -> str:
    """Replace the top-level definitions in ``original`` that ``replacement`` redefines.

    The first replaced definition's place takes the whole replacement; definitions it
    does not mention are kept, so the result reads like a student's cell.
    """
    new_names: set[str] = set()
    for node in ast.parse(replacement).body:
        new_names |= _defined_names(node)
    tree = ast.parse(original)
    lines = original.splitlines()
    out: list[str] = []
    pos, placed = 0, False
    for node in tree.body:
        start = node.lineno - 1 - len(getattr(node, "decorator_list", []))
        end = node.end_lineno or node.lineno
        if _defined_names(node) & new_names:
            out.extend(lines[pos:start])
            if not placed:
                out.extend(replacement.splitlines())
                placed = True
            pos = end
    out.extend(lines[pos:])
    if not placed:
        out.extend(["", *replacement.splitlines()])
    return "\n".join(out)


def apply(source_nb: nbformat.NotebookNode, variant: Variant) -> nbformat.NotebookNode:
    """A copy of ``source_nb`` whose solution cell ``variant.cell`` uses the variant's code."""
    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        if cells.grade_id(cell) == variant.cell:
            cell.source = splice(cells.source_text(cell), variant.source)
            return nb
    raise KeyError(f"{variant.notebook}: no cell with grade_id {variant.cell!r}")
