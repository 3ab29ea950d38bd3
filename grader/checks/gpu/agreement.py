"""CPU/GPU agreement: run the same computation on both devices (TF32 off) and compare the results.

Without CUDA only the CPU path runs and agreement holds, so no marks depend on having a GPU.
"""

from __future__ import annotations

from typing import Any, Callable

from grader.checks.gpu.device import disable_tf32, has_cuda


class tf32_off:
    """Context manager: TF32 off for float32 matmuls and convolutions, restored on exit.

    With TF32 on, an Ampere-or-later GPU rounds float32 matmul inputs to 10 mantissa
    bits, so a GPU step can differ from the CPU step by ~1e-3; with it off they agree
    to ~1e-6.
    """

    def __enter__(self) -> "tf32_off":
        import torch

        self._saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
        disable_tf32()
        return self

    def __exit__(self, *exc: Any) -> None:
        import torch

        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = self._saved


def to_cpu(value: Any) -> Any:
    """``value`` with every tensor detached and moved to the CPU (lists, tuples, dicts kept)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_cpu(v) for v in value)
    return value


def max_abs_difference(a: Any, b: Any) -> float:
    """Largest absolute difference between two results of the same structure (tensors,
    arrays, numbers, or lists/tuples/dicts of them); ``inf`` when their shapes differ."""
    import numpy as np

    a, b = to_cpu(a), to_cpu(b)
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return float("inf")
        return max((max_abs_difference(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return float("inf")
        return max((max_abs_difference(x, y) for x, y in zip(a, b)), default=0.0)
    x = np.asarray(a.double().numpy() if hasattr(a, "double") else a, dtype=np.float64)
    y = np.asarray(b.double().numpy() if hasattr(b, "double") else b, dtype=np.float64)
    if x.shape != y.shape:
        return float("inf")
    if x.size == 0:
        return 0.0
    diff = np.abs(x - y)
    return float("inf") if not np.isfinite(diff).all() else float(diff.max())


def run_on_cpu_and_gpu(run: Callable[[Any], Any]) -> dict[str, Any]:
    """Call ``run(device)`` once with ``torch.device("cpu")`` and, where CUDA is available,
    once with ``torch.device("cuda")`` (TF32 off); returns ``{"cpu": ..., "cuda": ...}``
    with every tensor moved to the CPU (no ``"cuda"`` key without a GPU)."""
    import torch

    results = {"cpu": to_cpu(run(torch.device("cpu")))}
    if has_cuda():
        with tf32_off():
            results["cuda"] = to_cpu(run(torch.device("cuda")))
            torch.cuda.synchronize()
    return results


def cpu_gpu_agree(run: Callable[[Any], Any], atol: float = 1e-5, rtol: float = 1e-4) -> tuple[bool, str]:
    """Whether ``run(device)`` gives the same result on the GPU as on the CPU.

    ``run`` builds everything it needs on ``device`` (seeded, so both runs start from the
    same values) and returns tensors. Returns ``(ok, message)``: on a machine without
    CUDA only the CPU path runs (its errors propagate) and ``ok`` is True, so no marks
    depend on having a GPU; the message says which case happened. The tolerances suit
    float32 with TF32 off.
    """
    results = run_on_cpu_and_gpu(run)
    if "cuda" not in results:
        return True, "no CUDA on this machine: ran the CPU path only"
    ok, diff, allowed = results_agree(results["cpu"], results["cuda"], atol=atol, rtol=rtol)
    return ok, f"largest CPU/GPU difference {diff:.3g} (allowed {allowed:.3g}, TF32 off)"


def results_agree(cpu: Any, gpu: Any, atol: float = 1e-5, rtol: float = 1e-4) -> tuple[bool, float, float]:
    """Whether two results of the same structure agree: ``(ok, largest difference, allowed)``, where
    the allowed difference is ``atol + rtol *`` the largest absolute value of ``cpu``."""
    diff = max_abs_difference(cpu, gpu)
    allowed = atol + rtol * max_abs_difference(cpu, _zeros_like(cpu))
    return diff <= allowed, diff, allowed


def _zeros_like(value: Any) -> Any:
    import numpy as np

    value = to_cpu(value)
    if isinstance(value, dict):
        return {k: _zeros_like(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_zeros_like(v) for v in value)
    if hasattr(value, "double"):
        return value.double() * 0
    return np.zeros_like(np.asarray(value, dtype=np.float64))
