"""Unit tests of grader/checks/graphs.py, and its agreement with the students' graph_tools.py."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from grader.checks import graphs as gg

ROOT = Path(__file__).resolve().parent.parent


def _graph_tools():
    spec = importlib.util.spec_from_file_location("graph_tools", ROOT / "source" / "graphs" / "graph_tools.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gt = _graph_tools()


def _op(G, name, op, inputs, out):
    G.add_node(name, kind="operation", op=op)
    for i, v in enumerate(inputs):
        if v not in G:
            G.add_node(v, kind="variable")
        G.add_edge(v, name, arg=i)
    if out not in G:
        G.add_node(out, kind="variable")
    G.add_edge(name, out)


def sigmoid_graph():
    G = nx.DiGraph()
    _op(G, "m0", "*", ["w0", "x0"], "z1")
    _op(G, "m1", "*", ["w1", "x1"], "z2")
    _op(G, "a1", "+", ["z1", "z2"], "z3")
    _op(G, "a2", "+", ["z3", "w2"], "z4")
    _op(G, "n", "neg", ["z4"], "z5")
    _op(G, "x", "exp", ["z5"], "z6")
    G.add_node("one", kind="variable", value=1.0)
    _op(G, "a3", "+", ["one", "z6"], "z7")
    G.add_node("num", kind="variable", value=1.0)
    _op(G, "d", "/", ["num", "z7"], "f")
    return G


def error_graph():
    G = nx.DiGraph()
    _op(G, "m1", "*", ["w1", "x1"], "z1")
    _op(G, "m2", "*", ["w2", "x2"], "z2")
    _op(G, "s", "+", ["z1", "z2"], "z3")
    _op(G, "n", "neg", ["z3"], "z4")
    _op(G, "x", "exp", ["z4"], "f")
    _op(G, "d", "-", ["f", "f_star"], "e")
    return G


SIG_INPUTS = ["w0", "x0", "w1", "x1", "w2"]


def sigmoid(p):
    return 1 / (1 + np.exp(-(p["w0"] * p["x0"] + p["w1"] * p["x1"] + p["w2"])))


# ------------------------------------------------------------------------------ evaluation

def test_evaluate_scalar_and_arrays():
    G = sigmoid_graph()
    p = {"w0": 0.5, "x0": -1.0, "w1": 2.0, "x1": 0.25, "w2": 0.1}
    assert math.isclose(float(gg.evaluate(G, p)["f"]), float(sigmoid(p)), rel_tol=1e-12)
    pts = gg.random_points(SIG_INPUTS, n=50, seed=3)
    out = gg.evaluate(G, pts)
    assert out["f"].shape == (50,) and np.allclose(out["f"], sigmoid(pts), rtol=1e-12)
    assert np.allclose(out["d"], out["f"])  # an operation node holds its result


def test_random_points_are_reproducible():
    a, b = gg.random_points(["a", "b"], n=5, seed=1), gg.random_points(["a", "b"], n=5, seed=1)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_ordered_operands_follow_arg_not_insertion():
    G = nx.DiGraph()
    for n in ["b", "a", "z"]:
        G.add_node(n, kind="variable")
    G.add_node("div", kind="operation", op="/")
    G.add_edge("b", "div", arg=1)   # added first, but the right operand
    G.add_edge("a", "div", arg=0)
    G.add_edge("div", "z")
    assert float(gg.evaluate(G, {"a": 6.0, "b": 3.0})["z"]) == 2.0
    assert float(gt.evaluate_graph(G, {"a": 6.0, "b": 3.0})["z"]) == 2.0


def test_constants_and_overrides():
    G = error_graph()
    base = {"w1": 0.1, "x1": 0.3, "w2": -0.2, "x2": 0.4, "f_star": 1.0}
    out = gg.evaluate(G, base)
    assert math.isclose(float(out["f"]), math.exp(0.05)) and math.isclose(float(out["e"]), math.exp(0.05) - 1)
    H = sigmoid_graph()
    p = dict(w0=0.0, x0=0.0, w1=0.0, x1=0.0, w2=0.0)
    assert math.isclose(float(gg.evaluate(H, p)["f"]), 0.5)
    assert math.isclose(float(gg.evaluate(H, {**p, "num": 2.0})["f"]), 1.0)  # a constant may be overridden


@pytest.mark.parametrize("values, words", [
    ({"w1": 0.1, "x1": 0.3, "w2": -0.2, "x2": 0.4}, "f_star"),                      # missing input
    ({"w1": 0.1, "x1": 0.3, "w2": -0.2, "x2": 0.4, "f_star": 1, "w3": 1}, "w3"),  # unknown name
    ({"w1": 0.1, "x1": 0.3, "w2": -0.2, "x2": 0.4, "f_star": 1, "z1": 1}, "z1"),  # not an input
])
def test_evaluate_rejects_bad_values(values, words):
    with pytest.raises(gg.GraphError, match=words):
        gg.evaluate(error_graph(), values)
    with pytest.raises(gt.GraphError, match=words):
        gt.evaluate_graph(error_graph(), values)


# ------------------------------------------------------------------------------ rule violations

def _broken(kind):
    G = sigmoid_graph()
    if kind == "cycle":
        G.add_edge("z7", "a1")
    elif kind == "arity":
        G.add_edge("w2", "a1")
    elif kind == "unknown_op":
        G.nodes["x"]["op"] = "log"
    elif kind == "no_kind":
        del G.nodes["z3"]["kind"]
    elif kind == "op_to_op":
        G.remove_node("z5")
        G.add_edge("n", "x")
    elif kind == "var_to_var":
        G.add_edge("w0", "z3")
    elif kind == "two_results":
        G.add_node("extra", kind="variable")
        G.add_edge("n", "extra")
    elif kind == "unlabelled":
        del G.edges["num", "d"]["arg"]
    elif kind == "computed_constant":
        G.nodes["z6"]["value"] = 1.0
    return G


@pytest.mark.parametrize("kind, category", [
    ("cycle", "cycle"), ("arity", "arity"), ("unknown_op", "kind"), ("no_kind", "kind"),
    ("op_to_op", "alternation"), ("var_to_var", "alternation"), ("two_results", "alternation"),
    ("unlabelled", "arity"), ("computed_constant", "alternation"),
])
def test_violations_are_found_and_block_evaluation(kind, category):
    G = _broken(kind)
    v = gg.violations(G)
    assert v[category], v
    with pytest.raises(gg.GraphError):
        gg.evaluate(G, gg.random_points(SIG_INPUTS, n=3))
    assert gt.rule_problems(G), f"graph_tools misses the {kind} problem"
    with pytest.raises(gt.GraphError):
        gt.evaluate_graph(G, gg.random_points(SIG_INPUTS, n=3))


def test_not_a_graph():
    assert gg.violations([("a", "b")])["graph"]
    assert gg.summary(None, "f")["digraph"] is False
    assert gg.problems(nx.MultiDiGraph(), "f", [])
    with pytest.raises(gg.GraphError):
        gg.evaluate({"f": 1}, {})


# ------------------------------------------------------------------------------ summary / naming

def test_summary_of_valid_graphs_is_the_same_whatever_the_op_names():
    a = gg.summary(sigmoid_graph(), "f")
    b = gg.summary(nx.relabel_nodes(sigmoid_graph(), {"m0": "times", "d": "over", "n": "minus"}), "f")
    assert a == b == {"digraph": True, "acyclic": True, "bad_kinds": 0, "arity_violations": 0,
                      "alternation_violations": 0, "inputs": sorted(SIG_INPUTS), "sinks": ["f"],
                      "named_computed": ["f"], "z_names_ok": True}
    assert gg.problems(sigmoid_graph(), "f", SIG_INPUTS) == []
    assert gg.problems(error_graph(), "e", ["w1", "x1", "w2", "x2", "f_star"], named=["f"]) == []
    assert gt.check_graph(error_graph(), "e", ["w1", "x1", "w2", "x2", "f_star"], named=["f"]) == []


@pytest.mark.parametrize("mapping", [
    {"z1": "z0", "z2": "z1x"},                  # bad names
    {"z7": "z8"},                               # a number skipped
    {"z3": "s"},                                # not a z-name
])
def test_bad_intermediate_names(mapping):
    G = nx.relabel_nodes(sigmoid_graph(), mapping)
    assert gg.summary(G, "f")["z_names_ok"] is False
    assert gg.problems(G, "f", SIG_INPUTS)
    assert gt.check_graph(G, "f", SIG_INPUTS)


def test_output_inputs_and_named_variables():
    G = sigmoid_graph()
    G.add_node("dangling", kind="variable")
    _op(G, "extra", "neg", ["z3"], "z8")
    facts = gg.summary(G, "f")
    assert facts["sinks"] == ["dangling", "f", "z8"] and "dangling" in facts["inputs"]
    assert gg.problems(G, "f", SIG_INPUTS)
    E = nx.relabel_nodes(error_graph(), {"f": "z5"})
    assert gg.summary(E, "e", named=["f"])["named_computed"] == ["e"]
    assert gg.problems(E, "e", ["w1", "x1", "w2", "x2", "f_star"], named=["f"])


# ------------------------------------------------------------------------------ agreement with graph_tools

def test_graph_tools_agrees_with_the_grader_on_random_graphs():
    rng = np.random.default_rng(0)
    for trial in range(30):
        G = nx.DiGraph()
        names = [f"in{i}" for i in range(4)]
        for n in names:
            G.add_node(n, kind="variable")
        for k in range(1, 8):
            op = rng.choice(list(gg.ARITY))
            ins = list(rng.choice(names, size=gg.ARITY[op], replace=False))
            _op(G, f"op{k}", op, ins, f"z{k}")
            names.append(f"z{k}")
        pts = gg.random_points([f"in{i}" for i in range(4)], n=20, seed=trial, scale=0.5)
        ours, theirs = gg.evaluate(G, pts), gt.evaluate_graph(G, pts)
        for n in G:
            assert np.allclose(ours[n], theirs[n], equal_nan=True), (trial, n)


def test_draw_graph_runs_without_overlaps():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for G, values in [(sigmoid_graph(), None), (error_graph(), {"w1": 0.1, "x1": 0.3, "w2": -0.2, "x2": 0.4,
                                                                  "f_star": 1.0})]:
        ax = gt.draw_graph(G, values=values, title="t")
        pos = gt._layout(G)
        xy = np.array(list(pos.values()))
        d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(len(xy)) * 10
        assert d.min() >= 0.99, "two nodes are drawn on top of each other"
        # inputs come before the operations that use them: the picture reads left to right
        assert all(pos[u][0] < pos[v][0] for u, v in G.edges())
        plt.close(ax.figure)


# ------------------------------------------------------------------------------ how a name was computed

def test_defining_source_picks_the_last_top_level_assignment():
    history = [
        "",
        "x = 1",
        "def helper():\n    x = 2\n    return x",
        "x, y = 3, 4\nprint(x)",
        "this is not python",
        "z = defining_source('x')",
    ]
    assert gg.defining_source("x", history=history) == "x, y = 3, 4\nprint(x)"
    assert gg.defining_source("y", history=history[:3]) is None
    assert gg.defining_source("x", history=["for x in range(3):\n    pass"]) is not None
    magic = "get_ipython().run_cell_magic('time', '', 'x = 5\\n')\n"
    assert gg.defining_source("x", history=[magic]) == "x = 5\n"


def test_forbidden_calls_finds_direct_nested_and_imported_uses(tmp_path):
    banned = ["norm", "vector_norm"]
    assert gg.forbidden_calls("s = torch.sum((a - b) ** 2)", banned) == []
    assert gg.forbidden_calls("s = torch.norm(a - b) ** 2", banned) == ["torch.norm"]
    assert gg.forbidden_calls("s = torch.linalg.vector_norm(a).pow(2)", banned) == ["torch.linalg.vector_norm"]
    assert gg.forbidden_calls("from torch import norm as n\ns = n(a)", banned) == ["import norm"]
    # a helper function called by the cell is inspected too (inspect.getsource needs a file)
    path = tmp_path / "graph_helper_mod.py"
    path.write_text("import numpy as np\n\n\ndef helper(u):\n    return np.linalg.norm(u) ** 2\n")
    spec = importlib.util.spec_from_file_location("graph_helper_mod", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert gg.forbidden_calls("s = helper(a - b)", banned, {"helper": mod.helper}) == ["np.linalg.norm"]
    assert gg.forbidden_calls("s = helper(a - b)", banned) == []


def test_rerun_and_autograd_leaves():
    torch = pytest.importorskip("torch")
    source = "out = torch.autograd.grad(torch.exp(a * b), [a])[0]\nplain = a.detach() * 2\nprint('hidden')"
    leaves, seen = gg.autograd_leaves({"a": (0.5, True), "b": (2.0, False)})
    got = gg.rerun(source, {"torch": torch}, leaves, ["out", "plain", "missing"])
    assert math.isclose(float(got["out"]), 2.0 * math.exp(1.0), rel_tol=1e-6)
    assert math.isclose(float(got["plain"]), 1.0) and got["missing"] is None
    assert seen["a"][0] is True and "b" not in seen
    leaves, seen = gg.autograd_leaves({"a": (0.5, True), "b": (2.0, False)})
    gg.rerun("out = (a * b).detach()", {"torch": torch}, leaves, ["out"])
    assert seen["a"][0] is False
