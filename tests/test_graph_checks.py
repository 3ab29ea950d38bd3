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


# ------------------------------------------------------------------------------ lenient evaluation

def test_compute_agrees_with_evaluate_on_valid_graphs():
    pts = gg.random_points(SIG_INPUTS, n=40, seed=5)
    assert np.allclose(gg.compute(sigmoid_graph(), pts, ["f"])["f"], gg.evaluate(sigmoid_graph(), pts)["f"])
    E = error_graph()
    base = {"w1": 0.1, "x1": 0.3, "w2": -0.2, "x2": 0.4, "f_star": 1.0}
    out = gg.compute(E, base, ["f", "e"])
    assert math.isclose(float(out["e"]), math.exp(0.05) - 1) and math.isclose(float(out["f"]), math.exp(0.05))


def _three_input_sum():
    G = nx.DiGraph()
    _op(G, "m0", "*", ["w0", "x0"], "z1")
    _op(G, "m1", "*", ["w1", "x1"], "z2")
    _op(G, "a", "+", ["z1", "z2", "w2"], "z3")
    _op(G, "n", "neg", ["z3"], "z4")
    _op(G, "x", "exp", ["z4"], "z5")
    G.add_node("one", kind="variable", value=1.0)
    _op(G, "a3", "+", ["one", "z5"], "z6")
    _op(G, "d", "/", ["one", "z6"], "f")
    return G


def _variable_to_variable():
    G = sigmoid_graph()
    G.remove_edge("z5", "x")
    G.add_node("copy", kind="variable")
    G.add_edges_from([("z5", "copy"), ("copy", "x")])
    return G


@pytest.mark.parametrize("make", [_three_input_sum, _variable_to_variable, lambda: _broken("op_to_op"),
                                  lambda: _broken("computed_constant")])
def test_compute_gives_values_to_graphs_that_only_break_drawing_rules(make):
    """A rule breach is marked by the structure test; the values test still sees the right numbers."""
    G = make()
    pts = gg.random_points(SIG_INPUTS, n=30, seed=9)
    assert any(gg.violations(G).values())
    assert np.allclose(gg.compute(G, pts, ["f"])["f"], sigmoid(pts))


@pytest.mark.parametrize("kind", ["cycle", "unknown_op", "no_kind", "unlabelled", "var_to_var"])
def test_compute_refuses_what_has_no_meaning(kind):
    with pytest.raises(gg.GraphError):
        gg.compute(_broken(kind), gg.random_points(SIG_INPUTS, n=3), ["f"])


def test_compute_needs_inputs_only_for_what_the_output_uses():
    G = sigmoid_graph()
    G.add_node("unused", kind="variable")
    _op(G, "extra", "neg", ["unused"], "z8")
    assert gg.compute(G, gg.random_points(SIG_INPUTS, n=4), ["f"])["f"].shape == (4,)
    with pytest.raises(gg.GraphError, match="x0"):
        gg.compute(G, {k: 1.0 for k in SIG_INPUTS if k != "x0"}, ["f"])


def test_find_output_falls_back_to_the_only_unused_variable():
    assert gg.find_output(sigmoid_graph(), "f") == "f"
    assert gg.find_output(nx.relabel_nodes(sigmoid_graph(), {"f": "out"}), "f") == "out"
    G = sigmoid_graph()
    G.add_node("dangling", kind="variable")
    with pytest.raises(gg.GraphError):
        gg.find_output(nx.relabel_nodes(G, {"f": "out"}), "f")


def test_naming_problems_are_the_problems_that_are_not_rule_breaches():
    G = nx.relabel_nodes(sigmoid_graph(), {"z7": "z8"})
    assert not any(gg.violations(G).values())
    assert gg.naming_problems(G, "f", SIG_INPUTS) == gg.problems(G, "f", SIG_INPUTS) != []
    assert gg.naming_problems(_broken("op_to_op"), "f", SIG_INPUTS)  # z5 removed: a number skipped


# ------------------------------------------------------------------------------ the student's side, through the examiner

@pytest.fixture
def direct_exam(monkeypatch):
    """An examiner session over this process's ``__main__`` namespace (what plain nbgrader uses)."""
    import sys

    from grader.examiner.api import Exam
    from grader.examiner.bridge import DirectBridge
    from grader.examiner.static import Source

    main = sys.modules["__main__"].__dict__

    def put(**values):
        for k, v in values.items():
            monkeypatch.setitem(main, k, v)

    ex = Exam(DirectBridge(), None, Source([]), direct=True)
    ex.put = put
    return ex


def test_from_student_rebuilds_the_graph_from_its_data(direct_exam):
    ex = direct_exam
    ex.put(G_student=error_graph(), not_a_graph=[1, 2])
    G = gg.from_student(ex, ex.handle(error_graph()), "build_error_graph()")
    assert sorted(G.nodes(data=True), key=str) == sorted(error_graph().nodes(data=True), key=str)
    assert sorted(G.edges(data=True), key=str) == sorted(error_graph().edges(data=True), key=str)
    with pytest.raises(AssertionError, match="networkx.DiGraph, got a list"):
        gg.from_student(ex, ex.fetch(ex.student.not_a_graph), "g()")
    for wrong in (nx.Graph(error_graph()), nx.MultiDiGraph(error_graph()), object()):
        with pytest.raises(AssertionError, match="networkx.DiGraph"):
            gg.from_student(ex, ex.handle(wrong), "g()")
    values = gg.graph_values(ex, ex.handle(error_graph()), "g()", {"w1": [0.1], "x1": [0.3], "w2": [-0.2],
                                                                   "x2": [0.4], "f_star": [1.0]}, ["e"], optional=["f"])
    assert set(values) == {"e", "f"} and math.isclose(values["e"][0], math.exp(0.05) - 1)


def test_stored_values(direct_exam):
    ex = direct_exam
    ex.put(a_float=0.5, an_int=1, a_tensor=torch_tensor(2.0), a_pair=[1.0, 2.0])
    assert gg.stored_float(ex, "a_float") == 0.5 and gg.stored_float(ex, "an_int") == 1.0
    with pytest.raises(AssertionError, match="Python float"):
        gg.stored_float(ex, "a_tensor")
    assert gg.own_float(ex, "a_tensor") is None and gg.own_float(ex, "not_there_at_all") is None
    assert gg.one_number(ex.fetch(ex.student.a_tensor), "t") == 2.0
    with pytest.raises(AssertionError, match="one number"):
        gg.one_number(ex.fetch(ex.student.a_pair), "p")


def torch_tensor(value, **kwargs):
    torch = pytest.importorskip("torch")
    return torch.tensor(value, **kwargs)


def test_close_any_accepts_any_candidate_and_reports_the_first():
    from grader.examiner.expect import close

    gg.close_any(close, 2.0, [1.0, 2.0], "x")
    with pytest.raises(AssertionError, match="differs from first"):
        gg.close_any(close, 3.0, [1.0, 2.0], "x", expected="first")


def test_rerun_cells_runs_the_cells_again_with_other_inputs_and_watches_autograd(direct_exam):
    torch = pytest.importorskip("torch")
    ex = direct_exam
    ex.put(w=torch.tensor(1.0, requires_grad=True), x=torch.tensor(3.0), result=None, torch=torch)
    cells = ["err = w * w * x", "%%time\nresult = torch.autograd.grad(err, [w])[0]\nprint('quiet')", "typed = 6.0"]
    out, reached, errors = ex.student_side_rerun(cells, {"w": torch.tensor(2.0, requires_grad=True)},
                                                 ["result", "typed"], watch={"w": 0.5})
    assert float(out["result"]) == 2 * 2.0 * 3.0 + 0.5 and out["typed"] == 6.0 and reached == {"w": True}
    assert errors == []
    assert ex.fetch(ex.student.result) is None  # the notebook's own namespace is left alone
    out, reached, errors = ex.student_side_rerun(["result = 1 / 0"], {}, ["result"])
    assert out["result"] is None and errors and errors[0].startswith("ZeroDivisionError")


# ------------------------------------------------------------------------------ reading the submitted source

def _statements(*cells):
    from grader.examiner.static import Source

    return Source(list(cells))


def test_banned_uses_finds_attributes_names_imports_and_getattr():
    banned = ["norm", "vector_norm", "dist"]

    def found(*cells, name="s"):
        return gg.banned_uses(_statements(*cells).reached(name).values(), banned)

    assert found("s = torch.sum((a - b) ** 2)") == []
    assert found("s = torch.norm(a - b) ** 2") == ["torch.norm"]
    assert found("s = (a - b).float().norm() ** 2") == ["norm"]
    assert found("s = torch.linalg.vector_norm(a).pow(2)") == ["torch.linalg.vector_norm"]
    assert found("from torch import norm as n\ns = n(a)") == ["import norm"]
    assert found("def helper(u):\n    return np.linalg.norm(u) ** 2", "s = helper(a - b)") == ["np.linalg.norm"]
    assert found("s = getattr(torch, 'dist')(a, b)") == ["getattr(..., 'dist')"]
    assert found("# torch.norm in a comment\ns = 'norm'") == []
    assert found("print(torch.norm(a))", "s = (a * a).sum()") == []  # a norm the answer does not use


def test_cells_after_the_last_copy_of_the_anchor():
    anchor = "w = 1\nx = 2"
    assert gg.cells_after(["a", " w = 1\nx = 2\n", "b", "c"], anchor) == ["b", "c"]
    assert gg.cells_after(["w = 1\nx = 2", "b", "w = 1\nx = 2", "c"], anchor) == ["c"]
    assert gg.cells_after(["w = 1\nx = 3"], anchor) is None


@pytest.mark.parametrize("cells, expected", [
    (["e = torch.exp(w)\ne.backward()\nd = w.grad"], True),
    (["d = torch.autograd.grad(torch.exp(w), [w])[0]"], True),
    (["torch.autograd.backward(torch.exp(w))"], True),
    (["from torch.autograd import grad\nd = grad(torch.exp(w), w)[0]"], True),
    (["%%time\ne = torch.exp(w)\ne.backward()"], True),
    (["d = -x * torch.exp(w).detach()"], False),
    (["# e.backward()\nd = 'torch.autograd.grad'"], False),
])
def test_calls_autograd(cells, expected):
    assert gg.calls_autograd(cells) is expected


def test_calls_autograd_follows_notebook_functions():
    from grader.examiner.static import Source

    source = Source(["def grads(e, ws):\n    return torch.autograd.grad(e, ws)", "d = grads(e, [w])"])
    assert gg.calls_autograd(["d = grads(e, [w])"], source)
    assert not gg.calls_autograd(["d = grads(e, [w])"])
