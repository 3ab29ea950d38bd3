"""Device choice and GPU checks shared by the assignments that use torch.

On a grader with CUDA these checks run on the GPU; without one they run the CPU
path, never cost marks for the missing GPU, and say so in the cell output (which
the grade report shows).
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any, Callable


def default_device() -> "Any":
    """``cuda`` when available, else ``cpu`` (a ``torch.device``)."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def has_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def announce() -> str:
    """A line for the test output: which device the GPU checks ran on.

    It starts with ``NOTE:``, so the grader copies it into the cell's grade message.
    """
    if has_cuda():
        import torch

        return f"NOTE: GPU checks ran on CUDA ({torch.cuda.get_device_name(0)})"
    return "NOTE: GPU checks ran without a GPU: CPU path only (no marks depend on having a GPU)"


def disable_tf32() -> None:
    """Make GPU float32 matmuls/convolutions exact enough to compare with the CPU."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def devices_of(obj: Any) -> set[str]:
    """Device types of every tensor, parameter and buffer reachable from ``obj`` (one level deep)."""
    import torch

    found: set[str] = set()
    if isinstance(obj, torch.Tensor):
        found.add(obj.device.type)
    elif isinstance(obj, torch.nn.Module):
        found.update(p.device.type for p in obj.parameters())
        found.update(b.device.type for b in obj.buffers())
    else:
        for value in vars(obj).values() if hasattr(obj, "__dict__") else []:
            if isinstance(value, (torch.Tensor, torch.nn.Module)):
                found |= devices_of(value)
    return found


HARD_CODED_CUDA = re.compile(r"""(['"])cuda(:\d+)?\1""")


def hard_codes_cuda(fn: Callable | type) -> bool:
    """True when the source of ``fn`` names ``"cuda"`` outside an ``is_available()`` choice.

    Line-based and run in the student's kernel (cnn, pretrained): a conditional split over
    several lines, or a docstring that mentions ``"cuda"``, counts as hard-coding. New
    tests use :func:`hard_coded_cuda`, which reads the syntax tree in the examiner.
    """
    try:
        src = inspect.getsource(fn)
    except (OSError, TypeError):
        if not isinstance(fn, type):
            return False
        # Classes defined in a notebook have no source file before Python 3.13: check
        # their methods instead, whose code objects point at the cell's source.
        members = [getattr(m, "fget", None) or getattr(m, "__func__", m) for m in vars(fn).values()]
        return any(hard_codes_cuda(m) for m in members if inspect.isfunction(m))
    for line in src.splitlines():
        code = line.split("#", 1)[0]
        if HARD_CODED_CUDA.search(code) and "is_available" not in code:
            return True
    return False


# --- hard-coded devices, read from the syntax tree ------------------------------------------

CUDA_NAME = re.compile(r"cuda(:\d*)?")
AVAILABILITY = {"is_available", "device_count"}
_STRING_METHODS = {"startswith", "endswith", "replace", "split", "find", "index", "count", "format", "join",
                   "strip", "lower", "upper"}


def _parse(code: "str | ast.AST") -> "ast.AST | None":
    if isinstance(code, ast.AST):
        return code
    import textwrap

    try:
        return ast.parse(textwrap.dedent(str(code)))
    except SyntaxError:
        return None


def _mentions(node: ast.AST, names: set[str]) -> bool:
    """``node`` reads ``torch.cuda.is_available()`` (or ``device_count``), or a name bound from it."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and (sub.attr in AVAILABILITY or sub.attr in names):
            return True
        if isinstance(sub, ast.Name) and (sub.id in AVAILABILITY or sub.id in names):
            return True
    return False


def _availability_names(trees: "list[ast.AST]") -> set[str]:
    """Names and attributes assigned from an availability test (``use_gpu = torch.cuda.is_available()``);
    not those assigned a device (``device = torch.device("cuda" if ... else "cpu")``)."""
    names: set[str] = set()
    for _ in range(3):  # a name bound from such a name counts too
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None \
                        and _mentions(node.value, names) and not _cuda_uses(node.value):  # a test, not a device
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        for sub in ast.walk(target):
                            if isinstance(sub, ast.Name):
                                names.add(sub.id)
                            elif isinstance(sub, ast.Attribute):
                                names.add(sub.attr)
    return names


def _cuda_uses(node: ast.AST) -> "list[ast.AST]":
    """Places in one statement's own code that put something on CUDA: a ``"cuda"``/``"cuda:0"``
    string (not in a comparison, not handed to a string method) or a ``.cuda()`` call."""
    found: list[ast.AST] = []
    skip: set[int] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Compare):
            skip.update(id(n) for n in ast.walk(sub))
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in _STRING_METHODS:
            skip.update(id(n) for a in [*sub.args, *(k.value for k in sub.keywords)] for n in ast.walk(a))
        elif isinstance(sub, ast.JoinedStr):  # f-strings are text for people, not devices
            skip.update(id(n) for n in ast.walk(sub))
    for sub in ast.walk(node):
        if id(sub) in skip:
            continue
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and CUDA_NAME.fullmatch(sub.value.strip()):
            found.append(sub)
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "cuda":
            found.append(sub)
    return found


def _own_parts(stmt: ast.stmt) -> "list[ast.AST]":
    """The expressions a statement evaluates itself (the header of a compound statement, not its body)."""
    if isinstance(stmt, (ast.If, ast.While)):
        return [stmt.test]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [item.context_expr for item in stmt.items]
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [*stmt.decorator_list, *stmt.args.defaults, *(d for d in stmt.args.kw_defaults if d is not None)]
    if isinstance(stmt, ast.ClassDef):
        return [*stmt.decorator_list, *stmt.bases]
    if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
        return []
    if hasattr(ast, "Match") and isinstance(stmt, ast.Match):
        return [stmt.subject]
    return [stmt]


def _bodies(stmt: ast.stmt) -> "list[list[ast.stmt]]":
    out = [getattr(stmt, attr) for attr in ("body", "orelse", "finalbody") if isinstance(getattr(stmt, attr, None), list)]
    out += [h.body for h in getattr(stmt, "handlers", []) or []]
    out += [c.body for c in getattr(stmt, "cases", []) or []]
    return out


def hard_coded_cuda(code: "str | ast.AST", context: "tuple[str | ast.AST, ...] | list" = ()) -> list[str]:
    """Statements of ``code`` that put something on CUDA without a choice that depends on whether
    CUDA is available; ``[]`` when there are none. Read from the syntax tree, statement by statement.

    A ``"cuda"`` string or a ``.cuda()`` call is fine inside an ``if``/``while`` whose test reads
    ``torch.cuda.is_available()`` (either branch, at any depth), and in a statement that reads it
    itself (``dev = "cuda" if torch.cuda.is_available() else "cpu"``, in one line or several).
    Names assigned from such a test count as the test (``use_gpu = torch.cuda.is_available()``),
    also when bound in ``context`` (other code of the notebook). Docstrings, comments, comparisons
    (``device.type == "cuda"``), string methods and f-strings are not device choices. Returns one
    description per offending statement: ``"line 4: self.W = self.W.to('cuda')"``.
    """
    tree = _parse(code)
    if tree is None:
        return []
    names = _availability_names([tree, *(t for t in map(_parse, context) if t is not None)])
    found: list[str] = []

    def visit(body: "list[ast.stmt]", guarded: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                continue  # a docstring or a bare string
            parts = _own_parts(stmt)
            ok = guarded or any(_mentions(p, names) for p in parts)
            uses = [u for p in parts for u in _cuda_uses(p)]
            if uses and not ok:
                try:
                    text = ast.unparse(stmt if parts == [stmt] else parts[0]).splitlines()[0]
                except Exception:  # noqa: BLE001 - unparse is only for the message
                    text = "..."
                found.append(f"line {getattr(stmt, 'lineno', '?')}: {text[:100]}")
            inner = guarded or (isinstance(stmt, (ast.If, ast.While)) and _mentions(stmt.test, names))
            for sub in _bodies(stmt):
                visit(sub, inner)

    if isinstance(tree, ast.Module):
        visit(tree.body, False)
    elif isinstance(tree, ast.stmt):
        visit([tree], False)
    else:
        return [f"line {getattr(u, 'lineno', '?')}: cuda" for u in _cuda_uses(tree)]
    return found


# --- CPU/GPU agreement -------------------------------------------------------------------


class tf32_off:
    """Context manager: TF32 off for float32 matmuls and convolutions, restored on exit.

    With TF32 on, an Ampere-or-later GPU rounds float32 matmul inputs to 10 mantissa
    bits, so a GPU step can differ from the CPU step by ~1e-3; with it off they agree
    to ~1e-6.
    """

    def __enter__(self) -> "tf32_off":
        import torch

        self._saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
        disable_tf32()
        return self

    def __exit__(self, *exc: Any) -> None:
        import torch

        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = self._saved


def to_cpu(value: Any) -> Any:
    """``value`` with every tensor detached and moved to the CPU (lists, tuples, dicts kept)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_cpu(v) for v in value)
    return value


def max_abs_difference(a: Any, b: Any) -> float:
    """Largest absolute difference between two results of the same structure (tensors,
    arrays, numbers, or lists/tuples/dicts of them); ``inf`` when their shapes differ."""
    import numpy as np

    a, b = to_cpu(a), to_cpu(b)
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return float("inf")
        return max((max_abs_difference(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return float("inf")
        return max((max_abs_difference(x, y) for x, y in zip(a, b)), default=0.0)
    x = np.asarray(a.double().numpy() if hasattr(a, "double") else a, dtype=np.float64)
    y = np.asarray(b.double().numpy() if hasattr(b, "double") else b, dtype=np.float64)
    if x.shape != y.shape:
        return float("inf")
    if x.size == 0:
        return 0.0
    diff = np.abs(x - y)
    return float("inf") if not np.isfinite(diff).all() else float(diff.max())


def run_on_cpu_and_gpu(run: Callable[[Any], Any]) -> dict[str, Any]:
    """Call ``run(device)`` once with ``torch.device("cpu")`` and, where CUDA is available,
    once with ``torch.device("cuda")`` (TF32 off); returns ``{"cpu": ..., "cuda": ...}``
    with every tensor moved to the CPU (no ``"cuda"`` key without a GPU)."""
    import torch

    results = {"cpu": to_cpu(run(torch.device("cpu")))}
    if has_cuda():
        with tf32_off():
            results["cuda"] = to_cpu(run(torch.device("cuda")))
            torch.cuda.synchronize()
    return results


def cpu_gpu_agree(run: Callable[[Any], Any], atol: float = 1e-5, rtol: float = 1e-4) -> tuple[bool, str]:
    """Whether ``run(device)`` gives the same result on the GPU as on the CPU.

    ``run`` builds everything it needs on ``device`` (seeded, so both runs start from the
    same values) and returns tensors. Returns ``(ok, message)``: on a machine without
    CUDA only the CPU path runs (its errors propagate) and ``ok`` is True, so no marks
    depend on having a GPU; the message says which case happened. The tolerances suit
    float32 with TF32 off.
    """
    results = run_on_cpu_and_gpu(run)
    if "cuda" not in results:
        return True, "no CUDA on this machine: ran the CPU path only"
    ok, diff, allowed = results_agree(results["cpu"], results["cuda"], atol=atol, rtol=rtol)
    return ok, f"largest CPU/GPU difference {diff:.3g} (allowed {allowed:.3g}, TF32 off)"


def results_agree(cpu: Any, gpu: Any, atol: float = 1e-5, rtol: float = 1e-4) -> tuple[bool, float, float]:
    """Whether two results of the same structure agree: ``(ok, largest difference, allowed)``, where
    the allowed difference is ``atol + rtol *`` the largest absolute value of ``cpu``."""
    diff = max_abs_difference(cpu, gpu)
    allowed = atol + rtol * max_abs_difference(cpu, _zeros_like(cpu))
    return diff <= allowed, diff, allowed


def _zeros_like(value: Any) -> Any:
    import numpy as np

    value = to_cpu(value)
    if isinstance(value, dict):
        return {k: _zeros_like(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_zeros_like(v) for v in value)
    if hasattr(value, "double"):
        return value.double() * 0
    return np.zeros_like(np.asarray(value, dtype=np.float64))


def on_one_device(obj: Any, expected: Any = None) -> bool:
    """True when every tensor reachable from ``obj`` (see :func:`devices_of`) is on one
    device type, and that type is ``expected`` (a string or ``torch.device``) if given."""
    found = devices_of(obj)
    if len(found) != 1:
        return False
    if expected is None:
        return True
    import torch

    return found == {torch.device(expected).type}


def device_line(obj: Any) -> str:
    """A line for the test output naming the devices of ``obj``'s tensors."""
    found = sorted(devices_of(obj))
    return f"{type(obj).__name__} keeps its tensors on: {', '.join(found) if found else 'no tensors found'}"


# --- GPU checks in the examiner (hidden tests that reach the student's kernel over a bridge) ----------


def student_has_cuda(ex: Any) -> bool:
    """Whether the student's kernel sees CUDA (it decides which path a GPU check runs)."""
    try:
        return ex.fetch(ex.handle(has_cuda)()) is True
    except Exception:  # noqa: BLE001 - a kernel without torch: no GPU path
        return False


def student_tf32_off(ex: Any) -> None:
    """TF32 off in the student's kernel, so that its GPU results can be compared with the CPU."""
    ex.handle(disable_tf32)()


def note_where_checks_ran(ex: Any, cuda: bool) -> str:
    """Say in the cell's grade message where its GPU checks ran; returns the ``NOTE: `` line.

    The note reaches the grade message through ``ex.note`` (printed as a ``NOTE: `` line in
    plain nbgrader). When the grader has CUDA but the student's kernel does not see it, the
    note says so.
    """
    if cuda:
        line = announce() if has_cuda() else "NOTE: GPU checks ran on CUDA (the notebook's kernel)"
    else:
        line = "NOTE: GPU checks ran without a GPU: CPU path only (no marks depend on having a GPU)"
        if has_cuda():
            line += "; this grader has CUDA but the notebook's kernel could not see it"
    ex.note(line)
    return line


def names_cuda(code: "str | ast.AST") -> list[str]:
    """Places in ``code`` that name CUDA as a device whatever the condition: a ``"cuda"`` or
    ``"cuda:N"`` string (outside comparisons, docstrings and f-strings) or a ``.cuda()`` call.

    For functions that must use a device they are given (``train_cnn(..., device)``): there
    even ``if torch.cuda.is_available(): net.to("cuda")`` ignores the argument. Returns
    ``"line N: code"`` per statement; ``[]`` when there are none.
    """
    tree = code if isinstance(code, ast.AST) else None
    if tree is None:
        import textwrap

        try:
            tree = ast.parse(textwrap.dedent(str(code)))
        except SyntaxError:
            return []
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Compare, ast.JoinedStr)):
            skip.update(id(n) for n in ast.walk(node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        named = isinstance(node, ast.Constant) and isinstance(node.value, str) and \
            re.fullmatch(r"cuda(:\d*)?", node.value.strip()) is not None
        called = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "cuda"
        if named or called:
            line = getattr(node, "lineno", 0)
            try:
                text = ast.unparse(node)
            except Exception:  # noqa: BLE001 - only for the message
                text = "cuda"
            found.append((line, f"line {line}: {text[:80]}"))
    return [text for _, text in sorted(found)]
