"""Reading notebooks, their nbgrader cell metadata, and authoring them from text."""
