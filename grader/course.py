"""Where things live in a course directory (nbgrader's layout)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError


class CourseError(GraderError):
    """A problem with the course directory that the user can fix."""


class ConfigError(CourseError):
    """``nbgrader_config.py`` cannot be read: the message names the file and the line."""


def default_root() -> Path:
    """The repository root: the folder holding ``nbgrader_config.py`` above this package."""
    env = os.environ.get("GRADER_COURSE_DIR")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Course:
    """An nbgrader course directory."""

    root: Path

    @classmethod
    def at(cls, root: str | os.PathLike | None = None) -> "Course":
        path = Path(root).resolve() if root else default_root()
        if not (path / "source").is_dir():
            raise CourseError(
                f"{path} is not a course directory: it has no source/ folder. "
                "Pass --course-dir pointing at the folder that holds nbgrader_config.py and source/."
            )
        return cls(path)

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def db_url(self) -> str:
        """The gradebook: ``$GRADER_DB_URL``, else ``CourseDirectory.db_url`` in
        ``nbgrader_config.py`` (e.g. a PostgreSQL URL), else ``gradebook.db`` here."""
        return (os.environ.get("GRADER_DB_URL") or _configured_db_url(self.root)
                or f"sqlite:///{self.root / 'gradebook.db'}")

    def assignments(self) -> list[str]:
        """Assignments are the folders of ``source/`` that hold at least one notebook."""
        return sorted(
            p.name for p in self.source.iterdir()
            if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb"))
        )

    def notebooks(self, assignment: str) -> list[str]:
        """Notebook names (without ``.ipynb``) of one assignment, in sorted order."""
        folder = self.source / assignment
        if not folder.is_dir():
            known = ", ".join(self.assignments()) or "none"
            raise CourseError(f"unknown assignment {assignment!r} (known: {known})")
        return sorted(p.stem for p in folder.glob("*.ipynb"))

    def check_assignments(self, names: list[str] | None) -> list[str]:
        """Validate assignment names; all assignments when ``names`` is empty."""
        known = self.assignments()
        if not names:
            return known
        unknown = [n for n in names if n not in known]
        if unknown:
            raise CourseError(
                f"unknown assignment(s): {', '.join(unknown)}; known: {', '.join(known) or 'none'}"
            )
        return list(names)


def _configured_db_url(root: Path) -> str | None:
    config = root / "nbgrader_config.py"
    if not config.exists():
        return None
    from traitlets.config.loader import PyFileConfigLoader

    try:
        cfg = PyFileConfigLoader(config.name, path=str(root)).load_config()
    except Exception as exc:  # noqa: BLE001 - any failure: say where, never fall back silently
        raise ConfigError(_config_problem(config, exc)) from exc
    url = cfg.get("CourseDirectory", {}).get("db_url")
    return str(url) if url else None


def _config_problem(config: Path, exc: BaseException) -> str:
    """``FILE, line N: what went wrong``, and what grader would otherwise have done."""
    line = None
    if isinstance(exc, SyntaxError) and exc.lineno:
        line = exc.lineno
    else:
        import traceback

        here = os.path.realpath(config)
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename and os.path.realpath(frame.filename) == here:
                line = frame.lineno
    where = f"{config}, line {line}" if line else str(config)
    what = f"{type(exc).__name__}: {exc.msg if isinstance(exc, SyntaxError) else exc}"
    return (f"{where}: {what}\nnbgrader_config.py cannot be read: fix that line. Until then grader cannot "
            "tell which gradebook (CourseDirectory.db_url) to use, and it does not guess; the environment "
            "variable GRADER_DB_URL chooses one without reading the file.")

