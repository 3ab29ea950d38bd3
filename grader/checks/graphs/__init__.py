"""The grader's own checks for the ``graphs`` assignment, used by its hidden tests in the examiner.

A graph is a ``networkx.DiGraph`` whose nodes carry ``kind`` (``"variable"`` or
``"operation"``); operation nodes carry ``op`` (a key of :data:`ARITY`). Edges go
variable -> operation (an input) or operation -> variable (its single result); the
inputs of ``"-"`` and ``"/"`` carry ``arg=0`` (left) / ``arg=1`` (right). A variable
without a producer is an input, or a constant when it has a ``value`` attribute.

The notebook ships its own evaluator (``source/graphs/graph_tools.py``) for students;
hidden tests use this package instead, so a modified copy of that file changes nothing.
Nothing here knows the answers: it evaluates whatever graph it is given.

- :mod:`~grader.checks.graphs.rules`            the drawing rules and :func:`violations`
- :mod:`~grader.checks.graphs.evaluation`       :func:`evaluate` (strict), :func:`compute` (lenient)
- :mod:`~grader.checks.graphs.naming`           the naming rules: :func:`summary`, :func:`problems`
- :mod:`~grader.checks.graphs.student_graph`    :func:`from_student` rebuilds a graph the student's
  code returned (it arrives as a handle) from its node and edge data
- :mod:`~grader.checks.graphs.student_values`   numbers the student stored or their graph computes
- :mod:`~grader.checks.graphs.submitted_source` readings of the submitted source
  (:func:`banned_uses`, :func:`cells_after`, :func:`calls_autograd`)

:func:`compute` evaluates a graph as leniently as its meaning allows, so that a graph
which breaks a drawing rule still gets its values judged on their own. Every public
name is importable from this package, as it was from the single module it replaces.
"""

from grader.checks.graphs.evaluation import compute, evaluate, find_output, random_points
from grader.checks.graphs.naming import naming_problems, problems, summary
from grader.checks.graphs.rules import ARITY, ORDERED, GraphError, is_graph, violations
from grader.checks.graphs.student_graph import from_student
from grader.checks.graphs.student_values import close_any, graph_values, one_number, own_float, stored_float
from grader.checks.graphs.submitted_source import banned_uses, calls_autograd, cells_after

__all__ = [
    "ARITY",
    "ORDERED",
    "GraphError",
    "banned_uses",
    "calls_autograd",
    "cells_after",
    "close_any",
    "compute",
    "evaluate",
    "find_output",
    "from_student",
    "graph_values",
    "is_graph",
    "naming_problems",
    "one_number",
    "own_float",
    "problems",
    "random_points",
    "stored_float",
    "summary",
    "violations",
]
