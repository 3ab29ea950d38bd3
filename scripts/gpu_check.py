"""The GPU check kit: grade every assignment's reference solution on this machine's GPU, and a
buggy version per GPU check, through the real pipeline (``grader autograde``, sandbox included).

Run it with ``bash scripts/gpu_check.sh`` on a machine with CUDA, from a clean clone after
``bash scripts/setup.sh``. It

1. says what this machine has (torch, CUDA, the GPU) and whether a sandboxed kernel sees the GPU;
2. runs the CPU/GPU agreement self-check of :mod:`grader.checks.gpu` (one training step of a small
   convolutional network on the CPU and on CUDA, TF32 off);
3. for each assignment, submits the reference solution (the ``source/`` notebooks) and, for each
   GPU check, one version with a bug only a GPU can reveal (:data:`GPU_BUGS`), grades them all with
   ``grader autograde`` in a throwaway course, and prints one line per graded cell: the assignment,
   the submission, the cell, where its checks ran (``cuda``/``cpu`` from the cell's GPU note; other
   cells: the device the notebook's kernel could use) and its status with the points;
4. exits 1 when a reference loses a point or cannot be graded, 2 when (with CUDA) a GPU bug keeps
   full marks on its GPU check, 0 otherwise.

Without CUDA it still runs, says so on its first lines, and skips nothing but the GPU itself: the
GPU checks then run their CPU path (the GPU bugs are expected to keep their marks there). On a slow
machine, ``--only cnn,pretrained`` limits the run to some assignments.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GPU_NOTE_CUDA = "GPU checks ran on CUDA"
GPU_NOTE_CPU = "GPU checks ran without a GPU"


@dataclass(frozen=True)
class GpuBug:
    """A version of one solution cell whose bug only shows when the code runs on a GPU."""

    assignment: str
    notebook: str
    cell: str          # the solution cell it replaces
    gpu_test: str      # the GPU check that must catch it
    name: str
    code: str = ""     # empty: take the catalogue's variant of this name (tests/variants/<assignment>.py)


GPU_BUGS = [
    GpuBug("cnn", "cnn_digits", "train_solution", "test_gpu", "batches_left_on_the_cpu", '''
def train_cnn(net, trainloader, epochs, lr, device):
    net.to(device)
    loss_function = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    epoch_losses = []
    for epoch in range(epochs):
        net.train()
        batch_losses = []
        for images, labels in trainloader:        # the batches stay where the loader made them
            optimizer.zero_grad()
            loss = loss_function(net(images), labels)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        epoch_losses.append(float(np.mean(batch_losses)))
    return epoch_losses
'''),
    GpuBug("pretrained", "pretrained_inference", "predict_solution", "test_predict_gpu", "never_moves_to_the_gpu", '''
def predict_proba(model, dataloader):
    model.eval()
    chunks = []
    with torch.no_grad():
        for batch in dataloader:
            chunks.append(F.softmax(model(batch), dim=1))
    return torch.cat(chunks).numpy()


def predict(model, dataloader):
    return predict_proba(model, dataloader).argmax(axis=1)
'''),
    GpuBug("linear_classifiers", "linear_classifiers", "", "test_image_classifier_gpu", "hard_coded_cuda"),
]


@dataclass
class Line:
    """One graded cell of one submission."""

    assignment: str
    student: str
    notebook: str
    grade_id: str
    where: str
    status: str
    points: float
    max_points: float
    message: str = ""

    def text(self) -> str:
        return (f"{self.assignment:<18} {self.student:<34} {self.grade_id:<34} {self.where:<11} "
                f"{self.status:<8} {self.points:g}/{self.max_points:g}")


@dataclass
class Report:
    cuda: bool
    lines: list[Line] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)      # a reference lost points or could not be graded
    uncaught: list[str] = field(default_factory=list)      # a GPU bug kept its marks on CUDA
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 2 if self.uncaught else 0


# ---------------------------------------------------------------------------------------------- machine

def machine() -> tuple[bool, str]:
    import torch

    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        return True, f"torch {torch.__version__}, CUDA {torch.version.cuda}, GPU: {name}"
    return False, (f"torch {torch.__version__}: NO CUDA on this machine. The GPU checks run their CPU path "
                   "and the GPU bugs are expected to keep their marks; run this on a machine with CUDA to "
                   "check the GPU path.")


def agreement_self_check() -> str:
    """One training step of a small CNN on the CPU and on CUDA (TF32 off): do they agree?"""
    import torch

    from grader.checks import gpu

    def step(device):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                  torch.nn.Linear(8 * 16 * 16, 10)).to(device)
        x = torch.randn(32, 3, 16, 16, generator=torch.Generator().manual_seed(1)).to(device)
        y = torch.arange(32).remainder(10).to(device)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return [loss.detach(), *[p.detach() for p in net.parameters()]]

    ok, message = gpu.cpu_gpu_agree(step)
    return f"{'ok' if ok else 'FAILED'}: one training step on the CPU and on CUDA: {message}"


def sandbox_sees_cuda(course, sandbox: str) -> str:
    """Whether a kernel started the way grading starts it (sandbox included) can use CUDA."""
    import nbformat

    from grader.autograde.engine import readonly_paths, sandbox_enabled
    from grader.autograde.execute import SandboxConfig, execute
    from grader.sandbox.limits import Limits

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import torch\nprint('CUDA-IN-KERNEL', torch.cuda.is_available())")])
    enabled = sandbox_enabled(sandbox)
    with tempfile.TemporaryDirectory(prefix="gpu-kit-probe-") as tmp:
        config = SandboxConfig(enabled=enabled, readonly=[Path(p) for p in readonly_paths(course)],
                               env={"NBGRADER_EXECUTION": "autograde"})
        outcome = execute(nb, Path(tmp), Limits(cell_timeout=120, notebook_timeout=300), config)
    text = "".join(str(o.get("text", "")) for o in outcome.notebook.cells[0].get("outputs", []))
    kind = "sandboxed kernel" if enabled else "kernel (no sandbox)"
    if "CUDA-IN-KERNEL True" in text:
        return f"cuda ({kind} sees the GPU)"
    if "CUDA-IN-KERNEL False" in text:
        return f"cpu ({kind} sees no GPU)"
    return f"unknown ({kind} did not answer: {outcome.message or text[:200]})"


# ---------------------------------------------------------------------------------------------- grading

def gpu_bugs_for(assignment: str) -> list[tuple[GpuBug, object]]:
    """(bug, Variant) for the assignment's GPU checks; catalogue names are looked up."""
    from tests.variants.variant import Variant

    out = []
    for bug in GPU_BUGS:
        if bug.assignment != assignment:
            continue
        if bug.code:
            out.append((bug, Variant(bug.notebook, bug.cell, bug.name, False, bug.code, (bug.gpu_test,))))
            continue
        try:
            import importlib

            catalogue = importlib.import_module(f"tests.variants.{assignment}").VARIANTS
        except ModuleNotFoundError:
            catalogue = []
        found = [v for v in catalogue if v.name == bug.name and not v.correct]
        if found:
            out.append((bug, found[0]))
    return out


def make_course(source_root: Path, tmp: Path, assignment: str):
    """A throwaway course with the real configuration and one assignment (source, release, data)."""
    from grader.course import Course

    tmp.mkdir(parents=True, exist_ok=True)
    if (source_root / "nbgrader_config.py").exists():
        shutil.copy(source_root / "nbgrader_config.py", tmp / "nbgrader_config.py")
    for part in ("source", "release"):
        if (source_root / part / assignment).is_dir():
            shutil.copytree(source_root / part / assignment, tmp / part / assignment)
    (tmp / "source").mkdir(exist_ok=True)
    if (source_root / "data").exists():
        (tmp / "data").symlink_to((source_root / "data").resolve())
    return Course(tmp.resolve())


def submit(course, student: str, assignment: str, notebooks: dict[str, dict]) -> None:
    folder = course.submitted / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")


def where_of(message: str, kernel: str) -> str:
    if GPU_NOTE_CUDA in message:
        return "cuda"
    if GPU_NOTE_CPU in message:
        return "cpu"
    return f"kernel:{kernel.split()[0]}"


def grade_assignment(source_root: Path, assignment: str, report: Report, *, variants: bool, sandbox: str,
                     backend: str, workers: int | None, kernel: str, work: Path, log=print) -> None:
    import nbformat

    from grader.autograde.engine import autograde
    from grader.export.grades import rows

    course = make_course(source_root, work / assignment, assignment)
    names = course.notebooks(assignment)
    sources = {n: json.loads((course.source / assignment / f"{n}.ipynb").read_text()) for n in names}
    submit(course, "reference", assignment, sources)
    bugs = gpu_bugs_for(assignment) if variants else []
    from tests.variants.variant import apply

    for bug, variant in bugs:
        nbs = dict(sources)
        nbs[variant.notebook] = json.loads(nbformat.writes(apply(nbformat.reads(json.dumps(sources[variant.notebook]),
                                                                                   as_version=4), variant)))
        submit(course, f"gpu-bug--{variant.name}", assignment, nbs)
    started = time.monotonic()
    summary = autograde(course, assignment, force=True, backend=backend, workers=workers, sandbox=sandbox,
                        progress=False, log=lambda *_: None)
    seconds = time.monotonic() - started
    for student in summary.failed + summary.timed_out:
        text = f"{assignment}: {student} could not be graded: {summary.messages.get(student, '')[:300]}"
        (report.problems if student == "reference" else report.notes).append(text)
    graded = [r for r in rows(course, assignment) if r.get("kind") != "manual"]
    for r in graded:
        line = Line(assignment, r["student"], r["notebook"], r["grade_id"], where_of(r.get("message") or "", kernel),
                    r["status"], float(r["points"] or 0), float(r["max_points"] or 0), r.get("message") or "")
        report.lines.append(line)
        log(line.text())
        if line.student == "reference" and line.points < line.max_points:
            report.problems.append(f"{assignment}: the reference lost points on {line.grade_id}: "
                                   f"{line.message[:300]}")
    for bug, variant in bugs:
        mine = [ln for ln in report.lines if ln.student == f"gpu-bug--{variant.name}" and ln.grade_id == bug.gpu_test]
        caught = any(ln.points < ln.max_points for ln in mine)
        if report.cuda and not caught:
            report.uncaught.append(f"{assignment}: the GPU bug {variant.name} kept full marks on {bug.gpu_test}")
        state = "caught" if caught else ("NOT caught" if report.cuda else "not caught (expected without CUDA)")
        log(f"{assignment:<18} GPU bug {variant.name} on {bug.gpu_test}: {state}")
    log(f"{assignment:<18} graded {len(summary.graded)} submission(s) in {seconds:.1f} s "
        f"(the reference solution's own run: {summary.reference_seconds:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gpu_check", description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default="", help="comma-separated assignments (default: all of the course)")
    p.add_argument("--course", type=Path, default=ROOT, help="the course folder (default: this repository)")
    p.add_argument("--no-variants", action="store_true", help="grade the reference solutions only")
    p.add_argument("--sandbox", choices=("auto", "on", "off"), default="auto")
    p.add_argument("--backend", choices=("dask", "serial"), default="dask")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--keep", type=Path, default=None, help="keep the throwaway courses in this folder")
    args = p.parse_args(argv)

    from grader.course import Course

    course = Course.at(args.course)
    assignments = [a for a in course.assignments() if not args.only or a in args.only.split(",")]
    unknown = sorted(set(filter(None, args.only.split(","))) - set(course.assignments()))
    if unknown:
        print(f"gpu_check: unknown assignment(s): {', '.join(unknown)}", file=sys.stderr)
        return 1
    cuda, about = machine()
    report = Report(cuda)
    print(f"gpu_check: {about}")
    print(f"gpu_check: CPU/GPU agreement self-check: {agreement_self_check()}")
    kernel = sandbox_sees_cuda(course, args.sandbox)
    print(f"gpu_check: notebook kernels run on: {kernel}")
    if cuda and not kernel.startswith("cuda"):
        report.problems.append(f"this machine has CUDA but the grading kernel does not see it: {kernel}")
    print(f"{'assignment':<18} {'submission':<34} {'graded cell':<34} {'where':<11} {'status':<8} points")
    work = Path(tempfile.mkdtemp(prefix="gpu-kit-")) if args.keep is None else args.keep
    start = time.monotonic()
    try:
        for assignment in assignments:
            grade_assignment(args.course.resolve(), assignment, report, variants=not args.no_variants,
                             sandbox=args.sandbox, backend=args.backend, workers=args.workers, kernel=kernel,
                             work=work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"gpu_check: {len(assignments)} assignment(s) in {time.monotonic() - start:.0f} s")
    for text in report.problems:
        print(f"gpu_check: PROBLEM: {text}")
    for text in report.uncaught:
        print(f"gpu_check: GPU BUG NOT CAUGHT: {text}")
    for text in report.notes:
        print(f"gpu_check: note: {text}")
    if not cuda:
        print("gpu_check: ran WITHOUT CUDA: the GPU path has not been checked on this machine")
    print(f"gpu_check: {'OK' if report.exit_code == 0 else 'FAILED'}")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
