"""Trusted side of :func:`grader.checks.record.record`: compare a student's record with the reference's."""

from __future__ import annotations

from typing import Any

import numpy as np


def _as_array(value: Any) -> np.ndarray | None:
    try:
        arr = np.asarray(value)
    except Exception:
        return None
    return arr if arr.dtype != object else None


def _close(student: Any, reference: Any, rtol: float, atol: float) -> tuple[bool, str]:
    if isinstance(reference, dict):
        if not isinstance(student, dict) or set(student) != set(reference):
            return False, "has different keys than expected"
        for key in reference:
            ok, why = _close(student[key], reference[key], rtol, atol)
            if not ok:
                return False, f"[{key!r}] {why}"
        return True, ""
    s, r = _as_array(student), _as_array(reference)
    if r is None:
        return (student == reference), "differs from the expected value"
    if s is None:
        return False, f"is a {type(student).__name__}, not a number or an array"
    if s.shape != r.shape:
        return False, f"has shape {s.shape}, expected {r.shape}"
    if r.dtype.kind in "biufc" and s.dtype.kind not in "biufc":
        return False, f"has dtype {s.dtype}, expected numbers"
    if r.dtype.kind in "bU" or s.dtype.kind in "U":
        ok = bool(np.array_equal(s, r))
        return ok, "" if ok else "differs from the expected value"
    s64, r64 = s.astype(np.complex128 if "c" in (s.dtype.kind + r.dtype.kind) else np.float64), \
        r.astype(np.complex128 if "c" in (s.dtype.kind + r.dtype.kind) else np.float64)
    if not np.array_equal(np.isnan(s64), np.isnan(r64)):
        return False, "has NaN where the expected result does not (or the reverse)"
    finite = ~np.isnan(r64)
    if np.allclose(s64[finite], r64[finite], rtol=rtol, atol=atol):
        return True, ""
    diff = np.abs(s64[finite] - r64[finite])
    scale = np.maximum(np.abs(r64[finite]), 1e-300)
    return False, f"differs from the expected result (largest relative error {float(np.max(diff / scale)):.2g})"


def _equal(student: Any, reference: Any) -> bool:
    s, r = _as_array(student), _as_array(reference)
    if s is not None and r is not None and (s.ndim or r.ndim):
        return s.shape == r.shape and bool(np.array_equal(s, r))
    if isinstance(reference, dict):
        return isinstance(student, dict) and set(student) == set(reference) and \
            all(_equal(student[k], reference[k]) for k in reference)
    if isinstance(reference, list):
        return isinstance(student, list) and len(student) == len(reference) and \
            all(_equal(a, b) for a, b in zip(student, reference))
    return type(student) is type(reference) and student == reference or \
        (isinstance(student, (int, float)) and not isinstance(student, bool)
         and isinstance(reference, (int, float)) and not isinstance(reference, bool)
         and student == reference)


def _number(value: Any) -> float | None:
    arr = _as_array(value)
    if arr is None or arr.size != 1 or arr.dtype.kind not in "biuf":
        return None
    return float(arr.reshape(()))


def compare(student: Any, reference: Any, spec: dict) -> tuple[bool, str]:
    """Return ``(ok, reason)``; ``spec`` comes from the reference's record, never the student's."""
    check = spec.get("check", "close")
    if check == "close":
        return _close(student, reference, float(spec.get("rtol", 1e-7)), float(spec.get("atol", 0.0)))
    if check == "equal":
        ok = _equal(student, reference)
        return ok, "" if ok else "differs from the expected value"
    if check == "shape":
        s, r = _as_array(student), _as_array(reference)
        ok = s is not None and r is not None and s.shape == r.shape
        return ok, "" if ok else f"has shape {getattr(s, 'shape', None)}, expected {getattr(r, 'shape', None)}"
    if check == "true":
        return student is True, "" if student is True else "the condition does not hold"
    if check == "decreasing":
        arr = _as_array(student)
        if arr is None or arr.ndim != 1 or arr.size < 2 or arr.dtype.kind not in "iuf":
            return False, "is not a sequence of at least two numbers"
        first, last = float(arr[0]), float(arr[-1])
        by = float(spec.get("by", 0.0))
        target = first * (1 - by) if first > 0 else first
        ok = bool(np.isfinite(arr).all()) and last < target
        return bool(ok), "" if ok else f"did not decrease enough (first {first:.4g}, last {last:.4g})"
    value = _number(student)
    if value is None or not np.isfinite(value):
        return False, "is not a finite number"
    if check == "at_least":
        bar = float(spec["bar"])
        return value >= bar, "" if value >= bar else f"is {value:.4g}, below the bar of {bar:.4g}"
    if check == "at_most":
        bar = float(spec["bar"])
        return value <= bar, "" if value <= bar else f"is {value:.4g}, above the limit of {bar:.4g}"
    if check == "between":
        low, high = float(spec["low"]), float(spec["high"])
        ok = low <= value <= high
        return ok, "" if ok else f"is {value:.4g}, outside [{low:.4g}, {high:.4g}]"
    return False, f"unknown check {check!r} in the reference record"
