"""Device choice and GPU checks shared by the assignments that use torch.

On a grader with CUDA these checks run on the GPU; without one they run the CPU
path, never cost marks for the missing GPU, and say so in the cell output (which
the grade report shows).

- :mod:`~grader.checks.gpu.device`         which device, the ``NOTE:`` line, TF32 off
- :mod:`~grader.checks.gpu.placement`      which devices an object keeps its tensors on
- :mod:`~grader.checks.gpu.cuda_lines`     hard-coded CUDA, line by line (in the student's kernel)
- :mod:`~grader.checks.gpu.cuda_syntax`    hard-coded CUDA, read from the syntax tree
- :mod:`~grader.checks.gpu.agreement`      the same computation on the CPU and the GPU, compared
- :mod:`~grader.checks.gpu.student_kernel` GPU checks the examiner runs in the student's kernel

Every public name is importable from this package, as it was from the single module it replaces.
"""

from grader.checks.gpu.agreement import cpu_gpu_agree, max_abs_difference, results_agree, run_on_cpu_and_gpu, \
    tf32_off, to_cpu
from grader.checks.gpu.cuda_lines import HARD_CODED_CUDA, hard_codes_cuda
from grader.checks.gpu.cuda_syntax import AVAILABILITY, CUDA_NAME, hard_coded_cuda, names_cuda
from grader.checks.gpu.device import announce, default_device, disable_tf32, has_cuda
from grader.checks.gpu.placement import device_line, devices_of, on_one_device
from grader.checks.gpu.student_kernel import note_where_checks_ran, student_has_cuda, student_tf32_off

__all__ = [
    "AVAILABILITY",
    "CUDA_NAME",
    "HARD_CODED_CUDA",
    "announce",
    "cpu_gpu_agree",
    "default_device",
    "device_line",
    "devices_of",
    "disable_tf32",
    "has_cuda",
    "hard_coded_cuda",
    "hard_codes_cuda",
    "max_abs_difference",
    "names_cuda",
    "note_where_checks_ran",
    "on_one_device",
    "results_agree",
    "run_on_cpu_and_gpu",
    "student_has_cuda",
    "student_tf32_off",
    "tf32_off",
    "to_cpu",
]
