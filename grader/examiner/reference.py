"""The instructor's solution, loaded into the examiner from a source notebook.

Only trusted cells run: the locked provided cells and the solution code cells of
``source/``, in notebook order, with their printing discarded. Test cells and the
other provided cells (plots, timing, long runs) do not. The names the locked cells
bind form the *provided* namespace a hidden test starts from (``np``, ``torch``,
helpers such as ``torch_convolution``); the solution's own names are reached as
``ex.reference.NAME`` only, so a hidden test never mistakes them for the student's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from grader.examiner.static import bound_names, parse_cell
from grader.notebooks import cells

_CACHE: dict[str, "Reference"] = {}


class ReferenceUnavailable(RuntimeError):
    """The reference solution could not be found or loaded."""


@dataclass
class Reference:
    """The solution's namespace, and the names the locked provided cells bind."""

    namespace: dict
    provided: dict

    def __getattr__(self, name: str) -> Any:
        try:
            return self.namespace[name]
        except KeyError:
            raise AttributeError(f"the reference solution defines no {name!r}") from None


def runs_in_reference(cell: Any) -> bool:
    if cell.get("cell_type") != "code" or cells.is_test(cell):
        return False
    return cells.is_locked(cell) or cells.is_solution(cell)


def load(source: nbformat.NotebookNode, files: dict[str, bytes] | None = None) -> Reference:
    """The reference of one source notebook; cached per content in this process.

    ``files``: the helper files shipped beside the notebook (``relative path -> bytes``),
    importable while the locked cells run, as they are beside the student's notebook.
    """
    h = hashlib.sha256(nbformat.writes(source).encode())
    for name in sorted(files or {}):
        h.update(name.encode() + hashlib.sha256((files or {})[name]).digest())
    key = h.hexdigest()
    if key not in _CACHE:
        _CACHE.clear()  # one notebook at a time per worker is the common case
        with _importable(files or {}):
            _CACHE[key] = _build(source)
    return _CACHE[key]


@contextlib.contextmanager
def _importable(files: dict[str, bytes]):
    """The helper files on ``sys.path`` while the reference loads; their modules are not left behind."""
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="grader-reference-") as tmp:
        for rel, data in files.items():
            target = (Path(tmp) / rel).resolve()
            if Path(tmp).resolve() in target.parents and rel.endswith(".py"):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        before = set(sys.modules)
        sys.path.insert(0, tmp)
        try:
            yield
        finally:
            sys.path.remove(tmp)
            for name in set(sys.modules) - before:
                if str(getattr(sys.modules[name], "__file__", "") or "").startswith(tmp):
                    del sys.modules[name]  # the namespace keeps what it imported


def files_beside(notebook: Path) -> dict[str, bytes]:
    """The ``.py`` helper files beside a notebook (what :func:`load` makes importable)."""
    return {p.name: p.read_bytes() for p in sorted(Path(notebook).parent.glob("*.py"))}


def _build(source: nbformat.NotebookNode) -> Reference:
    import matplotlib

    matplotlib.use("Agg", force=False)
    namespace: dict = {"__name__": "__reference__"}
    provided: set[str] = set()
    for cell in source.cells:
        if not runs_in_reference(cell):
            continue
        text = cells.source_text(cell)
        tree = parse_cell(text)
        if tree is None:
            raise ReferenceUnavailable(f"cell {cells.grade_id(cell)} of the source is not valid Python")
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(tree, f"<reference {cells.grade_id(cell) or 'cell'}>", "exec"), namespace)  # noqa: S102
        names = {n for node in tree.body for n in bound_names(node)}
        if cells.is_solution(cell):
            provided -= names
        else:
            provided |= names
    return Reference(namespace, {k: namespace[k] for k in provided if k in namespace})


def find_source(notebook: str, start: Path | None = None) -> Path:
    """``source/<assignment>/<notebook>.ipynb`` of the course that holds ``start`` (default: cwd)."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "source").is_dir():
            found = sorted((folder / "source").glob(f"*/{notebook}.ipynb"))
            if found:
                return found[0]
    raise ReferenceUnavailable(f"the reference solution of {notebook} was not found: run from inside the course "
                               "folder (the one with source/)")
