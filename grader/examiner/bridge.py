"""The examiner's side of the bridge: requests to the student's kernel, proxies for what lives there.

:class:`KernelBridge` talks to a running (sandboxed) kernel over the Jupyter protocol
with a client of its own. Every request is one silent ``execute_request`` answered
by :mod:`grader.examiner.agent`; each has a deadline, after which the kernel is
interrupted (and declared lost when it does not come back). :class:`DirectBridge`
answers the same requests in the current process: that is what plain ``nbgrader
autograde`` and ``grader validate`` use, where there is only one kernel.

:class:`Remote` is a student object seen from the examiner: attribute access and
indexing build a path without a round trip; calling it, or :meth:`Bridge.get`, asks
the student side. A proxy has no truth value, no equality and no numbers: a test
must fetch a value before it can judge it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import queue
import secrets
import time
from typing import Any

from grader.examiner import agent
from grader.examiner.ready import until_ready
from grader.examiner.wire import HandleRef, TargetRef, WireError, from_wire, map_containers

OUTPUT_CAP = 20_000  # characters of the student's own printing kept per cell


class StudentError(Exception):
    """The student's code raised while the examiner was asking it something."""

    def __init__(self, kind: str, message: str, where: str = ""):
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind, self.message, self.where = kind, message, where


class BridgeTimeout(Exception):
    """A request ran past its deadline; ``lost`` when the kernel did not come back after an interrupt."""

    def __init__(self, seconds: float, lost: bool):
        super().__init__(f"no answer within {seconds:.0f} s")
        self.seconds, self.lost = seconds, lost


class Remote:
    """A name, attribute, item or handle in the student's process."""

    __slots__ = ("_bridge", "_target", "_kind")

    def __init__(self, bridge: "Bridge", target: dict, kind: str = ""):
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_kind", kind)

    def _step(self, step: Any) -> "Remote":
        target = {**self._target, "path": [*self._target.get("path", []), step]}
        return Remote(self._bridge, target)

    def __getattr__(self, attr: str) -> "Remote":
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self._step(attr)

    def __getitem__(self, key: Any) -> "Remote":
        return self._step([key])

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._bridge.call(self, *args, **kwargs)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise TypeError("set attributes of student objects with ex.set(obj, name, value)")

    def __repr__(self) -> str:
        return f"<student object {describe_target(self._target)}{' (' + self._kind + ')' if self._kind else ''}>"

    def _refuse(self, *_: Any) -> Any:
        raise TypeError(f"{self!r} lives in the student's process: fetch it with ex.fetch(...) first")

    __bool__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __float__ = __int__ = _refuse  # type: ignore
    __len__ = __iter__ = __array__ = __index__ = _refuse  # type: ignore
    __hash__ = object.__hash__


def describe_target(target: dict) -> str:
    text = target.get("name") or f"#{target.get('handle')}"
    for step in target.get("path", []):
        text += f"[{step[0]!r}]" if isinstance(step, list) else f".{step}"
    return text


class Bridge:
    """Requests to the student side; subclasses say how a request travels."""

    def __init__(self) -> None:
        self.output: list[str] = []
        self._kept = 0

    # ---- transport (subclasses)
    def _send(self, req: dict, timeout: float) -> dict:
        raise NotImplementedError

    # ---- requests
    def _ask(self, op: str, timeout: float, **fields: Any) -> Any:
        req = {"op": op, "nonce": secrets.token_hex(8), **fields}
        reply = self._send(req, timeout)
        if not isinstance(reply, dict) or reply.get("nonce") != req["nonce"]:
            raise WireError("the notebook's kernel gave no valid answer to the grader's request")
        if not reply.get("ok"):
            err = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            raise StudentError(str(err.get("type", "Error"))[:100], str(err.get("message", ""))[:2000],
                               str(err.get("where", ""))[:2000])
        return from_wire(reply.get("value"), lambda hid, kind: Remote(self, {"handle": hid}, kind))

    def _pack(self, *args: Any, **kwargs: Any) -> str:
        import cloudpickle

        return base64.b64encode(cloudpickle.dumps((_refs(list(args)), _refs(kwargs)))).decode("ascii")

    timeout: float = 60.0

    def get(self, remote: Any) -> Any:
        if not isinstance(remote, Remote):
            return remote
        return self._ask("get", self.timeout, target=remote._target)

    def call(self, remote: Remote, *args: Any, **kwargs: Any) -> Any:
        return self._ask("call", self.timeout, target=remote._target, args=self._pack(*args, **kwargs))

    def set(self, remote: Remote, attr: str, value: Any) -> None:
        self._ask("set", self.timeout, target=remote._target, attr=str(attr), args=self._pack(value))

    def put(self, value: Any) -> Remote:
        out = self._ask("put", self.timeout, args=self._pack(value))
        assert isinstance(out, Remote)
        return out

    def seed(self, n: int) -> None:
        self._ask("seed", self.timeout, seed=int(n))

    def observe(self, observer: str, remote: Remote, *args: Any, **kwargs: Any) -> Any:
        """A student-side observation (:mod:`grader.examiner.observers`) of ``remote(*args)``."""
        return self._ask("observe", self.timeout, observer=observer, target=remote._target,
                         args=self._pack(*args, **kwargs))

    def close(self) -> None:
        pass


def _refs(value: Any) -> Any:
    """Replace proxies by references the agent resolves (only handles can travel)."""
    return map_containers(value, _ref)


def _ref(value: Any) -> Any:
    if not isinstance(value, Remote):
        return value
    target = value._target
    if "handle" in target and not target.get("path"):
        return HandleRef(target["handle"])
    return TargetRef(target)


class DirectBridge(Bridge):
    """The same requests, answered in this process (plain nbgrader and ``grader validate``)."""

    def _send(self, req: dict, timeout: float) -> dict:
        return json.loads(json.dumps(agent.answer(req)))


class KernelBridge(Bridge):
    """Requests over the Jupyter protocol to a kernel the examiner does not trust."""

    def __init__(self, connection_info: dict, startup_timeout: float = 30.0):
        super().__init__()
        from jupyter_client.blocking import BlockingKernelClient

        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(connection_info)
        self.kc.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=True)
        asyncio.run(until_ready(self.kc, startup_timeout))
        self.deadline = float("inf")  # the cell's: no request may outlive it
        self.lost = False

    def _send(self, req: dict, timeout: float) -> dict:
        if self.lost:
            raise BridgeTimeout(0, lost=True)
        if time.monotonic() >= self.deadline:  # no time left: do not start what would be interrupted at once
            raise BridgeTimeout(0, lost=False)
        code = f"__import__('grader.examiner.agent', fromlist=['serve']).serve({json.dumps(req)!r})"
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        limit = min(timeout, max(0.0, self.deadline - time.monotonic()))
        reply, failure = self._collect(msg_id, req["nonce"], time.monotonic() + limit)
        if reply is _TIMEOUT:
            self._interrupt(msg_id)
            raise BridgeTimeout(limit, lost=self.lost)
        self._drain_shell()
        if reply is None:
            raise WireError("the notebook's kernel did not answer the grader's request"
                            + (f" ({failure})" if failure else ""))
        return reply

    def _collect(self, msg_id: str, nonce: str, end: float) -> tuple[Any, str]:
        reply, failure = None, ""
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                return _TIMEOUT, failure
            try:
                msg = self.kc.get_iopub_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "stream":
                self._capture(str(content.get("text", "")))
            elif kind == "display_data":
                payload = (content.get("data") or {}).get(agent.MIMETYPE)
                if isinstance(payload, dict) and payload.get("nonce") == nonce:
                    reply = payload
            elif kind == "error":
                failure = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"[:300]
            elif kind == "status" and content.get("execution_state") == "idle":
                return reply, failure

    def _capture(self, text: str) -> None:
        used = sum(len(t) for t in self.output)
        if used < OUTPUT_CAP:
            self.output.append(text[: OUTPUT_CAP - used])

    def _interrupt(self, msg_id: str) -> None:
        """Stop the request that ran too long; the kernel is lost when it does not come back."""
        msg = self.kc.session.msg("interrupt_request", content={})
        self.kc.control_channel.send(msg)
        reply, _ = self._collect(msg_id, "", time.monotonic() + 5)
        self.lost = reply is _TIMEOUT
        self._drain_shell()

    def _drain_shell(self) -> None:
        while True:
            try:
                self.kc.get_shell_msg(timeout=0)
            except queue.Empty:
                return

    def close(self) -> None:
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001 - the kernel may already be gone
            pass


_TIMEOUT = object()
