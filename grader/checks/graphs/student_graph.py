"""The graph the student's code returned, rebuilt in the examiner from its node and edge data.

Everything judged about the rebuilt graph is computed on the examiner's side: only
plain data crosses from the student's process, and an attribute that stayed there
becomes its description.
"""

from __future__ import annotations

from typing import Any

from grader.checks.graphs.rules import _nx


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
