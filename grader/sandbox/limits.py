"""Resource limits applied to one graded notebook: time, memory, processes, files and output.

Time limits are calibrated from the reference solution's run (``docs/AUTHORING.md``,
"Time limits"): a cell may run ``max(cell_floor, cell_factor x`` the reference's time for
that cell``)``, the notebook ``max(notebook_floor, notebook_factor x`` the reference's whole
run``)``. The visible and the hidden part (the examiner's calls) of an examined test cell are
timed and limited apart. A cell never eats into the time reserved for the cells after it
(``reserve_factor x`` their reference times ``+ reserve_seconds``), and once a cell has run out of
time the cells after it get ``max(after_timeout_floor, after_timeout_factor x`` reference``)``: a
function that loops forever costs the cells that call it, not the rest of the notebook. A fixed
``cell_timeout`` or ``notebook_timeout`` (``grader autograde --cell-timeout/--notebook-timeout``
or ``c.GraderLimits`` in ``nbgrader_config.py``) overrides the calibration.

Output is capped per cell and per notebook while it streams in
(:mod:`grader.autograde.execute`): the head and the tail are kept and the middle is
replaced by a line saying how much was cut. :func:`cap_kernel_output` does the same
inside the kernel, only to save time: the grader's own cap is what holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Without a reference run (``grader validate``, the reference run itself): generous fixed limits.
UNCALIBRATED_CELL = 120.0
UNCALIBRATED_NOTEBOOK = 600.0


@dataclass(frozen=True)
class TimePolicy:
    """How time limits derive from the reference run (seconds, and factors of the reference's times)."""

    cell_floor: float = 10.0
    cell_factor: float = 20.0
    notebook_floor: float = 60.0
    notebook_factor: float = 5.0
    reserve_factor: float = 2.0
    reserve_seconds: float = 0.5  # on top: what stopping a cell costs
    after_timeout_floor: float = 1.0  # once a cell of the notebook has run out of time, for the cells after it
    after_timeout_factor: float = 5.0

    def __post_init__(self) -> None:
        for name in ("cell_floor", "cell_factor", "notebook_floor", "notebook_factor", "after_timeout_floor",
                     "after_timeout_factor"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)!r}")
        for name in ("reserve_factor", "reserve_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)!r}")


@dataclass(frozen=True)
class ReferenceTimes:
    """What the reference solution took: per cell (by :func:`grader.autograde.budget.cell_key`), in all."""

    cells: dict[str, float] = field(default_factory=dict, hash=False)
    notebook: float = 0.0

    def as_dict(self) -> dict:
        return {"cells": {k: round(v, 3) for k, v in self.cells.items()}, "notebook": round(self.notebook, 3)}

    @classmethod
    def from_dict(cls, data: dict) -> "ReferenceTimes":
        cells = {str(k): float(v) for k, v in (data.get("cells") or {}).items()}
        return cls(cells, float(data.get("notebook") or 0.0))


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits. Times in seconds, sizes in MiB unless named ``_bytes``."""

    cell_timeout: float | None = None      # fixed limit for every cell; None: calibrated
    notebook_timeout: float | None = None  # fixed budget for the notebook; None: calibrated
    memory_mb: int = 4096
    max_processes: int = 128
    max_file_mb: int = 256
    startup_timeout: float = 60.0
    cell_output_bytes: int = 1 << 20       # printed or displayed by one cell (head 3/4, tail 1/4)
    notebook_output_bytes: int = 4 << 20   # by the whole notebook
    policy: TimePolicy = field(default_factory=TimePolicy)
    reference: ReferenceTimes | None = None  # set by the engine from the reference run

    @property
    def calibrated(self) -> bool:
        return self.reference is not None and bool(self.reference.cells)

    def cell_limit(self, key: str | None, after_timeout: bool = False) -> float:
        """The time limit of the cell with ``key`` (``None`` or unknown: a cell the reference has not).

        ``after_timeout``: an earlier cell of the notebook ran out of time, so this one is likely to
        loop too (a function called by many test cells): ``max(after_timeout_floor, after_timeout_factor x
        reference)``.
        """
        if self.cell_timeout is not None:
            return float(self.cell_timeout)
        if not self.calibrated:
            return UNCALIBRATED_CELL
        p, cells = self.policy, self.reference.cells  # type: ignore[union-attr]
        ref = cells[key] if key in cells else max(cells.values())
        if after_timeout:
            return max(p.after_timeout_floor, p.after_timeout_factor * ref)
        return max(p.cell_floor, p.cell_factor * ref)

    def notebook_budget(self) -> float:
        if self.notebook_timeout is not None:
            return float(self.notebook_timeout)
        if not self.calibrated:
            return UNCALIBRATED_NOTEBOOK
        p = self.policy
        return max(p.notebook_floor, p.notebook_factor * self.reference.notebook)  # type: ignore[union-attr]

    def reserve(self, key: str | None) -> float:
        """Time kept back for this cell while earlier cells run (0 with fixed limits or unknown cells)."""
        if self.cell_timeout is not None or not self.calibrated or key is None:
            return 0.0
        cells = self.reference.cells  # type: ignore[union-attr]
        if key not in cells:
            return 0.0
        return min(self.policy.reserve_factor * cells[key] + self.policy.reserve_seconds, self.cell_limit(key))

    def reserves(self, keys: list[str]) -> list[float]:
        """:meth:`reserve` of each cell of a notebook, scaled down to half the budget in all at most."""
        out = [self.reserve(k) for k in keys]
        total, cap = sum(out), self.notebook_budget() / 2
        return [r * cap / total for r in out] if total > cap else out

    def with_reference(self, times: ReferenceTimes | None) -> "Limits":
        return replace(self, reference=times)

    def describe(self) -> str:
        """One line for logs: where the limits come from."""
        if self.cell_timeout is not None and self.notebook_timeout is not None:
            return f"time limits: {self.cell_timeout:g} s per cell, {self.notebook_timeout:g} s per notebook (fixed)"
        if not self.calibrated:
            return (f"time limits: {self.cell_limit(None):g} s per cell, {self.notebook_budget():g} s per notebook "
                    "(no reference timings)")
        p, ref = self.policy, self.reference
        assert ref is not None
        limits = [self.cell_limit(k) for k in ref.cells]
        cell = (f"{self.cell_timeout:g} s per cell (fixed)" if self.cell_timeout is not None else
                f"{min(limits):.0f}-{max(limits):.0f} s per cell (max({p.cell_floor:g} s, {p.cell_factor:g}x "
                "reference))")
        nb = (f"{self.notebook_timeout:g} s per notebook (fixed)" if self.notebook_timeout is not None else
              f"{self.notebook_budget():.0f} s per notebook (max({p.notebook_floor:g} s, {p.notebook_factor:g}x "
              f"the reference's {ref.notebook:.1f} s))")
        return f"time limits: {cell}, {nb}"


def human_size(n: float) -> str:
    """``973 MB``, ``12 KB``, ``800 bytes``."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= size:
            return f"{n / size:.0f} {unit}" if n >= 10 * size else f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


def cut_line(n: float) -> str:
    return f"\n… {human_size(n)} of output cut …\n"


def cap_kernel_output(head: int, tail: int) -> None:
    """Inside the kernel: keep the first ``head`` and last ``tail`` characters that each execution writes
    to stdout and stderr and drop the middle (a print in a loop then costs neither the time to send it
    nor the memory of IPython's output history), and shorten huge text results the same way. Student
    code can undo all this; the grader's own cap still holds."""
    import sys
    from collections import deque

    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def parent_id(stream) -> object:
        try:
            return (stream.parent_header or {}).get("msg_id")
        except Exception:  # noqa: BLE001 - an odd stream: count everything as one
            return None

    def capped(stream, state: dict):
        """A ``write`` for ``stream`` in front of whatever ``stream.write`` is now (IPython swaps it per cell)."""
        original = state["original"] = stream.write

        def write(text, *args, **kwargs):
            if not isinstance(text, str):
                return original(text, *args, **kwargs)
            current = parent_id(stream)
            if current != state["id"]:
                state.update(id=current, sent=0, tail=deque(), kept=0, cut=0)
            n = len(text)
            room = head - state["sent"]
            if room >= n:
                state["sent"] += n
                return original(text)
            if room > 0:
                original(text[:room])
                state["sent"] = head
                text = text[room:]
            if len(text) >= tail:
                state["cut"] += state["kept"] + len(text) - tail
                state["tail"], state["kept"] = deque([text[-tail:]]), tail
                return n
            state["tail"].append(text)
            state["kept"] += len(text)
            while state["kept"] > tail:
                first = state["tail"].popleft()
                over = state["kept"] - tail
                if len(first) > over:
                    state["tail"].appendleft(first[over:])
                    first = first[:over]
                state["cut"] += len(first)
                state["kept"] -= len(first)
            return n

        write.grader_cap = True
        return write

    states = {name: {"id": None, "sent": 0, "tail": deque(), "kept": 0, "cut": 0} for name in ("stdout", "stderr")}

    def arm(*_: object) -> None:  # before each execution (silent ones too)
        for name, state in states.items():
            stream = getattr(sys, name, None)
            if stream is not None and not getattr(getattr(stream, "write", None), "grader_cap", False):
                try:
                    stream.write = capped(stream, state)
                except Exception:  # noqa: BLE001 - not an ipykernel stream: the grader's cap still holds
                    pass

    def finish(*_: object) -> None:  # after each execution: what was cut, then the tail
        for state in states.values():
            if state["cut"] or state["tail"]:
                text = cut_line(state["cut"]) + "".join(state["tail"]) if state["cut"] else "".join(state["tail"])
                state.update(sent=head, tail=deque(), kept=0, cut=0)
                try:
                    state["original"](text)
                except Exception:  # noqa: BLE001
                    pass

    formatter = shell.display_formatter
    plain_format = formatter.format

    def format(obj, *args, **kwargs):  # a cell ending in a huge string: shorten it like printing
        data, metadata = plain_format(obj, *args, **kwargs)
        for mime, value in list(data.items()):
            if isinstance(value, str) and len(value) > head + tail and mime.startswith("text/"):
                data[mime] = value[:head] + cut_line(len(value) - head - tail) + value[-tail:]
        return data, metadata

    try:
        formatter.format = format
    except Exception:  # noqa: BLE001
        pass
    shell.events.register("pre_execute", arm)
    shell.events.register("post_execute", finish)


__all__ = ["Limits", "ReferenceTimes", "TimePolicy", "cap_kernel_output", "cut_line", "human_size"]
