"""Readings of the submitted source: banned names, the cells after an anchor, calls to autograd.

These read the syntax tree and never run the student's code.
"""

from __future__ import annotations

import ast
from typing import Any, Iterable


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def banned_uses(statements: Iterable[ast.AST], banned: Iterable[str]) -> list[str]:
    """Uses of the ``banned`` names in ``statements``: attributes (``torch.norm``, ``.norm()``), bare
    names, imports and ``getattr(x, "norm")``; sorted, as written."""
    banned = set(banned)
    found: set[str] = set()
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Attribute) and node.attr in banned:
                found.add(_dotted(node) or node.attr)
            elif isinstance(node, ast.Name) and node.id in banned:
                found.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                found.update(f"import {a.name}" for a in node.names if a.name.split(".")[-1] in banned)
            elif isinstance(node, ast.Call) and _dotted(node.func) == "getattr" and len(node.args) > 1 \
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value in banned:
                found.add(f"getattr(..., {node.args[1].value!r})")
    return sorted(found)


def cells_after(cells: list[str], anchor: str) -> list[str] | None:
    """The cells after the last one whose text is ``anchor`` (whitespace at the ends aside); ``None`` without one."""
    anchor = anchor.strip()
    marks = [i for i, text in enumerate(cells) if str(text).strip() == anchor]
    return [str(c) for c in cells[marks[-1] + 1:]] if marks else None


def calls_autograd(cells: list[str], source: Any = None) -> bool:
    """Whether ``cells`` call autograd (``.backward()``, ``torch.autograd.grad``, ``torch.autograd.backward``),
    directly or through notebook functions they call (``source``: a :class:`grader.examiner.static.Source`)."""
    from grader.examiner.static import parse_cell

    def body(text: str) -> str:  # a cell magic (%%time ...) runs its body
        text = str(text)
        return text.lstrip().partition("\n")[2] if text.lstrip().startswith("%%") else text

    trees = [t for t in (parse_cell(body(c)) for c in cells) if t is not None]
    imported = {a.asname or a.name for t in trees for n in ast.walk(t)
                if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("torch.autograd") for a in n.names}
    statements: list[ast.AST] = list(trees)
    if source is not None:
        called = {n.func.id for t in trees for n in ast.walk(t)
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        for name in called:
            statements += [node for node in source.reached(name).values()
                           if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
            imported |= {a.asname or a.name for node in source.reached(name).values()
                         if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("torch.autograd")
                         for a in node.names}
    for statement in statements:
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            dotted = _dotted(node.func)
            last = dotted.rsplit(".", 1)[-1]
            if last == "backward" or dotted.endswith("autograd.grad") or (dotted in imported and last in ("grad", "backward")):
                return True
    return False
