"""Student-side observations: rules that can only be seen while the student's code runs.

Each observer runs **inside the student's process** (called by the agent) as
``observer(target, args, kwargs)`` and returns data. The student controls that process,
so an observation is evidence, not proof: the examiner reaches them only through
``ex.student_side_*`` methods, which refuse to count them for notebooks flagged for
review. Prefer a trusted alternative (reading the source, measuring in the examiner).
Add an observer by writing a function here and naming it in :data:`OBSERVERS`.
"""

from __future__ import annotations

import sys
from typing import Any

from grader.examiner.agent import namespace


def lines(fn: Any, args: list, kwargs: dict) -> tuple[Any, int]:
    """Student-side observation: line events in notebook code while ``fn`` runs."""
    code = getattr(fn, "__code__", None)
    home = code.co_filename if code is not None else ""
    import os

    home_dir = os.path.dirname(home)

    def mine(filename: str) -> bool:
        return os.path.dirname(filename) == home_dir if home_dir else filename.startswith("<ipython-input")

    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
        return local

    def outer(frame, event, arg):
        return local if event == "call" and mine(frame.f_code.co_filename) else None

    previous = sys.gettrace()
    sys.settrace(outer)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return result, count[0]


def without_torch(fn: Any, args: list, kwargs: dict) -> tuple[Any, list[str], str]:
    """Student-side observation: call ``fn`` with torch blocked; returns (result, uses, error)."""
    import builtins
    import types

    used: list[str] = []
    fname = getattr(fn, "__name__", "the function")

    class Blocked:
        def __init__(self, name: str):
            self._name = name

        def __getattr__(self, attr: str) -> Any:
            used.append(f"{self._name}.{attr}")
            raise RuntimeError(f"{self._name}.{attr} was used inside {fname}; use numpy only")

        def __call__(self, *a: Any, **k: Any) -> Any:
            used.append(self._name)
            raise RuntimeError(f"{self._name} was called inside {fname}; use numpy only")

    def is_torch(value: Any) -> bool:
        try:
            if isinstance(value, types.ModuleType):
                return value.__name__.split(".")[0] in ("torch", "torchvision")
            mod = getattr(value, "__module__", None) or type(value).__module__ or ""
            return str(mod).split(".")[0] in ("torch", "torchvision")
        except Exception:  # noqa: BLE001 - an object whose attributes raise is not torch
            return False

    names = getattr(fn, "__globals__", namespace())
    saved = {n: v for n, v in list(names.items()) if is_torch(v) or n == "torch_convolution"}
    real_import = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        if name.split(".")[0] in ("torch", "torchvision") and (globals or {}).get("__name__") == "__main__":
            used.append(f"import {name}")
            raise ImportError(f"import {name} inside {fname}; use numpy only")
        return real_import(name, globals, locals, fromlist, level)

    result, error = None, ""
    try:
        for n in saved:
            names[n] = Blocked(n)
        builtins.__import__ = guarded
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - reported to the examiner
            error = f"{type(exc).__name__}: {exc}"
    finally:
        builtins.__import__ = real_import
        names.update(saved)
    return result, sorted(set(used)), error



OBSERVERS = {
    "lines": lines,
    "without_torch": without_torch,
}


def warnings_raised(fn: Any, args: list, kwargs: dict) -> tuple[Any, list[str]]:
    """Student-side observation: the warnings (numpy overflow and division included) ``fn`` raises."""
    import warnings

    import numpy as np

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            result = fn(*args, **kwargs)
    return result, [f"{w.category.__name__}: {w.message}"[:200] for w in caught[:10]]


OBSERVERS["warnings"] = warnings_raised
