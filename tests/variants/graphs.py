"""Buggy and correct versions of the graded cells of ``pytorch_and_graphs.ipynb``.

Variants a line or two away from the reference answer are written as edits of it (``_e``, see
:func:`tests.variants.variant.edit`); the others are written out as a student might write them.
"""

import textwrap

from tests.variants.variant import Variant, edit

NB = "pytorch_and_graphs"

P1_TENSORS = ("test_p1_tensors",)
P1_NORM = ("test_p1_norm",)
P1_AUTOGRAD = ("test_p1_autograd",)
P2A = ("test_p2a_values", "test_p2a_structure")
P2B = ("test_p2b_values", "test_p2b_error_graph")
P2C = ("test_p2c_derivatives",)
P2D = ("test_p2d_autograd",)

# The correct sigmoid graph, as plain networkx calls; buggy versions edit one line of it.
_SIGMOID_RAW = """
    def build_sigmoid_graph():
        G = nx.DiGraph()
        def var(*names):
            for n in names:
                G.add_node(n, kind="variable")
        def op(name, symbol, inputs, out):
            G.add_node(name, kind="operation", op=symbol)
            for i, v in enumerate(inputs):
                G.add_edge(v, name, arg=i)
            G.add_edge(name, out)
        var("w0", "x0", "w1", "x1", "w2", "z1", "z2", "z3", "z4", "z5", "z6", "z7", "f")
        G.add_node("c1", kind="variable", value=1.0)
        G.add_node("c2", kind="variable", value=1.0)
        op("times_a", "*", ["w0", "x0"], "z1")
        op("times_b", "*", ["w1", "x1"], "z2")
        op("plus_a", "+", ["z1", "z2"], "z3")
        op("plus_b", "+", ["z3", "w2"], "z4")
        op("minus", "neg", ["z4"], "z5")
        op("expo", "exp", ["z5"], "z6")
        op("plus_c", "+", ["c1", "z6"], "z7")
        op("over", "/", ["c2", "z7"], "f")
        return G
"""


def _sigmoid(old: str, new: str) -> str:
    assert old in _SIGMOID_RAW, old
    return _SIGMOID_RAW.replace(old, new)


# Problem 1(e) re-creates v1 and v2 as float tensors; a 1(d) variant judged after the whole
# reference notebook ran must first bring back the integer tensors of 1(a), as the notebook has them there.
_INT_VECTORS = """
    v1 = torch.tensor([[1], [2]])
    v2 = torch.tensor([[-2], [-1]])
"""


def _norm(code: str) -> str:
    return textwrap.dedent(_INT_VECTORS) + textwrap.dedent(code).lstrip("\n")


def _e(cell: str, name: str, correct: bool, *edits: tuple[str, str], tests: tuple[str, ...]) -> Variant:
    return edit(NB, cell, name, correct, *edits, tests=tests)


VARIANTS = [
    # ---------------------------------------------------------------- 1(a)-(c) tensors: correct
    Variant(NB, "p1_tensors", "reshape_and_functions", True, """
        v1 = torch.tensor([1, 2]).reshape(2, 1)
        v2 = torch.tensor([-2, -1]).view(2, 1)
        A = torch.tensor([[1, -1], [0, 1]], dtype=torch.int64)
        V = torch.hstack((v1, v2))
        hadamard_AV = torch.mul(A, V)
        Matrix_AV = torch.matmul(A, V)
    """, P1_TENSORS),
    Variant(NB, "p1_tensors", "typed_in_products", True, """
        v1 = torch.tensor([[1], [2]])
        v2 = torch.tensor([[-2], [-1]])
        A = torch.tensor([[1, -1], [0, 1]])
        V = torch.tensor([[1, -2], [2, -1]])
        hadamard_AV = A * V
        Matrix_AV = A.mm(V)
    """, P1_TENSORS),
    Variant(NB, "p1_tensors", "stack_of_columns", True, """
        v1 = torch.tensor([[1], [2]], dtype=torch.long)
        v2 = -torch.tensor([[2], [1]])
        A = torch.tensor([[1, -1], [0, 1]])
        V = torch.stack([v1[:, 0], v2[:, 0]], dim=1)
        hadamard_AV = A.mul(V)
        Matrix_AV = A.matmul(V)
    """, P1_TENSORS),
    # ---------------------------------------------------------------- 1(a)-(c) tensors: buggy
    _e("p1_tensors", "flat_vectors", False, ("[[1], [2]]", "[1, 2]"), ("[[-2], [-1]]", "[-2, -1]"),
       ("torch.cat([v1, v2], dim=1)", "torch.stack([v1, v2], dim=1)"), tests=P1_TENSORS),
    _e("p1_tensors", "V_rows_not_columns", False, ("torch.cat([v1, v2], dim=1)", "torch.cat([v1.T, v2.T], dim=0)"),
       tests=P1_TENSORS),
    _e("p1_tensors", "products_swapped", False,
       ("hadamard_AV = A * V", "hadamard_AV = A @ V"), ("Matrix_AV = A @ V", "Matrix_AV = A * V"), tests=P1_TENSORS),
    _e("p1_tensors", "capital_Tensor_float32", False, ("v1 = torch.tensor", "v1 = torch.Tensor"),
       ("v2 = torch.tensor", "v2 = torch.Tensor"), ("A = torch.tensor", "A = torch.Tensor"), tests=P1_TENSORS),
    _e("p1_tensors", "V_times_A", False, ("Matrix_AV = A @ V", "Matrix_AV = V @ A"), tests=P1_TENSORS),
    # ---------------------------------------------------------------- 1(d) squared norm: correct
    Variant(NB, "p1_norm", "square_then_sum", True, _norm("""
        square_l2_v = torch.square(v1 - v2).sum()
    """), P1_NORM),
    Variant(NB, "p1_norm", "diff_times_diff", True, _norm("""
        diff = v1 - v2
        square_l2_v = (diff * diff).sum()
    """), P1_NORM),
    Variant(NB, "p1_norm", "inner_product_squeezed", True, _norm("""
        def squared_length(u):
            return (u.T @ u).squeeze()
        square_l2_v = squared_length(v1 - v2)
    """), P1_NORM),
    Variant(NB, "p1_norm", "dot_of_flattened", True, _norm("""
        d = (v1 - v2).flatten()
        square_l2_v = torch.dot(d, d)
    """), P1_NORM),
    # ---------------------------------------------------------------- 1(d) squared norm: buggy
    Variant(NB, "p1_norm", "torch_norm_squared", False, _norm("""
        square_l2_v = torch.norm((v1 - v2).float(), 2) ** 2
    """), P1_NORM),
    Variant(NB, "p1_norm", "vector_norm_disguised_as_int", False, _norm("""
        square_l2_v = (torch.linalg.vector_norm((v1 - v2).double()) ** 2).round().long()
    """), P1_NORM),
    Variant(NB, "p1_norm", "norm_hidden_in_helper", False, _norm("""
        def my_length_squared(u):
            return torch.round(torch.norm(u.double()) ** 2).long()
        square_l2_v = my_length_squared(v1 - v2)
    """), P1_NORM),
    Variant(NB, "p1_norm", "norm_method", False, _norm("""
        square_l2_v = ((v1 - v2).double().norm() ** 2).round().to(torch.int64)
    """), P1_NORM),
    Variant(NB, "p1_norm", "square_of_sum", False, _norm("""
        square_l2_v = torch.sum(v1 - v2) ** 2
    """), P1_NORM),
    Variant(NB, "p1_norm", "sum_of_abs", False, _norm("""
        square_l2_v = torch.sum(torch.abs(v1 - v2))
    """), P1_NORM),
    Variant(NB, "p1_norm", "not_reduced", False, _norm("""
        square_l2_v = (v1 - v2) ** 2
    """), P1_NORM),
    # ---------------------------------------------------------------- 1(e) autograd: correct
    Variant(NB, "p1_autograd", "torch_norm_squared", True, """
        v1 = torch.tensor([[1.0], [2.0]], requires_grad=True)
        v2 = torch.tensor([[-2.0], [-1.0]], requires_grad=True)
        y = torch.norm(v1 - v2) ** 2
        torch.autograd.backward(y)
    """, P1_AUTOGRAD),
    Variant(NB, "p1_autograd", "inner_product_1x1", True, """
        v1 = torch.tensor([[1.0], [2.0]], requires_grad=True)
        v2 = torch.tensor([[-2.0], [-1.0]], requires_grad=True)
        d = v1 - v2
        y = d.T @ d
        y.backward()
    """, P1_AUTOGRAD),
    Variant(NB, "p1_autograd", "requires_grad_in_place", True, """
        v1 = torch.tensor([[1.0], [2.0]]).requires_grad_()
        v2 = torch.tensor([-2.0, -1.0]).reshape(2, 1).requires_grad_(True)
        y = torch.sum(torch.square(v1 - v2))
        y.backward()
    """, P1_AUTOGRAD),
    # ---------------------------------------------------------------- 1(e) autograd: buggy
    _e("p1_autograd", "v2_without_requires_grad", False,
       ("v2 = torch.tensor([[-2.0], [-1.0]], requires_grad=True)", "v2 = torch.tensor([[-2.0], [-1.0]])"),
       tests=P1_AUTOGRAD),
    _e("p1_autograd", "norm_not_squared", False, ("y = ((v1 - v2) ** 2).sum()", "y = torch.norm(v1 - v2)"),
       tests=P1_AUTOGRAD),
    _e("p1_autograd", "y_not_summed", False, ("y = ((v1 - v2) ** 2).sum()", "y = (v1 - v2) ** 2"),
       ("y.backward()", "y.backward(torch.ones_like(y))"), tests=P1_AUTOGRAD),
    _e("p1_autograd", "float64_tensors", False, ("[2.0]], requires_grad", "[2.0]], dtype=torch.float64, requires_grad"),
       ("[-1.0]], requires_grad", "[-1.0]], dtype=torch.float64, requires_grad"), tests=P1_AUTOGRAD),
    Variant(NB, "p1_autograd", "forgot_requires_grad_and_backward", False, """
        v1 = torch.tensor([[1], [2]])
        v2 = torch.tensor([[-2], [-1]])
        y = ((v1 - v2) ** 2).sum()
    """, P1_AUTOGRAD),
    # ---------------------------------------------------------------- 2(a) sigmoid graph: correct
    Variant(NB, "p2a_sigmoid_graph", "plain_networkx_other_op_names", True, _SIGMOID_RAW, P2A),
    Variant(NB, "p2a_sigmoid_graph", "negation_as_times_minus_one", True, _sigmoid(
        'op("minus", "neg", ["z4"], "z5")',
        'G.add_node("minus_one", kind="variable", value=-1.0)\n        op("minus", "*", ["minus_one", "z4"], "z5")'),
        P2A),
    Variant(NB, "p2a_sigmoid_graph", "negation_as_zero_minus", True, """
        def build_sigmoid_graph():
            G = nx.DiGraph()
            add_operation(G, "a", "*", ["x0", "w0"], "z2")
            add_operation(G, "b", "*", ["x1", "w1"], "z1")
            add_operation(G, "c", "+", ["z2", "z1"], "z4")
            add_operation(G, "d", "+", ["w2", "z4"], "z3")
            add_constant(G, "zero", 0.0)
            add_operation(G, "e", "-", ["zero", "z3"], "z5")
            add_operation(G, "g", "exp", ["z5"], "z6")
            add_constant(G, "one", 1.0)
            add_operation(G, "h", "+", ["z6", "one"], "z7")
            add_constant(G, "numerator", 1.0)
            add_operation(G, "i", "/", ["numerator", "z7"], "f")
            return G
    """, P2A),
    Variant(NB, "p2a_sigmoid_graph", "one_shared_constant_sum_grouped_right", True, """
        def build_sigmoid_graph():
            G = nx.DiGraph()
            add_constant(G, "one", 1.0)
            add_operation(G, "m1", "*", ["w1", "x1"], "z1")
            add_operation(G, "a1", "+", ["z1", "w2"], "z2")
            add_operation(G, "m0", "*", ["w0", "x0"], "z3")
            add_operation(G, "a2", "+", ["z3", "z2"], "z4")
            add_operation(G, "n", "neg", ["z4"], "z5")
            add_operation(G, "x", "exp", ["z5"], "z6")
            add_operation(G, "a3", "+", ["z6", "one"], "z7")
            add_operation(G, "d", "/", ["one", "z7"], "f")
            return G
    """, P2A),
    # ---------------------------------------------------------------- 2(a) sigmoid graph: buggy
    Variant(NB, "p2a_sigmoid_graph", "negation_missing", False, """
        def build_sigmoid_graph():
            G = nx.DiGraph()
            add_operation(G, "m0", "*", ["w0", "x0"], "z1")
            add_operation(G, "m1", "*", ["w1", "x1"], "z2")
            add_operation(G, "a1", "+", ["z1", "z2"], "z3")
            add_operation(G, "a2", "+", ["z3", "w2"], "z4")
            add_operation(G, "x", "exp", ["z4"], "z5")
            add_constant(G, "one", 1.0)
            add_operation(G, "a3", "+", ["one", "z5"], "z6")
            add_constant(G, "num", 1.0)
            add_operation(G, "d", "/", ["num", "z6"], "f")
            return G
    """, P2A),
    Variant(NB, "p2a_sigmoid_graph", "plus_where_times_belongs", False, _sigmoid(
        'op("times_b", "*", ["w1", "x1"], "z2")', 'op("times_b", "+", ["w1", "x1"], "z2")'), P2A),
    Variant(NB, "p2a_sigmoid_graph", "bias_after_exponential", False, """
        def build_sigmoid_graph():
            G = nx.DiGraph()
            add_operation(G, "m0", "*", ["w0", "x0"], "z1")
            add_operation(G, "m1", "*", ["w1", "x1"], "z2")
            add_operation(G, "a1", "+", ["z1", "z2"], "z3")
            add_operation(G, "n", "neg", ["z3"], "z4")
            add_operation(G, "x", "exp", ["z4"], "z5")
            add_operation(G, "a2", "+", ["z5", "w2"], "z6")
            add_constant(G, "one", 1.0)
            add_operation(G, "a3", "+", ["one", "z6"], "z7")
            add_constant(G, "num", 1.0)
            add_operation(G, "d", "/", ["num", "z7"], "f")
            return G
    """, P2A),
    Variant(NB, "p2a_sigmoid_graph", "division_upside_down", False, _sigmoid(
        'op("over", "/", ["c2", "z7"], "f")', 'op("over", "/", ["z7", "c2"], "f")'), P2A),
    Variant(NB, "p2a_sigmoid_graph", "three_input_sum", False, """
        def build_sigmoid_graph():
            G = nx.DiGraph()
            add_operation(G, "m0", "*", ["w0", "x0"], "z1")
            add_operation(G, "m1", "*", ["w1", "x1"], "z2")
            add_operation(G, "sum3", "+", ["z1", "z2", "w2"], "z3")
            add_operation(G, "n", "neg", ["z3"], "z4")
            add_operation(G, "x", "exp", ["z4"], "z5")
            add_constant(G, "one", 1.0)
            add_operation(G, "a", "+", ["one", "z5"], "z6")
            add_constant(G, "num", 1.0)
            add_operation(G, "d", "/", ["num", "z6"], "f")
            return G
    """, P2A),
    Variant(NB, "p2a_sigmoid_graph", "numbered_from_z0", False, _SIGMOID_RAW.replace(
        "return G", "return nx.relabel_nodes(G, {f'z{i}': f'z{i - 1}' for i in range(1, 8)})"), P2A),
    Variant(NB, "p2a_sigmoid_graph", "operations_chained_directly", False, """
        def build_sigmoid_graph():
            G = nx.DiGraph()
            add_operation(G, "m0", "*", ["w0", "x0"], "z1")
            add_operation(G, "m1", "*", ["w1", "x1"], "z2")
            add_operation(G, "a1", "+", ["z1", "z2"], "z3")
            add_operation(G, "a2", "+", ["z3", "w2"], "z4")
            add_operation(G, "n", "neg", ["z4"], "z5")
            add_operation(G, "x", "exp", ["z5"], "z6")
            add_constant(G, "one", 1.0)
            add_operation(G, "a3", "+", ["one", "z6"], "z7")
            add_constant(G, "num", 1.0)
            add_operation(G, "d", "/", ["num", "z7"], "f")
            G.remove_node("z5")
            G.add_edge("n", "x")
            return G
    """, P2A),
    # ---------------------------------------------------------------- 2(b) forward pass: correct
    Variant(NB, "p2b_forward", "other_names_and_times_minus_one", True, """
        f = float(np.exp(-(point_2b["w1"] * point_2b["x1"] + point_2b["w2"] * point_2b["x2"])))
        e = f - point_2b["f_star"]

        def build_error_graph():
            G = nx.DiGraph()
            add_operation(G, "first_product", "*", ["x1", "w1"], "z2")
            add_operation(G, "second_product", "*", ["x2", "w2"], "z1")
            add_operation(G, "total", "+", ["z2", "z1"], "z3")
            add_constant(G, "minus_one", -1.0)
            add_operation(G, "flip", "*", ["z3", "minus_one"], "z4")
            add_operation(G, "power", "exp", ["z4"], "f")
            add_operation(G, "error", "-", ["f", "f_star"], "e")
            return G
    """, P2B),
    Variant(NB, "p2b_forward", "values_from_own_graph", True, """
        def build_error_graph():
            G = nx.DiGraph()
            for n in ["w1", "x1", "w2", "x2", "f_star", "z1", "z2", "z3", "z4", "f", "e"]:
                G.add_node(n, kind="variable")
            for n, o in [("p", "*"), ("q", "*"), ("r", "+"), ("s", "neg"), ("t", "exp"), ("u", "-")]:
                G.add_node(n, kind="operation", op=o)
            G.add_edges_from([("w1", "p"), ("x1", "p"), ("p", "z1"), ("w2", "q"), ("x2", "q"), ("q", "z2"),
                              ("z1", "r"), ("z2", "r"), ("r", "z3"), ("z3", "s"), ("s", "z4"), ("z4", "t"),
                              ("t", "f"), ("u", "e")])
            G.add_edge("f", "u", arg=0)
            G.add_edge("f_star", "u", arg=1)
            return G

        _forward = evaluate_graph(build_error_graph(), point_2b)
        f, e = float(_forward["f"]), float(_forward["e"])
    """, P2B),
    Variant(NB, "p2b_forward", "f_from_torch", True, """
        def build_error_graph():
            G = nx.DiGraph()
            add_operation(G, "w1x1", "*", ["w1", "x1"], "z1")
            add_operation(G, "w2x2", "*", ["w2", "x2"], "z2")
            add_operation(G, "sum", "+", ["z1", "z2"], "z3")
            add_constant(G, "zero", 0.0)
            add_operation(G, "negate", "-", ["zero", "z3"], "z4")
            add_operation(G, "exp", "exp", ["z4"], "f")
            add_operation(G, "error", "-", ["f", "f_star"], "e")
            return G

        f = torch.exp(-torch.tensor(0.1 * 0.3 - 0.2 * 0.4, dtype=torch.float64)).item()
        e = f - 1
    """, P2B),
    # ---------------------------------------------------------------- 2(b) forward pass: buggy
    _e("p2b_forward", "rounded_to_3_decimals", False,
       ('e = f - point_2b["f_star"]', 'f = round(f, 3)\ne = round(f - point_2b["f_star"], 3)'), tests=("test_p2b_values",)),
    _e("p2b_forward", "exponent_sign_lost", False, ("""
        add_operation(G, "neg", "neg", ["z3"], "z4")
        add_operation(G, "exp", "exp", ["z4"], "f")
    """, 'add_operation(G, "exp", "exp", ["z3"], "f")'), ("f = math.exp(-(", "f = math.exp(("), tests=P2B),
    _e("p2b_forward", "error_reversed_in_graph", False, ('["f", "f_star"], "e"', '["f_star", "f"], "e"'),
       tests=("test_p2b_error_graph",)),
    _e("p2b_forward", "f_star_constant_and_f_unnamed", False, ('["z4"], "f")', '["z4"], "z5")'),
       ('["f", "f_star"], "e"', '["z5", "f_star"], "e"'), ('e = f - point_2b["f_star"]', "e = f - 1.0"),
       tests=("test_p2b_error_graph",)),
    _e("p2b_forward", "sign_of_error", False, ('e = f - point_2b["f_star"]', 'e = point_2b["f_star"] - f'),
       tests=("test_p2b_values",)),
    # ---------------------------------------------------------------- 2(c) derivatives: correct
    Variant(NB, "p2c_derivatives", "typed_four_decimals", True, """
        de_df = 1.0
        de_dw1 = -0.3154
        de_dw2 = -0.4205
    """, P2C),
    Variant(NB, "p2c_derivatives", "chain_rule_in_code", True, """
        z4 = -(0.1 * 0.3 + (-0.2) * 0.4)
        df_dz4 = math.exp(z4)
        de_df = 1.0
        de_dw1 = de_df * df_dz4 * (-1.0) * 0.3
        de_dw2 = de_df * df_dz4 * (-1.0) * 0.4
    """, P2C),
    Variant(NB, "p2c_derivatives", "from_f_of_2b_int_de_df", True, """
        de_df = 1
        de_dw1 = -0.3 * f
        de_dw2 = -f * 0.4
    """, P2C),
    Variant(NB, "p2c_derivatives", "typed_truncated_four_decimals", True, """
        de_df = 1.0
        de_dw1 = -0.3153
        de_dw2 = -0.4205
    """, P2C),
    # ---------------------------------------------------------------- 2(c) derivatives: buggy
    _e("p2c_derivatives", "seed_answer_forgot_f", False, ('["x1"] * f_at_point', '["x1"]'), ('["x2"] * f_at_point', '["x2"]'),
       tests=P2C),
    _e("p2c_derivatives", "sign_dropped", False, ("de_dw1 = -", "de_dw1 = "), ("de_dw2 = -", "de_dw2 = "), tests=P2C),
    _e("p2c_derivatives", "weight_instead_of_input", False, ('-point_2b["x1"]', '-point_2b["w1"]'),
       ('-point_2b["x2"]', '-point_2b["w2"]'), tests=P2C),
    _e("p2c_derivatives", "de_df_is_f", False, ("de_df = 1.0", "de_df = f_at_point"), tests=P2C),
    # ---------------------------------------------------------------- 2(d) autograd: correct
    Variant(NB, "p2d_autograd", "backward_and_grad", True, """
        w1.grad = None
        w2.grad = None
        f_torch = torch.exp(-(w1 * x1 + w2 * x2))
        e_torch = f_torch - f_star
        e_torch.backward()
        dedw1 = w1.grad
        dedw2 = w2.grad
    """, P2D),
    Variant(NB, "p2d_autograd", "autograd_grad_items", True, """
        error_t = torch.exp(-w1 * x1 - w2 * x2) - f_star
        grads = torch.autograd.grad(error_t, (w1, w2))
        dedw1 = grads[0].item()
        dedw2 = grads[1].item()
    """, P2D),
    # 2(d) over two cells: the answer cell (here the reference's, which keeps its graph) computes e_torch,
    # and an added cell below it computes the gradients from that e_torch. (It clears the gradients
    # first: an earlier variant's backward() left some in the shared kernel.)
    Variant(NB, "p2d_autograd", "gradients_in_an_added_cell", True, """
        w1.grad, w2.grad = None, None
        e_torch.backward()
        dedw1 = w1.grad
        dedw2 = w2.grad
    """, P2D),
    Variant(NB, "p2d_autograd", "autograd_backward_items_other_names", True, """
        for leaf in (w1, w2):
            leaf.grad = None
        err = torch.exp(-(w1 * x1) - w2 * x2) - f_star
        torch.autograd.backward(err)
        dedw1, dedw2 = w1.grad.item(), w2.grad.item()
    """, P2D),
    # ---------------------------------------------------------------- 2(d) autograd: buggy
    Variant(NB, "p2d_autograd", "typed_in_values", False, """
        dedw1 = torch.tensor(-0.3 * math.exp(0.05))   # the 2(c) numbers, typed in
        dedw2 = torch.tensor(-0.4 * math.exp(0.05))
    """, P2D),
    Variant(NB, "p2d_autograd", "typed_in_four_decimals", False, """
        dedw1 = torch.tensor([-0.3154])
        dedw2 = torch.tensor([-0.4205])
    """, P2D),
    Variant(NB, "p2d_autograd", "recreates_the_inputs", False, """
        w1 = torch.tensor(0.1, requires_grad=True)
        w2 = torch.tensor(-0.2, requires_grad=True)
        x1 = torch.tensor(0.3)
        x2 = torch.tensor(0.4)
        f_star = torch.tensor(1.0)
        e_torch = torch.exp(-(w1 * x1 + w2 * x2)) - f_star
        e_torch.backward()
        dedw1 = w1.grad
        dedw2 = w2.grad
    """, P2D),
    Variant(NB, "p2d_autograd", "hand_formula_not_autograd", False, """
        with torch.no_grad():
            f_torch = torch.exp(-(w1 * x1 + w2 * x2))
            dedw1 = -x1 * f_torch
            dedw2 = -x2 * f_torch
    """, P2D),
    _e("p2d_autograd", "copy_paste_w1_twice", False, ("[w1, w2]", "[w1, w1]"), tests=P2D),
    Variant(NB, "p2d_autograd", "copies_the_2c_floats", False, """
        dedw1 = torch.tensor(de_dw1)
        dedw2 = torch.tensor(de_dw2)
    """, P2D),
    _e("p2d_autograd", "squared_error", False, ("e_torch = f_torch - f_star", "e_torch = (f_torch - f_star) ** 2"),
       tests=P2D),
]
