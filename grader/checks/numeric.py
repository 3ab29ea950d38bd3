"""Numerical checks in float64: relative error and centred-difference gradients (after CS231n)."""

from __future__ import annotations

from typing import Callable

import numpy as np


def rel_error(x: np.ndarray, y: np.ndarray, eps: float = 1e-12) -> float:
    """Largest elementwise relative error ``|x - y| / max(|x| + |y|, eps)``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"shapes differ: {x.shape} vs {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(eps, np.abs(x) + np.abs(y))))


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar ``f()`` with respect to ``x`` (modified in place, then restored)."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = float(f())
        x[i] = old - h
        minus = float(f())
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
        it.iternext()
    return grad


def numerical_gradient_array(f: Callable[[], np.ndarray], x: np.ndarray, d_out: np.ndarray,
                             h: float = 1e-6) -> np.ndarray:
    """Gradient of ``sum(f() * d_out)`` with respect to ``x``: checks a layer's backward pass."""
    return numerical_gradient(lambda: float(np.sum(f() * d_out)), x, h)


def rel_error_norm(x: np.ndarray, y: np.ndarray, eps: float = 1e-12) -> float:
    """Relative error of whole arrays, ``||x - y|| / max(||x|| + ||y||, eps)`` (2-norms).

    Unlike :func:`rel_error` it is not thrown off by entries that are nearly zero in both
    arrays (e.g. gradients of units a ReLU switched off), where a centred difference has only
    absolute, not relative, accuracy.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"shapes differ: {x.shape} vs {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.linalg.norm(x - y) / max(eps, float(np.linalg.norm(x) + np.linalg.norm(y))))
