"""nbgrader configuration for this course (the repository root is the course directory)."""

c = get_config()  # noqa: F821  (injected by traitlets)

c.CourseDirectory.root = "."
c.CourseDirectory.course_id = "dl-course"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# Helper files (visible checkers, images) travel with the notebooks; caches do not.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

c.Exchange.root = "exchange"  # local exchange for `nbgrader release_assignment` / `collect`

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Plain `nbgrader autograde` still works; `grader autograde` adds isolation and parallelism.
c.ExecutePreprocessor.timeout = 300
c.Execute.timeout = 300
