"""Course tooling: release, autograde, export and the checks that hidden tests use.

Sub-packages, one job each:

- ``grader.notebooks``  reading notebooks robustly, nbgrader cell metadata, authoring
- ``grader.release``    generating ``release/`` from ``source/`` and proving nothing leaks
- ``grader.autograde``  the grading pipeline: plan, assemble, execute, verdict, store
- ``grader.sandbox``    running a student's kernel isolated by the operating system
- ``grader.checks``     helpers hidden tests call (records, numerical and GPU checks)
- ``grader.export``     grades as JSON/CSV and other reports
- ``grader.cli``        the ``grader`` command: argument parsing only
"""

__version__ = "0.1.0"
