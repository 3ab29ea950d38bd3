"""Helpers that hidden tests call inside the student's kernel, and their trusted counterparts.

- :mod:`grader.checks.record`  ``record(name, value, ...)``: send a value out of the kernel
- :mod:`grader.checks.compare` decide, in the grader's own process, whether a recorded
  value matches the reference solution's
- :mod:`grader.checks.numeric` ``rel_error`` and numerical gradient checks
- :mod:`grader.checks.gpu`     device choice and CPU/GPU agreement checks (a package)
- :mod:`grader.checks.graphs`  computational-graph rules, evaluation and the student's graph (a package)

Nothing here is specific to one assignment, so nothing here gives answers away.
"""

from grader.checks.record import record

__all__ = ["record"]
