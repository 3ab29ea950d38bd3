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


def forward_passes(fn: Any, args: list, kwargs: dict) -> tuple[Any, list[dict]]:
    """Student-side observation: how ``fn`` runs the models among its arguments.

    Every ``torch.nn.Module`` passed directly as an argument gets a forward pre-hook (copies
    made with ``copy.deepcopy`` keep it); each forward pass notes the module's mode, whether
    gradients were being recorded, and the device of its first tensor input. Returns
    ``(result, passes)`` with one ``{"training", "grad_enabled", "device"}`` dict per pass.
    """
    import torch

    passes: list[dict] = []

    def hook(module: Any, inputs: tuple) -> None:
        first = next((t for t in inputs if isinstance(t, torch.Tensor)), None)
        passes.append({"training": bool(module.training), "grad_enabled": bool(torch.is_grad_enabled()),
                       "device": first.device.type if first is not None else "none"})

    models = [a for a in [*args, *kwargs.values()] if isinstance(a, torch.nn.Module)]
    handles = [m.register_forward_pre_hook(hook) for m in models]
    try:
        result = fn(*args, **kwargs)
    finally:
        for h in handles:
            h.remove()
    return result, passes[:10_000]


def printed(fn: Any, args: list, kwargs: dict) -> tuple[Any, str]:
    """Student-side observation: what ``fn`` printed (stdout and stderr) and the warnings it gave."""
    import contextlib
    import io
    import warnings

    buffer = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    text = buffer.getvalue() + "".join(f"\n{w.category.__name__}: {w.message}" for w in caught[:50])
    return result, text[:20_000]


OBSERVERS["forward_passes"] = forward_passes
OBSERVERS["printed"] = printed


def rerun_cells(cells: Any, args: list, kwargs: dict) -> tuple[dict, dict, list[str]]:
    """Student-side observation: notebook ``cells`` (their source) run again, in order, in a copy of the
    notebook's namespace where ``inputs`` replace those names. Autograd hooks watch the tensors named in
    ``watch`` (``{name: offset}``): they note that autograd computed the tensor's gradient and add
    ``offset`` to it, so the examiner can tell a value that came out of autograd from one computed
    otherwise. Returns ``({output: value}, {watched: autograd computed its gradient}, [errors])``."""
    import contextlib
    import io

    inputs, outputs = dict(args[0]), list(args[1])
    watch = dict(args[2]) if len(args) > 2 else dict(kwargs.get("watch", {}))
    names = dict(namespace())
    names.update(inputs)
    reached = {str(w): False for w in watch}

    def hook(name: str, offset: float) -> Any:
        def seen(grad: Any) -> Any:
            reached[name] = True
            return grad + offset if offset else grad
        return seen

    for w, offset in watch.items():
        names[str(w)].register_hook(hook(str(w), float(offset)))
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        transform = TransformerManager().transform_cell
    except ImportError:
        def transform(text: str) -> str:
            return text
    errors: list[str] = []
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for i, text in enumerate(cells):
            text = str(text)
            if text.lstrip().startswith("%%"):  # a cell magic (%%time ...): its body, in this namespace
                text = text.lstrip().partition("\n")[2]
            try:
                exec(compile(transform(text), f"<re-run of cell {i + 1}>", "exec"), names)  # noqa: S102
            except Exception as exc:  # noqa: BLE001 - reported to the examiner
                errors.append(f"{type(exc).__name__}: {exc}"[:500])
    return {k: names.get(k) for k in outputs}, reached, errors


OBSERVERS["rerun_cells"] = rerun_cells
