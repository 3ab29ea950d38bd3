"""A Jupyter kernel manager whose kernel runs inside the sandbox.

The kernel and the grader talk over ZeroMQ ``ipc`` sockets in a directory bound
into the sandbox (the sandbox has no network, so loopback TCP would not reach it).
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from grader.sandbox import bwrap, cgroups

# No history database: a graded kernel needs none (``In``/``Out`` stay), and IPython's history-saving
# thread would be restarted after a student's os.fork(), which fails once the process limit is reached.
KERNEL_ARGS = ["-f", "{connection_file}", "--HistoryManager.enabled=False"]
KERNEL_ARGV = [sys.executable, "-m", "ipykernel_launcher", *KERNEL_ARGS]


class SandboxedKernelManager(AsyncKernelManager):
    """Starts ``ipykernel`` through :func:`grader.sandbox.bwrap.command`; cleans up every process."""

    def __init__(self, spec: bwrap.SandboxSpec, **kwargs: Any):
        assert spec.ipc_dir is not None
        super().__init__(kernel_name="python3", transport="ipc",
                         ip=str(spec.ipc_dir / "kernel"),
                         connection_file=str(spec.ipc_dir / "kernel.json"), **kwargs)
        self.spec = spec
        self.cgroup: cgroups.CgroupSet | None = None
        self._sandbox_process: Any = None

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        argv = [a.replace("{connection_file}", self.connection_file) for a in KERNEL_ARGV]
        argv += list(extra_arguments or [])
        lim = self.spec.limits
        self.cgroup = cgroups.create(lim.memory_mb, lim.max_processes)
        if self.cgroup is None:  # fall back to an address-space limit
            return bwrap.command(argv, self.spec, extra_rlimits={"as": lim.memory_mb * 3 * 1024 * 1024})
        cmd = bwrap.command(argv, self.spec)
        return ["/bin/sh", "-c", self.cgroup.join_command() + "exec " + shlex.join(cmd)]

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        Path(self.connection_file).chmod(0o644)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self._sandbox_process = getattr(self.provisioner, "process", None)

    _launch_kernel = _async_launch_kernel  # type: ignore[assignment]

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt by message: signals to the sandbox's outer process don't reach the kernel."""
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel  # type: ignore[assignment]

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self.kill_everything()
        await super()._async_cleanup_resources(restart=restart)

    cleanup_resources = _async_cleanup_resources  # type: ignore[assignment]

    def kill_everything(self) -> None:
        """Kill every process the kernel started and remove its cgroups."""
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        proc, self._sandbox_process = self._sandbox_process, None
        if proc is not None:  # reap the sandbox's outer process: no zombie left behind
            with contextlib.suppress(Exception):
                proc.kill()
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)



class WarmKernelManager(SandboxedKernelManager):
    """Forks its kernel from a :class:`~grader.sandbox.warm.KernelTemplate` instead of starting one.

    ``spec.workdir`` and ``spec.ipc_dir`` must lie under the template's bases. The kernel's
    memory and process limits are those of the template's cgroup (one kernel at a time per template).
    """

    def __init__(self, spec: bwrap.SandboxSpec, template: Any, **kwargs: Any):
        super().__init__(spec, **kwargs)
        self.template = template

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [a.replace("{connection_file}", self.connection_file) for a in KERNEL_ARGV]  # not run: forked

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        assert self.provisioner is not None and self.spec.ipc_dir is not None
        env = bwrap.sandbox_env(self.spec)
        args = [a.replace("{connection_file}", self.connection_file) for a in KERNEL_ARGS]
        process = self.template.spawn(self.spec.workdir, self.spec.ipc_dir, args, env)
        prov: Any = self.provisioner
        prov.process, prov.pid, prov.pgid = process, process.pid, None
        self._sandbox_process = process
        self._reconcile_connection_info(prov.connection_info)

    _launch_kernel = _async_launch_kernel  # type: ignore[assignment]
