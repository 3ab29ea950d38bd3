"""What a student must never see, decided in one place.

Solution blocks (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) and hidden-test
blocks (``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``) of the source
notebooks are secret. Release (the leak check), the PDF export and the feedback
pages all use these functions, so they agree on what is secret:

- :func:`secret_lines`  lines that occur *only* inside such blocks of a set of notebooks
  (a line the source also shows outside them, like ``import numpy as np``, is public);
- :func:`hidden_lines`  the hidden-test lines of one notebook, to keep out of messages;
- :func:`strip_hidden`  a test cell's source with its hidden part replaced by one line;
- :func:`redact`        text with every line that quotes hidden-test source replaced.
"""

from __future__ import annotations

import re
from typing import Iterable

from grader.notebooks import cells as C

HIDDEN_PLACEHOLDER = "# (hidden tests: not shown)"
REDACTED = "(hidden test code not shown)"
SECRET_BLOCKS = ((C.SOLUTION_BEGIN, C.SOLUTION_END), (C.HIDDEN_BEGIN, C.HIDDEN_END))
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def secret_lines(notebooks: Iterable) -> set[str]:
    """Stripped lines that occur only inside solution or hidden-test blocks of ``notebooks``."""
    hidden: set[str] = set()
    public: set[str] = set()
    for nb in notebooks:
        for cell in nb.cells:
            text = C.source_text(cell)
            for begin, end in SECRET_BLOCKS:
                hidden |= {line.strip() for line in C.block_lines(text, begin, end)}
            public |= _outside_blocks(text)
    return {line for line in hidden - public if line and not line.startswith("#") or len(line) > 40}


def _outside_blocks(text: str) -> set[str]:
    depth, out = 0, set()
    for line in text.splitlines():
        s = line.strip()
        if s.startswith((C.SOLUTION_BEGIN, C.HIDDEN_BEGIN)):
            depth += 1
        elif s.startswith((C.SOLUTION_END, C.HIDDEN_END)):
            depth = max(0, depth - 1)
        elif depth == 0:
            out.add(s)
    return out


def strip_hidden(source: str) -> str:
    """Source with every hidden-test block replaced by one placeholder line."""
    out, inside = [], False
    for line in source.splitlines():
        s = line.strip()
        if s.startswith(C.HIDDEN_BEGIN):
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + HIDDEN_PLACEHOLDER)
        elif s.startswith(C.HIDDEN_END):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def hidden_lines(nb) -> list[str]:
    """Stripped lines of the notebook's hidden tests (to keep them out of messages)."""
    lines = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            lines += [l.strip() for l in C.block_lines(C.source_text(cell), C.HIDDEN_BEGIN, C.HIDDEN_END)]
    return [l for l in lines if len(l) >= 6 and not l.startswith("#")]


def redact(text: str, secret_lines: Iterable[str]) -> str:
    """``text`` with any line that quotes hidden-test source replaced."""
    secrets = [s for s in secret_lines if s]
    if not secrets:
        return text
    out = []
    for line in str(text).splitlines():
        s = _strip_ansi(line).strip()
        if s and any(sec in s for sec in secrets):
            out.append(REDACTED)
        else:
            out.append(line)
    return "\n".join(out)


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)
