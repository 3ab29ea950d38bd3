"""One base for every error the grader reports to a person.

The CLI turns a :class:`GraderError` into its message and exit status 1 (2 for bad
usage); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class GraderError(Exception):
    """An error whose message tells the user what to do next."""

    exit_status = 1
