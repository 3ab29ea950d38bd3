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
``observe``: one of the *student-side observations* of :mod:`grader.examiner.observers`.
"""

from __future__ import annotations

import base64
import json
import pickle
import sys
import traceback
from typing import Any

from grader.examiner.wire import HANDLE_KEY, HandleRef, TargetRef, map_containers, to_wire

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


def namespace() -> dict:
    """The notebook's global namespace (IPython's user namespace)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:
        pass
    return sys.modules["__main__"].__dict__


def _resolve(value: Any) -> Any:
    def leaf(v: Any) -> Any:
        if isinstance(v, HandleRef):
            return _handles[v.id]
        if isinstance(v, TargetRef):
            return _target(v.spec)
        return v

    return map_containers(value, leaf)


def _target(spec: dict) -> Any:
    if "handle" in spec:
        obj = _handles[int(spec["handle"])]
    else:
        ns = namespace()
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
    if op == "observe":
        from grader.examiner import observers

        observer = observers.OBSERVERS[req["observer"]]
        args, kwargs = _args(req)
        return observer(_target(req["target"]), args, kwargs)
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
