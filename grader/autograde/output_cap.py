"""Output caps: what one cell and one notebook may print or display, enforced while it streams.

:class:`CappedClient` is nbclient's notebook client with a byte budget per cell and per notebook:
past the budget it keeps the head and the tail of a cell's output and marks what was cut ("… 973
MB of output cut …"), so the grader's memory stays flat however much a cell prints. Error
outputs and grading records are always kept (errors shortened); its kernel client drops any
single message over :data:`MAX_MESSAGE_BYTES` unread.
"""

from __future__ import annotations

import copy
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from nbclient import NotebookClient
from nbformat.v4 import output_from_msg
from traitlets import default

from grader.checks.record import MIMETYPE as RECORD_MIMETYPE
from grader.examiner.ready import until_ready
from grader.sandbox.limits import cut_line

# One kernel message larger than this is dropped unread (zmq MAXMSGSIZE; the connection drops and comes
# back, so later messages may be lost too). Only output that bypasses the kernel-side cap gets near it.
MAX_MESSAGE_BYTES = 256 << 20
OUTPUT_OVERHEAD = 100  # bytes counted per output on top of its text, so that many empty outputs add up too


def _output_size(out: Any) -> int:
    kind = out.get("output_type")
    if kind == "stream":
        return len(out.get("text", "")) + OUTPUT_OVERHEAD
    if kind == "error":
        return (len(str(out.get("evalue", ""))) + sum(len(str(line)) for line in out.get("traceback", []))
                + OUTPUT_OVERHEAD)
    size = OUTPUT_OVERHEAD
    for value in (out.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(json.dumps(value, default=str))
    return size


def _trim_error(out: Any, keep: int = 20, width: int = 4000) -> Any:
    """An error output of bounded size: the ends of a long traceback, lines and message shortened."""
    trace = [str(line) for line in out.get("traceback", [])]
    if len(trace) > 2 * keep:
        trace = trace[:keep] + [f"… {len(trace) - 2 * keep} traceback lines cut …"] + trace[-keep:]
    out["traceback"] = [line if len(line) <= width else line[:width] + " …" for line in trace]
    evalue = str(out.get("evalue", ""))
    out["evalue"] = evalue if len(evalue) <= width else evalue[:width] + " …"
    return out


@dataclass
class _CellOutput:
    """What one cell's output costs so far: room left for the head, the tail kept, what was cut."""

    head: int
    tail_cap: int
    tail: deque = field(default_factory=deque)
    tail_bytes: int = 0
    held: int = 0
    cut: int = 0
    errors: int = 0


class _BoundedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets drop (unread) any single message over ``MAX_MESSAGE_BYTES``, and
    that waits for a new kernel without jupyter_client's fixed pauses (:func:`until_ready`)."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        await until_ready(self, 60.0 if timeout is None else timeout)

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        return context


class CappedClient(NotebookClient):
    """A notebook client that never holds more output than the caps while it streams in.

    Each cell keeps its first ``cell_cap * 3/4`` characters of output as they arrive and a
    rolling tail of ``cell_cap / 4``; what falls between is counted and dropped, and
    :meth:`finish_cell` puts a line "… 973 MB of output cut …" between head and tail. The
    notebook as a whole holds at most ``notebook_cap``. A cell's first error (trimmed) and, in
    test cells, records are kept past the caps: verdicts need them.
    """

    def __init__(self, nb: nbformat.NotebookNode, km: Any = None, *, cell_cap: int, notebook_cap: int,
                 **kw: Any):
        super().__init__(nb, km=km, **kw)
        if km is not None and hasattr(km, "client_factory"):
            km.client_factory = _BoundedKernelClient
        self.cell_cap, self.notebook_cap = cell_cap, notebook_cap
        # Outputs already there (a client after a kernel restart) count until their cell runs again.
        self._before = {i: sum(_output_size(o) for o in c.get("outputs", [])) for i, c in enumerate(nb.cells)}
        self.held_total = sum(self._before.values())
        self.cut_total = 0
        self._cells: dict[int, _CellOutput] = {}
        self._records_kept = False
        self.primed = False  # the kernel-side cap was installed (see _Run._prime)
        self.clear_before_next_output = False  # nbclient sets it per cell; a first message may come earlier

    # ---- per cell
    def _fresh(self, index: int) -> _CellOutput:
        old = self._cells.pop(index, None)
        self.held_total -= old.held if old is not None else self._before.pop(index, 0)
        room = max(0, min(self.cell_cap, self.notebook_cap - self.held_total))
        state = self._cells[index] = _CellOutput(head=room - room // 4, tail_cap=room // 4)
        return state

    def begin_cell(self, index: int, keep_records: bool) -> None:
        """Before cell ``index`` runs (again): its earlier outputs no longer count."""
        self._fresh(index)
        self._records_kept = keep_records

    def finish_cell(self, index: int, cell: Any) -> int:
        """After cell ``index``: the line saying what was cut, then the tail. Returns what was cut."""
        state = self._cells.get(index)
        if state is None:
            return 0
        cut = state.cut
        if cut:
            cell.setdefault("outputs", []).append(nbformat.v4.new_output(
                "stream", name="stdout", text=cut_line(cut)))
            self.cut_total += cut
        cell.setdefault("outputs", []).extend(state.tail)
        state.tail, state.cut = deque(), 0
        return cut

    def _hold(self, state: _CellOutput, size: int) -> None:
        state.held += size
        self.held_total += size

    # ---- nbclient's hooks
    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        state = self._cells.get(cell_index) or self._fresh(cell_index)
        parent = msg["parent_header"].get("msg_id")
        if self.output_hook_stack[parent]:  # an Output widget collects it: cap what it may hold
            size = len(json.dumps(msg.get("content", {}), default=str))
            if size > state.head:
                state.cut += size
                return None
            state.head -= size
            self._hold(state, size)
            return super().output(outs, msg, display_id, cell_index)
        try:
            out = output_from_msg(msg)
        except ValueError:
            return None
        if self.clear_before_next_output:
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
            state = self._fresh(cell_index)
        kind = out.get("output_type")
        if kind == "error":  # a cell's first error is always kept (verdicts read it), others while they fit
            out = _trim_error(out)
            size = _output_size(out)
            if state.errors and self.held_total + size > self.notebook_cap + self.cell_cap:
                state.cut += size - OUTPUT_OVERHEAD
                return None
            state.errors += 1
            self._hold(state, size)
            outs.append(out)
            return out
        size = _output_size(out)
        if (self._records_kept and RECORD_MIMETYPE in (out.get("data") or {})
                and self.held_total + size <= self.notebook_cap + self.cell_cap):
            self._hold(state, size)
            outs.append(out)
            return out
        if size <= state.head:
            if display_id:
                self._display_id_map.setdefault(display_id, {}).setdefault(cell_index, []).append(len(outs))
            state.head -= size
            self._hold(state, size)
            outs.append(out)
            return out
        if kind == "stream" and state.head > OUTPUT_OVERHEAD:
            room = state.head - OUTPUT_OVERHEAD
            first = copy.copy(out)
            first["text"], out["text"] = out["text"][:room], out["text"][room:]
            self._hold(state, state.head)
            outs.append(first)
            size -= room
        state.head = 0
        self._to_tail(state, out, size)
        return None

    def _to_tail(self, state: _CellOutput, out: Any, size: int) -> None:
        if size > state.tail_cap:
            keep = state.tail_cap - OUTPUT_OVERHEAD
            state.cut += sum(_output_size(o) - OUTPUT_OVERHEAD for o in state.tail)
            self.held_total -= state.tail_bytes
            state.held -= state.tail_bytes
            state.tail, state.tail_bytes = deque(), 0
            if out.get("output_type") != "stream" or keep <= 0:
                state.cut += size - OUTPUT_OVERHEAD
                return
            state.cut += len(out["text"]) - keep
            out["text"] = out["text"][-keep:]
            size = keep + OUTPUT_OVERHEAD
        state.tail.append(out)
        state.tail_bytes += size
        self._hold(state, size)
        while state.tail_bytes > state.tail_cap:
            first = state.tail[0]
            first_size = _output_size(first)
            over = state.tail_bytes - state.tail_cap
            if first.get("output_type") == "stream" and first_size - over > OUTPUT_OVERHEAD:
                first["text"] = first["text"][over:]
                dropped, state.cut = over, state.cut + over
            else:
                state.tail.popleft()
                dropped, state.cut = first_size, state.cut + first_size - OUTPUT_OVERHEAD
            state.tail_bytes -= dropped
            state.held -= dropped
            self.held_total -= dropped

    def clear_output(self, outs: list, msg: dict, cell_index: int) -> None:
        super().clear_output(outs, msg, cell_index)
        if not outs and not self.clear_before_next_output:
            self._fresh(cell_index)

    def _update_display_id(self, display_id: str, msg: dict) -> None:
        size = len(json.dumps(msg.get("content", {}).get("data", {}), default=str))
        if self.held_total + size > self.notebook_cap:
            return  # an update that would not fit: the display keeps what it showed
        self.held_total += size
        super()._update_display_id(display_id, msg)

    def handle_comm_msg(self, outs: list, msg: dict, cell_index: int) -> None:
        size = len(json.dumps(msg.get("content", {}), default=str)) + sum(len(b) for b in msg.get("buffers", []))
        if self.held_total + size > self.notebook_cap:
            return  # widget state past the cap is not kept
        self.held_total += size
        super().handle_comm_msg(outs, msg, cell_index)
