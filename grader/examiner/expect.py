"""Comparisons for hidden tests, run in the trusted process, with messages that never give the answer.

Each raises ``AssertionError`` with what was tested, what was expected in kind and
what came back (shapes, dtypes, how far off), never the expected numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.examiner.wire import describe

__all__ = ["close", "equal", "shape", "describe"]


def _array(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    if isinstance(value, (int, float, list, tuple)) and not isinstance(value, bool):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return arr
    return None


def close(got: Any, want: Any, what: str, *, rtol: float = 1e-7, atol: float = 0.0,
          expected: str = "the reference solution's values") -> None:
    """``got`` matches ``want`` entry by entry: ``|got - want| <= atol + rtol * |want|``."""
    want_arr = _array(want)
    got_arr = _array(got)
    tol = f"rtol {rtol:g}" + (f", atol {atol:g}" if atol else "")
    if got_arr is None or not np.issubdtype(got_arr.dtype, np.number) and got_arr.dtype != bool:
        raise AssertionError(f"{what}: expected numbers like {expected}, got {describe(got)}")
    assert want_arr is not None
    if got_arr.shape != want_arr.shape:
        raise AssertionError(f"{what}: expected shape {tuple(want_arr.shape)}, got {describe(got)}")
    g = got_arr.astype(np.float64) if not np.iscomplexobj(got_arr) else got_arr
    w = want_arr.astype(np.float64) if not np.iscomplexobj(want_arr) else want_arr
    ok = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    if not ok.all():
        bad = int((~ok).sum())
        with np.errstate(all="ignore"):
            diff = np.nan_to_num(np.where(ok, 0, np.abs(g - w)), nan=np.inf)  # a nan is as far off as can be
            worst = int(np.nanargmax(diff.ravel())) if g.size else 0
            size = float(np.abs(w.ravel()[worst])) if g.size else 0.0
            gap = float(diff.ravel()[worst]) if g.size else 0.0
        how = (f"largest relative difference {gap / size:.3g}" if size > 0 and np.isfinite(gap)
               else f"largest absolute difference {gap:.3g}")
        finite = "" if np.isfinite(g).all() else " (some values are nan or inf)"
        raise AssertionError(f"{what}: differs from {expected} ({tol}) at {bad} of {g.size} entries, "
                             f"{how}{finite}")


def equal(got: Any, want: Any, what: str) -> None:
    """Exact equality of plain values (shapes, dtypes, names, flags)."""
    if isinstance(got, np.ndarray) or isinstance(want, np.ndarray):
        same = isinstance(got, np.ndarray) and np.array_equal(got, want)
    else:
        same = type(got) is type(want) and got == want or (
            isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)) and list(got) == list(want))
    if not same:
        raise AssertionError(f"{what}: expected {want!r}, got {got!r}" if _short(want) and _short(got)
                             else f"{what}: got {describe(got)}, which is not what was expected")


def shape(got: Any, want: tuple, what: str) -> None:
    """``got`` is an array or tensor of shape ``want``."""
    arr = _array(got)
    if arr is None or tuple(arr.shape) != tuple(want):
        raise AssertionError(f"{what}: expected an array of shape {tuple(want)}, got {describe(got)}")


def _short(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), tuple, list)) and len(repr(value)) <= 80
