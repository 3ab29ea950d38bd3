"""Build nbgrader source notebooks from readable cell-marked text files.

Instructor notebooks are written as ``authoring/<assignment>/<notebook>.nbsrc``:
plain text split into cells by marker lines, which review well in diffs. A marker
is ``# %% KIND key=value ...`` where KIND is one of

=============  ==========================================================
``markdown``   teaching text (not graded)
``code``       provided code the student may run or edit (not graded)
``readonly``   provided code the student cannot edit (locked, needs ``id``)
``solution``   an autograded answer cell (needs ``id``)
``test``       an autograded test cell (needs ``id`` and ``points``)
``answer``     a manually graded markdown answer (needs ``id`` and ``points``)
=============  ==========================================================

``python -m grader.notebooks.authoring`` rebuilds every ``source/`` notebook.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import nbformat

from grader.errors import GraderError

KINDS = {"markdown", "code", "readonly", "solution", "test", "answer"}
MARKER = "# %%"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class AuthoringError(GraderError, ValueError):
    """A malformed ``.nbsrc`` file."""


def _nbgrader(kind: str, opts: dict[str, str], where: str) -> dict | None:
    if kind in {"markdown", "code"}:
        return None
    gid = opts.get("id")
    if not gid:
        raise AuthoringError(f"{where}: a {kind} cell needs id=...")
    md = {"grade_id": gid, "schema_version": 3, "task": False, "locked": False,
          "grade": False, "solution": False}
    if kind == "readonly":
        md["locked"] = True
    elif kind == "solution":
        md["solution"] = True
    elif kind in {"test", "answer"}:
        if "points" not in opts:
            raise AuthoringError(f"{where}: a {kind} cell needs points=...")
        md["grade"] = True
        md["points"] = float(opts["points"]) if "." in opts["points"] else int(opts["points"])
        md["locked"] = kind == "test"
        md["solution"] = kind == "answer"
    return md


def parse(text: str, name: str = "<nbsrc>") -> nbformat.NotebookNode:
    """Turn ``.nbsrc`` text into an nbformat v4 notebook."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    current: tuple[str, dict, int] | None = None
    lines: list[str] = []
    seen: set[str] = set()

    def flush() -> None:
        if current is None:
            if any(line.strip() for line in lines):
                raise AuthoringError(f"{name}: text before the first '{MARKER}' marker")
            return
        kind, opts, lineno = current
        body = "\n".join(lines).strip("\n")
        where = f"{name}:{lineno}"
        md = _nbgrader(kind, opts, where)
        if kind in {"markdown", "answer"}:
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell(body)
        if md:
            if md["grade_id"] in seen:
                raise AuthoringError(f"{where}: duplicate id {md['grade_id']!r}")
            seen.add(md["grade_id"])
            cell.metadata["nbgrader"] = md
        nb.cells.append(cell)

    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith(MARKER):
            flush()
            words = shlex.split(line[len(MARKER):])
            if not words or words[0] not in KINDS:
                raise AuthoringError(f"{name}:{lineno}: expected one of {sorted(KINDS)} after '{MARKER}'")
            opts = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            current, lines = (words[0], opts, lineno), []
        else:
            lines.append(line)
    flush()
    # Stable cell ids keep rebuilt notebooks byte-identical.
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
    nbformat.validate(nb)
    return nb


def build(src: Path, dest: Path) -> bool:
    """Write ``dest`` from ``src``; returns True when the file changed."""
    nb = parse(src.read_text(encoding="utf-8"), str(src))
    text = nbformat.writes(nb) + "\n"
    if dest.exists() and dest.read_text(encoding="utf-8") == text:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")
    return True


def sources(root: Path) -> list[tuple[Path, Path]]:
    """Pairs of (``authoring/a/nb.nbsrc``, ``source/a/nb.ipynb``)."""
    return [
        (p, root / "source" / p.parent.name / f"{p.stem}.ipynb")
        for p in sorted((root / "authoring").glob("*/*.nbsrc"))
    ]


def main(argv: list[str] | None = None) -> int:
    from grader.course import default_root

    ap = argparse.ArgumentParser(prog="python -m grader.notebooks.authoring",
                                 description="Rebuild source/ notebooks from authoring/*.nbsrc.")
    ap.add_argument("--course-dir", default=None)
    args = ap.parse_args(argv)
    root = Path(args.course_dir).resolve() if args.course_dir else default_root()
    for src, dest in sources(root):
        changed = build(src, dest)
        print(f"{'wrote' if changed else 'up to date'}: {dest.relative_to(root)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
