"""The examiner: hidden tests run here, in a trusted process, never in the student's kernel.

``wire``       what crosses the bridge, decoded as data (no pickle, no student code)
``agent``      the student-side end: answers requests inside the kernel, decides nothing
``observers``  student-side observations, named as such (lines run, torch blocked, ...)
``bridge``     the examiner-side end: requests with deadlines, proxies of student objects
``api``        what a hidden test holds: ``ex.student``, ``ex.reference``, ``ex.check``
``expect``     comparisons whose messages describe a difference without giving the answer
``rules``      rule checks shared by hidden tests (no torch, no loop over pixels)
``reference``  the instructor's solution, loaded from ``source/``
``static``     facts read from the submitted source (which names a function reaches)
``tamper``     code that reaches into the grading machinery, flagged for review
``session``    run one test cell's hidden part against the kernel of that moment

The student's kernel still runs the notebook, visible test code included. Only what
the examiner computes decides points; see ``docs/EXAMINER.md``. Importing this package
is cheap (the kernel imports the agent through it): :func:`exam` loads the rest lazily.
"""

from __future__ import annotations

from typing import Any


def exam(namespace: dict, notebook: str) -> Any:
    """The active examiner session, or a direct one over ``namespace`` (see :func:`grader.examiner.api.exam`)."""
    from grader.examiner.api import exam as _exam

    return _exam(namespace, notebook)


__all__ = ["exam"]
