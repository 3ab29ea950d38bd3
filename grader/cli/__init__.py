"""The ``grader`` command: one module per subcommand, each only parsing arguments and calling the library."""
