"""GPU checks in the examiner: hidden tests that reach the student's kernel over a bridge (``ex``).

What the student's kernel sees decides which path a GPU check runs; the note written
to the grade message says where the checks ran.
"""

from __future__ import annotations

from typing import Any

from grader.checks.gpu.device import announce, disable_tf32, has_cuda


def student_has_cuda(ex: Any) -> bool:
    """Whether the student's kernel sees CUDA (it decides which path a GPU check runs)."""
    try:
        return ex.fetch(ex.handle(has_cuda)()) is True
    except Exception:  # noqa: BLE001 - a kernel without torch: no GPU path
        return False


def student_tf32_off(ex: Any) -> None:
    """TF32 off in the student's kernel, so that its GPU results can be compared with the CPU."""
    ex.handle(disable_tf32)()


def note_where_checks_ran(ex: Any, cuda: bool) -> str:
    """Say in the cell's grade message where its GPU checks ran; returns the ``NOTE: `` line.

    The note reaches the grade message through ``ex.note`` (printed as a ``NOTE: `` line in
    plain nbgrader). When the grader has CUDA but the student's kernel does not see it, the
    note says so.
    """
    if cuda:
        line = announce() if has_cuda() else "NOTE: GPU checks ran on CUDA (the notebook's kernel)"
    else:
        line = "NOTE: GPU checks ran without a GPU: CPU path only (no marks depend on having a GPU)"
        if has_cuda():
            line += "; this grader has CUDA but the notebook's kernel could not see it"
    ex.note(line)
    return line
