"""Rules shared by hidden tests: each decides its rule only, never the values.

A rule is first decided on trusted ground (the submitted source, read in the
examiner). Where that cannot see everything, an observation made inside the
student's process backs it up; such observations are named ``student_side_*`` and
are not counted for notebooks flagged for review (:mod:`grader.examiner.tamper`).
"""

from __future__ import annotations

from typing import Any

from grader.examiner.bridge import StudentError

TORCH = ("torch", "torchvision")


def answered(ex: Any, name: str, *args: Any) -> Any:
    """``student.name(*args)``, failing with "not answered" when it still raises NotImplementedError."""
    try:
        return getattr(ex.student, name)(*args)
    except StudentError as exc:
        if exc.kind == "NotImplementedError":
            raise
        return None  # a crash is a value bug: the value tests take those marks


def no_module(ex: Any, name: str, *args: Any, modules: tuple[str, ...] = TORCH,
              helpers: tuple[str, ...] = ()) -> None:
    """``name`` (and the notebook functions it calls) uses none of ``modules`` and ``helpers``."""
    label = "/".join(modules[:1])
    if not ex.source.defines(name):
        raise AssertionError(f"{name} is not defined in the notebook")
    reached = ex.source.uses(name, modules=modules, names=helpers)
    assert not reached, (f"{name} uses {', '.join(reached)} (read from your code): write it with numpy only, "
                         f"no {label} inside it or in the functions it calls")
    _, used, error = ex.student_side_without_torch(getattr(ex.student, name), *args)
    assert not used, f"{name} used {', '.join(used)} while it ran: write it with numpy only"
    if error.startswith("NotImplementedError"):
        raise AssertionError(f"not answered yet: {name} still raises NotImplementedError")


def few_lines(ex: Any, name: str, *args: Any, at_most: int, what: str) -> None:
    """Student-side observation: running ``name(*args)`` executes at most ``at_most`` notebook lines."""
    fn = getattr(ex.student, name)
    try:
        _, lines = ex.student_side_lines_run(fn, *args)
    except StudentError as exc:
        if exc.kind == "NotImplementedError":
            raise
        return  # a crash is a value bug, judged by the value tests
    assert lines <= at_most, (f"{lines} lines of your code ran for {what}: that is a Python loop over the "
                              f"output pixels (at most {at_most} allowed); vectorise it")
