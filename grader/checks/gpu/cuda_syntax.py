"""CUDA named in code, read from its syntax tree: :func:`hard_coded_cuda` and :func:`names_cuda`.

Both parse the code and never run it; code that does not parse gives ``[]``. Each
returns one ``"line N: code"`` description per place found.
"""

from __future__ import annotations

import ast
import re


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
