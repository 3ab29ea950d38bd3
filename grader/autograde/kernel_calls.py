"""Short requests the executor makes of a kernel outside the notebook's cells.

Each runs silently (no output kept, nothing in the history) and waits for its own reply within
a deadline; none raises: a kernel that does not answer is reported as such.
"""

from __future__ import annotations

import time
from typing import Any

# Runs in each new kernel before the first cell: the kernel-side output cap
# (grader.sandbox.limits.cap_kernel_output), and with an examiner its agent, imported now rather than
# inside whichever hidden test asks first (seconds that would count against that test's limit).
PRIME = """try:
    __import__("grader.sandbox.limits", fromlist=["cap_kernel_output"]).cap_kernel_output({head}, {tail})
except Exception:
    pass
if {agent}:
    try:
        __import__("grader.examiner.agent")
    except Exception:
        pass
"""


async def run_silently(kc: Any, code: str, seconds: float) -> bool:
    """Run ``code`` in the kernel of client ``kc``; True when it replied within ``seconds``."""
    try:
        msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            reply = await kc.get_shell_msg(timeout=max(0.1, end - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                return True
    except Exception:  # noqa: BLE001 - any failure means "did not answer"
        pass
    return False


async def prime(kc: Any, cell_output_bytes: int, agent: bool, seconds: float) -> None:
    """Cap the kernel's own printing too (saves sending a flood; the client's cap is what holds), and
    load the examiner's agent when there is an examiner (:data:`PRIME`)."""
    head, tail = cell_output_bytes * 3 // 4, cell_output_bytes // 4
    await run_silently(kc, PRIME.format(head=head // 2, tail=tail // 2, agent=agent), seconds)
