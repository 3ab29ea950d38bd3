"""Generic torch helpers for hidden tests: watch how student code calls a model, set weights.

Nothing here knows any assignment's architecture:

- :class:`Probe` wraps any module and notes, on every forward call, the mode, whether
  gradients were on, and the device/dtype/shape of the input. A training loop or an
  evaluation function written by the student is run on a ``Probe`` to see how it calls
  the model (``net.train()``/``net.eval()``, ``torch.no_grad()``, ``.to(device)``).
- :func:`load_layers` loads per-layer state dicts into named sub-modules (robust to
  students who also keep the same layers in an ``nn.Sequential``).
- :func:`seeded_state` draws reproducible weights for a module's parameters.
- :func:`parameters_of` / :func:`gradients_of` copy parameters and ``.grad`` to numpy.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np


def _torch():
    import torch

    return torch


def Probe(module: "Any") -> "Any":
    """Return an ``nn.Module`` that runs ``module`` and records how it was called.

    The result has ``calls``: a list of dicts with keys ``training`` (bool),
    ``grad_enabled`` (bool), ``device`` (str), ``dtype`` (str) and ``batch`` (int).
    ``train()``/``eval()``/``.to()`` reach the wrapped module as usual.
    """
    torch = _torch()

    class _Probe(torch.nn.Module):
        def __init__(self, inner: "torch.nn.Module"):
            super().__init__()
            self.inner = inner
            self.calls: list[dict] = []

        def forward(self, x: "torch.Tensor") -> "torch.Tensor":
            self.calls.append({
                "training": bool(self.training),
                "grad_enabled": bool(torch.is_grad_enabled()),
                "device": x.device.type,
                "dtype": str(x.dtype).replace("torch.", ""),
                "batch": int(x.shape[0]) if x.ndim else 0,
            })
            return self.inner(x)

    return _Probe(module)


def seeded_state(module: "Any", seed: int, scale: float = 0.3) -> dict:
    """Reproducible random values for every entry of ``module.state_dict()``, as float32 tensors."""
    torch = _torch()
    gen = torch.Generator().manual_seed(int(seed))
    return {name: (torch.randn(t.shape, generator=gen) * scale).to(t.dtype)
            for name, t in module.state_dict().items()}


def load_layers(net: "Any", layers: dict[str, dict]) -> None:
    """Load ``layers[name]`` (a state dict such as ``{"weight": w, "bias": b}``) into ``net.<name>``.

    Raises ``AttributeError`` naming the missing layer, or ``RuntimeError`` from
    ``load_state_dict`` when the shapes differ.
    """
    torch = _torch()
    for name, state in layers.items():
        layer = getattr(net, name, None)
        if not isinstance(layer, torch.nn.Module):
            raise AttributeError(f"the model has no layer attribute {name!r}")
        layer.load_state_dict({k: v.clone() for k, v in state.items()})


def parameters_of(net: "Any") -> list[np.ndarray]:
    """Copies of the parameters, float64 numpy, in ``net.parameters()`` order."""
    return [p.detach().cpu().double().numpy().copy() for p in net.parameters()]


def gradients_of(net: "Any") -> list[np.ndarray | None]:
    """Copies of ``p.grad`` (``None`` where a parameter has no gradient)."""
    return [None if p.grad is None else p.grad.detach().cpu().double().numpy().copy()
            for p in net.parameters()]


def relative_distance(a: Iterable[np.ndarray], b: Iterable[np.ndarray]) -> float:
    """``||a - b|| / max(||b||, 1e-30)`` over the concatenation of the arrays."""
    a, b = [np.ravel(x) for x in a], [np.ravel(x) for x in b]
    fa = np.concatenate(a) if a else np.zeros(0)
    fb = np.concatenate(b) if b else np.zeros(0)
    if fa.shape != fb.shape:
        return float("inf")
    return float(np.linalg.norm(fa - fb) / max(float(np.linalg.norm(fb)), 1e-30))
