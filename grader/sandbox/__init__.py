"""Running student code isolated by the operating system.

- :mod:`grader.sandbox.limits`   resource limits for one notebook
- :mod:`grader.sandbox.bwrap`    the bubblewrap command line (namespaces, binds, user)
- :mod:`grader.sandbox.cgroups`  memory and process-count limits through cgroups, when writable
- :mod:`grader.sandbox.kernel`   a Jupyter kernel manager that starts its kernel in the sandbox
- :mod:`grader.sandbox.preflight` before the first submission: can a sandboxed kernel start, else what to change
- :mod:`grader.sandbox.warm`     warm kernels: a per-worker template that forks each kernel (grader side)
- :mod:`grader.sandbox.zygote`   that template, inside the sandbox: preloads, forks, reaps
- :mod:`grader.sandbox.isolate`  what each forked kernel does to itself: namespaces, mounts, uid, capabilities
"""

from grader.sandbox.limits import Limits

__all__ = ["Limits"]
