"""Warm kernels (:mod:`grader.sandbox.warm`): forked from a template, isolated as a cold kernel is.

Two submissions are forked one after the other from one template; the first leaves behind
what a student could leave (a file in ``/tmp`` and in ``/dev/shm``, a running process, a patched
module, a file next to the notebook) and the second must see none of it. Each kernel runs as
the unprivileged grading uid with no capability, sees only its own processes, and gets fresh
random seeds; the template has not initialised CUDA. Then a batch is graded warm and cold and
must get the same grades.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

import pytest

import grader
from grader.autograde.engine import autograde, worth_warming
from grader.export.grades import rows
from grader.sandbox import bwrap, warm
from grader.sandbox.kernel import WarmKernelManager
from tests.conftest import make_course, submit

needs_root_sandbox = pytest.mark.skipif(not bwrap.bwrap_path() or bwrap.sandbox_mode() != "root",
                                        reason="warm kernels need bubblewrap running as root")

FIRST = r"""
import os, subprocess, numpy
open('/tmp/left_behind', 'w').write('secret')
open('/dev/shm/left_behind', 'w').write('secret')
open('left_here.txt', 'w').write('secret')
subprocess.Popen(['sleep', '600'], start_new_session=True)
numpy.left_behind = True
"""
PROBE = r"""
import json, os, random, sys, numpy
status = dict(l.split(':', 1) for l in open('/proc/self/status') if l.startswith('Cap'))
procs = [p for p in os.listdir('/proc') if p.isdigit()]
names = [open(f'/proc/{p}/cmdline', 'rb').read().split(b'\0')[0].decode(errors='replace') for p in procs]
print(json.dumps({
    'uid': os.getuid(), 'caps': {k: int(v, 16) for k, v in status.items()},
    'tmp': sorted(os.listdir('/tmp')), 'shm': sorted(os.listdir('/dev/shm')), 'here': sorted(os.listdir('.')),
    'procs': names, 'patched': hasattr(numpy, 'left_behind'), 'random': [random.random(), numpy.random.rand()],
    'grader_modules': [m for m in sys.modules if m.startswith('grader')],
    'cuda_initialised': 'torch' in sys.modules and sys.modules['torch'].cuda.is_initialized(),
    'argv0': os.path.basename(sys.argv[0]), 'path0': sys.path[0] == os.getcwd(), 'home': os.environ['HOME'] == os.getcwd(),
}))
"""


async def _run(template: warm.KernelTemplate, codes: list[str]) -> list[str]:
    """Fork one kernel, run ``codes`` in it, return what each printed; the kernel is killed after."""
    work = Path(tempfile.mkdtemp(dir=template.work_base))
    ipc = Path(tempfile.mkdtemp(dir=template.ipc_base))
    for d in (work, ipc):
        bwrap.prepare_dir(d, template.key.slot)
    km = WarmKernelManager(bwrap.SandboxSpec(workdir=work, ipc_dir=ipc, slot=template.key.slot), template)
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    printed = []
    try:
        await kc.wait_for_ready(timeout=60)
        for code in codes:
            out: list[str] = []
            await kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(
                m["content"].get("text", "") if m["msg_type"] == "stream" else ""))
            printed.append("".join(out))
    finally:
        kc.stop_channels()
        km.kill_everything()
        shutil.rmtree(work, ignore_errors=True)
    return printed


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared")  # under /tmp, as a course or a venv may be
    (shared / "course_file.txt").write_text("visible")
    shared.chmod(0o755)
    key = warm.TemplateKey(slot=7, readonly=(str(Path(grader.__file__).parent), str(shared)), env=(),
                           preload=("numpy", "torch"), memory_mb=4096, max_processes=128, max_file_mb=64)
    t = warm.KernelTemplate(key)
    t.shared = shared
    yield t
    t.close()


@needs_root_sandbox
def test_a_forked_kernel_sees_nothing_of_the_one_before(template):
    first, probe1 = asyncio.run(_run(template, [FIRST, PROBE]))
    [probe2] = asyncio.run(_run(template, [PROBE]))
    before, after = json.loads(probe1), json.loads(probe2)
    assert "left_behind" in before["tmp"] and before["patched"]  # the first kernel did leave them
    assert "left_behind" not in after["tmp"] and "left_behind" not in after["shm"]
    assert after["here"] == [] and not after["patched"]
    assert not any("sleep" in p for p in after["procs"])
    assert after["random"] != before["random"]  # reseeded from the OS in each kernel


@needs_root_sandbox
def test_a_forked_kernel_is_unprivileged_and_alone(template):
    [probe] = asyncio.run(_run(template, [PROBE]))
    seen = json.loads(probe)
    assert seen["uid"] == bwrap.BASE_UID + 1 + 7
    assert seen["caps"] and not any(seen["caps"].values()), seen["caps"]
    assert len(seen["procs"]) <= 3, seen["procs"]  # its PID namespace: its init and itself
    assert seen["grader_modules"] == [] and not seen["cuda_initialised"]
    assert seen["argv0"] == "ipykernel_launcher.py" and seen["path0"] and seen["home"]
    assert template.preloaded == ["numpy", "torch"]


@needs_root_sandbox
def test_binds_under_tmp_stay_visible(template):
    """/tmp is emptied for each kernel, but what the sandbox binds there (a course, a venv) stays."""
    path = template.shared / "course_file.txt"
    [printed] = asyncio.run(_run(template, [f"print(open({str(path)!r}).read())"]))
    assert printed.strip() == "visible"


@needs_root_sandbox
def test_only_paths_under_the_template_can_be_used(template, tmp_path):
    with pytest.raises(ValueError):
        template.spawn(tmp_path, template.ipc_base / "x", [], {})


def test_a_template_is_started_only_where_it_pays():
    assert worth_warming(60, 2) and worth_warming(4, 1) and worth_warming(1, 0)  # 0: a remote cluster
    assert not worth_warming(2, 2) and not worth_warming(3, 2)


def test_the_preload_comes_from_the_notebooks_imports_without_helpers_or_pyplot():
    nb = {"cells": [{"cell_type": "code", "source": "import numpy as np\nimport torch.nn as nn\n"
                                                    "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
                                                    "from mnist_data import load\nfrom . import x"},
                    {"cell_type": "code", "source": "def broken(:"},
                    {"cell_type": "markdown", "source": "import os"}]}
    assert warm.preload_for([nb], {"mnist_data"}) == ("numpy", "torch.nn", "matplotlib.figure",
                                                      "matplotlib.font_manager")
    assert warm.shadows(["numpy.py", "data/x.csv"], ["numpy"]) and not warm.shadows(["my.py"], ["numpy"])


@needs_root_sandbox
def test_warm_and_cold_grade_alike(mini_course, tmp_path):
    course = make_course(tmp_path)
    shutil.copytree(mini_course.source / "mini", course.source / "mini")
    shutil.copytree(mini_course.release / "mini", course.release / "mini")
    src = json.loads((course.source / "mini" / "mini.ipynb").read_text())
    blank = json.loads((course.release / "mini" / "mini.ipynb").read_text())
    for i in range(3):
        submit(course, f"ref{i}", "mini", src)
    submit(course, "blank", "mini", blank)

    def grades() -> dict:
        return {(r["student"], r["grade_id"]): (r["points"], r["status"]) for r in rows(course, "mini")}

    autograde(course, "mini", workers=1, progress=False, sandbox="on", log=lambda *_: None)
    warm_grades = grades()
    used = [json.loads(p.read_text())["notebooks"][0].get("warm_kernels")
            for p in course.autograded.glob("*/mini/results.json")]
    autograde(course, "mini", workers=1, progress=False, sandbox="on", log=lambda *_: None,
              force=True, warm_kernels=False)
    assert used and all(n == 1 for n in used), used  # every kernel of the first run was forked
    assert grades() == warm_grades


@needs_root_sandbox
def test_figures_still_reach_the_outputs_when_matplotlib_is_preloaded(tmp_path):
    """pyplot is never preloaded (its inline backend registers per kernel); figures come out as PNG."""
    import nbformat

    from grader.autograde.execute import SandboxConfig, execute
    from grader.sandbox.limits import Limits

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])"),
                                         nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.imshow([[0, 1]])")])
    key = warm.TemplateKey(slot=9, readonly=(str(Path(grader.__file__).parent),), env=(),
                           preload=warm.preload_for([nb], set()), memory_mb=4096, max_processes=128, max_file_mb=64)
    template = warm.KernelTemplate(key)
    try:
        assert "matplotlib.font_manager" in template.preloaded
        work = Path(tempfile.mkdtemp(dir=template.work_base))
        bwrap.prepare_dir(work, 9)
        out = execute(nb, work, Limits(cell_timeout=60, notebook_timeout=120),
                      SandboxConfig(readonly=[Path(grader.__file__).parent], slot=9, template=template))
    finally:
        template.close()
    assert out.warm_kernels == 1
    assert all(any("image/png" in o.get("data", {}) for o in c.outputs) for c in out.notebook.cells)
