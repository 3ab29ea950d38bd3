"""Everything that leaves the grader: grade tables, LMS files, feedback, PDFs, reports."""
