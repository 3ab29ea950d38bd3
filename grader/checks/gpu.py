"""Device choice and GPU checks shared by the assignments that use torch.

On a grader with CUDA these checks run on the GPU; without one they run the CPU
path, never cost marks for the missing GPU, and say so in the cell output (which
the grade report shows).
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Callable


def default_device() -> "Any":
    """``cuda`` when available, else ``cpu`` (a ``torch.device``)."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def has_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def announce() -> str:
    """A line for the test output: which device the GPU checks ran on.

    It starts with ``NOTE:``, so the grader copies it into the cell's grade message.
    """
    if has_cuda():
        import torch

        return f"NOTE: GPU checks ran on CUDA ({torch.cuda.get_device_name(0)})"
    return "NOTE: GPU checks ran without a GPU: CPU path only (no marks depend on having a GPU)"


def disable_tf32() -> None:
    """Make GPU float32 matmuls/convolutions exact enough to compare with the CPU."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def devices_of(obj: Any) -> set[str]:
    """Device types of every tensor, parameter and buffer reachable from ``obj`` (one level deep)."""
    import torch

    found: set[str] = set()
    if isinstance(obj, torch.Tensor):
        found.add(obj.device.type)
    elif isinstance(obj, torch.nn.Module):
        found.update(p.device.type for p in obj.parameters())
        found.update(b.device.type for b in obj.buffers())
    else:
        for value in vars(obj).values() if hasattr(obj, "__dict__") else []:
            if isinstance(value, (torch.Tensor, torch.nn.Module)):
                found |= devices_of(value)
    return found


HARD_CODED_CUDA = re.compile(r"""(['"])cuda(:\d+)?\1""")


def hard_codes_cuda(fn: Callable | type) -> bool:
    """True when the source of ``fn`` names ``"cuda"`` outside an ``is_available()`` choice."""
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        if not isinstance(fn, type):
            return False
        # Classes defined in a notebook have no source file before Python 3.13: check
        # their methods instead, whose code objects point at the cell's source.
        members = [getattr(m, "fget", None) or getattr(m, "__func__", m) for m in vars(fn).values()]
        return any(hard_codes_cuda(m) for m in members if inspect.isfunction(m))
    for line in src.splitlines():
        code = line.split("#", 1)[0]
        if HARD_CODED_CUDA.search(code) and "is_available" not in code:
            return True
    return False


# --- CPU/GPU agreement -------------------------------------------------------------------


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
    cpu, gpu = results["cpu"], results["cuda"]
    diff = max_abs_difference(cpu, gpu)
    scale = max_abs_difference(cpu, _zeros_like(cpu))
    ok = diff <= atol + rtol * scale
    return ok, f"largest CPU/GPU difference {diff:.3g} (allowed {atol + rtol * scale:.3g}, TF32 off)"


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


def on_one_device(obj: Any, expected: Any = None) -> bool:
    """True when every tensor reachable from ``obj`` (see :func:`devices_of`) is on one
    device type, and that type is ``expected`` (a string or ``torch.device``) if given."""
    found = devices_of(obj)
    if len(found) != 1:
        return False
    if expected is None:
        return True
    import torch

    return found == {torch.device(expected).type}


def device_line(obj: Any) -> str:
    """A line for the test output naming the devices of ``obj``'s tensors."""
    found = sorted(devices_of(obj))
    return f"{type(obj).__name__} keeps its tensors on: {', '.join(found) if found else 'no tensors found'}"
