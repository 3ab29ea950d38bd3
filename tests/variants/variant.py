"""A version of one graded function, and how to build a submission that uses it."""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from dataclasses import dataclass, field

import nbformat

from grader.notebooks import cells


@dataclass(frozen=True)
class Variant:
    """Another version of the code in one solution cell.

    Written out, ``code`` is run right after the reference solution cell ``cell`` of
    ``notebook`` and so replaces the names it defines (functions, classes, variables).
    Written as ``edits`` (see :func:`edit`), the variant is the whole reference cell (its
    solution markers dropped) with each ``(old, new)`` text replaced, ``code`` (if any)
    added after it. ``correct`` variants must keep full marks on ``tests``; buggy ones must
    lose marks on at least one of them. ``tests`` defaults to every test cell after ``cell``.
    """

    notebook: str
    cell: str
    name: str
    correct: bool
    code: str = ""
    tests: tuple[str, ...] = field(default_factory=tuple)
    edits: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.code.strip() and not self.edits:
            raise ValueError(f"variant {self.id}: give its code or its edits of the reference")
        for pair in self.edits:
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
                raise TypeError(f"variant {self.id}: an edit is an (old, new) pair of strings, not {pair!r}")

    @property
    def id(self) -> str:
        return f"{self.notebook}:{self.cell}:{'ok' if self.correct else 'bug'}:{self.name}"

    @property
    def source(self) -> str:
        """The written-out code; a variant written as edits needs the reference: :meth:`source_for`."""
        if self.edits:
            raise ValueError(f"variant {self.id} is written as edits of the reference solution: "
                             "use source_for(source_nb)")
        return textwrap.dedent(self.code).strip("\n")

    def source_for(self, source_nb: nbformat.NotebookNode) -> str:
        """The variant's code, given the source notebook (the one that holds the reference solution)."""
        if not self.edits:
            return self.source
        text = reference_solution(source_nb, self)
        for i, (old, new) in enumerate(self.edits, 1):
            text = _replace_once(text, old, new, f"variant {self.id}, edit {i} of {len(self.edits)}")
        if self.code.strip():
            text += "\n\n\n" + textwrap.dedent(self.code).strip("\n")
        try:
            ast.parse(text)
        except SyntaxError as exc:
            raise ValueError(f"variant {self.id}: the edited cell is not valid Python "
                             f"(line {exc.lineno}: {exc.msg}):\n{text}") from None
        return text


def edit(notebook: str, cell: str, name: str, correct: bool, *edits: tuple[str, str],
         tests: tuple[str, ...] = (), code: str = "") -> Variant:
    """A variant written as edits of the reference solution cell: each ``(old, new)`` in turn.

    A one-line ``old`` is replaced verbatim and must occur exactly once in the cell (as the
    earlier edits left it). An ``old`` of several lines names whole lines, at whatever
    indentation they have in the cell (indentation inside it relative to its first line);
    it too must match exactly once, and an empty ``new`` deletes those lines. A ``new`` of
    several lines is re-indented like the line where the match starts. The cell's solution
    marker lines are not part of its text. ``code``, if given, is added after the edited cell.
    """
    return Variant(notebook, cell, name, correct, code, tuple(tests), tuple(edits))


def reference_solution(source_nb: nbformat.NotebookNode, variant: Variant) -> str:
    """The text of ``variant.cell`` in ``source_nb`` without its solution marker lines."""
    for cell in source_nb.cells:
        if cells.grade_id(cell) == variant.cell:
            lines = cells.source_text(cell).splitlines()
            keep = [ln for ln in lines if not ln.strip().startswith((cells.SOLUTION_BEGIN, cells.SOLUTION_END))]
            return "\n".join(keep).strip("\n")
    raise KeyError(f"variant {variant.id}: no cell with grade_id {variant.cell!r} in the source notebook")


def _block(text: str) -> list[str]:
    return textwrap.dedent(text).strip("\n").split("\n") if "\n" in text else [text]


def _replace_once(text: str, old: str, new: str, where: str) -> str:
    old_lines, new_lines = _block(old), _block(new)
    if not old_lines[0]:
        raise ValueError(f"{where}: the text to replace is empty")
    block = "\n" in old
    hits: list[tuple[int, int, str]] = []  # (start, end, indentation of the line the match starts on)
    pos = text.find(old_lines[0])
    while pos >= 0:
        line_start = text.rfind("\n", 0, pos) + 1
        indent = re.match(r"[ \t]*", text[line_start:]).group()
        if not block:
            hits.append((pos, pos + len(old), indent))
        elif pos == line_start + len(indent):  # a block starts a line; all its lines share that indentation
            needle = "\n".join([old_lines[0]] + [indent + ln if ln.strip() else "" for ln in old_lines[1:]])
            if text.startswith(needle, pos):
                hits.append((pos, pos + len(needle), indent))
        pos = text.find(old_lines[0], pos + 1)
    if len(hits) != 1:
        raise ValueError(f"{where}: {old!r} must occur exactly once in the reference solution cell, "
                         f"found {len(hits)} times")
    start, end, indent = hits[0]
    replacement = "\n".join([new_lines[0]] + [indent + ln if ln.strip() else "" for ln in new_lines[1:]])
    if block and not new.strip():  # whole lines replaced by nothing: drop them
        start, end = start - len(indent), end + (text[end:end + 1] == "\n")
    if text[start:end] == replacement:
        raise ValueError(f"{where}: replacing {old!r} changes nothing")
    return text[:start] + replacement + text[end:]


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
    """A copy of ``source_nb`` whose solution cell ``variant.cell`` uses the variant's code.

    A written-out variant is spliced into the reference cell; one written as edits is the
    whole cell already, so it replaces the cell's text.
    """
    nb = copy.deepcopy(source_nb)
    code = variant.source_for(source_nb)
    for cell in nb.cells:
        if cells.grade_id(cell) == variant.cell:
            cell.source = code if variant.edits else splice(cells.source_text(cell), code)
            return nb
    raise KeyError(f"{variant.notebook}: no cell with grade_id {variant.cell!r}")
