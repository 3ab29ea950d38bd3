"""What crosses the bridge between the student's kernel and the examiner.

From the student side only data comes back, as JSON: numbers, strings, bools,
``None``, lists, tuples, dicts, numpy arrays, torch tensors (so state dicts too).
Anything else stays in the student process and comes back as a handle (an id and a
type name). :func:`from_wire` decodes without pickle and without calling anything
the student defined, and it validates every element: a malformed or oversized reply
raises :class:`WireError`, which fails the check that asked, never the grader.

Towards the student side values are pickled (``cloudpickle``): that process is
untrusted anyway, and :class:`HandleRef` marks objects that already live there.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from grader.checks.encoding import ARRAY_KEY, EncodingError, decode_array, encode_array

MAX_REPLY_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 24
TENSOR_KEY, TUPLE_KEY, DICT_KEY, HANDLE_KEY, FLOAT_KEY = "__tensor__", "__tuple__", "__dict__", "__handle__", "__float__"


class WireError(ValueError):
    """A reply from the student side that is not valid data."""


class HandleRef:
    """An object that lives in the student process, by its id there (pickled towards the student)."""

    __slots__ = ("id",)

    def __init__(self, id: int):
        self.id = int(id)

    def __reduce__(self):
        return (HandleRef, (self.id,))


class TargetRef:
    """A name or attribute path in the student process (a proxy passed as an argument)."""

    __slots__ = ("spec",)

    def __init__(self, spec: dict):
        self.spec = dict(spec)

    def __reduce__(self):
        return (TargetRef, (self.spec,))


def map_containers(value: Any, leaf: Callable[[Any], Any]) -> Any:
    """``value`` with ``leaf`` applied inside plain lists, tuples and dicts (exact types only)."""
    if type(value) is list:
        return [map_containers(v, leaf) for v in value]
    if type(value) is tuple:
        return tuple(map_containers(v, leaf) for v in value)
    if type(value) is dict:
        return {k: map_containers(v, leaf) for k, v in value.items()}
    return leaf(value)


# ---------------------------------------------------------------- student side (encoding)

def to_wire(value: Any, keep: Callable[[Any], dict], depth: int = 0) -> Any:
    """JSON data for ``value``; ``keep(obj)`` stores what is not data and returns its handle."""
    if depth > MAX_DEPTH:
        return keep(value)
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {FLOAT_KEY: repr(value)}
    if isinstance(value, np.ndarray) and type(value) is np.ndarray:
        try:
            return encode_array(value)
        except EncodingError:
            return keep(value)
    if isinstance(value, (np.bool_, np.integer, np.floating)):
        return to_wire(value.item(), keep, depth + 1)
    if _is_tensor(value):
        t = value.detach()
        dtype = str(t.dtype).replace("torch.", "")
        if dtype in ("bfloat16", "float16"):
            t = t.float()
        try:
            array = encode_array(t.cpu().numpy())
        except (EncodingError, TypeError, RuntimeError):
            return keep(value)
        return {TENSOR_KEY: array, "dtype": dtype, "device": str(value.device),
                "requires_grad": bool(value.requires_grad)}
    if type(value) is list:
        return [to_wire(v, keep, depth + 1) for v in value]
    if type(value) is tuple:
        return {TUPLE_KEY: [to_wire(v, keep, depth + 1) for v in value]}
    if isinstance(value, dict) and type(value).__module__ in ("builtins", "collections"):
        return {DICT_KEY: [[to_wire(k, keep, depth + 1), to_wire(v, keep, depth + 1)] for k, v in value.items()]}
    return keep(value)


def _is_tensor(value: Any) -> bool:
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and type(value) in (torch.Tensor, torch.nn.Parameter)


# ---------------------------------------------------------------- examiner side (decoding)

def from_wire(data: Any, handle: Callable[[int, str], Any], depth: int = 0) -> Any:
    """Plain Python, numpy and torch values for a decoded JSON reply; validates everything."""
    if depth > MAX_DEPTH:
        raise WireError("reply nested too deeply")
    if data is None or isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, float):
        return data
    if isinstance(data, list):
        return [from_wire(v, handle, depth + 1) for v in data]
    if not isinstance(data, dict):
        raise WireError(f"unexpected element of type {type(data).__name__} in a reply")
    try:
        if ARRAY_KEY in data:
            return decode_array(data)
        if TENSOR_KEY in data:
            import torch

            array = decode_array(data[TENSOR_KEY])
            tensor = torch.from_numpy(array)
            dtype = data.get("dtype")
            if dtype in ("bfloat16", "float16"):
                tensor = tensor.to(getattr(torch, dtype))
            if data.get("requires_grad") is True and tensor.is_floating_point():
                tensor.requires_grad_(True)
            return tensor
        if FLOAT_KEY in data:
            if data[FLOAT_KEY] not in ("nan", "inf", "-inf"):
                raise WireError("malformed float in a reply")
            return float(data[FLOAT_KEY])
        if TUPLE_KEY in data:
            items = data[TUPLE_KEY]
            if not isinstance(items, list):
                raise WireError("malformed tuple in a reply")
            return tuple(from_wire(v, handle, depth + 1) for v in items)
        if DICT_KEY in data:
            out = {}
            for pair in data[DICT_KEY]:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise WireError("malformed dict in a reply")
                key = from_wire(pair[0], handle, depth + 1)
                try:
                    hash(key)
                except TypeError:
                    raise WireError("a dict key in a reply is not hashable") from None
                out[key] = from_wire(pair[1], handle, depth + 1)
            return out
        if HANDLE_KEY in data:
            hid, kind = data[HANDLE_KEY], data.get("type", "object")
            if not isinstance(hid, int) or isinstance(hid, bool) or not isinstance(kind, str):
                raise WireError("malformed handle in a reply")
            return handle(hid, kind[:200])
    except EncodingError as exc:
        raise WireError(str(exc)) from None
    raise WireError("unknown element in a reply")


def describe(value: Any) -> str:
    """A short description of a decoded value, for messages (kind and shape, never the content)."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {tuple(value.shape)}"
    if type(value).__module__.startswith("torch") and hasattr(value, "shape"):
        return f"a {str(value.dtype).replace('torch.', '')} tensor of shape {tuple(value.shape)}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        return f"a dict with {len(value)} keys"
    if value is None:
        return "None"
    if type(value).__name__ == "Remote":  # a student object that is not plain data
        kind = (getattr(value, "_kind", "") or "Python object").rsplit(".", 1)[-1]
        return f"a {kind} object (not an array or a number)"
    return f"a {type(value).__name__}"
