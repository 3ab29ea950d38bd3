"""Resource limits applied to one graded notebook."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits. Times in seconds, sizes in MiB."""

    cell_timeout: float = 120.0
    notebook_timeout: float = 600.0
    memory_mb: int = 4096
    max_processes: int = 128
    max_file_mb: int = 256
    startup_timeout: float = 60.0
