"""``grader release``: nbgrader's ``generate_assignment`` into a staging folder, a leak check, then swap."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.course import Course, CourseError
from grader.gradebook import ensure_venv_on_path, open_gradebook
from grader.release.leaks import Leak, find_leaks


class ReleaseLeakError(CourseError):
    """The generated release would show students a solution or a hidden test."""

    def __init__(self, assignment: str, leaks: list[Leak]):
        self.leaks = leaks
        listing = "\n  ".join(str(leak) for leak in leaks[:20])
        super().__init__(
            f"refusing to release {assignment}: {len(leaks)} leaked line(s); release/ was left "
            f"unchanged. Fix the markers in source/{assignment}:\n  {listing}"
        )


def run_nbgrader(course: Course, args: list[str]) -> subprocess.CompletedProcess:
    """Run an nbgrader command on this course (its own config, the course's gradebook)."""
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course.root}",
           f"--CourseDirectory.db_url={course.db_url}", "--log-level=WARN"]
    ensure_venv_on_path()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(cmd, cwd=course.root, capture_output=True, text=True, env=env)


def generate(course: Course, assignment: str, dest: Path) -> Path:
    """Generate the student version of ``assignment`` into ``dest/<assignment>``."""
    dest.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(dest, course.root)
    proc = run_nbgrader(course, ["generate_assignment", assignment, "--force",
                                 f"--CourseDirectory.release_directory={rel}"])
    out = dest / assignment
    if proc.returncode != 0 or not out.is_dir():
        raise CourseError(f"nbgrader generate_assignment {assignment} failed:\n{proc.stdout}{proc.stderr}")
    _normalise(out)
    return out


def _normalise(folder: Path) -> None:
    """Stable bytes for committed releases: sorted keys, no kernel-specific metadata drift."""
    for nb_path in folder.glob("*.ipynb"):
        data = json.loads(nb_path.read_text(encoding="utf-8"))
        nb_path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                           encoding="utf-8")


def release(course: Course, assignments: list[str] | None = None, log=print,
            bundles: bool = True) -> list[Path]:
    """Regenerate ``release/<a>`` for each assignment; refuse (and keep the old one) on a leak.

    With ``bundles``, also write the student archive ``bundles/<a>.zip``
    (:mod:`grader.release.bundle`): the release, its helper files and ``data/<a>/``.
    """
    from grader.release.bundle import bundle_path, data_leaks, write_bundle

    done = []
    for assignment in course.check_assignments(assignments):
        with tempfile.TemporaryDirectory(prefix=".release-staging-", dir=course.root) as stage:
            out = generate(course, assignment, Path(stage))
            leaks = find_leaks(course.source / assignment, out)
            if bundles:
                leaks += data_leaks(course, assignment)
            if leaks:
                raise ReleaseLeakError(assignment, leaks)
            target = course.release / assignment
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(out), str(target))
        log(f"released {assignment} -> {target.relative_to(course.root)}")
        if bundles:
            write_bundle(course, assignment)
            log(f"bundled {assignment} -> {bundle_path(course, assignment).relative_to(course.root)}")
        done.append(target)
    return done


def ensure_in_gradebook(course: Course, assignment: str) -> None:
    """nbgrader's gradebook must know the assignment's cells before grades go in."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course.db_url) as gb:
        try:
            a = gb.find_assignment(assignment)
            known = {nb.name for nb in a.notebooks}
        except MissingEntry:
            known = set()
    if set(course.notebooks(assignment)) <= known:
        return
    with tempfile.TemporaryDirectory(prefix=".release-staging-", dir=course.root) as stage:
        generate(course, assignment, Path(stage))
