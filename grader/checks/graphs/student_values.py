"""Values the student stored or their graph computes, read in the examiner and checked for their type.

A value of the wrong kind fails with an ``AssertionError`` that says what was expected
and what was found; a graph that cannot be evaluated fails with the reason.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from grader.checks.graphs.evaluation import compute, find_output
from grader.checks.graphs.rules import GraphError
from grader.checks.graphs.student_graph import from_student


def one_number(value: Any, what: str, describe: Any = repr) -> float:
    """``value`` as a float when it holds exactly one number (a float, an int, a one-element tensor or array)."""
    if isinstance(value, bool):
        raise AssertionError(f"{what} should be a number, got a bool")
    if isinstance(value, (int, float)):
        return float(value)
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):  # a tensor (never a proxy)
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.number):
        return float(value.reshape(-1)[0])
    raise AssertionError(f"{what} should hold one number, got {_kind_of(value, describe)}")


def _kind_of(value: Any, describe: Any) -> str:
    """``describe(value)``, or the type name of an object that stayed in the student's process."""
    from grader.examiner.bridge import Remote

    if isinstance(value, Remote):
        return f"a {str(object.__getattribute__(value, '_kind') or 'object').rsplit('.', 1)[-1]}"
    return describe(value)


def stored_float(ex: Any, name: str) -> float:
    """The student's variable ``name``, which the text asks to be a Python float (an int is fine too)."""
    value = ex.fetch(getattr(ex.student, name))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AssertionError(f"{name} should be a Python float, got {_kind_of(value, ex.describe)}")
    return float(value)


def own_float(ex: Any, name: str) -> float | None:
    """The student's float ``name``, or ``None`` when it is missing or not a float (to judge what follows from it)."""
    try:
        return stored_float(ex, name)
    except Exception:  # noqa: BLE001 - any failure means: no usable value of the student's own
        return None


def graph_values(ex: Any, got: Any, what: str, points: dict, outputs: Iterable[str],
                 optional: Iterable[str] = ()) -> dict:
    """The values of ``outputs`` of the student's graph ``got`` at ``points`` (an output missing by name
    is the graph's only unused variable), and of the ``optional`` variables the graph computes; a graph
    that cannot be evaluated fails with the reason."""
    G = from_student(ex, got, what)
    try:
        names = {out: find_output(G, out) for out in outputs}
        names.update({n: n for n in optional if n in G and G.nodes[n].get("kind") == "variable" and G.in_degree(n)})
        values = compute(G, points, list(names.values()))
    except GraphError as err:
        raise AssertionError(f"{what}: the graph cannot be evaluated ({err})") from None
    n = len(next(iter(points.values())))
    return {out: np.broadcast_to(values[node], (n,)).astype(np.float64) for out, node in names.items()}


def close_any(close: Any, got: Any, wants: list, what: str, **tolerance: Any) -> None:
    """``close(got, want, what)`` for the first of ``wants`` it accepts; else the first one's message."""
    first: AssertionError | None = None
    for want in wants:
        try:
            close(got, want, what, **tolerance)
            return
        except AssertionError as exc:
            first = first or exc
    assert first is not None
    raise first
