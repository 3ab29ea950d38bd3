"""Hard-coded CUDA found line by line in a function's source (run in the student's kernel).

Kept for the cnn and pretrained tests that call it there; new tests use
:func:`grader.checks.gpu.cuda_syntax.hard_coded_cuda`, which reads the syntax tree.
"""

from __future__ import annotations

import inspect
import re
from typing import Callable


HARD_CODED_CUDA = re.compile(r"""(['"])cuda(:\d+)?\1""")


def hard_codes_cuda(fn: Callable | type) -> bool:
    """True when the source of ``fn`` names ``"cuda"`` outside an ``is_available()`` choice.

    Line-based and run in the student's kernel (cnn, pretrained): a conditional split over
    several lines, or a docstring that mentions ``"cuda"``, counts as hard-coding. New
    tests use :func:`hard_coded_cuda`, which reads the syntax tree in the examiner.
    """
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        if not isinstance(fn, type):
            return False
        # Classes defined in a notebook have no source file before Python 3.13: check
        # their methods instead, whose code objects point at the cell's source.
        members = [getattr(m, "fget", None) or getattr(m, "__func__", m) for m in vars(fn).values()]
        return any(hard_codes_cuda(m) for m in members if inspect.isfunction(m))
    for line in src.splitlines():
        code = line.split("#", 1)[0]
        if HARD_CODED_CUDA.search(code) and "is_available" not in code:
            return True
    return False
