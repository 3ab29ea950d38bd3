"""The grader's own checks for the ``graphs`` assignment, used by its hidden tests in the examiner.

A graph is a ``networkx.DiGraph`` whose nodes carry ``kind`` (``"variable"`` or
``"operation"``); operation nodes carry ``op`` (a key of :data:`ARITY`). Edges go
variable -> operation (an input) or operation -> variable (its single result); the
inputs of ``"-"`` and ``"/"`` carry ``arg=0`` (left) / ``arg=1`` (right). A variable
without a producer is an input, or a constant when it has a ``value`` attribute.

The notebook ships its own evaluator (``source/graphs/graph_tools.py``) for students;
hidden tests use this module instead, so a modified copy of that file changes nothing.
Nothing here knows the answers: it evaluates whatever graph it is given.

Besides the graph rules: :func:`from_student` rebuilds a graph the student's code
returned (it arrives as a handle) from its node and edge data; :func:`compute`
evaluates it as leniently as its meaning allows, so that a graph which breaks a
drawing rule still gets its values judged on their own; and a few readings of the
submitted source (:func:`banned_uses`, :func:`cells_after`, :func:`calls_autograd`).
"""

from __future__ import annotations

import ast
import functools
import operator
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


def naming_problems(G: Any, output: str, inputs: Iterable[str], named: Iterable[str] = ()) -> list[str]:
    """Readable messages for the naming rules ``G`` breaks: inputs, output, named and ``z1 ... zn`` variables."""
    if not is_graph(G):
        return [f"not a networkx.DiGraph but a {type(G).__name__}"]
    msgs = []
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


def problems(G: Any, output: str, inputs: Iterable[str], named: Iterable[str] = ()) -> list[str]:
    """Readable messages for everything wrong with ``G`` (empty when it follows the rules)."""
    msgs = [m for ms in violations(G).values() for m in ms]
    if not is_graph(G):
        return msgs
    return msgs + naming_problems(G, output, inputs, named)


def random_points(names: Iterable[str], n: int = 200, seed: int = 0, scale: float = 1.5) -> dict:
    """``{name: array of n normal draws}`` for evaluating graphs at many points at once."""
    rng = np.random.default_rng(seed)
    return {name: rng.normal(0.0, scale, size=n) for name in names}


# --------------------------------------------------------------------------- lenient evaluation

def find_output(G: Any, name: str) -> Any:
    """``name`` when the graph has it, else its only variable that nothing uses."""
    if name in G:
        return name
    sinks = [n for n, k in G.nodes(data="kind") if k == "variable" and G.out_degree(n) == 0]
    if len(sinks) == 1:
        return sinks[0]
    raise GraphError(f"the graph has no variable named {name!r}")


def compute(G: Any, values: dict, outputs: Iterable[Any]) -> dict:
    """The values of ``outputs`` (float64 arrays broadcast from ``values``), as leniently as meaning allows.

    Only the nodes the outputs depend on are evaluated. Unlike :func:`evaluate`, a
    graph that breaks a drawing rule but still means one number per node is
    evaluated: ``"+"`` and ``"*"`` with any number of inputs, operations joined
    directly, variables joined directly, a computed variable that also has a
    ``value``. What cannot be given a meaning raises :class:`GraphError`: unknown
    kinds or ops, ``"-"``/``"/"`` without ``arg=0``/``arg=1``, one-input operations
    with another number of inputs, a variable with several producers, a cycle, an
    input without a value.
    """
    nx = _nx()
    if not is_graph(G):
        raise GraphError(f"not a networkx.DiGraph but a {type(G).__name__}")
    outputs = list(outputs)
    needed: set = set()
    for out in outputs:
        if out not in G:
            raise GraphError(f"the graph has no node {out!r}")
        needed |= nx.ancestors(G, out) | {out}
    sub = G.subgraph(needed)
    if not nx.is_directed_acyclic_graph(sub):
        raise GraphError("the graph has a cycle")
    result: dict = {}
    with np.errstate(all="ignore"):
        for n in nx.topological_sort(sub):
            data, preds = G.nodes[n], list(G.predecessors(n))
            kind = data.get("kind")
            if kind == "variable":
                if len(preds) > 1:
                    raise GraphError(f"variable {n!r} is computed by {len(preds)} nodes")
                if preds:
                    result[n] = result[preds[0]]
                elif n in values:
                    result[n] = np.asarray(values[n], dtype=np.float64)
                elif "value" in data:
                    result[n] = np.asarray(float(data["value"]), dtype=np.float64)
                else:
                    raise GraphError(f"input variable {n!r} has no value")
            elif kind == "operation":
                op = data.get("op")
                if op not in ARITY:
                    raise GraphError(f"operation {n!r} has unknown op {op!r}")
                if op in ORDERED:
                    by_arg = {str(G.edges[p, n].get("arg")): p for p in preds}
                    if len(preds) != 2 or sorted(by_arg) != ["0", "1"]:
                        raise GraphError(f"operation {n!r} ({op}) needs two inputs marked arg=0 and arg=1")
                    result[n] = _apply(op, [result[by_arg["0"]], result[by_arg["1"]]])
                elif ARITY[op] == 1:
                    if len(preds) != 1:
                        raise GraphError(f"operation {n!r} ({op}) has {len(preds)} inputs, needs 1")
                    result[n] = _apply(op, [result[preds[0]]])
                else:
                    if not preds:
                        raise GraphError(f"operation {n!r} ({op}) has no inputs")
                    fold = operator.add if op == "+" else operator.mul
                    result[n] = functools.reduce(fold, [result[p] for p in preds])
            else:
                raise GraphError(f"node {n!r} has kind {kind!r}")
    return {out: result[out] for out in outputs}


# --------------------------------------------------------------------------- the student's graph, as data

def _plain(value: Any) -> Any:
    """An attribute value as data; an object that stayed in the student's process as its description."""
    from grader.examiner.bridge import Remote

    if isinstance(value, Remote):
        return f"<{object.__getattribute__(value, '_kind') or 'object'}>"
    return value


def from_student(ex: Any, got: Any, what: str) -> Any:
    """The graph that ``got`` (what the student's code returned) stands for, rebuilt in the examiner.

    A ``networkx.DiGraph`` stays in the student's process; its node and edge
    dictionaries come back as data and make a new graph here, so everything judged
    about it is computed on the examiner's side.
    """
    from grader.examiner.bridge import Remote, StudentError

    nx = _nx()
    if not isinstance(got, Remote):
        raise AssertionError(f"{what} should return a networkx.DiGraph, got {ex.describe(got)}")
    kind = str(getattr(got, "_kind", "") or "an object").rsplit(".", 1)[-1]
    try:
        directed, multi = bool(got.is_directed()), bool(got.is_multigraph())
        nodes, succ = ex.fetch(got._node), ex.fetch(got._succ)
    except StudentError:
        raise AssertionError(f"{what} should return a networkx.DiGraph, got a {kind}") from None
    if not directed or multi or not isinstance(nodes, dict) or not isinstance(succ, dict):
        raise AssertionError(f"{what} should return a networkx.DiGraph, got a {kind}")
    G = nx.DiGraph()
    for n, attrs in nodes.items():
        G.add_node(n)
        if isinstance(attrs, dict):
            G.nodes[n].update({str(k): _plain(v) for k, v in attrs.items()})
    for u, nbrs in succ.items():
        for v, attrs in (nbrs.items() if isinstance(nbrs, dict) else []):
            G.add_edge(u, v)
            if isinstance(attrs, dict):
                G.edges[u, v].update({str(k): _plain(a) for k, a in attrs.items()})
    return G


# --------------------------------------------------------------------------- values the student stored

def one_number(value: Any, what: str, describe: Any = repr) -> float:
    """``value`` as a float when it holds exactly one number (a float, an int, a one-element tensor or array)."""
    if isinstance(value, bool):
        raise AssertionError(f"{what} should be a number, got a bool")
    if isinstance(value, (int, float)):
        return float(value)
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):  # a tensor (never a proxy)
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.number):
        return float(value.reshape(-1)[0])
    raise AssertionError(f"{what} should hold one number, got {_kind_of(value, describe)}")


def _kind_of(value: Any, describe: Any) -> str:
    """``describe(value)``, or the type name of an object that stayed in the student's process."""
    from grader.examiner.bridge import Remote

    if isinstance(value, Remote):
        return f"a {str(object.__getattribute__(value, '_kind') or 'object').rsplit('.', 1)[-1]}"
    return describe(value)


def stored_float(ex: Any, name: str) -> float:
    """The student's variable ``name``, which the text asks to be a Python float (an int is fine too)."""
    value = ex.fetch(getattr(ex.student, name))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AssertionError(f"{name} should be a Python float, got {_kind_of(value, ex.describe)}")
    return float(value)


def own_float(ex: Any, name: str) -> float | None:
    """The student's float ``name``, or ``None`` when it is missing or not a float (to judge what follows from it)."""
    try:
        return stored_float(ex, name)
    except Exception:  # noqa: BLE001 - any failure means: no usable value of the student's own
        return None


def graph_values(ex: Any, got: Any, what: str, points: dict, outputs: Iterable[str],
                 optional: Iterable[str] = ()) -> dict:
    """The values of ``outputs`` of the student's graph ``got`` at ``points`` (an output missing by name
    is the graph's only unused variable), and of the ``optional`` variables the graph computes; a graph
    that cannot be evaluated fails with the reason."""
    G = from_student(ex, got, what)
    try:
        names = {out: find_output(G, out) for out in outputs}
        names.update({n: n for n in optional if n in G and G.nodes[n].get("kind") == "variable" and G.in_degree(n)})
        values = compute(G, points, list(names.values()))
    except GraphError as err:
        raise AssertionError(f"{what}: the graph cannot be evaluated ({err})") from None
    n = len(next(iter(points.values())))
    return {out: np.broadcast_to(values[node], (n,)).astype(np.float64) for out, node in names.items()}


def close_any(close: Any, got: Any, wants: list, what: str, **tolerance: Any) -> None:
    """``close(got, want, what)`` for the first of ``wants`` it accepts; else the first one's message."""
    first: AssertionError | None = None
    for want in wants:
        try:
            close(got, want, what, **tolerance)
            return
        except AssertionError as exc:
            first = first or exc
    assert first is not None
    raise first


# --------------------------------------------------------------------------- reading the submitted source

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
