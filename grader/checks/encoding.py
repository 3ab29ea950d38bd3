"""A JSON encoding for recorded values: plain data and arrays, never pickle."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

ARRAY_KEY = "__ndarray__"
FLOAT_KEY = "__float__"
ALLOWED_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                  "uint64", "float16", "float32", "float64", "complex64", "complex128"}
MAX_DEPTH = 20


class EncodingError(ValueError):
    """A value that cannot be recorded or a payload that is not a valid record."""


def _to_numpy(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        return value
    mod = type(value).__module__
    if mod.startswith("torch") and hasattr(value, "detach"):
        t = value.detach()
        if str(getattr(t, "dtype", "")) == "torch.bfloat16":
            t = t.float()
        return t.cpu().numpy()
    return None


def encode_array(arr: np.ndarray) -> dict:
    """One numpy array as JSON data (raw bytes in base64, dtype and shape)."""
    dtype = str(arr.dtype)
    if dtype not in ALLOWED_DTYPES:
        raise EncodingError(f"cannot record an array of dtype {dtype}")
    data = np.ascontiguousarray(arr)
    return {ARRAY_KEY: base64.b64encode(data.tobytes()).decode("ascii"),
            "dtype": dtype, "shape": list(arr.shape)}


def decode_array(data: dict) -> np.ndarray:
    """Inverse of :func:`encode_array`; validates dtype, shape and size (the payload is untrusted)."""
    dtype, shape = data.get("dtype"), data.get("shape")
    if dtype not in ALLOWED_DTYPES or not isinstance(shape, list) \
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise EncodingError("malformed array in payload")
    try:
        raw = base64.b64decode(str(data[ARRAY_KEY]), validate=True)
    except ValueError:
        raise EncodingError("array payload is not base64") from None
    if len(raw) != int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize:
        raise EncodingError("array payload has the wrong size")
    return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()


def encode(value: Any, depth: int = 0) -> Any:
    """Turn numbers, strings, sequences, dicts, numpy arrays and tensors into JSON data."""
    if depth > MAX_DEPTH:
        raise EncodingError("value nested too deeply to record")
    arr = _to_numpy(value)
    if arr is not None:
        return encode_array(arr)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else {FLOAT_KEY: repr(f)}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): encode(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v, depth + 1) for v in value]
    raise EncodingError(f"cannot record a value of type {type(value).__name__}")


def decode(data: Any, depth: int = 0) -> Any:
    """Inverse of :func:`encode`; validates everything (the payload is untrusted)."""
    if depth > MAX_DEPTH:
        raise EncodingError("payload nested too deeply")
    if isinstance(data, dict):
        if ARRAY_KEY in data:
            return decode_array(data)
        if FLOAT_KEY in data:
            text = data[FLOAT_KEY]
            if text not in {"nan", "inf", "-inf"}:
                raise EncodingError("malformed float in payload")
            return float(text)
        return {str(k): decode(v, depth + 1) for k, v in data.items()}
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    raise EncodingError("unexpected payload element")
