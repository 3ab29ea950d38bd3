"""Generating ``release/`` from ``source/`` with nbgrader, and proving nothing hidden leaks."""
