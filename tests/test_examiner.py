"""Unit tests of the examiner: wire decoding, the bridge to a real kernel, static facts, review flags, checks."""

from __future__ import annotations

import time

import numpy as np
import pytest

from grader.examiner import api
from grader.examiner.bridge import BridgeTimeout, DirectBridge, KernelBridge, Remote, StudentError
from grader.examiner.session import split_test
from grader.examiner.static import Source
from grader.examiner.tamper import scan
from grader.examiner.wire import HandleRef, WireError, from_wire, to_wire


def _handle(hid, kind):
    return ("handle", hid, kind)


# ---------------------------------------------------------------- wire

def test_wire_round_trip_of_data():
    import torch

    kept = []
    value = {"a": [1, 2.5, float("nan"), None, True, "s"], 3: (np.arange(6.0).reshape(2, 3), np.float32(2)),
             "t": torch.ones(2, 2, requires_grad=True), ("k", 1): {"nested": [np.int64(4)]}}
    back = from_wire(to_wire(value, lambda o: kept.append(o) or {"__handle__": len(kept), "type": "x"}), _handle)
    assert back["a"][:2] == [1, 2.5] and np.isnan(back["a"][2]) and back["a"][3:] == [None, True, "s"]
    assert isinstance(back[3], tuple) and np.array_equal(back[3][0], np.arange(6.0).reshape(2, 3))
    assert back[3][1] == 2.0 and isinstance(back["t"], torch.Tensor) and back["t"].requires_grad
    assert back[("k", 1)] == {"nested": [4]} and not kept


def test_objects_that_are_not_data_stay_handles():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    kept = []
    keep = lambda o: kept.append(o) or {"__handle__": len(kept), "type": type(o).__qualname__}  # noqa: E731
    out = from_wire(to_wire([np.zeros(3).view(Liar), object()], keep), _handle)
    assert [o[0] for o in out] == ["handle", "handle"] and len(kept) == 2


@pytest.mark.parametrize("payload", [
    {"__ndarray__": "AAAA", "dtype": "object", "shape": [1]},
    {"__ndarray__": "AAAA", "dtype": "float64", "shape": [5]},
    {"__ndarray__": "AAAA", "dtype": "float64", "shape": [True]},
    {"__float__": "1e999"},
    {"__tuple__": "not a list"},
    {"__dict__": [[[1], 2]]},
    {"__handle__": True, "type": "x"},
    {"something": "else"},
    {"__dict__": [[1]]},
])
def test_malformed_replies_raise_wire_error(payload):
    with pytest.raises(WireError):
        from_wire(payload, _handle)


def test_deep_nesting_is_refused():
    data: list = []
    for _ in range(100):
        data = [data]
    with pytest.raises(WireError):
        from_wire(data, _handle)


# ---------------------------------------------------------------- static facts and review flags

def test_source_follows_calls_and_ignores_strings():
    src = Source(["import numpy as np\nimport torch as T\n%matplotlib inline",
                  'def helper(x):\n    """torch is not used here"""\n    # torch.conv2d\n    return np.sum(x)',
                  "def f(x):\n    return helper(x)",
                  "def g(x):\n    return T.tensor(x)",
                  "def h(x):\n    import torch.nn\n    return x",
                  "import os\nif os.environ.get('A'):\n    def f(x):\n        return g(x)"])
    assert src.uses("helper", modules=["torch"]) == []
    assert src.uses("f", modules=["torch"]) == ["T"]  # the last definition of f wins, nested in an if
    assert src.uses("h", modules=["torch"]) == ["import torch.nn"]
    assert src.uses("helper", names=["torch_convolution"]) == []


ORDINARY = [
    "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt",
    "def f(x):\n    print('checking', x.shape)\n    return x.sum()\nplt.plot([1, 2]); plt.show()",
    "class Layer:\n    def __init__(self):\n        self.w = np.zeros(3)\n        setattr(self, 'b', 0)\n"
    "    def __repr__(self):\n        return 'Layer'",
    "x = np.zeros((2, 2))\nx[0, 0] = 1.0\nimport sys\nprint(sys.version)\n!pip list",
]


def test_ordinary_code_is_not_flagged():
    assert scan(ORDINARY) == []


@pytest.mark.parametrize("code,reason", [
    ("import grader.examiner.agent", "imports the grader package"),
    ("import numpy as np\nnp.allclose = lambda *a: True", "patches the module numpy"),
    ("get_ipython().ast_transformers.append(1)", "installs an IPython AST transformer"),
    ("import sys\nsys._getframe(1).f_locals", "inspects call frames"),
    ("import os\nos.environ['NBGRADER_EXECUTION']", "reads the grading environment"),
    ("import os\nos.fork()", "forks the process"),
    ("exec('x = 1')", "runs code built at run time (exec)"),
    ("class A:\n    def __eq__(self, o):\n        return True", "defines objects that can pretend"),
    ("import sys\nsys.modules['numpy'] = None", "changes sys.modules"),
])
def test_reaching_into_grading_is_flagged(code, reason):
    assert any(r.startswith(reason) for r in scan([code])), scan([code])


def test_split_test_separates_hidden_part():
    visible, hidden = split_test("a = 1\n### BEGIN HIDDEN TESTS\nb = 2\n### END HIDDEN TESTS\nc = 3")
    assert visible == "a = 1\nc = 3" and hidden == "b = 2"


# ---------------------------------------------------------------- checks and the direct bridge

def _direct_exam(namespace: dict) -> api.Exam:
    import grader.examiner.agent as agent

    agent.namespace = lambda: namespace  # the direct bridge answers from this "kernel"
    return api.Exam(DirectBridge(), None, Source([]), direct=True)


@pytest.fixture
def restore_agent():
    import grader.examiner.agent as agent

    saved = agent.namespace
    yield
    agent.namespace = saved


def test_checks_give_partial_credit_and_messages(restore_agent):
    ns = {"double": lambda x: 2 * x, "broken": lambda x: 1 / 0}
    ex = _direct_exam(ns)
    with ex.check("doubles", points=1):
        ex.close(ex.student.double(np.arange(3.0)), np.arange(3.0) * 2, "double(arange(3))")
    with ex.check("never fails", points=1):
        ex.student.broken(1)
    assert ex.done() == 1.0
    assert ex.results[1].message.startswith("your code raised ZeroDivisionError")


def test_all_or_nothing_cell_raises_in_direct_mode(restore_agent):
    ex = _direct_exam({"f": lambda: np.zeros(2)})
    with ex.check("shape"):
        ex.shape(ex.student.f(), (3,), "f()")
    with pytest.raises(AssertionError, match=r"expected an array of shape \(3,\)"):
        ex.done()


def test_not_answered_and_missing_names_are_explained(restore_agent):
    def stub():
        raise NotImplementedError()

    ex = _direct_exam({"stub": stub})
    with ex.check("stub"):
        ex.student.stub()
    with ex.check("missing"):
        ex.student.nowhere()
    assert "not answered yet" in ex.results[0].message
    assert "is not defined" in ex.results[1].message


def test_proxies_cannot_be_judged_without_fetching(restore_agent):
    ex = _direct_exam({"obj": object()})
    with pytest.raises(TypeError, match="fetch"):
        bool(ex.student.obj)
    with pytest.raises(TypeError):
        ex.student.obj == 1  # noqa: B015


def test_close_messages_describe_without_giving_the_answer():
    with pytest.raises(AssertionError) as info:
        api.Exam.close(np.array([1.0, 2.0, 3.5]), np.array([1.0, 2.0, 3.0]), "f(x)")
    text = str(info.value)
    assert "1 of 3 entries" in text and "3.0" not in text and "3.5" not in text


def test_rules_observed_in_the_student_process_are_not_counted_when_flagged(restore_agent):
    ex = _direct_exam({"f": lambda x: x})
    ex.flags = ["imports the grader package"]
    with ex.check("loop count"):
        ex.student_side_lines_run(ex.student.f, 1)
    assert ex.results[0].unverified and "a person will check it" in ex.results[0].message


# ---------------------------------------------------------------- the bridge to a real kernel

@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    kc.execute_interactive("import numpy as np\n"
                           "def add(a, b):\n    return a + b\n"
                           "class Box:\n    def __init__(self, v):\n        self.v = v\n"
                           "    def get(self):\n        return self.v\n"
                           "def spin():\n    while True:\n        pass\n"
                           "def deaf():\n    import signal, time\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                           "    while True:\n        time.sleep(0.1)\n"
                           "def chatty():\n    print('x' * 100000)\n    return 1\n", timeout=60)
    bridge = KernelBridge(km.get_connection_info())
    yield km, bridge
    bridge.close()
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_kernel_bridge_calls_constructs_and_fetches(kernel):
    _, bridge = kernel
    bridge.deadline = time.monotonic() + 60
    student = api.Student(bridge)
    assert np.array_equal(student.add(np.arange(3), 1), np.arange(1, 4))
    box = student.Box([1, (2, 3)])
    assert isinstance(box, Remote) and box.get() == [1, (2, 3)]
    assert bridge.get(box.v) == [1, (2, 3)]
    bridge.set(box, "v", {"k": np.ones(2)})
    assert np.array_equal(box.get()["k"], np.ones(2))
    sent = bridge.put(np.arange(4.0))
    assert np.array_equal(student.add(sent, sent), np.arange(4.0) * 2)
    other = student.Box([1, 2])
    assert student.add(other.v, [4]) == [1, 2, 4]  # a student object passed by its path
    with pytest.raises(StudentError, match="NameError"):
        student.missing()


def test_kernel_bridge_caps_what_the_student_prints(kernel):
    _, bridge = kernel
    bridge.deadline = time.monotonic() + 60
    bridge.output = []
    assert api.Student(bridge).chatty() == 1
    assert 0 < sum(len(t) for t in bridge.output) <= 20_000


def test_kernel_bridge_interrupts_an_endless_call_and_goes_on(kernel):
    _, bridge = kernel
    bridge.deadline = time.monotonic() + 2
    with pytest.raises(BridgeTimeout) as info:
        api.Student(bridge).spin()
    assert not info.value.lost
    bridge.deadline = time.monotonic() + 30
    assert api.Student(bridge).add(1, 2) == 3


def test_a_malformed_answer_fails_the_request_not_the_examiner(kernel):
    km, bridge = kernel
    from jupyter_client.blocking import BlockingKernelClient

    kc = BlockingKernelClient()
    kc.load_connection_info(km.get_connection_info())
    kc.start_channels()
    kc.execute_interactive("import grader.examiner.agent as _a\n_real = _a.answer\n"
                           "_a.answer = lambda req: {'nonce': req['nonce'], 'ok': True, "
                           "'value': {'__ndarray__': '!!', 'dtype': 'float64', 'shape': [10**9]}}", timeout=30)
    bridge.deadline = time.monotonic() + 30
    try:
        with pytest.raises(WireError):
            api.Student(bridge).add(1, 2)
    finally:
        kc.execute_interactive("_a.answer = _real", timeout=30)
        kc.stop_channels()
    assert api.Student(bridge).add(1, 2) == 3


def test_handle_refs_pickle_by_id():
    import pickle

    assert pickle.loads(pickle.dumps(HandleRef(7))).id == 7


# ---------------------------------------------------------------- waiting for a kernel

class _FakeClient:
    """A client whose iopub joins only after ``late`` kernel_info requests; ``alive`` False: a dead kernel."""

    def __init__(self, late: int, alive: bool = True):
        self.late, self.alive, self.asked, self.iopub = late, alive, 0, []
        self.shell: list = []

    def kernel_info(self):
        self.asked += 1
        self.shell.append({"parent_header": {"msg_id": str(self.asked)}, "content": {"protocol_version": "5.3"}})
        if self.asked > self.late:
            self.iopub += [{"msg_type": "status"}, {"msg_type": "status"}]
        return str(self.asked)

    def get_shell_msg(self, timeout):
        import queue
        if not self.alive or not self.shell:
            raise queue.Empty
        return self.shell.pop(0)

    def get_iopub_msg(self, timeout):
        import queue
        if not self.iopub:
            raise queue.Empty
        return self.iopub.pop(0)

    def is_alive(self):
        return self.alive

    def _handle_kernel_info_reply(self, msg):
        self.version = msg["content"]["protocol_version"]


def test_until_ready_asks_again_until_iopub_has_joined_and_drains_it():
    import asyncio

    from grader.examiner.ready import until_ready

    kc = _FakeClient(late=3)
    asyncio.run(until_ready(kc, timeout=5))
    assert kc.asked == 4 and kc.iopub == [] and kc.version == "5.3"
    with pytest.raises(RuntimeError, match="died"):
        asyncio.run(until_ready(_FakeClient(late=0, alive=False), timeout=5))
