"""The grader's own checks for computational graphs (the ``graphs`` assignment), and two
helpers that look at how a student computed a name.

A graph is a ``networkx.DiGraph`` whose nodes carry ``kind`` (``"variable"`` or
``"operation"``); operation nodes carry ``op`` (a key of :data:`ARITY`). Edges go
variable -> operation (an input) or operation -> variable (its single result); the
inputs of ``"-"`` and ``"/"`` carry ``arg=0`` (left) / ``arg=1`` (right). A variable
without a producer is an input, or a constant when it has a ``value`` attribute.

The notebook ships its own evaluator (``source/graphs/graph_tools.py``) for students;
hidden tests use this module instead, so a modified copy of that file changes nothing.
Nothing here knows the answers: it evaluates whatever graph it is given.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import types
from typing import Any, Iterable

import numpy as np

ARITY = {"*": 2, "+": 2, "-": 2, "/": 2, "neg": 1, "exp": 1}
ORDERED = {"-", "/"}


class GraphError(ValueError):
    """The graph cannot be evaluated."""


def _nx():
    import networkx as nx

    return nx


def is_graph(G: Any) -> bool:
    nx = _nx()
    return isinstance(G, nx.DiGraph) and not G.is_multigraph()


def _kind(G: Any, n: Any) -> Any:
    return G.nodes[n].get("kind")


def _inputs_in_order(G: Any, n: Any) -> list:
    preds = list(G.predecessors(n))
    if G.nodes[n].get("op") in ORDERED:
        return sorted(preds, key=lambda p: G.edges[p, n].get("arg"))
    return preds


def violations(G: Any) -> dict[str, list[str]]:
    """Rule breaches by category (each a list of messages; all empty for a valid graph).

    ``graph`` (not a DiGraph / empty), ``kind`` (bad ``kind``/``op``), ``arity`` (wrong
    number of inputs, or unlabelled operands of ``-`` and ``/``), ``alternation``
    (variable->variable or operation->operation edges, an operation without exactly one
    result, a variable with several producers or a computed constant), ``cycle``.
    """
    out: dict[str, list[str]] = {"graph": [], "kind": [], "arity": [], "alternation": [], "cycle": []}
    if not is_graph(G):
        out["graph"].append(f"not a networkx.DiGraph but a {type(G).__name__}")
        return out
    if G.number_of_nodes() == 0:
        out["graph"].append("the graph is empty")
        return out
    for n, data in G.nodes(data=True):
        kind = data.get("kind")
        if kind == "operation":
            op = data.get("op")
            if op not in ARITY:
                out["kind"].append(f"operation {n!r} has unknown op {op!r}")
                continue
            preds, succs = list(G.predecessors(n)), list(G.successors(n))
            if len(preds) != ARITY[op]:
                out["arity"].append(f"operation {n!r} ({op}) has {len(preds)} inputs, needs {ARITY[op]}")
            elif op in ORDERED and sorted(str(G.edges[p, n].get("arg")) for p in preds) != ["0", "1"]:
                out["arity"].append(f"operation {n!r} ({op}) lacks arg=0/arg=1 on its input edges")
            if len(succs) != 1:
                out["alternation"].append(f"operation {n!r} has {len(succs)} results, needs exactly 1")
            for m in preds:  # each operation -> operation edge once, from its head
                if _kind(G, m) == "operation":
                    out["alternation"].append(f"operations {m!r} and {n!r} are directly connected")
        elif kind == "variable":
            producers = list(G.predecessors(n))
            if len(producers) > 1:
                out["alternation"].append(f"variable {n!r} has {len(producers)} producers")
            if producers and "value" in data:
                out["alternation"].append(f"variable {n!r} is computed but also has a constant value")
            for m in G.successors(n):
                if _kind(G, m) == "variable":
                    out["alternation"].append(f"variables {n!r} and {m!r} are directly connected")
        else:
            out["kind"].append(f"node {n!r} has kind {kind!r}")
    if not _nx().is_directed_acyclic_graph(G):
        out["cycle"].append("the graph has a cycle")
    return out


def _apply(op: str, a: list) -> Any:
    if op == "*":
        return a[0] * a[1]
    if op == "+":
        return a[0] + a[1]
    if op == "-":
        return a[0] - a[1]
    if op == "/":
        return a[0] / a[1]
    if op == "neg":
        return -a[0]
    if op == "exp":
        return np.exp(a[0])
    raise GraphError(f"unknown op {op!r}")


def evaluate(G: Any, values: dict) -> dict:
    """Value of every node (float64 numpy arrays broadcast from ``values``).

    Raises :class:`GraphError` for a graph that breaks the rules, a missing input value,
    or a value given for a node that is not an input.
    """
    problems = [m for msgs in violations(G).values() for m in msgs]
    if problems:
        raise GraphError("; ".join(problems))
    for k in values:
        if k not in G or _kind(G, k) != "variable" or G.in_degree(k) > 0:
            raise GraphError(f"{k!r} is not an input variable of the graph")
    result: dict = {}
    with np.errstate(all="ignore"):
        for n in _nx().topological_sort(G):
            data = G.nodes[n]
            if data["kind"] == "variable":
                if G.in_degree(n) == 0:
                    if n in values:
                        result[n] = np.asarray(values[n], dtype=np.float64)
                    elif "value" in data:
                        result[n] = np.asarray(float(data["value"]), dtype=np.float64)
                    else:
                        raise GraphError(f"input variable {n!r} has no value")
                else:
                    result[n] = result[next(iter(G.predecessors(n)))]
            else:
                result[n] = _apply(data["op"], [result[p] for p in _inputs_in_order(G, n)])
    return result


def _z_ok(names: list[str]) -> bool:
    return sorted(names) == sorted(f"z{i}" for i in range(1, len(names) + 1))


def summary(G: Any, output: str, named: Iterable[str] = ()) -> dict:
    """Facts every correct graph shares, whatever its operation nodes are called.

    ``output`` is the final variable; ``named`` the computed variables that keep their own
    name (like ``f`` in ``e = f - f_star``); every other computed variable must be one of
    ``z1 ... zn``. Record this with ``check="equal"``.
    """
    v = violations(G)
    facts: dict[str, Any] = {
        "digraph": not v["graph"],
        "acyclic": not v["cycle"],
        "bad_kinds": len(v["kind"]),
        "arity_violations": len(v["arity"]),
        "alternation_violations": len(v["alternation"]),
    }
    if v["graph"]:
        facts.update(inputs=[], sinks=[], named_computed=[], z_names_ok=False)
        return facts
    variables = [n for n, k in G.nodes(data="kind") if k == "variable"]
    computed = [n for n in variables if G.in_degree(n) > 0]
    named = set(named) | {output}
    facts["inputs"] = sorted(str(n) for n in variables if G.in_degree(n) == 0 and "value" not in G.nodes[n])
    facts["sinks"] = sorted(str(n) for n in G if G.out_degree(n) == 0)
    facts["named_computed"] = sorted(str(n) for n in computed if n in named)
    facts["z_names_ok"] = _z_ok([str(n) for n in computed if n not in named])
    return facts


def problems(G: Any, output: str, inputs: Iterable[str], named: Iterable[str] = ()) -> list[str]:
    """Readable messages for everything wrong with ``G`` (empty when it follows the rules)."""
    msgs = [m for ms in violations(G).values() for m in ms]
    if not is_graph(G):
        return msgs
    facts = summary(G, output, named)
    want_inputs = sorted(map(str, inputs))
    if facts["inputs"] != want_inputs:
        msgs.append(f"input variables are {facts['inputs']}, expected {want_inputs}")
    if facts["sinks"] != [output]:
        msgs.append(f"the graph should end in {output!r} only; it ends in {facts['sinks']}")
    want_named = sorted(set(named) | {output})
    if facts["named_computed"] != want_named:
        msgs.append(f"computed variables named {want_named} expected; found {facts['named_computed']}")
    if not facts["z_names_ok"]:
        msgs.append("intermediate variables are not named z1, z2, ... zn")
    return msgs


def random_points(names: Iterable[str], n: int = 200, seed: int = 0, scale: float = 1.5) -> dict:
    """``{name: array of n normal draws}`` for evaluating graphs at many points at once."""
    rng = np.random.default_rng(seed)
    return {name: rng.normal(0.0, scale, size=n) for name in names}


# --------------------------------------------------------------------------- how a name was computed

def _assigns(tree: ast.AST, name: str) -> bool:
    """True when ``name`` is assigned at module level (not inside a def/class)."""
    stack = list(getattr(tree, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def defining_source(name: str, history: list[str] | None = None, skip_marker: str = "defining_source(") -> str | None:
    """Source of the last executed cell that assigns ``name`` at top level.

    ``history`` defaults to the running IPython kernel's input history (``In``); cells
    containing ``skip_marker`` (the hidden test asking) are skipped. ``None`` if not found.
    """
    if history is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        ip = get_ipython()
        if ip is None:
            return None
        history = list(ip.user_ns.get("In", []))
    for src in reversed(history):
        if not isinstance(src, str) or skip_marker in src:
            continue
        for code in _python_of(src):
            try:
                tree = ast.parse(code)
            except SyntaxError:
                continue
            if _assigns(tree, name):
                return code
    return None


def _python_of(src: str) -> list[str]:
    """``src``, and the body of a cell magic (``%%time`` ...) that IPython turned into a call."""
    out = [src]
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return out
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "run_cell_magic" and len(node.args) == 3 \
                and isinstance(node.args[2], ast.Constant) and isinstance(node.args[2].value, str):
            out.append(node.args[2].value)
    return out


def _called_names(tree: ast.AST) -> tuple[list[str], list[str]]:
    """(dotted names of all calls, names imported) in ``tree``."""
    calls, imported = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            parts, f = [], node.func
            while isinstance(f, ast.Attribute):
                parts.append(f.attr)
                f = f.value
            if isinstance(f, ast.Name):
                parts.append(f.id)
            calls.append(".".join(reversed(parts)))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imported += [a.name.split(".")[-1] for a in node.names]
    return calls, imported


def forbidden_calls(source: str, banned: Iterable[str], namespace: dict | None = None, depth: int = 3) -> list[str]:
    """Sorted calls in ``source`` whose last name part is in ``banned`` (``torch.norm`` for
    ``"norm"``), also inside functions from ``namespace`` that ``source`` calls (followed
    ``depth`` levels), and banned names imported there."""
    banned = set(banned)
    found: set[str] = set()
    seen: set[int] = set()

    def scan(src: str, level: int) -> None:
        try:
            tree = ast.parse(src)
        except SyntaxError:
            return
        calls, imported = _called_names(tree)
        found.update(f"import {n}" for n in imported if n in banned)
        for dotted in calls:
            if dotted.split(".")[-1] in banned:
                found.add(dotted)
            if namespace is None or level >= depth:
                continue
            obj = namespace.get(dotted.split(".")[0]) if "." not in dotted else None
            if isinstance(obj, types.FunctionType) and id(obj) not in seen:
                seen.add(id(obj))
                try:
                    inner = inspect.getsource(obj)
                except (OSError, TypeError):
                    continue
                import textwrap
                scan(textwrap.dedent(inner), level + 1)

    scan(source, 0)
    return sorted(found)


def rerun(source: str, namespace: dict, inputs: dict, outputs: Iterable[str]) -> dict:
    """Run ``source`` again in a copy of ``namespace`` with ``inputs`` replaced.

    Returns ``{name: value}`` for ``outputs`` (``None`` when the cell no longer defines
    one). Printed output is swallowed. Used to see that a value is computed from the
    given inputs rather than typed in.
    """
    ns = dict(namespace)
    ns.update(inputs)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "<rerun of a solution cell>", "exec"), ns)  # noqa: S102 - the student's own cell
    return {k: ns.get(k) for k in outputs}


def autograd_leaves(values: dict) -> tuple[dict, dict]:
    """Fresh float32 leaf tensors with ``requires_grad=True`` for ``values``, and a dict
    ``{name: [bool]}`` that turns true when autograd computes that leaf's gradient
    (``backward()`` or ``torch.autograd.grad``)."""
    import torch

    leaves, seen = {}, {}
    for name, (val, needs_grad) in values.items():
        t = torch.tensor(val, dtype=torch.float32, requires_grad=needs_grad)
        if needs_grad:
            flag = [False]

            def hook(grad, flag=flag):
                flag[0] = True
                return grad

            t.register_hook(hook)
            seen[name] = flag
        leaves[name] = t
    return leaves, seen
