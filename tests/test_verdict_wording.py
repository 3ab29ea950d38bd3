"""A value that merely differs from the reference reads as a difference, never as an accusation."""

from __future__ import annotations

import nbformat
import numpy as np

from grader.autograde.verdict import judge_cell
from grader.checks.encoding import encode
from grader.checks.record import MIMETYPE


def test_a_differing_value_says_it_differs_from_the_reference():
    cell = nbformat.v4.new_code_cell("pass")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_x", "points": 2,
                                 "locked": True, "schema_version": 3}
    cell.outputs = [nbformat.from_dict({
        "output_type": "display_data", "metadata": {},
        "data": {MIMETYPE: {"name": "y", "value": encode(np.arange(3.0) + 1), "spec": {"check": "close"}}}})]
    r = judge_cell(cell, "nb", [("y", np.arange(3.0), {"check": "close"})])
    assert (r.status, r.points) == ("failed", 0.0)
    assert "differs from the reference solution: y differs" in r.message
    for word in ("patched", "numpy, torch", "IPython"):
        assert word not in r.message
