"""Where an object keeps its tensors: the device types of its tensors, parameters and buffers.

Objects are looked into one level deep; nothing is moved or copied.
"""

from __future__ import annotations

from typing import Any


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
