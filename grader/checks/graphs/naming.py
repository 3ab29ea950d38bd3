"""The naming rules of a graph (inputs, output, named and ``z1 ... zn`` variables), as facts and as messages.

:func:`summary` gives facts every correct graph shares whatever its operation nodes are
called; :func:`naming_problems` and :func:`problems` give readable messages (empty when
the graph follows the rules). None of them raises for a graph that breaks the rules.
"""

from __future__ import annotations

from typing import Any, Iterable

from grader.checks.graphs.rules import is_graph, violations


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
