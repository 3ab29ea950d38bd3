"""One archive per assignment for students: ``bundles/<assignment>.zip``.

A student unpacks it into an empty folder and opens the notebook in JupyterLab or Colab.
It holds only what ships anyway, and nothing else of the repository (no ``source/``,
``authoring/`` or ``tests/``)::

    README-<assignment>.md          how to open, check and hand in
    notebooks/<assignment>/...      release/<assignment>/: the notebooks and their helper files
    data/<assignment>/...           data/<assignment>/: the data the notebooks read (and its
                                    PROVENANCE.md), without the scripts that made it

Notebooks find the data as ``$COURSE_DATA/<assignment>``, else ``../../data/<assignment>``
relative to the folder they run in: in the bundle that is ``data/<assignment>``, so the
notebooks need no change. Several bundles unpacked into the same folder merge.

The archive is byte-for-byte reproducible (sorted entries, fixed dates and modes), and
is refused when any file in it shows a solution or hidden-test line of the source.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from grader.course import Course, CourseError
from grader.release.leaks import TEXT_SUFFIXES, Leak, find_leaks

BUNDLES = "bundles"
NOTEBOOKS = "notebooks"
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}
SKIP_SUFFIXES = {".pyc"}
DATA_SKIP_SUFFIXES = {".py", ".sh"}  # the instructor's tools that made the data, not data
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BundleLeakError(CourseError):
    """A bundle would show students a solution or a hidden test."""

    def __init__(self, assignment: str, leaks: list[Leak]):
        self.leaks = leaks
        listing = "\n  ".join(str(leak) for leak in leaks[:20])
        super().__init__(f"refusing to bundle {assignment}: {len(leaks)} leaked line(s) in what it would "
                         f"ship (release/{assignment}, data/{assignment}):\n  {listing}")


def bundle_path(course: Course, assignment: str) -> Path:
    return course.root / BUNDLES / f"{assignment}.zip"


def _files(folder: Path, skip_suffixes: set[str] = SKIP_SUFFIXES) -> dict[str, Path]:
    """Files under ``folder`` by relative path: no links, caches or hidden files."""
    out: dict[str, Path] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if (path.is_symlink() or not path.is_file() or SKIP_PARTS & set(rel.parts)
                or any(p.startswith(".") for p in rel.parts) or path.suffix in skip_suffixes):
            continue
        out[rel.as_posix()] = path
    return out


def readme(assignment: str, notebooks: list[str]) -> str:
    folder = f"{NOTEBOOKS}/{assignment}"
    first = notebooks[0] if notebooks else f"{assignment}.ipynb"
    listing = "\n".join(f"- `{folder}/{name}`" for name in notebooks)
    return f"""# {assignment}

{listing}

Keep this folder's layout: the notebooks read their data from `data/{assignment}/` two folders up
(or from the folder `$COURSE_DATA` names).

## JupyterLab (your computer)

1. Unpack `{assignment}.zip` into an empty folder and open a terminal there.
2. `pip install "dl-course[student]"` (from the course's package) if you have not yet.
3. `jupyter lab {folder}/{first}`
4. Write your code where it says `YOUR CODE HERE`, your answers where it says `YOUR ANSWER HERE`.
5. Before handing in: `grader validate {folder}/{first}` runs the notebook top to bottom
   and lists failing visible tests and unanswered questions (`nbgrader validate` works too, where
   nbgrader is installed).

## Colab

1. In Colab, File > Upload notebook: `{folder}/{first}` from the unpacked folder.
2. In the Files panel, upload `{assignment}.zip`, then run in a new cell at the top:

   ```
   !unzip -oq /content/{assignment}.zip -d /content/course
   %cd /content/course/{folder}
   ```
3. Delete that cell before you download the notebook to hand it in.

Hand in the `.ipynb` file(s) (and a PDF if your course asks for one: `grader pdf NOTEBOOK`).
"""


def members(course: Course, assignment: str, release_dir: Path | None = None) -> dict[str, Path | str]:
    """Archive name -> file (or text) of one assignment's bundle."""
    release_dir = release_dir or course.release / assignment
    out: dict[str, Path | str] = {}
    notebooks = []
    for rel, path in _files(release_dir).items():
        out[f"{NOTEBOOKS}/{assignment}/{rel}"] = path
        if rel.endswith(".ipynb") and "/" not in rel:
            notebooks.append(rel)
    for rel, path in data_files(course, assignment).items():
        out[f"data/{assignment}/{rel}"] = path
    out[f"README-{assignment}.md"] = readme(assignment, notebooks)
    return dict(sorted(out.items()))


def data_files(course: Course, assignment: str) -> dict[str, Path]:
    """What the bundle ships of ``data/<assignment>/``: the data and its notes, not the scripts."""
    return _files(course.data / assignment, SKIP_SUFFIXES | DATA_SKIP_SUFFIXES)


def data_leaks(course: Course, assignment: str) -> list[Leak]:
    """Solution or hidden-test lines in the files of ``data/<assignment>/`` that the bundle ships."""
    files = data_files(course, assignment)
    if not files:
        return []
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:  # find_leaks reads a folder: stage just these files
        stage = Path(tmp) / assignment
        for rel, path in files.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            if path.suffix.lower() in TEXT_SUFFIXES:
                (stage / rel).write_bytes(path.read_bytes())
        return find_leaks(course.source / assignment, stage)


def write_bundle(course: Course, assignment: str, dest: Path | None = None) -> Path:
    """Write ``bundles/<assignment>.zip`` from ``release/<assignment>/`` and ``data/<assignment>/``."""
    release_dir = course.release / assignment
    if not release_dir.is_dir():
        raise CourseError(f"release/{assignment} is missing: run `grader release {assignment}` first")
    leaks = find_leaks(course.source / assignment, release_dir) + data_leaks(course, assignment)
    if leaks:
        raise BundleLeakError(assignment, leaks)
    dest = Path(dest) if dest else bundle_path(course, assignment)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, item in members(course, assignment, release_dir).items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = item.encode("utf-8") if isinstance(item, str) else item.read_bytes()
            zf.writestr(info, data)
    os.replace(tmp, dest)
    return dest
