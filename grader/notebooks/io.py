"""Reading notebooks that may be broken, from any front end."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from grader.errors import GraderError


class NotebookError(GraderError):
    """A notebook that cannot be graded as it is; the message says why."""


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read a notebook saved by JupyterLab, classic Notebook, VS Code or Colab.

    Raises :class:`NotebookError` with a message a student can act on when the
    file is missing, not JSON, or not a notebook.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotebookError(f"{path.name} is missing") from None
    except OSError as exc:
        raise NotebookError(f"{path.name} cannot be read: {exc.strerror}") from None
    return parse_notebook(raw, path.name)


def parse_notebook(raw: bytes | str, name: str = "notebook") -> nbformat.NotebookNode:
    """Parse notebook JSON text; see :func:`read_notebook`."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        data = json.loads(text)
    except UnicodeDecodeError:
        raise NotebookError(f"{name} is not UTF-8 text; re-save it from Jupyter") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "it was probably edited outside Jupyter or truncated: re-save it from Jupyter"
        ) from None
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookError(f"{name} is JSON but not a Jupyter notebook (it has no cells)")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # nbformat raises several types for odd files
        raise NotebookError(f"{name} is not a readable notebook: {exc}") from None
    for cell in nb.cells:
        cell.setdefault("metadata", {})
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
    return nb
