"""``record``: hidden tests send the values they checked out of the student's kernel.

A hidden test asserts as usual (so plain ``nbgrader autograde`` works and the student
gets a message), and also records the values it checked::

    out = record("conv_random", my_convolution(x, k))            # compared with rtol 1e-7
    record("train_accuracy", acc, check="at_least", bar=0.9)       # a bar, not a value

The grader runs the reference solution through the same cells and decides each
test cell in its own process by comparing the two sets of records
(:mod:`grader.checks.compare`). Patching numpy or IPython inside the student's
kernel can silence an ``assert`` but cannot make wrong values match.
"""

from __future__ import annotations

from typing import Any

from grader.checks.encoding import encode

MIMETYPE = "application/vnd.dlcourse.record+json"
CHECKS = {"close", "equal", "shape", "at_least", "at_most", "between", "true", "decreasing"}


def record(name: str, value: Any, *, check: str = "close", **spec: Any) -> Any:
    """Send ``value`` out of the kernel under ``name`` and return it unchanged.

    ``check`` says how the grader compares it with the reference solution's value:
    ``close`` (``rtol``, ``atol``, default 1e-7 / 0), ``equal``, ``shape``,
    ``at_least``/``at_most`` (``bar``), ``between`` (``low``, ``high``), ``true``,
    ``decreasing`` (a sequence whose last element is below its first by ``by`` at least).
    """
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}; use one of {sorted(CHECKS)}")
    payload = {"name": str(name), "value": encode(value), "spec": {"check": check, **spec}}
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: nothing to send to
        return value
    if get_ipython() is not None:
        display({MIMETYPE: payload, "text/plain": ""}, raw=True)
    return value
