"""Trusted facts about the submitted source, found by reading it (never by running it).

:class:`Source` parses the notebook's code cells as they stood before a test cell
(IPython syntax such as ``%matplotlib inline`` included) and answers questions a
rule needs: which module-level names a function reaches, through the notebook's own
functions and classes, and whether any of them is a forbidden module or helper.
Strings, docstrings and comments are never code, so they never count.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable

_TRANSFORMER = None


def parse_cell(text: str) -> ast.Module | None:
    """The AST of one cell, IPython syntax included; ``None`` when it is not valid Python."""
    global _TRANSFORMER
    if _TRANSFORMER is None:
        from IPython.core.inputtransformer2 import TransformerManager

        _TRANSFORMER = TransformerManager()
    try:
        return ast.parse(_TRANSFORMER.transform_cell(text))
    except (SyntaxError, ValueError, TypeError):
        return None


def bound_names(node: ast.stmt) -> set[str]:
    """Module-level names a statement binds (definitions, assignments, imports)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def module_statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Statements that run at module level, including those inside ``if``, ``try``, ``with`` and loops."""
    for node in body:
        yield node
        for attr in ("body", "orelse", "finalbody"):
            inner = getattr(node, attr, None)
            if isinstance(inner, list) and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield from module_statements(inner)
        for handler in getattr(node, "handlers", []) or []:
            yield from module_statements(handler.body)


def _imported_modules(node: ast.AST) -> Iterable[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            yield from (a.name for a in sub.names)
        elif isinstance(sub, ast.ImportFrom) and sub.module:
            yield sub.module


@dataclass
class Source:
    """The code of a notebook up to some cell; the last binding of a name wins, as in the kernel."""

    cells: list[str]
    bindings: dict[str, ast.stmt] = field(default_factory=dict)
    unparsable: int = 0

    def __post_init__(self) -> None:
        for text in self.cells:
            tree = parse_cell(text)
            if tree is None:
                self.unparsable += 1
                continue
            for node in module_statements(tree.body):
                for name in bound_names(node):
                    self.bindings[name] = node

    def defines(self, name: str) -> bool:
        return name in self.bindings

    def reached(self, name: str) -> dict[str, ast.stmt]:
        """The notebook's module-level bindings ``name`` reaches, itself included."""
        seen: dict[str, ast.stmt] = {}
        todo = [name]
        while todo:
            current = todo.pop()
            node = self.bindings.get(current)
            if node is None or current in seen:
                continue
            seen[current] = node
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in self.bindings and sub.id not in seen:
                    todo.append(sub.id)
        return seen

    def uses(self, name: str, modules: Iterable[str] = (), names: Iterable[str] = ()) -> list[str]:
        """What ``name`` reaches of the given modules or names: ``["torch", "import torch.nn", ...]``."""
        modules, names = set(modules), set(names)
        found: set[str] = set()
        for bound, node in self.reached(name).items():
            if bound in names and bound != name:
                found.add(bound)
            found |= {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and sub.id in names}
            for module in _imported_modules(node):
                if module.split(".")[0] in modules:
                    found.add(bound if isinstance(node, (ast.Import, ast.ImportFrom)) else f"import {module}")
        return sorted(found)
