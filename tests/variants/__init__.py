"""Catalogues of buggy and correct versions of every graded function, one module per assignment."""
