"""Find solution and hidden-test text in anything shipped to students (what is secret: :mod:`grader.secrecy`).

A line leaks when it appears in a released file but, in the source notebook, only
inside ``### BEGIN SOLUTION``/``### BEGIN HIDDEN TESTS`` blocks (a line that the
source also shows outside those blocks, such as ``import numpy as np``, is public).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader import secrecy
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
    return secrecy.secret_lines(read_notebook(path) for path in sorted(source_dir.glob("*.ipynb")))


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
