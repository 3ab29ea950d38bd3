"""The autograding pipeline, one step per module (like nbgrader's preprocessors).

``plan``      which submissions need grading (resumable: unchanged ones are skipped)
``assemble``  the notebook to run: the student's answers with every test cell restored from source
``execute``   run it cell by cell in a sandboxed kernel (timeouts, crashes, restarts)
``verdict``   decide each graded cell in the grader's own process from the recorded values
``reference`` the reference solution's records, computed once per source notebook
``worker``    grade one submission: a pure function that Dask workers call
``store``     the single writer: autograded notebooks, results.json, nbgrader's gradebook
``engine``    tie it together: serial, local Dask cluster, or a remote scheduler
"""
