"""The hard-coded-device check reads the syntax tree: any conditional device choice is fine,
docstrings and comments are not code, and an unconditional ``"cuda"`` is found."""

from __future__ import annotations

import textwrap

import pytest

from grader.checks.gpu import hard_coded_cuda

ACCEPTED = {
    "one_line_conditional": '''
        class C:
            def __init__(self, device=None):
                self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    ''',
    "multi_line_if_else": '''
        class C:
            def __init__(self, device=None):
                if device is None:
                    if torch.cuda.is_available():
                        device = "cuda"
                    else:
                        device = "cpu"
                self.device = torch.device(device)
    ''',
    "conditional_split_over_lines": '''
        class C:
            def __init__(self, device=None):
                self.device = torch.device(
                    "cuda"
                    if torch.cuda.is_available()
                    else "cpu"
                ) if device is None else torch.device(device)
    ''',
    "docstring_and_comment_mention_cuda": '''
        class C:
            """Runs on "cuda" when it can."""

            def __init__(self, device=None):
                """device: "cuda" or "cpu"; None picks "cuda" when available."""
                # never write "cuda" without a check
                self.device = device if device is not None else default_device()
    ''',
    "availability_in_a_name": '''
        use_gpu = torch.cuda.is_available()

        class C:
            def __init__(self, device=None):
                self.device = device or torch.device("cuda:0" if use_gpu else "cpu")
    ''',
    "availability_in_an_attribute": '''
        class C:
            def __init__(self, device=None):
                self.gpu = torch.cuda.device_count() > 0
                if device is None:
                    device = "cuda" if self.gpu else "cpu"
                self.device = device
    ''',
    "cuda_call_under_check": '''
        def place(t):
            if torch.cuda.is_available():
                t = t.cuda()
            return t
    ''',
    "comparison_and_string_methods": '''
        def sync(device):
            if torch.device(device).type == "cuda":
                torch.cuda.synchronize()
            if str(device).startswith("cuda"):
                print(f"on {device}, i.e. cuda")
    ''',
    "dict_lookup_on_availability": '''
        device = {True: "cuda", False: "cpu"}[torch.cuda.is_available()]
    ''',
    "while_guard": '''
        while torch.cuda.is_available():
            x = x.to("cuda")
            break
    ''',
}

REJECTED = {
    "bare_default": '''
        class C:
            def __init__(self, device=None):
                self.device = device or "cuda"
    ''',
    "default_argument": '''
        def make(device="cuda"):
            return torch.zeros(3, device=device)
    ''',
    "cuda_call": '''
        class C:
            def __init__(self, n):
                self.W = torch.randn(n, n).cuda()
    ''',
    "condition_not_about_availability": '''
        class C:
            def __init__(self, device=None):
                self.device = "cuda" if device is None else device
    ''',
    "if_branch_not_about_availability": '''
        class C:
            def __init__(self, device=None):
                if device is None:
                    device = torch.device("cuda:0")
                self.device = device
    ''',
    "device_variable_is_not_a_test": '''
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

        class C:
            def __init__(self, dev=None):
                self.device = dev or ("cuda" if device else "cpu")
    ''',
    "keyword_device": '''
        W = torch.zeros(3, device="cuda")
    ''',
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_conditional_device_choices_are_accepted(name):
    assert hard_coded_cuda(ACCEPTED[name]) == []


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_unconditional_cuda_is_found(name):
    found = hard_coded_cuda(REJECTED[name])
    assert len(found) == 1, found
    assert found[0].startswith("line ")


def test_one_description_per_statement_and_context_names():
    code = '''
        class C:
            def __init__(self):
                self.W = torch.zeros(2).to("cuda")
                self.b = torch.zeros(2).cuda()
    '''
    assert len(hard_coded_cuda(code)) == 2
    guarded = 'x = x.to("cuda" if gpu_ok else "cpu")'
    assert hard_coded_cuda(guarded) != []
    assert hard_coded_cuda(guarded, context=["gpu_ok = torch.cuda.is_available()"]) == []


def test_unparsable_code_and_ast_input():
    import ast

    assert hard_coded_cuda("def broken(:") == []
    tree = ast.parse(textwrap.dedent(REJECTED["bare_default"]))
    assert len(hard_coded_cuda(tree.body[0])) == 1
