"""``exam``: what a hidden test holds, in the examiner and in a plain kernel alike.

A hidden test reads::

    from grader.examiner import exam
    ex = exam(globals(), "convolution")
    with ex.check("3 channels, 5 filters", points=1):
        out = ex.student.my_convolution(x, k)          # asked of the student's kernel
        ex.close(out, ex.reference.my_convolution(x, k), "my_convolution(x, k) for x (2, 3, 8, 8)")
    ex.done()

In the examiner ``exam`` returns the active :class:`Exam`, whose ``student`` reaches
the kernel through a :class:`~grader.examiner.bridge.KernelBridge`; anywhere else
(plain ``nbgrader autograde``, ``grader validate``) it returns a direct one over the
kernel's own globals, and ``ex.done()``, the cell's last line, raises or reports
partial credit the way nbgrader reads it.

Checks: each ``with ex.check(name, points=...)`` passes when its block raises
nothing. Points per check give partial credit (they must add up to the cell's
points); a cell whose checks declare none is all-or-nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Iterator

from grader.examiner import expect
from grader.examiner.bridge import Bridge, BridgeTimeout, DirectBridge, Remote, StudentError
from grader.examiner.reference import Reference, ReferenceUnavailable
from grader.examiner.static import Source
from grader.examiner.wire import WireError

_ACTIVE: list["Exam"] = []  # set by the examiner around one hidden test


class Unverifiable(Exception):
    """A rule observed in the student's process, on a notebook flagged for review."""


class AuthoringError(Exception):
    """The hidden test itself is inconsistent (e.g. check points that do not add up)."""


@dataclass
class CheckResult:
    name: str
    points: float | None
    passed: bool = False
    message: str = ""
    unverified: bool = False


class Student:
    """Attribute access gives proxies of the student's names."""

    def __init__(self, bridge: Bridge):
        self._bridge = bridge

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("__"):
            raise AttributeError(name)
        return Remote(self._bridge, {"name": name})


class _LazyReference:
    def __init__(self, notebook: str):
        self._notebook = notebook
        self._ref: Reference | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._ref is None:
            import nbformat

            from grader.examiner.reference import files_beside, find_source, load

            path = find_source(self._notebook)
            self._ref = load(nbformat.read(path, as_version=4), files_beside(path))
        return getattr(self._ref, name)


@dataclass
class Exam:
    """One hidden test's session: the student, the reference, the checks and their results."""

    bridge: Bridge
    reference: Any
    source: Source
    flags: list[str] = field(default_factory=list)
    direct: bool = False
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _current: CheckResult | None = None

    def __post_init__(self) -> None:
        self.student = Student(self.bridge)

    # ---- checks
    @contextlib.contextmanager
    def check(self, name: str, points: float | None = None) -> Iterator[CheckResult]:
        """One named check; its block fails on an assertion, a student error or a timeout."""
        if self._current is not None:
            raise AuthoringError("checks cannot be nested")
        result = CheckResult(str(name), None if points is None else float(points))
        self.results.append(result)
        self._current = result
        try:
            yield result
            result.passed = True
        except AssertionError as exc:
            result.message = str(exc) or f"{name}: failed"
        except StudentError as exc:
            result.message = explain_student_error(exc)
        except BridgeTimeout as exc:
            result.message = f"{name}: your code did not finish within {exc.seconds:.0f} s (an endless loop?)"
            if exc.lost:
                raise
        except WireError as exc:
            result.message = f"{name}: the grader could not read what your code returned ({exc})"
        except Unverifiable as exc:
            result.message, result.unverified = str(exc), True
        except Exception as exc:  # noqa: BLE001 - what the student returned broke the test's own code
            result.message = f"{name}: what your code returned could not be used ({type(exc).__name__}: {exc})"[:600]
        finally:
            self._current = None

    def note(self, text: str) -> None:
        """A line for the cell's grade message that decides nothing (e.g. where GPU checks ran)."""
        text = str(text).removeprefix("NOTE: ")
        if self.direct:
            print(f"NOTE: {text}")  # plain nbgrader and the older record path read printed notes
        else:
            self.notes.append(text)

    def done(self) -> float | None:
        """End of the hidden test. Direct mode: raise on failure, or return the partial score."""
        declared = [r.points for r in self.results if r.points is not None]
        if declared and len(declared) != len(self.results):
            raise AuthoringError("either every check of a cell declares points or none does")
        if not self.direct:
            return None
        failed = [r for r in self.results if not r.passed]
        if not failed:
            return None
        messages = "\n".join(r.message for r in failed)
        earned = sum(r.points or 0 for r in self.results if r.passed)
        if declared and earned > 0:
            print(messages)
            return earned
        raise AssertionError(messages)

    # ---- the bridge
    def fetch(self, value: Any) -> Any:
        """The value of a student object (data only; other objects stay proxies)."""
        return self.bridge.get(value)

    def set(self, remote: Remote, attr: str, value: Any) -> None:
        self.bridge.set(remote, attr, value)

    def handle(self, value: Any) -> Remote:
        """Send a trusted-built object (a model, a data loader, arrays) to the student side."""
        return self.bridge.put(value)

    def seed(self, n: int) -> None:
        """Seed random, numpy and torch in the student's process."""
        self.bridge.seed(n)

    # ---- rules observed inside the student's process (named as such)
    def _observed(self, rule: str) -> None:
        if self.flags:
            raise Unverifiable(f"{rule}: this rule is observed while your code runs, and this notebook changes "
                               "parts of Python the grader relies on to observe it, so a person will check it")

    def student_side_lines_run(self, fn: Remote, *args: Any, **kwargs: Any) -> tuple[Any, int]:
        """Student-side observation: lines of notebook code that ran during ``fn(*args)``."""
        self._observed("loop count")
        out, count = self.bridge.observe("lines", fn, *args, **kwargs)
        return out, int(count)

    def student_side_without_torch(self, fn: Remote, *args: Any, **kwargs: Any) -> tuple[Any, list[str], str]:
        """Student-side observation: ``fn(*args)`` with torch blocked -> (result, torch uses, error)."""
        self._observed("no PyTorch")
        out, used, error = self.bridge.observe("without_torch", fn, *args, **kwargs)
        return out, [str(u) for u in used], str(error)

    # ---- differential testing
    def compare(self, name: str, *args: Any, against: Any = None, rtol: float = 1e-7, atol: float = 0.0,
                what: str = "", expected: str = "") -> Any:
        """``student.name(*args)`` against ``against(*args)`` (default: the reference's ``name``)."""
        got = getattr(self.student, name)(*args)
        want = (against or getattr(self.reference, name))(*args)
        label = what or f"{name} on inputs of shape {', '.join(_shape_of(a) for a in args)}"
        self.close(got, want, label, rtol=rtol, atol=atol,
                   expected=expected or (f"{getattr(against, '__name__', 'the reference')}" if against
                                         else "the reference solution"))
        return got

    # ---- comparisons with messages that describe, never reveal
    close = staticmethod(expect.close)
    describe = staticmethod(expect.describe)
    equal = staticmethod(expect.equal)
    shape = staticmethod(expect.shape)

    def student_side_warnings(self, fn: Remote, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
        """Student-side observation: ``fn(*args)`` and the warnings it raised (numpy overflow included)."""
        self._observed("no warnings")
        out, caught = self.bridge.observe("warnings", fn, *args, **kwargs)
        return out, [str(c) for c in caught]

    def student_side_forward_passes(self, fn: Remote, *args: Any, **kwargs: Any) -> tuple[Any, list[dict]]:
        """Student-side observation: ``fn(*args)`` and, for each forward pass of a model among its
        arguments, ``{"training", "grad_enabled", "device"}`` (mode, gradients, input device)."""
        self._observed("how the model is run")
        out, passes = self.bridge.observe("forward_passes", fn, *args, **kwargs)
        return out, [{"training": bool(p.get("training")), "grad_enabled": bool(p.get("grad_enabled")),
                      "device": str(p.get("device"))} for p in passes if isinstance(p, dict)]

    def student_side_printed(self, fn: Remote, *args: Any, **kwargs: Any) -> tuple[Any, str]:
        """Student-side observation: ``fn(*args)`` and what it printed (stdout, stderr, warnings)."""
        self._observed("printed messages")
        out, text = self.bridge.observe("printed", fn, *args, **kwargs)
        return out, str(text)

    def student_side_rerun(self, cells: list[str], inputs: dict, outputs: list[str],
                           watch: dict[str, float] | None = None) -> tuple[dict, dict[str, bool], list[str]]:
        """Student-side observation: ``cells`` (source texts) run again in a copy of the notebook's namespace
        with ``inputs`` in place of those names -> (outputs, {watched tensor: autograd computed its gradient},
        errors). ``watch``: ``{tensor name: offset}``, added to the gradient autograd computes for it."""
        self._observed("re-run with other values")
        out, reached, errors = self.bridge.observe("rerun_cells", self.handle([str(c) for c in cells]),
                                                   dict(inputs), list(outputs), dict(watch or {}))
        return dict(out), {str(k): bool(v) for k, v in dict(reached).items()}, [str(e) for e in errors]


def _shape_of(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return str(tuple(shape)) if shape is not None else repr(value)[:40]


def explain_student_error(exc: StudentError) -> str:
    if exc.kind == "NotImplementedError":
        return ("not answered yet: a function used here still raises NotImplementedError; "
                "write your solution where it says YOUR CODE HERE")
    if exc.kind == "NameError":
        return (f"{exc.message}: the function or variable this test needs is not defined; "
                "write it in its answer cell with the exact name given")
    text = f"your code raised {exc.kind}: {exc.message}"
    if exc.where:
        text += f"\n{exc.where.strip()}"
    return text if len(text) <= 800 else text[:797] + "..."


def exam(namespace: dict, notebook: str) -> Exam:
    """The active examiner session, or a direct one over ``namespace`` (a plain kernel)."""
    if _ACTIVE:
        return _ACTIVE[-1]
    history = [str(c) for c in namespace.get("In", []) if "BEGIN HIDDEN TESTS" not in str(c)]
    return Exam(DirectBridge(), _LazyReference(notebook), Source(history), direct=True)


__all__ = ["Exam", "exam", "Unverifiable", "AuthoringError", "ReferenceUnavailable"]
