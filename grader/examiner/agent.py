"""The examiner's agent inside the student's kernel: it answers requests, it decides nothing.

The examiner sends each request as a silent ``execute_request`` that calls
:func:`serve`. The agent looks the target up in the notebook's namespace (or in its
table of handles), performs one operation and publishes the answer as one
``display_data`` message of :data:`MIMETYPE`. Everything here runs in a process the
student controls, so the examiner treats every answer as the student's answer and
nothing more: values are decoded as data (:mod:`grader.examiner.wire`) and compared
in the examiner.

Operations: ``get`` (a name or attribute path), ``call``, ``set`` (an attribute),
``put`` (store a pickled object, get a handle), ``seed`` (random, numpy, torch) and
two *student-side observations*, which the examiner names as such: ``lines`` (how
many lines of notebook code ran during a call) and ``without_torch`` (the call with
every torch object in the function's globals, and ``import torch``, blocked).
"""

from __future__ import annotations

import base64
import json
import pickle
import sys
import traceback
from typing import Any

from grader.examiner.wire import HANDLE_KEY, HandleRef, to_wire

MIMETYPE = "application/vnd.dlcourse.examiner+json"
_handles: dict[int, Any] = {}


def _keep(obj: Any) -> dict:
    hid = len(_handles) + 1
    _handles[hid] = obj
    kind = type(obj)
    return {HANDLE_KEY: hid, "type": f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', '?')}"}


class _Kept:
    """The answer to ``put``: the handle itself, even for plain data."""

    def __init__(self, handle: dict):
        self.handle = handle


def _namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:
        pass
    return sys.modules["__main__"].__dict__


def _resolve(value: Any) -> Any:
    if isinstance(value, HandleRef):
        return _handles[value.id]
    if type(value) is list:
        return [_resolve(v) for v in value]
    if type(value) is tuple:
        return tuple(_resolve(v) for v in value)
    if type(value) is dict:
        return {k: _resolve(v) for k, v in value.items()}
    return value


def _target(spec: dict) -> Any:
    if "handle" in spec:
        obj = _handles[int(spec["handle"])]
    else:
        ns = _namespace()
        name = spec["name"]
        if name not in ns:
            raise NameError(f"name '{name}' is not defined")
        obj = ns[name]
    for step in spec.get("path", []):
        if isinstance(step, list):  # [key] for indexing
            obj = obj[step[0]]
        else:
            obj = getattr(obj, step)
    return obj


def _args(req: dict) -> tuple[list, dict]:
    blob = req.get("args")
    if not blob:
        return [], {}
    args, kwargs = pickle.loads(base64.b64decode(blob))
    return _resolve(args), _resolve(kwargs)


def _seed(n: int) -> None:
    import random

    random.seed(n)
    try:
        import numpy as np

        np.random.seed(n)
    except ImportError:
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(n)


def _count_lines(fn: Any, args: list, kwargs: dict) -> tuple[Any, int]:
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


def _without_torch(fn: Any, args: list, kwargs: dict) -> tuple[Any, list[str], str]:
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

    names = getattr(fn, "__globals__", _namespace())
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


def _run(req: dict) -> Any:
    op = req["op"]
    if op == "get":
        return _target(req["target"])
    if op == "call":
        args, kwargs = _args(req)
        return _target(req["target"])(*args, **kwargs)
    if op == "set":
        args, _ = _args(req)
        setattr(_target(req["target"]), req["attr"], args[0])
        return None
    if op == "put":
        args, _ = _args(req)
        return _Kept(_keep(args[0]))
    if op == "seed":
        _seed(int(req["seed"]))
        return None
    if op == "lines":
        args, kwargs = _args(req)
        return _count_lines(_target(req["target"]), args, kwargs)
    if op == "without_torch":
        args, kwargs = _args(req)
        return _without_torch(_target(req["target"]), args, kwargs)
    if op == "reset":
        _handles.clear()
        return None
    raise ValueError(f"unknown request {op!r}")


def serve(text: str) -> None:
    """Answer one request (JSON text) with one ``display_data`` message."""
    reply = answer(json.loads(text))
    from IPython.display import publish_display_data

    publish_display_data({MIMETYPE: reply})


def answer(req: dict) -> dict:
    """The reply to one request: ``{"ok": True, "value": wire}`` or ``{"ok": False, "error": ...}``."""
    try:
        value = _run(req)
        wire = value.handle if isinstance(value, _Kept) else to_wire(value, _keep)
        reply = {"nonce": req["nonce"], "ok": True, "value": wire}
    except BaseException as exc:  # noqa: BLE001 - every failure is the answer to this request
        frames = traceback.extract_tb(exc.__traceback__)
        mine = [f for f in frames if "grader/examiner" not in f.filename.replace("\\", "/")]
        where = "".join(traceback.format_list(mine[-3:]))
        reply = {"nonce": req["nonce"], "ok": False,
                 "error": {"type": type(exc).__name__, "message": _safe_str(exc)[:2000], "where": where[-2000:]}}
    return reply


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - a student exception whose __str__ raises
        return "(no message)"
