"""Waiting until a kernel answers on shell and iopub, without jupyter_client's fixed pauses.

``wait_for_ready`` in jupyter_client waits 0.2 s for an iopub message after each kernel_info
reply and starts over when none came (a SUB socket drops what is published before it has
joined), which costs 0.2-0.4 s per client on a kernel that is already up. :func:`until_ready`
keeps the same guarantee (a kernel_info reply on shell, then a message on iopub, then iopub
drained) with short polls, for both blocking and asynchronous clients.
"""

from __future__ import annotations

import inspect
import time
from queue import Empty
from typing import Any

IOPUB_POLL = 0.02  # seconds to wait for iopub after a kernel_info reply before asking again


async def _call(method: Any, **kwargs: Any) -> Any:
    value = method(**kwargs)
    return await value if inspect.isawaitable(value) else value


async def until_ready(kc: Any, timeout: float) -> None:
    """Return once the kernel of client ``kc`` answered on shell and iopub; RuntimeError after ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        msg_id = kc.kernel_info()
        try:
            while True:
                reply = await _call(kc.get_shell_msg, timeout=max(0.01, min(1.0, end - time.monotonic())))
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    kc._handle_kernel_info_reply(reply)  # the protocol version, as wait_for_ready does
                    break
        except Empty:
            if not await _call(kc.is_alive):
                raise RuntimeError("the kernel died before replying to kernel_info") from None
            continue
        try:
            await _call(kc.get_iopub_msg, timeout=IOPUB_POLL)  # iopub has joined
        except Empty:
            continue
        while True:  # what this handshake published is nobody's output
            try:
                await _call(kc.get_iopub_msg, timeout=IOPUB_POLL / 4)
            except Empty:
                return
    raise RuntimeError(f"the kernel did not answer within {timeout:.0f} s")
