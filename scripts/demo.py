"""The main job: release every assignment, autograde the bundled demo submissions, print the grades.

Demo submissions are built from the project's own material, so they always match the
current source: the reference solution, the blank release, and realistic wrong answers
taken from the variant catalogue (tests/variants/<assignment>.py).
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.autograde.engine import autograde  # noqa: E402
from grader.course import Course  # noqa: E402
from grader.export.grades import rows, table  # noqa: E402
from grader.release.generate import release  # noqa: E402
from tests.variants.variant import apply  # noqa: E402

BUGS_PER_ASSIGNMENT = 3


def demo_submissions(course: Course, assignment: str) -> list[str]:
    """Write ``submitted/demo-*/<assignment>/`` and return the student ids."""
    names = course.notebooks(assignment)
    source = {n: json.loads((course.source / assignment / f"{n}.ipynb").read_text()) for n in names}
    blank = {n: json.loads((course.release / assignment / f"{n}.ipynb").read_text()) for n in names}
    subs = {"demo-reference": dict(source), "demo-blank": dict(blank)}
    try:
        catalogue = importlib.import_module(f"tests.variants.{assignment}").VARIANTS
    except ModuleNotFoundError:
        catalogue = []
    import nbformat

    for variant in [v for v in catalogue if not v.correct][:BUGS_PER_ASSIGNMENT]:
        nb = apply(nbformat.from_dict(source[variant.notebook]), variant)
        subs[f"demo-bug-{variant.name}"] = {**source, variant.notebook: nb}
    for student, notebooks in subs.items():
        folder = course.submitted / student / assignment
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for extra in (course.release / assignment).iterdir():  # helper files, as a student has them
            if extra.suffix != ".ipynb":
                (shutil.copytree if extra.is_dir() else shutil.copy)(extra, folder / extra.name)
        for name, nb in notebooks.items():
            (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return list(subs)


def main() -> int:
    course = Course.at(ROOT)
    assignments = course.assignments()
    print(f"releasing {len(assignments)} assignment(s): {', '.join(assignments)}")
    release(course)
    overall = []
    for assignment in assignments:
        students = demo_submissions(course, assignment)
        print(f"\n== {assignment}: grading {len(students)} demo submissions")
        summary = autograde(course, assignment, students=students, force=True)
        for line in summary.lines():
            print(line)
        print(table([r for r in rows(course, assignment) if r["student"] in students]))
        overall.append(summary)
    print("\nscore: automatic points earned/max; written answers and tasks show as 'manual pending (N)',"
          "\nN points that wait for a person to grade them in `nbgrader formgrader`.")
    bad = [s.assignment for s in overall if s.failed]
    print("\ndone:", ", ".join(f"{s.assignment} {len(s.graded)} graded" for s in overall))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
