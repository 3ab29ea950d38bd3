"""Running student code isolated by the operating system.

- :mod:`grader.sandbox.limits`   resource limits for one notebook
- :mod:`grader.sandbox.bwrap`    the bubblewrap command line (namespaces, binds, user)
- :mod:`grader.sandbox.cgroups`  memory and process-count limits through cgroups, when writable
- :mod:`grader.sandbox.kernel`   a Jupyter kernel manager that starts its kernel in the sandbox
"""

from grader.sandbox.limits import Limits

__all__ = ["Limits"]
