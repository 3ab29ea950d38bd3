"""The examiner: hidden tests run here, in a trusted process, never in the student's kernel.

``wire``       what crosses the bridge, decoded as data (no pickle, no student code)
``agent``      the student-side end: answers requests inside the kernel, decides nothing
``bridge``     the examiner-side end: requests with deadlines, proxies of student objects
``api``        what a hidden test holds: ``ex.student``, ``ex.reference``, ``ex.check``
``expect``     comparisons whose messages describe a difference without giving the answer
``reference``  the instructor's solution, loaded from ``source/``
``static``     facts read from the submitted source (which names a function reaches)
``tamper``     code that reaches into the grading machinery, flagged for review
``session``    run one test cell's hidden part against the kernel of that moment

The student's kernel still runs the notebook, visible test code included. Only what
the examiner computes decides points; see ``docs/EXAMINER.md``.
"""

from grader.examiner.api import exam

__all__ = ["exam"]
