"""The AI Energy Score suite's shared library: tasks, classes, bundle schema, scoring, store."""

__version__ = "0.1.0"
