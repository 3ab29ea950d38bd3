"""Values of a graph's nodes: strictly (:func:`evaluate`) or as leniently as its meaning allows (:func:`compute`).

:func:`random_points` draws the inputs to evaluate them at. Both evaluate float64 numpy arrays broadcast from the given input values, with numpy's
floating-point warnings silenced; anything that cannot be evaluated raises
:class:`~grader.checks.graphs.rules.GraphError`, never another error of the graph's making.
"""

from __future__ import annotations

import functools
import operator
from typing import Any, Iterable

import numpy as np

from grader.checks.graphs.rules import ARITY, ORDERED, GraphError, _inputs_in_order, _kind, _nx, is_graph, violations


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


def _input_value(n: Any, data: dict, values: dict) -> Any:
    """An input variable's value: the one given in ``values``, else the graph's own, as float64."""
    if n in values:
        return np.asarray(values[n], dtype=np.float64)
    if "value" in data:
        return np.asarray(float(data["value"]), dtype=np.float64)
    raise GraphError(f"input variable {n!r} has no value")


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
                    result[n] = _input_value(n, data, values)
                else:
                    result[n] = result[next(iter(G.predecessors(n)))]
            else:
                result[n] = _apply(data["op"], [result[p] for p in _inputs_in_order(G, n)])
    return result


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
                else:
                    result[n] = _input_value(n, data, values)
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
