"""Tools for computational graphs stored as ``networkx.DiGraph`` objects.

This file ships with the notebook ``pytorch_and_graphs.ipynb``. Read it if you are
curious; you do not need to change it.

How a graph is stored
---------------------
* Every node has an attribute ``kind``: ``"variable"`` (drawn as a circle) or
  ``"operation"`` (drawn as a square).
* Every operation node has an attribute ``op``, one of ``OPS``:
  ``"*"``, ``"+"``, ``"-"``, ``"/"`` (two inputs) and ``"neg"``, ``"exp"`` (one input).
* Edges go from a variable to an operation (an input of the operation) or from an
  operation to a variable (its result). Every operation has exactly one result.
* For ``"-"`` and ``"/"`` the order of the inputs matters, so their input edges carry
  an attribute ``arg``: ``0`` for the left operand, ``1`` for the right one
  (``z3 = z1 - z2`` has edges ``z1 -> op`` with ``arg=0`` and ``z2 -> op`` with ``arg=1``).
* A variable without an incoming edge is an *input*: its value is given when the graph
  is evaluated, or, for a constant such as the ``1`` in ``1 + x``, stored in the node's
  attribute ``value``.

``add_operation`` and ``add_constant`` below build such nodes for you;
``check_graph`` lists what breaks the rules, ``evaluate_graph`` computes every node
and ``draw_graph`` draws the graph left to right.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import networkx as nx
import numpy as np

OPS = {"*": 2, "+": 2, "-": 2, "/": 2, "neg": 1, "exp": 1}
"""The operations a graph may use, with their number of inputs."""

ORDERED_OPS = {"-", "/"}
"""Operations whose input edges need ``arg=0`` (left) and ``arg=1`` (right)."""

SYMBOLS = {"*": "\u00d7", "+": "+", "-": "\u2212", "/": "\u00f7", "neg": "neg", "exp": "exp"}


class GraphError(ValueError):
    """A graph that breaks the rules above, so it cannot be evaluated."""


# ----------------------------------------------------------------------------- building

def add_constant(G: nx.DiGraph, name: str, value: float) -> str:
    """Add a constant variable node ``name`` holding ``value``; returns ``name``."""
    G.add_node(name, kind="variable", value=float(value))
    return name


def add_operation(G: nx.DiGraph, name: str, op: str, inputs: Iterable[str], output: str) -> str:
    """Add operation node ``name`` computing ``output = op(*inputs)``; returns ``output``.

    Variable nodes that do not exist yet are created (``kind="variable"``); the input
    edges get ``arg=0, 1, ...`` in the order given, so ``add_operation(G, "sub", "-",
    ["a", "b"], "z1")`` means ``z1 = a - b``.
    """
    if op not in OPS:
        raise GraphError(f"unknown op {op!r}: use one of {sorted(OPS)}")
    inputs = list(inputs)
    G.add_node(name, kind="operation", op=op)
    for i, var in enumerate(inputs):
        if var not in G:
            G.add_node(var, kind="variable")
        G.add_edge(var, name, arg=i)
    if output not in G:
        G.add_node(output, kind="variable")
    G.add_edge(name, output)
    return output


# ----------------------------------------------------------------------------- checking

def _kind(G: nx.DiGraph, n: Any) -> Any:
    return G.nodes[n].get("kind")


def _ordered_inputs(G: nx.DiGraph, op_node: Any) -> list:
    """Inputs of an operation in operand order (``arg`` attribute, else insertion order)."""
    preds = list(G.predecessors(op_node))
    if G.nodes[op_node].get("op") in ORDERED_OPS:
        return sorted(preds, key=lambda p: G.edges[p, op_node].get("arg"))
    return preds


def rule_problems(G: Any) -> list[str]:
    """Everything that stops ``G`` from being evaluated (an empty list when it is fine)."""
    if not isinstance(G, nx.DiGraph) or G.is_multigraph():
        return [f"expected a networkx.DiGraph, got {type(G).__name__}"]
    problems: list[str] = []
    if G.number_of_nodes() == 0:
        return ["the graph has no nodes"]
    for n, data in G.nodes(data=True):
        kind = data.get("kind")
        if kind not in ("variable", "operation"):
            problems.append(f"node {n!r} has kind={kind!r}; every node needs kind='variable' or kind='operation'")
            continue
        if kind == "operation":
            op = data.get("op")
            if op not in OPS:
                problems.append(f"operation {n!r} has op={op!r}; use one of {sorted(OPS)}")
                continue
            preds, succs = list(G.predecessors(n)), list(G.successors(n))
            if len(preds) != OPS[op]:
                problems.append(f"operation {n!r} ({op!r}) has {len(preds)} input(s) {preds}; "
                                f"{op!r} takes {OPS[op]}")
            if len(succs) != 1:
                problems.append(f"operation {n!r} ({op!r}) has {len(succs)} result variable(s) {succs}; "
                                "it needs exactly one")
            for p in preds:
                if _kind(G, p) == "operation":
                    problems.append(f"operations {p!r} and {n!r} are joined directly; put a variable "
                                    "node (z1, z2, ...) between them")
            if op in ORDERED_OPS and len(preds) == 2:
                args = sorted(str(G.edges[p, n].get("arg")) for p in preds)
                if args != ["0", "1"]:
                    problems.append(f"operation {n!r} ({op!r}): its input edges need arg=0 (left operand) and "
                                    f"arg=1 (right operand), got {args}")
        else:
            producers = list(G.predecessors(n))
            if len(producers) > 1:
                problems.append(f"variable {n!r} is the result of {len(producers)} operations {producers}; "
                                "at most one may compute it")
            if producers and "value" in data:
                problems.append(f"variable {n!r} is computed by {producers[0]!r} but also has a constant value")
            for s in G.successors(n):
                if _kind(G, s) == "variable":
                    problems.append(f"variables {n!r} and {s!r} are joined directly; an operation must sit "
                                    "between them")
    if not nx.is_directed_acyclic_graph(G):
        cycle = [u for u, _ in nx.find_cycle(G)]
        problems.append(f"the graph has a cycle: {' -> '.join(map(str, cycle + cycle[:1]))}")
    return problems


def check_graph(G: Any, output: str | None = None, inputs: Iterable[str] | None = None,
                named: Iterable[str] = ()) -> list[str]:
    """All rule problems, plus the naming rules of the notebook.

    ``output``: the name of the final variable (the only variable nobody uses).
    ``inputs``: the names the input variables must have (constants aside).
    ``named``: computed variables allowed a name of their own; every other computed
    variable must be called ``z1``, ``z2``, ... ``zn`` with no number skipped.
    """
    problems = rule_problems(G)
    if problems and not isinstance(G, nx.DiGraph):
        return problems
    variables = [n for n, k in G.nodes(data="kind") if k == "variable"]
    leaves = [n for n in variables if G.in_degree(n) == 0]
    computed = [n for n in variables if G.in_degree(n) > 0]
    sinks = [n for n in variables if G.out_degree(n) == 0]
    if output is not None:
        if output not in G:
            problems.append(f"there is no output variable {output!r}")
        others = [n for n in sinks if n != output]
        if others:
            problems.append(f"variable(s) {others} are never used; only {output!r} should be the end of the graph")
    if inputs is not None:
        wanted = sorted(map(str, inputs))
        got = sorted(str(n) for n in leaves if "value" not in G.nodes[n])
        if got != wanted:
            problems.append(f"the input variables are {got}; expected {wanted} "
                            "(a constant needs its value in the node attribute 'value')")
    special = set(named) | ({output} if output is not None else set())
    for name in special - {output}:
        if name not in computed:
            problems.append(f"expected a computed variable named {name!r}")
    inter = sorted((str(n) for n in computed if n not in special), key=_z_key)
    expected = [f"z{i}" for i in range(1, len(inter) + 1)]
    if inter != expected:
        problems.append(f"intermediate variables must be named z1 ... z{len(inter)}; got {inter}")
    return problems


def _z_key(name: str) -> tuple:
    return (0, int(name[1:])) if name[:1] == "z" and name[1:].isdigit() else (1, name)


# ----------------------------------------------------------------------------- evaluating

def _apply(op: str, args: list) -> Any:
    if op == "*":
        return args[0] * args[1]
    if op == "+":
        return args[0] + args[1]
    if op == "-":
        return args[0] - args[1]
    if op == "/":
        return args[0] / args[1]
    if op == "neg":
        return -args[0]
    return np.exp(args[0])


def evaluate_graph(G: nx.DiGraph, values: dict) -> dict:
    """Compute every node of ``G`` in topological order.

    ``values`` maps each input variable to a number (or a numpy array, to evaluate many
    points at once); constants take their ``value`` attribute unless ``values`` gives
    one. Returns a dict ``{node: value}``; an operation node holds the value it computes.
    Raises ``GraphError`` saying what is wrong when the graph breaks the rules.
    """
    problems = rule_problems(G)
    if problems:
        raise GraphError("cannot evaluate this graph:\n  - " + "\n  - ".join(problems))
    unknown = [k for k in values if k not in G]
    if unknown:
        raise GraphError(f"values given for {unknown}, which are not nodes of the graph")
    not_inputs = [k for k in values if G.in_degree(k) > 0 or _kind(G, k) != "variable"]
    if not_inputs:
        raise GraphError(f"values given for {not_inputs}, which are computed by the graph, not inputs")
    result: dict = {}
    with np.errstate(all="ignore"):
        for n in nx.topological_sort(G):
            data = G.nodes[n]
            if data["kind"] == "variable":
                if G.in_degree(n) == 0:
                    if n in values:
                        result[n] = values[n]
                    elif "value" in data:
                        result[n] = data["value"]
                    else:
                        raise GraphError(f"input variable {n!r} has no value: pass it in `values` "
                                         "(or give a constant a 'value' attribute)")
                else:
                    result[n] = result[next(iter(G.predecessors(n)))]
            else:
                args = [result[p] for p in _ordered_inputs(G, n)]
                result[n] = _apply(data["op"], args)
    return result


# ----------------------------------------------------------------------------- drawing

def _layout(G: nx.DiGraph) -> dict:
    """Columns left to right (each node as late as its first use allows), rows by subtree."""
    order = list(nx.topological_sort(G))
    to_sink = {}
    for n in reversed(order):
        succ = list(G.successors(n))
        to_sink[n] = 1 + max(to_sink[s] for s in succ) if succ else 0
    depth = max(to_sink.values())
    col = {n: depth - to_sink[n] for n in G}

    row: dict = {}
    next_leaf = [0.0]

    def place(n: Any) -> float:
        if n in row:
            return row[n]
        preds = _ordered_inputs(G, n) if _kind(G, n) == "operation" else list(G.predecessors(n))
        inner = [p for p in preds if G.in_degree(p) > 0 or p in row]
        if not preds:
            row[n] = next_leaf[0]
            next_leaf[0] += 1.0
        elif not inner:  # only inputs: give them fresh rows, one under the other
            row[n] = sum(place(p) for p in preds) / len(preds)
        else:  # inputs go just above / below the computed operands they sit next to
            base = sum(place(p) for p in inner) / len(inner)
            first = preds.index(inner[0])
            above = [p for p in preds[:first] if p not in row]
            below = [p for p in preds[first:] if p not in row]
            for k, p in enumerate(reversed(above), 1):
                row[p] = base - k
            for k, p in enumerate(below, 1):
                row[p] = base + k
            next_leaf[0] = max(next_leaf[0], max(row.values()) + 1.0)
            row[n] = sum(row[p] for p in preds) / len(preds)
        return row[n]

    sinks = [n for n in order if G.out_degree(n) == 0]
    for s in sinks:
        place(s)
    for n in order:  # nodes that lead nowhere a sink reaches (cannot happen in a DAG, but be safe)
        place(n)
    # no two nodes of a column closer than one row
    for c in set(col.values()):
        members = sorted((n for n in G if col[n] == c), key=lambda n: row[n])
        for a, b in zip(members, members[1:]):
            if row[b] < row[a] + 1.0:
                row[b] = row[a] + 1.0
    return {n: (1.3 * col[n], -row[n]) for n in G}


def _fmt(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "?"
    return f"{v:.3f}" if math.isfinite(v) else str(v)


def draw_graph(G: nx.DiGraph, values: dict | None = None, ax: Any = None, title: str | None = None) -> Any:
    """Draw ``G`` left to right: variables as circles, operations as squares.

    With ``values`` (as for ``evaluate_graph``), every variable shows its value under
    its name. Inputs are blue, constants grey, computed variables white, the final
    result green, operations orange. Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(G, nx.DiGraph):
        raise GraphError(f"expected a networkx.DiGraph, got {type(G).__name__}")
    if not nx.is_directed_acyclic_graph(G):
        raise GraphError("cannot draw a graph with a cycle: " + "; ".join(rule_problems(G)))
    computed = evaluate_graph(G, values) if values is not None else None
    pos = _layout(G)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    if ax is None:
        width = max(xs) - min(xs) + 1.6
        height = max(ys) - min(ys) + 1.4 + (0.4 if title else 0)
        _, ax = plt.subplots(figsize=(max(4.0, 0.95 * width), max(2.0, 0.95 * height)))
    big = computed is not None
    var_size, op_size = (1700, 700) if big else (1000, 700)

    def colour(n: Any) -> str:
        data = G.nodes[n]
        if data.get("kind") == "operation":
            return "#fde2c4"
        if G.in_degree(n) == 0:
            return "#e6e6e6" if "value" in data and (values is None or n not in values) else "#d6e6f7"
        return "#d9f2d0" if G.out_degree(n) == 0 else "white"

    variables = [n for n in G if _kind(G, n) == "variable"]
    operations = [n for n in G if _kind(G, n) == "operation"]
    strange = [n for n in G if _kind(G, n) not in ("variable", "operation")]
    for nodes, shape, size in ((variables, "o", var_size), (operations, "s", op_size), (strange, "h", op_size)):
        if nodes:
            nx.draw_networkx_nodes(G, pos, nodelist=nodes, node_shape=shape, node_size=size,
                                   node_color=[colour(n) for n in nodes], ax=ax,
                                   edgecolors="crimson" if shape == "h" else "#33415c", linewidths=1.4)
    nodelist = list(G)
    sizes = [op_size if _kind(G, n) != "variable" else var_size for n in nodelist]
    nx.draw_networkx_edges(G, pos, nodelist=nodelist, node_size=sizes, ax=ax, arrows=True, arrowsize=14,
                           edge_color="#33415c", width=1.2)
    labels = {}
    for n in G:
        data = G.nodes[n]
        if data.get("kind") == "operation":
            labels[n] = SYMBOLS.get(data.get("op"), str(data.get("op")))
        elif data.get("kind") == "variable":
            const = G.in_degree(n) == 0 and "value" in data and (values is None or n not in values)
            name = f"{data['value']:g}" if const else str(n)
            labels[n] = f"{name}\n{_fmt(computed[n])}" if computed is not None and not const else name
        else:
            labels[n] = f"{n}\n(kind?)"
    nx.draw_networkx_labels(G, pos, labels=labels, font_size=10 if big else 11, ax=ax)
    for u, v, data in G.edges(data=True):  # say which operand is which for "-" and "/"
        if G.nodes[v].get("op") in ORDERED_OPS and "arg" in data:
            (x0, y0), (x1, y1) = pos[u], pos[v]
            ax.text(x0 + 0.6 * (x1 - x0), y0 + 0.6 * (y1 - y0) + 0.12, "left" if data["arg"] == 0 else "right",
                    fontsize=7, color="#6b6b6b", ha="center")
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
