"""Spot code that reaches into the grading machinery, for a person to review.

The scan reads (never runs) the cells the student wrote or changed and lists, in
neutral words, each feature that can interfere with grading: importing the grader,
IPython hooks and transformers, patching modules, frame inspection, dynamic code,
process tricks and reading the grading environment. A flag never changes a score
computed in the examiner; it only means that rules observed inside the student's
process cannot be trusted for this notebook, and that a person should look.
"""

from __future__ import annotations

import ast

from grader.examiner.static import parse_cell

MODULES = {
    "grader": "imports the grader package",
    "IPython": "uses IPython's internals",
    "inspect": "inspects call frames",
    "ctypes": "uses ctypes",
    "gc": "walks the garbage collector's objects",
    "importlib": "imports modules dynamically",
    "builtins": "changes Python's built-in functions",
    "multiprocessing": "starts processes",
    "subprocess": "starts processes",
    "signal": "installs signal handlers",
    "threading": "starts threads",
}
CALLS = {
    "get_ipython": "uses the IPython shell object",
    "exec": "runs code built at run time (exec)",
    "eval": "runs code built at run time (eval)",
    "compile": "compiles code at run time",
    "__import__": "imports modules dynamically",
    "setattr": None,  # only on a module: see _patches
    "delattr": None,
}
ATTRIBUTES = {
    "settrace": "installs a trace function", "setprofile": "installs a profile function",
    "_getframe": "inspects call frames", "f_back": "inspects call frames", "f_locals": "inspects call frames",
    "f_globals": "inspects call frames", "tb_frame": "inspects call frames", "gi_frame": "inspects call frames",
    "__globals__": "reaches into a function's globals", "__code__": "rewrites function code",
    "__builtins__": "changes Python's built-in functions", "__subclasses__": "walks the class hierarchy",
    "modules": None, "meta_path": "changes how modules are imported", "displayhook": "replaces the display hook",
    "excepthook": "replaces the exception hook", "fork": "forks the process", "kill": "signals other processes",
    "input_transformers_cleanup": "installs an IPython input transformer",
    "input_transformers_post": "installs an IPython input transformer",
    "ast_transformers": "installs an IPython AST transformer", "events": None,
}
SAFE_MAGICS = {"matplotlib", "time", "timeit", "pip", "capture", "who", "whos", "precision", "pwd", "ls"}
ENV_WORDS = ("NBGRADER", "GRADER_", "COURSE_DATA")
PRETENDERS = {"__eq__", "__ne__", "__array__", "__array_interface__", "__array_ufunc__", "__array_function__",
              "__float__", "__int__", "__index__", "__bool__", "__torch_function__"}


def _module_aliases(tree: ast.AST) -> dict[str, str]:
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[(a.asname or a.name).split(".")[0]] = a.name.split(".")[0]
    return out


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_safe_magic(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in {"run_line_magic", "run_cell_magic", "system", "getoutput"}:
        if func.attr in {"system", "getoutput"}:
            return True
        first = call.args[0] if call.args else None
        return isinstance(first, ast.Constant) and first.value in SAFE_MAGICS
    return False


def scan_cell(text: str) -> set[str]:
    """Reasons found in one cell's code."""
    tree = parse_cell(text)
    if tree is None:
        return set()
    reasons: set[str] = set()
    aliases = _module_aliases(tree)
    safe_ipython = {id(n.func.value) for n in ast.walk(tree)
                    if isinstance(n, ast.Call) and _is_safe_magic(n) and isinstance(n.func, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                reason = MODULES.get(name.split(".")[0])
                if reason:
                    reasons.add(reason)
            if isinstance(node, ast.ImportFrom) and node.module == "sys":
                for a in node.names:
                    if ATTRIBUTES.get(a.name):
                        reasons.add(ATTRIBUTES[a.name])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in ("setattr", "delattr") and node.args and _root(node.args[0]) in aliases:
                reasons.add(f"patches the module {aliases[_root(node.args[0])]}")
            elif name == "get_ipython" and id(node) in safe_ipython:
                continue
            elif CALLS.get(name):
                reasons.add(CALLS[name])
        elif isinstance(node, ast.Attribute):
            reason = ATTRIBUTES.get(node.attr)
            if reason:
                reasons.add(reason)
            if node.attr == "modules" and _root(node) in aliases and aliases[_root(node)] == "sys":
                reasons.add("changes sys.modules")
            if node.attr == "__dict__" and _root(node) in aliases:
                reasons.add(f"patches the module {aliases[_root(node)]}")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                root = _root(target)
                if isinstance(target, (ast.Attribute, ast.Subscript)) and root in aliases:
                    reasons.add(f"patches the module {aliases[root]}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in PRETENDERS:
            reasons.add(f"defines objects that can pretend to be other values ({node.name})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if any(word in node.value for word in ENV_WORDS):
                reasons.add("reads the grading environment")
    return reasons


def scan(cells: list[str]) -> list[str]:
    """Every reason found in the given cells, sorted; empty for ordinary code."""
    found: set[str] = set()
    for text in cells:
        found |= scan_cell(text)
    return sorted(found)


def review_message(reasons: list[str]) -> str:
    return ("review suggested: this notebook " + "; ".join(reasons) + ". Scores were computed as usual; "
            "rules that can only be observed while the code runs were not counted and need a person to check them.")
