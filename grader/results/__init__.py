"""Results: one typed model of a graded submission, and the one store that reads and writes it.

``model``  :class:`Status`, :class:`CellResult`, :class:`SubmissionResult`
``store``  ``autograded/<student>/<assignment>/results.json`` (atomic writes, tolerant reads)
           and the one rule that lays manual grades from the gradebook over it
"""
