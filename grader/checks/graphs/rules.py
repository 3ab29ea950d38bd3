"""The drawing rules of a graph, and the list of every rule a graph breaks.

:func:`violations` reports a broken graph rather than raising: it returns the breaches
by category (all lists empty for a valid graph). :data:`ARITY`, :data:`ORDERED` and
:class:`GraphError` are the vocabulary the other graph modules share.
"""

from __future__ import annotations

from typing import Any

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
