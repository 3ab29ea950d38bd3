"""Unit tests of the trusted verdict: records, comparisons, messages."""

from __future__ import annotations

import numpy as np
import nbformat
import pytest

from grader.autograde.verdict import judge_cell, records_of
from grader.checks.compare import compare
from grader.checks.encoding import EncodingError, decode, encode
from grader.checks.record import MIMETYPE


def _cell(outputs, points=2):
    cell = nbformat.v4.new_code_cell("pass")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_x", "points": points,
                                 "locked": True, "schema_version": 3}
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def _rec(name, value, **spec):
    return {"output_type": "display_data", "metadata": {},
            "data": {MIMETYPE: {"name": name, "value": encode(value), "spec": {"check": "close", **spec}}}}


REF = [("y", np.arange(3.0), {"check": "close"})]


def test_matching_records_pass_and_notes_become_the_message():
    out = [_rec("y", np.arange(3.0)),
           {"output_type": "stream", "name": "stdout", "text": "NOTE: GPU checks ran without a GPU\nother\n"}]
    r = judge_cell(_cell(out), "nb", REF)
    assert (r.status, r.points, r.message) == ("passed", 2.0, "GPU checks ran without a GPU")


def test_wrong_values_fail_even_without_an_error():
    r = judge_cell(_cell([_rec("y", np.arange(3.0) + 1)]), "nb", REF)
    assert r.status == "failed" and r.points == 0 and r.flagged and "y differs" in r.message


def test_missing_record_fails():
    r = judge_cell(_cell([]), "nb", REF)
    assert r.status == "failed" and "did not get as far" in r.message


def test_error_output_fails_with_a_helpful_message():
    err = {"output_type": "error", "ename": "NotImplementedError", "evalue": "", "traceback": []}
    r = judge_cell(_cell([_rec("y", np.arange(3.0)), err]), "nb", REF)
    assert r.status == "failed" and "YOUR CODE HERE" in r.message


def test_stderr_and_warnings_do_not_matter():
    noise = {"output_type": "stream", "name": "stderr", "text": "UserWarning: slow\nTraceback (fake)\n"}
    assert judge_cell(_cell([_rec("y", np.arange(3.0)), noise]), "nb", REF).status == "passed"


def test_malformed_payloads_are_ignored():
    bad = {"output_type": "display_data", "metadata": {},
           "data": {MIMETYPE: {"name": "y", "value": {"__ndarray__": "!!", "dtype": "object", "shape": [3]}}}}
    assert records_of(_cell([bad])) == []


@pytest.mark.parametrize("value", [np.float32(1.5), np.arange(6).reshape(2, 3), 3, "s", None, [1, {"a": 2.0}],
                                   float("nan"), np.array([True, False])])
def test_encoding_round_trips(value):
    back = decode(encode(value))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    elif isinstance(value, float) and np.isnan(value):
        assert np.isnan(back)
    else:
        assert back == value


def test_decode_rejects_object_arrays():
    with pytest.raises(EncodingError):
        decode({"__ndarray__": "AAAA", "dtype": "object", "shape": [1]})


@pytest.mark.parametrize("student,reference,spec,ok", [
    (np.ones(3), np.ones(3) * (1 + 1e-9), {"check": "close"}, True),
    (np.ones(3), np.ones(3) * 1.01, {"check": "close"}, False),
    (np.ones((3, 1)), np.ones(3), {"check": "close"}, False),
    (0.95, None, {"check": "at_least", "bar": 0.9}, True),
    (0.85, None, {"check": "at_least", "bar": 0.9}, False),
    ([3.0, 2.0, 1.0], None, {"check": "decreasing", "by": 0.5}, True),
    ([3.0, 2.9], None, {"check": "decreasing", "by": 0.5}, False),
    ("float64", "float64", {"check": "equal"}, True),
    ("float32", "float64", {"check": "equal"}, False),
    (0.02, None, {"check": "between", "low": 0.005, "high": 0.05}, True),
    (float("nan"), None, {"check": "at_most", "bar": 1}, False),
])
def test_compare(student, reference, spec, ok):
    assert compare(student, reference, spec)[0] is ok
