"""Memory and process-count limits through cgroups (v1 or v2), when this machine lets us write them."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


class CgroupSet:
    """The cgroups that hold one sandbox; ``None`` paths mean that controller is not available."""

    def __init__(self, memory: Path | None, pids: Path | None, unified: Path | None):
        self.memory, self.pids, self.unified = memory, pids, unified

    @property
    def procs_files(self) -> list[Path]:
        return [p / "cgroup.procs" for p in (self.memory, self.pids, self.unified) if p]

    def join_command(self) -> str:
        """Shell text that moves the current shell (and so its children) into the cgroups."""
        return "".join(f"echo $$ > {f} && " for f in self.procs_files)

    def set_memory_mb(self, memory_mb: int) -> None:
        """Change the memory limit (the cgroup's processes stay)."""
        limit = str(memory_mb * 1024 * 1024)
        if self.memory:
            with contextlib.suppress(OSError):  # memsw must stay >= the limit: order matters
                (self.memory / "memory.memsw.limit_in_bytes").write_text(limit)
            (self.memory / "memory.limit_in_bytes").write_text(limit)
            with contextlib.suppress(OSError):
                (self.memory / "memory.memsw.limit_in_bytes").write_text(limit)
        if self.unified:
            (self.unified / "memory.max").write_text(limit)

    def kill_all(self) -> None:
        """SIGKILL every process still in the cgroups."""
        for _ in range(100):
            pids = set()
            for f in self.procs_files:
                with contextlib.suppress(OSError):
                    pids.update(int(x) for x in f.read_text().split())
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)

    def remove(self) -> None:
        self.kill_all()
        for p in (self.memory, self.pids, self.unified):
            if p:
                for _ in range(20):
                    try:
                        p.rmdir()
                        break
                    except OSError:
                        time.sleep(0.05)


def _writable(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)


def create(memory_mb: int, max_processes: int) -> CgroupSet | None:
    """Make cgroups with the given limits, or return ``None`` where cgroups can't be written."""
    name = f"grader-{uuid.uuid4().hex[:12]}"
    mem = pids = unified = None
    try:
        if _writable(ROOT / "memory") and _writable(ROOT / "pids"):  # cgroup v1
            mem = ROOT / "memory" / name
            mem.mkdir()
            (mem / "memory.limit_in_bytes").write_text(str(memory_mb * 1024 * 1024))
            with contextlib.suppress(OSError):
                (mem / "memory.memsw.limit_in_bytes").write_text(str(memory_mb * 1024 * 1024))
            pids = ROOT / "pids" / name
            pids.mkdir()
            (pids / "pids.max").write_text(str(max_processes))
        elif (ROOT / "cgroup.controllers").exists() and _writable(ROOT):  # cgroup v2
            unified = ROOT / name
            unified.mkdir()
            (unified / "memory.max").write_text(str(memory_mb * 1024 * 1024))
            (unified / "memory.swap.max").write_text("0")
            (unified / "pids.max").write_text(str(max_processes))
        else:
            return None
    except OSError:
        CgroupSet(mem, pids, unified).remove()
        return None
    return CgroupSet(mem, pids, unified)
