"""Find solution and hidden-test text in anything shipped to students.

A line leaks when it appears in a released file but, in the source notebook, only
inside ``### BEGIN SOLUTION``/``### BEGIN HIDDEN TESTS`` blocks (a line that the
source also shows outside those blocks, such as ``import numpy as np``, is public).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.notebooks import cells
from grader.notebooks.io import NotebookError, read_notebook

TEXT_SUFFIXES = {".ipynb", ".py", ".md", ".txt", ".json", ".csv", ".html", ".cfg", ".toml", ".yaml", ".yml"}


@dataclass(frozen=True)
class Leak:
    file: str
    line: str
    why: str

    def __str__(self) -> str:
        return f"{self.file}: {self.why}: {self.line.strip()[:100]!r}"


def secret_lines(source_dir: Path) -> set[str]:
    """Stripped lines that occur only inside solution or hidden-test blocks of the source."""
    hidden: set[str] = set()
    public: set[str] = set()
    for path in sorted(source_dir.glob("*.ipynb")):
        nb = read_notebook(path)
        for cell in nb.cells:
            text = cells.source_text(cell)
            inside = {line.strip() for line in cells.block_lines(text, cells.SOLUTION_BEGIN, cells.SOLUTION_END)}
            inside |= {line.strip() for line in cells.block_lines(text, cells.HIDDEN_BEGIN, cells.HIDDEN_END)}
            hidden |= inside
            outside = _outside_blocks(text)
            public |= outside
    return {line for line in hidden - public if line and not line.startswith("#") or len(line) > 40}


def _outside_blocks(text: str) -> set[str]:
    depth, out = 0, set()
    for line in text.splitlines():
        s = line.strip()
        if s.startswith((cells.SOLUTION_BEGIN, cells.HIDDEN_BEGIN)):
            depth += 1
        elif s.startswith((cells.SOLUTION_END, cells.HIDDEN_END)):
            depth = max(0, depth - 1)
        elif depth == 0:
            out.add(s)
    return out


def _texts(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        try:
            nb = read_notebook(path)
        except NotebookError:
            return [path.read_text(errors="replace")]
        return [cells.source_text(c) for c in nb.cells]
    return [path.read_text(errors="replace")]


def find_leaks(source_dir: Path, release_dir: Path) -> list[Leak]:
    """Every leak in ``release_dir`` (one assignment) with respect to ``source_dir``."""
    secrets = secret_lines(source_dir)
    leaks: list[Leak] = []
    for path in sorted(p for p in release_dir.rglob("*") if p.is_file()):
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        rel = str(path.relative_to(release_dir.parent))
        for text in _texts(path):
            for line in text.splitlines():
                s = line.strip()
                if any(marker in s for marker in cells.MARKERS):
                    leaks.append(Leak(rel, line, "nbgrader marker left in the release"))
                elif s in secrets:
                    leaks.append(Leak(rel, line, "line from a solution or hidden test"))
    return leaks
